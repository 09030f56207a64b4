import { randomInt } from 'node:crypto';
import * as dgram from 'node:dgram';
import { promises as dnsPromises } from 'node:dns';
import * as net from 'node:net';
import * as dnsPacket from 'dns-packet';
import { compareIps, isIpv4, isTargetableIpv4 } from './ip';
import { NO_FAILURES, type Discovery, type DnsFailureKind } from './types';

export { NO_FAILURES };

export interface DnsServer {
  readonly host: string;
  readonly port: number;
}

export type DnsAnswer =
  | {
      readonly ok: true;
      readonly addresses: readonly string[];
      /**
       * Records in the answer section, whatever their type (a CNAME chain's own records aside): an answer is short,
       * and so the whole set, only when this is below 8. @default addresses.length
       */
      readonly records?: number;
      /** The AA flag: the server is authoritative for the name. Only such answers are fresh random draws. */
      readonly authoritative: boolean;
    }
  | { readonly ok: false; readonly kind: DnsFailureKind; readonly error: string };

/** One DNS A query to one server. Never rejects: failures come back as { ok: false }. */
export type QueryFn = (server: DnsServer, name: string) => Promise<DnsAnswer>;

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

/** An ALB answers with at most this many addresses, drawn at random from all of its nodes. */
export const ANSWER_SIZE = 8;

export const DISCOVERY_DEFAULTS = { concurrency: 16, missChance: 1e-4 } as const;

/**
 * The loss rate a working path may have: lost queries to the servers that answered are tolerated up to what such
 * a path loses but once in LOST_QUERY_SIGNIFICANCE runs (`lostQueriesTolerated`). A server that answered nothing is
 * down: its lost queries are tolerated whatever their number while another server answers, since they tell
 * nothing about the answers that arrived. (A fixed share failed both ways: with two servers, one dead, queries
 * sent together split evenly before the dead one has failed, and an ALB of 10 nodes lost 4 of 12, never clean.)
 */
export const MAX_LOST_SHARE = 0.25;
export const LOST_QUERY_SIGNIFICANCE = 1e-3;

/**
 * Most lost queries out of `queries` that a path losing each query with chance `lossRate` exceeds only with a
 * chance below `chance`: the binomial upper quantile, so the tolerance follows the run's size instead of one share.
 */
export function lostQueriesTolerated(queries: number, lossRate: number = MAX_LOST_SHARE, chance: number = LOST_QUERY_SIGNIFICANCE): number {
  let logPmf = queries * Math.log1p(-lossRate);
  let cumulative = Math.exp(logPmf);
  for (let k = 0; k < queries; k++) {
    if (1 - cumulative < chance) return k;
    logPmf += Math.log((queries - k) / (k + 1)) + Math.log(lossRate / (1 - lossRate));
    cumulative += Math.exp(logPmf);
  }
  return queries;
}

/**
 * Each failure of a server beyond its answers divides its share of the queries by this: a dead server is asked
 * about log16(queries) times a run, a server that loses a query now and then keeps its share.
 */
const FAILED_SERVER_PENALTY = 16;

/** Failures in which the server said nothing: the query was lost, and with it no information. */
const LOST_KINDS: ReadonlySet<DnsFailureKind> = new Set(['timeout', 'unreachable']);

/** DNS response codes and the failure kind each one is. */
const RCODE_KINDS: Readonly<Record<number, { readonly name: string; readonly kind: DnsFailureKind }>> = {
  1: { name: 'FORMERR', kind: 'other' },
  2: { name: 'SERVFAIL', kind: 'servfail' },
  3: { name: 'NXDOMAIN', kind: 'nxdomain' },
  4: { name: 'NOTIMP', kind: 'other' },
  5: { name: 'REFUSED', kind: 'refused' },
};

/** The chance is computed to this relative precision: far finer than any stopping decision needs. */
const PRECISION = 1e-6;
/** Past this partial sum the chance is within 1e-3 of 1, where no stopping rule stops: reported as 1. */
const CERTAIN_LOG_SUM = Math.log(1e3);
const MAX_TERMS = 1_000_000;

