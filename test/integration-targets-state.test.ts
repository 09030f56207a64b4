/**
 * The deployed bundle on the edges of its writes: S3 answers lost or late after the write took effect, targets
 * registered on another port than ALB_LISTENER, RegisterTargets refusing some addresses or the target quota,
 * batches of more than 100 targets, and targets that vanished and fail their health checks.
 * Each invocation is a fresh Node process talking real DNS, S3 and ELBv2 protocols to stand-ins on 127.0.0.1.
 */
import { nodeAddresses } from '../bench/dns-model';
import { compareIps } from '../lambda/ip';
import type { Elbv2RequestRecord } from './support/elbv2-server';
import { runSync, SCENARIO, startStandIns, summaryOf, syncOk, type StandIns } from './support/run-sync';
import type { S3Fault } from './support/s3-server';

const TG = SCENARIO.targetGroupArn;
const PORT = SCENARIO.listenerPort;

const sortedIps = (ips: readonly string[]): string[] => [...ips].sort(compareIps);
const idsOf = (calls: readonly Elbv2RequestRecord[]): string[] => calls.flatMap((call) => call.targets.map((target) => target.id));
/** The PutObject requests S3 received since request number `since`: status, and the fault each met. */
const putsSince = (world: StandIns, since: number) =>
  world.s3.requests.slice(since).flatMap((request) => (request.operation === 'PutObject' ? [[request.status, request.fault]] : []));

describe('the sync bundle when S3 carries out a state write but its answer is lost', () => {
  const NODES = nodeAddresses(10);
  const gone = NODES[0];
  let world: StandIns;
  beforeEach(async () => {
    world = await startStandIns({ addresses: NODES });
    await syncOk(world);
    world.dns.setAddresses(NODES.slice(1));
  });
  afterEach(() => world.stop());

  /** One run in which S3 applies the state write but `fault` keeps its answer from the function. */
  async function runLosingTheAnswer(fault: S3Fault) {
    world.s3.fail(fault, { operation: 'PutObject', times: 1 });
    const since = world.s3.requests.length;
    const run = await syncOk(world);
    return { summary: summaryOf(run), puts: putsSince(world, since) };
  }

  it(
    'the answer lost on every absent run: each run counts the ' + 'absence once, and the IP goes on its third absence, not before',
    async () => {
      for (const absence of [1, 2, 3]) {
        const { summary, puts } = await runLosingTheAnswer('AnswerLost');
        // The counter says how many clean runs saw the IP absent: one per run, though the SDK sent each write twice.
        expect(Object.values(summary.pending)).toEqual([absence]);
        expect(world.registeredIps().includes(gone)).toBe(absence < 3);
        // The write took effect, the SDK sent it again, and the retry met the run's own write.
        expect(puts).toEqual([
          [200, 'AnswerLost'],
          [412, undefined],
        ]);
        expect(summary).toMatchObject({ stateWritten: true, writeConflicts: 0 });
      }
      expect(idsOf(world.elbCalls('DeregisterTargets'))).toEqual([gone]);
    },
  );

  it("the answer held back past the client's timeout: the run recognises its own write and counts once", async () => {
    const { summary, puts } = await runLosingTheAnswer('AnswerLate');
    expect(Object.values(summary.pending)).toEqual([1]);
    expect(puts).toEqual([
      [200, 'AnswerLate'],
      [412, undefined],
    ]);
    expect(summary).toMatchObject({ stateWritten: true, writeConflicts: 0 });
  });
});

describe('the sync bundle with targets on another port than ALB_LISTENER', () => {
  const NODES = nodeAddresses(4);
  const OLD_PORT = 8443;
  let world: StandIns;
  beforeEach(async () => {
    world = await startStandIns({ addresses: NODES });
  });
  afterEach(() => world.stop());

  const onPort = (port: number): string[] =>
    world.elb
      .targets(TG)
      .filter((target) => target.port === port)
      .map((target) => target.ip);

  it(
    "registers every node on the new port at once; the old port's targets " +
      'leave after the grace period, the last one only once a new one is healthy',
    async () => {
      // An earlier deployment registered the nodes, healthy, on the listener port the ALB had then.
      world.elb.addTargets(
        TG,
        NODES.map((ip) => ({ ip, port: OLD_PORT, availabilityZone: 'us-east-1b' })),
      );

      const first = summaryOf(await syncOk(world));
      expect(sortedIps(first.registered)).toEqual(NODES);
      expect(onPort(PORT)).toEqual(NODES);

      await syncOk(world);
      expect(world.elbCalls('DeregisterTargets')).toEqual([]);

      // Third run: the old-port targets are due. The new ones are still `initial`, so one old one keeps serving.
      const third = summaryOf(await syncOk(world));
      expect(third.deregistered).toHaveLength(NODES.length - 1);
      expect(
        third.deregistered.every(
          (target: { port: number; availabilityZone: string }) => target.port === OLD_PORT && target.availabilityZone === 'us-east-1b',
        ),
      ).toBe(true);
      const [kept] = onPort(OLD_PORT);
      expect(third.heldBack).toContainEqual({ kind: 'last-target', kept: `${kept}:${OLD_PORT}` });
      expect(onPort(PORT)).toEqual(NODES);

      world.elb.setHealth(TG, NODES[2], 'healthy', PORT);
      const last = summaryOf(await syncOk(world));
      expect(last.deregistered).toEqual([{ ip: kept, port: OLD_PORT, availabilityZone: 'us-east-1b' }]);
      expect(world.elb.targets(TG).map((target) => `${target.ip}:${target.port}`)).toEqual(NODES.map((ip) => `${ip}:${PORT}`));
    },
  );
});

