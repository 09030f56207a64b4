import * as dgram from 'node:dgram';
import type { AddressInfo } from 'node:net';
import * as dnsPacket from 'dns-packet';
import { albDnsModel, nodeAddresses as nodeIps } from '../bench/dns-model';
import { createRng, sample } from '../bench/rng';
import {
  ANSWER_SIZE,
  answersStillNeeded,
  authoritativeServers,
  discover,
  lostQueriesTolerated,
  NO_FAILURES,
  udpQuery,
  unseenChance,
  type DnsAnswer,
  type DnsServer,
  type QueryFn,
} from '../lambda/discovery';
import type { DnsFailureKind } from '../lambda/types';
import { SETTING_DEFAULTS } from '../lambda/settings';
import { startDnsServer as startAlbDns, type DnsStandIn } from './support/dns-server';

/** The benchmark's seeded model of an ALB's DNS: each answer is min(8, N) of the N addresses, at random. */
const modelQuery = (ips: readonly string[], seed: number): QueryFn =>
  albDnsModel(NAME, createRng(seed), () => ({ up: true, addresses: ips }));

const SERVERS: DnsServer[] = [
  { host: '192.0.2.1', port: 53 },
  { host: '192.0.2.2', port: 53 },
  { host: '192.0.2.3', port: 53 },
];
const NAME = 'internal-app-1.eu-west-1.elb.amazonaws.com';

describe('unseenChance', () => {
  test('matches a direct sum of the posterior for 8 addresses seen in 2 answers', () => {
    // k = 8, m = 2: r(u) = C(8+u, u) / C(8+u, 8)^2 = 1 / C(8+u, 8).
    let sum = 0;
    let choose = 1;
    for (let u = 1; u < 5000; u++) {
      choose = (choose * (8 + u)) / u;
      sum += 1 / choose;
    }
    expect(unseenChance(8, 2)).toBeCloseTo(sum / (1 + sum), 6);
  });

  test('is 1 before any answer and while the posterior is improper', () => {
    expect(unseenChance(0, 0)).toBe(1);
    expect(unseenChance(8, 1)).toBe(1);
    expect(unseenChance(100, 12)).toBe(1);
  });

  test('falls with every answer that shows nothing new, and rises with what was seen', () => {
    const chances = [20, 40, 80, 160].map((answers) => unseenChance(100, answers));
    expect([...chances].sort((a, b) => b - a)).toEqual(chances);
    expect(chances[3]).toBeLessThan(1e-3);
    expect(unseenChance(50, 60)).toBeLessThan(unseenChance(60, 60));
  });

  test('counts the ways the seen addresses sit among N: about k times the chance of one given address being unseen', () => {
    // One particular address of 101 is missed by m answers with chance (93/101)^m; any of ~100 unseen is ~100x that.
    const perAddress = (93 / 101) ** 150;
    expect(unseenChance(100, 150) / perAddress).toBeGreaterThan(50);
  });

  test('rejects impossible observations', () => {
    expect(() => unseenChance(5, 3)).toThrow(RangeError);
    expect(() => unseenChance(-1, 3)).toThrow(RangeError);
    expect(() => unseenChance(10, 1.5)).toThrow(RangeError);
  });

  test('answersStillNeeded is the smallest count that meets the rule', () => {
    const needed = answersStillNeeded(100, 20, 1e-4, 500);
    expect(unseenChance(100, 20 + needed)).toBeLessThan(1e-4);
    expect(unseenChance(100, 20 + needed - 1)).toBeGreaterThanOrEqual(1e-4);
    expect(answersStillNeeded(100, 20, 1e-4, 7)).toBe(7);
  });
});

