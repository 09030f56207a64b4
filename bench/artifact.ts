/**
 * What the project costs to ship and to work on: the deployed bundle's size (raw and zipped as the stack ships it),
 * its cold import time in a fresh node process, `cdktf synth` of the example environments, and the test suite.
 * A step that cannot run here is reported unavailable with its reason; the benchmark goes on.
 */
import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { bundleSyncFunction, SYNC_BUNDLE, zipBundle } from '../modules/lambda-bundle';
import { median } from './stats';
import type { ArtifactFigures, Measured, TimedCommand } from './types';

const PROJECT_ROOT = path.resolve(__dirname, '..');
const BIN = path.join(PROJECT_ROOT, 'node_modules', '.bin');

/** Environment of every child process: no AWS endpoint or credential of the caller leaks in. */
const CHILD_ENV = {
  PATH: process.env.PATH ?? '',
  HOME: process.env.HOME ?? '',
  CHECKPOINT_DISABLE: '1',
  AWS_REGION: 'us-east-1',
  AWS_ACCESS_KEY_ID: 'test',
  AWS_SECRET_ACCESS_KEY: 'test',
  AWS_EC2_METADATA_DISABLED: 'true',
} as const;

/** Far above the times on an idle machine (3 s, 45 s): on a shared one a suite took over 240 s at load 45 on 2 cores. */
const SYNTH_TIMEOUT_MS = 300_000;
const TEST_SUITE_TIMEOUT_MS = 600_000;

function timed(command: string, args: readonly string[], timeoutMs: number): { run: SpawnSyncReturns<string>; wallMs: number } {
  const start = process.hrtime.bigint();
  const run = spawnSync(command, args, {
    cwd: PROJECT_ROOT,
    env: CHILD_ENV,
    encoding: 'utf8',
    timeout: timeoutMs,
    maxBuffer: 64 * 1024 * 1024,
  });
  return { run, wallMs: Number(process.hrtime.bigint() - start) / 1e6 };
}

/** Why a child process did not succeed, in one line: its first error line, or else the tail of its output. */
function failure(run: SpawnSyncReturns<string>): string {
  if ((run.error as NodeJS.ErrnoException | undefined)?.code === 'ETIMEDOUT') return 'timed out';
  if (run.error) return run.error.message;
  const lines = `${run.stderr ?? ''}\n${run.stdout ?? ''}`
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);
  const errorLine = lines.find((line) => /^\w*Error\b/.test(line));
  return `exit ${run.status ?? run.signal}: ${errorLine ?? lines.slice(-3).join(' | ')}`;
}

/** Builds the bundle exactly as `npm run build` does, into `workDir`, and zips it as the stack does. */
export function measureBundle(workDir: string): ArtifactFigures['bundle'] {
  const outdir = path.join(workDir, 'bundle');
  fs.rmSync(outdir, { recursive: true, force: true });
  let file: string;
  try {
    file = bundleSyncFunction(outdir);
  } catch (error) {
    return { available: false, reason: `bundling failed: ${(error as Error).message}` };
  }
  let zip: string;
  try {
    // The stack's own zipping: the same bytes as the shipped asset.
    zip = zipBundle(outdir);
  } catch (error) {
    return { available: false, reason: `zipping failed: ${(error as Error).message}` };
  }
  return {
    available: true,
    file: path.relative(PROJECT_ROOT, path.join(SYNC_BUNDLE.outdir, SYNC_BUNDLE.file)),
    rawBytes: fs.statSync(file).size,
    zippedBytes: fs.statSync(zip).size,
  };
}

/** Requires every module named after it and prints the milliseconds that took; the parent times the whole process. */
const IMPORT_PROBE = `
const start = process.hrtime.bigint();
const [first] = process.argv.slice(1).map((name) => require(name));
const ms = Number(process.hrtime.bigint() - start) / 1e6;
process.stdout.write(JSON.stringify({ ms, handler: typeof first?.handler === 'function' }));
`;

/** The AWS SDK packages the bundle holds: what an unbundled function would load from node_modules instead. */
const BUNDLED_SDK = Object.keys(
  (JSON.parse(fs.readFileSync(path.join(PROJECT_ROOT, 'package.json'), 'utf8')) as { devDependencies: object }).devDependencies,
)
  // The SDK packages are development dependencies (the bundle holds them); the EC2 client is the tests' alone.
  .filter((name) => name.startsWith('@aws-sdk/') && name !== '@aws-sdk/client-ec2');

