import fc from 'fast-check';
import { ANSWER_SIZE, answersStillNeeded, lostQueriesTolerated, MAX_LOST_SHARE, unseenChance } from '../lambda/dns/stopping-rule';

/** The chance is computed to a relative precision of 1e-6: comparisons allow a little more. */
const SLACK = 1 + 1e-5;

/** Observations a run can make: at least 8 distinct addresses once a full answer arrived. */
const distinct = fc.integer({ min: ANSWER_SIZE, max: 300 });
const answers = fc.integer({ min: 1, max: 600 });

/** log(i!) for i up to 100,000. */
const LOG_FACTORIAL = new Float64Array(100_001);
for (let i = 1; i < LOG_FACTORIAL.length; i++) LOG_FACTORIAL[i] = LOG_FACTORIAL[i - 1] + Math.log(i);
const logChoose = (n: number, r: number): number => LOG_FACTORIAL[n] - LOG_FACTORIAL[r] - LOG_FACTORIAL[n - r];

/**
 * The posterior chance of an unseen address, summed directly over N > k from C(N, k) * C(N, 8)^-m relative to
 * N = k (see `unseenChance`). Past N = 4k the terms fall at least like N^-3 when 8m - k >= 4, so once one is below
 * 1e-15 of the sum the rest is far below the precision compared.
 */
function directUnseenChance(k: number, m: number): number {
  let sum = 0;
  for (let n = k + 1; n < LOG_FACTORIAL.length; n++) {
    const term = Math.exp(logChoose(n, k) + m * (logChoose(k, ANSWER_SIZE) - logChoose(n, ANSWER_SIZE)));
    sum += term;
    if (n > 4 * k && term < 1e-15 * sum) break;
  }
  return sum / (1 + sum);
}

/** P(X > k) for X ~ Binomial(n, p), each term from the factorials: an oracle apart from the code's recursion. */
function upperTail(n: number, p: number, k: number): number {
  let sum = 0;
  for (let j = k + 1; j <= n; j++) {
    sum += Math.exp(logChoose(n, j) + j * Math.log(p) + (n - j) * Math.log1p(-p));
  }
  return sum;
}

describe('unseenChance, over every observation', () => {
  test('matches the posterior summed directly, and is 1 only where that is within 1e-3 of 1', () => {
    const observation = fc
      .record({ k: fc.integer({ min: ANSWER_SIZE, max: 60 }), m: fc.integer({ min: 1, max: 80 }) })
      .filter(({ k, m }) => ANSWER_SIZE * m - k >= 4);
    fc.assert(
      fc.property(observation, ({ k, m }) => {
        const [chance, direct] = [unseenChance(k, m), directUnseenChance(k, m)];
        if (chance === 1) expect(direct).toBeGreaterThan(0.999);
        else expect(Math.abs(chance - direct) / direct).toBeLessThan(1e-4);
      }),
      { numRuns: 200 },
    );
  });

  test('is a probability', () => {
    fc.assert(
      fc.property(distinct, answers, (k, m) => {
        const chance = unseenChance(k, m);
        expect(chance).toBeGreaterThanOrEqual(0);
        expect(chance).toBeLessThanOrEqual(1);
      }),
      { numRuns: 300 },
    );
  });

  test('never rises with another answer that shows nothing new', () => {
    fc.assert(
      fc.property(distinct, answers, (k, m) => {
        expect(unseenChance(k, m + 1)).toBeLessThanOrEqual(unseenChance(k, m) * SLACK);
      }),
      { numRuns: 300 },
    );
  });

  test('never falls with more addresses seen in as many answers', () => {
    fc.assert(
      fc.property(distinct, answers, (k, m) => {
        expect(unseenChance(k + 1, m) * SLACK).toBeGreaterThanOrEqual(unseenChance(k, m));
      }),
      { numRuns: 300 },
    );
  });
});

describe('answersStillNeeded, over every observation', () => {
  test('is the first count that meets the rule, or the whole limit when none within it does', () => {
    fc.assert(
      fc.property(distinct, answers, fc.constantFrom(1e-2, 1e-4, 1e-6), fc.integer({ min: 1, max: 1000 }), (k, m, missChance, limit) => {
        const needed = answersStillNeeded(k, m, missChance, limit);
        expect(needed).toBeGreaterThanOrEqual(1);
        expect(needed).toBeLessThanOrEqual(limit);
        if (unseenChance(k, m + limit) >= missChance) return expect(needed).toBe(limit);
        expect(unseenChance(k, m + needed)).toBeLessThan(missChance);
        if (needed > 1) expect(unseenChance(k, m + needed - 1)).toBeGreaterThanOrEqual(missChance);
      }),
      { numRuns: 200 },
    );
  });
});

describe('lostQueriesTolerated, over every run size', () => {
  test('is the binomial quantile: a path losing a quarter exceeds it less often than the significance, and one fewer more often', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 300 }), fc.constantFrom(1e-2, 1e-3), (queries, chance) => {
        const tolerated = lostQueriesTolerated(queries, MAX_LOST_SHARE, chance);
        expect(tolerated).toBeGreaterThanOrEqual(0);
        expect(tolerated).toBeLessThanOrEqual(queries);
        expect(upperTail(queries, MAX_LOST_SHARE, tolerated)).toBeLessThan(chance * SLACK);
        if (tolerated > 0) expect(upperTail(queries, MAX_LOST_SHARE, tolerated - 1)).toBeGreaterThanOrEqual(chance / SLACK);
      }),
      { numRuns: 200 },
    );
  });

  test('never falls as the run grows', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 2000 }), (queries) => {
        expect(lostQueriesTolerated(queries + 1)).toBeGreaterThanOrEqual(lostQueriesTolerated(queries));
      }),
      { numRuns: 300 },
    );
  });
});
