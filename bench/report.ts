/** Renders the figures of one run as bench/RESULTS.md. Pure: every number comes from `results`. */
import { SETTING_DEFAULTS } from '../lambda/settings';
import { EVENT_LATENCY_SECONDS, PROJECT, PROJECT_INTERFACES, PROJECT_INTERFACES_EVENTS, PROJECT_UNCAPPED, REFERENCE } from './contenders';
import { formatLoad, formatNumber, formatPercent } from './format';
import { GOALS, loadOf } from './goals';
import { REFERENCE_RULES } from './reference';
import { FULL_DAY, type DayEvent } from './simulate-day';
import type { ArtifactFigures, BenchOptions, BenchResults, DayFigures, GoalCheck, LoopbackFigures, Measured, TimedStep } from './types';

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
  return table(
    ['Goal', 'Measured in this run', 'Verdict'],
    goals.map((g) => [g.goal, g.measured, `**${verdict(g.met)}**`]),
  );
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
    `${options.trials} seeded trials per ALB size. Each answer holds 8 addresses ` +
      `drawn at random from the N nodes (all of them when N <= 8).`,
    'Trial i at size N draws its answers from the stream (seed, N, i) for both contenders: both face the same answers in the same order.',
    '',
    table(['N', 'Discovery', 'Queries (mean)', 'p99', 'max', 'All N found (95% CI)', 'Expected missed addresses'], rows),
  ].join('\n');
}

/** Our median wall time over the reference's, per ALB size, from the same run. */
function loopbackRatios(figures: readonly LoopbackFigures[]): { albSize: number; ratio: number }[] {
  return [...new Set(figures.map((f) => f.albSize))].flatMap((albSize) => {
    const [ours, reference] = [PROJECT, REFERENCE].map((c) => figures.find((f) => f.albSize === albSize && f.contender === c.label));
    return ours && reference ? [{ albSize, ratio: ours.medianWallMs / reference.medianWallMs }] : [];
  });
}

function loopbackSection(results: BenchResults): string {
  const { loopback } = results;
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
    `Real DNS over UDP on 127.0.0.1: the DNS stand-in of the integration ` +
      `tests (test/support/dns-server.ts) delays every answer by ${loopback.delayMs} ms.`,
    "Both contenders send their queries with this project's `udpQuery`, so both pay " +
      'the same cost per query; the reference sends them one after another, as it does.',
    '',
    table(['N', 'Discovery', 'Runs', 'Wall ms (median)', 'Wall ms (p90)', 'Queries (mean)', 'All N found'], rows),
    '',
    `Wall time per discovery, ${PROJECT.label} / ${REFERENCE.label} (medians, same run): ` +
      loopbackRatios(loopback.figures)
        .map((r) => `N = ${r.albSize}: **${formatNumber(r.ratio, 3)}**`)
        .join('; ') +
      `. Measured at ${loadOf(results, 'loopback')}.`,
  ].join('\n');
}

