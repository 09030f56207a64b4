/**
 * The deployed bundle discovering an ALB from its network interfaces (DISCOVERY=interfaces and both), against the
 * EC2 and STS stand-ins: paging, throttling, other load balancers and other VPCs in the answer, a page lost, an
 * access denial, a role in another account, and nodes whose interface and DNS records come and go apart.
 */
import { nodeAddresses } from '../bench/dns-model';
import { ASSUMED_CREDENTIALS, elbInterfaces, NEXT_PAGE } from './support/ec2-server';
import { FAKE_CREDENTIALS, runSync, SCENARIO, startStandIns, summaryOf, syncOk, type StandIns } from './support/run-sync';

const INTERFACES = { DISCOVERY: 'interfaces', ALB_ARN: SCENARIO.albArn } as const;
const BOTH = { DISCOVERY: 'both', ALB_ARN: SCENARIO.albArn } as const;
const DESCRIPTION = `ELB ${SCENARIO.albInterfaceName}`;
const ROLE = 'arn:aws:iam::210987654321:role/alb-static-ip-discovery';

const deregisteredIds = (world: StandIns): string[] =>
  world.elbCalls('DeregisterTargets').flatMap((request) => request.targets.map((target) => target.id));
const listings = (world: StandIns) => world.ec2.requests.filter((request) => request.action === 'DescribeNetworkInterfaces');

