/**
 * Discovery side by side: seeded trials against the DNS model (what each rule finds and at what query cost),
 * and wall time over real UDP on 127.0.0.1 against the DNS stand-in with a delay per answer.
 */
import type { Contender } from './contenders';
import { albDnsModel, MODEL_ALB, nodeAddresses } from './dns-model';
import { createRng } from './rng';
import { mean, percentile, wilson95 } from './stats';
import type { DiscoveryTrialFigures } from './types';

/**
 * `trials` discoveries of an ALB with `albSize` nodes. Trial i of size n draws its answers from the stream
 * (seed, n, i) for every contender, so both rules face the same answers in the same order.
 */
export async function discoveryTrials(contender: Contender, albSize: number, trials: number, seed: number): Promise<DiscoveryTrialFigures> {
  const addresses = nodeAddresses(albSize);
  const queries: number[] = [];
  const missed: number[] = [];
  for (let trial = 0; trial < trials; trial++) {
    const dns = albDnsModel(MODEL_ALB.name, createRng(seed, albSize, trial), () => ({ up: true, addresses }));
    const outcome = await contender.discover(MODEL_ALB.name, MODEL_ALB.servers, dns);
    queries.push(outcome.queries);
    missed.push(albSize - outcome.ips.length);
  }
  const allFound = missed.filter((m) => m === 0).length;
  return {
    contender: contender.label,
    albSize,
    trials,
    meanQueries: mean(queries),
    p99Queries: percentile(queries, 99),
    maxQueries: percentile(queries, 100),
    allFoundShare: allFound / trials,
    allFoundCi95: wilson95(allFound, trials),
    meanMissed: mean(missed),
  };
}
