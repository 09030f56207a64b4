import { answersStillNeeded, lostQueriesTolerated, unseenChance } from '../lambda/dns/stopping-rule';

describe('unseenChance', () => {
  test('matches a direct sum of the posterior for 8 addresses seen in 2 answers', () => {
    // k = 8, m = 2: r(u) = C(8+u, u) / C(8+u, 8)^2 = 1 / C(8+u, 8).
    let sum = 0;
    let choose = 1;
    for (let u = 1; u < 5000; u++) {
      choose = (choose * (8 + u)) / u;
      sum += 1 / choose;
    }
    expect(unseenChance(8, 2)).toBeCloseTo(sum / (1 + sum), 6);
  });

  test('is 1 before any answer and while the posterior is improper', () => {
    expect(unseenChance(0, 0)).toBe(1);
    expect(unseenChance(8, 1)).toBe(1);
    expect(unseenChance(100, 12)).toBe(1);
  });

  test('falls with every answer that shows nothing new, and rises with what was seen', () => {
    const chances = [20, 40, 80, 160].map((answers) => unseenChance(100, answers));
    expect([...chances].sort((a, b) => b - a)).toEqual(chances);
    expect(chances[3]).toBeLessThan(1e-3);
    expect(unseenChance(50, 60)).toBeLessThan(unseenChance(60, 60));
  });

  test('counts the ways the seen addresses sit among N: about k times the chance of one given address being unseen', () => {
    // One particular address of 101 is missed by m answers with chance (93/101)^m; any of ~100 unseen is ~100x that.
    const perAddress = (93 / 101) ** 150;
    expect(unseenChance(100, 150) / perAddress).toBeGreaterThan(50);
  });

  test('rejects impossible observations', () => {
    expect(() => unseenChance(5, 3)).toThrow(RangeError);
    expect(() => unseenChance(-1, 3)).toThrow(RangeError);
    expect(() => unseenChance(10, 1.5)).toThrow(RangeError);
  });

  test('answersStillNeeded is the smallest count that meets the rule', () => {
    const needed = answersStillNeeded(100, 20, 1e-4, 500);
    expect(unseenChance(100, 20 + needed)).toBeLessThan(1e-4);
    expect(unseenChance(100, 20 + needed - 1)).toBeGreaterThanOrEqual(1e-4);
    expect(answersStillNeeded(100, 20, 1e-4, 7)).toBe(7);
  });
});

describe('lostQueriesTolerated', () => {
  test('the lost-query tolerance follows the run size: the binomial quantile of a 25 % loss rate, not a fixed share', () => {
    expect(lostQueriesTolerated(12)).toBeGreaterThanOrEqual(4);
    // A quarter of a large run is still well within it; half of it is not.
    expect(lostQueriesTolerated(1000)).toBeGreaterThan(250);
    expect(lostQueriesTolerated(1000)).toBeLessThan(500);
    // Monotone in the run size.
    const sizes = [1, 2, 5, 12, 50, 168, 455, 1000];
    const tolerated = sizes.map((q) => lostQueriesTolerated(q));
    expect([...tolerated].sort((x, y) => x - y)).toEqual(tolerated);
  });
});
