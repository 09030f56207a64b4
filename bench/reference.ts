/**
 * The baseline: AWS's reference function (populate_NLB_TG_with_ALB.py, Python 3.8 version) as it behaves, one
 * invocation at a time (../shared/aws-facts.md, "AWS's reference function as it really behaves"). In its order:
 * 1. DescribeTargetHealth. An error is printed and the run goes on as if no target were registered.
 * 2. NS lookup of the ALB's regional zone. Both functions make it before their A queries, and the benchmark hands
 *    both the server list, so it is counted for neither.
 * 3. At most 50 A queries, one after another, until the first answer with fewer than 8 records. A failed query, or
 *    one without records, raises out of the handler: the run fails before any write and nothing changes. Every
 *    address is taken, private or not.
 * 4. GetObject of its two state objects, keyed by the ALB's DNS name: the functions of two ports of one ALB share
 *    them. A read error counts as a first run; a body it cannot parse raises.
 * 5. PutObject of both, every run, whatever changed (a write error is printed and ignored). Then RegisterTargets,
 *    then one DeregisterTargets call per address whose count reached 3 (no cap).
 */
import { ANSWER_SIZE } from '../lambda/dns/stopping-rule';
import type { DnsServer, QueryFn } from '../lambda/dns/types';
import type { Target } from '../lambda/types';
import type { DiscoveryOutcome, Invocation, SyncFunction } from './contenders';

export const REFERENCE_RULES = {
  maxLookupsPerInvocation: 50,
  invocationsBeforeDeregistration: 3,
} as const;

export interface ReferenceRules {
  readonly maxLookupsPerInvocation: number;
  readonly invocationsBeforeDeregistration: number;
}

/** What the reference's A queries found, or the DNS failure that ended its run. */
export interface ReferenceDiscovery extends DiscoveryOutcome {
  /** Why the lookups raised; the run found nothing it can use. */
  readonly failure?: string;
}

/**
 * The A queries of one run. They all go to the first server: the benchmark gives every function one server, so
 * the resolver's failover between the zone's name servers never comes into play.
 */
export async function referenceDiscover(
  name: string,
  servers: readonly DnsServer[],
  query: QueryFn,
  maxLookups: number = REFERENCE_RULES.maxLookupsPerInvocation,
): Promise<ReferenceDiscovery> {
  const [server] = servers;
  if (!server) throw new Error('the reference function needs a name server');
  const found = new Set<string>();
  let queries = 0;
  while (queries < maxLookups) {
    const answer = await query(server, name);
    queries++;
    if (!answer.ok) return { ips: [], queries, failure: answer.error };
    // The resolver raises on an answer without records (NoAnswer), so a run never goes on with zero addresses.
    if (answer.addresses.length === 0) return { ips: [], queries, failure: 'answer without A records' };
    answer.addresses.forEach((ip) => found.add(ip));
    if (answer.addresses.length < ANSWER_SIZE) break;
  }
  return { ips: [...found].sort(), queries };
}

/** What the state objects held at the start of a run. */
export interface ReferencePrevious {
  /** The addresses the last run found; undefined on a first run (or when the object could not be read). */
  readonly active?: readonly string[];
  /** ip -> runs it has been pending deregistration. */
  readonly pending: Readonly<Record<string, number>>;
}

export interface ReferenceDecision {
  readonly register: readonly string[];
  /** Addresses whose count reached the threshold, all of them. */
  readonly deregister: readonly string[];
  /** The pending object this run writes. */
  readonly pending: Readonly<Record<string, number>>;
}

const minus = (from: Iterable<string>, without: ReadonlySet<string>): string[] => [...from].filter((ip) => !without.has(ip));

/**
 * The reference's rules for one run, pure. An address in (last run's result ∪ registered) − this run's result gains
 * a count, any other count is dropped; a first run counts nothing and clears the pending object.
 */
export function referenceDecide(
  current: readonly string[],
  registered: readonly string[],
  previous: ReferencePrevious,
  invocationsBeforeDeregistration: number = REFERENCE_RULES.invocationsBeforeDeregistration,
): ReferenceDecision {
  const seen = new Set(current);
  const notRegistered = minus(current, new Set(registered));
  if (previous.active === undefined) return { register: notRegistered.sort(), deregister: [], pending: {} };
  // Also what the last run did not find, registered or not: a repeated registration is a no-op on ELB, but a call.
  const register = new Set([...notRegistered, ...minus(current, new Set(previous.active))]);
  const pending: Record<string, number> = {};
  for (const ip of new Set([...minus(previous.active, seen), ...minus(registered, seen)])) pending[ip] = (previous.pending[ip] ?? 0) + 1;
  const deregister = Object.keys(pending).filter((ip) => pending[ip] >= invocationsBeforeDeregistration);
  return { register: [...register].sort(), deregister: deregister.sort(), pending };
}

