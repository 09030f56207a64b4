import { AWS_FORMATS, isPort, parseAwsId, PORT_RANGE, type AwsFormat } from '../shared/aws-formats';
import type { DnsServer } from './dns/types';
import { DISCOVERY_SOURCES, SYNC_VARIABLES, type DiscoverySource } from './environment';
import { isIpv4 } from './ip';
import type { DecisionSettings } from './types';

/** Everything one run needs from its environment, validated. */
export interface Settings extends DecisionSettings {
  /** ALB_DNS_NAME: the internal ALB's DNS name. */
  readonly albDnsName: string;
  /** ALB_LISTENER: the port targets are registered with. */
  readonly albListener: number;
  /** NLB_TG_ARN: the target group kept in sync. */
  readonly targetGroupArn: string;
  /** The target group's region, from its ARN: the clients talk to it wherever the run happens. */
  readonly region: string;
  /** S3_BUCKET: where the state object lives. */
  readonly bucket: string;
  /** MAX_LOOKUP_PER_INVOCATION: cap on DNS queries per run, retries included. */
  readonly maxLookups: number;
  /** CW_METRIC_FLAG_IP_COUNT: publish the IPCount metric. */
  readonly publishIpCount: boolean;
  /** SAME_VPC: false registers targets with AvailabilityZone `all`. */
  readonly sameVpc: boolean;
  /**
   * DNS_SERVERS: when set, every lookup goes to exactly these and the zone's name servers are not looked up.
   * They must be authoritative for the ALB's name: a resolver's answers lack the AA flag, and a discovery with
   * any such answer is never clean, so nothing is ever removed.
   */
  readonly dnsServers?: readonly DnsServer[];
  /** DISCOVERY: how the run learns the ALB's nodes; `dns` when unset, as a 0.2 function had it. */
  readonly discovery: DiscoverySource;
  /** ALB_ARN: required unless discovery is `dns`, where it has no use. */
  readonly albArn?: string;
  /** DISCOVERY_ROLE_ARN: the role in the ALB's account the interface listing runs as. */
  readonly discoveryRoleArn?: string;
  /** Variables set that have no effect in this configuration, for the run's report. */
  readonly warnings: readonly string[];
}

/** The variables and their defaults, compatible with AWS's reference function (plus the last two). */
export const SETTING_DEFAULTS = {
  DISCOVERY: 'dns',
  // The stopping rule needs 455 answers at N = 250 nodes; 1000 (also the limit) leaves room for retries and
  // covers N <= 520. The discovery's 12 s budget, not this cap, is what bounds a run against slow servers.
  MAX_LOOKUP_PER_INVOCATION: 1000,
  INVOCATIONS_BEFORE_DEREGISTRATION: 3,
  /**
   * The grace under interface discovery. The listing is what EC2 states, every page read, not a sample: an
   * interface that is gone means ELB deleted the node after draining it, and its address went back to the subnet,
   * where another interface may take it. So a target leaves on the first complete listing without it. Were one
   * listing ever to omit a live interface (EC2's API is eventually consistent), the cap and the last-target rule
   * bound the removal and the next run registers the node again.
   */
  INTERFACE_INVOCATIONS_BEFORE_DEREGISTRATION: 1,
  CW_METRIC_FLAG_IP_COUNT: true,
  SAME_VPC: true,
  MAX_DEREGISTRATION_PERCENT: 50,
} as const;

/** Ranges the function accepts; config/ checks environments against the same at synth. */
export const SETTING_LIMITS = {
  MAX_LOOKUP_PER_INVOCATION: { min: 1, max: 1000 },
  INVOCATIONS_BEFORE_DEREGISTRATION: { min: 1, max: 1000 },
  MAX_DEREGISTRATION_PERCENT: { min: 1, max: 100 },
  port: PORT_RANGE,
} as const;

const DNS_PORT = 53;
const HOST_LABEL = /^(?!-)[a-z0-9-]{1,63}(?<!-)$/i;

/** A variable that is missing or malformed. Thrown before any DNS or AWS call. */
export class SettingsError extends Error {
  override readonly name = 'SettingsError';
}

type Env = Readonly<Record<string, string | undefined>>;

/**
 * Reads and validates the sync's variables. Every problem is reported at once, each naming its variable and
 * the value found, so one failed run is enough to fix the configuration.
 */
