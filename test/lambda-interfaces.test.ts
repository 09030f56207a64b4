import {
  interfaceDescription,
  interfaceDiscovery,
  listInterfaces,
  INTERFACE_LISTING,
  type ListedInterface,
  type ListInterfacesPage,
} from '../lambda/interfaces';
import { ALB, OURS, complete, eni } from './fixtures/interfaces';

describe('interfaceDescription', () => {
  test("is ELB and the ARN's app/<name>/<id>", () => {
    expect(interfaceDescription(ALB)).toBe(OURS);
    expect(interfaceDescription(ALB.replace('eu-west-1', 'ap-southeast-10'))).toBe(OURS);
  });

  test.each([
    'arn:aws:elasticloadbalancing:eu-west-1:123456789012:loadbalancer/net/web/0123456789abcdef',
    'arn:aws:elasticloadbalancing:eu-west-1:123456789012:loadbalancer/app/web*/0123456789abcdef',
    'arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/web/0123456789abcdef',
  ])('refuses %s: no wildcard or other kind can reach the filter', (arn) => {
    expect(() => interfaceDescription(arn)).toThrow(/not an ALB ARN/);
  });
});

describe('interfaceDiscovery', () => {
  test('a complete listing of the ALB in one VPC is clean, IPv6 reported as ignored', () => {
    const run = interfaceDiscovery(ALB, OURS, complete([eni('10.0.2.1'), { ...eni('10.0.1.1'), ipv6: ['2001:db8::1'] }]));
    expect(run).toEqual({
      discovery: expect.objectContaining({
        source: 'interfaces',
        ips: ['10.0.1.1', '10.0.2.1'],
        ignored: ['2001:db8::1'],
        clean: true,
        uncleanReasons: [],
      }),
    });
  });

  test('an interface not of this ALB in the answer (the filter did not hold) is never a node, and makes the discovery unclean', () => {
    const run = interfaceDiscovery(
      ALB,
      OURS,
      complete([eni('10.0.1.1'), eni('10.0.1.2', 'ELB app/web-2/0123456789abcdef'), eni('10.0.1.3', 'ELB net/web/0123456789abcdef')]),
    );
    expect(run.discovery.ips).toEqual(['10.0.1.1']);
    expect(run.discovery.clean).toBe(false);
    expect(run.discovery.uncleanReasons[0]).toMatch(
      /^2 interfaces not of this ALB in the answer \(eni-10.0.1.2 "ELB app\/web-2\/0123456789abcdef", eni-10.0.1.3 "ELB net\/web/,
    );
  });

  test('the ALB in two VPCs is a failure naming them, with no node', () => {
    const run = interfaceDiscovery(ALB, OURS, complete([eni('10.0.1.1'), eni('10.1.1.1', OURS, 'vpc-2')]));
    expect(run.discovery).toMatchObject({ ips: [], clean: false });
    expect(run.error).toMatch(/in 2 VPCs \(vpc-1, vpc-2\)/);
  });

  test('an empty complete listing fails closed, saying why', () => {
    expect(interfaceDiscovery(ALB, OURS, complete([])).error).toMatch(
      /no network interface is described "ELB app\/web\/0123456789abcdef": the ALB does not exist, or it is in another account/,
    );
  });
});

describe('listInterfaces', () => {
  const pages = (answers: ({ interfaces: ListedInterface[]; nextToken?: string } | Error)[]): ListInterfacesPage => {
    let n = 0;
    return async () => {
      const answer = answers[Math.min(n++, answers.length - 1)];
      if (answer instanceof Error) throw answer;
      return answer;
    };
  };

  test('follows every page token', async () => {
    const listing = await listInterfaces(
      OURS,
      pages([{ interfaces: [eni('10.0.0.1')], nextToken: 'a' }, { interfaces: [eni('10.0.0.2')] }]),
    );
    expect(listing).toEqual({ interfaces: [eni('10.0.0.1'), eni('10.0.0.2')], calls: 2, complete: true });
  });

  test('a token that comes back, or pages without end, leave it incomplete rather than looping', async () => {
    expect(await listInterfaces(OURS, pages([{ interfaces: [], nextToken: 'a' }]))).toMatchObject({
      complete: false,
      calls: 2,
      error: 'page token a came back twice',
    });
    let token = 0;
    const endless: ListInterfacesPage = async () => ({ interfaces: [], nextToken: `t${token++}` });
    expect(await listInterfaces(OURS, endless)).toMatchObject({ complete: false, calls: INTERFACE_LISTING.maxPages });
  });

  test('an access denial names the permission', async () => {
    const denied = Object.assign(new Error('You are not authorized to perform this operation.'), { name: 'UnauthorizedOperation' });
    expect(await listInterfaces(OURS, pages([denied]))).toMatchObject({
      complete: false,
      error: expect.stringMatching(/^access denied: ec2:DescribeNetworkInterfaces is not allowed/),
    });
  });
});
