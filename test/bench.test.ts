/**
 * A small, fast slice of the benchmark, proving the harness measures what RESULTS.md says it does:
 * the DNS model, the reference rules, both discoveries on a few seeded trials, a short simulated day,
 * the goal verdicts and the artifact probes. No timing assertions: speed belongs to the benchmark itself.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { DnsAnswer, QueryFn } from '../lambda/dns/types';
import { SETTING_DEFAULTS } from '../lambda/settings';
import type { Target } from '../lambda/types';
import { measureBundle, measureColdImport } from '../bench/artifact';
import {
  EVENT_LATENCY_SECONDS,
  LISTENER_PORT,
  PROJECT,
  PROJECT_INTERFACES,
  PROJECT_INTERFACES_EVENTS,
  PROJECT_UNCAPPED,
  REFERENCE,
} from '../bench/contenders';
import { discoveryTrials } from '../bench/discovery-trials';
import { albDnsModel, MODEL_ALB, nodeAddresses } from '../bench/dns-model';
import { checkGoals } from '../bench/goals';
import { measureLoopback } from '../bench/loopback';
import {
  invokeReference,
  memoryBucket,
  referenceDiscover,
  referenceKeys,
  type ReferenceBucket,
  type ReferenceRun,
} from '../bench/reference';
import { SUMMARY_MARKERS, renderResults, renderSummary, withSummary } from '../bench/report';
import { createRng, sample } from '../bench/rng';
import { parseOptions, SUMMARY_PAGE, writeOutputs } from '../bench/run';
import { buildTimeline, simulateDay, summarizeDays, type DaySchedule } from '../bench/simulate-day';
import type { BenchResults } from '../bench/types';

const SERVER = MODEL_ALB.servers[0];
const up = (addresses: readonly string[]) => () => ({ up: true as const, addresses });
const okAddresses = (answer: DnsAnswer): readonly string[] => {
  if (!answer.ok) throw new Error(`expected an answer, got ${answer.error}`);
  return answer.addresses;
};

describe('seeded randomness', () => {
  it('repeats a stream for the same seed parts and differs for others', () => {
    const draw = (...parts: number[]) => {
      const rng = createRng(...parts);
      return Array.from({ length: 5 }, () => rng.next());
    };
    expect(draw(7, 100, 3)).toEqual(draw(7, 100, 3));
    expect(draw(7, 100, 3)).not.toEqual(draw(7, 100, 4));
    expect(draw(7, 100, 3).every((x) => x >= 0 && x < 1)).toBe(true);
  });

  it('samples distinct items of the pool', () => {
    const pool = nodeAddresses(30);
    const picked = sample(createRng(1), pool, 8);
    expect(new Set(picked).size).toBe(8);
    expect(picked.every((ip) => pool.includes(ip))).toBe(true);
  });

  it('rejects a seed that is not an integer', () => {
    expect(() => createRng(1.5)).toThrow(/integer seed/);
  });
});

describe('DNS model', () => {
  it('answers 8 distinct addresses of N, and every address when N <= 8', async () => {
    const many = nodeAddresses(40);
    const query = albDnsModel(MODEL_ALB.name, createRng(2), up(many));
    const answer = okAddresses(await query(SERVER, MODEL_ALB.name));
    expect(new Set(answer).size).toBe(8);
    expect(answer.every((ip) => many.includes(ip))).toBe(true);

    const few = nodeAddresses(5);
    const small = albDnsModel(MODEL_ALB.name, createRng(2), up(few));
    expect([...okAddresses(await small(SERVER, MODEL_ALB.name))].sort()).toEqual([...few].sort());
  });

  it('fails every query during an outage and for any other name', async () => {
    const down = albDnsModel(MODEL_ALB.name, createRng(3), () => ({ up: false }));
    expect(await down(SERVER, MODEL_ALB.name)).toEqual({ ok: false, kind: 'servfail', error: 'SERVFAIL' });
    const query = albDnsModel(MODEL_ALB.name, createRng(3), up(nodeAddresses(3)));
    expect((await query(SERVER, 'other.example.com')).ok).toBe(false);
  });
});

/** DNS that answers every query with `addresses`: fewer than 8 make one query a whole run. */
const answering =
  (addresses: readonly string[]): QueryFn =>
  async () => ({ ok: true, addresses, authoritative: true });
