import { compareIps } from './ip';
import { EMPTY_STATE, normalizeState, sameState } from './state-codec';
import type { Decision, DecisionInput, HoldReason, StateRead, SyncState } from './types';

/**
 * The sync's rules, and the only place they live. Pure: no I/O, no clock, no randomness.
 *
 * - Every discovered IP that is not registered is registered, whatever else went wrong: registering a live
 *   ALB node is always safe, and NLB registration takes minutes, so it is never delayed.
 * - A registered (or previously active) IP absent from a clean discovery gains one count per run and is
 *   deregistered at `invocationsBeforeDeregistration`; an IP seen again is cleared.
 * - Fail closed: after an unclean or empty discovery, or when the state could not be read, nothing is
 *   deregistered and no counter advances.
 * - At most `maxDeregistrationPercent` of the registered targets go in one run, longest-missing first, and
 *   never the last one.
 */
export function decide(input: DecisionInput): Decision {
  const { discovery, registered, state, settings } = input;
  const discovered = new Set(discovery.ips);
  // A draining target is already on its way out: it neither counts as registered nor is removed twice.
  const live = registered.filter((target) => target.health !== 'draining');
  const liveIps = new Set(live.map((target) => target.ip));
  const register = discovery.ips.filter((ip) => !liveIps.has(ip));

  const failClosed = failClosedReasons(input);
  if (failClosed.length > 0) {
    const frozen = clearSeen(state, discovered);
    return { register, deregister: [], ...frozen, heldBack: failClosed };
  }

  const previous = state.kind === 'found' ? state.state : EMPTY_STATE;
  const tracked = new Set([...liveIps, ...previous.active, ...Object.keys(previous.missing)]);
  const missing: Record<string, number> = {};
  for (const ip of tracked) {
    if (!discovered.has(ip)) missing[ip] = (previous.missing[ip] ?? 0) + 1;
  }
  const isDue = (ip: string): boolean => missing[ip] >= settings.invocationsBeforeDeregistration;
  const due = [...liveIps].filter(isDue).sort((a, b) => missing[b] - missing[a] || compareIps(a, b));
  const { removed, heldBack } = limitRemovals(due, liveIps.size, settings.maxDeregistrationPercent);
  for (const ip of Object.keys(missing)) {
    // Due but not a live target (never registered, or deregistered by an earlier run): nothing left to count.
    // An IP removed now keeps its count, so if the deregistration fails the next run retries it at once
    // instead of waiting out a new grace period.
    if (!liveIps.has(ip) && isDue(ip)) delete missing[ip];
  }

  const nextState = normalizeState({ version: EMPTY_STATE.version, missing, active: discovery.ips });
  return {
    register,
    // Longest-missing first, every port and zone the IP is registered with.
    deregister: [...removed].flatMap((ip) => live.filter((target) => target.ip === ip)),
    nextState,
    // A first clean run writes its state even when empty, so the next run has an ETag to write against.
    stateChanged: state.kind !== 'found' || !sameState(nextState, state.state),
    heldBack,
  };
}

function failClosedReasons({ discovery, state }: DecisionInput): HoldReason[] {
  const reasons: HoldReason[] = [];
  if (!discovery.clean) reasons.push({ kind: 'discovery-not-clean' });
  if (discovery.ips.length === 0) reasons.push({ kind: 'discovery-empty' });
  if (state.kind === 'unreadable') reasons.push({ kind: 'state-unreadable', reason: state.reason });
  return reasons;
}

/**
 * The state after a run that may not advance counters: IPs seen alive are still cleared, since that only
 * delays a removal. An absent or unreadable state is left alone (nothing was learned worth a first write,
 * and an unreadable object is kept for the operator to inspect).
 */
function clearSeen(state: StateRead, discovered: ReadonlySet<string>): { nextState: SyncState; stateChanged: boolean } {
  if (state.kind !== 'found') return { nextState: EMPTY_STATE, stateChanged: false };
  const missing = Object.fromEntries(Object.entries(state.state.missing).filter(([ip]) => !discovered.has(ip)));
  const nextState = normalizeState({ ...state.state, missing });
  return { nextState, stateChanged: !sameState(nextState, state.state) };
}

/** Applies the cap and the last-target rule to IPs already in removal order. */
function limitRemovals(
  due: readonly string[],
  liveCount: number,
  maxPercent: number,
): { removed: ReadonlySet<string>; heldBack: HoldReason[] } {
  const cap = Math.floor((liveCount * maxPercent) / 100);
  const heldBack: HoldReason[] = [];
  let removed = due.slice(0, cap);
  if (due.length > cap) heldBack.push({ kind: 'cap', kept: due.slice(cap) });
  if (removed.length > 0 && removed.length >= liveCount) {
    heldBack.push({ kind: 'last-target', kept: removed[removed.length - 1] });
    removed = removed.slice(0, -1);
  }
  return { removed: new Set(removed), heldBack };
}
