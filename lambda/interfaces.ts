import { parseAwsId } from '../shared/aws-formats';
import { NO_FAILURES } from './dns/failures';
import type { DescribeInterfaces } from './ec2-query';
import { compareIps, isTargetableIpv4 } from './ip';
import type { Discovery } from './types';

/** The description ELB gives every network interface of an ALB's nodes: `ELB app/<name>/<id>`. */
export function interfaceDescription(albArn: string): string {
  const arn = parseAwsId('albArn', albArn);
  if (!arn) throw new Error(`not an ALB ARN: ${JSON.stringify(albArn)}`);
  // ALB names hold only letters, digits and hyphens, so the description is safe as an exact filter.
  return `ELB ${arn.resource}`;
}

/**
 * Pages of one listing: 1000 is the API's largest page, so an ALB (at most a few hundred nodes) takes one call.
 * Past MAX_PAGES, or on a page token seen before, the listing is taken as incomplete rather than followed forever.
 */
export const INTERFACE_LISTING = { pageSize: 1000, maxPages: 20 } as const;

/** One interface as the listing reports it: only what the discovery reads. */
export interface ListedInterface {
  readonly id: string;
  readonly description: string;
  readonly vpcId?: string;
  /** Private IPv4 addresses, primary first. */
  readonly privateIps: readonly string[];
  readonly ipv6: readonly string[];
}

/** One page of DescribeNetworkInterfaces filtered on `description`. */
export type ListInterfacesPage = (
  description: string,
  nextToken: string | undefined,
) => Promise<{ readonly interfaces: readonly ListedInterface[]; readonly nextToken?: string }>;

/** The listing, every page read. `complete` is false when a page could not be had; `error` then says why. */
export interface InterfaceListing {
  readonly interfaces: readonly ListedInterface[];
  readonly calls: number;
  readonly complete: boolean;
  readonly error?: string;
}

/** Errors by which the API says the caller may not list interfaces, or may not assume the role. */
const DENIED = new Set(['UnauthorizedOperation', 'AccessDenied', 'AccessDeniedException']);

/** An interface listing in the role of DISCOVERY_ROLE_ARN could not get its credentials. */
export class AssumeRoleError extends Error {
  override readonly name = 'AssumeRoleError';
  constructor(
    readonly roleArn: string,
    readonly reason: unknown,
  ) {
    super(`sts:AssumeRole on ${roleArn} failed: ${errorText(reason)}`);
  }
}

/** Reads every page; a failed page ends the listing incomplete, naming the permission an access denial lacks. */
export async function listInterfaces(description: string, page: ListInterfacesPage): Promise<InterfaceListing> {
  const interfaces: ListedInterface[] = [];
  const tokens = new Set<string>();
  let nextToken: string | undefined;
  let calls = 0;
  do {
    if (calls >= INTERFACE_LISTING.maxPages)
      return { interfaces, calls, complete: false, error: `more than ${INTERFACE_LISTING.maxPages} pages` };
    calls += 1;
    try {
      const answer = await page(description, nextToken);
      interfaces.push(...answer.interfaces);
      nextToken = answer.nextToken || undefined;
    } catch (error) {
      return { interfaces, calls, complete: false, error: denialOrError(error) };
    }
    if (nextToken !== undefined && tokens.has(nextToken))
      return { interfaces, calls, complete: false, error: `page token ${nextToken} came back twice` };
    if (nextToken !== undefined) tokens.add(nextToken);
  } while (nextToken !== undefined);
  return { interfaces, calls, complete: true };
}

function denialOrError(error: unknown): string {
  if (error instanceof AssumeRoleError) {
    return DENIED.has(errorName(error.reason))
      ? `access denied: the function's ` +
          `role may not sts:AssumeRole on ${error.roleArn} (or that role's trust policy does not admit it): ${errorText(error.reason)}`
      : error.message;
  }
  return DENIED.has(errorName(error))
    ? `access denied: ec2:DescribeNetworkInterfaces is not allowed (${errorText(error)})`
    : `DescribeNetworkInterfaces failed: ${errorText(error)}`;
}

const errorName = (error: unknown): string => (error as { name?: string; Code?: string })?.name ?? '';
const errorText = (error: unknown): string => {
  const { name, message } = error as { name?: string; message?: string };
  return name && message && !message.startsWith(name) ? `${name}: ${message}` : (message ?? String(error));
};