/**
 * Posterior chance that more than `distinct` addresses exist after `answers` full answers of 8 (the stopping rule).
 *
 * Each answer is 8 addresses drawn at random from N. With a flat prior on N >= k (k = distinct), the chance of
 * seeing exactly these k addresses in m answers is proportional to C(N, k) * C(N, 8)^-m: C(N, k) counts the ways
 * the k seen addresses can sit among N (leaving it out underestimates the miss chance about k-fold). Relative to
 * N = k, the term for N = k + u is r(u) = C(k+u, u) * (C(k, 8) / C(k+u, 8))^m, and the answer is
 * sum(r(u), u >= 1) / (1 + sum(r(u), u >= 1)). For large N the terms fall like N^-(8m - k), so the posterior is
 * proper only when 8m - k > 1; before that, nothing rules out more addresses and the chance is 1.
 */
export function unseenChance(distinct: number, answers: number): number {
  if (!Number.isSafeInteger(distinct) || !Number.isSafeInteger(answers) || distinct < 0 || answers < 0) {
    throw new RangeError(`unseenChance needs non-negative integers, got distinct=${distinct}, answers=${answers}`);
  }
  if (answers === 0) return 1;
  if (distinct < ANSWER_SIZE) {
    throw new RangeError(`${answers} full answers of ${ANSWER_SIZE} cannot show only ${distinct} distinct addresses`);
  }
  const decay = ANSWER_SIZE * answers - distinct;
  if (decay <= 1) return 1;
  let logTerm = 0;
  let logSum = -Infinity;
  for (let u = 1; u <= MAX_TERMS; u++) {
    const n = distinct + u;
    const step = Math.log(n / u) + answers * Math.log((n - ANSWER_SIZE) / n);
    logTerm += step;
    logSum = logAdd(logSum, logTerm);
    if (logSum > CERTAIN_LOG_SUM) return 1;
    // Once falling, the terms shrink about like n^-decay, so the tail past n is about term * n / (decay - 1).
    // It moves the chance S / (1 + S) by a factor of about 1 + tail / (S * (1 + S)): stop once that is negligible.
    const logTail = logTerm + Math.log(n / (decay - 1));
    if (step < 0 && logTail < Math.log(PRECISION) + logSum + logAdd(0, logSum)) return 1 / (1 + Math.exp(-logAdd(logSum, logTail)));
  }
  return 1;
}

