/**
 * `npm run bench [-- options]`: measures this project's sync side by side with AWS's reference function and writes
 * bench/RESULTS.md and bench/results.json; the summary in docs/benchmark.md only with --update-docs. Nothing leaves
 * 127.0.0.1. A measurement, not a test: it exits 0 whatever the figures are, and non-zero only when the harness
 * itself breaks.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { measureBundle, measureColdImport, measureSynth, measureTestSuite } from './artifact';
import { CONTENDERS, DAY_CONTENDERS } from './contenders';
import { discoveryTrials } from './discovery-trials';
import { checkGoals } from './goals';
import { measureLoopback } from './loopback';
import { renderResults, renderSummary, withSummary } from './report';
import { buildTimeline, FULL_DAY, simulateDay, summarizeDays } from './simulate-day';
import type { ArtifactFigures, BenchOptions, BenchResults, DayFigures, DayTotals, LoadAverage, MachineInfo, StepRecord } from './types';

const BENCH_DIR = __dirname;
const WORK_DIR = path.join(BENCH_DIR, '.work');
/** The page that carries the short table, and links from it to RESULTS.md. */
export const SUMMARY_PAGE = path.join(BENCH_DIR, '..', 'docs', 'benchmark.md');

const DEFAULTS = {
  seed: 20261121,
  trials: 10_000,
  albSizes: [3, 8, 16, 40, 100],
  days: 10,
  loopbackRuns: 15,
  loopbackDelayMs: 5,
  coldImportRuns: 7,
} as const;

const USAGE = `usage: npm run bench -- [--seed N] [--trials N] [--days N] [--loopback-runs N] [--loopback-delay-ms N]
                         [--cold-import-runs N] [--skip-synth] [--skip-test-suite] [--update-docs]`;

function positiveInteger(flag: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const parsed = Number(value);
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(parsed) || parsed < 1) {
    throw new Error(`--${flag} must be a positive integer, got "${value}"\n${USAGE}`);
  }
  return parsed;
}

