/**
 * The sync, from a laptop, changing nothing: `npm run sync -- --dry-run [--json]`.
 *
 * Takes the function's own variables from the environment (ALB_DNS_NAME, ALB_LISTENER, NLB_TG_ARN, S3_BUCKET, ...)
 * and the caller's AWS credentials, then runs the handler's pipeline up to the decision: discovery,
 * DescribeTargetHealth, the state read, decide. It never registers, deregisters or writes the state.
 * With ALB_ARN set it lists the interfaces and samples DNS whatever DISCOVERY says, decides from the source
 * DISCOVERY names, and shows the two sets apart.
 */
import { createClients, interfaceAccess } from '../lambda/clients';
import { parseSettings } from '../lambda/settings';
import { discoverAlb, type DiscoveryComparison } from '../lambda/discovery';
import { defaultDeps, plan, stateLocation, type Plan } from '../lambda/sync';
import type { Discovery, HoldReason } from '../lambda/types';

const USAGE = 'usage: ALB_DNS_NAME=... ALB_LISTENER=... NLB_TG_ARN=... S3_BUCKET=... npm run sync -- --dry-run [--json]';
const FLAGS = new Set(['--dry-run', '--json']);

export async function dryRun(argv: readonly string[], env: NodeJS.ProcessEnv, print: (line: string) => void): Promise<number> {
  const unknown = argv.filter((arg) => !FLAGS.has(arg));
  if (unknown.length > 0 || !argv.includes('--dry-run')) {
    // There is no apply mode from a laptop: changes belong to the deployed function, under its own role.
    print(
      unknown.length > 0
        ? `unknown argument: ${unknown.join(' ')}\n${USAGE}`
        : `refusing to run without --dry-run: this command only shows what a sync would do\n${USAGE}`,
    );
    return 2;
  }
  const settings = parseSettings(env);
  const deps = defaultDeps(createClients(settings.region, interfaceAccess(settings)));
  const run = await discoverAlb(settings.albArn ? { ...settings, discovery: 'both' } : settings, deps);
  // Under DNS the function decides from its DNS sample; the listing beside it is only shown.
  const dnsDecides = settings.discovery === 'dns' && run.comparison !== undefined;
  const discovery = dnsDecides ? run.comparison!.dns : run.discovery;
  const error = dnsDecides ? run.comparison!.dnsError : run.error;
  const comparison = run.comparison && {
    ...run.comparison,
    ...(dnsDecides ? { interfaces: run.discovery, interfacesError: run.error } : {}),
  };
  const planned = await plan(settings, discovery, deps);
  const problems = [error, planned.state.kind === 'unreadable' ? `state unreadable: ${planned.state.reason}` : undefined].filter(
    (p) => p !== undefined,
  );
  const { bucket, key } = stateLocation(settings);
  if (argv.includes('--json')) {
    print(
      JSON.stringify(
        { discovery, comparison, registered: planned.registered, state: planned.state, decision: planned.decision, problems },
        null,
        2,
      ),
    );
  } else {
    print(
      describePlan(
        settings.albArn ?? settings.albDnsName,
        settings.targetGroupArn,
        `s3://${bucket}/${key}`,
        discovery,
        planned,
        settings.invocationsBeforeDeregistration,
      ),
    );
    if (run.comparison)
      print(describeComparison(run.comparison, dnsDecides ? run.discovery : undefined, dnsDecides ? run.error : undefined));
    for (const problem of problems) print(`PROBLEM: ${problem}`);
  }
  return problems.length > 0 ? 1 : 0;
}

function describePlan(
  alb: string,
  targetGroup: string,
  stateUrl: string,
  discovery: Discovery,
  { registered, state, decision }: Plan,
  grace: number,
): string {
  const list = (items: readonly string[]) => (items.length > 0 ? items.join(', ') : 'none');
  const pending = Object.entries(decision.nextState.missing).map(([target, count]) => `${target} (${count}/${grace})`);
  return [
    `decides from: ${discovery.source}`,
    discovery.source === 'dns'
      ? `DNS ${alb}: ${discovery.ips.length} addresses ` +
        `in ${discovery.queries} queries, ${discovery.failures} failed, ${discovery.clean ? 'clean' : 'NOT clean'}`
      : `interfaces of ${alb}: ${discovery.ips.length} addresses in ${discovery.queries} DescribeNetworkInterfaces ` +
        `calls, ${discovery.clean ? 'clean' : 'NOT clean'}`,
    ...discovery.uncleanReasons.map((reason) => `  not clean: ${reason}`),
    `  found: ${list(discovery.ips)}`,
    ...(discovery.ignored.length > 0 ? [`  ignored (not private IPv4): ${list(discovery.ignored)}`] : []),
    `target group ${targetGroup}: ${registered.length} targets`,
    ...registered.map((t) => `  ${t.ip}:${t.port} ${t.availabilityZone ?? ''} ${t.health ?? ''}`.trimEnd()),
    `state ${stateUrl}: ${state.kind}`,
    `would register: ${list(decision.register)}`,
    `would deregister: ${list(decision.deregister.map((t) => `${t.ip}:${t.port}`))}`,
    `held back: ${list(decision.heldBack.map(describeHold))}`,
    `missing (count/grace): ${list(pending)}`,
    `state ${decision.stateChanged ? 'would be written' : 'unchanged'}: ${JSON.stringify(decision.nextState)}`,
  ].join('\n');
}

/** The two sets apart: what DNS returned that is no interface, and the interfaces DNS has not shown. */
function describeComparison(comparison: DiscoveryComparison, listing?: Discovery, listingError?: string): string {
  const list = (items: readonly string[]) => (items.length > 0 ? items.join(', ') : 'none');
  const { dns } = comparison;
  return [
    'compared:',
    `  DNS: ${dns.ips.length} addresses in ${dns.queries} queries, ${dns.clean ? 'clean' : `NOT clean (${dns.uncleanReasons.join('; ')})`}`,
    ...(listing
      ? [
          `  interfaces: ${listing.ips.length} addresses, ` +
            `${listing.clean ? 'clean' : `NOT clean (${listingError ?? listing.uncleanReasons.join('; ')})`}`,
        ]
      : []),
    `  DNS only, no interface of the ALB (should never happen): ${list(comparison.dnsOnly)}`,
    `  interfaces DNS has not shown (nodes being added or drained): ${list(comparison.interfacesOnly)}`,
  ].join('\n');
}

function describeHold(hold: HoldReason): string {
  switch (hold.kind) {
    case 'cap':
      return `cap kept ${hold.kept.join(', ')}`;
    case 'last-target':
      return `last target ${hold.kept} kept`;
    case 'state-unreadable':
      return `state unreadable (${hold.reason})`;
    default:
      return hold.kind;
  }
}

if (require.main === module) {
  dryRun(process.argv.slice(2), process.env, (line) => console.log(line)).then(
    (code) => process.exit(code),
    (error: Error) => {
      console.error(error.message);
      process.exit(1);
    },
  );
}
