import { decide } from '../lambda/decide';
import { NO_FAILURES } from '../lambda/discovery';
import type { DecisionInput, Discovery, StateRead, SyncState, Target } from '../lambda/types';

const settings = { invocationsBeforeDeregistration: 3, maxDeregistrationPercent: 50 };

function discovery(ips: string[], clean = true): Discovery {
  return { ips, ignored: [], queries: 10, failures: clean ? 0 : 1, failuresByKind: NO_FAILURES, nonAuthoritative: 0, clean, uncleanReasons: [] };
}
function target(ip: string, overrides: Partial<Target> = {}): Target {
  return { ip, port: 443, availabilityZone: 'eu-west-1a', health: 'healthy', ...overrides };
}
function found(missing: Record<string, number>, active: string[] = []): StateRead {
  return { kind: 'found', state: { version: 1, missing, active }, etag: '"e1"' };
}
function run(input: Partial<DecisionInput> & Pick<DecisionInput, 'discovery'>) {
  return decide({ registered: [], state: { kind: 'absent' }, settings, ...input });
}

describe('decide', () => {
  test('first run registers every discovered IP and records them as active', () => {
    const decision = run({ discovery: discovery(['10.0.0.1', '10.0.0.2', '10.0.0.3']) });
    expect(decision.register).toEqual(['10.0.0.1', '10.0.0.2', '10.0.0.3']);
    expect(decision.deregister).toEqual([]);
    expect(decision.nextState).toEqual({ version: 1, missing: {}, active: ['10.0.0.1', '10.0.0.2', '10.0.0.3'] });
    expect(decision.stateChanged).toBe(true);
  });

  test('an IP already registered is not registered again', () => {
    const decision = run({ discovery: discovery(['10.0.0.1', '10.0.0.2']), registered: [target('10.0.0.1')] });
    expect(decision.register).toEqual(['10.0.0.2']);
  });

  test('a missing IP counts 1, 2, then is deregistered at the third clean run with its reported port and zone', () => {
    const gone = target('10.0.0.3', { port: 8443, availabilityZone: 'all', health: 'unhealthy' });
    const registered = [target('10.0.0.1'), target('10.0.0.2'), gone, target('10.0.0.4')];
    const seen = discovery(['10.0.0.1', '10.0.0.2', '10.0.0.4']);
    let state: StateRead = found({}, ['10.0.0.1', '10.0.0.2', '10.0.0.3', '10.0.0.4']);
    const counts: number[] = [];
    for (let runNumber = 1; runNumber <= 2; runNumber++) {
      const decision = run({ discovery: seen, registered, state });
      expect(decision.deregister).toEqual([]);
      counts.push(decision.nextState.missing['10.0.0.3']);
      state = { kind: 'found', state: decision.nextState, etag: `"e${runNumber}"` };
    }
    expect(counts).toEqual([1, 2]);
    const third = run({ discovery: seen, registered, state });
    expect(third.deregister).toEqual([gone]);
    expect(third.heldBack).toEqual([]);
    // Kept at its count until the target group stops listing it, so a failed deregistration is retried at once.
    expect(third.nextState.missing).toEqual({ '10.0.0.3': 3 });
    const retry = run({ discovery: seen, registered, state: { kind: 'found', state: third.nextState, etag: '"e3"' } });
    expect(retry.deregister).toEqual([gone]);
    const drained = run({ discovery: seen, registered: registered.filter((t) => t !== gone), state: { kind: 'found', state: third.nextState, etag: '"e3"' } });
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
    expect(decision.nextState.missing).toEqual({ '10.0.0.2': 2, '10.0.0.3': 7 });
    expect(decision.stateChanged).toBe(false);
    expect(decision.heldBack).toEqual([{ kind: 'discovery-not-clean' }]);
  });

  test('an unclean discovery still clears the counter of an IP it saw alive', () => {
    const decision = run({
      discovery: discovery(['10.0.0.2'], false),
      registered: [target('10.0.0.1'), target('10.0.0.2')],
      state: found({ '10.0.0.1': 1, '10.0.0.2': 2 }),
    });
    expect(decision.nextState.missing).toEqual({ '10.0.0.1': 1 });
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
      settings: { invocationsBeforeDeregistration: 1, maxDeregistrationPercent: 100 },
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
    expect(decision.heldBack).toEqual([{ kind: 'cap', kept: ['10.0.0.5', '10.0.0.3'] }]);
    expect(decision.nextState.missing).toEqual({ '10.0.0.2': 5, '10.0.0.3': 3, '10.0.0.4': 7, '10.0.0.5': 4 });
  });

  test('never removes the last registered target, even at 100%', () => {
    const decision = run({
      discovery: discovery(['10.0.0.9']),
      registered: [target('10.0.0.1'), target('10.0.0.2')],
      state: found({ '10.0.0.1': 3, '10.0.0.2': 2 }),
      settings: { invocationsBeforeDeregistration: 3, maxDeregistrationPercent: 100 },
    });
    expect(decision.deregister.map((t) => t.ip)).toEqual(['10.0.0.1']);
    expect(decision.heldBack).toEqual([{ kind: 'last-target', kept: '10.0.0.2' }]);
    expect(decision.register).toEqual(['10.0.0.9']);
  });

  test('a lone registered target below the cap granularity is kept by the cap', () => {
    const decision = run({ discovery: discovery(['10.0.0.9']), registered: [target('10.0.0.1')], state: found({ '10.0.0.1': 9 }) });
    expect(decision.deregister).toEqual([]);
    expect(decision.heldBack).toEqual([{ kind: 'cap', kept: ['10.0.0.1'] }]);
  });

  test('a draining target is re-registered when discovered and never deregistered twice', () => {
    const decision = run({
      discovery: discovery(['10.0.0.1', '10.0.0.2']),
      registered: [target('10.0.0.1'), target('10.0.0.2', { health: 'draining' }), target('10.0.0.3', { health: 'draining' })],
      state: found({ '10.0.0.3': 5 }),
      settings: { invocationsBeforeDeregistration: 3, maxDeregistrationPercent: 100 },
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
    expect(history.map((s) => s.missing['10.0.0.7'])).toEqual([1, 2, undefined]);
  });

  test('a steady target group needs no state write', () => {
    const decision = run({
      discovery: discovery(['10.0.0.1', '10.0.0.2']),
      registered: [target('10.0.0.1'), target('10.0.0.2')],
      state: found({}, ['10.0.0.2', '10.0.0.1']),
    });
    expect(decision).toEqual({ register: [], deregister: [], nextState: { version: 1, missing: {}, active: ['10.0.0.1', '10.0.0.2'] }, stateChanged: false, heldBack: [] });
  });

  test('a first run that is unclean writes no state', () => {
    const decision = run({ discovery: discovery(['10.0.0.1'], false) });
    expect(decision.register).toEqual(['10.0.0.1']);
    expect(decision.stateChanged).toBe(false);
  });
});