describe('discover with the sampling model', () => {
  test.each([1, 3, 7])('an ALB with %i nodes costs one query and is found whole', async (n) => {
    const discovery = await discover(NAME, SERVERS, modelQuery(nodeIps(n), n), { maxLookups: 200 });
    expect(discovery).toEqual({ source: 'dns', ips: nodeIps(n), ignored: [], queries: 1, failures: 0, failuresByKind: NO_FAILURES, nonAuthoritative: 0, clean: true, uncleanReasons: [] });
  });

  test.each([100, 150, 250])('finds all %i nodes cleanly in every one of 100 seeded runs, within the default lookup cap', async (n) => {
    const ips = nodeIps(n);
    const maxLookups = SETTING_DEFAULTS.MAX_LOOKUP_PER_INVOCATION;
    const runs = await Promise.all(Array.from({ length: 100 }, (_, seed) => discover(NAME, SERVERS, modelQuery(ips, seed), { maxLookups })));
    expect(runs.filter((d) => d.ips.length !== n || !d.clean)).toEqual([]);
    // The rule needs 455 answers at N = 250: the cap leaves room to spare, for retries too.
    expect(Math.max(...runs.map((d) => d.queries))).toBeLessThanOrEqual(maxLookups / 2);
  });

  test('stops short of a whole set about as rarely as the miss chance it was given', async () => {
    // 2,000 runs at N = 30 with a 5% bound: an exact rule misses in about 5% of runs; dropping the C(N, k)
    // factor from the posterior would stop early in most of them.
    const ips = nodeIps(30);
    const runs = await Promise.all(
      Array.from({ length: 2000 }, (_, seed) => discover(NAME, SERVERS, modelQuery(ips, 1000 + seed), { maxLookups: 500, missChance: 0.05 })),
    );
    const missed = runs.filter((d) => d.ips.length < 30).length / runs.length;
    expect(missed).toBeLessThan(0.08);
  });

  test('once its signal aborts it sends no further batch and ends unclean with what it found', async () => {
    const controller = new AbortController();
    const model = modelQuery(nodeIps(100), 11);
    let sent = 0;
    const query: QueryFn = async (server, name) => {
      sent += 1;
      if (sent === 20) controller.abort(); // out of time in the middle of a batch
      return model(server, name);
    };
    const discovery = await discover(NAME, SERVERS, query, { maxLookups: 200, signal: controller.signal });
    expect(discovery.queries).toBe(sent);
    expect(discovery.queries).toBeLessThan(20 + 16); // the batch in flight finishes; no other starts
    expect(discovery.clean).toBe(false);
    expect(discovery.ips.length).toBeGreaterThan(8);
  });

  test('an ALB too large for the lookup cap is found in part and reported unclean', async () => {
    const discovery = await discover(NAME, SERVERS, modelQuery(nodeIps(150), 7), { maxLookups: 60 });
    expect(discovery.queries).toBe(60);
    expect(discovery).toMatchObject({ clean: false, uncleanReasons: ['the lookup cap (60) was spent before the stopping rule was met'] });
    expect(discovery.ips.length).toBeGreaterThan(100);
  });

  test('spreads queries round-robin over the servers, never more in flight than the concurrency', async () => {
    const random = createRng(3);
    const perServer = new Map<string, number>();
    let inFlight = 0;
    let peak = 0;
    const query: QueryFn = async (server) => {
      perServer.set(server.host, (perServer.get(server.host) ?? 0) + 1);
      peak = Math.max(peak, ++inFlight);
      await new Promise((resolve) => setImmediate(resolve));
      inFlight -= 1;
      return { ok: true, addresses: sample(random, nodeIps(60), ANSWER_SIZE), authoritative: true };
    };
    const discovery = await discover(NAME, SERVERS, query, { maxLookups: 300, concurrency: 5 });
    expect(peak).toBe(5);
    const counts = [...perServer.values()];
    expect(Math.max(...counts) - Math.min(...counts)).toBeLessThanOrEqual(1);
    expect(discovery.queries).toBe(counts.reduce((a, b) => a + b));
  });

  test('public and IPv6 addresses are reported as ignored, not as targets', async () => {
    const addresses = ['10.0.0.1', '52.1.2.3', '172.31.0.9', '100.64.1.1', '192.168.3.3', '172.32.0.1'];
    const discovery = await discover(NAME, SERVERS, async () => answer(addresses), { maxLookups: 200 });
    expect(discovery.ips).toEqual(['10.0.0.1', '100.64.1.1', '172.31.0.9', '192.168.3.3']);
    expect(discovery.ignored).toEqual(['52.1.2.3', '172.32.0.1']);
    expect(discovery.clean).toBe(true);
  });

  test('rejects options that cannot work', async () => {
    const query = modelQuery(nodeIps(3), 1);
    await expect(discover(NAME, [], query, { maxLookups: 10 })).rejects.toThrow('at least one DNS server');
    await expect(discover(NAME, SERVERS, query, { maxLookups: 0 })).rejects.toThrow('maxLookups');
    await expect(discover(NAME, SERVERS, query, { maxLookups: 5, missChance: 0 })).rejects.toThrow('missChance');
  });
});

