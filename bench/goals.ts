/**
 * The goals of issue 4, judged from the figures of the same run. A goal on a wall time is a ratio of two wall
 * times measured in the same run, shown next to the machine's load: an absolute time says more about the machine
 * than about the code. Verdicts are computed here and nowhere else; RESULTS.md only prints them.
 */
import { PROJECT, PROJECT_INTERFACES, PROJECT_INTERFACES_EVENTS, REFERENCE } from './contenders';
import { formatLoad, formatNumber, formatPercent } from './format';
import type { BenchResults, DayFigures, DiscoveryTrialFigures, GoalCheck, LoopbackFigures, TimedStep } from './types';

export const GOALS = {
  completeAlbSize: 100,
  completeShare: 0.999,
  smallAlbMaxSize: 8,
  loopbackAlbSize: 40,
  loopbackMaxRatio: 0.25,
  zippedBundleMaxBytes: 150_000,
  /** Interface discovery knows the set: its stale target-minutes at most this share of the reference's (issue 16). */
  interfaceStaleShare: 1 / 3,
  /** Bundling is worth its build step only if it at least halves what loading the SDK unbundled costs. */
  coldImportMaxRatio: 0.5,
} as const;

type Figures = Omit<BenchResults, 'goals' | 'durationMs'>;

/** The load when `step` ended, as the goals and RESULTS.md print it next to the step's wall times. */
export function loadOf(figures: Pick<Figures, 'steps' | 'machine'>, step: TimedStep): string {
  const record = figures.steps.find((s) => s.step === step);
  return record ? formatLoad(record.loadAfter, figures.machine.cores) : `load not recorded, ${figures.machine.cores} cores`;
}

function find<T extends { contender: string; albSize: number }>(rows: readonly T[], contender: string, albSize: number): T | undefined {
  return rows.find((row) => row.contender === contender && row.albSize === albSize);
}

const unmeasured = (goal: string, why: string): GoalCheck => ({ goal, measured: `not measured: ${why}`, met: undefined });

function completeDiscovery(rows: readonly DiscoveryTrialFigures[]): GoalCheck {
  const goal = `N = ${GOALS.completeAlbSize}: all addresses found in at least ${GOALS.completeShare * 100}% of trials`;
  const ours = find(rows, PROJECT.label, GOALS.completeAlbSize);
  const reference = find(rows, REFERENCE.label, GOALS.completeAlbSize);
  if (!ours || !reference) return unmeasured(goal, `no trials at N = ${GOALS.completeAlbSize}`);
  return {
    goal,
    measured:
      `${formatPercent(ours.allFoundShare)} of ${ours.trials} trials (95% CI ${formatPercent(ours.allFoundCi95.low)}-` +
      `${formatPercent(ours.allFoundCi95.high)}); reference ${formatPercent(reference.allFoundShare)}`,
    met: ours.allFoundShare >= GOALS.completeShare,
  };
}

function smallAlbQueries(rows: readonly DiscoveryTrialFigures[]): GoalCheck {
  const goal = `N <= ${GOALS.smallAlbMaxSize}: no more queries than the reference`;
  const sizes = [...new Set(rows.map((r) => r.albSize))].filter((n) => n <= GOALS.smallAlbMaxSize);
  const pairs = sizes.flatMap((n) => {
    const ours = find(rows, PROJECT.label, n);
    const reference = find(rows, REFERENCE.label, n);
    return ours && reference ? [{ n, ours, reference }] : [];
  });
  if (pairs.length === 0) return unmeasured(goal, `no trials at N <= ${GOALS.smallAlbMaxSize}`);
  return {
    goal,
    measured: pairs
      .map(
        ({ n, ours, reference }) =>
          `N = ${n}: ${formatNumber(ours.meanQueries)} vs ${formatNumber(reference.meanQueries)} ` +
          `(max ${ours.maxQueries} vs ${reference.maxQueries})`,
      )
      .join('; '),
    met: pairs.every(({ ours, reference }) => ours.meanQueries <= reference.meanQueries && ours.maxQueries <= reference.maxQueries),
  };
}

function loopbackWallTime(figures: Figures): GoalCheck {
  const { loopback } = figures;
  const goal = `N = ${GOALS.loopbackAlbSize} over loopback: wall time per discovery at most ${GOALS.loopbackMaxRatio} of the reference's`;
  if (!loopback.available) return unmeasured(goal, loopback.reason);
  const ours = find<LoopbackFigures>(loopback.figures, PROJECT.label, GOALS.loopbackAlbSize);
  const reference = find<LoopbackFigures>(loopback.figures, REFERENCE.label, GOALS.loopbackAlbSize);
  if (!ours || !reference) return unmeasured(goal, `no loopback runs at N = ${GOALS.loopbackAlbSize}`);
  const ratio = ours.medianWallMs / reference.medianWallMs;
  return {
    goal,
    measured:
      `ratio ${formatNumber(ratio, 3)} ` +
      `(median ${formatNumber(ours.medianWallMs)} ms vs ${formatNumber(reference.medianWallMs)} ms; ${loadOf(figures, 'loopback')})`,
    met: ratio <= GOALS.loopbackMaxRatio,
  };
}

