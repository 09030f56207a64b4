/**
 * The goals of issue 4, judged from the figures of the same run (ratios against the reference where the
 * issue asks for them). Verdicts are computed here and nowhere else; RESULTS.md only prints them.
 */
import { PROJECT, REFERENCE } from './contenders';
import { formatPercent, formatNumber } from './format';
import type { BenchResults, DayFigures, DiscoveryTrialFigures, GoalCheck, LoopbackFigures } from './types';

export const GOALS = {
  completeAlbSize: 100,
  completeShare: 0.999,
  smallAlbMaxSize: 8,
  loopbackAlbSize: 40,
  loopbackMaxRatio: 0.25,
  zippedBundleMaxBytes: 150_000,
  coldImportMaxMs: 150,
} as const;

type Figures = Omit<BenchResults, 'goals' | 'durationMs'>;

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
      .map(({ n, ours, reference }) => `N = ${n}: ${formatNumber(ours.meanQueries)} vs ${formatNumber(reference.meanQueries)} (max ${ours.maxQueries} vs ${reference.maxQueries})`)
      .join('; '),
    met: pairs.every(({ ours, reference }) => ours.meanQueries <= reference.meanQueries && ours.maxQueries <= reference.maxQueries),
  };
}

function loopbackWallTime(loopback: Figures['loopback']): GoalCheck {
  const goal = `N = ${GOALS.loopbackAlbSize} over loopback: wall time per discovery at most ${GOALS.loopbackMaxRatio} of the reference's`;
  if (!loopback.available) return unmeasured(goal, loopback.reason);
  const ours = find<LoopbackFigures>(loopback.figures, PROJECT.label, GOALS.loopbackAlbSize);
  const reference = find<LoopbackFigures>(loopback.figures, REFERENCE.label, GOALS.loopbackAlbSize);
  if (!ours || !reference) return unmeasured(goal, `no loopback runs at N = ${GOALS.loopbackAlbSize}`);
  const ratio = ours.medianWallMs / reference.medianWallMs;
  return {
    goal,
    measured: `median ${formatNumber(ours.medianWallMs)} ms vs ${formatNumber(reference.medianWallMs)} ms: ratio ${formatNumber(ratio, 3)}`,
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

function bundleSize(artifact: Figures['artifact']): GoalCheck {
  const goal = `Zipped bundle under ${GOALS.zippedBundleMaxBytes / 1000} KB`;
  const { bundle } = artifact;
  if (!bundle.available) return unmeasured(goal, bundle.reason);
  return { goal, measured: `${formatNumber(bundle.zippedBytes / 1000)} KB`, met: bundle.zippedBytes < GOALS.zippedBundleMaxBytes };
}

function coldImport(artifact: Figures['artifact']): GoalCheck {
  const goal = `Cold import under ${GOALS.coldImportMaxMs} ms`;
  const { coldImport: figures } = artifact;
  if (!figures.available) return unmeasured(goal, figures.reason);
  return {
    goal,
    measured: `require() median ${formatNumber(figures.medianRequireMs)} ms (whole process ${formatNumber(figures.medianProcessMs)} ms)`,
    met: figures.medianRequireMs < GOALS.coldImportMaxMs,
  };
}

export function checkGoals(figures: Figures): GoalCheck[] {
  return [
    completeDiscovery(figures.discovery),
    smallAlbQueries(figures.discovery),
    loopbackWallTime(figures.loopback),
    noLiveDeregistration(figures.day),
    staleNoWorse(figures.day),
    bundleSize(figures.artifact),
    coldImport(figures.artifact),
  ];
}