const answer = (addresses: readonly string[], authoritative = true): DnsAnswer => ({ ok: true, addresses, authoritative });
const failure = (kind: DnsFailureKind): DnsAnswer => ({ ok: false, kind, error: `a ${kind}` });

/** The model, except where `fault` (given the server and the query's number, from 1) answers instead. */
function faultyModel(ips: readonly string[], seed: number, fault: (server: DnsServer, n: number) => DnsAnswer | undefined): QueryFn {
  const model = modelQuery(ips, seed);
  let n = 0;
  return async (server, name) => fault(server, ++n) ?? model(server, name);
}

/** Seeded runs of `discover` against the model with `fault`, one per seed. */
const seededRuns = (runs: number, n: number, servers: readonly DnsServer[], fault: (seed: number) => (server: DnsServer) => DnsAnswer | undefined) =>
  Promise.all(
    Array.from({ length: runs }, (_, seed) =>
      discover(NAME, servers, faultyModel(nodeIps(n), seed, fault(seed)), { maxLookups: SETTING_DEFAULTS.MAX_LOOKUP_PER_INVOCATION }),
    ),
  );

describe('discover when queries fail', () => {
  const [dead, alive] = SERVERS;

  test('a failed query is retried on another server, and a server that keeps failing is asked less and less', async () => {
    const asked: string[] = [];
    const query = faultyModel(nodeIps(100), 5, (server) => {
      asked.push(server.host);
      return server === dead ? failure('timeout') : undefined;
    });
    const discovery = await discover(NAME, SERVERS, query, { maxLookups: 1000 });
    expect(asked[0]).toBe(dead.host);
    expect(asked[1]).not.toBe(dead.host);
    // Round-robin would have sent it a third of the ~170 queries.
    expect(asked.filter((host) => host === dead.host).length).toBeLessThanOrEqual(3);
    expect(discovery).toMatchObject({ ips: nodeIps(100), clean: true, failuresByKind: { ...NO_FAILURES, timeout: discovery.failures } });
  });

  test.each([5, 20, 100, 250])('one of two servers unreachable, N = %i: clean in every one of 50 seeded runs', async (n) => {
    const runs = await seededRuns(50, n, [dead, alive], () => (server) => (server === dead ? failure('timeout') : undefined));
    expect(runs.filter((d) => !d.clean || d.ips.length !== n).map((d) => ({ found: d.ips.length, why: d.uncleanReasons }))).toEqual([]);
    expect(Math.min(...runs.map((d) => d.failuresByKind.timeout))).toBeGreaterThan(0);
  });

  test('1% of the queries lost at N = 100: clean in every one of 200 seeded runs', async () => {
    const runs = await seededRuns(200, 100, SERVERS, (seed) => {
      const loss = createRng(seed, 1);
      return () => (loss.next() < 0.01 ? failure('timeout') : undefined);
    });
    expect(runs.filter((d) => !d.clean || d.ips.length !== 100).map((d) => ({ found: d.ips.length, why: d.uncleanReasons }))).toEqual([]);
    expect(runs.filter((d) => d.failures > 0).length).toBeGreaterThan(100);
  });

  test('far more than a quarter of the queries lost (60 %): unclean, saying so, though every address is found', async () => {
    const loss = createRng(9);
    const query = faultyModel(nodeIps(40), 9, () => (loss.next() < 0.6 ? failure('timeout') : undefined));
    const discovery = await discover(NAME, SERVERS, query, { maxLookups: 1000 });
    expect(discovery.ips).toEqual(nodeIps(40));
    expect(discovery.clean).toBe(false);
    expect(discovery.uncleanReasons).toEqual([expect.stringMatching(/^\d+ of \d+ queries lost \(timeout \d+\), more than the \d+ tolerated$/)]);
  });

  test.each<DnsFailureKind>(['servfail', 'nxdomain', 'refused', 'truncated', 'malformed', 'other'])(
    'one %s keeps it unclean though the rule is met, and is counted under its kind',
    async (kind) => {
      const discovery = await discover(NAME, SERVERS, faultyModel(nodeIps(20), 11, (_, n) => (n === 4 ? failure(kind) : undefined)), { maxLookups: 200 });
      expect(discovery).toMatchObject({ ips: nodeIps(20), failures: 1, failuresByKind: { ...NO_FAILURES, [kind]: 1 }, clean: false });
      expect(discovery.uncleanReasons).toEqual([`1 errors or unusable answers (${kind} 1)`]);
    },
  );

  test('an empty answer is a failure of its own kind', async () => {
    const discovery = await discover(NAME, SERVERS, async () => answer([]), { maxLookups: 200 });
    expect(discovery).toMatchObject({ ips: [], queries: 4, failures: 4, failuresByKind: { ...NO_FAILURES, empty: 4 }, clean: false });
  });

  // As on the wire: the dead server's timeouts come late, so the queries in flight together split over both
  // servers before it has failed (4 of 13 lost at N = 10 with the live server first, against the old fixed tolerance of 3).
  test.each([8, 10, 12, 16])('one of two servers silent until its timeout, N = %i: clean in every one of 20 seeded runs', async (n) => {
    const runs = await Promise.all(
      Array.from({ length: 20 }, (_, seed) => {
        const model = modelQuery(nodeIps(n), seed);
        const query: QueryFn = (server, name) =>
          server === dead ? new Promise((resolve) => setTimeout(() => resolve(failure('timeout')), 20)) : model(server, name);
        return discover(NAME, seed % 2 === 0 ? [alive, dead] : [dead, alive], query, { maxLookups: SETTING_DEFAULTS.MAX_LOOKUP_PER_INVOCATION });
      }),
    );
    expect(runs.filter((d) => !d.clean || d.ips.length !== n).map((d) => ({ found: d.ips.length, why: d.uncleanReasons }))).toEqual([]);
    expect(Math.min(...runs.map((d) => d.failuresByKind.timeout))).toBeGreaterThan(0);
  });

  test('servers that answer but lose 60 % of the queries keep it unclean even while a third server is down', async () => {
    const loss = createRng(13);
    const query = faultyModel(nodeIps(40), 13, (server) => (server === SERVERS[2] || loss.next() < 0.6 ? failure('timeout') : undefined));
    const discovery = await discover(NAME, SERVERS, query, { maxLookups: 1000 });
    expect(discovery.clean).toBe(false);
    expect(discovery.uncleanReasons).toEqual([expect.stringMatching(/^\d+ of \d+ queries lost \(timeout \d+\), more than the \d+ tolerated$/)]);
  });

  test('the lost-query tolerance follows the run size: the binomial quantile of a 25 % loss rate, not a fixed share', () => {
    expect(lostQueriesTolerated(12)).toBeGreaterThanOrEqual(4);
    // A quarter of a large run is still well within it; half of it is not.
    expect(lostQueriesTolerated(1000)).toBeGreaterThan(250);
    expect(lostQueriesTolerated(1000)).toBeLessThan(500);
    // Monotone in the run size.
    const sizes = [1, 2, 5, 12, 50, 168, 455, 1000];
    const tolerated = sizes.map((q) => lostQueriesTolerated(q));
    expect([...tolerated].sort((x, y) => x - y)).toEqual(tolerated);
  });

  test('when every server is down it asks each once, and one more, rather than spending the cap', async () => {
    const asked: string[] = [];
    const query: QueryFn = async (server) => {
      asked.push(server.host);
      return failure('timeout');
    };
    const discovery = await discover(NAME, SERVERS, query, { maxLookups: 200 });
    expect(new Set(asked)).toEqual(new Set(SERVERS.map((server) => server.host)));
    expect(discovery).toEqual({
      source: 'dns',
      ips: [],
      ignored: [],
      queries: SERVERS.length + 1,
      failures: SERVERS.length + 1,
      failuresByKind: { ...NO_FAILURES, timeout: SERVERS.length + 1 },
      nonAuthoritative: 0,
      clean: false,
      uncleanReasons: ['4 queries in a row failed: the servers look down', '4 of 4 queries lost (timeout 4), more than the 2 tolerated'],
    });
  });

  test('when the servers go down mid-run it stops after twice the concurrency failures in a row', async () => {
    const discovery = await discover(NAME, SERVERS, faultyModel(nodeIps(100), 3, (_, n) => (n > 30 ? failure('timeout') : undefined)), {
      maxLookups: 1000,
      concurrency: 8,
    });
    expect(discovery.queries).toBeLessThanOrEqual(30 + 2 * 8 + 8);
    expect(discovery.uncleanReasons[0]).toBe('16 queries in a row failed: the servers look down');
  });
});