describe('the sync bundle when RegisterTargets fails', () => {
  const NODES = nodeAddresses(8);
  const ARRIVED = nodeAddresses(11).slice(8);
  const QUICK = { INVOCATIONS_BEFORE_DEREGISTRATION: '1' };
  let world: StandIns;
  beforeEach(async () => {
    world = await startStandIns({ addresses: NODES });
    await syncOk(world, QUICK);
    // One node left and three arrived: one registration and one removal are due in the next run.
    world.dns.setAddresses([...NODES.slice(1), ...ARRIVED]);
  });
  afterEach(() => world.stop());

  it(
    'an address the API rejects: the others are registered, the removal ' + 'and the state write still happen, and the run fails naming it',
    async () => {
      const [good, bad, alsoGood] = ARRIVED;
      world.elb.rejectTargets([bad]);

      const run = await runSync(world.env(QUICK));
      expect(run.ok).toBe(false);
      expect(run.error).toContain(bad);
      const summary = summaryOf(run);
      expect(world.registeredIps()).toEqual([...NODES.slice(1), good, alsoGood]);
      expect(summary.registered).toEqual([good, alsoGood]);
      expect(idsOf(world.elbCalls('DeregisterTargets'))).toEqual([NODES[0]]);
      expect(summary.stateWritten).toBe(true);
      expect(world.state().active).toEqual([...NODES.slice(1), ...ARRIVED]);
      expect(summary.registrationFailures).toEqual([{ ips: [bad], reason: expect.stringMatching(/^InvalidTarget/) }]);
      expect(summary).toMatchObject({ level: 'ERROR', RegistrationFailures: 1, Registered: 2, Deregistered: 1 });
      expect(summary._aws.CloudWatchMetrics[0].Metrics).toContainEqual({ Name: 'RegistrationFailures', Unit: 'Count' });
    },
  );

  it('the target quota reached: stale targets still leave, which makes room, and the next run registers the new ones', async () => {
    world.elb.setTargetLimit(NODES.length);

    const full = await runSync(world.env(QUICK));
    expect(full.ok).toBe(false);
    expect(full.error).toMatch(/TooManyTargets/);
    expect(summaryOf(full)).toMatchObject({ stateWritten: true, RegistrationFailures: ARRIVED.length, Registered: 0, Deregistered: 1 });
    expect(world.registeredIps()).toEqual(NODES.slice(1));

    world.elb.setTargetLimit(NODES.length + 2);
    const next = summaryOf(await syncOk(world, QUICK));
    expect(next.registered).toEqual(ARRIVED);
    expect(world.registeredIps()).toEqual([...NODES.slice(1), ...ARRIVED]);
  });
});

describe('the sync bundle with many targets', () => {
  let world: StandIns;
  afterEach(() => world.stop());

  it('registers and deregisters in batches of at most 100 targets', async () => {
    const nodes = nodeAddresses(250);
    world = await startStandIns({ addresses: nodes });
    const env = { MAX_LOOKUP_PER_INVOCATION: '1000', INVOCATIONS_BEFORE_DEREGISTRATION: '1', MAX_DEREGISTRATION_PERCENT: '100' };

    await syncOk(world, env);
    const registered = world.registeredIps().length;
    expect(registered).toBeGreaterThan(200);
    expect(world.elbCalls('RegisterTargets').map((call) => call.targets.length)).toEqual(batchesOf(registered));

    world.dns.setAddresses(nodes.slice(0, 10));
    await syncOk(world, env);
    expect(world.registeredIps()).toEqual(nodes.slice(0, 10));
    expect(world.elbCalls('DeregisterTargets').map((call) => call.targets.length)).toEqual(batchesOf(registered - 10));
  });
});

describe('the sync bundle when vanished targets fail their health checks', () => {
  const NODES = nodeAddresses(40);
  let world: StandIns;
  beforeEach(async () => {
    world = await startStandIns({ addresses: NODES });
  });
  afterEach(() => world.stop());

  it('vanished unhealthy targets leave together, beyond the cap, which still holds back vanished targets that pass them', async () => {
    await syncOk(world);
    NODES.forEach((ip) => world.elb.setHealth(TG, ip, 'healthy'));
    // 36 of 40 vanish: 12 of them fail their health checks (no traffic), 24 still pass them.
    const [dead, passing, alive] = [NODES.slice(0, 12), NODES.slice(12, 36), NODES.slice(36)];
    world.dns.setAddresses(alive);
    dead.forEach((ip) => world.elb.setHealth(TG, ip, 'unhealthy'));
    await syncOk(world);
    await syncOk(world);
    expect(world.elbCalls('DeregisterTargets')).toEqual([]);

    const summary = summaryOf(await syncOk(world));
    const removed: string[] = summary.deregistered.map((target: { ip: string }) => target.ip);
    // The cap (50% of 40) limits only the 24 that pass their health checks: 20 of them go, with all 12 dead ones.
    expect(removed).toHaveLength(12 + 20);
    expect(removed).toEqual(expect.arrayContaining(dead));
    expect(removed.filter((ip) => passing.includes(ip))).toHaveLength(20);
    expect(summary.heldBack).toEqual([{ kind: 'cap', kept: expect.any(Array) }]);
    expect(summary.heldBack[0].kept).toHaveLength(4);
    expect(world.registeredIps()).toEqual(expect.arrayContaining(alive));
  });
});

/** The sizes of the calls that send `count` targets 100 at a time. */
function batchesOf(count: number): number[] {
  return Array.from({ length: Math.ceil(count / 100) }, (_, i) => Math.min(100, count - i * 100));
}
