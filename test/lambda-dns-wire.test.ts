import * as dnsPacket from 'dns-packet';
import { nodeAddresses as nodeIps } from '../bench/dns-model';
import { createRng, sample } from '../bench/rng';
import { discover } from '../lambda/dns/discover';
import { ANSWER_SIZE } from '../lambda/dns/stopping-rule';
import type { DnsServer } from '../lambda/dns/types';
import { udpQuery } from '../lambda/dns/wire';
import { SETTING_DEFAULTS } from '../lambda/settings';
import { startDnsServer as startAlbDns, type DnsStandIn } from './support/dns-server';
import { aRecords, response, startScriptedDnsServer, type Reply, type ScriptedDnsServer } from './support/dns-replies';

const NAME = 'internal-app-1.eu-west-1.elb.amazonaws.com';

describe('udpQuery against a DNS server on 127.0.0.1', () => {
  const servers: ScriptedDnsServer[] = [];
  const start = async (reply: Reply) => {
    const started = await startScriptedDnsServer(reply);
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
        answers: [
          { type: 'CNAME', name: NAME, ttl: 60, data: 'real.example.com' },
          ...aRecords('real.example.com', ['10.0.0.3']),
          ...aRecords('other.example.com', ['10.0.0.4']),
        ],
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
    expect(await udpQuery({ timeoutMs: 30_000 })(closed, NAME)).toEqual({
      ok: false,
      kind: 'unreachable',
      error: expect.stringContaining('ECONNREFUSED'),
    });
  });

  test('ignores garbage, a wrong id and a wrong question, and takes the real answer after them', async () => {
    const server = await start((q) => [
      Buffer.from([1, 2, 3]),
      response(q, { id: (q.id! + 1) % 0x10000, answers: aRecords(NAME, ['10.6.6.6']) }),
      dnsPacket.encode({
        type: 'response',
        id: q.id,
        questions: [{ type: 'A', name: 'evil.example.com' }],
        answers: aRecords('evil.example.com', ['10.6.6.7']),
      }),
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
    const alb = await Promise.all(
      [0, 1].map(() => start((q) => [response(q, { answers: aRecords(NAME, sample(random, ips, ANSWER_SIZE)) })])),
    );
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
    const discovery = await discover(NAME, [at(alb)], udpQuery({ timeoutMs: 1_000 }), {
      maxLookups: SETTING_DEFAULTS.MAX_LOOKUP_PER_INVOCATION,
    });
    const elapsedMs = performance.now() - started;
    expect(discovery).toMatchObject({ ips: many, clean: true });
    // About 460 queries, 16 in flight, 5 ms each: about 150 ms on an idle machine (the goal was under 2 s), one at
    // a time at least 2.3 s of timers alone. What proves the overlap is the stand-in holding many answers at once;
    // the time bound only leaves room for a 2-core machine under a load of 15.
    expect(alb.mostPending).toBeGreaterThanOrEqual(4);
    expect(elapsedMs).toBeLessThan(20_000);
  });
});
