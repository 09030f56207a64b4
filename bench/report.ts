/** Renders the figures of one run as bench/RESULTS.md. Pure: every number comes from `results`. */
import { SETTING_DEFAULTS } from '../lambda/settings';
import { PROJECT, PROJECT_UNCAPPED, REFERENCE } from './contenders';
import { formatNumber, formatPercent } from './format';
import { GOALS } from './goals';
import { REFERENCE_RULES } from './reference';
import { FULL_DAY, type DayEvent } from './simulate-day';
import type { ArtifactFigures, BenchOptions, BenchResults, DayFigures, GoalCheck, Measured } from './types';

const verdict = (met: boolean | undefined): string => (met === undefined ? 'not measured' : met ? 'met' : 'NOT met');

/** Skips the slow artifact steps; the figures of sections 1 and 2 stay the same. */
const QUICK = ['--skip-synth', '--skip-test-suite'] as const;

function reproduce(options: BenchOptions, extra: readonly string[] = []): string {
  const flags = [
    `--seed ${options.seed}`,
    `--trials ${options.trials}`,
    `--days ${options.days}`,
    `--loopback-runs ${options.loopbackRuns}`,
    `--loopback-delay-ms ${options.loopbackDelayMs}`,
    `--cold-import-runs ${options.coldImportRuns}`,
  ];
  return ['npm run bench --', ...flags, ...extra].join(' ');
}

function table(header: readonly string[], rows: readonly (readonly (string | number)[])[]): string {
  const line = (cells: readonly (string | number)[]): string => `| ${cells.map((c) => String(c).replace(/\|/g, '\\|')).join(' | ')} |`;
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n');
}

const clock = (minute: number): string => `${String(Math.floor(minute / 60)).padStart(2, '0')}:${String(minute % 60).padStart(2, '0')}`;

function describeEvent(event: DayEvent): string {
  switch (event.kind) {
    case 'scale':
      return `${clock(event.from)}-${clock(event.to)}: scale to ${event.nodes} nodes, evenly`;
    case 'dns-outage':
      return `${clock(event.from)}-${clock(event.to)}: every DNS query fails (SERVFAIL); the nodes keep serving`;
    case 'mass-loss':
      return `${clock(event.at)}: ${formatPercent(event.fraction)} of the nodes vanish at once`;
  }
}

function goalsSection(goals: readonly GoalCheck[]): string {
  return table(['Goal', 'Measured in this run', 'Verdict'], goals.map((g) => [g.goal, g.measured, `**${verdict(g.met)}**`]));
}

function discoverySection({ discovery, options }: BenchResults): string {
  const rows = discovery.map((f) => [
    f.albSize,
    f.contender,
    formatNumber(f.meanQueries),
    f.p99Queries,
    f.maxQueries,
    `${formatPercent(f.allFoundShare)} (${formatPercent(f.allFoundCi95.low)}-${formatPercent(f.allFoundCi95.high)})`,
    formatNumber(f.meanMissed, 4),
  ]);
  return [
    `${options.trials} seeded trials per ALB size. Each answer holds 8 addresses drawn at random from the N nodes (all of them when N <= 8).`,
    'Trial i at size N draws its answers from the stream (seed, N, i) for both contenders: both face the same answers in the same order.',
    '',
    table(['N', 'Discovery', 'Queries (mean)', 'p99', 'max', 'All N found (95% CI)', 'Expected missed addresses'], rows),
  ].join('\n');
}

function loopbackSection({ loopback }: BenchResults): string {
  if (!loopback.available) return `Not measured: ${loopback.reason}`;
  const rows = loopback.figures.map((f) => [
    f.albSize,
    f.contender,
    f.runs,
    formatNumber(f.medianWallMs),
    formatNumber(f.p90WallMs),
    formatNumber(f.meanQueries),
    formatPercent(f.allFoundShare),
  ]);
  return [
    `Real DNS over UDP on 127.0.0.1: the DNS stand-in of the integration tests (test/support/dns-server.ts) delays every answer by ${loopback.delayMs} ms.`,
    "Both contenders send their queries with this project's `udpQuery`, so both pay the same cost per query; the reference sends them one after another, as its rule says.",
    '',
    table(['N', 'Discovery', 'Runs', 'Wall ms (median)', 'Wall ms (p90)', 'Queries (mean)', 'All N found'], rows),
  ].join('\n');
}