describe('discover: what counts as evidence of the whole set', () => {
  test('answers without the AA flag (a caching resolver): their addresses are kept, it is never clean, and it stops soon', async () => {
    const cached = nodeIps(40).slice(10, 18);
    const discovery = await discover(NAME, SERVERS, async () => answer(cached, false), { maxLookups: 1000 });
    expect(discovery).toMatchObject({ ips: cached, failures: 0, nonAuthoritative: discovery.queries, clean: false });
    expect(discovery.queries).toBeLessThanOrEqual(8);
    expect(discovery.uncleanReasons).toEqual([
      'too few usable authoritative answers to meet the stopping rule',
      `${discovery.queries} answers without the AA flag (from a resolver, not the ALB's name servers)`,
    ]);
  });

  test('one answer without the AA flag among authoritative ones keeps it unclean', async () => {
    const model = modelQuery(nodeIps(20), 4);
    let n = 0;
    const query: QueryFn = async (server, name) => {
      const drawn = await model(server, name);
      return ++n === 3 && drawn.ok ? { ...drawn, authoritative: false } : drawn;
    };
    const discovery = await discover(NAME, SERVERS, query, { maxLookups: 200 });
    expect(discovery).toMatchObject({ ips: nodeIps(20), nonAuthoritative: 1, clean: false });
  });

  test('a short answer without the AA flag is not the whole set', async () => {
    const discovery = await discover(NAME, SERVERS, async () => answer(nodeIps(5), false), { maxLookups: 200 });
    expect(discovery).toMatchObject({ ips: nodeIps(5), clean: false });
  });

  test('an answer repeating a record is no short answer: its 7 distinct of 8 do not end the discovery of 20 nodes', async () => {
    const repeating = [...nodeIps(7), nodeIps(7)[0]];
    const query = faultyModel(nodeIps(20), 6, (_, n) => (n === 1 ? answer(repeating) : undefined));
    const discovery = await discover(NAME, SERVERS, query, { maxLookups: 200 });
    // It went on sampling, and found the rest; the repeated record is a fault that keeps the run unclean.
    expect(discovery).toMatchObject({ ips: nodeIps(20), failuresByKind: { ...NO_FAILURES, malformed: 1 }, clean: false });
    expect(discovery.queries).toBeGreaterThan(1);
  });

  // 6 A records beside 2 of another type ended discovery as the whole set of a 6-node ALB of 20; 8 live nodes
  // were deregistered over the following runs.
  test('an answer of 8 records holding 6 addresses is not short: the discovery of 20 nodes goes on and finds them all', async () => {
    const model = modelQuery(nodeIps(20), 21);
    let n = 0;
    const query: QueryFn = async (server, name) => {
      const drawn = await model(server, name);
      return ++n === 1 && drawn.ok ? { ...drawn, addresses: drawn.addresses.slice(0, 6), records: ANSWER_SIZE } : drawn;
    };
    const discovery = await discover(NAME, SERVERS, query, { maxLookups: 1000 });
    expect(discovery).toMatchObject({ ips: nodeIps(20), clean: true });
    expect(discovery.queries).toBeGreaterThan(1);
  });

  test('a short answer that contradicts a larger set seen is not taken as the whole set', async () => {
    const answers = [nodeIps(8), nodeIps(5)];
    let count = 0;
    const discovery = await discover(NAME, SERVERS, async () => answer(answers[count++ % 2]), { maxLookups: 2 });
    expect(discovery).toMatchObject({ queries: 2, clean: false });
    expect(discovery.uncleanReasons).toEqual(['the lookup cap (2) was spent before the stopping rule was met']);
  });
});

