/**
 * The baseline: the rules of AWS's reference function (populate_NLB_TG_with_ALB.py) as issue 4 states them.
 * - Discovery: sequential lookups to ONE authoritative server; stop at the first answer with fewer than
 *   8 addresses (a failed lookup counts as such an answer: the run goes on with what it has); at most 50.
 * - Decision: every registered IP absent from the run's result gains a count and is deregistered at 3,
 *   with no cap, also after a failed lookup. New IPs are registered at once. State is written every run.
 */
import { ANSWER_SIZE, type DnsServer, type QueryFn } from '../lambda/discovery';
import type { Target } from '../lambda/types';

export const REFERENCE_RULES = {
  maxLookupsPerInvocation: 50,
  invocationsBeforeDeregistration: 3,
} as const;

/** What the reference's lookups returned. */
export interface ReferenceDiscovery {
  readonly ips: readonly string[];
  readonly queries: number;
  /** A lookup failed; the reference carries on with the addresses it had. */
  readonly failed: boolean;
}

export async function referenceDiscover(
  name: string,
  server: DnsServer,
  query: QueryFn,
  maxLookups: number = REFERENCE_RULES.maxLookupsPerInvocation,
): Promise<ReferenceDiscovery> {
  const found = new Set<string>();
  let queries = 0;
  while (queries < maxLookups) {
    const answer = await query(server, name);
    queries++;
    if (!answer.ok) return { ips: [...found].sort(), queries, failed: true };
    answer.addresses.forEach((ip) => found.add(ip));
    if (answer.addresses.length < ANSWER_SIZE) break;
  }
  return { ips: [...found].sort(), queries, failed: false };
}

/** ip -> consecutive runs a registered IP was absent from the result. */
export type ReferenceCounts = Readonly<Record<string, number>>;

export interface ReferenceDecision {
  readonly register: readonly string[];
  readonly deregister: readonly Target[];
  readonly nextCounts: ReferenceCounts;
}

export function referenceDecide(
  found: readonly string[],
  registered: readonly Target[],
  counts: ReferenceCounts,
  invocationsBeforeDeregistration: number = REFERENCE_RULES.invocationsBeforeDeregistration,
): ReferenceDecision {
  const seen = new Set(found);
  const registeredIps = new Set(registered.map((t) => t.ip));
  const deregister: Target[] = [];
  const nextCounts: Record<string, number> = {};
  for (const target of registered) {
    if (seen.has(target.ip)) continue;
    const count = (counts[target.ip] ?? 0) + 1;
    if (count >= invocationsBeforeDeregistration) deregister.push(target);
    else nextCounts[target.ip] = count;
  }
  return { register: found.filter((ip) => !registeredIps.has(ip)), deregister, nextCounts };
}