function daySection({ day, options }: BenchResults): string {
  const row = (label: string, pick: (d: DayFigures) => string): (string | number)[] => [label, ...day.map(pick)];
  const rows = [
    row('Registration delay p50 / p99 / max (minutes)', (d) => `${d.registrationDelayMinutes.p50} / ${d.registrationDelayMinutes.p99} / ${d.registrationDelayMinutes.max}`),
    row('IPs never registered', (d) => String(d.neverRegistered)),
    row('Stale target-minutes per day', (d) => formatNumber(d.staleTargetMinutesPerDay)),
    row('Unserved node-minutes per day', (d) => formatNumber(d.unservedNodeMinutesPerDay)),
    row(`**Live IPs deregistered** (all ${options.days} days)`, (d) => `**${d.liveDeregistrations}**`),
    row('... of which while DNS was failing / while DNS answered', (d) =>
      `${d.liveDeregistrationsInDnsOutage} / ${d.liveDeregistrations - d.liveDeregistrationsInDnsOutage}`),
    row('DNS queries per invocation', (d) => formatNumber(d.perInvocation.dnsQueries)),
    row('ELBv2 calls per invocation (describe + register + deregister)', (d) =>
      `${formatNumber(d.perInvocation.elbApiCalls, 2)} (${formatNumber(d.perInvocation.describeCalls, 2)} + ${formatNumber(d.perInvocation.registerCalls, 3)} + ${formatNumber(d.perInvocation.deregisterCalls, 3)})`),
    row('S3 reads / writes per invocation', (d) => `${formatNumber(d.perInvocation.s3Reads, 2)} / ${formatNumber(d.perInvocation.s3Writes, 3)}`),
  ];
  const perDay = day[0]?.perDay.map((_, i) => [
    day[0].perDay[i].seed,
    ...day.flatMap((d) => [d.perDay[i].liveDeregistrations, d.perDay[i].staleTargetMinutes]),
  ]) ?? [];
  return [
    `${options.days} simulated day(s) of ${FULL_DAY.minutes} minutes, seeds ${options.seed} to ${options.seed + options.days - 1}. Each minute each function runs once; its decisions take effect at once.`,
    `The ALB starts with ${FULL_DAY.initialNodes} nodes; each minute one node is replaced with chance ${FULL_DAY.replacementChancePerMinute} (its IP leaves DNS, a new one appears). Events:`,
    '',
    ...FULL_DAY.events.map((e) => `- ${describeEvent(e)}`),
    '',
    table(['Figure', ...day.map((d) => d.contender)], rows),
    '',
    `"${PROJECT_UNCAPPED.label}" runs this project's code with MAX_DEREGISTRATION_PERCENT=100, only to show what the cap costs: compare its`,
    `stale target-minutes with "${PROJECT.label}". It is not the deployed configuration and no goal is judged on it.`,
    '',
    'Per day (seed): live IPs deregistered and stale target-minutes.',
    '',
    table(['Seed', ...day.flatMap((d) => [`${d.contender}: live deregistered`, `${d.contender}: stale target-min`])], perDay),
  ].join('\n');
}

function measuredOr<T extends object>(figure: Measured<T>, show: (f: T) => string): string {
  return figure.available ? show(figure) : `not measured: ${figure.reason}`;
}

