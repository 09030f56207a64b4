/**
 * The deployed bundle through an ALB's life: first run, scale-out, scale-in through the grace period, an IP
 * that comes back, SAME_VPC=false, two ports on one bucket, and what each run reports.
 * Each invocation is a fresh Node process talking real DNS, S3 and ELBv2 protocols to stand-ins on 127.0.0.1.
 */
import { nodeAddresses } from '../bench/dns-model';
import { compareIps } from '../lambda/ip';
import { targetKey } from '../lambda/state-codec';
import { SCENARIO, startStandIns, stateKeyOf, summaryOf, syncOk, type StandIns } from './support/run-sync';

const TG = SCENARIO.targetGroupArn;
const KEY = stateKeyOf(TG);
const NODES = nodeAddresses(40);

const sortedIps = (ips: readonly string[]): string[] => [...ips].sort(compareIps);
/** The state's key of the IP's target on ALB_LISTENER. */
const onListener = (ip: string): string => targetKey(ip, SCENARIO.listenerPort);

describe('the sync bundle over an ALB lifecycle', () => {
  let world: StandIns;
  beforeEach(async () => {
    world = await startStandIns({ addresses: NODES });
  });
  afterEach(() => world.stop());

  it('first run with 40 IPs: registers every one with port ALB_LISTENER and creates the state with If-None-Match', async () => {
    const run = await syncOk(world);

    expect(world.elb.targets(TG)).toEqual(NODES.map((ip) => expect.objectContaining({ ip, port: SCENARIO.listenerPort })));
    const [registration, ...more] = world.elbCalls('RegisterTargets');
    expect(more).toEqual([]);
    expect(registration.targets).toEqual(NODES.map((id) => ({ id, port: SCENARIO.listenerPort })));
    expect(world.elbCalls('DeregisterTargets')).toEqual([]);

    const puts = world.s3.requests.filter((request) => request.operation === 'PutObject');
    expect(puts).toEqual([expect.objectContaining({ key: KEY, status: 200, ifNoneMatch: '*', ifMatch: undefined })]);
    expect(world.state()).toEqual({ version: 2, writer: expect.any(String), missing: {}, active: NODES });

    const summary = summaryOf(run);
    expect(summary).toMatchObject({ discoveryClean: true, queries: world.dns.queries.length, deregistered: [], pending: {} });
    expect(sortedIps(summary.ipsFound)).toEqual(NODES);
    expect(sortedIps(summary.registered)).toEqual(NODES);
  });

  it('scale-out: the next run registers exactly the new IPs and writes the state against the ETag it read', async () => {
    await syncOk(world);
    const { etag } = world.s3.getObject(SCENARIO.bucket, KEY)!;
    const added = nodeAddresses(48).slice(40);
    world.dns.setAddresses([...NODES, ...added]);

    const run = await syncOk(world);

    expect(world.elbCalls('RegisterTargets')[1].targets.map((target) => target.id)).toEqual(added);
    expect(world.registeredIps()).toEqual([...NODES, ...added]);
    expect(world.s3.requests.at(-1)).toMatchObject({ operation: 'PutObject', ifMatch: etag, status: 200 });
    expect(sortedIps(summaryOf(run).registered)).toEqual(added);
  });

  it('scale-in: a vanished IP stays registered for two runs and goes on the third, with the AZ DescribeTargetHealth reported', async () => {
    // One IP registered long ago in another zone: deregistering it with another zone would silently remove nothing.
    // (Targets on another port: integration-targets-state.test.ts.)
    world.elb.addTargets(
      TG,
      NODES.slice(1).map((ip) => ({ ip, port: SCENARIO.listenerPort, availabilityZone: 'us-east-1a' })),
    );
    world.elb.addTargets(TG, [{ ip: NODES[0], port: SCENARIO.listenerPort, availabilityZone: 'us-east-1c' }]);
    await syncOk(world);
    const gone = [NODES[0], NODES[1]];
    world.dns.setAddresses(NODES.slice(2));

    for (const count of [1, 2]) {
      const run = await syncOk(world);
      expect(world.registeredIps()).toEqual(NODES);
      expect(world.state().missing).toEqual({ [onListener(gone[0])]: count, [onListener(gone[1])]: count });
      expect(summaryOf(run).pending).toEqual({ [onListener(gone[0])]: count, [onListener(gone[1])]: count });
    }
    expect(world.elbCalls('DeregisterTargets')).toEqual([]);

    const run = await syncOk(world);
    expect(world.elbCalls('DeregisterTargets').flatMap((request) => request.targets)).toEqual(
      expect.arrayContaining([
        { id: gone[0], port: SCENARIO.listenerPort, availabilityZone: 'us-east-1c' },
        { id: gone[1], port: SCENARIO.listenerPort, availabilityZone: 'us-east-1a' },
      ]),
    );
    expect(world.registeredIps()).toEqual(NODES.slice(2));
    expect(world.state().active).toEqual(NODES.slice(2));
    expect(sortedIps(summaryOf(run).deregistered.map((target: { ip: string }) => target.ip))).toEqual(gone);

    // Once the target group no longer lists them, their counters are dropped and nothing is removed twice.
    await syncOk(world);
    expect(world.state()).toMatchObject({ version: 2, missing: {}, active: NODES.slice(2) });
    expect(world.elbCalls('DeregisterTargets')).toHaveLength(1);
  });

  it('an IP that reappears has its counter cleared: its next absence starts again from one', async () => {
    const flapping = NODES[7];
    const without = NODES.filter((ip) => ip !== flapping);
    await syncOk(world);
    world.dns.setAddresses(without);
    await syncOk(world);
    await syncOk(world);
    expect(world.state().missing).toEqual({ [onListener(flapping)]: 2 });

    world.dns.setAddresses(NODES);
    await syncOk(world);
    expect(world.state().missing).toEqual({});

    world.dns.setAddresses(without);
    await syncOk(world);
    expect(world.state().missing).toEqual({ [onListener(flapping)]: 1 });
    expect(world.registeredIps()).toContain(flapping);
    expect(world.elbCalls('DeregisterTargets')).toEqual([]);
  });

  it('SAME_VPC=false registers with AvailabilityZone "all" and deregisters the same way', async () => {
    const env = { SAME_VPC: 'false', INVOCATIONS_BEFORE_DEREGISTRATION: '1' };
    await syncOk(world, env);
    expect(world.elbCalls('RegisterTargets')[0].targets).toEqual(
      NODES.map((id) => ({ id, port: SCENARIO.listenerPort, availabilityZone: 'all' })),
    );
    expect(world.elb.targets(TG).every((target) => target.availabilityZone === 'all')).toBe(true);

    world.dns.setAddresses(NODES.slice(1));
    await syncOk(world, env);
    expect(world.elbCalls('DeregisterTargets').map((request) => request.targets)).toEqual([
      [{ id: NODES[0], port: SCENARIO.listenerPort, availabilityZone: 'all' }],
    ]);
    expect(world.registeredIps()).toEqual(NODES.slice(1));
  });

  it('an ALB with fewer than 8 nodes: its first, short answer is the whole set, and one query is all it costs', async () => {
    world.dns.setAddresses(NODES.slice(0, 5));
    const run = await syncOk(world);
    expect(world.dns.queries).toHaveLength(1);
    expect(summaryOf(run)).toMatchObject({ queries: 1, discoveryClean: true });
    expect(world.registeredIps()).toEqual(NODES.slice(0, 5));
  });

  it(
    'MAX_LOOKUP_PER_INVOCATION caps the queries; a run cut short ' + 'is not clean, so it registers what it saw and removes nothing',
    async () => {
      await syncOk(world);
      const queriesBefore = world.dns.queries.length;
      world.dns.setAddresses([...NODES.slice(1), ...nodeAddresses(100).slice(40)]);

      const run = await syncOk(world, { MAX_LOOKUP_PER_INVOCATION: '3' });
      expect(world.dns.queries.length - queriesBefore).toBe(3);
      expect(summaryOf(run)).toMatchObject({ queries: 3, discoveryClean: false, deregistered: [] });
      expect(world.registeredIps()).toEqual(expect.arrayContaining(NODES));
      expect(world.registeredIps().length).toBeGreaterThan(NODES.length);
      expect(world.state().missing).toEqual({});
    },
  );

  it('registers only private IPv4 addresses, the ones ELBv2 accepts as ip targets', async () => {
    const privateOnes = ['10.1.0.1', '100.64.0.9', '172.16.5.5', '192.168.1.1'];
    world.dns.setAddresses([...privateOnes, '52.95.110.1', '172.32.0.1']);
    const run = await syncOk(world);
    expect(world.registeredIps()).toEqual(privateOnes);
    expect(sortedIps(summaryOf(run).ipsFound)).toEqual(privateOnes);
  });

  it('the summary line carries the figures and EMF metrics under a namespace of the project, not AWS/', async () => {
    const run = await syncOk(world);
    const summary = summaryOf(run);
    expect(typeof summary.durationMs).toBe('number');
    expect(summary).toMatchObject({ queries: world.dns.queries.length, dnsFailures: 0, capHits: 0, discoveryClean: true });

    const [directive, ...others] = summary._aws.CloudWatchMetrics;
    expect(others).toEqual([]);
    expect(directive.Namespace).toMatch(/^(?!AWS\/)\S+$/);
    const metrics = Object.fromEntries(directive.Metrics.map(({ Name }: { Name: string }) => [Name, summary[Name]]));
    expect(metrics).toEqual({ IPCount: 40, Registered: 40, RegistrationFailures: 0, Deregistered: 0, DnsFailures: 0, DiscoveryClean: 1 });
    for (const dimensions of directive.Dimensions) for (const dimension of dimensions) expect(typeof summary[dimension]).toBe('string');

    const quiet = summaryOf(await syncOk(world, { CW_METRIC_FLAG_IP_COUNT: 'false' }));
    expect(quiet._aws.CloudWatchMetrics[0].Metrics.map(({ Name }: { Name: string }) => Name)).not.toContain('IPCount');
    expect(quiet).toMatchObject({ Registered: 0, Deregistered: 0 });
  });
});

