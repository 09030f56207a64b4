import { decide } from '../lambda/decide';
import { NO_FAILURES } from '../lambda/dns/failures';
import type { DecisionInput, Discovery, StateRead, SyncState, Target } from '../lambda/types';

const PORT = 443;
const settings = { albListener: PORT, invocationsBeforeDeregistration: 3, maxDeregistrationPercent: 50 };

function discovery(ips: string[], clean = true): Discovery {
  return {
    source: 'dns',
    ips,
    ignored: [],
    queries: 10,
    failures: clean ? 0 : 1,
    failuresByKind: NO_FAILURES,
    nonAuthoritative: 0,
    clean,
    uncleanReasons: [],
  };
}
function target(ip: string, overrides: Partial<Target> = {}): Target {
  return { ip, port: 443, availabilityZone: 'eu-west-1a', health: 'healthy', ...overrides };
}
/** The state key of the IP's target on `port`. */
const key = (ip: string, port = PORT): string => `${ip}:${port}`;
/** A found state; counts by IP are for the IP's target on ALB_LISTENER. */
function found(missingByIp: Record<string, number>, active: string[] = []): StateRead {
  const missing = Object.fromEntries(Object.entries(missingByIp).map(([ip, count]) => [ip.includes(':') ? ip : key(ip), count]));
  return { kind: 'found', state: { missing, active }, etag: '"e1"' };
}
/** Counts by IP, as targets on ALB_LISTENER. */
const onListener = (counts: Record<string, number>) => Object.fromEntries(Object.entries(counts).map(([ip, count]) => [key(ip), count]));
function run(input: Partial<DecisionInput> & Pick<DecisionInput, 'discovery'>) {
  return decide({ registered: [], state: { kind: 'absent' }, settings, ...input });
}

