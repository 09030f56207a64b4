import { albDnsModel, nodeAddresses as nodeIps } from '../bench/dns-model';
import { createRng, sample } from '../bench/rng';
import { discover } from '../lambda/dns/discover';
import { NO_FAILURES } from '../lambda/dns/failures';
import { ANSWER_SIZE } from '../lambda/dns/stopping-rule';
import type { DnsAnswer, DnsServer, QueryFn } from '../lambda/dns/types';
import { SETTING_DEFAULTS } from '../lambda/settings';
import type { DnsFailureKind } from '../lambda/types';

/** The benchmark's seeded model of an ALB's DNS: each answer is min(8, N) of the N addresses, at random. */
const modelQuery = (ips: readonly string[], seed: number): QueryFn =>
  albDnsModel(NAME, createRng(seed), () => ({ up: true, addresses: ips }));

const SERVERS: DnsServer[] = [
  { host: '192.0.2.1', port: 53 },
  { host: '192.0.2.2', port: 53 },
  { host: '192.0.2.3', port: 53 },
];
const NAME = 'internal-app-1.eu-west-1.elb.amazonaws.com';

describe('discover with the sampling model', () => {
  test.each([1, 3, 7])('an ALB with %i nodes costs one query and is found whole', async (n) => {
    const discovery = await discover(NAME, SERVERS, modelQuery(nodeIps(n), n), { maxLookups: 200 });
    expect(discovery).toEqual({
      source: 'dns',
      ips: nodeIps(n),
      ignored: [],
      queries: 1,
      failures: 0,
      failuresByKind: NO_FAILURES,
      nonAuthoritative: 0,
      clean: true,
      uncleanReasons: [],
    });
  });

  test.each([100, 150, 250])('finds all %i nodes cleanly in every one of 100 seeded runs, within the default lookup cap', async (n) => {
    const ips = nodeIps(n);
    const maxLookups = SETTING_DEFAULTS.MAX_LOOKUP_PER_INVOCATION;
    const runs = await Promise.all(
      Array.from({ length: 100 }, (_, seed) => discover(NAME, SERVERS, modelQuery(ips, seed), { maxLookups })),
    );
    expect(runs.filter((d) => d.ips.length !== n || !d.clean)).toEqual([]);
    // The rule needs 455 answers at N = 250: the cap leaves room to spare, for retries too.
    expect(Math.max(...runs.map((d) => d.queries))).toBeLessThanOrEqual(maxLookups / 2);
  });

  test('stops short of a whole set about as rarely as the miss chance it was given', async () => {
    // 2,000 runs at N = 30 with a 5% bound: an exact rule misses in about 5% of runs; dropping the C(N, k)
    // factor from the posterior would stop early in most of them.
    const ips = nodeIps(30);
    const runs = await Promise.all(
      Array.from({ length: 2000 }, (_, seed) =>
        discover(NAME, SERVERS, modelQuery(ips, 1000 + seed), { maxLookups: 500, missChance: 0.05 }),
      ),
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
const seededRuns = (
  runs: number,
  n: number,
  servers: readonly DnsServer[],
  fault: (seed: number) => (server: DnsServer) => DnsAnswer | undefined,
) =>
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
    expect(discovery.uncleanReasons).toEqual([
      expect.stringMatching(/^\d+ of \d+ queries lost \(timeout \d+\), more than the \d+ tolerated$/),
    ]);
  });

  test.each<DnsFailureKind>(['servfail', 'nxdomain', 'refused', 'truncated', 'malformed', 'other'])(
    'one %s keeps it unclean though the rule is met, and is counted under its kind',
    async (kind) => {
      const discovery = await discover(
        NAME,
        SERVERS,
        faultyModel(nodeIps(20), 11, (_, n) => (n === 4 ? failure(kind) : undefined)),
        { maxLookups: 200 },
      );
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
        return discover(NAME, seed % 2 === 0 ? [alive, dead] : [dead, alive], query, {
          maxLookups: SETTING_DEFAULTS.MAX_LOOKUP_PER_INVOCATION,
        });
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
    expect(discovery.uncleanReasons).toEqual([
      expect.stringMatching(/^\d+ of \d+ queries lost \(timeout \d+\), more than the \d+ tolerated$/),
    ]);
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
    const discovery = await discover(
      NAME,
      SERVERS,
      faultyModel(nodeIps(100), 3, (_, n) => (n > 30 ? failure('timeout') : undefined)),
      {
        maxLookups: 1000,
        concurrency: 8,
      },
    );
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
