import { TerraformStack, Testing } from 'cdktf';
import { AlbNodeTargetGroup } from '../modes/ip-sync/alb-node-target-group';
import { PRIVATE_TARGET_RANGES, StaticIpNlb, type StaticIpNlbProps } from '../modules/static-ip-nlb';
import { ref, resourceAt, resourcesOf, synthScope, testApp } from './support/synth';

const PROPS: StaticIpNlbProps = {
  name: 'prod-static-ip',
  vpcId: 'vpc-0a1b2c3d4e5f60718',
  subnetMappings: [
    { subnetId: 'subnet-0000000a', allocationId: 'eipalloc-0000000a' },
    { subnetId: 'subnet-0000000b', allocationId: 'eipalloc-0000000b' },
  ],
  clientPorts: [80, 443],
  ingressCidrs: ['203.0.113.0/24', '198.51.100.0/24'],
  albFlows: [
    { alb: 'app', port: 80, destination: { cidrs: PRIVATE_TARGET_RANGES } },
    { alb: 'app', port: 443, destination: { cidrs: PRIVATE_TARGET_RANGES } },
  ],
};

const synth = (props: StaticIpNlbProps = PROPS) => synthScope((scope) => new StaticIpNlb(scope, 'nlb', props));

/** Terraform address of every rule of a type, by construct id: what a change moves, keeps or destroys. */
const ruleIds = (json: ReturnType<typeof synth>, type: string) => Object.keys(resourcesOf(json, type)).sort();