/**
 * Cold imports in fresh node processes, interleaved so that a change of load hits all three alike: the bundle,
 * the SDK packages it holds (unbundled), and node loading nothing.
 */
export function measureColdImport(bundleFile: string, runs: number): ArtifactFigures['coldImport'] {
  const probe = (modules: readonly string[]) => timed(process.execPath, ['-e', IMPORT_PROBE, ...modules], 30_000);
  const [requireMs, sdkRequireMs, processMs, nodeStartMs]: number[][] = [[], [], [], []];
  for (let i = 0; i < runs; i++) {
    const bundle = probe([bundleFile]);
    if (bundle.run.status !== 0) return { available: false, reason: `importing ${bundleFile} failed: ${failure(bundle.run)}` };
    const bundled = JSON.parse(bundle.run.stdout) as { ms: number; handler: boolean };
    if (!bundled.handler) return { available: false, reason: `importing ${bundleFile} failed: the bundle exports no handler function` };
    const sdk = probe(BUNDLED_SDK);
    if (sdk.run.status !== 0) return { available: false, reason: `importing ${BUNDLED_SDK.join(', ')} failed: ${failure(sdk.run)}` };
    const empty = timed(process.execPath, ['-e', '0'], 30_000);
    if (empty.run.status !== 0) return { available: false, reason: `an empty node process failed: ${failure(empty.run)}` };
    requireMs.push(bundled.ms);
    processMs.push(bundle.wallMs);
    sdkRequireMs.push((JSON.parse(sdk.run.stdout) as { ms: number }).ms);
    nodeStartMs.push(empty.wallMs);
  }
  return {
    available: true,
    runs,
    medianRequireMs: median(requireMs),
    medianSdkRequireMs: median(sdkRequireMs),
    medianProcessMs: median(processMs),
    medianNodeStartMs: median(nodeStartMs),
  };
}

export function measureSynth(workDir: string): Measured<TimedCommand & { stacks: readonly string[] }> {
  const outdir = path.join(workDir, 'cdktf.out');
  fs.rmSync(outdir, { recursive: true, force: true });
  const args = ['synth', '--output', outdir];
  const { run, wallMs } = timed(path.join(BIN, 'cdktf'), args, SYNTH_TIMEOUT_MS);
  if (run.status !== 0) return { available: false, reason: `cdktf synth failed (limit ${SYNTH_TIMEOUT_MS / 1000} s): ${failure(run)}` };
  const manifest = path.join(outdir, 'manifest.json');
  if (!fs.existsSync(manifest)) return { available: false, reason: `cdktf synth wrote no ${manifest}` };
  const stacks = Object.keys((JSON.parse(fs.readFileSync(manifest, 'utf8')) as { stacks: object }).stacks);
  return { available: true, command: `CHECKPOINT_DISABLE=1 cdktf ${args.join(' ')}`, wallMs, stacks };
}

/** The part of jest's --json report the benchmark reads. */
interface JestSummary {
  readonly numPassedTests: number;
  readonly numFailedTests: number;
  readonly testResults: readonly {
    readonly name: string;
    readonly assertionResults: readonly { readonly status: string; readonly fullName: string }[];
  }[];
}

/** The whole jest suite except this benchmark's own test (which would run parts of the benchmark again). */
export function measureTestSuite(workDir: string): ArtifactFigures['testSuite'] {
  const report = path.join(workDir, 'jest.json');
  fs.rmSync(report, { force: true });
  const args = ['--testPathIgnorePatterns', 'test/bench\\.test\\.ts$', '--json', '--outputFile', report];
  const { run, wallMs } = timed(path.join(BIN, 'jest'), args, TEST_SUITE_TIMEOUT_MS);
  if (!fs.existsSync(report))
    return { available: false, reason: `jest wrote no report (limit ${TEST_SUITE_TIMEOUT_MS / 1000} s): ${failure(run)}` };
  const summary = JSON.parse(fs.readFileSync(report, 'utf8')) as JestSummary;
  return {
    available: true,
    command: `jest ${args.slice(0, 2).join(' ')}`,
    wallMs,
    passed: summary.numPassedTests,
    failed: summary.numFailedTests,
    failures: summary.testResults.flatMap((file) =>
      file.assertionResults.filter((a) => a.status === 'failed').map((a) => `${path.relative(PROJECT_ROOT, file.name)}: ${a.fullName}`),
    ),
  };
}