/** A DNS server on 127.0.0.1 whose every reply is decided by the test. */
interface TestDnsServer {
  readonly server: DnsServer;
  readonly close: () => Promise<void>;
}
type Reply = (query: dnsPacket.DecodedPacket) => Buffer[];

async function startDnsServer(reply: Reply): Promise<TestDnsServer> {
  const socket = dgram.createSocket('udp4');
  socket.on('message', (message, peer) => {
    for (const datagram of reply(dnsPacket.decode(message))) socket.send(datagram, peer.port, peer.address);
  });
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  const { port } = socket.address() as AddressInfo;
  return { server: { host: '127.0.0.1', port }, close: () => new Promise((resolve) => socket.close(() => resolve())) };
}

function response(query: dnsPacket.DecodedPacket, fields: { rcode?: number; flags?: number; id?: number; answers?: dnsPacket.Answer[] } = {}): Buffer {
  return dnsPacket.encode({
    type: 'response',
    id: fields.id ?? query.id,
    flags: (fields.flags ?? dnsPacket.AUTHORITATIVE_ANSWER) | (fields.rcode ?? 0),
    questions: query.questions,
    answers: fields.answers ?? [],
  });
}

const aRecords = (name: string, ips: readonly string[]): dnsPacket.Answer[] => ips.map((data) => ({ type: 'A', name, ttl: 60, data }));