function daySection({ day, options }: BenchResults): string {
  const row = (label: string, pick: (d: DayFigures) => string): (string | number)[] => [label, ...day.map(pick)];
  const rows = [
    row(
      'Registration delay p50 / p99 / max (minutes)',
      (d) => `${d.registrationDelayMinutes.p50} / ${d.registrationDelayMinutes.p99} / ${d.registrationDelayMinutes.max}`,
    ),
    row(
      "Registration delay p50 / p99 / max (seconds, from the node's appearance)",
      (d) => `${d.registrationDelaySeconds.p50} / ${d.registrationDelaySeconds.p99} / ${d.registrationDelaySeconds.max}`,
    ),
    row('IPs never registered', (d) => String(d.neverRegistered)),
    row('Stale target-minutes per day', (d) => formatNumber(d.staleTargetMinutesPerDay)),
    row('Unserved node-minutes per day', (d) => formatNumber(d.unservedNodeMinutesPerDay)),
    row(`**Live IPs deregistered** (all ${options.days} days)`, (d) => `**${d.liveDeregistrations}**`),
    row(
      '... of which while DNS was failing / while DNS answered',
      (d) => `${d.liveDeregistrationsInDnsOutage} / ${d.liveDeregistrations - d.liveDeregistrationsInDnsOutage}`,
    ),
    row('DNS queries per invocation', (d) => formatNumber(d.perInvocation.dnsQueries)),
    row('DescribeNetworkInterfaces calls per run', (d) => formatNumber(d.perInvocation.ec2Calls, 2)),
    row('Event-triggered runs per day (besides 1,440 scheduled)', (d) => formatNumber(d.eventInvocationsPerDay)),
    row('All calls per run (DNS + EC2 + ELBv2 + S3)', (d) => formatNumber(d.apiCallsPerRun, 2)),
    row(
      'ELBv2 calls per invocation (describe + register + deregister)',
      (d) =>
        `${formatNumber(d.perInvocation.elbApiCalls, 2)} (${formatNumber(d.perInvocation.describeCalls, 2)} + ` +
        `${formatNumber(d.perInvocation.registerCalls, 3)} + ${formatNumber(d.perInvocation.deregisterCalls, 3)})`,
    ),
    row(
      'S3 reads / writes per invocation',
      (d) => `${formatNumber(d.perInvocation.s3Reads, 3)} / ${formatNumber(d.perInvocation.s3Writes, 3)}`,
    ),
  ];
  const perDay =
    day[0]?.perDay.map((_, i) => [
      day[0].perDay[i].seed,
      ...day.flatMap((d) => [d.perDay[i].liveDeregistrations, d.perDay[i].staleTargetMinutes]),
    ]) ?? [];
  return [
    `${options.days} simulated day(s) of ${FULL_DAY.minutes} minutes, seeds ${options.seed} to ${options.seed + options.days - 1}. ` +
      `Each minute each function runs once; its decisions take effect at once.`,
    `The ALB starts with ${FULL_DAY.initialNodes} nodes; each minute one ` +
      `node is replaced with chance ${FULL_DAY.replacementChancePerMinute} (its IP leaves DNS, a new one appears). Events:`,
    '',
    ...FULL_DAY.events.map((e) => `- ${describeEvent(e)}`),
    '',
    table(['Figure', ...day.map((d) => d.contender)], rows),
    '',
    `"${PROJECT_INTERFACES.label}" lists the ALB's network interfaces instead of ` +
      `sampling DNS (DISCOVERY=interfaces, its default grace of ${runs(SETTING_DEFAULTS.INTERFACE_INVOCATIONS_BEFORE_DEREGISTRATION)});`,
    `"${PROJECT_INTERFACES_EVENTS.label}" adds the event trigger: each interface ` +
      `created or deleted runs the function ${EVENT_LATENCY_SECONDS} s later`,
    '(an assumed CloudTrail-to-EventBridge delivery plus a cold start), besides the schedule. The model gives a node its interface and its',
    'DNS records in the same minute, so the DNS contenders are not charged the lag with which a new node enters DNS after its interface',
    'exists (an advantage of interfaces the figures leave out), nor the interfaces for the draining time after a node left DNS.',
    'Registration seconds: a node appears at a uniform point of its minute; a scheduled run registers it at the next minute.',
    "Stale target-minutes are counted after each minute's run, for every contender alike: the up to one minute a departed node waits for",
    'the next scheduled run is not counted (about half a minute per departure on the schedule, the event latency with events).',
    '',
    `"${PROJECT_UNCAPPED.label}" runs this project's code with MAX_DEREGISTRATION_PERCENT=100, ` +
      `only to show what the cap costs: compare its`,
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

/** A wall time, and the same as a multiple of an empty node process's start measured in the same run. */
function wallTime(ms: number, artifact: ArtifactFigures): string {
  const { coldImport } = artifact;
  const seconds = ms >= 1000 ? `${formatNumber(ms / 1000)} s` : `${formatNumber(ms)} ms`;
  return coldImport.available ? `${seconds} = ${formatNumber(ms / coldImport.medianNodeStartMs)} node starts` : seconds;
}

function artifactSection(results: BenchResults): string {
  const { artifact } = results;
  const load = (step: Parameters<typeof loadOf>[1], figure: Measured<object>) => (figure.available ? loadOf(results, step) : '');
  return table(
    ['Figure', 'Value', 'Machine load when the step ended'],
    [
      ['Bundle (raw)', measuredOr(artifact.bundle, (b) => `${formatNumber(b.rawBytes / 1000)} KB (${b.rawBytes} bytes, ${b.file})`), ''],
      [
        'Bundle (zipped as the stack zips it)',
        measuredOr(artifact.bundle, (b) => `${formatNumber(b.zippedBytes / 1000)} KB (${b.zippedBytes} bytes)`),
        '',
      ],
      [
        'An empty node process, start to exit (median): the yardstick',
        measuredOr(artifact.coldImport, (c) => `${formatNumber(c.medianNodeStartMs)} ms over ${c.runs} processes`),
        load('coldImport', artifact.coldImport),
      ],
      [
        'Cold import: require() of the bundle in a fresh node (median)',
        measuredOr(artifact.coldImport, (c) => `${formatNumber(c.medianRequireMs)} ms`),
        load('coldImport', artifact.coldImport),
      ],
      [
        'Cold import: require() of the SDK packages it holds, unbundled (median)',
        measuredOr(
          artifact.coldImport,
          (c) =>
            `${formatNumber(c.medianSdkRequireMs)} ms; bundle / ` +
            `unbundled = **${formatNumber(c.medianRequireMs / c.medianSdkRequireMs, 3)}**`,
        ),
        load('coldImport', artifact.coldImport),
      ],
      [
        'Cold import: whole process with the bundle (median)',
        measuredOr(artifact.coldImport, (c) => wallTime(c.medianProcessMs, artifact)),
        load('coldImport', artifact.coldImport),
      ],
      [
        '`cdktf synth` of the example environments',
        measuredOr(artifact.synth, (s) => `${wallTime(s.wallMs, artifact)} for ${s.stacks.length} stack(s): ${s.stacks.join(', ')}`),
        load('synth', artifact.synth),
      ],
      [
        'Test suite (without the benchmark test)',
        measuredOr(artifact.testSuite, (t) =>
          [`${wallTime(t.wallMs, artifact)}, ${t.passed} passed, ${t.failed} failed`, ...t.failures.map((f) => `failed: ${f}`)].join(
            '<br>',
          ),
        ),
        load('testSuite', artifact.testSuite),
      ],
    ],
  );
}

/** Every step of the run with its wall time and the load when it ended. */
function stepsSection({ steps, machine }: BenchResults): string {
  return table(
    ['Step', 'Wall time', 'Load when it ended'],
    steps.map((s) => [s.step, `${formatNumber(s.wallMs / 1000)} s`, formatLoad(s.loadAfter, machine.cores)]),
  );
}

export function renderResults(results: BenchResults): string {
  const { machine, options } = results;
  // Short names keep the Markdown's lines within the source width.
  const load = formatLoad(machine.loadAtStart, machine.cores);
  const { maxLookupsPerInvocation: lookups, invocationsBeforeDeregistration: misses } = REFERENCE_RULES;
  const {
    MAX_LOOKUP_PER_INVOCATION: maxLookups,
    INVOCATIONS_BEFORE_DEREGISTRATION: cleanRuns,
    MAX_DEREGISTRATION_PERCENT: capPercent,
  } = SETTING_DEFAULTS;
  return `# Benchmark: this project's sync against AWS's reference function

Generated by \`npm run bench\` (bench/run.ts); the same figures are in [results.json](results.json). Do not edit by hand.

- Date: ${machine.date}
- Machine: ${machine.cpuModel}, ${machine.cores} cores, Node ${machine.node}, ${machine.platform}; at the start ${load}
- Seed: ${options.seed}; whole run ${formatNumber(results.durationMs / 1000)} s
- Reproduce everything: \`${reproduce(options)}\`

Wall times depend on the machine and on what else runs on it: each is shown next to the load when its step ended, and the
goals on wall times are ratios of two wall times measured in the same run.

The reference is modelled inside the benchmark (bench/reference.ts) as AWS's \`populate_NLB_TG_with_ALB.py\` (Python 3.8 version)
behaves. It calls DescribeTargetHealth first (an error counts as no registered targets), then sends at most
${lookups} A queries one after another to the ALB zone's name server, until the first answer with fewer than 8 records. A failed
query, or an answer without records, raises out of its handler: the run fails before any write and changes nothing. It takes every
address, private or not. It reads its two state objects (a read error counts as a first run), registers what it found that is not
registered or that its last run did not find, counts every address in (last run's result ∪ registered) − this run's result, drops
the count of an address found again, and deregisters an address at ${misses}, with no cap, one DeregisterTargets call per address. It writes
both objects every run. A first run counts nothing. The objects are keyed by the ALB's DNS name, so the functions of two ports of one
ALB share them; **the simulated day has one port** (one target group), so its figures do not show what that sharing does
(test/bench.test.ts shows it: with two ports, an address that left DNS is deregistered on its second minute instead of its third).
The NS lookup of the ALB's zone, which both functions make before their queries, is counted for neither; the benchmark gives both
one name server.

This project runs its real code: \`discover\` (lambda/dns/discover.ts) and \`decide\` (lambda/decide.ts) with the deployed defaults (at most
${maxLookups} lookups, ${cleanRuns} clean runs before deregistration, at most ${capPercent}% of the targets per run).

## Goals

${goalsSection(results.goals)}

The goals are judged from this run's figures by bench/goals.ts. A benchmark is a measurement: a goal not met does not fail the run.

## 1. Discovery

### Against a model of the ALB's DNS

${discoverySection(results)}

Reproduce: \`${reproduce(options, QUICK)}\` (these figures depend only on the seed and the trial count).

### Over real UDP on loopback

${loopbackSection(results)}

Reproduce: \`${reproduce(options, QUICK)}\`. Wall times depend on the machine and its load; their ratio less, but not
nothing: read it with the load above.

## 2. A simulated day

${daySection(results)}

How to read it:
- Registration delay: minutes from an IP first appearing in DNS to its first registration (0 = registered by the run of that minute).
  The NLB's own 90-180 s before a new target takes traffic is the same for both and left out.
- Stale target-minutes: per minute, targets still registered whose IP is no longer an ALB node. Unserved node-minutes: per minute,
  ALB nodes with no target (missed, not yet registered, or wrongly deregistered).
- Live IPs deregistered: deregistrations of an IP that was an ALB node at that minute. During the DNS outage the nodes are alive.
- ELBv2 calls count one DescribeTargetHealth per run and one RegisterTargets call per run that has any (the reference's list may
  hold addresses already registered: its last run missed them). DeregisterTargets: one call per run that has any for this project,
  one per address for the reference.
- S3: this project reads its state object every run and writes it only when it changed. The reference reads and writes its two
  objects in every run that gets past its DNS queries, and touches neither in a run that fails there.
- A failed run of the reference (its DNS failed) changes nothing; its next scheduled run starts from the state of its last good one.
- Not modelled: Lambda retrying a failed asynchronous invocation (twice by default, which would add runs after each of the
  reference's failures), deregistration delay (draining targets), API errors and throttling, a second port (see above).

Reproduce: \`${reproduce(options, QUICK)}\` (these figures depend only on the seed and the number of days).

## 3. The artifact

${artifactSection(results)}

Reproduce: \`${reproduce(options)}\` (the benchmark's own test, test/bench.test.ts, is never part of the suite it times).
The bundle is built with the same function as \`npm run build\` (modules/lambda-bundle.ts) into bench/.work and zipped with the stack's own
\`zipBundle\` (fixed entry time and mode, deflate level 9), byte for byte the zip the stack ships.
The cold import compares, in fresh node processes taken in turn,
require() of the bundle with require() of the AWS SDK packages it holds (the dependencies named \`@aws-sdk/*\`) from node_modules,
which is what the function would load unbundled. "Node starts" divide a wall time by an empty node process's, measured in the
same step.

## The run

${stepsSection(results)}
`;
}

/** The summary's rows for interface discovery: schedule only / with events in our column, the reference in its own. */
function interfaceRows(day: readonly DayFigures[]): string[][] {
  const [scheduled, events, reference] = [PROJECT_INTERFACES, PROJECT_INTERFACES_EVENTS, REFERENCE].map((c) =>
    day.find((d) => d.contender === c.label),
  );
  if (!scheduled || !events || !reference) return [];
  const both = (pick: (d: DayFigures) => string): string => `${pick(scheduled)} / ${pick(events)}`;
  const seconds = (d: DayFigures): string => `${d.registrationDelaySeconds.p50}, ${d.registrationDelaySeconds.p99}`;
  return [
    [
      'Interface discovery (schedule / + events): live IPs deregistered',
      both((d) => `**${d.liveDeregistrations}**`),
      `**${reference.liveDeregistrations}**`,
    ],
    [
      'Interface discovery (schedule / + events): stale target-minutes per day',
      both((d) => formatNumber(d.staleTargetMinutesPerDay)),
      formatNumber(reference.staleTargetMinutesPerDay),
    ],
    ['Interface discovery (schedule / + events): new node to registration, p50, p99 (s)', both(seconds), seconds(reference)],
    [
      'Interface discovery (schedule / + events): calls per run, all APIs',
      both((d) => formatNumber(d.apiCallsPerRun, 2)),
      formatNumber(reference.apiCallsPerRun, 2),
    ],
  ];
}

/** The short table docs/benchmark.md carries between SUMMARY_MARKERS, linking from there to the full results. */
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
  const loopbackRatio = loopback.available ? loopbackRatios(loopback.figures).find((r) => r.albSize === GOALS.loopbackAlbSize) : undefined;
  const rows = [
    [`All nodes found, ALB of ${largest} nodes`, ...pair(atSize(largest), (d) => formatPercent(d.allFoundShare))],
    [`DNS queries per discovery, ${largest} nodes`, ...pair(atSize(largest), (d) => formatNumber(d.meanQueries))],
    [`DNS queries per discovery, ${smallest} nodes`, ...pair(atSize(smallest), (d) => formatNumber(d.meanQueries))],
    [
      `Discovery wall time, ${GOALS.loopbackAlbSize} nodes, loopback, relative to the reference's (same run)`,
      loopbackRatio ? formatNumber(loopbackRatio.ratio, 3) : 'n/a',
      '1',
    ],
    [`Live IPs deregistered, ${options.days} simulated day(s)`, ...pair(day, (d) => `**${d.liveDeregistrations}**`)],
    ['Stale target-minutes per day', ...pair(day, (d) => formatNumber(d.staleTargetMinutesPerDay))],
    ['S3 writes per invocation', ...pair(day, (d) => formatNumber(d.perInvocation.s3Writes, 2))],
    ...interfaceRows(day),
    [
      'Zipped bundle; cold import relative to requiring the SDK unbundled (same run)',
      measuredOr(artifact.bundle, (b) => `${formatNumber(b.zippedBytes / 1000)} KB`) +
        '; ' +
        measuredOr(artifact.coldImport, (c) => formatNumber(c.medianRequireMs / c.medianSdkRequireMs, 3)),
      'n/a',
    ],
  ];
  const met = goals.filter((g) => g.met === true).length;
  const oneMinuteLoad = (step: TimedStep, what: string): string[] => {
    const record = results.steps.find((s) => s.step === step);
    return record ? [`${formatNumber(record.loadAfter[0], 2)} (${what})`] : [];
  };
  const loads = [...oneMinuteLoad('loopback', 'loopback'), ...oneMinuteLoad('coldImport', 'cold import')];
  return [
    '## Summary',
    '',
    `Measured by \`npm run bench\` against a model of ` +
      `AWS's reference function in the same run (seed ${options.seed}, ${results.machine.date.slice(0, 10)}); ` +
      `${met} of ${goals.length} goals met. Method, every figure and how to reproduce it: [bench/RESULTS.md](../bench/RESULTS.md).`,
    '',
    table(['', PROJECT.label, REFERENCE.label], rows),
    '',
    `Wall times are compared as ratios of two measured ` +
      `in the same run, here at a 1-minute load average of ${loads.join(' and ') || 'n/a'} on ` +
      `${results.machine.cores} cores.`,
    '',
  ].join('\n');
}

/** docs/benchmark.md's summary lies between these; a run with --update-docs replaces what is between them. */
export const SUMMARY_MARKERS = { start: '<!-- bench-summary:start -->', end: '<!-- bench-summary:end -->' } as const;

/** `page` with its summary replaced by `summary`; fails if the markers are missing. */
export function withSummary(page: string, summary: string): string {
  const start = page.indexOf(SUMMARY_MARKERS.start);
  const end = page.indexOf(SUMMARY_MARKERS.end);
  if (start < 0 || end < start) {
    throw new Error(`docs/benchmark.md has no benchmark summary: expected ${SUMMARY_MARKERS.start} ... ${SUMMARY_MARKERS.end}`);
  }
  return `${page.slice(0, start + SUMMARY_MARKERS.start.length)}\n${summary.trim()}\n${page.slice(end)}`;
}

/** `1 run`, `2 runs`. */
function runs(count: number): string {
  return `${count} run${count === 1 ? '' : 's'}`;
}