describe('the sync bundle discovering from network interfaces', () => {
  let world: StandIns;
  afterEach(() => world.stop());

  it(
    'lists the exact description, registers every interface address without a DNS query, and removes ' +
      'a node in the first run after its interface went (the default grace: one complete listing)',
    async () => {
      const nodes = nodeAddresses(12);
      world = await startStandIns({ addresses: nodes });
      const first = summaryOf(await syncOk(world, INTERFACES));
      expect(first).toMatchObject({ discoverySource: 'interfaces', discoveryClean: true, ipsFound: nodes, queries: 1 });
      expect(world.registeredIps()).toEqual(nodes);
      expect(world.dns.queries).toEqual([]);
      expect(listings(world).map((request) => request.filters)).toEqual([{ description: [DESCRIPTION] }]);

      world.ec2.setInterfaces(elbInterfaces(SCENARIO.albInterfaceName, nodes.slice(1)));
      const next = summaryOf(await syncOk(world, INTERFACES));
      expect(next.deregistered).toEqual([expect.objectContaining({ ip: nodes[0], port: SCENARIO.listenerPort })]);
      expect(world.registeredIps()).toEqual(nodes.slice(1));
    },
  );

  it('reads every page: 25 interfaces on pages of 4 take 7 calls, and all are registered', async () => {
    const nodes = nodeAddresses(25);
    world = await startStandIns({ addresses: nodes });
    world.ec2.setPageSize(4);
    const summary = summaryOf(await syncOk(world, INTERFACES));
    expect(summary).toMatchObject({ discoveryClean: true, queries: 7 });
    expect(world.registeredIps()).toEqual(nodes);
    expect(listings(world).map((request) => request.nextToken)).toEqual([
      undefined,
      'page-4',
      'page-8',
      'page-12',
      'page-16',
      'page-20',
      'page-24',
    ]);
  });

  it('never takes the interfaces of web-2, of a Network Load Balancer named web, or of nothing', async () => {
    const nodes = nodeAddresses(6);
    const others = nodeAddresses(30).slice(20);
    world = await startStandIns({
      addresses: nodes,
      interfaces: [
        ...elbInterfaces(SCENARIO.albInterfaceName, nodes),
        ...elbInterfaces('app/web-2/0123456789abcdef', others.slice(0, 3)),
        ...elbInterfaces('net/web/0123456789abcdef', others.slice(3, 6)),
        ...elbInterfaces('app/web/0123456789abcdee', others.slice(6, 8)),
      ],
    });
    const summary = summaryOf(await syncOk(world, INTERFACES));
    expect(summary).toMatchObject({ discoveryClean: true, ipsFound: nodes });
    expect(world.registeredIps()).toEqual(nodes);
  });

  it('interfaces of the ALB in two VPCs fail the run closed, naming both, and remove nothing', async () => {
    const nodes = nodeAddresses(6);
    world = await startStandIns({ addresses: nodes });
    await syncOk(world, INTERFACES);
    world.ec2.setInterfaces([
      ...elbInterfaces(SCENARIO.albInterfaceName, nodes.slice(2)),
      ...elbInterfaces(SCENARIO.albInterfaceName, ['10.9.0.1'], 'vpc-0ffee'),
    ]);
    for (let run = 0; run < 2; run++) {
      const failed = await runSync(world.env(INTERFACES));
      expect(failed.ok).toBe(false);
      expect(failed.error).toMatch(/in 2 VPCs \(vpc-0a1b2c3d, vpc-0ffee\)/);
    }
    expect(deregisteredIds(world)).toEqual([]);
    expect(world.registeredIps()).toEqual(nodes);
  });

  it('throttling (RequestLimitExceeded) is retried; throttling past the retries fails the run and removes nothing', async () => {
    const nodes = nodeAddresses(8);
    world = await startStandIns({ addresses: nodes });
    world.ec2.fail('RequestLimitExceeded', { times: 2 });
    expect(summaryOf(await syncOk(world, INTERFACES))).toMatchObject({ discoveryClean: true, ipsFound: nodes });

    world.ec2.setInterfaces(elbInterfaces(SCENARIO.albInterfaceName, nodes.slice(1)));
    world.ec2.fail('RequestLimitExceeded');
    const throttled = await runSync(world.env(INTERFACES));
    expect(throttled.ok).toBe(false);
    expect(throttled.error).toMatch(/DescribeNetworkInterfaces failed: RequestLimitExceeded/);
    expect(summaryOf(throttled)).toMatchObject({ discoveryClean: false, DiscoveryClean: 0 });
    expect(deregisteredIds(world)).toEqual([]);
  });

  it('a page lost mid-listing fails the run, registers what the first page held and removes nothing', async () => {
    const nodes = nodeAddresses(10);
    world = await startStandIns({ addresses: nodes });
    world.ec2.setInterfaces(elbInterfaces(SCENARIO.albInterfaceName, nodes.slice(0, 9)));
    await syncOk(world, INTERFACES);
    world.ec2.setInterfaces(elbInterfaces(SCENARIO.albInterfaceName, [nodes[9], ...nodes.slice(1, 9)]));
    world.ec2.setPageSize(5);
    world.ec2.fail('InternalError', { operation: NEXT_PAGE });
    const run = await runSync(world.env(INTERFACES));
    expect(run.ok).toBe(false);
    expect(run.error).toMatch(/is incomplete: the interface listing did not complete/);
    expect(summaryOf(run).discoveryUncleanReasons).toEqual([
      expect.stringMatching(/^the interface listing did not complete after 2 calls: DescribeNetworkInterfaces failed: InternalError/),
    ]);
    expect(world.registeredIps()).toEqual(nodes);
    expect(deregisteredIds(world)).toEqual([]);
  });

  it('an access denial fails the run naming ec2:DescribeNetworkInterfaces, and removes nothing', async () => {
    const nodes = nodeAddresses(4);
    world = await startStandIns({ addresses: nodes });
    await syncOk(world, INTERFACES);
    world.ec2.setInterfaces([]);
    world.ec2.fail('UnauthorizedOperation');
    const run = await runSync(world.env(INTERFACES));
    expect(run.ok).toBe(false);
    expect(run.error).toMatch(/access denied: ec2:DescribeNetworkInterfaces is not allowed \(UnauthorizedOperation/);
    expect(world.registeredIps()).toEqual(nodes);
  });

  it('an ALB with no interface fails closed, saying the ALB does not exist or is in another account', async () => {
    world = await startStandIns({ addresses: nodeAddresses(4), interfaces: [] });
    const run = await runSync(world.env(INTERFACES));
    expect(run.ok).toBe(false);
    expect(run.error).toContain(`no network interface is described "${DESCRIPTION}"`);
    expect(world.registeredIps()).toEqual([]);
  });

  it(
    'with DISCOVERY_ROLE_ARN the listing runs as that role; a role it ' +
      'may not assume fails the run, naming sts:AssumeRole and the role',
    async () => {
      const nodes = nodeAddresses(5);
      world = await startStandIns({ addresses: nodes });
      await syncOk(world, { ...INTERFACES, DISCOVERY_ROLE_ARN: ROLE });
      expect(world.sts.assumed).toEqual([ROLE]);
      expect(listings(world).map((request) => request.accessKeyId)).toEqual([ASSUMED_CREDENTIALS.accessKeyId]);
      // The target group and the state stay the function's own.
      expect(world.elbCalls('RegisterTargets').length).toBeGreaterThan(0);
      expect(world.registeredIps()).toEqual(nodes);

      world.sts.deny(ROLE);
      world.ec2.setInterfaces([]);
      const denied = await runSync(world.env({ ...INTERFACES, DISCOVERY_ROLE_ARN: ROLE }));
      expect(denied.ok).toBe(false);
      expect(denied.error).toContain(`the function's role may not sts:AssumeRole on ${ROLE}`);
      expect(listings(world).map((request) => request.accessKeyId)).toEqual([ASSUMED_CREDENTIALS.accessKeyId]);
      expect(world.registeredIps()).toEqual(nodes);
      expect(FAKE_CREDENTIALS.accessKeyId).not.toBe(ASSUMED_CREDENTIALS.accessKeyId);
    },
  );

  it('a function of 0.2 (DNS, no DISCOVERY) moved to interfaces keeps reading its state object', async () => {
    const nodes = nodeAddresses(10);
    world = await startStandIns({ addresses: nodes });
    await syncOk(world);
    // DNS stops returning a node: one clean DNS run counts it missing in the state.
    world.dns.setAddresses(nodes.slice(1));
    await syncOk(world);
    expect(world.state().missing).toEqual({ [`${nodes[0]}:${SCENARIO.listenerPort}`]: 1 });

    world.ec2.setInterfaces(elbInterfaces(SCENARIO.albInterfaceName, nodes.slice(1)));
    const summary = summaryOf(await syncOk(world, INTERFACES));
    expect(summary.deregistered.map((target: { ip: string }) => target.ip)).toEqual([nodes[0]]);
    expect(world.registeredIps()).toEqual(nodes.slice(1));
  });
});

describe('the sync bundle with DISCOVERY=both', () => {
  let world: StandIns;
  afterEach(() => world.stop());

  it('registers from the interfaces and reports what DNS has not shown and what DNS returned that is no interface', async () => {
    const nodes = nodeAddresses(6);
    world = await startStandIns({ addresses: nodes });
    // A node being added: its interface exists before DNS returns it; and an address DNS returns that no interface has.
    const stranger = '10.200.0.9';
    world.ec2.setInterfaces(elbInterfaces(SCENARIO.albInterfaceName, [...nodes, '10.0.9.9']));
    world.dns.setAddresses([...nodes, stranger]);
    const summary = summaryOf(await syncOk(world, BOTH));
    expect(summary).toMatchObject({
      discoverySource: 'interfaces',
      comparison: { dnsOnly: [stranger], interfacesOnly: ['10.0.9.9'], dnsClean: true },
      DnsOnlyAddresses: 1,
      InterfacesNotInDns: 1,
    });
    expect(summary._aws.CloudWatchMetrics[0].Metrics).toEqual(
      expect.arrayContaining([
        { Name: 'DnsOnlyAddresses', Unit: 'Count' },
        { Name: 'InterfacesNotInDns', Unit: 'Count' },
      ]),
    );
    expect(world.registeredIps()).toEqual([...nodes, '10.0.9.9']);
  });

  it(
    'a node drained from DNS stays a target while its interface lives, and ' +
      'goes in the first run after the interface vanished (the default grace)',
    async () => {
      const nodes = nodeAddresses(8);
      world = await startStandIns({ addresses: nodes });
      await syncOk(world, BOTH);
      world.dns.setAddresses(nodes.slice(1));
      for (let run = 0; run < 3; run++) {
        const summary = summaryOf(await syncOk(world, BOTH));
        expect(summary.comparison.interfacesOnly).toEqual([nodes[0]]);
      }
      expect(deregisteredIds(world)).toEqual([]);

      world.ec2.setInterfaces(elbInterfaces(SCENARIO.albInterfaceName, nodes.slice(1)));
      const gone = summaryOf(await syncOk(world, BOTH));
      expect(gone.comparison).toMatchObject({ dnsOnly: [], interfacesOnly: [] });
      expect(deregisteredIds(world)).toEqual([nodes[0]]);
    },
  );

  it('a DNS failure is reported beside the interfaces and does not fail the run', async () => {
    const nodes = nodeAddresses(4);
    world = await startStandIns({ addresses: nodes });
    world.dns.fail('nxdomain');
    const summary = summaryOf(await syncOk(world, BOTH));
    expect(summary).toMatchObject({ discoveryClean: true, comparison: { dnsClean: false, dnsOnly: [], interfacesOnly: nodes } });
    expect(world.registeredIps()).toEqual(nodes);
  });
});