describe('udpQuery against a DNS server on 127.0.0.1', () => {
  const servers: TestDnsServer[] = [];
  const start = async (reply: Reply) => {
    const started = await startDnsServer(reply);
    servers.push(started);
    return started.server;
  };
  afterEach(async () => {
    await Promise.all(servers.splice(0).map((s) => s.close()));
  });
  const query = udpQuery({ timeoutMs: 300 });

  test('returns the A records of the name asked, and whether the answer is authoritative', async () => {
    const server = await start((q) => [response(q, { answers: aRecords(q.questions![0].name, ['10.0.0.1', '10.0.0.2']) })]);
    expect(await query(server, NAME)).toEqual({ ok: true, addresses: ['10.0.0.1', '10.0.0.2'], records: 2, authoritative: true });
    const resolver = await start((q) => [response(q, { flags: dnsPacket.RECURSION_AVAILABLE, answers: aRecords(NAME, ['10.0.0.1']) })]);
    expect(await query(resolver, NAME)).toEqual({ ok: true, addresses: ['10.0.0.1'], records: 1, authoritative: false });
  });

  test('follows a CNAME to the addresses and ignores records of other names', async () => {
    const server = await start((q) => [
      response(q, {
        answers: [{ type: 'CNAME', name: NAME, ttl: 60, data: 'real.example.com' }, ...aRecords('real.example.com', ['10.0.0.3']), ...aRecords('other.example.com', ['10.0.0.4'])],
      }),
    ]);
    expect(await query(server, NAME)).toEqual({ ok: true, addresses: ['10.0.0.3'], records: 2, authoritative: true });
  });

  test.each([
    ['SERVFAIL', 2, 'servfail'],
    ['NXDOMAIN', 3, 'nxdomain'],
    ['REFUSED', 5, 'refused'],
    ['FORMERR', 1, 'other'],
  ])('reports %s (rcode %i) as a failure of kind %s, naming it', async (name, rcode, kind) => {
    const server = await start((q) => [response(q, { rcode })]);
    expect(await query(server, NAME)).toEqual({ ok: false, kind, error: expect.stringContaining(name) });
  });

  test('times out when the server stays silent', async () => {
    const server = await start(() => []);
    expect(await query(server, NAME)).toEqual({ ok: false, kind: 'timeout', error: expect.stringContaining('within 300 ms') });
  });

  test('a closed port is unreachable, without waiting out the timeout', async () => {
    const closed = await start(() => []);
    await servers.pop()!.close();
    expect(await udpQuery({ timeoutMs: 30_000 })(closed, NAME)).toEqual({ ok: false, kind: 'unreachable', error: expect.stringContaining('ECONNREFUSED') });
  });

  test('ignores garbage, a wrong id and a wrong question, and takes the real answer after them', async () => {
    const server = await start((q) => [
      Buffer.from([1, 2, 3]),
      response(q, { id: (q.id! + 1) % 0x10000, answers: aRecords(NAME, ['10.6.6.6']) }),
      dnsPacket.encode({ type: 'response', id: q.id, questions: [{ type: 'A', name: 'evil.example.com' }], answers: aRecords('evil.example.com', ['10.6.6.7']) }),
      response(q, { answers: aRecords(NAME, ['10.0.0.8']) }),
    ]);
    expect(await query(server, NAME)).toEqual({ ok: true, addresses: ['10.0.0.8'], records: 1, authoritative: true });
  });

  test.each([
    ['does not decode', 8, 'undecodable answer'],
    ['decodes to an A record that is no IPv4 address', 3, 'not an IPv4 address (10.undefined.undefined.undefined)'],
  ])('a response with its id that %s is the answer, mangled: malformed', async (_, cut, error) => {
    const server = await start((q) => {
      const whole = response(q, { answers: aRecords(NAME, ['10.0.0.1', '10.0.0.2']) });
      return [whole.subarray(0, whole.length - cut)];
    });
    expect(await query(server, NAME)).toEqual({ ok: false, kind: 'malformed', error: expect.stringContaining(error) });
  });

  test('uses a fresh id for every query', async () => {
    const ids: number[] = [];
    const server = await start((q) => {
      ids.push(q.id!);
      return [response(q, { answers: aRecords(NAME, ['10.0.0.1']) })];
    });
    await Promise.all(Array.from({ length: 20 }, () => query(server, NAME)));
    expect(new Set(ids).size).toBeGreaterThan(15);
  });

  test('discovers all 40 nodes of an ALB-like server over real UDP', async () => {
    const ips = nodeIps(40);
    const random = createRng(40);
    const alb = await Promise.all([0, 1].map(() => start((q) => [response(q, { answers: aRecords(NAME, sample(random, ips, ANSWER_SIZE)) })])));
    const discovery = await discover(NAME, alb, query, { maxLookups: 200 });
    expect(discovery).toMatchObject({ ips, failures: 0, clean: true });
  });
});