function artifactSection(artifact: ArtifactFigures): string {
  return table(['Figure', 'Value'], [
    ['Bundle (raw)', measuredOr(artifact.bundle, (b) => `${formatNumber(b.rawBytes / 1000)} KB (${b.rawBytes} bytes, ${b.file})`)],
    ['Bundle (zipped as the stack zips it)', measuredOr(artifact.bundle, (b) => `${formatNumber(b.zippedBytes / 1000)} KB (${b.zippedBytes} bytes)`)],
    ['Cold import: require() in a fresh node (median)', measuredOr(artifact.coldImport, (c) => `${formatNumber(c.medianRequireMs)} ms over ${c.runs} processes`)],
    ['Cold import: whole process (median)', measuredOr(artifact.coldImport, (c) => `${formatNumber(c.medianProcessMs)} ms`)],
    ['`cdktf synth` of the example environments', measuredOr(artifact.synth, (s) => `${formatNumber(s.wallMs / 1000)} s for ${s.stacks.length} stack(s): ${s.stacks.join(', ')}`)],
    ['Test suite (without the benchmark test)', measuredOr(artifact.testSuite, (t) =>
      [`${formatNumber(t.wallMs / 1000)} s, ${t.passed} passed, ${t.failed} failed`, ...t.failures.map((f) => `failed: ${f}`)].join('<br>'))],
  ]);
}

export function renderResults(results: BenchResults): string {
  const { machine, options } = results;
  return `# Benchmark: this project's sync against AWS's reference rules

Generated by \`npm run bench\` (bench/run.ts); the same figures are in [results.json](results.json). Do not edit by hand.

- Date: ${machine.date}
- Machine: ${machine.cpuModel}, ${machine.cores} cores, Node ${machine.node}, ${machine.platform}
- Seed: ${options.seed}; whole run ${formatNumber(results.durationMs / 1000)} s
- Reproduce everything: \`${reproduce(options)}\`

The reference is implemented inside the benchmark (bench/reference.ts) from the rules stated in issue 4: sequential lookups to one
authoritative server, stop at the first answer with fewer than 8 addresses, at most ${REFERENCE_RULES.maxLookupsPerInvocation} lookups; every registered IP absent from a
run's result gains a count and is deregistered at ${REFERENCE_RULES.invocationsBeforeDeregistration}, with no cap, also after a failed lookup; state written every run. This project
runs its real code: \`discover\` (lambda/discovery.ts) and \`decide\` (lambda/decide.ts) with the deployed defaults (at most
${SETTING_DEFAULTS.MAX_LOOKUP_PER_INVOCATION} lookups, ${SETTING_DEFAULTS.INVOCATIONS_BEFORE_DEREGISTRATION} clean runs before deregistration, at most ${SETTING_DEFAULTS.MAX_DEREGISTRATION_PERCENT}% of the targets per run).

## Goals

${goalsSection(results.goals)}

The goals are judged from this run's figures by bench/goals.ts. A benchmark is a measurement: a goal not met does not fail the run.

## 1. Discovery

### Against a model of the ALB's DNS

${discoverySection(results)}

Reproduce: \`${reproduce(options, QUICK)}\` (these figures depend only on the seed and the trial count).

### Over real UDP on loopback

${loopbackSection(results)}

Reproduce: \`${reproduce(options, QUICK)}\`; wall times depend on the machine and its load, their ratio much less.

## 2. A simulated day

${daySection(results)}

How to read it:
- Registration delay: minutes from an IP first appearing in DNS to its first registration (0 = registered by the run of that minute).
  The NLB's own 90-180 s before a new target takes traffic is the same for both and left out.
- Stale target-minutes: per minute, targets still registered whose IP is no longer an ALB node. Unserved node-minutes: per minute,
  ALB nodes with no target (missed, not yet registered, or wrongly deregistered).
- Live IPs deregistered: deregistrations of an IP that was an ALB node at that minute. During the DNS outage the nodes are alive.
- ELBv2 calls count one DescribeTargetHealth per run and one RegisterTargets / DeregisterTargets call per run that has any.
  S3: one GetObject per run; a PutObject per run for the reference, only when the state changed for this project.
- Not modelled: deregistration delay (draining targets), retries, throttling.

Reproduce: \`${reproduce(options, QUICK)}\` (these figures depend only on the seed and the number of days).

## 3. The artifact

${artifactSection(results.artifact)}

Reproduce: \`${reproduce(options)}\` (the benchmark's own test, test/bench.test.ts, is never part of the suite it times).
The bundle is built with the same function as \`npm run build\` (modules/lambda-bundle.ts) into bench/.work and zipped with the stack's own
\`zipBundle\` (fixed entry time and mode, deflate level 9), byte for byte the zip the stack ships.
`;
}

