/**
 * The statistics of DNS discovery, pure: when enough answers have been seen to call the set whole
 * (`unseenChance`, `answersStillNeeded`), and how many lost queries a working path may have (`lostQueriesTolerated`).
 */

/** An ALB answers with at most this many addresses, drawn at random from all of its nodes. */
export const ANSWER_SIZE = 8;

/**
 * The loss rate a working path may have: lost queries to the servers that answered are tolerated up to what such
 * a path loses but once in LOST_QUERY_SIGNIFICANCE runs (`lostQueriesTolerated`). A server that answered nothing is
 * down: its lost queries are tolerated whatever their number while another server answers, since they tell
 * nothing about the answers that arrived. (A fixed share failed both ways: with two servers, one dead, queries
 * sent together split evenly before the dead one has failed, and an ALB of 10 nodes lost 4 of 12, never clean.)
 */
export const MAX_LOST_SHARE = 0.25;
export const LOST_QUERY_SIGNIFICANCE = 1e-3;

/**
 * Most lost queries out of `queries` that a path losing each query with chance `lossRate` exceeds only with a
 * chance below `chance`: the binomial upper quantile, so the tolerance follows the run's size instead of one share.
 */
export function lostQueriesTolerated(queries: number, lossRate: number = MAX_LOST_SHARE, chance: number = LOST_QUERY_SIGNIFICANCE): number {
  let logPmf = queries * Math.log1p(-lossRate);
  let cumulative = Math.exp(logPmf);
  for (let k = 0; k < queries; k++) {
    if (1 - cumulative < chance) return k;
    logPmf += Math.log((queries - k) / (k + 1)) + Math.log(lossRate / (1 - lossRate));
    cumulative += Math.exp(logPmf);
  }
  return queries;
}

/** The chance is computed to this relative precision: far finer than any stopping decision needs. */
const PRECISION = 1e-6;
/** Past this partial sum the chance is within 1e-3 of 1, where no stopping rule stops: reported as 1. */
const CERTAIN_LOG_SUM = Math.log(1e3);
const MAX_TERMS = 1_000_000;

/**
 * Posterior chance that more than `distinct` addresses exist after `answers` full answers of 8 (the stopping rule).
 *
 * Each answer is 8 addresses drawn at random from N. With a flat prior on N >= k (k = distinct), the chance of
 * seeing exactly these k addresses in m answers is proportional to C(N, k) * C(N, 8)^-m: C(N, k) counts the ways
 * the k seen addresses can sit among N (leaving it out underestimates the miss chance about k-fold). Relative to
 * N = k, the term for N = k + u is r(u) = C(k+u, u) * (C(k, 8) / C(k+u, 8))^m, and the answer is
 * sum(r(u), u >= 1) / (1 + sum(r(u), u >= 1)). For large N the terms fall like N^-(8m - k), so the posterior is
 * proper only when 8m - k > 1; before that, nothing rules out more addresses and the chance is 1.
 */
export function unseenChance(distinct: number, answers: number): number {
  if (!Number.isSafeInteger(distinct) || !Number.isSafeInteger(answers) || distinct < 0 || answers < 0) {
    throw new RangeError(`unseenChance needs non-negative integers, got distinct=${distinct}, answers=${answers}`);
  }
  if (answers === 0) return 1;
  if (distinct < ANSWER_SIZE) {
    throw new RangeError(`${answers} full answers of ${ANSWER_SIZE} cannot show only ${distinct} distinct addresses`);
  }
  const decay = ANSWER_SIZE * answers - distinct;
  if (decay <= 1) return 1;
  let logTerm = 0;
  let logSum = -Infinity;
  for (let u = 1; u <= MAX_TERMS; u++) {
    const n = distinct + u;
    const step = Math.log(n / u) + answers * Math.log((n - ANSWER_SIZE) / n);
    logTerm += step;
    logSum = logAdd(logSum, logTerm);
    if (logSum > CERTAIN_LOG_SUM) return 1;
    // Once falling, the terms shrink about like n^-decay, so the tail past n is about term * n / (decay - 1).
    // It moves the chance S / (1 + S) by a factor of about 1 + tail / (S * (1 + S)): stop once that is negligible.
    const logTail = logTerm + Math.log(n / (decay - 1));
    if (step < 0 && logTail < Math.log(PRECISION) + logSum + logAdd(0, logSum)) return 1 / (1 + Math.exp(-logAdd(logSum, logTail)));
  }
  return 1;
}

/** Smallest number of further full answers that could meet the rule if they showed nothing new (a lower bound). */
export function answersStillNeeded(distinct: number, answers: number, missChance: number, limit: number): number {
  if (limit < 1 || unseenChance(distinct, answers + limit) >= missChance) return Math.max(limit, 0);
  // The chance only falls as answers are added: binary search for the first count below the bound.
  let [low, high] = [1, limit];
  while (low < high) {
    const mid = Math.floor((low + high) / 2);
    if (unseenChance(distinct, answers + mid) < missChance) high = mid;
    else low = mid + 1;
  }
  return low;
}

/** log(e^a + e^b), without leaving the log scale. */
function logAdd(a: number, b: number): number {
  if (a === -Infinity) return b;
  const high = Math.max(a, b);
  return high + Math.log1p(Math.exp(Math.min(a, b) - high));
}
