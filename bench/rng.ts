/**
 * Seeded pseudo-random numbers, so every figure in RESULTS.md can be reproduced from its seed.
 * sfc32 seeded through splitmix32: fast, 128 bits of state, and good enough for sampling (not for secrets).
 */

/** A stream of uniform numbers in [0, 1). */
export interface Rng {
  next(): number;
}

function splitmix32(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x9e3779b9) >>> 0;
    let z = s;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
    return (z ^ (z >>> 16)) >>> 0;
  };
}

/**
 * A generator fully determined by `parts`, e.g. `createRng(seed, n, trial)`: each trial gets its own stream,
 * so a trial's inputs do not depend on how many numbers earlier trials drew.
 */
export function createRng(...parts: readonly number[]): Rng {
  if (parts.length === 0 || parts.some((p) => !Number.isSafeInteger(p))) {
    throw new Error(`createRng needs integer seed parts, got [${parts.join(', ')}]`);
  }
  let h = 0x811c9dc5;
  for (const part of parts) {
    const mix = splitmix32(h ^ part ^ Math.floor(part / 0x1_0000_0000));
    h = mix() ^ mix();
  }
  const seedWords = splitmix32(h);
  let a = seedWords();
  let b = seedWords();
  let c = seedWords();
  let d = seedWords();
  const rng: Rng = {
    next() {
      const t = (((a + b) >>> 0) + d) >>> 0;
      d = (d + 1) >>> 0;
      a = b ^ (b >>> 9);
      b = (c + (c << 3)) >>> 0;
      c = (c << 21) | (c >>> 11);
      c = (c + t) >>> 0;
      return t / 0x1_0000_0000;
    },
  };
  // sfc32's first outputs are still correlated with the seed.
  for (let i = 0; i < 12; i++) rng.next();
  return rng;
}

/** An integer in [0, n). */
export function randomInt(rng: Rng, n: number): number {
  return Math.floor(rng.next() * n);
}

/** `k` distinct items of `items` in random order (all of them, shuffled, when k >= length). Partial Fisher-Yates. */
export function sample<T>(rng: Rng, items: readonly T[], k: number): T[] {
  const pool = [...items];
  const take = Math.min(k, pool.length);
  for (let i = 0; i < take; i++) {
    const j = i + randomInt(rng, pool.length - i);
    [pool[i], pool[j]] = [pool[j], pool[i]];
  }
  return pool.slice(0, take);
}