describe('StaticIpNlb', () => {
  const json = synth();
  const lb = resourceAt(json, 'aws_lb', 'load-balancer');
  const securityGroup = resourceAt(json, 'aws_security_group', 'security-group');

  test('is an internet-facing IPv4 NLB binding each zone’s static IP to its subnet, protected from deletion', () => {
    expect(lb).toMatchObject({
      name: 'prod-static-ip',
      load_balancer_type: 'network',
      internal: false,
      ip_address_type: 'ipv4',
      security_groups: [ref(securityGroup, 'id')],
      enable_cross_zone_load_balancing: true,
      enable_deletion_protection: true,
      lifecycle: { prevent_destroy: true },
    });
    expect(lb.subnet_mapping).toEqual([
      { subnet_id: 'subnet-0000000a', allocation_id: 'eipalloc-0000000a' },
      { subnet_id: 'subnet-0000000b', allocation_id: 'eipalloc-0000000b' },
    ]);
  });

  test('protection can be turned off, with a warning', () => {
    const app = testApp();
    const stack = new TerraformStack(app, 'unprotected');
    const nlb = new StaticIpNlb(stack, 'nlb', { ...PROPS, protect: false });
    const json = JSON.parse(Testing.synth(stack));
    expect(resourceAt(json, 'aws_lb', 'load-balancer')).toMatchObject({
      enable_deletion_protection: false,
      lifecycle: { prevent_destroy: false },
    });
    expect(nlb.node.metadata.map((entry) => String(entry.data))).toEqual([expect.stringContaining('protection is off')]);
  });

  test('admits only the client ports, from the allowed CIDRs only', () => {
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
    // Inline rules would fight the separate rule resources on every plan.
    expect(securityGroup.ingress).toBeUndefined();
    expect(securityGroup.egress).toBeUndefined();
  });

  test('rules are keyed by what they allow: removing the first CIDR or a port leaves every other rule where it is', () => {
    const before = ruleIds(json, 'aws_vpc_security_group_ingress_rule');
    const withoutFirstCidr = ruleIds(
      synth({ ...PROPS, ingressCidrs: PROPS.ingressCidrs!.slice(1) }),
      'aws_vpc_security_group_ingress_rule',
    );
    expect(withoutFirstCidr).toHaveLength(2);
    expect(before).toEqual(expect.arrayContaining(withoutFirstCidr));
    const egressBefore = ruleIds(json, 'aws_vpc_security_group_egress_rule');
    const withoutPort80 = ruleIds(
      synth({ ...PROPS, clientPorts: [443], albFlows: PROPS.albFlows.slice(1) }),
      'aws_vpc_security_group_egress_rule',
    );
    expect(withoutPort80).toHaveLength(PRIVATE_TARGET_RANGES.length);
    expect(egressBefore).toEqual(expect.arrayContaining(withoutPort80));
  });

  test('defaults to admitting the whole internet when no CIDRs are given', () => {
    const open = synth({ ...PROPS, ingressCidrs: undefined });
    expect(Object.values(resourcesOf(open, 'aws_vpc_security_group_ingress_rule')).map((r) => r.cidr_ipv4)).toEqual([
      '0.0.0.0/0',
      '0.0.0.0/0',
    ]);
  });

  test('egress to CIDRs reaches them on the ALB ports only; two ALBs behind one CIDR share its rule', () => {
    const egress = Object.values(resourcesOf(json, 'aws_vpc_security_group_egress_rule'));
    expect(egress.map((rule) => `${rule.cidr_ipv4}:${rule.from_port}-${rule.to_port}/${rule.ip_protocol}`).sort()).toEqual(
      [80, 443].flatMap((port) => PRIVATE_TARGET_RANGES.map((cidr) => `${cidr}:${port}-${port}/tcp`)).sort(),
    );
    for (const rule of egress) expect(rule.security_group_id).toBe(ref(securityGroup, 'id'));
    const shared = synth({ ...PROPS, albFlows: [...PROPS.albFlows, { alb: 'other', port: 443, destination: { cidrs: ['10.0.0.0/8'] } }] });
    expect(Object.values(resourcesOf(shared, 'aws_vpc_security_group_egress_rule'))).toHaveLength(egress.length);
  });

  test("to an ALB's security group, egress goes to it and it admits the NLB's group, once per ALB and port", () => {
    const albGroup = 'sg-0c3d4e5f607182930';
    const withAlb = synth({
      ...PROPS,
      albFlows: [80, 443, 443].map((port) => ({ alb: 'app', port, destination: { securityGroupId: albGroup } })),
    });
    const nlbGroup = ref(resourceAt(withAlb, 'aws_security_group', 'security-group'), 'id');
    for (const port of [80, 443]) {
      expect(resourceAt(withAlb, 'aws_vpc_security_group_egress_rule', `egress-${port}-app`)).toMatchObject({
        security_group_id: nlbGroup,
        referenced_security_group_id: albGroup,
        from_port: port,
        to_port: port,
        ip_protocol: 'tcp',
      });
      expect(resourceAt(withAlb, 'aws_vpc_security_group_ingress_rule', `alb-ingress-${port}-app`)).toMatchObject({
        security_group_id: albGroup,
        referenced_security_group_id: nlbGroup,
        from_port: port,
        to_port: port,
      });
    }
    expect(Object.values(resourcesOf(withAlb, 'aws_vpc_security_group_egress_rule'))).toHaveLength(2);
  });

  test("an ALB's security group owned elsewhere gets no rule: the NLB lists what it must admit instead", () => {
    const albGroup = 'sg-0c3d4e5f607182930';
    let nlb: StaticIpNlb | undefined;
    const json = synthScope((scope) => {
      nlb = new StaticIpNlb(scope, 'nlb', {
        ...PROPS,
        albFlows: [80, 443].map((port) => ({ alb: 'app', port, destination: { securityGroupId: albGroup, manageIngress: false } })),
      });
    });
    const rules = Object.values(resourcesOf(json, 'aws_vpc_security_group_ingress_rule'));
    expect(rules.filter((rule) => rule.security_group_id === albGroup)).toEqual([]);
    // The NLB's own egress to the group stays: that rule is in the NLB's group, which the stack owns.
    expect(Object.values(resourcesOf(json, 'aws_vpc_security_group_egress_rule'))).toHaveLength(2);
    expect(nlb!.albIngress.map(({ alb, securityGroupId, port, managed }) => ({ alb, securityGroupId, port, managed }))).toEqual([
      { alb: 'app', securityGroupId: albGroup, port: 80, managed: false },
      { alb: 'app', securityGroupId: albGroup, port: 443, managed: false },
    ]);
  });

  test('a listener per port forwards to the target group it is given; a second listener on a port is refused', () => {
    const listeners = synthScope((scope) => {
      const nlb = new StaticIpNlb(scope, 'nlb', PROPS);
      const { targetGroup } = new AlbNodeTargetGroup(scope, 'tg-443', { name: 'prod-alb-443', vpcId: PROPS.vpcId, port: 443 });
      nlb.addListener(443, targetGroup);
      expect(() => nlb.addListener(443, targetGroup)).toThrow('StaticIpNlb: port 443 has a listener already');
      expect([...nlb.listeners.keys()]).toEqual([443]);
    });
    expect(resourceAt(listeners, 'aws_lb_listener', 'listener-443')).toMatchObject({
      load_balancer_arn: ref(resourceAt(listeners, 'aws_lb', 'load-balancer'), 'arn'),
      port: 443,
      protocol: 'TCP',
      default_action: [
        { type: 'forward', target_group_arn: ref(resourceAt(listeners, 'aws_lb_target_group', 'tg-443/target-group'), 'arn') },
      ],
    });
  });

  test.each<[string, Partial<StaticIpNlbProps>, string]>([
    ['no zones', { subnetMappings: [] }, 'StaticIpNlb: subnetMappings must list at least one zone'],
    [
      'a subnet twice',
      { subnetMappings: [PROPS.subnetMappings[0], PROPS.subnetMappings[0]] },
      'StaticIpNlb: subnetMappings has duplicate subnets: subnet-0000000a, subnet-0000000a',
    ],
    ['a client port twice', { clientPorts: [80, 80] }, 'StaticIpNlb: clientPorts has duplicates: 80, 80'],
    ['a name over 32 characters', { name: 'n'.repeat(33) }, `StaticIpNlb: name "${'n'.repeat(33)}" is longer than 32 characters`],
  ])('rejects %s', (_, change, message) => {
    expect(() => synth({ ...PROPS, ...change })).toThrow(message);
  });
});

describe('AlbNodeTargetGroup', () => {
  test('an IP-type TCP target group on the ALB port, TCP health checks, the client IP not kept (said explicitly)', () => {
    const json = synthScope((scope) => new AlbNodeTargetGroup(scope, 'tg', { name: 'prod-alb-443', vpcId: PROPS.vpcId, port: 443 }));
    expect(resourceAt(json, 'aws_lb_target_group', 'tg/target-group')).toMatchObject({
      name: 'prod-alb-443',
      target_type: 'ip',
      protocol: 'TCP',
      port: 443,
      vpc_id: PROPS.vpcId,
      deregistration_delay: '300',
      preserve_client_ip: 'false',
      health_check: { enabled: true, protocol: 'TCP', port: 'traffic-port', interval: 10, healthy_threshold: 3, unhealthy_threshold: 3 },
    });
  });

  test.each([
    ['a name over 32 characters', { name: 'n'.repeat(33) }, `AlbNodeTargetGroup: name "${'n'.repeat(33)}" is longer than 32 characters`],
    ['port 0', { port: 0 }, 'AlbNodeTargetGroup: port 0 is outside 1-65535'],
  ])('rejects %s', (_, change, message) => {
    expect(() =>
      synthScope((scope) => new AlbNodeTargetGroup(scope, 'tg', { name: 'x', vpcId: PROPS.vpcId, port: 443, ...change })),
    ).toThrow(message);
  });
});