describe('decide', () => {
  test('first run registers every discovered IP and records them as active', () => {
    const decision = run({ discovery: discovery(['10.0.0.1', '10.0.0.2', '10.0.0.3']) });
    expect(decision.register).toEqual(['10.0.0.1', '10.0.0.2', '10.0.0.3']);
    expect(decision.deregister).toEqual([]);
    expect(decision.nextState).toEqual({ missing: {}, active: ['10.0.0.1', '10.0.0.2', '10.0.0.3'] });
    expect(decision.stateChanged).toBe(true);
  });

  test('an IP already registered is not registered again', () => {
    const decision = run({ discovery: discovery(['10.0.0.1', '10.0.0.2']), registered: [target('10.0.0.1')] });
    expect(decision.register).toEqual(['10.0.0.2']);
  });

  test('a missing IP counts 1, 2, then is deregistered at the third clean run with its reported zone', () => {
    const gone = target('10.0.0.3', { availabilityZone: 'all', health: 'unhealthy' });
    const registered = [target('10.0.0.1'), target('10.0.0.2'), gone, target('10.0.0.4')];
    const seen = discovery(['10.0.0.1', '10.0.0.2', '10.0.0.4']);
    let state: StateRead = found({}, ['10.0.0.1', '10.0.0.2', '10.0.0.3', '10.0.0.4']);
    const counts: number[] = [];
    for (let runNumber = 1; runNumber <= 2; runNumber++) {
      const decision = run({ discovery: seen, registered, state });
      expect(decision.deregister).toEqual([]);
      counts.push(decision.nextState.missing[key('10.0.0.3')]);
      state = { kind: 'found', state: decision.nextState, etag: `"e${runNumber}"` };
    }
    expect(counts).toEqual([1, 2]);
    const third = run({ discovery: seen, registered, state });
    expect(third.deregister).toEqual([gone]);
    expect(third.heldBack).toEqual([]);
    // Kept at its count until the target group stops listing it, so a failed deregistration is retried at once.
    expect(third.nextState.missing).toEqual({ [key('10.0.0.3')]: 3 });
    const retry = run({ discovery: seen, registered, state: { kind: 'found', state: third.nextState, etag: '"e3"' } });
    expect(retry.deregister).toEqual([gone]);
    const drained = run({
      discovery: seen,
      registered: registered.filter((t) => t !== gone),
      state: { kind: 'found', state: third.nextState, etag: '"e3"' },
    });
    expect(drained.nextState.missing).toEqual({});
  });

  test('an IP that reappears has its count cleared', () => {
    const decision = run({
      discovery: discovery(['10.0.0.1', '10.0.0.2']),
      registered: [target('10.0.0.1'), target('10.0.0.2')],
      state: found({ '10.0.0.2': 2 }, ['10.0.0.1']),
    });
    expect(decision.nextState.missing).toEqual({});
    expect(decision.stateChanged).toBe(true);
  });

  test('after an unclean discovery nothing is deregistered and no counter advances, but found IPs are registered', () => {
    const decision = run({
      discovery: discovery(['10.0.0.1', '10.0.0.9'], false),
      registered: [target('10.0.0.1'), target('10.0.0.2'), target('10.0.0.3')],
      state: found({ '10.0.0.2': 2, '10.0.0.3': 7 }, ['10.0.0.1']),
    });
    expect(decision.register).toEqual(['10.0.0.9']);
    expect(decision.deregister).toEqual([]);
    expect(decision.nextState.missing).toEqual(onListener({ '10.0.0.2': 2, '10.0.0.3': 7 }));
    expect(decision.stateChanged).toBe(false);
    expect(decision.heldBack).toEqual([{ kind: 'discovery-not-clean' }]);
  });

  test('an unclean discovery still clears the counter of an IP it saw alive', () => {
    const decision = run({
      discovery: discovery(['10.0.0.2'], false),
      registered: [target('10.0.0.1'), target('10.0.0.2')],
      state: found({ '10.0.0.1': 1, '10.0.0.2': 2 }),
    });
    expect(decision.nextState.missing).toEqual({ [key('10.0.0.1')]: 1 });
    expect(decision.stateChanged).toBe(true);
  });

  test('a clean but empty discovery deregisters nothing', () => {
    const decision = run({
      discovery: discovery([]),
      registered: [target('10.0.0.1'), target('10.0.0.2')],
      state: found({ '10.0.0.1': 5, '10.0.0.2': 5 }),
    });
    expect(decision.deregister).toEqual([]);
    expect(decision.heldBack).toEqual([{ kind: 'discovery-empty' }]);
    expect(decision.stateChanged).toBe(false);
  });

  test('an unreadable state deregisters nothing, is never overwritten, and still registers what was found', () => {
    const decision = run({
      discovery: discovery(['10.0.0.1', '10.0.0.5']),
      registered: [target('10.0.0.1'), target('10.0.0.2')],
      state: { kind: 'unreadable', reason: 'AccessDenied' },
      settings: { ...settings, invocationsBeforeDeregistration: 1, maxDeregistrationPercent: 100 },
    });
    expect(decision.register).toEqual(['10.0.0.5']);
    expect(decision.deregister).toEqual([]);
    expect(decision.stateChanged).toBe(false);
    expect(decision.heldBack).toEqual([{ kind: 'state-unreadable', reason: 'AccessDenied' }]);
  });

  test('the cap removes the longest-missing first and keeps counting the rest', () => {
    const registered = ['10.0.0.1', '10.0.0.2', '10.0.0.3', '10.0.0.4', '10.0.0.5'].map((ip) => target(ip));
    const input = {
      discovery: discovery(['10.0.0.1', '10.0.0.6']),
      registered,
      state: found({ '10.0.0.2': 4, '10.0.0.3': 2, '10.0.0.4': 6, '10.0.0.5': 3 }),
    };
    // 5 registered at 50%: at most 2 go; due are .4 (7), .2 (5), .5 (4), .3 (3), in that order.
    const decision = run(input);
    expect(decision.deregister.map((t) => t.ip)).toEqual(['10.0.0.4', '10.0.0.2']);
    expect(decision.heldBack).toEqual([{ kind: 'cap', kept: [key('10.0.0.5'), key('10.0.0.3')] }]);
    expect(decision.nextState.missing).toEqual(onListener({ '10.0.0.2': 5, '10.0.0.3': 3, '10.0.0.4': 7, '10.0.0.5': 4 }));
  });

  test('never removes the last registered target, even at 100%', () => {
    const decision = run({
      discovery: discovery(['10.0.0.9']),
      registered: [target('10.0.0.1'), target('10.0.0.2')],
      state: found({ '10.0.0.1': 3, '10.0.0.2': 2 }),
      settings: { ...settings, maxDeregistrationPercent: 100 },
    });
    expect(decision.deregister.map((t) => t.ip)).toEqual(['10.0.0.1']);
    expect(decision.heldBack).toEqual([{ kind: 'last-target', kept: key('10.0.0.2') }]);
    expect(decision.register).toEqual(['10.0.0.9']);
  });

  test('a lone registered target below the cap granularity is kept by the cap', () => {
    const decision = run({ discovery: discovery(['10.0.0.9']), registered: [target('10.0.0.1')], state: found({ '10.0.0.1': 9 }) });
    expect(decision.deregister).toEqual([]);
    expect(decision.heldBack).toEqual([{ kind: 'cap', kept: [key('10.0.0.1')] }]);
  });

  test('a draining target is re-registered when discovered and never deregistered twice', () => {
    const decision = run({
      discovery: discovery(['10.0.0.1', '10.0.0.2']),
      registered: [target('10.0.0.1'), target('10.0.0.2', { health: 'draining' }), target('10.0.0.3', { health: 'draining' })],
      state: found({ '10.0.0.3': 5 }),
      settings: { ...settings, maxDeregistrationPercent: 100 },
    });
    expect(decision.register).toEqual(['10.0.0.2']);
    expect(decision.deregister).toEqual([]);
    expect(decision.nextState.missing).toEqual({});
  });

  test('an active IP that was never registered is counted, then forgotten without a deregistration', () => {
    let state: StateRead = found({}, ['10.0.0.1', '10.0.0.7']);
    const history: SyncState[] = [];
    for (let runNumber = 0; runNumber < 3; runNumber++) {
      const decision = run({ discovery: discovery(['10.0.0.1']), registered: [target('10.0.0.1')], state });
      expect(decision.deregister).toEqual([]);
      history.push(decision.nextState);
      state = { kind: 'found', state: decision.nextState, etag: '"e"' };
    }
    expect(history.map((s) => s.missing[key('10.0.0.7')])).toEqual([1, 2, undefined]);
  });

  test('a steady target group needs no state write', () => {
    const decision = run({
      discovery: discovery(['10.0.0.1', '10.0.0.2']),
      registered: [target('10.0.0.1'), target('10.0.0.2')],
      state: found({}, ['10.0.0.2', '10.0.0.1']),
    });
    expect(decision).toEqual({
      register: [],
      deregister: [],
      nextState: { missing: {}, active: ['10.0.0.1', '10.0.0.2'] },
      stateChanged: false,
      heldBack: [],
    });
  });

  test('a first run that is unclean writes no state', () => {
    const decision = run({ discovery: discovery(['10.0.0.1'], false) });
    expect(decision.register).toEqual(['10.0.0.1']);
    expect(decision.stateChanged).toBe(false);
  });
});

