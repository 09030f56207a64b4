import { randomUUID } from 'node:crypto';
import type { AwsClients } from './clients';
import { decide } from './decide';
import { authoritativeServers, discover, NO_FAILURES, udpQuery, type DnsServer, type QueryFn } from './discovery';
import { discoverInterfaces, ec2InterfacePages, type ListInterfacesPage } from './interfaces';
import { compareIps } from './ip';
import type { Settings } from './settings';
import { describeError, readState, stateKey, writeState, type StateLocation } from './state';
import { deregisterTargets, describeTargets, registerTargets, type RegistrationFailure } from './targets';
import type { Decision, Discovery, DiscoveryKind, StateRead, Target } from './types';

/** Per query, per name-server lookup, and for a whole discovery: together well inside the 30 s function timeout. */
export const DNS_TIMEOUTS = { queryMs: 1_000, authoritativeLookupMs: 2_000, discoveryMs: 12_000 } as const;

/** Conditional state writes lost to other runs before this run gives up (and reports an error). */
export const MAX_WRITE_ATTEMPTS = 3;

/** What a sync talks to. The handler passes the real ones; tests and the dry-run may pass their own. */
export interface SyncDeps extends AwsClients {
  readonly query: QueryFn;
  /** The servers to ask when DNS_SERVERS is not set. */
  readonly findServers: (name: string) => Promise<DnsServer[]>;
  /** One page of the ALB's network interfaces. */
  readonly interfacePages: ListInterfacesPage;
  /** Aborts AWS calls still running when the run is out of time. */
  readonly abortSignal?: AbortSignal;
}

export function defaultDeps(clients: AwsClients, abortSignal?: AbortSignal): SyncDeps {
  return {
    ...clients,
    query: udpQuery({ timeoutMs: DNS_TIMEOUTS.queryMs }),
    findServers: (name) => authoritativeServers(name, { timeoutMs: DNS_TIMEOUTS.authoritativeLookupMs }),
    interfacePages: ec2InterfacePages(clients.ec2, abortSignal),
    abortSignal,
  };
}

/**
 * DISCOVERY=both: the interfaces decide, DNS is sampled beside them and the two sets compared, so a team can watch
 * them agree before it trusts either.
 */
export interface DiscoveryComparison {
  /** The DNS sample, as a `dns` run would have seen it. */
  readonly dns: Discovery;
  /** Why the DNS sample failed, if it did: reported, never an error of the run. */
  readonly dnsError?: string;
  /** Addresses DNS returned that are no interface of the ALB: should never happen. */
  readonly dnsOnly: readonly string[];
  /** Interfaces DNS has not shown: normal while nodes are added or drained. */
  readonly interfacesOnly: readonly string[];
}

export interface DiscoveryRun {
  /** What the rules act on: the interfaces under `interfaces` and `both`, DNS under `dns`. */
  readonly discovery: Discovery;
  /** Set when discovery failed: no server to ask, no listing, or no usable address found. */
  readonly error?: string;
  /** Under DISCOVERY=both only. */
  readonly comparison?: DiscoveryComparison;
}

/** A discovery that could not start: no server to ask. */
const nothingDiscovered = (source: DiscoveryKind, reason: string): Discovery => ({
  source,
  ips: [],
  ignored: [],
  queries: 0,
  failures: 0,
  failuresByKind: NO_FAILURES,
  nonAuthoritative: 0,
  clean: false,
  uncleanReasons: [reason],
});

/** Learns the ALB's nodes from the source DISCOVERY names. */
export async function discoverAlb(settings: Settings, deps: SyncDeps): Promise<DiscoveryRun> {
  if (settings.discovery === 'dns') return discoverByDns(settings, deps);
  const byInterfaces = discoverInterfaces(settings.albArn!, deps.interfacePages);
  if (settings.discovery === 'interfaces') return byInterfaces;
  const [interfaces, dns] = await Promise.all([byInterfaces, discoverByDns(settings, deps)]);
  return { ...interfaces, comparison: compareDiscoveries(interfaces.discovery, dns) };
}

/** The two sets apart. Pure. */
export function compareDiscoveries(interfaces: Discovery, dns: DiscoveryRun): DiscoveryComparison {
  const [fromInterfaces, fromDns] = [new Set(interfaces.ips), new Set(dns.discovery.ips)];
  return {
    dns: dns.discovery,
    ...(dns.error ? { dnsError: dns.error } : {}),
    // An incomplete listing proves nothing absent: only a clean one says which DNS addresses are no interface.
    dnsOnly: interfaces.clean ? [...fromDns].filter((ip) => !fromInterfaces.has(ip)).sort(compareIps) : [],
    interfacesOnly: [...fromInterfaces].filter((ip) => !fromDns.has(ip)).sort(compareIps),
  };
}

async function discoverByDns(settings: Settings, deps: SyncDeps): Promise<DiscoveryRun> {
  const name = settings.albDnsName;
  try {
    const servers = settings.dnsServers ?? (await deps.findServers(name));
    // Discovery gets a budget of its own, so slow name servers leave the run time for its AWS calls.
    const budget = AbortSignal.timeout(DNS_TIMEOUTS.discoveryMs);
    const signal = deps.abortSignal ? AbortSignal.any([deps.abortSignal, budget]) : budget;
    const discovery = await discover(name, servers, deps.query, { maxLookups: settings.maxLookups, signal });
    if (discovery.ips.length > 0) return { discovery };
    const why = [...discovery.uncleanReasons, `ignored: ${discovery.ignored.join(', ') || 'none'}`].join('; ');
    return { discovery, error: `DNS discovery of ${name} found no usable address in ${discovery.queries} queries (${why})` };
  } catch (error) {
    const message = `DNS discovery of ${name} failed: ${(error as Error).message}`;
    return { discovery: nothingDiscovered('dns', message), error: message };
  }
}