/** The short table the README carries between SUMMARY_MARKERS, linking to the full results. */
export function renderSummary(results: BenchResults): string {
  const { discovery, day, loopback, artifact, goals, options } = results;
  const pair = <T extends { contender: string }>(rows: readonly T[], pick: (row: T) => string): string[] =>
    [PROJECT, REFERENCE].map((c) => {
      const row = rows.find((r) => r.contender === c.label);
      return row ? pick(row) : 'n/a';
    });
  const atSize = (n: number) => discovery.filter((d) => d.albSize === n);
  const largest = Math.max(...options.albSizes);
  const smallest = Math.min(...options.albSizes);
  const loopbackRows = loopback.available ? loopback.figures.filter((f) => f.albSize === GOALS.loopbackAlbSize) : [];
  const rows = [
    [`All nodes found, ALB of ${largest} nodes`, ...pair(atSize(largest), (d) => formatPercent(d.allFoundShare))],
    [`DNS queries per discovery, ${largest} nodes`, ...pair(atSize(largest), (d) => formatNumber(d.meanQueries))],
    [`DNS queries per discovery, ${smallest} nodes`, ...pair(atSize(smallest), (d) => formatNumber(d.meanQueries))],
    [`Discovery wall time, ${GOALS.loopbackAlbSize} nodes, loopback`, ...pair(loopbackRows, (f) => `${formatNumber(f.medianWallMs)} ms`)],
    [`Live IPs deregistered, ${options.days} simulated day(s)`, ...pair(day, (d) => `**${d.liveDeregistrations}**`)],
    ['Stale target-minutes per day', ...pair(day, (d) => formatNumber(d.staleTargetMinutesPerDay))],
    ['S3 writes per invocation', ...pair(day, (d) => formatNumber(d.perInvocation.s3Writes, 2))],
    ['Zipped bundle / cold import', measuredOr(artifact.bundle, (b) => `${formatNumber(b.zippedBytes / 1000)} KB`) + ' / ' +
      measuredOr(artifact.coldImport, (c) => `${formatNumber(c.medianRequireMs)} ms`), 'n/a'],
  ];
  const met = goals.filter((g) => g.met === true).length;
  return [
    '## Benchmark',
    '',
    `Measured by \`npm run bench\` against AWS's reference rules in the same run (seed ${options.seed}, ${results.machine.date.slice(0, 10)}); ` +
      `${met} of ${goals.length} goals met. Method, every figure and how to reproduce it: [bench/RESULTS.md](bench/RESULTS.md).`,
    '',
    table(['', PROJECT.label, REFERENCE.label], rows),
    '',
  ].join('\n');
}

/** The README's benchmark section lies between these; each run replaces what is between them. */
export const SUMMARY_MARKERS = { start: '<!-- bench-summary:start -->', end: '<!-- bench-summary:end -->' } as const;

/** `readme` with its benchmark section replaced by `summary`; fails if the markers are missing. */
export function withSummary(readme: string, summary: string): string {
  const start = readme.indexOf(SUMMARY_MARKERS.start);
  const end = readme.indexOf(SUMMARY_MARKERS.end);
  if (start < 0 || end < start) {
    throw new Error(`README.md has no benchmark section: expected ${SUMMARY_MARKERS.start} ... ${SUMMARY_MARKERS.end}`);
  }
  return `${readme.slice(0, start + SUMMARY_MARKERS.start.length)}\n${summary.trim()}\n${readme.slice(end)}`;
}