describe('decide: a target is an address and a port', () => {
  const OLD = 8443;
  const nodes = ['10.0.0.1', '10.0.0.2', '10.0.0.3'];
  const onOldPort = nodes.map((ip) => target(ip, { port: OLD }));

  test('an IP registered only on another port is registered on ALB_LISTENER, and its old-port target starts counting', () => {
    const decision = run({ discovery: discovery(nodes), registered: onOldPort, state: found({}, nodes) });
    expect(decision.register).toEqual(nodes);
    expect(decision.deregister).toEqual([]);
    expect(decision.nextState.missing).toEqual(Object.fromEntries(nodes.map((ip) => [key(ip, OLD), 1])));
  });

  test('old-port targets leave with their reported port after the grace period, though their IPs are still discovered', () => {
    const registered = [...onOldPort, ...nodes.map((ip) => target(ip))];
    const decision = run({
      discovery: discovery(nodes),
      registered,
      state: found(Object.fromEntries(nodes.map((ip) => [key(ip, OLD), 2])), nodes),
      settings: { ...settings, maxDeregistrationPercent: 100 },
    });
    expect(decision.register).toEqual([]);
    expect(decision.deregister).toEqual(onOldPort);
    expect(decision.heldBack).toEqual([]);
  });

  test('the last old-port target stays while no target on ALB_LISTENER is healthy yet, and goes once one is', () => {
    const due = found(Object.fromEntries(nodes.map((ip) => [key(ip, OLD), 3])), nodes);
    const arriving = nodes.map((ip) => target(ip, { health: 'initial' }));
    const input = { discovery: discovery(nodes), state: due, settings: { ...settings, maxDeregistrationPercent: 100 } };

    const waiting = run({ ...input, registered: [...onOldPort, ...arriving] });
    expect(waiting.deregister).toEqual(onOldPort.slice(0, 2));
    expect(waiting.heldBack).toEqual([{ kind: 'last-target', kept: key('10.0.0.3', OLD) }]);

    const serving = run({ ...input, registered: [...onOldPort, target('10.0.0.1'), ...arriving.slice(1)] });
    expect(serving.deregister).toEqual(onOldPort);
    expect(serving.heldBack).toEqual([]);
  });

  test("an unclean discovery clears a wanted target's count but not that of the same IP on another port", () => {
    const decision = run({
      discovery: discovery(['10.0.0.1'], false),
      registered: [target('10.0.0.1'), target('10.0.0.1', { port: OLD })],
      state: found({ [key('10.0.0.1')]: 2, [key('10.0.0.1', OLD)]: 2 }),
    });
    expect(decision.nextState.missing).toEqual({ [key('10.0.0.1', OLD)]: 2 });
    expect(decision.deregister).toEqual([]);
  });

  test("a new ALB_LISTENER turns the counts of the old port's targets on, from the state alone", () => {
    const registered = nodes.map((ip) => target(ip));
    const decision = run({ discovery: discovery(nodes), registered, state: found({}, nodes), settings: { ...settings, albListener: OLD } });
    expect(decision.register).toEqual(nodes);
    expect(decision.nextState.missing).toEqual(Object.fromEntries(nodes.map((ip) => [key(ip), 1])));
  });
});

