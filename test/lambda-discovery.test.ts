import { compareDiscoveries } from '../lambda/discovery';
import { interfaceDiscovery, type ListedInterface } from '../lambda/interfaces';

const ALB = 'arn:aws:elasticloadbalancing:eu-west-1:123456789012:loadbalancer/app/web/0123456789abcdef';
const OURS = 'ELB app/web/0123456789abcdef';
const eni = (ip: string, description = OURS, vpcId = 'vpc-1'): ListedInterface => ({
  id: `eni-${ip}`,
  description,
  vpcId,
  privateIps: [ip],
  ipv6: [],
});
const complete = (interfaces: ListedInterface[]) => ({ interfaces, calls: 1, complete: true });

describe('compareDiscoveries', () => {
  const discovery = (ips: string[], clean = true) => ({
    ...interfaceDiscovery(ALB, OURS, complete(ips.map((ip) => eni(ip)))).discovery,
    clean,
  });

  test('names the addresses only DNS returned and the interfaces DNS has not shown', () => {
    const dns = { discovery: { ...discovery(['10.0.0.1', '10.0.0.9']), source: 'dns' as const } };
    expect(compareDiscoveries(discovery(['10.0.0.1', '10.0.0.2']), dns)).toMatchObject({
      dnsOnly: ['10.0.0.9'],
      interfacesOnly: ['10.0.0.2'],
    });
  });

  test('an incomplete listing proves no DNS address foreign', () => {
    const dns = { discovery: { ...discovery(['10.0.0.1', '10.0.0.9']), source: 'dns' as const } };
    expect(compareDiscoveries(discovery(['10.0.0.1'], false), dns).dnsOnly).toEqual([]);
  });
});
