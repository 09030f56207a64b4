/** The query loop of DNS discovery: which server to ask next, when to stop, and whether what was seen is clean. */
import { compareIps, isTargetableIpv4 } from '../ip';
import type { Discovery, DnsFailureKind } from '../types';
import { LOST_KINDS, NO_FAILURES } from './failures';
import { ANSWER_SIZE, answersStillNeeded, lostQueriesTolerated, unseenChance } from './stopping-rule';
import type { DnsAnswer, DnsServer, QueryFn } from './types';

export interface DiscoveryOptions {
  /** Most queries one discovery may send, retries included (MAX_LOOKUP_PER_INVOCATION). */
  readonly maxLookups: number;
  /** parallel queries in flight @default 16 */
  readonly concurrency?: number;
  /** stop when the chance an address is still unseen is below this @default 1e-4 */
  readonly missChance?: number;
  /** Once aborted, no further query is sent and the discovery ends unclean with what it found. @default none */
  readonly signal?: AbortSignal;
}

export const DISCOVERY_DEFAULTS = { concurrency: 16, missChance: 1e-4 } as const;

/**
 * Each failure of a server beyond its answers divides its share of the queries by this: a dead server is asked
 * about log16(queries) times a run, a server that loses a query now and then keeps its share.
 */
const FAILED_SERVER_PENALTY = 16;

/** How one server has fared in this run. */
interface ServerStanding {
  sent: number;
  failed: number;
  /** Of the failures, those lost (timeout, unreachable). */
  lost: number;
  answered: number;
}

/** The server for the next query: the one with the fewest queries, each failure beyond its answers counting 16-fold. */
function leastLoaded(standing: readonly ServerStanding[]): number {
  const loads = standing.map(
    ({ sent, failed, answered }) => Math.log(sent + 1) + Math.max(0, failed - answered) * Math.log(FAILED_SERVER_PENALTY),
  );
  return loads.indexOf(Math.min(...loads));
}

/** What a finished discovery weighs to call it clean. */
interface Verdict {
  readonly complete: boolean;
  /** Why it is not complete, should it not be. */
  readonly incomplete: string;
  readonly queries: number;
  readonly standing: readonly ServerStanding[];
  readonly failuresByKind: Readonly<Record<DnsFailureKind, number>>;
  readonly nonAuthoritative: number;
}

/** Why a discovery is not clean (rules 1-4 of `discover`); none when it is. */
function uncleanReasons(verdict: Verdict): string[] {
  const { queries, failuresByKind } = verdict;
  const kinds = Object.entries(failuresByKind).filter(([, n]) => n > 0) as [DnsFailureKind, number][];
  const [lostKinds, troubleKinds] = [kinds.filter(([kind]) => LOST_KINDS.has(kind)), kinds.filter(([kind]) => !LOST_KINDS.has(kind))];
  const total = (list: [DnsFailureKind, number][]): number => list.reduce((sum, [, n]) => sum + n, 0);
  const named = (list: [DnsFailureKind, number][]): string => list.map(([kind, n]) => `${kind} ${n}`).join(', ');
  const [lost, trouble] = [total(lostKinds), total(troubleKinds)];
  // Once some server answered, those that answered nothing are down; the others must look like a working path.
  const up = verdict.standing.filter((server) => server.answered > 0);
  const down = verdict.standing.filter((server) => server.answered === 0);
  const sum = (servers: readonly ServerStanding[], pick: (server: ServerStanding) => number): number =>
    servers.reduce((total, server) => total + pick(server), 0);
  const lostAllowed =
    up.length === 0
      ? verdict.standing.length - 1
      : sum(down, (server) => server.lost) + lostQueriesTolerated(sum(up, (server) => server.sent));
  return [
    ...(verdict.complete ? [] : [verdict.incomplete]),
    ...(verdict.nonAuthoritative > 0
      ? [`${verdict.nonAuthoritative} answers without the AA flag (from a resolver, not the ALB's name servers)`]
      : []),
    ...(trouble > 0 ? [`${trouble} errors or unusable answers (${named(troubleKinds)})`] : []),
    ...(lost > lostAllowed ? [`${lost} of ${queries} queries lost (${named(lostKinds)}), more than the ${lostAllowed} tolerated`] : []),
  ];
}

