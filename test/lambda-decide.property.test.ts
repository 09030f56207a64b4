import fc from 'fast-check';
import { decide } from '../lambda/decide';
import { NO_FAILURES } from '../lambda/discovery';
import { decodeState, encodeState, normalizeState } from '../lambda/state-codec';
import type { DecisionInput, StateRead, SyncState, Target } from '../lambda/types';

const POOL = Array.from({ length: 24 }, (_, i) => `10.0.${i % 3}.${i + 1}`);
const HEALTH = ['initial', 'healthy', 'unhealthy', 'unhealthy.draining', 'unused', 'draining', 'unavailable'] as const;

const ip = fc.constantFrom(...POOL);
const syncState: fc.Arbitrary<SyncState> = fc.record({
  version: fc.constant(1 as const),
  missing: fc.dictionary(ip, fc.nat({ max: 8 })),
  active: fc.subarray(POOL),
});
const stateRead: fc.Arbitrary<StateRead> = fc.oneof(
  fc.record({ kind: fc.constant('found' as const), state: syncState, etag: fc.constant('"etag"') }),
  fc.constant({ kind: 'absent' as const }),
  fc.constant({ kind: 'unreadable' as const, reason: 'AccessDenied' }),
);
const target: fc.Arbitrary<Target> = fc.record({
  ip,
  port: fc.constantFrom(80, 443, 8443),
  availabilityZone: fc.constantFrom('eu-west-1a', 'eu-west-1b', 'all'),
  health: fc.constantFrom(...HEALTH),
});
const input: fc.Arbitrary<DecisionInput> = fc.record({
  discovery: fc.record({
    ips: fc.subarray(POOL),
    ignored: fc.constant([]),
    queries: fc.nat({ max: 200 }),
    failures: fc.nat({ max: 3 }),
    failuresByKind: fc.constant(NO_FAILURES),
    nonAuthoritative: fc.constant(0),
    clean: fc.boolean(),
    uncleanReasons: fc.constant([]),
  }),
  registered: fc.uniqueArray(target, { selector: (t) => t.ip, maxLength: POOL.length }),
  state: stateRead,
  settings: fc.record({ invocationsBeforeDeregistration: fc.integer({ min: 1, max: 5 }), maxDeregistrationPercent: fc.integer({ min: 1, max: 100 }) }),
});

const liveIps = (registered: readonly Target[]) => new Set(registered.filter((t) => t.health !== 'draining').map((t) => t.ip));
const previousMissing = (state: StateRead) => (state.kind === 'found' ? state.state.missing : {});
const failsClosed = ({ discovery, state }: DecisionInput) => !discovery.clean || discovery.ips.length === 0 || state.kind === 'unreadable';

describe('decide (properties)', () => {
  test('never deregisters an IP present in the discovery', () => {
    fc.assert(
      fc.property(input, (i) => {
        const seen = new Set(i.discovery.ips);
        expect(decide(i).deregister.filter((t) => seen.has(t.ip))).toEqual([]);
      }),
    );
  });

  test('never deregisters more than the cap, nor every registered target', () => {
    fc.assert(
      fc.property(input, (i) => {
        const live = liveIps(i.registered).size;
        const removed = new Set(decide(i).deregister.map((t) => t.ip)).size;
        expect(removed).toBeLessThanOrEqual(Math.floor((live * i.settings.maxDeregistrationPercent) / 100));
        if (live > 0) expect(removed).toBeLessThan(live);
      }),
    );
  });

  test('a decision that deregisters always changes the state (the handler removes only after its write wins)', () => {
    fc.assert(
      fc.property(input, (i) => {
        const decision = decide(i);
        if (decision.deregister.length > 0) expect(decision.stateChanged).toBe(true);
      }),
    );
  });

  test('deregisters only registered targets, as reported, whose grace period is over', () => {
    fc.assert(
      fc.property(input, (i) => {
        const missing = previousMissing(i.state);
        for (const removed of decide(i).deregister) {
          expect(i.registered).toContainEqual(removed);
          expect(removed.health).not.toBe('draining');
          expect((missing[removed.ip] ?? 0) + 1).toBeGreaterThanOrEqual(i.settings.invocationsBeforeDeregistration);
        }
      }),
    );
  });

  test('after a failed, partial or empty discovery, or an unreadable state, nothing is deregistered and no counter advances', () => {
    fc.assert(
      fc.property(input, (i) => {
        fc.pre(failsClosed(i));
        const decision = decide(i);
        expect(decision.deregister).toEqual([]);
        const before = previousMissing(i.state);
        for (const [address, count] of Object.entries(decision.nextState.missing)) {
          expect(count).toBeLessThanOrEqual(before[address] ?? 0);
        }
        if (i.state.kind !== 'found') expect(decision.stateChanged).toBe(false);
      }),
    );
  });

  test('registers exactly the discovered IPs that are not live targets, whatever else happened', () => {
    fc.assert(
      fc.property(input, (i) => {
        const live = liveIps(i.registered);
        expect(decide(i).register).toEqual(i.discovery.ips.filter((address) => !live.has(address)));
      }),
    );
  });

  test('a state reported unchanged is the state that was read', () => {
    fc.assert(
      fc.property(input, (i) => {
        const decision = decide(i);
        if (!decision.stateChanged && i.state.kind === 'found') expect(decision.nextState).toEqual(normalizeState(i.state.state));
      }),
    );
  });

  test('a live IP that every clean run sees survives any sequence of runs', () => {
    const run = fc.record({ extra: fc.subarray(POOL), clean: fc.boolean(), stateLost: fc.boolean() });
    fc.assert(
      fc.property(fc.array(run, { maxLength: 12 }), fc.integer({ min: 1, max: 3 }), (runs, grace) => {
        const anchor = '10.9.9.9';
        let registered: Target[] = [{ ip: anchor, port: 443 }];
        let state: StateRead = { kind: 'absent' };
        for (const { extra, clean, stateLost } of runs) {
          const ips = clean ? [anchor, ...extra] : extra;
          const decision = decide({
            discovery: { ips, ignored: [], queries: 1, failures: clean ? 0 : 1, failuresByKind: NO_FAILURES, nonAuthoritative: 0, clean, uncleanReasons: [] },
            registered,
            state: stateLost ? { kind: 'unreadable', reason: 'lost' } : state,
            settings: { invocationsBeforeDeregistration: grace, maxDeregistrationPercent: 100 },
          });
          expect(decision.deregister.map((t) => t.ip)).not.toContain(anchor);
          const gone = new Set(decision.deregister.map((t) => t.ip));
          registered = [...registered.filter((t) => !gone.has(t.ip)), ...decision.register.map((address) => ({ ip: address, port: 443 }))];
          if (decision.stateChanged) state = { kind: 'found', state: decision.nextState, etag: '"e"' };
        }
      }),
    );
  });

  test('state round-trips through its encoding, and decide\'s next state always encodes validly', () => {
    fc.assert(
      fc.property(syncState, input, (state, i) => {
        expect(decodeState(encodeState(state))).toEqual(normalizeState(state));
        const next = decide(i).nextState;
        expect(decodeState(encodeState(next))).toEqual(next);
      }),
    );
  });
});