/** Smallest number of further full answers that could meet the rule if they showed nothing new (a lower bound). */
export function answersStillNeeded(distinct: number, answers: number, missChance: number, limit: number): number {
  if (limit < 1 || unseenChance(distinct, answers + limit) >= missChance) return Math.max(limit, 0);
  // The chance only falls as answers are added: binary search for the first count below the bound.
  let [low, high] = [1, limit];
  while (low < high) {
    const mid = Math.floor((low + high) / 2);
    if (unseenChance(distinct, answers + mid) < missChance) high = mid;
    else low = mid + 1;
  }
  return low;
}

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
  const loads = standing.map(({ sent, failed, answered }) => Math.log(sent + 1) + Math.max(0, failed - answered) * Math.log(FAILED_SERVER_PENALTY));
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
  const sum = (servers: readonly ServerStanding[], pick: (server: ServerStanding) => number): number => servers.reduce((total, server) => total + pick(server), 0);
  const lostAllowed =
    up.length === 0 ? verdict.standing.length - 1 : sum(down, (server) => server.lost) + lostQueriesTolerated(sum(up, (server) => server.sent));
  return [
    ...(verdict.complete ? [] : [verdict.incomplete]),
    ...(verdict.nonAuthoritative > 0 ? [`${verdict.nonAuthoritative} answers without the AA flag (from a resolver, not the ALB's name servers)`] : []),
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
export async function discover(
  name: string,
  servers: readonly DnsServer[],
  query: QueryFn,
  options: DiscoveryOptions,
): Promise<Discovery> {
  const { maxLookups, signal } = options;
  const concurrency = options.concurrency ?? DISCOVERY_DEFAULTS.concurrency;
  const missChance = options.missChance ?? DISCOVERY_DEFAULTS.missChance;
  if (servers.length === 0) throw new Error('discovery needs at least one DNS server');
  if (!Number.isSafeInteger(maxLookups) || maxLookups < 1) throw new RangeError(`maxLookups must be a positive integer, got ${maxLookups}`);
  if (!Number.isSafeInteger(concurrency) || concurrency < 1) throw new RangeError(`concurrency must be a positive integer, got ${concurrency}`);
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

/**
 * Real DNS: over UDP, with a fresh socket (random source port) and a random id per query, connected to the
 * server; an answer truncated over UDP is asked again over TCP, which carries it whole (RFC 7766). Each leg waits
 * at most `timeoutMs`. A truncated answer that TCP cannot complete fails as `truncated`.
 */
export function udpQuery(options: { readonly timeoutMs: number }): QueryFn {
  return async (server, name) => {
    const id = randomInt(0, 0x10000);
    const packet: dnsPacket.Packet = { type: 'query', id, flags: dnsPacket.RECURSION_DESIRED, questions: [{ type: 'A', name, class: 'IN' }] };
    const where = `${server.host}:${server.port}`;
    const overUdp = await exchange(where, options.timeoutMs, (settle) => {
      // A connected socket only receives datagrams from the server it asked.
      const socket = dgram.createSocket('udp4');
      socket.on('error', (error) => settle(unreachable(error)));
      socket.on('message', (message) => {
        const answer = readResponse(() => dnsPacket.decode(message), message, id, name);
        if (answer !== undefined) settle(answer);
      });
      socket.connect(server.port, server.host, () => socket.send(dnsPacket.encode(packet), (error) => error && settle(unreachable(error))));
      return () => socket.close();
    });
    if (overUdp.ok || overUdp.kind !== 'truncated') return overUdp;

    const overTcp = await exchange(where, options.timeoutMs, (settle) => {
      const socket = net.connect({ host: server.host, port: server.port });
      let received = Buffer.alloc(0);
      socket.on('error', (error) => settle(unreachable(error)));
      socket.on('connect', () => socket.write(dnsPacket.streamEncode(packet)));
      socket.on('data', (chunk: Buffer) => {
        received = Buffer.concat([received, chunk]);
        // On a stream each message comes after its length in two bytes: wait for the whole of it.
        if (received.length < 2 || received.length < 2 + received.readUInt16BE(0)) return;
        const answer = readResponse(() => dnsPacket.streamDecode(received) as dnsPacket.DecodedPacket, received.subarray(2), id, name);
        settle(answer ?? { ok: false, kind: 'malformed', error: 'the answer over TCP is not the response to the question' });
      });
      socket.on('end', () => settle({ ok: false, kind: 'unreachable', error: 'the TCP connection closed before a whole answer' }));
      return () => socket.destroy();
    });
    const tcpLost = !overTcp.ok && LOST_KINDS.has(overTcp.kind);
    return tcpLost ? { ok: false, kind: 'truncated', error: `truncated over UDP, and over TCP ${overTcp.error}` } : overTcp;
  };
}

const unreachable = (error: Error): DnsAnswer => ({ ok: false, kind: 'unreachable', error: error.message });

/**
 * One exchange with a server: `open` starts it and returns how to close it; the first answer settles it, and
 * a server that stays silent for `timeoutMs` fails it. Failures name the server.
 */
function exchange(where: string, timeoutMs: number, open: (settle: (answer: DnsAnswer) => void) => () => void): Promise<DnsAnswer> {
  return new Promise((resolve) => {
    let settled = false;
    let close: (() => void) | undefined;
    const settle = (answer: DnsAnswer): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      close?.();
      resolve(answer.ok ? answer : { ...answer, error: `${where}: ${answer.error}` });
    };
    const timer = setTimeout(() => settle({ ok: false, kind: 'timeout', error: `no answer within ${timeoutMs} ms` }), timeoutMs);
    close = open(settle);
  });
}

/** A DNS header: id, flags and four counts, two bytes each. */
const HEADER_BYTES = 12;
/** The QR bit of the header's flags: set in responses. */
const QR_BIT = 0x80;

/**
 * The answer a DNS message carries, or undefined when it is not the response to our question (garbage, another
 * id, another question: keep waiting). A response with our id that does not decode is our answer, mangled.
 */
function readResponse(decode: () => dnsPacket.DecodedPacket, message: Buffer, id: number, name: string): DnsAnswer | undefined {
  let response: dnsPacket.DecodedPacket;
  try {
    response = decode();
  } catch (error) {
    const ours = message.length >= HEADER_BYTES && message.readUInt16BE(0) === id && (message[2] & QR_BIT) !== 0;
    return ours ? { ok: false, kind: 'malformed', error: `undecodable answer (${(error as Error).message})` } : undefined;
  }
  const question = response.questions?.[0];
  const asked = name.toLowerCase();
  if (response.type !== 'response' || response.id !== id || question?.type !== 'A' || question.name.toLowerCase() !== asked) return undefined;
  if (response.flag_tc) return { ok: false, kind: 'truncated', error: 'truncated answer' };
  const rcode = (response.flags ?? 0) & 0x0f;
  if (rcode !== 0) return { ok: false, kind: RCODE_KINDS[rcode]?.kind ?? 'other', error: RCODE_KINDS[rcode]?.name ?? `rcode ${rcode}` };
  // Follow a CNAME chain, if any, to the names whose A records answer the question.
  const names = new Set([asked]);
  for (const record of response.answers ?? []) {
    if (record.type === 'CNAME' && names.has(record.name.toLowerCase())) names.add(record.data.toLowerCase());
  }
  const addresses = (response.answers ?? []).flatMap((record) =>
    record.type === 'A' && names.has(record.name.toLowerCase()) ? [record.data] : [],
  );
  // dns-packet reads a cut-off A record as "10.undefined.undefined.undefined" rather than failing.
  const broken = addresses.find((address) => !isIpv4(address));
  if (broken !== undefined) return { ok: false, kind: 'malformed', error: `an A record that is not an IPv4 address (${broken})` };
  const chain = (response.answers ?? []).filter((record) => record.type === 'CNAME' && names.has(record.name.toLowerCase())).length;
  return { ok: true, addresses, records: (response.answers ?? []).length - chain, authoritative: response.flag_aa === true };
}

export interface AuthoritativeLookupOptions {
  /** Per-try timeout of each lookup. */
  readonly timeoutMs: number;
  /** Recursive resolvers to ask (`host` or `host:port`). @default the system's */
  readonly resolvers?: readonly string[];
}

const NOT_THERE = new Set<string>([dnsPromises.NODATA, dnsPromises.NOTFOUND]);

/**
 * The IPv4 addresses of the authoritative name servers of the closest zone enclosing `name` (for an ALB, its
 * regional zone such as `eu-west-1.elb.amazonaws.com`), asked of the system resolver. Asking them directly skips
 * resolver caches, so every answer is a fresh random draw. Throws when no server can be found.
 */
export async function authoritativeServers(name: string, options: AuthoritativeLookupOptions): Promise<DnsServer[]> {
  const resolver = new dnsPromises.Resolver({ timeout: options.timeoutMs, tries: 2 });
  if (options.resolvers) resolver.setServers([...options.resolvers]);
  for (let zone = name; zone.includes('.'); zone = zone.slice(zone.indexOf('.') + 1)) {
    let hosts: string[];
    try {
      hosts = await resolver.resolveNs(zone);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code ?? '';
      if (NOT_THERE.has(code)) continue;
      throw new Error(`NS lookup of ${zone} failed: ${code || (error as Error).message}`);
    }
    if (hosts.length === 0) continue;
    const lookups = await Promise.allSettled(hosts.map((host) => resolver.resolve4(host)));
    const addresses = [...new Set(lookups.flatMap((lookup) => (lookup.status === 'fulfilled' ? lookup.value : [])))].sort(compareIps);
    if (addresses.length === 0) throw new Error(`none of the name servers of ${zone} (${hosts.join(', ')}) resolved to an IPv4 address`);
    return addresses.map((host) => ({ host, port: 53 }));
  }
  throw new Error(`no zone enclosing ${name} has name servers`);
}

function logAdd(a: number, b: number): number {
  if (a === -Infinity) return b;
  const high = Math.max(a, b);
  return high + Math.log1p(Math.exp(Math.min(a, b) - high));
}