/** One read of the world and what the rules make of it. */
export interface Plan {
  readonly registered: readonly Target[];
  readonly state: StateRead;
  readonly decision: Decision;
}

export function stateLocation(settings: Settings): StateLocation {
  return { bucket: settings.bucket, key: stateKey(settings.targetGroupArn, settings.albDnsName) };
}

/** Reads the target group and the state in parallel and decides. Changes nothing: the dry-run stops here. */
export async function plan(settings: Settings, discovery: Discovery, deps: SyncDeps): Promise<Plan> {
  const [registered, state] = await Promise.all([
    awsStep('DescribeTargetHealth', () => describeTargets(deps.elb, settings.targetGroupArn, deps.abortSignal)),
    readState(deps.s3, stateLocation(settings), settings.albListener, deps.abortSignal),
  ]);
  return { registered, state, decision: decide({ discovery, registered, state, settings }) };
}

/** What one run did. */
export interface SyncOutcome {
  readonly discovery: Discovery;
  /** Under DISCOVERY=both: the DNS sample beside the interfaces. */
  readonly comparison?: DiscoveryComparison;
  /** The plan the run acted on last; absent when the target group could not be read. */
  readonly plan?: Plan;
  readonly registered: readonly string[];
  /** Addresses RegisterTargets refused; each failure is also one of `errors`. */
  readonly registrationFailures: readonly RegistrationFailure[];
  readonly deregistered: readonly Target[];
  readonly stateWritten: boolean;
  /** Conditional writes lost to another run. */
  readonly writeConflicts: number;
  /** Why the run must end with an error. Empty for a run that did everything it set out to do. */
  readonly errors: readonly string[];
}

/**
 * One run: discover, then read, decide, register, write the state and deregister, repeating the read and the
 * decision when another run wrote the state first. Registration comes first (it is always safe) and a refused
 * registration stops nothing else; removal comes only after this run's state write won, so a run that raced
 * another never acts on stale counts. Failures are collected, not thrown: the caller reports them and then
 * fails the run.
 */
export async function sync(settings: Settings, deps: SyncDeps): Promise<SyncOutcome> {
  const { discovery, error, comparison } = await discoverAlb(settings, deps);
  const errors = error ? [error] : [];
  const registration = { targetGroupArn: settings.targetGroupArn, port: settings.albListener, sameVpc: settings.sameVpc };
  // Names this run's writes, so a write S3 carried out but whose answer was lost is known as its own when read
  // back. Not the Lambda request id: a retried invocation reuses that.
  const writer = randomUUID();
  const registered: string[] = [];
  const registrationFailures: RegistrationFailure[] = [];
  /** Addresses this run sent already, registered or refused: not sent again after a lost write. */
  const sent = new Set<string>();
  let acted: Plan | undefined;
  let deregistered: readonly Target[] = [];
  let stateWritten = false;
  let writeConflicts = 0;
  try {
    let current = await plan(settings, discovery, deps);
    for (;;) {
      acted = current;
      const { decision, state } = current;
      const fresh = decision.register.filter((ip) => !sent.has(ip));
      fresh.forEach((ip) => sent.add(ip));
      const { registered: added, failures } = await registerTargets(deps.elb, registration, fresh, deps.abortSignal);
      registered.push(...added);
      registrationFailures.push(...failures);
      if (!decision.stateChanged) break;
      const condition = state.kind === 'found' ? { kind: 'found' as const, etag: state.etag } : { kind: 'absent' as const };
      const written = await writeState(deps.s3, stateLocation(settings), { state: decision.nextState, writer }, condition, deps.abortSignal);
      if (written === 'conflict') {
        current = await plan(settings, discovery, deps);
        // The object names this run: S3 carried out the write, and the conflict was the SDK's retry meeting it.
        const ours = current.state.kind === 'found' && current.state.writer === writer;
        if (!ours) {
          writeConflicts += 1;
          if (writeConflicts < MAX_WRITE_ATTEMPTS) continue;
          errors.push(`the state write lost to another run ${writeConflicts} times; nothing was deregistered`);
          break;
        }
      }
      stateWritten = true;
      const removal = await deregisterTargets(deps.elb, settings.targetGroupArn, decision.deregister, deps.abortSignal);
      deregistered = removal.deregistered;
      if (removal.failure) errors.push(`DeregisterTargets failed: ${removal.failure}`);
      break;
    }
  } catch (failure) {
    errors.push((failure as Error).message);
  }
  for (const { ips, reason } of registrationFailures) errors.push(`RegisterTargets refused ${ips.join(', ')}: ${reason}`);
  if (acted?.state.kind === 'unreadable') errors.push(`state unreadable, nothing deregistered: ${acted.state.reason}`);
  return { discovery, comparison, plan: acted, registered, registrationFailures, deregistered, stateWritten, writeConflicts, errors };
}

async function awsStep<T>(operation: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    throw new Error(`${operation} failed: ${describeError(error)}`);
  }
}
