/**
 * Wall time per discovery over real UDP on 127.0.0.1, against the integration tests' DNS stand-in with a delay
 * per answer. Both contenders query through this project's `udpQuery`, so they pay the same cost per query.
 */
import { udpQuery } from '../lambda/dns/wire';
import { startDnsServer } from '../test/support/dns-server';
import { CONTENDERS } from './contenders';
import { MODEL_ALB, nodeAddresses } from './dns-model';
import { mean, median, percentile } from './stats';
import type { BenchOptions, BenchResults, LoopbackFigures } from './types';

/** The goal's size, and the largest ALB for comparison. */
export const LOOPBACK_ALB_SIZES = [40, 100] as const;
/** Far above a loopback round trip plus the delay: a timeout here would be a harness fault, not a figure. */
const QUERY_TIMEOUT_MS = 2_000;

type LoopbackOptions = Pick<BenchOptions, 'seed' | 'loopbackRuns' | 'loopbackDelayMs'>;

export async function measureLoopback(
  options: LoopbackOptions,
  albSizes: readonly number[] = LOOPBACK_ALB_SIZES,
): Promise<BenchResults['loopback']> {
  const query = udpQuery({ timeoutMs: QUERY_TIMEOUT_MS });
  const figures: LoopbackFigures[] = [];
  for (const albSize of albSizes) {
    const addresses = nodeAddresses(albSize);
    const server = await startDnsServer({ name: MODEL_ALB.name, addresses, delayMs: options.loopbackDelayMs, seed: options.seed });
    try {
      const servers = [{ host: '127.0.0.1', port: server.port }];
      for (const contender of CONTENDERS) {
        const wallMs: number[] = [];
        const queries: number[] = [];
        let allFound = 0;
        for (let run = 0; run < options.loopbackRuns; run++) {
          const start = process.hrtime.bigint();
          const outcome = await contender.discover(MODEL_ALB.name, servers, query);
          wallMs.push(Number(process.hrtime.bigint() - start) / 1e6);
          queries.push(outcome.queries);
          if (outcome.ips.length === albSize) allFound++;
        }
        figures.push({
          contender: contender.label,
          albSize,
          runs: options.loopbackRuns,
          medianWallMs: median(wallMs),
          p90WallMs: percentile(wallMs, 90),
          meanQueries: mean(queries),
          allFoundShare: allFound / options.loopbackRuns,
        });
      }
    } finally {
      await server.stop();
    }
  }
  return { available: true, delayMs: options.loopbackDelayMs, figures };
}