export function parseSettings(env: Env): Settings {
  const problems: string[] = [];
  const field = <T>(variable: string, parse: (value: string | undefined) => T): T => {
    try {
      return parse(env[variable]);
    } catch (error) {
      problems.push(`${variable} ${(error as Error).message}`);
      return undefined as T;
    }
  };
  const v = SYNC_VARIABLES;
  const albDnsName = field(v.albDnsName, required(hostname));
  const albListener = field(v.albListener, required(integerIn(SETTING_LIMITS.port)));
  const targetGroupArn = field(v.targetGroupArn, required(awsId('targetGroupArn')));
  const discovery = field(v.discovery, optional(discoverySource, SETTING_DEFAULTS.DISCOVERY));
  // DNS alone never lists interfaces: an ARN or a role there would be a setting with no effect.
  const listsInterfaces = discovery !== 'dns';
  const albArn = field(v.albArn, listsInterfaces ? required(awsId('albArn')) : optional(awsId('albArn'), undefined));
  const discoveryRoleArn = field(v.discoveryRoleArn, optional(awsId('iamRoleArn'), undefined));
  const unused = !listsInterfaces ? [albArn && v.albArn, discoveryRoleArn && v.discoveryRoleArn].filter((name) => !!name) : [];
  const defaultGrace = listsInterfaces
    ? SETTING_DEFAULTS.INTERFACE_INVOCATIONS_BEFORE_DEREGISTRATION
    : SETTING_DEFAULTS.INVOCATIONS_BEFORE_DEREGISTRATION;
  const settings: Settings = {
    albDnsName,
    albListener,
    targetGroupArn,
    region: targetGroupArn && parseAwsId('targetGroupArn', targetGroupArn)!.region,
    bucket: field(v.bucket, required(bucketName)),
    maxLookups: field(
      v.maxLookups,
      optional(integerIn(SETTING_LIMITS.MAX_LOOKUP_PER_INVOCATION), SETTING_DEFAULTS.MAX_LOOKUP_PER_INVOCATION),
    ),
    invocationsBeforeDeregistration: field(
      v.invocationsBeforeDeregistration,
      optional(integerIn(SETTING_LIMITS.INVOCATIONS_BEFORE_DEREGISTRATION), defaultGrace),
    ),
    publishIpCount: field(v.publishIpCount, optional(flag, SETTING_DEFAULTS.CW_METRIC_FLAG_IP_COUNT)),
    sameVpc: field(v.sameVpc, optional(flag, SETTING_DEFAULTS.SAME_VPC)),
    maxDeregistrationPercent: field(
      v.maxDeregistrationPercent,
      optional(integerIn(SETTING_LIMITS.MAX_DEREGISTRATION_PERCENT), SETTING_DEFAULTS.MAX_DEREGISTRATION_PERCENT),
    ),
    dnsServers: field(v.dnsServers, optional(dnsServerList, undefined)),
    discovery,
    albArn,
    discoveryRoleArn,
    warnings: unused.map((name) => `${name} has no effect: ${v.discovery} is dns, which lists no interfaces`),
  };
  if (problems.length > 0) throw new SettingsError(`invalid sync configuration: ${problems.join('; ')}`);
  return settings;
}

function required<T>(parse: (value: string) => T): (value: string | undefined) => T {
  return (value) => {
    if (value === undefined || value.trim() === '') throw new Error('is required but not set');
    return parse(value);
  };
}

function optional<T, D>(parse: (value: string) => T, fallback: D): (value: string | undefined) => T | D {
  return (value) => (value === undefined || value.trim() === '' ? fallback : parse(value));
}

function integerIn({ min, max }: { readonly min: number; readonly max: number }): (value: string) => number {
  return (value) => {
    const n = /^\s*\d+\s*$/.test(value) ? Number(value) : NaN;
    if (!Number.isSafeInteger(n) || n < min || n > max)
      throw new Error(`must be an integer from ${min} to ${max}, got ${JSON.stringify(value)}`);
    return n;
  };
}

function flag(value: string): boolean {
  const normalized = value.trim().toLowerCase();
  if (normalized === 'true') return true;
  if (normalized === 'false') return false;
  throw new Error(`must be true or false, got ${JSON.stringify(value)}`);
}

function hostname(value: string): string {
  const labels = value.split('.');
  if (value.length > 253 || labels.length < 2 || !labels.every((label) => HOST_LABEL.test(label)) || isIpv4(value)) {
    throw new Error(`must be a DNS host name such as internal-app-123.eu-west-1.elb.amazonaws.com, got ${JSON.stringify(value)}`);
  }
  return value;
}

/** An identifier in one of the shared AWS formats; the error names the format expected. */
function awsId(format: AwsFormat): (value: string) => string {
  const { pattern, description } = AWS_FORMATS[format];
  return (value) => {
    if (!pattern.test(value)) throw new Error(`must be ${description}, got ${JSON.stringify(value)}`);
    return value;
  };
}

function discoverySource(value: string): DiscoverySource {
  const source = DISCOVERY_SOURCES.find((known) => known === value.trim());
  if (!source) throw new Error(`must be one of ${DISCOVERY_SOURCES.join(', ')}, got ${JSON.stringify(value)}`);
  return source;
}

function bucketName(value: string): string {
  if (!AWS_FORMATS.s3BucketName.pattern.test(value) || value.includes('..') || isIpv4(value)) {
    throw new Error(`must be ${AWS_FORMATS.s3BucketName.description}, got ${JSON.stringify(value)}`);
  }
  return value;
}

/** `host` or `host:port`, comma-separated; hosts are IPv4 addresses or host names, ports 1-65535. */
function dnsServerList(value: string): readonly DnsServer[] {
  return value.split(',').map((entry) => {
    const [host, port, ...rest] = entry.trim().split(':');
    const validHost = isIpv4(host) || (host.length <= 253 && host.split('.').every((label) => HOST_LABEL.test(label)));
    const portNumber = port === undefined ? DNS_PORT : /^\d{1,5}$/.test(port) ? Number(port) : NaN;
    if (!validHost || rest.length > 0 || !isPort(portNumber)) {
      throw new Error(
        `must be comma-separated host or host:port entries (ports ${SETTING_LIMITS.port.min}-${SETTING_LIMITS.port.max}); ` +
          `${JSON.stringify(entry.trim())} is not, in ${JSON.stringify(value)}`,
      );
    }
    return { host, port: portNumber };
  });
}