const failing =
  (error: string): QueryFn =>
  async () => ({ ok: false, kind: 'other', error });

/** A bucket whose reads fail while `fails()` says so. */
function flakyReads(bucket: ReturnType<typeof memoryBucket>, fails: () => boolean): ReferenceBucket {
  return { get: (key) => (fails() ? Promise.reject(new Error('SlowDown')) : bucket.get(key)), put: (key, body) => bucket.put(key, body) };
}

/**
 * A reference function and the target group it acts on, applying each run's changes as the simulated day does.
 * Each `run` is one scheduled invocation.
 */
function referenceFunction(
  options: { readonly bucket?: ReferenceBucket; readonly listenerPort?: number; readonly registered?: readonly string[] } = {},
) {
  const bucket = options.bucket ?? memoryBucket();
  const port = options.listenerPort ?? LISTENER_PORT;
  const targets = new Map<string, Target>();
  const add = (ip: string) => targets.set(ip, { ip, port, availabilityZone: 'eu-west-1a' });
  (options.registered ?? []).forEach(add);
  let describeFails = false;
  return {
    targets: () => [...targets.keys()].sort(),
    failDescribe: (fails: boolean) => {
      describeFails = fails;
    },
    async run(query: QueryFn): Promise<ReferenceRun> {
      const run = await invokeReference({
        albName: MODEL_ALB.name,
        listenerPort: port,
        servers: MODEL_ALB.servers,
        query,
        bucket,
        describe: async () => {
          if (describeFails) throw new Error('Throttling: Rate exceeded');
          return [...targets.values()];
        },
      });
      run.register.forEach((ip) => targets.has(ip) || add(ip));
      run.deregister.forEach((target) => targets.get(target.ip)?.port === target.port && targets.delete(target.ip));
      return run;
    },
  };
}

/** Runs `fn` once per answer and returns what each run deregistered. */
async function deregisteredPerRun(fn: ReturnType<typeof referenceFunction>, answers: readonly (readonly string[])[]): Promise<string[][]> {
  const removed: string[][] = [];
  for (const addresses of answers) removed.push((await fn.run(answering(addresses))).deregister.map((t) => t.ip));
  return removed;
}

