import type { EnvironmentConfig } from '../config/types';
import { resolveEnvironments } from '../config/validate';
import { CHANGES, DEPLOYED } from './fixtures/deployed-changes';
import { resourcesOf, synthesize, type Resource, type TerraformJson } from './support/synth';

/**
 * The fast tier's share of what the terraform tier proves against a deployed state: the resources that hold the
 * static IPs keep their Terraform addresses, and every argument whose change makes Terraform replace them, across
 * the changes a maintainer makes. A changed address or one of those arguments would destroy a published IP.
 */

/** Arguments of each address-bearing resource that force a replacement (hashicorp/aws), and its protection. */
const REPLACEMENT_ARGUMENTS = {
  aws_eip: ['address', 'customer_owned_ipv4_pool', 'domain', 'ipam_pool_id', 'network_border_group', 'public_ipv4_pool', 'lifecycle'],
  aws_lb: ['name', 'name_prefix', 'internal', 'load_balancer_type', 'customer_owned_ipv4_pool', 'lifecycle'],
  aws_globalaccelerator_accelerator: ['ip_addresses', 'lifecycle'],
} as const;
type AddressHolder = keyof typeof REPLACEMENT_ARGUMENTS;

/** The accelerator too: every address holder is in the deployed stack. */
const withAccelerator = (config: EnvironmentConfig): EnvironmentConfig => ({ ...config, frontDoors: { globalAccelerator: {} } });
const synth = (config: EnvironmentConfig): TerraformJson => synthesize([withAccelerator(config)]).get(config.name)!.json;

/** Each address holder by Terraform address, with its replacement-forcing arguments. */
function addressHolders(json: TerraformJson): Record<string, Resource> {
  return Object.fromEntries(
    (Object.keys(REPLACEMENT_ARGUMENTS) as AddressHolder[]).flatMap((type) =>
      Object.entries(resourcesOf(json, type))
        .filter(([, resource]) => type !== 'aws_lb' || resource.load_balancer_type === 'network')
        .map(([name, resource]) => [
          `${type}.${name}`,
          Object.fromEntries(REPLACEMENT_ARGUMENTS[type].map((argument) => [argument, resource[argument]])),
        ]),
    ),
  );
}

/** The Elastic IP each NLB subnet mapping attaches, by subnet mapping: moving one detaches a published IP. */
function attachedAddresses(json: TerraformJson): string[] {
  const [nlb] = Object.values(resourcesOf(json, 'aws_lb')).filter((lb) => lb.load_balancer_type === 'network');
  return (nlb.subnet_mapping as { allocation_id: string }[]).map((mapping) => mapping.allocation_id).sort();
}

/** The NLB's listeners: Terraform address and the load balancer it listens on, by port. */
function nlbListeners(json: TerraformJson): Map<number, { address: string; loadBalancer: string }> {
  const [nlb] = Object.entries(resourcesOf(json, 'aws_lb')).filter(([, lb]) => lb.load_balancer_type === 'network');
  return new Map(
    Object.entries(resourcesOf(json, 'aws_lb_listener'))
      .filter(([, listener]) => listener.load_balancer_arn === `\${aws_lb.${nlb[0]}.arn}`)
      .map(([name, listener]) => [
        listener.port as number,
        { address: `aws_lb_listener.${name}`, loadBalancer: listener.load_balancer_arn },
      ]),
  );
}

const blocks = (json: TerraformJson, kind: 'moved' | 'removed' | 'import') =>
  ((json as TerraformJson & Record<string, unknown>)[kind] ?? []) as Record<string, unknown>[];

const deployed = synth(DEPLOYED);
const KEEPING_EVERY_ZONE = Object.keys(CHANGES).filter((change) => change !== 'a zone removed');

test('the deployed stack holds every kind of address holder, the NLB listening on each route port', () => {
  expect(
    Object.keys(addressHolders(deployed))
      .map((address) => address.split('.')[0])
      .sort(),
  ).toEqual(['aws_eip', 'aws_eip', 'aws_globalaccelerator_accelerator', 'aws_lb']);
  expect([...nlbListeners(deployed).keys()].sort((a, b) => a - b)).toEqual([80, 443]);
  expect(attachedAddresses(deployed)).toEqual(
    Object.keys(resourcesOf(deployed, 'aws_eip'))
      .map((name) => `\${aws_eip.${name}.allocation_id}`)
      .sort(),
  );
});

describe.each(KEEPING_EVERY_ZONE)('%s', (change) => {
  const changed = synth(CHANGES[change]);

  test('every Elastic IP, the NLB and the accelerator keep their addresses and replacement-forcing arguments', () => {
    expect(addressHolders(changed)).toMatchObject(addressHolders(deployed));
  });

  test('each Elastic IP stays attached to the NLB', () => {
    expect(attachedAddresses(changed)).toEqual(expect.arrayContaining(attachedAddresses(deployed)));
  });

  test('the listener of each remaining route port keeps its address and its NLB', () => {
    const ports = resolveEnvironments([CHANGES[change]])[0].routes.map((route) => route.listenerPort);
    const before = nlbListeners(deployed);
    const after = nlbListeners(changed);
    for (const port of ports.filter((p) => before.has(p))) expect({ port, ...after.get(port) }).toEqual({ port, ...before.get(port) });
  });
});

test('a zone removed: the other zone keeps its address; the removed one is forgotten by a removed block, not destroyed', () => {
  const changed = synth(CHANGES['a zone removed']);
  const [kept, gone] = DEPLOYED.zones!.map(({ availabilityZone }) =>
    Object.keys(addressHolders(deployed)).find((address) => address.startsWith(`aws_eip.static-ips_eip-${availabilityZone}_`))!,
  );
  expect(addressHolders(changed)[kept]).toEqual(addressHolders(deployed)[kept]);
  expect(addressHolders(changed)[gone]).toBeUndefined();
  expect(blocks(changed, 'removed')).toContainEqual({ from: gone, lifecycle: { destroy: false } });
});

test('the upgrade from 0.1 moves every Elastic IP and target group from its old address, whatever the change', () => {
  for (const json of [deployed, synth(CHANGES['zones reordered'])]) {
    const moved = blocks(json, 'moved');
    for (const eip of Object.keys(resourcesOf(json, 'aws_eip'))) {
      expect(moved).toContainEqual({ from: expect.stringMatching(/^aws_eip\.static-ip-nlb_eip-subnet-/), to: `aws_eip.${eip}` });
    }
    expect(moved.filter(({ to }) => typeof to === 'string' && to.startsWith('aws_lb_target_group.'))).toHaveLength(2);
  }
});

test('an adopted address is brought in by an import block to the address its zone keeps', () => {
  const allocationId = 'eipalloc-0a1b2c3d4e5f60718';
  const existing = { ...DEPLOYED.zones![1], staticIp: { allocationId, adopt: true } };
  const before = synth({ ...DEPLOYED, zones: [DEPLOYED.zones![0], existing] });
  const after = synth({ ...DEPLOYED, zones: [existing, DEPLOYED.zones![0]] });
  for (const json of [before, after]) {
    expect(blocks(json, 'import')).toEqual([{ to: expect.stringMatching(/^aws_eip\.static-ips_eip-eu-west-1b_/), id: allocationId }]);
  }
  expect(blocks(after, 'import')).toEqual(blocks(before, 'import'));
  expect(addressHolders(after)).toEqual(addressHolders(before));
});