/** Answers counted towards the stopping rule. */
interface Tally {
  /** Answers of 8 (or more) distinct addresses. An answer of 8 records that holds fewer addresses is neither. */
  full: number;
  /** The largest answer of fewer than 8: the whole set, as long as nothing else seen in the run contradicts it. */
  largestShort: number;
}

/**
 * Finds the ALB's node addresses. Queries go one at a time until one is answered: an ALB with fewer than 8 nodes
 * answers with all of them, and then one query is all it costs (two when the first server is down). Then up to
 * `concurrency` queries stay in flight, as many as the stopping rule still needs, until the rule is met,
 * `maxLookups` is spent, the signal aborts, or the servers look down: one failure per server and one more before
 * anything answered, twice the concurrency in a row after. Each query goes to the server with the fewest queries,
 * each failure a server has beyond its answers multiplying its count by 16: a failed query's retry goes to another
 * server, and a server that fails more than it answers is asked less and less for the rest of the run.
 *
 * Every address answered is kept (registering a live node is always safe), but only authoritative answers that
 * repeat no record are evidence. The discovery is clean when all of these hold:
 * 1. the evidence meets the stopping rule: an answer of fewer than 8 addresses that holds everything seen in the
 *    run, or full answers enough that the chance of an address still unseen is below `missChance`;
 * 2. every answer carried the AA flag: a caching resolver repeats one answer, which says nothing of the rest;
 * 3. no server answered with an error or an unusable answer (SERVFAIL, NXDOMAIN, REFUSED or another rcode, an
 *    empty, malformed or duplicated answer, a truncated one TCP could not complete): such a server is not serving
 *    the zone as it should, and nothing says its other answers are draws from the whole set;
 * 4. the queries lost (timeout, unreachable) by the servers that answered are no more than a path losing
 *    MAX_LOST_SHARE of them would lose (`lostQueriesTolerated`); a server that answered nothing is down, and its
 *    lost queries are tolerated while another answers.
 * Ignoring lost queries is sound: whether a query is lost does not depend on the addresses its answer would have
 * held (full answers all have the same size), so the answers that did arrive are still independent random draws
 * and the rule's bound holds for them. Many lost queries mean a broken path all the same, hence the limit in 4.
 */