describe('AWS reference function, as it behaves', () => {
  const [a, b, c, d] = nodeAddresses(4);

  it('stops its lookups at the first answer with fewer than 8 records, and otherwise after 50', async () => {
    const pool = nodeAddresses(20);
    const answers = [pool.slice(0, 8), pool.slice(8, 16), pool.slice(16, 19), pool.slice(0, 8)];
    let sent = 0;
    const run = await referenceFunction().run(async () => ({ ok: true, addresses: answers[sent++], authoritative: true }));
    expect(run.dnsQueries).toBe(3);
    expect(run.register).toEqual(pool.slice(0, 19).sort());

    const large = await referenceDiscover(
      MODEL_ALB.name,
      MODEL_ALB.servers,
      albDnsModel(MODEL_ALB.name, createRng(4), up(nodeAddresses(100))),
    );
    expect(large.queries).toBe(50);
  });

  it('fails a run on an answer without records instead of taking it as a short one', async () => {
    const fn = referenceFunction();
    await fn.run(answering([a, b, c]));
    expect(await fn.run(answering([]))).toMatchObject({ register: [], deregister: [], s3Writes: 0, failure: 'answer without A records' });
  });

  it('changes nothing, not even its state, in a run whose DNS fails', async () => {
    const bucket = memoryBucket();
    const fn = referenceFunction({ bucket });
    expect(await fn.run(answering([a, b, c]))).toMatchObject({ register: [a, b, c], s3Reads: 2, s3Writes: 2 });
    const state = new Map(bucket.objects);
    for (const error of ['SERVFAIL', 'no answer from 127.0.0.1:53 within 2000 ms', 'NXDOMAIN']) {
      expect(await fn.run(failing(error))).toEqual({
        register: [],
        deregister: [],
        dnsQueries: 1,
        ec2Calls: 0,
        s3Reads: 0,
        s3Writes: 0,
        deregisterCalls: 0,
        failure: error,
      });
    }
    expect(bucket.objects).toEqual(state);

    // A failure after two full answers throws away what they showed.
    const model = albDnsModel(MODEL_ALB.name, createRng(5), up(nodeAddresses(40)));
    let sent = 0;
    const failsThird: QueryFn = async (server, name) =>
      ++sent === 3 ? { ok: false, kind: 'servfail', error: 'SERVFAIL' } : model(server, name);
    expect(await fn.run(failsThird)).toMatchObject({ register: [], deregister: [], dnsQueries: 3, failure: 'SERVFAIL' });
    expect(bucket.objects).toEqual(state);

    // Four failed runs in a row advanced no count; a good run writes both objects although nothing changed.
    expect(await fn.run(answering([a, b, c]))).toMatchObject({ register: [], deregister: [], s3Writes: 2 });
    expect(fn.targets()).toEqual([a, b, c]);
  });

  it('deregisters an address missing for 3 runs; a first run counts nothing and a sighting starts the count over', async () => {
    // c was registered before the function's first run.
    const fn = referenceFunction({ registered: [a, b, c] });
    expect(
      await deregisteredPerRun(fn, [
        [a, b, d],
        [a, b],
        [a, b, d],
        [a, b],
        [a, b],
        [a, b],
      ]),
    ).toEqual([[], [], [], [c], [], [d]]);
    expect(fn.targets()).toEqual([a, b]);
  });

  it('removes every address due at once, with no cap, in one DeregisterTargets call per address', async () => {
    const pool = nodeAddresses(7);
    const fn = referenceFunction();
    await fn.run(answering(pool));
    const runs = [];
    for (let i = 0; i < 3; i++) runs.push(await fn.run(answering([pool[0]])));
    expect(runs.map((r) => r.deregisterCalls)).toEqual([0, 0, 6]);
    expect(runs[2].deregister.map((t) => t.ip)).toEqual(pool.slice(1).sort());
    expect(fn.targets()).toEqual([pool[0]]);
  });

  it('takes a DescribeTargetHealth error for an empty target group', async () => {
    const fn = referenceFunction();
    await deregisteredPerRun(fn, [
      [a, b, c],
      [a, b, c],
    ]);

    // c leaves DNS in a run whose describe fails: it registers all it found again, and counts c from its last result.
    fn.failDescribe(true);
    expect(await fn.run(answering([a, b]))).toMatchObject({ register: [a, b], deregister: [] });
    fn.failDescribe(false);
    expect(
      await deregisteredPerRun(fn, [
        [a, b],
        [a, b],
      ]),
    ).toEqual([[], [c]]);

    // d leaves DNS while describe keeps failing: counted once from the last result, then forgotten.
    await fn.run(answering([a, b, d]));
    fn.failDescribe(true);
    expect(
      await deregisteredPerRun(fn, [
        [a, b],
        [a, b],
        [a, b],
      ]),
    ).toEqual([[], [], []]);
    fn.failDescribe(false);
    expect(
      await deregisteredPerRun(fn, [
        [a, b],
        [a, b],
        [a, b],
      ]),
    ).toEqual([[], [], [d]]);
  });

  it('takes a state read error for a first run: counts start over', async () => {
    let readsFail = false;
    const fn = referenceFunction({ bucket: flakyReads(memoryBucket(), () => readsFail) });
    await deregisteredPerRun(fn, [
      [a, b, c],
      [a, b, c],
      [a, b],
      [a, b],
    ]);
    readsFail = true;
    // c's third run missing: a first run deregisters nothing and clears the counts.
    expect(await fn.run(answering([a, b]))).toMatchObject({ deregister: [], s3Reads: 2, s3Writes: 2 });
    readsFail = false;
    expect(
      await deregisteredPerRun(fn, [
        [a, b],
        [a, b],
        [a, b],
      ]),
    ).toEqual([[], [], [c]]);
  });

  it('fails every run while a state object does not parse', async () => {
    const bucket = memoryBucket();
    const fn = referenceFunction({ bucket });
    await fn.run(answering([a, b]));
    await bucket.put(referenceKeys(MODEL_ALB.name).active, '{"truncated');
    for (let i = 0; i < 2; i++) {
      expect(await fn.run(answering([a, b, c]))).toMatchObject({ register: [], s3Writes: 0, failure: expect.stringContaining('/active') });
    }
  });

  it('registers every address it finds, private or not', async () => {
    expect((await referenceFunction().run(answering([a, '203.0.113.9']))).register).toEqual(['10.0.0.1', '203.0.113.9']);
  });

  it('shares its state between the functions of two ports of one ALB: an address gone is removed on its second minute', async () => {
    const bucket = memoryBucket();
    const ports = [referenceFunction({ bucket, listenerPort: 80 }), referenceFunction({ bucket, listenerPort: 443 })];
    const alone = referenceFunction();
    const minutes = [
      [a, b, c],
      [a, b, c],
      [a, b],
      [a, b],
      [a, b],
    ];
    const removedAt = async (fn: ReturnType<typeof referenceFunction>, minute: number) =>
      (await fn.run(answering(minutes[minute]))).deregister.map((t) => t.ip);
    const shared: string[][][] = [];
    const own: string[][] = [];
    for (let minute = 0; minute < minutes.length; minute++) {
      shared.push([await removedAt(ports[0], minute), await removedAt(ports[1], minute)]);
      own.push(await removedAt(alone, minute));
    }
    expect(shared).toEqual([
      [[], []],
      [[], []],
      [[], []],
      [[c], [c]],
      [[], []],
    ]);
    expect(own).toEqual([[], [], [], [], [c]]);
  });
});