/** The S3 bucket as the reference uses it. */
export interface ReferenceBucket {
  /** Rejects when the object cannot be read, a missing one included (GetObject answers NoSuchKey). */
  get(key: string): Promise<string>;
  put(key: string, body: string): Promise<void>;
}

export function memoryBucket(): ReferenceBucket & { readonly objects: ReadonlyMap<string, string> } {
  const objects = new Map<string, string>();
  return {
    objects,
    async get(key) {
      const body = objects.get(key);
      if (body === undefined) throw new Error(`NoSuchKey: ${key}`);
      return body;
    },
    async put(key, body) {
      objects.set(key, body);
    },
  };
}

/** The two objects' keys: the ALB's DNS name and nothing of the target group or port. */
export const referenceKeys = (albName: string) => ({ active: `${albName}/active`, pending: `${albName}/pending` }) as const;

function parseBody<T>(key: string, body: string, valid: (value: unknown) => value is T): T {
  let value: unknown;
  try {
    value = JSON.parse(body);
  } catch (error) {
    throw new Error(`${key}: ${(error as Error).message}`, { cause: error });
  }
  if (!valid(value)) throw new Error(`${key}: not the shape the function writes`);
  return value;
}

const isAddressList = (value: unknown): value is string[] => Array.isArray(value) && value.every((ip) => typeof ip === 'string');
const isCounts = (value: unknown): value is Record<string, number> =>
  typeof value === 'object' && value !== null && !Array.isArray(value) && Object.values(value).every(Number.isInteger);

/** Reads both objects; a read error leaves that object out, a body that does not parse throws. */
async function readPrevious(bucket: ReferenceBucket, keys: ReturnType<typeof referenceKeys>): Promise<ReferencePrevious> {
  const [active, pending] = await Promise.all([
    bucket.get(keys.active).catch(() => undefined),
    bucket.get(keys.pending).catch(() => undefined),
  ]);
  return {
    active: active === undefined ? undefined : parseBody(keys.active, active, isAddressList),
    pending: pending === undefined ? {} : parseBody(keys.pending, pending, isCounts),
  };
}

export interface ReferenceEnvironment {
  readonly albName: string;
  /** ALB_LISTENER: the port it registers and deregisters with. */
  readonly listenerPort: number;
  readonly servers: readonly DnsServer[];
  readonly query: QueryFn;
  /** DescribeTargetHealth of its target group; may reject. */
  readonly describe: () => Promise<readonly Target[]>;
  readonly bucket: ReferenceBucket;
  /** @default REFERENCE_RULES */
  readonly rules?: ReferenceRules;
}

/** One invocation: what it did to the target group and the calls it made. */
export interface ReferenceRun extends Invocation {
  /** Why the handler raised; undefined when it ran to the end. */
  readonly failure?: string;
}

export async function invokeReference(env: ReferenceEnvironment): Promise<ReferenceRun> {
  const rules = env.rules ?? REFERENCE_RULES;
  const registered = await env.describe().catch((): readonly Target[] => []);
  const discovery = await referenceDiscover(env.albName, env.servers, env.query, rules.maxLookupsPerInvocation);
  const failed = (failure: string, s3Reads: number): ReferenceRun => ({
    register: [],
    deregister: [],
    dnsQueries: discovery.queries,
    ec2Calls: 0,
    s3Reads,
    s3Writes: 0,
    deregisterCalls: 0,
    failure,
  });
  if (discovery.failure !== undefined) return failed(discovery.failure, 0);

  const keys = referenceKeys(env.albName);
  let previous: ReferencePrevious;
  try {
    previous = await readPrevious(env.bucket, keys);
  } catch (error) {
    return failed((error as Error).message, 2);
  }
  const decision = referenceDecide(
    discovery.ips,
    registered.map((t) => t.ip),
    previous,
    rules.invocationsBeforeDeregistration,
  );
  await env.bucket.put(keys.active, JSON.stringify(discovery.ips)).catch(() => undefined);
  await env.bucket.put(keys.pending, JSON.stringify(decision.pending)).catch(() => undefined);
  return {
    register: decision.register,
    // It names address and listener port; ELB finds the zone of an address in its VPC, the one DescribeTargetHealth shows.
    deregister: decision.deregister.map((ip) => ({
      ip,
      port: env.listenerPort,
      availabilityZone: registered.find((t) => t.ip === ip)?.availabilityZone,
    })),
    dnsQueries: discovery.queries,
    ec2Calls: 0,
    s3Reads: 2,
    s3Writes: 2,
    // Its loop sends a call per due address, each with every due address so far.
    deregisterCalls: decision.deregister.length,
  };
}

/** A deployed reference function. Pass the bucket of another port's function of the same ALB to share its state. */
export function deployReference(
  config: Pick<ReferenceEnvironment, 'albName' | 'listenerPort' | 'servers' | 'rules'> & { readonly bucket?: ReferenceBucket },
): SyncFunction {
  const bucket = config.bucket ?? memoryBucket();
  return { invoke: (query, registered) => invokeReference({ ...config, bucket, query, describe: async () => registered }) };
}
