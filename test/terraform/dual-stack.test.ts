import { MINIMAL } from '../fixtures/environments';
import { deployStack, destroyed, ofType, planAgainst, replaced } from '../support/deployed-state';
import { synthesize } from '../support/synth';
import { describeWithTerraform } from '../support/terraform';

/** An IPv4 NLB as deployed, then the same environment made dual-stack: what Terraform would do to it. */
const IPV4 = { ...MINIMAL, name: 'fixture-dual-stack', ingressCidrs: ['198.51.100.0/24'] };
const DUAL_STACK = { ...IPV4, frontDoors: { nlb: { ipAddressType: 'dualstack' as const } }, ingressCidrs: ['198.51.100.0/24', '2001:db8::/32'] };

describeWithTerraform('switching a deployed NLB to dual stack', (mirror) => {
  test(
    'updates the NLB in place: no address, no load balancer and no listener is replaced or destroyed',
    async () => {
      const before = synthesize([IPV4]).get(IPV4.name)!;
      const after = synthesize([DUAL_STACK]).get(DUAL_STACK.name)!;
      const deployed = await deployStack(before.dir, mirror);
      try {
        const plan = await planAgainst(deployed, after.dir);
        expect(plan.error).toBeUndefined();
        expect(replaced(plan.changes)).toEqual([]);
        expect(destroyed(plan.changes)).toEqual([]);
        expect(ofType(plan.changes, 'aws_lb')).toEqual([expect.objectContaining({ actions: ['update'] })]);
        // Only the IPv6 client rules are new; the IPv6 addresses are read once the NLB is dual-stack.
        expect(plan.changes.filter(({ actions }) => actions.includes('create')).map(({ type }) => type)).toEqual([
          'aws_vpc_security_group_ingress_rule',
          'aws_vpc_security_group_ingress_rule',
        ]);
        expect(plan.outputChanges).toContain('nlb_ipv6_addresses');
      } finally {
        deployed.dispose();
      }
    },
    600_000,
  );
});