describe('two ports sharing one bucket', () => {
  const PORT_80_TG = 'arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/static-ip-80/fedcba9876543210';
  const port80 = { NLB_TG_ARN: PORT_80_TG, ALB_LISTENER: '80' };
  let world: StandIns;
  beforeEach(async () => {
    world = await startStandIns({ addresses: NODES, targetGroups: { [TG]: 443, [PORT_80_TG]: 80 } });
  });
  afterEach(() => world.stop());

  const keysTouchedBy = async (overrides?: Record<string, string>) => {
    const before = world.s3.requests.length;
    await syncOk(world, overrides);
    return [...new Set(world.s3.requests.slice(before).map((request) => request.key))];
  };

  it("keep separate state objects under keys derived from their target group ARNs, and never touch each other's", async () => {
    expect(await keysTouchedBy()).toEqual([KEY]);
    // The second port starts from nothing even though the first one's state is in the same bucket.
    expect(await keysTouchedBy(port80)).toEqual([stateKeyOf(PORT_80_TG)]);
    expect(world.s3.requests.at(-1)).toMatchObject({ operation: 'PutObject', ifNoneMatch: '*' });
    expect(world.s3.keys(SCENARIO.bucket)).toEqual([KEY, stateKeyOf(PORT_80_TG)].sort());

    world.dns.setAddresses(NODES.slice(1));
    const port443Before = world.s3.getObject(SCENARIO.bucket, KEY);
    expect(await keysTouchedBy(port80)).toEqual([stateKeyOf(PORT_80_TG)]);
    expect(world.state(stateKeyOf(PORT_80_TG)).missing).toEqual({ [targetKey(NODES[0], 80)]: 1 });
    expect(world.s3.getObject(SCENARIO.bucket, KEY)).toEqual(port443Before);

    expect(world.elb.targets(TG).every((target) => target.port === 443)).toBe(true);
    expect(world.elb.targets(PORT_80_TG).every((target) => target.port === 80)).toBe(true);
    expect([world.registeredIps(), world.registeredIps(PORT_80_TG)]).toEqual([NODES, NODES]);
  });
});