export async function discover(name: string, servers: readonly DnsServer[], query: QueryFn, options: DiscoveryOptions): Promise<Discovery> {
  const { maxLookups, signal } = options;
  const concurrency = options.concurrency ?? DISCOVERY_DEFAULTS.concurrency;
  const missChance = options.missChance ?? DISCOVERY_DEFAULTS.missChance;
  if (servers.length === 0) throw new Error('discovery needs at least one DNS server');
  if (!Number.isSafeInteger(maxLookups) || maxLookups < 1) throw new RangeError(`maxLookups must be a positive integer, got ${maxLookups}`);
  if (!Number.isSafeInteger(concurrency) || concurrency < 1)
    throw new RangeError(`concurrency must be a positive integer, got ${concurrency}`);
  if (!(missChance > 0 && missChance < 1)) throw new RangeError(`missChance must lie strictly between 0 and 1, got ${missChance}`);

  const seen = new Set<string>();
  const failuresByKind: Record<DnsFailureKind, number> = { ...NO_FAILURES };
  const standing: ServerStanding[] = servers.map(() => ({ sent: 0, failed: 0, lost: 0, answered: 0 }));
  /** Every answer with distinct addresses: decides when to stop asking. */
  const sampled: Tally = { full: 0, largestShort: 0 };
  /** Only the authoritative ones among them: decides whether the set is complete. */
  const evidence: Tally = { full: 0, largestShort: 0 };
  let [queries, answered, nonAuthoritative, failStreak] = [0, 0, 0, 0];
  const inFlight = new Set<Promise<void>>();

  // Short means the whole answer section is short: 6 addresses beside 2 records of another type are 8 records,
  // a cut answer, not a 6-node ALB. Such an answer is no evidence either way (the rule counts draws of 8).
  const count = (tally: Tally, distinct: number, records: number): void => {
    if (records < ANSWER_SIZE) tally.largestShort = Math.max(tally.largestShort, distinct);
    else if (distinct >= ANSWER_SIZE) tally.full += 1;
  };
  // A short answer is the whole set only if nothing was seen beyond it (an ALB scaling mid-run breaks that).
  const complete = (tally: Tally): boolean =>
    (tally.largestShort > 0 && seen.size === tally.largestShort) || (tally.full > 0 && unseenChance(seen.size, tally.full) < missChance);
  const fail = (server: number, kind: DnsFailureKind): void => {
    failuresByKind[kind] += 1;
    standing[server].failed += 1;
    if (LOST_KINDS.has(kind)) standing[server].lost += 1;
    failStreak += 1;
  };
  const record = (server: number, answer: DnsAnswer): void => {
    // An empty answer from an ALB's zone means something is wrong, not that the ALB has no nodes.
    if (!answer.ok || answer.addresses.length === 0) return fail(server, answer.ok ? 'empty' : answer.kind);
    const distinct = new Set(answer.addresses);
    distinct.forEach((address) => seen.add(address));
    // A record set holds each record once (RFC 2181 5): an answer repeating one was altered on its way, and its
    // 7 distinct of 8 would pass for the whole set of a 7-node ALB. Its addresses are kept; it is no evidence.
    if (distinct.size < answer.addresses.length) return fail(server, 'malformed');
    answered += 1;
    standing[server].answered += 1;
    failStreak = 0;
    const records = answer.records ?? answer.addresses.length;
    count(sampled, distinct.size, records);
    if (answer.authoritative) count(evidence, distinct.size, records);
    else nonAuthoritative += 1;
  };
  const send = (): void => {
    const server = leastLoaded(standing);
    standing[server].sent += 1;
    queries += 1;
    const done: Promise<void> = query(servers[server], name).then((answer) => {
      record(server, answer);
      inFlight.delete(done);
    });
    inFlight.add(done);
  };
  const outage = (): boolean => failStreak >= (answered === 0 ? servers.length + 1 : 2 * concurrency);
  const stopAsking = (): boolean => complete(sampled) || outage() || queries >= maxLookups || signal?.aborted === true;
  /** Answers to have in flight: one until something answers, one per server until a full answer, then what the rule still needs. */
  const wanted = (): number => {
    if (answered === 0) return 1;
    if (sampled.full === 0) return servers.length;
    return answersStillNeeded(seen.size, sampled.full, missChance, maxLookups - queries + inFlight.size);
  };

  for (;;) {
    if (!stopAsking()) {
      const target = Math.min(concurrency, wanted());
      while (inFlight.size < target && queries < maxLookups) send();
    }
    if (inFlight.size === 0) break;
    await Promise.race(inFlight);
  }

  const incomplete = signal?.aborted
    ? 'out of time before the stopping rule was met'
    : outage()
      ? `${failStreak} queries in a row failed: the servers look down`
      : queries >= maxLookups
        ? `the lookup cap (${maxLookups}) was spent before the stopping rule was met`
        : 'too few usable authoritative answers to meet the stopping rule';
  const reasons = uncleanReasons({ complete: complete(evidence), incomplete, queries, standing, failuresByKind, nonAuthoritative });

  const addresses = [...seen].sort(compareIps);
  return {
    source: 'dns',
    ips: addresses.filter(isTargetableIpv4),
    ignored: addresses.filter((address) => !isTargetableIpv4(address)),
    queries,
    failures: Object.values(failuresByKind).reduce((sum, n) => sum + n, 0),
    failuresByKind,
    nonAuthoritative,
    clean: reasons.length === 0,
    uncleanReasons: reasons,
  };
}
