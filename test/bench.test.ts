/**
 * A small, fast slice of the benchmark, proving the harness measures what RESULTS.md says it does:
 * the DNS model, the reference rules, both discoveries on a few seeded trials, a short simulated day,
 * the goal verdicts and the artifact probes. No timing assertions: speed belongs to the benchmark itself.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { DnsAnswer, QueryFn } from '../lambda/discovery';
import type { Target } from '../lambda/types';
import { measureBundle, measureColdImport } from '../bench/artifact';
import { PROJECT, PROJECT_UNCAPPED, REFERENCE } from '../bench/contenders';
import { discoveryTrials } from '../bench/discovery-trials';
import { albDnsModel, MODEL_ALB, nodeAddresses } from '../bench/dns-model';
import { checkGoals } from '../bench/goals';
import { measureLoopback } from '../bench/loopback';
import { referenceDecide, referenceDiscover, type ReferenceCounts } from '../bench/reference';
import { SUMMARY_MARKERS, renderResults, renderSummary, withSummary } from '../bench/report';
import { createRng, sample } from '../bench/rng';
import { parseOptions } from '../bench/run';
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

describe('reference rules', () => {
  it('stops at the first short answer, and otherwise after 50 lookups', async () => {
    const small = await referenceDiscover(MODEL_ALB.name, SERVER, albDnsModel(MODEL_ALB.name, createRng(4), up(nodeAddresses(5))));
    expect(small).toEqual({ ips: [...nodeAddresses(5)].sort(), queries: 1, failed: false });

    const large = await referenceDiscover(MODEL_ALB.name, SERVER, albDnsModel(MODEL_ALB.name, createRng(4), up(nodeAddresses(100))));
    expect(large.queries).toBe(50);
    expect(large.ips.length).toBeLessThanOrEqual(100);
  });

  it('carries on with what it had when a lookup fails', async () => {
    const addresses = nodeAddresses(40);
    const model = albDnsModel(MODEL_ALB.name, createRng(5), up(addresses));
    let calls = 0;
    const failsThird: QueryFn = async (server, name) => (++calls === 3 ? { ok: false, kind: 'servfail', error: 'SERVFAIL' } : model(server, name));
    const found = await referenceDiscover(MODEL_ALB.name, SERVER, failsThird);
    expect(found.failed).toBe(true);
    expect(found.queries).toBe(3);
    expect(found.ips.length).toBeGreaterThanOrEqual(8);
    expect(found.ips.every((ip) => addresses.includes(ip))).toBe(true);
  });

  it('deregisters an absent IP on its third run with the reported port and zone, with no cap, even after failed lookups', () => {
    const registered: Target[] = nodeAddresses(4).map((ip) => ({ ip, port: 8443, availabilityZone: 'eu-west-1b' }));
    let counts: ReferenceCounts = {};
    const runs = [1, 2, 3].map(() => {
      const decision = referenceDecide([], registered, counts);
      counts = decision.nextCounts;
      return decision;
    });
    expect(runs[0].deregister).toEqual([]);
    expect(runs[1].deregister).toEqual([]);
    expect(runs[2].deregister).toEqual(registered);
  });

  it('clears the count of an IP that reappears and registers new IPs at once', () => {
    const [a, b, c] = nodeAddresses(3);
    const registered: Target[] = [a, b].map((ip) => ({ ip, port: 443 }));
    const first = referenceDecide([a, c], registered, { [a]: 2 });
    expect(first.register).toEqual([c]);
    expect(first.nextCounts).toEqual({ [b]: 1 });
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

    // The reference's counts advance through the outage: on its third failed run every live target goes.
    expect(reference.liveDeregistrations).toBe(20);
    expect(reference.liveDeregistrationsInDnsOutage).toBe(20);
    expect(reference.unservedNodeMinutes).toBeGreaterThan(0);
    expect(ours.liveDeregistrations).toBe(0);
    expect(ours.unservedNodeMinutes).toBe(0);

    // 16 targets vanish at minute 15: the reference removes them on its third run, after two stale minutes each.
    expect(reference.staleTargetMinutes).toBe(2 * 16);
    // The cap (half the registered targets per run) keeps some of them one or two runs longer; without it, same as the reference.
    expect(ours.staleTargetMinutes).toBeGreaterThan(2 * 16);
    expect((await simulateDay(PROJECT_UNCAPPED, timeline, 21)).staleTargetMinutes).toBe(2 * 16);
    expect(ours.deregisterCalls).toBeGreaterThan(0);

    for (const day of [ours, reference]) {
      expect(day.invocations).toBe(30);
      expect(day.describeCalls).toBe(30);
      expect(day.registrationDelays).toEqual(Array(20).fill(0));
      expect(day.neverRegistered).toBe(0);
    }
    expect(reference.s3Writes).toBe(30);
    expect(ours.s3Writes).toBeLessThan(30);
  });

  it('summarizes days per invocation', async () => {
    const timeline = buildTimeline(SHORT_DAY, 22);
    const day = await simulateDay(REFERENCE, timeline, 22);
    const figures = summarizeDays(REFERENCE.label, [22, 23], [day, day]);
    expect(figures.invocations).toBe(60);
    expect(figures.liveDeregistrations).toBe(2 * day.liveDeregistrations);
    expect(figures.staleTargetMinutesPerDay).toBe(day.staleTargetMinutes);
    expect(figures.perInvocation.describeCalls).toBe(1);
    expect(figures.perInvocation.s3Writes).toBe(1);
    expect(figures.perInvocation.dnsQueries).toBe(day.dnsQueries / 30);
    expect(figures.perDay.map((d) => d.seed)).toEqual([22, 23]);
  });
});

describe('goals and RESULTS.md', () => {
  async function smallRun(): Promise<Omit<BenchResults, 'goals' | 'durationMs'>> {
    const timeline = buildTimeline(SHORT_DAY, 31);
    const day = await Promise.all([PROJECT, REFERENCE].map(async (c) => summarizeDays(c.label, [31], [await simulateDay(c, timeline, 31)])));
    const discovery = [];
    for (const n of [3, 100]) for (const c of [PROJECT, REFERENCE]) discovery.push(await discoveryTrials(c, n, 10, 31));
    return {
      machine: { cpuModel: 'test cpu', cores: 2, node: process.version, platform: 'test', date: '2026-01-01T00:00:00.000Z' },
      options: parseOptions(['--seed', '31', '--trials', '10', '--days', '1']),
      discovery,
      loopback: { available: false, reason: 'not run in this test' },
      day,
      artifact: {
        bundle: { available: true, file: 'dist/lambda/index.js', rawBytes: 400_000, zippedBytes: 149_999 },
        coldImport: { available: true, runs: 1, medianRequireMs: 151, medianProcessMs: 200 },
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
      'N = 40 over loopback: wall time per discovery at most 0.25 of the reference\'s': undefined,
      'Simulated day: zero live IPs deregistered': true,
      "Simulated day: stale target-minutes no worse than the reference's": expect.any(Boolean),
      'Zipped bundle under 150 KB': true,
      'Cold import under 150 ms': false,
    });

    const reference = figures.day.find((d) => d.contender === REFERENCE.label);
    const withOurDay = (change: object) => ({ ...figures, day: figures.day.map((d) => (d.contender === PROJECT.label ? { ...d, ...change } : d)) });
    const verdict = (f: typeof figures, word: string) => checkGoals(f).find((g) => g.goal.includes(word))?.met;
    expect(verdict(withOurDay({ liveDeregistrations: 1 }), 'zero live')).toBe(false);
    expect(verdict(withOurDay({ staleTargetMinutesPerDay: reference?.staleTargetMinutesPerDay }), 'stale')).toBe(true);
    expect(verdict(withOurDay({ staleTargetMinutesPerDay: (reference?.staleTargetMinutesPerDay ?? 0) + 1 }), 'stale')).toBe(false);
  });

  it('writes every figure and verdict into RESULTS.md', async () => {
    const figures = await smallRun();
    const markdown = renderResults({ ...figures, durationMs: 1234, goals: checkGoals(figures) });
    expect(markdown).toContain('Seed: 31');
    expect(markdown).toContain('test cpu, 2 cores');
    expect(markdown).toContain('npm run bench -- --seed 31 --trials 10 --days 1 --loopback-runs');
    expect(markdown).toMatch(/Cold import under 150 ms \| require\(\) median 151\.0 ms .* \| \*\*NOT met\*\*/);
    expect(markdown).toContain('not measured: not run in this test');
    expect(markdown).toContain('150.0 KB (149999 bytes)');
  });

  it('summarizes for the README with a link to RESULTS.md', async () => {
    const figures = await smallRun();
    const results = { ...figures, durationMs: 1234, goals: checkGoals(figures) };
    const summary = renderSummary(results);
    const met = results.goals.filter((g) => g.met === true).length;
    expect(summary).toContain('[bench/RESULTS.md](bench/RESULTS.md)');
    expect(summary).toContain(`${met} of 7 goals met`);
    const liveRow = summary.split('\n').find((line) => line.startsWith('| Live IPs deregistered'));
    const [ours, reference] = [PROJECT, REFERENCE].map((c) => figures.day.find((d) => d.contender === c.label)?.liveDeregistrations);
    expect(liveRow).toBe(`| Live IPs deregistered, 1 simulated day(s) | **${ours}** | **${reference}** |`);
  });

  it('replaces only the README section between the markers, and refuses a README without them', () => {
    const readme = ['# Title', SUMMARY_MARKERS.start, 'old table', SUMMARY_MARKERS.end, '## After'].join('\n');
    expect(withSummary(readme, '## Benchmark\nnew table\n')).toBe(
      ['# Title', SUMMARY_MARKERS.start, '## Benchmark', 'new table', SUMMARY_MARKERS.end, '## After'].join('\n'),
    );
    expect(() => withSummary('# Title\n', 'x')).toThrow(/README.md has no benchmark section/);
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
  });

  it('reports a module without a handler as unavailable, with the reason', () => {
    const file = path.join(workDir, 'no-handler.js');
    fs.writeFileSync(file, 'module.exports = {};\n');
    const cold = measureColdImport(file, 1);
    expect(cold.available).toBe(false);
    expect(!cold.available && cold.reason).toMatch(/exports no handler function/);
  });
});