/** A goal on the simulated day, judged from both contenders' figures. */
function dayGoal(
  day: readonly DayFigures[],
  goal: string,
  judge: (ours: DayFigures, reference: DayFigures) => Pick<GoalCheck, 'measured' | 'met'>,
): GoalCheck {
  const ours = day.find((d) => d.contender === PROJECT.label);
  const reference = day.find((d) => d.contender === REFERENCE.label);
  return ours && reference ? { goal, ...judge(ours, reference) } : unmeasured(goal, 'no simulated day');
}

const noLiveDeregistration = (day: readonly DayFigures[]): GoalCheck =>
  dayGoal(day, 'Simulated day: zero live IPs deregistered', (ours, reference) => ({
    measured: `${ours.liveDeregistrations} over ${ours.days} day(s); reference ${reference.liveDeregistrations}`,
    met: ours.liveDeregistrations === 0,
  }));

const staleNoWorse = (day: readonly DayFigures[]): GoalCheck =>
  dayGoal(day, "Simulated day: stale target-minutes no worse than the reference's", (ours, reference) => ({
    measured: `${formatNumber(ours.staleTargetMinutesPerDay)} vs ${formatNumber(reference.staleTargetMinutesPerDay)} per day`,
    met: ours.staleTargetMinutesPerDay <= reference.staleTargetMinutesPerDay,
  }));

/** Interface discovery: at most a third of the reference's stale target-minutes, and no live IP removed. */
const interfaceGoals = (day: readonly DayFigures[]): GoalCheck[] =>
  [PROJECT_INTERFACES, PROJECT_INTERFACES_EVENTS].flatMap((contender) => {
    const ours = day.find((d) => d.contender === contender.label);
    const reference = day.find((d) => d.contender === REFERENCE.label);
    const stale =
      `Simulated day, ${contender.label}: stale ` +
      `target-minutes at most ${formatNumber(GOALS.interfaceStaleShare, 2)} of the reference's`;
    const live = `Simulated day, ${contender.label}: zero live IPs deregistered`;
    if (!ours || !reference) return [unmeasured(stale, 'no simulated day'), unmeasured(live, 'no simulated day')];
    return [
      {
        goal: stale,
        measured: `${formatNumber(ours.staleTargetMinutesPerDay)} vs ${formatNumber(reference.staleTargetMinutesPerDay)} per day`,
        met: ours.staleTargetMinutesPerDay <= reference.staleTargetMinutesPerDay * GOALS.interfaceStaleShare,
      },
      { goal: live, measured: `${ours.liveDeregistrations} over ${ours.days} day(s)`, met: ours.liveDeregistrations === 0 },
    ];
  });

function bundleSize(artifact: Figures['artifact']): GoalCheck {
  const goal = `Zipped bundle under ${GOALS.zippedBundleMaxBytes / 1000} KB`;
  const { bundle } = artifact;
  if (!bundle.available) return unmeasured(goal, bundle.reason);
  return { goal, measured: `${formatNumber(bundle.zippedBytes / 1000)} KB`, met: bundle.zippedBytes < GOALS.zippedBundleMaxBytes };
}

function coldImport(figures: Figures): GoalCheck {
  const goal = `Cold import: the bundle's require() at most ${GOALS.coldImportMaxRatio} of requiring the SDK packages it holds, unbundled`;
  const { coldImport: cold } = figures.artifact;
  if (!cold.available) return unmeasured(goal, cold.reason);
  const ratio = cold.medianRequireMs / cold.medianSdkRequireMs;
  return {
    goal,
    measured:
      `ratio ${formatNumber(ratio, 3)} (median ${formatNumber(cold.medianRequireMs)} ms vs ${formatNumber(cold.medianSdkRequireMs)} ms; ` +
      `${loadOf(figures, 'coldImport')})`,
    met: ratio <= GOALS.coldImportMaxRatio,
  };
}

export function checkGoals(figures: Figures): GoalCheck[] {
  return [
    completeDiscovery(figures.discovery),
    smallAlbQueries(figures.discovery),
    loopbackWallTime(figures),
    noLiveDeregistration(figures.day),
    staleNoWorse(figures.day),
    ...interfaceGoals(figures.day),
    bundleSize(figures.artifact),
    coldImport(figures),
  ];
}
