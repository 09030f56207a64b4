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
  udpQuery,
  unseenChance,
  type DnsServer,
  type QueryFn,
} from '../lambda/discovery';

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
    expect(discovery).toEqual({ ips: nodeIps(n), ignored: [], queries: 1, failures: 0, clean: true });
  });

  test('finds all 100 nodes of a large ALB in every one of 200 seeded runs, within the default 200 lookups', async () => {
    const ips = nodeIps(100);
    const runs = await Promise.all(Array.from({ length: 200 }, (_, seed) => discover(NAME, SERVERS, modelQuery(ips, seed), { maxLookups: 200 })));
    expect(runs.filter((d) => d.ips.length !== 100 || !d.clean)).toEqual([]);
    expect(Math.max(...runs.map((d) => d.queries))).toBeLessThanOrEqual(200);
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
    expect(discovery.clean).toBe(false);
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
      return { ok: true, addresses: sample(random, nodeIps(60), ANSWER_SIZE) };
    };
    const discovery = await discover(NAME, SERVERS, query, { maxLookups: 300, concurrency: 5 });
    expect(peak).toBe(5);
    const counts = [...perServer.values()];
    expect(Math.max(...counts) - Math.min(...counts)).toBeLessThanOrEqual(1);
    expect(discovery.queries).toBe(counts.reduce((a, b) => a + b));
  });

  test('a failed query makes discovery unclean but keeps every address found', async () => {
    const healthy = modelQuery(nodeIps(20), 11);
    let count = 0;
    const query: QueryFn = (server, name) => (++count === 4 ? Promise.resolve({ ok: false, error: 'SERVFAIL' }) : healthy(server, name));
    const discovery = await discover(NAME, SERVERS, query, { maxLookups: 200 });
    expect(discovery.ips).toEqual(nodeIps(20));
    expect(discovery).toMatchObject({ failures: 1, clean: false });
  });

  test('an empty answer counts as a failure', async () => {
    const discovery = await discover(NAME, SERVERS, async () => ({ ok: true, addresses: [] }), { maxLookups: 200 });
    expect(discovery).toEqual({ ips: [], ignored: [], queries: 4, failures: 4, clean: false });
  });

  test('when every server is down it gives up after one query to each rather than spending the cap', async () => {
    const discovery = await discover(NAME, SERVERS, async () => ({ ok: false, error: 'timeout' }), { maxLookups: 200 });
    expect(discovery).toEqual({ ips: [], ignored: [], queries: 1 + SERVERS.length, failures: 1 + SERVERS.length, clean: false });
  });

  test('public and IPv6 addresses are reported as ignored, not as targets', async () => {
    const addresses = ['10.0.0.1', '52.1.2.3', '172.31.0.9', '100.64.1.1', '192.168.3.3', '172.32.0.1'];
    const discovery = await discover(NAME, SERVERS, async () => ({ ok: true, addresses }), { maxLookups: 200 });
    expect(discovery.ips).toEqual(['10.0.0.1', '100.64.1.1', '172.31.0.9', '192.168.3.3']);
    expect(discovery.ignored).toEqual(['52.1.2.3', '172.32.0.1']);
    expect(discovery.clean).toBe(true);
  });

  test('a short answer that contradicts a larger set seen is not taken as the whole set', async () => {
    const answers = [nodeIps(8), nodeIps(5)];
    let count = 0;
    const discovery = await discover(NAME, SERVERS, async () => ({ ok: true, addresses: answers[count++ % 2] }), { maxLookups: 2 });
    expect(discovery).toMatchObject({ queries: 2, clean: false });
  });

  test('an answer repeating an address counts its distinct addresses only', async () => {
    const addresses = ['10.0.0.1', '10.0.0.2', '10.0.0.1', '10.0.0.3', '10.0.0.2', '10.0.0.4', '10.0.0.5', '10.0.0.6'];
    const discovery = await discover(NAME, SERVERS, async () => ({ ok: true, addresses }), { maxLookups: 200 });
    expect(discovery).toMatchObject({ ips: ['10.0.0.1', '10.0.0.2', '10.0.0.3', '10.0.0.4', '10.0.0.5', '10.0.0.6'], queries: 1, clean: true });
  });

  test('rejects options that cannot work', async () => {
    const query = modelQuery(nodeIps(3), 1);
    await expect(discover(NAME, [], query, { maxLookups: 10 })).rejects.toThrow('at least one DNS server');
    await expect(discover(NAME, SERVERS, query, { maxLookups: 0 })).rejects.toThrow('maxLookups');
    await expect(discover(NAME, SERVERS, query, { maxLookups: 5, missChance: 0 })).rejects.toThrow('missChance');
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

  test('returns the A records of the name asked', async () => {
    const server = await start((q) => [response(q, { answers: aRecords(q.questions![0].name, ['10.0.0.1', '10.0.0.2']) })]);
    expect(await query(server, NAME)).toEqual({ ok: true, addresses: ['10.0.0.1', '10.0.0.2'] });
  });

  test('follows a CNAME to the addresses and ignores records of other names', async () => {
    const server = await start((q) => [
      response(q, {
        answers: [{ type: 'CNAME', name: NAME, ttl: 60, data: 'real.example.com' }, ...aRecords('real.example.com', ['10.0.0.3']), ...aRecords('other.example.com', ['10.0.0.4'])],
      }),
    ]);
    expect(await query(server, NAME)).toEqual({ ok: true, addresses: ['10.0.0.3'] });
  });

  test.each([
    ['SERVFAIL', 2],
    ['NXDOMAIN', 3],
    ['REFUSED', 5],
  ])('reports %s as a failure naming it', async (name, rcode) => {
    const server = await start((q) => [response(q, { rcode })]);
    const answer = await query(server, NAME);
    expect(answer).toEqual({ ok: false, error: expect.stringContaining(name) });
  });

  test('reports a truncated answer as a failure', async () => {
    const server = await start((q) => [response(q, { flags: dnsPacket.TRUNCATED_RESPONSE, answers: aRecords(NAME, ['10.0.0.1']) })]);
    expect(await query(server, NAME)).toEqual({ ok: false, error: expect.stringContaining('truncated') });
  });

  test('times out when the server stays silent', async () => {
    const server = await start(() => []);
    expect(await query(server, NAME)).toEqual({ ok: false, error: expect.stringContaining('within 300 ms') });
  });

  test('ignores garbage, a wrong id and a wrong question, and takes the real answer after them', async () => {
    const server = await start((q) => [
      Buffer.from([1, 2, 3]),
      response(q, { id: (q.id! + 1) % 0x10000, answers: aRecords(NAME, ['10.6.6.6']) }),
      dnsPacket.encode({ type: 'response', id: q.id, questions: [{ type: 'A', name: 'evil.example.com' }], answers: aRecords('evil.example.com', ['10.6.6.7']) }),
      response(q, { answers: aRecords(NAME, ['10.0.0.8']) }),
    ]);
    expect(await query(server, NAME)).toEqual({ ok: true, addresses: ['10.0.0.8'] });
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
