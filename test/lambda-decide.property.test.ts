import fc from 'fast-check';
import { decide } from '../lambda/decide';
import { NO_FAILURES } from '../lambda/dns/failures';
import { decodeState, encodeState, normalizeState, targetKey } from '../lambda/state-codec';
import type { DecisionInput, StateRead, SyncState, Target } from '../lambda/types';

const POOL = Array.from({ length: 24 }, (_, i) => `10.0.${i % 3}.${i + 1}`);
const PORTS = [80, 443, 8443] as const;
const HEALTH = ['initial', 'healthy', 'unhealthy', 'unhealthy.draining', 'unused', 'draining', 'unavailable'] as const;
const FAILING = new Set<string | undefined>(['unhealthy', 'unhealthy.draining']);

const ip = fc.constantFrom(...POOL);
const port = fc.constantFrom(...PORTS);
const syncState: fc.Arbitrary<SyncState> = fc.record({
  missing: fc.dictionary(
    fc.tuple(ip, port).map(([address, p]) => targetKey(address, p)),
    fc.nat({ max: 8 }),
  ),
  active: fc.subarray(POOL),
});
const stateRead: fc.Arbitrary<StateRead> = fc.oneof(
  fc.record({ kind: fc.constant('found' as const), state: syncState, etag: fc.constant('"etag"'), writer: fc.constant('run') }),
  fc.constant({ kind: 'absent' as const }),
  fc.constant({ kind: 'unreadable' as const, reason: 'AccessDenied' }),
);
const target: fc.Arbitrary<Target> = fc.record({
  ip,
  port,
  availabilityZone: fc.constantFrom('eu-west-1a', 'eu-west-1b', 'all'),
  health: fc.constantFrom(...HEALTH),
});
const input: fc.Arbitrary<DecisionInput> = fc.record({
  discovery: fc.record({
    source: fc.constantFrom('dns' as const, 'interfaces' as const),
    ips: fc.subarray(POOL),
    ignored: fc.constant([]),
    queries: fc.nat({ max: 200 }),
    failures: fc.nat({ max: 3 }),
    failuresByKind: fc.constant(NO_FAILURES),
    nonAuthoritative: fc.constant(0),
    clean: fc.boolean(),
    uncleanReasons: fc.constant([]),
  }),
  // One IP may be registered on several ports; a target (IP and port) is listed once.
  registered: fc.uniqueArray(target, { selector: (t) => targetKey(t.ip, t.port), maxLength: POOL.length * PORTS.length }),
  state: stateRead,
  settings: fc.record({
    albListener: port,
    invocationsBeforeDeregistration: fc.integer({ min: 1, max: 5 }),
    maxDeregistrationPercent: fc.integer({ min: 1, max: 100 }),
  }),
});

const keyOf = (t: Target) => targetKey(t.ip, t.port);
const live = (registered: readonly Target[]) => registered.filter((t) => t.health !== 'draining');
const liveKeys = (registered: readonly Target[]) => new Set(live(registered).map(keyOf));
const serves = (t: Target) => t.health === undefined || t.health === 'healthy';
const previousMissing = (state: StateRead) => (state.kind === 'found' ? state.state.missing : {});
const failsClosed = ({ discovery, state }: DecisionInput) => !discovery.clean || discovery.ips.length === 0 || state.kind === 'unreadable';
const isDue = (i: DecisionInput, t: Target) => (previousMissing(i.state)[keyOf(t)] ?? 0) + 1 >= i.settings.invocationsBeforeDeregistration;

describe('decide (properties)', () => {
  test('never deregisters a wanted target: a discovered IP on ALB_LISTENER', () => {
    fc.assert(
      fc.property(input, (i) => {
        const seen = new Set(i.discovery.ips);
        expect(decide(i).deregister.filter((t) => seen.has(t.ip) && t.port === i.settings.albListener)).toEqual([]);
      }),
    );
  });

  test('deregisters no more than the cap of the targets that might carry traffic, never every target, never the last healthy one', () => {
    fc.assert(
      fc.property(input, (i) => {
        const targets = live(i.registered);
        const removed = decide(i).deregister;
        const someServe = targets.some(serves);
        // While some target is healthy, those failing their health checks carry no traffic and pass the cap.
        const capped = removed.filter((t) => !(someServe && FAILING.has(t.health)));
        expect(capped.length).toBeLessThanOrEqual(Math.floor((targets.length * i.settings.maxDeregistrationPercent) / 100));
        const left = targets.filter((t) => !removed.includes(t));
        if (targets.length > 0) expect(left.length).toBeGreaterThan(0);
        if (someServe) expect(left.some(serves)).toBe(true);
      }),
    );
  });

  test('a due target failing its health checks goes at once while another target is healthy, whatever the cap', () => {
    fc.assert(
      fc.property(input, (i) => {
        fc.pre(!failsClosed(i) && live(i.registered).some(serves));
        const wanted = new Set(i.discovery.ips.map((address) => targetKey(address, i.settings.albListener)));
        const removed = decide(i).deregister;
        for (const t of live(i.registered)) {
          if (FAILING.has(t.health) && !wanted.has(keyOf(t)) && isDue(i, t)) expect(removed).toContainEqual(t);
        }
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
        for (const removed of decide(i).deregister) {
          expect(i.registered).toContainEqual(removed);
          expect(removed.health).not.toBe('draining');
          expect(isDue(i, removed)).toBe(true);
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

  test('registers exactly the discovered IPs without a live target on ALB_LISTENER, whatever else happened', () => {
    fc.assert(
      fc.property(input, (i) => {
        const keys = liveKeys(i.registered);
        expect(decide(i).register).toEqual(i.discovery.ips.filter((address) => !keys.has(targetKey(address, i.settings.albListener))));
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
            discovery: {
              source: 'dns',
              ips,
              ignored: [],
              queries: 1,
              failures: clean ? 0 : 1,
              failuresByKind: NO_FAILURES,
              nonAuthoritative: 0,
              clean,
              uncleanReasons: [],
            },
            registered,
            state: stateLost ? { kind: 'unreadable', reason: 'lost' } : state,
            settings: { albListener: 443, invocationsBeforeDeregistration: grace, maxDeregistrationPercent: 100 },
          });
          expect(decision.deregister.map((t) => t.ip)).not.toContain(anchor);
          const gone = new Set(decision.deregister.map((t) => t.ip));
          registered = [...registered.filter((t) => !gone.has(t.ip)), ...decision.register.map((address) => ({ ip: address, port: 443 }))];
          if (decision.stateChanged) state = { kind: 'found', state: decision.nextState, etag: '"e"' };
        }
      }),
    );
  });

  test("state round-trips through its encoding with its writer, and decide's next state always encodes validly", () => {
    fc.assert(
      fc.property(syncState, input, (state, i) => {
        expect(decodeState(encodeState(state, 'run-1'), i.settings.albListener)).toEqual({ state: normalizeState(state), writer: 'run-1' });
        const next = decide(i).nextState;
        expect(decodeState(encodeState(next, 'run-2'), i.settings.albListener).state).toEqual(next);
      }),
    );
  });
});