describe('discovery trials', () => {
  it('costs one query for an ALB with fewer than 8 nodes, for both rules', async () => {
    for (const contender of [PROJECT, REFERENCE]) {
      const figures = await discoveryTrials(contender, 3, 20, 11);
      expect(figures).toMatchObject({ albSize: 3, trials: 20, meanQueries: 1, maxQueries: 1, allFoundShare: 1, meanMissed: 0 });
    }
  });

  it('shows the reference missing addresses of a 100-node ALB that this project finds', async () => {
    const reference = await discoveryTrials(REFERENCE, 100, 20, 12);
    const ours = await discoveryTrials(PROJECT, 100, 20, 12);
    expect(reference.maxQueries).toBe(50);
    // 50 answers of 8 leave about 1.5 of 100 addresses unseen; 20 trials all complete would happen with chance 0.185^20.
    expect(reference.meanMissed).toBeGreaterThan(0.5);
    expect(ours.meanQueries).toBeGreaterThan(reference.meanQueries);
    expect(ours.meanMissed).toBeLessThan(reference.meanMissed);
  });

  it('is reproducible from its seed', async () => {
    expect(await discoveryTrials(PROJECT, 40, 5, 13)).toEqual(await discoveryTrials(PROJECT, 40, 5, 13));
  });
});

