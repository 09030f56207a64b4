import { compareIps } from './ip';
import { EMPTY_STATE, normalizeState, sameState, targetKey } from './state-codec';
import type { Decision, DecisionInput, HoldReason, StateRead, SyncState, Target, TargetKey } from './types';

/** Health states of a target that failed its health checks: the NLB sends it no new connections. */
const FAILING_HEALTH_CHECKS: ReadonlySet<string | undefined> = new Set(['unhealthy', 'unhealthy.draining']);

/**
 * A target the NLB routes to. A target whose health is not reported is taken to serve, so it is never the one
 * assumed dead.
 */
const serves = (target: Target): boolean => target.health === undefined || target.health === 'healthy';

const keyOf = (target: Target): TargetKey => targetKey(target.ip, target.port);

/**
 * The sync's rules, and the only place they live. Pure: no I/O, no clock, no randomness.
 *
 * - A target is an address and a port. The wanted targets are the discovered IPs on `albListener`; every one
 *   not registered yet is registered, whatever else went wrong: registering a live ALB node is always safe, and
 *   NLB registration takes minutes, so it is never delayed.
 * - A registered (or previously active) target that is not wanted in a clean discovery (its IP absent, or its
 *   port not `albListener`) gains one count per run and is deregistered at `invocationsBeforeDeregistration`; a
 *   target wanted again is cleared.
 * - Fail closed: after an unclean or empty discovery, or when the state could not be read, nothing is
 *   deregistered and no counter advances.
 * - At most `maxDeregistrationPercent` of the registered targets go in one run, longest-missing first. Targets
 *   that fail their health checks carry no traffic, so they go beyond that cap, as long as some target is
 *   healthy (with none healthy the NLB fails open and sends traffic to unhealthy targets too).
 * - Never the last target that can serve: while any target is healthy, one healthy target stays; otherwise
 *   one target stays.
 */
export function decide(input: DecisionInput): Decision {
  const { discovery, registered, state, settings } = input;
  const wanted = new Set(discovery.ips.map((ip) => targetKey(ip, settings.albListener)));
  // A draining target is already on its way out: it neither counts as registered nor is removed twice.
  const live = registered.filter((target) => target.health !== 'draining');
  const liveKeys = new Set(live.map(keyOf));
  const register = discovery.ips.filter((ip) => !liveKeys.has(targetKey(ip, settings.albListener)));

  const failClosed = failClosedReasons(input);
  if (failClosed.length > 0) {
    const frozen = clearWanted(state, wanted);
    return { register, deregister: [], ...frozen, heldBack: failClosed };
  }

  const previous = state.kind === 'found' ? state.state : EMPTY_STATE;
  const tracked = new Set([
    ...liveKeys,
    ...previous.active.map((ip) => targetKey(ip, settings.albListener)),
    ...Object.keys(previous.missing),
  ]);
  const missing: Record<TargetKey, number> = {};
  for (const key of tracked) {
    if (!wanted.has(key)) missing[key] = (previous.missing[key] ?? 0) + 1;
  }
  const isDue = (key: TargetKey): boolean => missing[key] >= settings.invocationsBeforeDeregistration;
  const due = live
    .filter((target) => isDue(keyOf(target)))
    .sort((a, b) => missing[keyOf(b)] - missing[keyOf(a)] || compareIps(a.ip, b.ip) || a.port - b.port);
  const { removed, heldBack } = limitRemovals(due, live, settings.maxDeregistrationPercent);
  for (const key of Object.keys(missing)) {
    // Due but not a live target (never registered, or deregistered by an earlier run): nothing left to count.
    // A target removed now keeps its count, so if the deregistration fails the next run retries it at once
    // instead of waiting out a new grace period.
    if (!liveKeys.has(key) && isDue(key)) delete missing[key];
  }

  const nextState = normalizeState({ missing, active: discovery.ips });
  return {
    register,
    deregister: removed,
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
 * The state after a run that may not advance counters: targets seen wanted are still cleared, since that only
 * delays a removal. An absent or unreadable state is left alone (nothing was learned worth a first write,
 * and an unreadable object is kept for the operator to inspect).
 */
function clearWanted(state: StateRead, wanted: ReadonlySet<TargetKey>): { nextState: SyncState; stateChanged: boolean } {
  if (state.kind !== 'found') return { nextState: EMPTY_STATE, stateChanged: false };
  const missing = Object.fromEntries(Object.entries(state.state.missing).filter(([key]) => !wanted.has(key)));
  const nextState = normalizeState({ ...state.state, missing });
  return { nextState, stateChanged: !sameState(nextState, state.state) };
}

/**
 * Applies the cap and the last-target rule to due targets already in removal order. The cap counts only targets
 * that might carry traffic; targets failing their health checks pass it while some target is healthy.
 */
function limitRemovals(due: readonly Target[], live: readonly Target[], maxPercent: number): { removed: Target[]; heldBack: HoldReason[] } {
  const someServe = live.some(serves);
  const beyondCap = (target: Target): boolean => someServe && FAILING_HEALTH_CHECKS.has(target.health);
  let budget = Math.floor((live.length * maxPercent) / 100);
  const removed: Target[] = [];
  const capped: TargetKey[] = [];
  for (const target of due) {
    if (beyondCap(target)) removed.push(target);
    else if (budget > 0) {
      removed.push(target);
      budget -= 1;
    } else capped.push(keyOf(target));
  }
  const heldBack: HoldReason[] = capped.length > 0 ? [{ kind: 'cap', kept: capped }] : [];

  const gone = new Set(removed);
  const left = live.filter((target) => !gone.has(target));
  if (removed.length > 0 && (left.length === 0 || (someServe && !left.some(serves)))) {
    // One removal fewer is enough: the last of the removals that can serve (or the last one) stays. While some
    // target serves and none would be left, one of them is among the removals.
    let kept = removed.length - 1;
    while (someServe && !serves(removed[kept])) kept -= 1;
    heldBack.push({ kind: 'last-target', kept: keyOf(removed[kept]) });
    removed.splice(kept, 1);
  }
  return { removed, heldBack };
}
