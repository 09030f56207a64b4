/**
 * The deployed bundle when things go wrong: DNS outages, empty and partial answers, most of the ALB vanishing
 * at once, ELBv2 throttling, S3 read failures, lost conditional writes and overlapping runs.
 * The rule under test everywhere: a sync that is unsure registers what it saw and removes nothing.
 */
import { nodeAddresses } from '../bench/dns-model';
import { targetKey } from '../lambda/state-codec';
import { runSync, SCENARIO, startStandIns, stateKeyOf, summaryOf, syncOk, type StandIns } from './support/run-sync';

const TG = SCENARIO.targetGroupArn;
const KEY = stateKeyOf(TG);
const NODES = nodeAddresses(40);

/** The state's key of the IP's target on ALB_LISTENER. */
const onListener = (ip: string): string => targetKey(ip, SCENARIO.listenerPort);
const deregisteredIds = (world: StandIns): string[] =>
  world.elbCalls('DeregisterTargets').flatMap((request) => request.targets.map((target) => target.id));

/** 40 registered IPs, of which `gone` vanished from DNS `runs` clean runs ago: their counters stand at `runs`. */
async function withPendingRemovals(world: StandIns, gone: readonly string[], runs: number): Promise<void> {
  await syncOk(world);
  world.dns.setAddresses(NODES.filter((ip) => !gone.includes(ip)));
  for (let run = 0; run < runs; run++) await syncOk(world);
  expect(world.state().missing).toEqual(Object.fromEntries(gone.map((ip) => [onListener(ip), runs])));
}

/**
 * Runs a test against stand-ins of its own, so that the tests run concurrently: most of their time is spent
 * waiting on timers, SDK back-off and timeouts, not on the CPU.
 */
async function inWorld(test: (world: StandIns) => Promise<void>): Promise<void> {
  const world = await startStandIns({ addresses: NODES });
  try {
    await test(world);
  } finally {
    await world.stop();
  }
}

