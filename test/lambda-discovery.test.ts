import { compareDiscoveries } from '../lambda/discovery';
import { interfaceDiscovery } from '../lambda/interfaces';
import { ALB, OURS, complete, eni } from './fixtures/interfaces';

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