describe('discovery over loopback UDP', () => {
  it('runs both rules against the DNS stand-in with real packets', async () => {
    const loopback = await measureLoopback({ seed: 14, loopbackRuns: 2, loopbackDelayMs: 1 }, [12]);
    if (!loopback.available) throw new Error(loopback.reason);
    const [ours, reference] = [PROJECT, REFERENCE].map((c) => loopback.figures.find((f) => f.contender === c.label));
    expect(reference).toMatchObject({ albSize: 12, runs: 2, meanQueries: 50, allFoundShare: 1 });
    expect(ours).toMatchObject({ albSize: 12, runs: 2, allFoundShare: 1 });
    expect(ours?.meanQueries).toBeLessThan(50);
    expect(ours?.medianWallMs).toBeGreaterThan(0);
  });
});

/** 20 nodes; DNS fails for minutes 5-9; 16 of them vanish at minute 15. */
const SHORT_DAY: DaySchedule = {
  minutes: 30,
  initialNodes: 20,
  replacementChancePerMinute: 0,
  events: [
    { kind: 'dns-outage', from: 5, to: 10 },
    { kind: 'mass-loss', at: 15, fraction: 0.8 },
  ],
};

describe('simulated day', () => {
  it('follows the schedule', () => {
    const timeline = buildTimeline(SHORT_DAY, 21);
    expect(timeline.minutes.map((m) => m.nodes.length)).toEqual([...Array(15).fill(20), ...Array(15).fill(4)]);
    expect(timeline.minutes.map((m) => m.dnsUp).filter((isUp) => !isUp)).toHaveLength(5);
    expect(timeline.minutes[29].nodes.every((ip) => timeline.minutes[0].nodes.includes(ip))).toBe(true);
  });

  it('counts what each rule does to live and vanished targets', async () => {
    const timeline = buildTimeline(SHORT_DAY, 21);
    const ours = await simulateDay(PROJECT, timeline, 21);
    const reference = await simulateDay(REFERENCE, timeline, 21);

    // A reference run whose DNS fails raises before any change: the outage costs no live target, for either.
    expect(reference.liveDeregistrations).toBe(0);
    expect(reference.unservedNodeMinutes).toBe(0);
    expect(ours.liveDeregistrations).toBe(0);
    expect(ours.unservedNodeMinutes).toBe(0);

    // 16 targets vanish at minute 15: the reference removes them on its third run, after two stale minutes each.
    expect(reference.staleTargetMinutes).toBe(2 * 16);
    // They fail their health checks while 4 targets stay healthy, so the cap does not hold them back: same as the
    // reference, and as without the cap.
    expect(ours.staleTargetMinutes).toBe(2 * 16);
    expect((await simulateDay(PROJECT_UNCAPPED, timeline, 21)).staleTargetMinutes).toBe(2 * 16);
    expect(ours.deregisterCalls).toBeGreaterThan(0);
    // The reference sends one DeregisterTargets call per address.
    expect(reference.deregisterCalls).toBe(16);

    for (const day of [ours, reference]) {
      expect(day.invocations).toBe(30);
      expect(day.describeCalls).toBe(30);
      expect(day.registrationDelays).toEqual(Array(20).fill(0));
      expect(day.neverRegistered).toBe(0);
    }
    // 20 nodes take 50 queries, 4 nodes one; a failed run stops at its first query and touches no S3 object.
    expect(reference.dnsQueries).toBe(10 * 50 + 5 * 1 + 15 * 1);
    expect([reference.s3Reads, reference.s3Writes]).toEqual([2 * 25, 2 * 25]);
    expect(ours.s3Reads).toBe(30);
    expect(ours.s3Writes).toBeLessThan(30);
  });

  it(
    'interface discovery: no DNS query, the DNS outage changes nothing, departed ' +
      'nodes go when the grace is spent, and events add one run per interface change',
    async () => {
      const timeline = buildTimeline(SHORT_DAY, 21);
      const [scheduled, events, dns] = await Promise.all(
        [PROJECT_INTERFACES, PROJECT_INTERFACES_EVENTS, PROJECT].map((c) => simulateDay(c, timeline, 21)),
      );
      for (const day of [scheduled, events]) {
        expect(day).toMatchObject({ dnsQueries: 0, liveDeregistrations: 0, neverRegistered: 0 });
        expect(day.registrationDelays).toEqual(Array(20).fill(0));
        // 16 of 20 nodes leave at minute 15; they fail their health checks, so the cap does not hold them back: each
        // stays registered for the runs of the grace after the first that no longer lists it.
        expect(day.staleTargetMinutes).toBe(16 * (SETTING_DEFAULTS.INTERFACE_INVOCATIONS_BEFORE_DEREGISTRATION - 1));
      }
      expect(dns.staleTargetMinutes).toBeGreaterThan(scheduled.staleTargetMinutes);
      expect(scheduled.ec2Calls).toBe(30);
      expect(events.eventInvocations).toBe(20 + 16);
      expect(events.ec2Calls).toBe(30 + 36);
      expect(events.registrationDelaySeconds).toEqual(Array(20).fill(EVENT_LATENCY_SECONDS));
      expect(Math.max(...scheduled.registrationDelaySeconds)).toBeLessThanOrEqual(60);
    },
  );

  it('summarizes days per invocation', async () => {
    const timeline = buildTimeline(SHORT_DAY, 22);
    const day = await simulateDay(REFERENCE, timeline, 22);
    const figures = summarizeDays(REFERENCE.label, [22, 23], [day, day]);
    expect(figures.invocations).toBe(60);
    expect(figures.liveDeregistrations).toBe(2 * day.liveDeregistrations);
    expect(figures.staleTargetMinutesPerDay).toBe(day.staleTargetMinutes);
    expect(figures.perInvocation.describeCalls).toBe(1);
    expect(figures.perInvocation.s3Writes).toBeCloseTo((2 * 25) / 30);
    expect(figures.perInvocation.dnsQueries).toBe(day.dnsQueries / 30);
    expect(figures.perDay.map((d) => d.seed)).toEqual([22, 23]);
  });
});