describe('decide: targets failing their health checks', () => {
  const alive = ['10.0.1.1', '10.0.1.2'];
  const vanished = ['10.0.0.1', '10.0.0.2', '10.0.0.3', '10.0.0.4', '10.0.0.5', '10.0.0.6'];
  const due = found(Object.fromEntries(vanished.map((ip) => [ip, 2])), [...alive, ...vanished]);
  /** 8 registered, 6 of them due; the cap (50%) lets 4 go. */
  const decideWith = (health: (ip: string) => string) =>
    run({
      discovery: discovery(alive),
      registered: [...alive, ...vanished].map((ip) => target(ip, { health: alive.includes(ip) ? 'healthy' : health(ip) })),
      state: due,
    });

  test.each(['unhealthy', 'unhealthy.draining'])(
    'vanished targets reported %s leave beyond the cap while some target is healthy',
    (failing) => {
      const decision = decideWith(() => failing);
      expect(decision.deregister.map((t) => t.ip)).toEqual(vanished);
      expect(decision.heldBack).toEqual([]);
    },
  );

  test.each(['healthy', 'initial', 'unused', 'unavailable'])('vanished targets reported %s stay under the cap', (health) => {
    const decision = decideWith(() => health);
    expect(decision.deregister.map((t) => t.ip)).toEqual(vanished.slice(0, 4));
    expect(decision.heldBack).toEqual([{ kind: 'cap', kept: vanished.slice(4).map((ip) => key(ip)) }]);
  });

  test("the cap counts only the others: failing targets go, and the cap's share of the rest with them", () => {
    const decision = decideWith((ip) => (vanished.indexOf(ip) % 2 === 0 ? 'unhealthy' : 'healthy'));
    // 3 failing go beyond the cap; the 3 passing ones fit the cap of 4.
    expect(decision.deregister.map((t) => t.ip)).toEqual(vanished);
    const tighter = run({
      discovery: discovery(alive),
      registered: [...alive, ...vanished].map((ip) =>
        target(ip, { health: ['10.0.0.1', '10.0.0.2'].includes(ip) ? 'unhealthy' : 'healthy' }),
      ),
      state: due,
      settings: { ...settings, maxDeregistrationPercent: 25 },
    });
    expect(tighter.deregister.map((t) => t.ip)).toEqual(vanished.slice(0, 4));
    expect(tighter.heldBack).toEqual([{ kind: 'cap', kept: vanished.slice(4).map((ip) => key(ip)) }]);
  });

  test('with no target healthy the NLB fails open, so unhealthy targets may carry traffic and the cap applies to them', () => {
    const decision = run({
      discovery: discovery(alive),
      registered: [...alive, ...vanished].map((ip) => target(ip, { health: 'unhealthy' })),
      state: due,
    });
    expect(decision.deregister.map((t) => t.ip)).toEqual(vanished.slice(0, 4));
    expect(decision.heldBack).toEqual([{ kind: 'cap', kept: vanished.slice(4).map((ip) => key(ip)) }]);
  });

  test('every target vanished and unhealthy: all but one go, and the one left is reported', () => {
    const decision = run({
      discovery: discovery(['10.0.9.9']),
      registered: vanished.map((ip) => target(ip, { health: 'unhealthy' })),
      state: due,
      settings: { ...settings, maxDeregistrationPercent: 100 },
    });
    expect(decision.deregister.map((t) => t.ip)).toEqual(vanished.slice(0, 5));
    expect(decision.heldBack).toEqual([{ kind: 'last-target', kept: key('10.0.0.6') }]);
  });

  test('the last healthy target stays even when unhealthy ones would be left', () => {
    const decision = run({
      discovery: discovery(['10.0.9.9']),
      registered: [target('10.0.0.1'), target('10.0.0.2', { health: 'unhealthy' }), target('10.0.1.1', { health: 'unhealthy' })],
      state: found({ '10.0.0.1': 2, '10.0.0.2': 2 }),
      settings: { ...settings, maxDeregistrationPercent: 100 },
    });
    expect(decision.deregister.map((t) => t.ip)).toEqual(['10.0.0.2']);
    expect(decision.heldBack).toEqual([{ kind: 'last-target', kept: key('10.0.0.1') }]);
  });
});