export function parseOptions(argv: readonly string[]): BenchOptions {
  const numeric = ['seed', 'trials', 'days', 'loopback-runs', 'loopback-delay-ms', 'cold-import-runs'] as const;
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      options: {
        ...Object.fromEntries(numeric.map((flag) => [flag, { type: 'string' as const }])),
        'skip-synth': { type: 'boolean' },
        'skip-test-suite': { type: 'boolean' },
        'update-docs': { type: 'boolean' },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (error) {
    throw new Error(`${(error as Error).message}\n${USAGE}`, { cause: error });
  }
  const int = (flag: (typeof numeric)[number], fallback: number): number =>
    positiveInteger(flag, values[flag] as string | undefined, fallback);
  return {
    seed: int('seed', DEFAULTS.seed),
    trials: int('trials', DEFAULTS.trials),
    albSizes: DEFAULTS.albSizes,
    days: int('days', DEFAULTS.days),
    loopbackRuns: int('loopback-runs', DEFAULTS.loopbackRuns),
    loopbackDelayMs: int('loopback-delay-ms', DEFAULTS.loopbackDelayMs),
    coldImportRuns: int('cold-import-runs', DEFAULTS.coldImportRuns),
    skipSynth: values['skip-synth'] === true,
    skipTestSuite: values['skip-test-suite'] === true,
    updateDocs: values['update-docs'] === true,
  };
}

const loadAverage = (): LoadAverage => {
  const [one, five, fifteen] = os.loadavg();
  return [one, five, fifteen];
};

function machineInfo(): MachineInfo {
  return {
    cpuModel: os.cpus()[0]?.model.trim() ?? 'unknown',
    cores: os.availableParallelism(),
    loadAtStart: loadAverage(),
    node: process.version,
    platform: `${os.type()} ${os.release()} ${os.arch()}`,
    date: new Date().toISOString(),
  };
}

/** Runs the steps of one benchmark run, logging each to stderr (stdout stays free for the verdicts) and recording it. */
class Steps {
  readonly records: StepRecord[] = [];

  async run<T>(step: StepRecord['step'], label: string, work: () => T | Promise<T>): Promise<T> {
    const start = Date.now();
    process.stderr.write(`bench: ${label} ...\n`);
    const result = await work();
    const wallMs = Date.now() - start;
    this.records.push({ step, wallMs, loadAfter: loadAverage() });
    process.stderr.write(`bench: ${label} done in ${(wallMs / 1000).toFixed(1)} s\n`);
    return result;
  }
}

async function simulatedDays(options: BenchOptions): Promise<DayFigures[]> {
  const seeds = Array.from({ length: options.days }, (_, i) => options.seed + i);
  const totals = new Map<string, DayTotals[]>(DAY_CONTENDERS.map((c) => [c.label, []]));
  for (const seed of seeds) {
    const timeline = buildTimeline(FULL_DAY, seed);
    for (const contender of DAY_CONTENDERS) totals.get(contender.label)?.push(await simulateDay(contender, timeline, seed));
  }
  return DAY_CONTENDERS.map((c) => summarizeDays(c.label, seeds, totals.get(c.label) ?? []));
}

async function artifact(options: BenchOptions, steps: Steps): Promise<ArtifactFigures> {
  const skipped = (flag: string) => ({ available: false as const, reason: `skipped (${flag})` });
  const bundle = await steps.run('bundle', 'bundle size', () => measureBundle(WORK_DIR));
  const coldImport = bundle.available
    ? await steps.run('coldImport', 'cold import', () =>
        measureColdImport(path.join(WORK_DIR, 'bundle', 'index.js'), options.coldImportRuns),
      )
    : { available: false as const, reason: 'no bundle to import' };
  const synth = options.skipSynth ? skipped('--skip-synth') : await steps.run('synth', 'cdktf synth', () => measureSynth(WORK_DIR));
  const testSuite = options.skipTestSuite
    ? skipped('--skip-test-suite')
    : await steps.run('testSuite', 'test suite', () => measureTestSuite(WORK_DIR));
  return { bundle, coldImport, synth, testSuite };
}

export interface OutputPaths {
  readonly benchDir: string;
  readonly summaryPage: string;
}

/**
 * Writes the bench's own artifacts, and the summary in docs/benchmark.md only when the run was asked to
 * (--update-docs): a run to look at figures must not leave the documentation changed. Returns the files written.
 */
export function writeOutputs(results: BenchResults, paths: OutputPaths = { benchDir: BENCH_DIR, summaryPage: SUMMARY_PAGE }): string[] {
  const files = [path.join(paths.benchDir, 'RESULTS.md'), path.join(paths.benchDir, 'results.json')];
  fs.writeFileSync(files[0], renderResults(results));
  fs.writeFileSync(files[1], `${JSON.stringify(results, null, 2)}\n`);
  if (!results.options.updateDocs) return files;
  fs.writeFileSync(paths.summaryPage, withSummary(fs.readFileSync(paths.summaryPage, 'utf8'), renderSummary(results)));
  return [...files, paths.summaryPage];
}

async function main(): Promise<void> {
  const options = parseOptions(process.argv.slice(2));
  const started = Date.now();
  const machine = machineInfo();
  fs.mkdirSync(WORK_DIR, { recursive: true });

  const steps = new Steps();
  const discovery = await steps.run('discoveryModel', `discovery model (${options.trials} trials per size)`, async () => {
    const figures = [];
    for (const albSize of options.albSizes)
      for (const c of CONTENDERS) figures.push(await discoveryTrials(c, albSize, options.trials, options.seed));
    return figures;
  });
  // Sockets and a server in the loop: a failure here is reported as unmeasured rather than losing the other figures.
  const loopback = await steps.run('loopback', 'discovery over loopback UDP', () =>
    measureLoopback(options).catch((error: unknown) => ({ available: false as const, reason: `loopback run failed: ${String(error)}` })),
  );
  const day = await steps.run('simulatedDays', `simulated day x${options.days}`, () => simulatedDays(options));
  const artifactFigures = await artifact(options, steps);

  const figures = { machine, options, steps: steps.records, discovery, loopback, day, artifact: artifactFigures };
  const results: BenchResults = { ...figures, durationMs: Date.now() - started, goals: checkGoals(figures) };
  const written = writeOutputs(results);
  for (const goal of results.goals)
    process.stdout.write(`${goal.met === undefined ? '?' : goal.met ? 'met' : 'NOT met'}: ${goal.goal} (${goal.measured})\n`);
  process.stdout.write(
    `wrote ${written.map((file) => path.relative(process.cwd(), file)).join(', ')} in ${((Date.now() - started) / 1000).toFixed(1)} s\n`,
  );
}

if (require.main === module) {
  main().catch((error: unknown) => {
    process.stderr.write(`bench: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  });
}