describe('goals and RESULTS.md', () => {
  async function smallRun(): Promise<Omit<BenchResults, 'goals' | 'durationMs'>> {
    const timeline = buildTimeline(SHORT_DAY, 31);
    const day = await Promise.all(
      [PROJECT, REFERENCE].map(async (c) => summarizeDays(c.label, [31], [await simulateDay(c, timeline, 31)])),
    );
    const discovery = [];
    for (const n of [3, 100]) for (const c of [PROJECT, REFERENCE]) discovery.push(await discoveryTrials(c, n, 10, 31));
    return {
      machine: {
        cpuModel: 'test cpu',
        cores: 2,
        loadAtStart: [0.5, 0.25, 0.125],
        node: process.version,
        platform: 'test',
        date: '2026-01-01T00:00:00.000Z',
      },
      options: parseOptions(['--seed', '31', '--trials', '10', '--days', '1']),
      steps: [{ step: 'coldImport', wallMs: 2000, loadAfter: [1.5, 1, 0.5] }],
      discovery,
      loopback: { available: false, reason: 'not run in this test' },
      day,
      artifact: {
        bundle: { available: true, file: 'dist/lambda/index.js', rawBytes: 400_000, zippedBytes: 149_999 },
        coldImport: {
          available: true,
          runs: 1,
          medianRequireMs: 151,
          medianSdkRequireMs: 300,
          medianProcessMs: 200,
          medianNodeStartMs: 40,
        },
        synth: { available: false, reason: 'skipped' },
        testSuite: { available: false, reason: 'skipped' },
      },
    };
  }

  it('judges each goal from the figures', async () => {
    const figures = await smallRun();
    const verdicts = Object.fromEntries(checkGoals(figures).map((g) => [g.goal, g.met]));
    expect(verdicts).toEqual({
      'N = 100: all addresses found in at least 99.9% of trials': true,
      'N <= 8: no more queries than the reference': true,
      "N = 40 over loopback: wall time per discovery at most 0.25 of the reference's": undefined,
      'Simulated day: zero live IPs deregistered': true,
      "Simulated day: stale target-minutes no worse than the reference's": expect.any(Boolean),
      'Zipped bundle under 150 KB': true,
      "Cold import: the bundle's require() at most 0.5 of requiring the SDK packages it holds, unbundled": false,
    });

    const reference = figures.day.find((d) => d.contender === REFERENCE.label);
    const withOurDay = (change: object) => ({
      ...figures,
      day: figures.day.map((d) => (d.contender === PROJECT.label ? { ...d, ...change } : d)),
    });
    const verdict = (f: typeof figures, word: string) => checkGoals(f).find((g) => g.goal.includes(word))?.met;
    expect(verdict(withOurDay({ liveDeregistrations: 1 }), 'zero live')).toBe(false);
    expect(verdict(withOurDay({ staleTargetMinutesPerDay: reference?.staleTargetMinutesPerDay }), 'stale')).toBe(true);
    expect(verdict(withOurDay({ staleTargetMinutesPerDay: (reference?.staleTargetMinutesPerDay ?? 0) + 1 }), 'stale')).toBe(false);
    const withColdImport = (change: object) => ({
      ...figures,
      artifact: { ...figures.artifact, coldImport: { ...figures.artifact.coldImport, ...change } },
    });
    expect(verdict(withColdImport({ medianSdkRequireMs: 302 }), 'Cold import')).toBe(true);
  });

  it('writes every figure and verdict into RESULTS.md', async () => {
    const figures = await smallRun();
    const markdown = renderResults({ ...figures, durationMs: 1234, goals: checkGoals(figures) });
    expect(markdown).toContain('Seed: 31');
    expect(markdown).toContain('test cpu, 2 cores');
    expect(markdown).toContain('npm run bench -- --seed 31 --trials 10 --days 1 --loopback-runs');
    // A wall-time goal is a ratio from the same run, next to the load when its step ended.
    expect(markdown).toContain(
      '| ratio 0.503 (median 151.0 ms vs 300.0 ms; load 1.50 / 1.00 / 0.50 (1 / 5 / 15 min) on 2 cores) | **NOT met** |',
    );
    expect(markdown).toContain('200.0 ms = 5.0 node starts');
    expect(markdown).toContain('at the start load 0.50 / 0.25 / 0.13 (1 / 5 / 15 min) on 2 cores');
    expect(markdown).toContain('the simulated day has one port');
    expect(markdown).toContain('not measured: not run in this test');
    expect(markdown).toContain('150.0 KB (149999 bytes)');
  });

  it('summarizes for docs/benchmark.md with a link from there to RESULTS.md', async () => {
    const figures = await smallRun();
    const results = { ...figures, durationMs: 1234, goals: checkGoals(figures) };
    const summary = renderSummary(results);
    const met = results.goals.filter((g) => g.met === true).length;
    expect(summary).toContain('[bench/RESULTS.md](../bench/RESULTS.md)');
    expect(summary).toContain(`${met} of ${results.goals.length} goals met`);
    const liveRow = summary.split('\n').find((line) => line.startsWith('| Live IPs deregistered'));
    const [ours, reference] = [PROJECT, REFERENCE].map((c) => figures.day.find((d) => d.contender === c.label)?.liveDeregistrations);
    expect(liveRow).toBe(`| Live IPs deregistered, 1 simulated day(s) | **${ours}** | **${reference}** |`);
    expect(summary).toContain('| 150.0 KB; 0.503 | n/a |');
    expect(summary).toContain('at a 1-minute load average of 1.50 (cold import) on 2 cores');
  });

  it('leaves docs/benchmark.md alone unless the run is asked to update it', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-outputs-'));
    try {
      const summaryPage = path.join(dir, 'benchmark.md');
      const before = ['# Title', SUMMARY_MARKERS.start, 'old table', SUMMARY_MARKERS.end, ''].join('\n');
      fs.writeFileSync(summaryPage, before);
      const figures = await smallRun();
      const results = { ...figures, durationMs: 1234, goals: checkGoals(figures) };

      const written = writeOutputs(results, { benchDir: dir, summaryPage });
      expect(written).toEqual([path.join(dir, 'RESULTS.md'), path.join(dir, 'results.json')]);
      expect(fs.readFileSync(summaryPage, 'utf8')).toBe(before);
      expect(JSON.parse(fs.readFileSync(path.join(dir, 'results.json'), 'utf8')).options.seed).toBe(31);

      const asked = { ...results, options: { ...results.options, updateDocs: true } };
      expect(writeOutputs(asked, { benchDir: dir, summaryPage })).toContain(summaryPage);
      expect(fs.readFileSync(summaryPage, 'utf8')).toContain(renderSummary(asked).trim());
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('replaces only the summary between the markers, and refuses a page without them', () => {
    const page = ['# Title', SUMMARY_MARKERS.start, 'old table', SUMMARY_MARKERS.end, '## After'].join('\n');
    expect(withSummary(page, '## Summary\nnew table\n')).toBe(
      ['# Title', SUMMARY_MARKERS.start, '## Summary', 'new table', SUMMARY_MARKERS.end, '## After'].join('\n'),
    );
    expect(() => withSummary('# Title\n', 'x')).toThrow(/docs\/benchmark.md has no benchmark summary/);
  });

  it('finds the markers in the page a run updates, so that --update-docs has somewhere to write', () => {
    const page = fs.readFileSync(SUMMARY_PAGE, 'utf8');
    expect(withSummary(page, '## Summary\nnew table\n')).toContain('new table');
  });
});

describe('options', () => {
  it('names the flag that is wrong', () => {
    expect(() => parseOptions(['--trials', '0'])).toThrow(/--trials must be a positive integer, got "0"/);
    expect(() => parseOptions(['--days', 'many'])).toThrow(/--days must be a positive integer/);
    expect(() => parseOptions(['--speed', '3'])).toThrow(/speed/);
  });

  it('has defaults that meet the issue (at least 1,000 trials, the five ALB sizes)', () => {
    const options = parseOptions([]);
    expect(options.trials).toBeGreaterThanOrEqual(1000);
    expect(options.albSizes).toEqual([3, 8, 16, 40, 100]);
    expect(parseOptions(['--skip-synth']).skipSynth).toBe(true);
    expect([parseOptions([]).updateDocs, parseOptions(['--update-docs']).updateDocs]).toEqual([false, true]);
  });
});

describe('artifact probes', () => {
  const workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-artifact-'));
  afterAll(() => fs.rmSync(workDir, { recursive: true, force: true }));

  it('builds, zips and cold-imports the deployed bundle', () => {
    const bundle = measureBundle(workDir);
    if (!bundle.available) throw new Error(bundle.reason);
    expect(bundle.zippedBytes).toBeGreaterThan(0);
    expect(bundle.zippedBytes).toBeLessThan(bundle.rawBytes);
    const cold = measureColdImport(path.join(workDir, 'bundle', 'index.js'), 1);
    if (!cold.available) throw new Error(cold.reason);
    expect(cold.runs).toBe(1);
    expect(cold.medianProcessMs).toBeGreaterThanOrEqual(cold.medianRequireMs);
    // The comparisons of the same run: the SDK unbundled, and node loading nothing.
    expect(cold.medianSdkRequireMs).toBeGreaterThan(0);
    expect(cold.medianNodeStartMs).toBeGreaterThan(0);
  });

  it('reports a module without a handler as unavailable, with the reason', () => {
    const file = path.join(workDir, 'no-handler.js');
    fs.writeFileSync(file, 'module.exports = {};\n');
    const cold = measureColdImport(file, 1);
    expect(cold.available).toBe(false);
    expect(!cold.available && cold.reason).toMatch(/exports no handler function/);
  });
});