/** The outcome of one interface discovery: the Discovery the rules read, and an error when it found no node set. */
export interface InterfaceDiscoveryRun {
  readonly discovery: Discovery;
  readonly error?: string;
}

/**
 * What a listing says of the ALB's nodes. Pure. The filter asked for the exact description, but what it cannot
 * promise is checked here: an interface whose description is not exactly this ALB's (another ALB, a Network Load
 * Balancer's `ELB net/...`) is never a node, and its presence means the answer is not what was asked for; the
 * ALB's interfaces in more than one VPC cannot all be its nodes (an ALB lives in one VPC). Either makes the
 * discovery unclean, and the second fails it. An incomplete listing fails the run, registering what it found
 * but removing nothing; a complete one with no interface fails closed.
 */
export function interfaceDiscovery(albArn: string, description: string, listing: InterfaceListing): InterfaceDiscoveryRun {
  const ours = listing.interfaces.filter((found) => found.description === description);
  const foreign = listing.interfaces.filter((found) => found.description !== description);
  const vpcs = [...new Set(ours.map((found) => found.vpcId ?? 'no VPC'))].sort();
  const reasons = [
    ...(listing.complete ? [] : [`the interface listing did not complete after ${listing.calls} calls: ${listing.error}`]),
    ...(foreign.length > 0
      ? [
          `${foreign.length} interfaces not of ` +
            `this ALB in the answer (${foreign.map((found) => `${found.id} "${found.description}"`).join(', ')})`,
        ]
      : []),
  ];
  const discovered = (ips: readonly string[], ignored: readonly string[], extra: readonly string[]): Discovery => ({
    source: 'interfaces',
    ips,
    ignored,
    queries: listing.calls,
    failures: listing.complete ? 0 : 1,
    failuresByKind: NO_FAILURES,
    nonAuthoritative: 0,
    clean: reasons.length + extra.length === 0,
    uncleanReasons: [...reasons, ...extra],
  });
  if (vpcs.length > 1) {
    const why =
      `interfaces described "${description}" are in ${vpcs.length} VPCs (${vpcs.join(', ')}): an ALB has one, so which ` +
      `are its nodes is unknown`;
    return { discovery: discovered([], [], [why]), error: `interface discovery of ${albArn} failed: ${why}` };
  }
  const addresses = ours.flatMap((found) => found.privateIps);
  const ips = [...new Set(addresses.filter(isTargetableIpv4))].sort(compareIps);
  const ignored = [...new Set([...addresses.filter((ip) => !isTargetableIpv4(ip)), ...ours.flatMap((found) => found.ipv6)])].sort(
    compareIps,
  );
  const discovery = discovered(ips, ignored, []);
  // A failed AWS call fails the run, as any other does; what the pages read held is still registered.
  if (ips.length > 0)
    return listing.complete ? { discovery } : { discovery, error: `interface discovery of ${albArn} is incomplete: ${reasons[0]}` };
  const why = !listing.complete
    ? discovery.uncleanReasons.join('; ')
    : ours.length === 0
      ? `no network interface is described "${description}": the ALB does not exist, or it is in another account (set ` +
        `DISCOVERY_ROLE_ARN to a role there, or use DNS discovery)`
      : `its ${ours.length} interfaces hold no private IPv4 address (ignored: ${ignored.join(', ') || 'none'})`;
  return {
    discovery: { ...discovery, clean: false, uncleanReasons: discovery.clean ? [why] : discovery.uncleanReasons },
    error: `interface discovery of ${albArn} found no node: ${why}`,
  };
}

/** Lists and reads the ALB's interfaces. */
export async function discoverInterfaces(albArn: string, page: ListInterfacesPage): Promise<InterfaceDiscoveryRun> {
  const description = interfaceDescription(albArn);
  return interfaceDiscovery(albArn, description, await listInterfaces(description, page));
}

/** Pages from the EC2 API: the query retries throttling (RequestLimitExceeded) within its bounded attempts. */
export function ec2InterfacePages(describe: DescribeInterfaces, abortSignal?: AbortSignal): ListInterfacesPage {
  return (description, nextToken) => describe({ description, maxResults: INTERFACE_LISTING.pageSize, nextToken }, abortSignal);
}
