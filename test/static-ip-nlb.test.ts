import { PRIVATE_TARGET_RANGES, StaticIpNlb, type StaticIpNlbProps } from '../modules/static-ip-nlb';
import { ref, resourceAt, resourcesOf, synthScope } from './support/synth';

const PROPS: StaticIpNlbProps = {
  name: 'prod-static-ip',
  vpcId: 'vpc-0a1b2c3d4e5f60718',
  subnetIds: ['subnet-0000000a', 'subnet-0000000b', 'subnet-0000000c'],
  ports: [
    { port: 80, targetGroupName: 'prod-alb-80' },
    { port: 443, targetGroupName: 'prod-alb-443' },
  ],
  ingressCidrs: ['203.0.113.0/24', '198.51.100.0/24'],
};

const synth = (props: StaticIpNlbProps = PROPS) => synthScope((scope) => new StaticIpNlb(scope, 'nlb', props));

describe('StaticIpNlb', () => {
  const json = synth();
  const lb = resourceAt(json, 'aws_lb', 'load-balancer');
  const securityGroup = resourceAt(json, 'aws_security_group', 'security-group');

  test('allocates one VPC Elastic IP per subnet', () => {
    const eips = Object.values(resourcesOf(json, 'aws_eip'));
    expect(eips).toHaveLength(3);
    for (const eip of eips) expect(eip.domain).toBe('vpc');
  });

  test('is an internet-facing IPv4 network load balancer binding each Elastic IP to its own subnet', () => {
    expect(lb).toMatchObject({
      name: 'prod-static-ip',
      load_balancer_type: 'network',
      internal: false,
      ip_address_type: 'ipv4',
      security_groups: [ref(securityGroup, 'id')],
      enable_cross_zone_load_balancing: true,
    });
    expect(lb.subnet_mapping).toEqual(
      PROPS.subnetIds.map((subnetId) => ({
        subnet_id: subnetId,
        allocation_id: ref(resourceAt(json, 'aws_eip', `eip-${subnetId}`), 'allocation_id'),
      })),
    );
  });

  test('keeps each subnet’s Elastic IP when subnets are reordered or one is removed', () => {
    const eipOfSubnet = (subnetIds: string[]) => {
      const changed = synth({ ...PROPS, subnetIds });
      const mapping = resourceAt(changed, 'aws_lb', 'load-balancer').subnet_mapping as {
        subnet_id: string;
        allocation_id: string;
      }[];
      return Object.fromEntries(mapping.map(({ subnet_id, allocation_id }) => [subnet_id, allocation_id]));
    };
    const before = eipOfSubnet(['subnet-0000000a', 'subnet-0000000b', 'subnet-0000000c']);
    const after = eipOfSubnet(['subnet-0000000c', 'subnet-0000000a']);
    // Same Terraform address, so Terraform keeps the allocated address.
    expect(after).toEqual({
      'subnet-0000000c': before['subnet-0000000c'],
      'subnet-0000000a': before['subnet-0000000a'],
    });
  });

  test('admits only the forwarded ports, from the allowed CIDRs only', () => {
    const ingress = Object.values(resourcesOf(json, 'aws_vpc_security_group_ingress_rule'));
    expect(
      ingress.map(({ cidr_ipv4, from_port, to_port, ip_protocol, security_group_id }) => ({
        cidr_ipv4,
        from_port,
        to_port,
        ip_protocol,
        security_group_id,
      })),
    ).toEqual(
      expect.arrayContaining(
        [80, 443].flatMap((port) =>
          PROPS.ingressCidrs!.map((cidr) => ({
            cidr_ipv4: cidr,
            from_port: port,
            to_port: port,
            ip_protocol: 'tcp',
            security_group_id: ref(securityGroup, 'id'),
          })),
        ),
      ),
    );
    expect(ingress).toHaveLength(4);
    expect(securityGroup).toMatchObject({ vpc_id: PROPS.vpcId });
    // Inline rules would fight the separate rule resources on every plan.
    expect(securityGroup.ingress).toBeUndefined();
    expect(securityGroup.egress).toBeUndefined();
  });

  test('defaults to admitting the whole internet when no CIDRs are given', () => {
    const open = synth({ ...PROPS, ingressCidrs: undefined });
    const cidrs = Object.values(resourcesOf(open, 'aws_vpc_security_group_ingress_rule')).map((r) => r.cidr_ipv4);
    expect(cidrs).toEqual(['0.0.0.0/0', '0.0.0.0/0']);
  });

  test('without the ALB security group, egress reaches the private target ranges on the forwarded ports only', () => {
    const egress = Object.values(resourcesOf(json, 'aws_vpc_security_group_egress_rule'));
    expect(
      egress.map((rule) => `${rule.cidr_ipv4}:${rule.from_port}-${rule.to_port}/${rule.ip_protocol}`).sort(),
    ).toEqual([80, 443].flatMap((port) => PRIVATE_TARGET_RANGES.map((cidr) => `${cidr}:${port}-${port}/tcp`)).sort());
    for (const rule of egress) expect(rule.security_group_id).toBe(ref(securityGroup, 'id'));
  });

  test("with the ALB security group, egress goes to it and it admits the NLB's group on each port", () => {
    const withAlb = synth({ ...PROPS, albSecurityGroupId: 'sg-0c3d4e5f607182930' });
    const nlbGroup = ref(resourceAt(withAlb, 'aws_security_group', 'security-group'), 'id');
    for (const port of [80, 443]) {
      expect(resourceAt(withAlb, 'aws_vpc_security_group_egress_rule', `egress-${port}`)).toMatchObject({
        security_group_id: nlbGroup,
        referenced_security_group_id: 'sg-0c3d4e5f607182930',
        from_port: port,
        to_port: port,
        ip_protocol: 'tcp',
      });
      expect(resourceAt(withAlb, 'aws_vpc_security_group_ingress_rule', `alb-ingress-${port}`)).toMatchObject({
        security_group_id: 'sg-0c3d4e5f607182930',
        referenced_security_group_id: nlbGroup,
        from_port: port,
        to_port: port,
        ip_protocol: 'tcp',
      });
    }
    const egress = Object.values(resourcesOf(withAlb, 'aws_vpc_security_group_egress_rule'));
    expect(egress).toHaveLength(2);
    expect(egress.some((rule) => rule.cidr_ipv4 !== undefined)).toBe(false);
  });

  test.each([80, 443])('port %i: an IP-type TCP target group on the ALB port with TCP health checks', (port) => {
    expect(resourceAt(json, 'aws_lb_target_group', `target-group-${port}`)).toMatchObject({
      name: `prod-alb-${port}`,
      target_type: 'ip',
      protocol: 'TCP',
      port,
      vpc_id: PROPS.vpcId,
      deregistration_delay: '300',
      preserve_client_ip: 'false',
      health_check: {
        enabled: true,
        protocol: 'TCP',
        port: 'traffic-port',
        interval: 10,
        healthy_threshold: 3,
        unhealthy_threshold: 3,
      },
    });
  });

  test.each([80, 443])('port %i: a TCP listener forwarding to that port’s target group', (port) => {
    const targetGroup = resourceAt(json, 'aws_lb_target_group', `target-group-${port}`);
    expect(resourceAt(json, 'aws_lb_listener', `listener-${port}`)).toMatchObject({
      load_balancer_arn: ref(lb, 'arn'),
      port,
      protocol: 'TCP',
      default_action: [{ type: 'forward', target_group_arn: ref(targetGroup, 'arn') }],
    });
  });

  test('exposes each port’s target group and listener', () => {
    let nlb!: StaticIpNlb;
    synthScope((scope) => (nlb = new StaticIpNlb(scope, 'nlb', PROPS)));
    expect([...nlb.targetGroups.keys()]).toEqual([80, 443]);
    expect([...nlb.listeners.keys()]).toEqual([80, 443]);
    expect(nlb.elasticIps).toHaveLength(3);
  });

  test.each<[string, Partial<StaticIpNlbProps>, string]>([
    ['no subnets', { subnetIds: [] }, 'StaticIpNlb: subnetIds must list at least one subnet'],
    [
      'a duplicate subnet',
      { subnetIds: ['subnet-0000000a', 'subnet-0000000a'] },
      'StaticIpNlb: subnetIds has duplicates: subnet-0000000a, subnet-0000000a',
    ],
    ['no ports', { ports: [] }, 'StaticIpNlb: ports must list at least one port'],
    [
      'a duplicate port',
      {
        ports: [
          { port: 80, targetGroupName: 'a' },
          { port: 80, targetGroupName: 'b' },
        ],
      },
      'StaticIpNlb: ports has duplicates: 80, 80',
    ],
    [
      'a name over 32 characters',
      { name: 'n'.repeat(33) },
      `StaticIpNlb: names longer than 32 characters: ${'n'.repeat(33)}`,
    ],
  ])('rejects %s', (_, change, message) => {
    expect(() => synth({ ...PROPS, ...change })).toThrow(message);
  });
});
