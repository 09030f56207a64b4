import { randomInt } from 'node:crypto';
import * as dgram from 'node:dgram';
import { promises as dnsPromises } from 'node:dns';
import * as dnsPacket from 'dns-packet';
import { compareIps, isTargetableIpv4 } from './ip';
import type { Discovery } from './types';

export interface DnsServer {
  readonly host: string;
  readonly port: number;
}

export type DnsAnswer =
  | { readonly ok: true; readonly addresses: readonly string[] }
  | { readonly ok: false; readonly error: string };

/** One DNS A query to one server. Never rejects: failures come back as { ok: false }. */
export type QueryFn = (server: DnsServer, name: string) => Promise<DnsAnswer>;

export interface DiscoveryOptions {
  /** Most queries one discovery may send (MAX_LOOKUP_PER_INVOCATION). */
  readonly maxLookups: number;
  /** parallel queries in flight @default 16 */
  readonly concurrency?: number;
  /** stop when the chance an address is still unseen is below this @default 1e-4 */
  readonly missChance?: number;
  /** Once aborted, no further batch is sent and the discovery ends unclean with what it found. @default none */
  readonly signal?: AbortSignal;
}

/** An ALB answers with at most this many addresses, drawn at random from all of its nodes. */
export const ANSWER_SIZE = 8;

export const DISCOVERY_DEFAULTS = { concurrency: 16, missChance: 1e-4 } as const;

/** DNS response codes worth naming in a log line. */
const RCODE_NAMES: Readonly<Record<number, string>> = { 1: 'FORMERR', 2: 'SERVFAIL', 3: 'NXDOMAIN', 4: 'NOTIMP', 5: 'REFUSED' };

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

/**
 * Finds the ALB's node addresses. The first query goes alone: an ALB with fewer than 8 nodes answers with all of
 * them, and then one query is all it costs. Otherwise batches go out in parallel, round-robin over the servers,
 * each sized to the answers the stopping rule still needs, until the rule is met or `maxLookups` is spent.
 * Discovery is clean only when every query was answered and the set is believed complete.
 */
export async function discover(
  name: string,
  servers: readonly DnsServer[],
  query: QueryFn,
  options: DiscoveryOptions,
): Promise<Discovery> {
  const { maxLookups } = options;
  const concurrency = options.concurrency ?? DISCOVERY_DEFAULTS.concurrency;
  const missChance = options.missChance ?? DISCOVERY_DEFAULTS.missChance;
  if (servers.length === 0) throw new Error('discovery needs at least one DNS server');
  if (!Number.isSafeInteger(maxLookups) || maxLookups < 1) throw new RangeError(`maxLookups must be a positive integer, got ${maxLookups}`);
  if (!Number.isSafeInteger(concurrency) || concurrency < 1) throw new RangeError(`concurrency must be a positive integer, got ${concurrency}`);
  if (!(missChance > 0 && missChance < 1)) throw new RangeError(`missChance must lie strictly between 0 and 1, got ${missChance}`);

  const seen = new Set<string>();
  let [queries, failures, fullAnswers, largestShortAnswer] = [0, 0, 0, 0];

  /** Sends `count` queries at once; resolves to how many were answered. */
  const ask = async (count: number): Promise<number> => {
    const first = queries;
    queries += count;
    const answers = await Promise.all(Array.from({ length: count }, (_, i) => query(servers[(first + i) % servers.length], name)));
    let answered = 0;
    for (const answer of answers) {
      // An empty answer from an ALB's zone means something is wrong, not that the ALB has no nodes.
      if (!answer.ok || answer.addresses.length === 0) {
        failures += 1;
        continue;
      }
      answered += 1;
      const distinct = new Set(answer.addresses);
      for (const address of distinct) seen.add(address);
      if (distinct.size < ANSWER_SIZE) largestShortAnswer = Math.max(largestShortAnswer, distinct.size);
      else fullAnswers += 1;
    }
    return answered;
  };
  // A short answer is the whole set, as long as nothing was seen beyond it (an ALB scaling mid-run breaks that).
  const complete = (): boolean =>
    (largestShortAnswer > 0 && seen.size === largestShortAnswer) ||
    (fullAnswers > 0 && unseenChance(seen.size, fullAnswers) < missChance);

  await ask(1);
  while (!complete() && queries < maxLookups && !options.signal?.aborted) {
    const remaining = maxLookups - queries;
    const wanted = fullAnswers === 0 ? servers.length : answersStillNeeded(seen.size, fullAnswers, missChance, remaining);
    // A batch in which nothing answered means the servers are down: more queries would only burn the run's time.
    if ((await ask(Math.min(wanted, concurrency, remaining))) === 0) break;
  }

  const addresses = [...seen].sort(compareIps);
  return {
    ips: addresses.filter(isTargetableIpv4),
    ignored: addresses.filter((address) => !isTargetableIpv4(address)),
    queries,
    failures,
    clean: failures === 0 && complete(),
  };
}

/** Real DNS over UDP: a fresh socket (random source port) and a random id per query, connected to the server. */
export function udpQuery(options: { readonly timeoutMs: number }): QueryFn {
  return (server, name) =>
    new Promise<DnsAnswer>((resolve) => {
      const id = randomInt(0, 0x10000);
      // A connected socket only receives datagrams from the server it asked.
      const socket = dgram.createSocket('udp4');
      let settled = false;
      const settle = (answer: DnsAnswer): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        socket.close();
        resolve(answer);
      };
      const where = `${server.host}:${server.port}`;
      const timer = setTimeout(() => settle({ ok: false, error: `no answer from ${where} within ${options.timeoutMs} ms` }), options.timeoutMs);
      socket.on('error', (error) => settle({ ok: false, error: `${where}: ${error.message}` }));
      socket.on('message', (message) => {
        const answer = readResponse(message, id, name);
        if (answer !== undefined) settle(answer.ok ? answer : { ok: false, error: `${where}: ${answer.error}` });
      });
      socket.connect(server.port, server.host, () => {
        const question = dnsPacket.encode({ type: 'query', id, flags: dnsPacket.RECURSION_DESIRED, questions: [{ type: 'A', name, class: 'IN' }] });
        socket.send(question, (error) => error && settle({ ok: false, error: `${where}: ${error.message}` }));
      });
    });
}

/** The answer a datagram carries, or undefined when it is not the response to our question (keep waiting). */
function readResponse(message: Buffer, id: number, name: string): DnsAnswer | undefined {
  let response: dnsPacket.DecodedPacket;
  try {
    response = dnsPacket.decode(message);
  } catch {
    return undefined;
  }
  const question = response.questions?.[0];
  const asked = name.toLowerCase();
  if (response.type !== 'response' || response.id !== id || question?.type !== 'A' || question.name.toLowerCase() !== asked) return undefined;
  if (response.flag_tc) return { ok: false, error: 'truncated answer' };
  const rcode = (response.flags ?? 0) & 0x0f;
  if (rcode !== 0) return { ok: false, error: RCODE_NAMES[rcode] ?? `rcode ${rcode}` };
  // Follow a CNAME chain, if any, to the names whose A records answer the question.
  const names = new Set([asked]);
  for (const record of response.answers ?? []) {
    if (record.type === 'CNAME' && names.has(record.name.toLowerCase())) names.add(record.data.toLowerCase());
  }
  const addresses = (response.answers ?? []).flatMap((record) =>
    record.type === 'A' && names.has(record.name.toLowerCase()) ? [record.data] : [],
  );
  return { ok: true, addresses };
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