describe('udpQuery against the ALB stand-in, over UDP and TCP', () => {
  const ips = nodeIps(40);
  let alb: DnsStandIn;
  afterEach(() => alb.stop());
  const at = (stand: DnsStandIn): DnsServer => ({ host: '127.0.0.1', port: stand.port });

  test('an answer truncated over UDP is asked again over TCP and comes back whole (RFC 7766)', async () => {
    alb = await startAlbDns({ name: NAME, addresses: ips, seed: 2 });
    alb.fail('truncate');
    const answer = await udpQuery({ timeoutMs: 2_000 })(at(alb), NAME);
    expect(answer).toEqual({ ok: true, addresses: expect.any(Array), records: 8, authoritative: true });
    expect(answer.ok && new Set(answer.addresses).size).toBe(ANSWER_SIZE);
    expect(alb.queries.map((q) => [q.transport, q.fault, q.answered.length])).toEqual([
      ['udp', 'truncate', 3],
      ['tcp', undefined, ANSWER_SIZE],
    ]);
  });

  test('a truncated answer that TCP cannot complete fails as truncated, naming both legs', async () => {
    alb = await startAlbDns({ name: NAME, addresses: ips, tcp: false });
    alb.fail('truncate');
    expect(await udpQuery({ timeoutMs: 2_000 })(at(alb), NAME)).toEqual({
      ok: false,
      kind: 'truncated',
      error: expect.stringMatching(/^truncated over UDP, and over TCP 127\.0\.0\.1:\d+: /),
    });
  });

  test('with every answer truncated, discovery still finds all nodes cleanly, over TCP', async () => {
    alb = await startAlbDns({ name: NAME, addresses: ips, seed: 3 });
    alb.fail('truncate');
    const discovery = await discover(NAME, [at(alb)], udpQuery({ timeoutMs: 2_000 }), { maxLookups: 1000 });
    expect(discovery).toMatchObject({ ips, failures: 0, clean: true });
  });

  test('discovery at N = 250 over loopback with 5 ms per answer completes cleanly, its queries in flight together', async () => {
    const many = nodeIps(250);
    alb = await startAlbDns({ name: NAME, addresses: many, delayMs: 5, seed: 250 });
    const started = performance.now();
    const discovery = await discover(NAME, [at(alb)], udpQuery({ timeoutMs: 1_000 }), { maxLookups: SETTING_DEFAULTS.MAX_LOOKUP_PER_INVOCATION });
    const elapsedMs = performance.now() - started;
    expect(discovery).toMatchObject({ ips: many, clean: true });
    // About 460 queries, 16 in flight, 5 ms each: about 150 ms on an idle machine (the goal was under 2 s), one at
    // a time at least 2.3 s of timers alone. What proves the overlap is the stand-in holding many answers at once;
    // the time bound only leaves room for a 2-core machine under a load of 15.
    expect(alb.mostPending).toBeGreaterThanOrEqual(4);
    expect(elapsedMs).toBeLessThan(20_000);
  });
});