describe('the sync bundle under faults', () => {
  it.concurrent('DNS outage (SERVFAIL): every run ends in error, nothing is deregistered and no counter advances', () =>
    inWorld(async (world) => {
      const gone = NODES.slice(0, 2);
      await withPendingRemovals(world, gone, 2);
      const before = world.stateObject();
      world.dns.fail('servfail');

      // More outage runs than the grace period: an outage must never count as absence.
      for (let run = 0; run < 3; run++) {
        const outage = await runSync(world.env());
        expect(outage.ok).toBe(false);
        expect(outage.error).toMatch(/DNS/);
        expect(summaryOf(outage)).toMatchObject({ discoveryClean: false, deregistered: [] });
      }
      expect(world.registeredIps()).toEqual(NODES);
      expect(deregisteredIds(world)).toEqual([]);
      expect(world.stateObject()).toEqual(before);
    }),
  );

  it.concurrent.each([
    ['timeouts (no answer at all)', 'drop'],
    ['empty NOERROR answers', 'empty'],
  ] as const)('DNS %s: the run ends in error, nothing is deregistered and the state is kept', (_, fault) =>
    inWorld(async (world) => {
      await withPendingRemovals(world, NODES.slice(0, 2), 2);
      const before = world.stateObject();
      world.dns.fail(fault);

      const run = await runSync(world.env());
      expect(run.ok).toBe(false);
      expect(summaryOf(run)).toMatchObject({ discoveryClean: false, deregistered: [] });
      expect(world.dns.queries.at(-1)?.fault).toBe(fault);
      expect(world.registeredIps()).toEqual(NODES);
      expect(world.stateObject()).toEqual(before);
    }),
  );

  it.concurrent('partial discovery (some queries fail): registers the new IPs it saw, deregisters nothing, advances no counter', () =>
    inWorld(async (world) => {
      const gone = NODES.slice(0, 2);
      await withPendingRemovals(world, gone, 2);
      const added = nodeAddresses(41).slice(40);
      world.dns.setAddresses([...NODES.slice(2), ...added]);
      world.dns.fail('servfail', { fraction: 0.2 });

      const run = await runSync(world.env());
      const summary = summaryOf(run);
      expect(summary.discoveryClean).toBe(false);
      expect(summary.dnsFailures).toBeGreaterThan(0);
      expect(deregisteredIds(world)).toEqual([]);
      expect(world.registeredIps()).toEqual(expect.arrayContaining([...NODES, ...added]));
      expect(world.state().missing).toEqual({ [onListener(gone[0])]: 2, [onListener(gone[1])]: 2 });
    }),
  );

  it.concurrent('80% of the IPs vanish at once: at most MAX_DEREGISTRATION_PERCENT go per run, never a live one, never the last', () =>
    inWorld(async (world) => {
      const alive = NODES.slice(32);
      await syncOk(world);
      world.dns.setAddresses(alive);
      await syncOk(world);
      await syncOk(world);
      expect(deregisteredIds(world)).toEqual([]);

      const removedPerRun: number[] = [];
      for (let run = 0; run < 4; run++) {
        const before = world.registeredIps().length;
        const summary = summaryOf(await syncOk(world));
        const removed = before - world.registeredIps().length;
        expect(removed).toBeLessThanOrEqual(Math.floor(before / 2));
        expect(summary.deregistered).toHaveLength(removed);
        removedPerRun.push(removed);
      }
      // 40 registered: 20 go (the cap), then 10 of the 20 left, then the last 2 vanished ones.
      expect(removedPerRun).toEqual([20, 10, 2, 0]);
      expect(world.registeredIps()).toEqual(alive);
      expect(deregisteredIds(world).filter((ip) => alive.includes(ip))).toEqual([]);
      expect(new Set(deregisteredIds(world)).size).toBe(32);
    }),
  );

  it.concurrent('the cap removes the longest-missing IPs first', () =>
    inWorld(async (world) => {
      const env = { MAX_DEREGISTRATION_PERCENT: '25' };
      const [early, late] = [NODES.slice(0, 16), NODES.slice(16, 32)];
      await syncOk(world, env);
      world.dns.setAddresses(NODES.slice(16));
      await syncOk(world, env);
      world.dns.setAddresses(NODES.slice(32));
      await syncOk(world, env);

      await syncOk(world, env); // early at 3, late at 2: 10 of the 16 early ones go (25% of 40)
      expect(deregisteredIds(world)).toHaveLength(10);
      expect(early).toEqual(expect.arrayContaining(deregisteredIds(world)));

      const run = await syncOk(world, env); // 30 left, cap 7: the 6 early ones first, then one late one
      const removed = summaryOf(run).deregistered.map((target: { ip: string }) => target.ip);
      expect(removed).toHaveLength(7);
      expect(removed.filter((ip: string) => early.includes(ip))).toHaveLength(6);
      expect(removed.filter((ip: string) => late.includes(ip))).toHaveLength(1);
      expect(summaryOf(run).capHits).toBeGreaterThan(0);
    }),
  );

  it.concurrent('never deregisters the last target, even when every registered IP is due', () =>
    inWorld(async (world) => {
      const env = { MAX_DEREGISTRATION_PERCENT: '100', INVOCATIONS_BEFORE_DEREGISTRATION: '1' };
      const old = NODES.slice(0, 4);
      world.dns.setAddresses(old);
      await syncOk(world, env);
      world.dns.setAddresses(nodeAddresses(8).slice(4));

      await syncOk(world, env);
      expect(deregisteredIds(world).length).toBeLessThan(old.length);
      expect(world.registeredIps().filter((ip) => old.includes(ip)).length).toBeGreaterThan(0);
    }),
  );

  it.concurrent('ELBv2 throttling: adaptive retries get the run through', () =>
    inWorld(async (world) => {
      world.elb.fail('Throttling', { times: 2 });
      await syncOk(world);
      expect(world.elb.requests.slice(0, 2).map((request) => request.errorCode)).toEqual(['Throttling', 'Throttling']);
      expect(world.registeredIps()).toEqual(NODES);
    }),
  );

  it.concurrent('persistent ELBv2 throttling: the run ends in error and the state is left as it was', () =>
    inWorld(async (world) => {
      await withPendingRemovals(world, NODES.slice(0, 2), 2);
      const before = world.stateObject();
      world.dns.setAddresses([...NODES.slice(2), ...nodeAddresses(42).slice(40)]);
      world.elb.fail('Throttling');

      const run = await runSync(world.env());
      expect(run.ok).toBe(false);
      expect(run.error).toMatch(/Throttling/);
      expect(world.registeredIps()).toEqual(NODES);
      expect(world.stateObject()).toEqual(before);
    }),
  );

  it.concurrent('a deregistration lost to throttling is retried by the next run, not made to wait out a new grace period', () =>
    inWorld(async (world) => {
      const gone = NODES[0];
      await withPendingRemovals(world, [gone], 2);
      world.elb.fail('Throttling', { operation: 'DeregisterTargets' });
      const throttled = await runSync(world.env());
      expect(throttled.ok).toBe(false);
      expect(world.registeredIps()).toContain(gone);

      world.elb.clearFaults();
      await syncOk(world);
      expect(world.registeredIps()).not.toContain(gone);
    }),
  );

  it.concurrent.each([
    ['S3 500 InternalError', (world: StandIns) => world.s3.fail('InternalError', { operation: 'GetObject' })],
    ['S3 403 AccessDenied', (world: StandIns) => world.s3.fail('AccessDenied', { operation: 'GetObject' })],
    ['a state object that does not parse', (world: StandIns) => world.s3.putObject(SCENARIO.bucket, KEY, '{"version":1,"missing":')],
  ])('%s on read: nothing deregistered, the state not overwritten, the run ends in error', (_, breakRead) =>
    inWorld(async (world) => {
      const gone = NODES.slice(0, 2);
      await withPendingRemovals(world, gone, 2);
      breakRead(world);
      const before = world.stateObject();
      const writes = world.s3.requests.filter((request) => request.operation === 'PutObject').length;

      const run = await runSync(world.env());
      expect(run.ok).toBe(false);
      expect(summaryOf(run).deregistered).toEqual([]);
      expect(world.registeredIps()).toEqual(NODES);
      expect(world.stateObject()).toEqual(before);
      expect(world.s3.requests.filter((request) => request.operation === 'PutObject')).toHaveLength(writes);
    }),
  );

  it.concurrent.each([
    ['S3', (world: StandIns) => world.s3.setLatency(600_000)],
    ['ELBv2', (world: StandIns) => world.elb.setLatency(600_000)],
  ])('a stalled %s: the run gives up within the time Lambda gave it, ends in error and removes nothing', (_, stall) =>
    inWorld(async (world) => {
      await withPendingRemovals(world, NODES.slice(0, 2), 2);
      const before = world.stateObject();
      stall(world);

      // Without bounded calls this run would hang for ten minutes, far past the runner's limit.
      const run = await runSync(world.env(), { remainingMs: 5_000 });
      expect(run.ok).toBe(false);
      expect(world.registeredIps()).toEqual(NODES);
      expect(world.stateObject()).toEqual(before);
    }),
  );

  it.concurrent('one stalled ELBv2 call: it times out on its own and the retry gets the run through', () =>
    inWorld(async (world) => {
      world.elb.fail('Stall', { times: 1, operation: 'DescribeTargetHealth' });
      // A call bounded only by the run's deadline would use up the whole of it and fail the run.
      await syncOk(world, {}, { remainingMs: 20_000 });
      expect(world.registeredIps()).toEqual(NODES);
    }),
  );

  it.concurrent('S3 read failure then recovery: the counters survive, and removal happens on time', () =>
    inWorld(async (world) => {
      const gone = NODES.slice(0, 2);
      await withPendingRemovals(world, gone, 2);
      world.s3.fail('InternalError', { operation: 'GetObject' });
      expect((await runSync(world.env())).ok).toBe(false);

      world.s3.clearFaults();
      await syncOk(world);
      expect(world.registeredIps()).toEqual(NODES.slice(2));
    }),
  );

  it.concurrent("a 412 on write (another run wrote first): re-reads and recomputes, keeping the other run's counters", () =>
    inWorld(async (world) => {
      const gone = NODES[0];
      await syncOk(world);
      world.dns.setAddresses(NODES.slice(1));
      // The other run saw the same absence and counted it, between this run's read and its write.
      world.s3.beforeNextPut(() =>
        world.s3.putObject(SCENARIO.bucket, KEY, JSON.stringify({ version: 1, missing: { [gone]: 1 }, active: NODES.slice(1) })),
      );
      const writesBefore = world.s3.requests.length;

      const run = await syncOk(world);
      const writes = world.s3.requests.slice(writesBefore).filter((request) => request.operation === 'PutObject');
      expect(writes.map((request) => request.status)).toEqual([412, 200]);
      expect(world.state().missing).toEqual({ [onListener(gone)]: 2 });
      expect(summaryOf(run).writeConflicts).toBe(1);
      expect(world.registeredIps()).toEqual(NODES);
    }),
  );

  it.concurrent('a 409 ConditionalRequestConflict on write: re-reads and writes once the race is over', () =>
    inWorld(async (world) => {
      await syncOk(world);
      world.dns.setAddresses(NODES.slice(1));
      world.s3.fail('ConditionalRequestConflict', { operation: 'PutObject', times: 1 });

      await syncOk(world);
      expect(world.state().missing).toEqual({ [onListener(NODES[0])]: 1 });
    }),
  );

  it.concurrent('two overlapping runs started together: both end consistent, no counter update lost, no double deregistration', () =>
    inWorld(async (world) => {
      const [due, fresh] = [NODES[0], NODES[1]];
      await withPendingRemovals(world, [due], 2);
      world.dns.setAddresses(NODES.slice(2));
      // Neither run sees the state until both have asked for it: both decide from the same state and ETag.
      world.s3.gateReads(2);

      const runs = await Promise.all([runSync(world.env()), runSync(world.env())]);
      const conflicts = runs.map((run) => summaryOf(run).writeConflicts as number);
      expect(runs.map((run) => run.error)).toEqual([undefined, undefined]);
      expect(deregisteredIds(world)).toEqual([due]);
      expect(world.registeredIps()).toEqual(NODES.slice(1));
      // Both runs saw the fresh absence, so both counts stand.
      expect(world.state().missing[onListener(fresh)]).toBe(2);
      expect(world.s3.keys(SCENARIO.bucket)).toEqual([KEY]);
      expect(conflicts.reduce((sum, n) => sum + n, 0)).toBeGreaterThan(0);
    }),
  );
});