describe('authoritativeServers via a resolver on 127.0.0.1', () => {
  let resolver: TestDnsServer;
  const asked: string[] = [];
  const ZONE = 'eu-west-1.elb.amazonaws.com';
  beforeAll(async () => {
    resolver = await startDnsServer((q) => {
      const { name, type } = q.questions![0];
      asked.push(`${type} ${name}`);
      if (type === 'NS' && name === ZONE) {
        return [response(q, { answers: ['ns-1.awsdns.example', 'ns-2.awsdns.example', 'ns-3.awsdns.example'].map((data) => ({ type: 'NS', name, ttl: 60, data })) })];
      }
      if (type === 'A' && name === 'ns-1.awsdns.example') return [response(q, { answers: aRecords(name, ['198.51.100.1']) })];
      if (type === 'A' && name === 'ns-2.awsdns.example') return [response(q, { answers: aRecords(name, ['198.51.100.2']) })];
      if (type === 'A' && name === 'ns-3.awsdns.example') return [response(q, { rcode: 2 })];
      if (name.endsWith('broken.example')) return [response(q, { rcode: 2 })];
      return [response(q)]; // NODATA
    });
  });
  afterAll(() => resolver.close());
  const options = () => ({ timeoutMs: 500, resolvers: [`127.0.0.1:${resolver.server.port}`] });

  test('walks up from the ALB name to its zone and returns the name servers that resolve', async () => {
    asked.length = 0;
    expect(await authoritativeServers(NAME, options())).toEqual([
      { host: '198.51.100.1', port: 53 },
      { host: '198.51.100.2', port: 53 },
    ]);
    expect(asked.slice(0, 2)).toEqual([`NS ${NAME}`, `NS ${ZONE}`]);
  });

  test('fails, naming the zone, when the NS lookup fails', async () => {
    await expect(authoritativeServers('alb.broken.example', options())).rejects.toThrow('NS lookup of alb.broken.example failed');
  });
});
