import { Construct } from 'constructs';
import { Eip } from '@cdktf/provider-aws/lib/eip';
import { Lb } from '@cdktf/provider-aws/lib/lb';
import { LbListener } from '@cdktf/provider-aws/lib/lb-listener';
import { LbTargetGroup } from '@cdktf/provider-aws/lib/lb-target-group';
import { SecurityGroup } from '@cdktf/provider-aws/lib/security-group';
import { VpcSecurityGroupEgressRule } from '@cdktf/provider-aws/lib/vpc-security-group-egress-rule';
import { VpcSecurityGroupIngressRule } from '@cdktf/provider-aws/lib/vpc-security-group-ingress-rule';
import { TARGET_CIDRS } from '../lambda/ip';

/** AWS's limit on load balancer and target group names. */
export const LOAD_BALANCER_NAME_MAX_LENGTH = 32;

/**
 * The only addresses an IP-type target may have, the same ranges the sync function registers. Without the
 * ALB's security group, egress to these ranges on the forwarded ports reaches every possible target and nothing else.
 */
export const PRIVATE_TARGET_RANGES = TARGET_CIDRS;

/**
 * TCP health checks on the traffic port: they prove an ALB node accepts connections, independently of the
 * ALB's listener rules (an HTTP check would see redirects, 404s or authentication) and of TLS on 443.
 * 10 s x 3 marks a node healthy or unhealthy within 30 s, well inside the sync's grace period.
 */
export const ALB_NODE_HEALTH_CHECK = {
  protocol: 'TCP',
  port: 'traffic-port',
  interval: 10,
  healthyThreshold: 3,
  unhealthyThreshold: 3,
} as const;

/** One forwarded port: an NLB listener and the target group holding the ALB's node IPs on that port. */
export interface ForwardedPort {
  /** TCP port of the NLB listener and of the ALB listener it forwards to. */
  readonly port: number;
  /** Name of the target group, unique per region and account, at most 32 characters. */
  readonly targetGroupName: string;
}

export interface StaticIpNlbProps {
  /** Name of the NLB and its security group, at most 32 characters. */
  readonly name: string;
  /** VPC of the NLB, its target groups and the ALB. */
  readonly vpcId: string;
  /** Public subnets, one per Availability Zone: each gets one Elastic IP. */
  readonly subnetIds: readonly string[];
  /** Ports forwarded to the ALB. */
  readonly ports: readonly ForwardedPort[];
  /** CIDRs allowed to reach the static IPs. @default ['0.0.0.0/0'] */
  readonly ingressCidrs?: readonly string[];
  /**
   * The ALB's security group. When set, the NLB's egress is limited to it and it admits the NLB on each port.
   * @default none: egress to the private ranges any IP target must be in
   */
  readonly albSecurityGroupId?: string;
  /** Seconds a deregistered ALB node keeps its open connections. @default 300 */
  readonly deregistrationDelaySeconds?: number;
}

/**
 * The static front door: one Elastic IP per subnet bound to an internet-facing NLB, a security group on it,
 * and per port a TCP listener forwarding to an IP-type target group that the sync function fills.
 */
export class StaticIpNlb extends Construct {
  public readonly elasticIps: readonly Eip[];
  public readonly loadBalancer: Lb;
  public readonly securityGroup: SecurityGroup;
  /** Target group per forwarded port. */
  public readonly targetGroups: ReadonlyMap<number, LbTargetGroup>;
  /** Listener per forwarded port. */
  public readonly listeners: ReadonlyMap<number, LbListener>;

  constructor(scope: Construct, id: string, props: StaticIpNlbProps) {
    super(scope, id);
    validate(props);
    const ingressCidrs = props.ingressCidrs ?? ['0.0.0.0/0'];

    this.securityGroup = new SecurityGroup(this, 'security-group', {
      name: props.name,
      description: `Static IPs of ${props.name}: forwarded ports from the allowed CIDRs`,
      vpcId: props.vpcId,
      tags: { Name: props.name },
    });
    for (const { port } of props.ports) {
      ingressCidrs.forEach((cidr, i) => {
        new VpcSecurityGroupIngressRule(this, `ingress-${port}-${i}`, {
          securityGroupId: this.securityGroup.id,
          description: `Clients on ${port}`,
          ipProtocol: 'tcp',
          fromPort: port,
          toPort: port,
          cidrIpv4: cidr,
        });
      });
      this.allowToAlb(port, props.albSecurityGroupId);
    }

    // Keyed by subnet, not by position: reordering or removing a subnet must not move or release another
    // AZ's address, which partners have allowlisted.
    this.elasticIps = props.subnetIds.map(
      (subnetId) => new Eip(this, `eip-${subnetId}`, { domain: 'vpc', tags: { Name: `${props.name}-${subnetId}` } }),
    );

    this.loadBalancer = new Lb(this, 'load-balancer', {
      name: props.name,
      loadBalancerType: 'network',
      internal: false,
      ipAddressType: 'ipv4',
      // An NLB created without a security group can never get one: attach it from the start.
      securityGroups: [this.securityGroup.id],
      subnetMapping: props.subnetIds.map((subnetId, i) => ({
        subnetId,
        allocationId: this.elasticIps[i].allocationId,
      })),
      // An AZ whose ALB nodes are all draining would otherwise black-hole the static IP of that AZ.
      enableCrossZoneLoadBalancing: true,
    });

    const targetGroups = new Map<number, LbTargetGroup>();
    const listeners = new Map<number, LbListener>();
    for (const { port, targetGroupName } of props.ports) {
      const targetGroup = new LbTargetGroup(this, `target-group-${port}`, {
        name: targetGroupName,
        targetType: 'ip',
        protocol: 'TCP',
        port,
        vpcId: props.vpcId,
        deregistrationDelay: String(props.deregistrationDelaySeconds ?? 300),
        // Explicit so a reviewed plan shows it: the ALB sees the NLB's private address (the README's client-IP
        // caveat); ALBs accept no Proxy Protocol that could carry the client's.
        preserveClientIp: 'false',
        healthCheck: { enabled: true, ...ALB_NODE_HEALTH_CHECK },
      });
      targetGroups.set(port, targetGroup);
      listeners.set(
        port,
        new LbListener(this, `listener-${port}`, {
          loadBalancerArn: this.loadBalancer.arn,
          port,
          protocol: 'TCP',
          defaultAction: [{ type: 'forward', targetGroupArn: targetGroup.arn }],
        }),
      );
    }
    this.targetGroups = targetGroups;
    this.listeners = listeners;
  }

  /** Egress from the NLB to the ALB on one port (traffic and health checks), and the ALB's matching ingress. */
  private allowToAlb(port: number, albSecurityGroupId: string | undefined): void {
    const rule = { securityGroupId: this.securityGroup.id, ipProtocol: 'tcp', fromPort: port, toPort: port };
    if (albSecurityGroupId === undefined) {
      PRIVATE_TARGET_RANGES.forEach((cidr, i) => {
        new VpcSecurityGroupEgressRule(this, `egress-${port}-${i}`, {
          ...rule,
          description: `ALB nodes on ${port}`,
          cidrIpv4: cidr,
        });
      });
      return;
    }
    new VpcSecurityGroupEgressRule(this, `egress-${port}`, {
      ...rule,
      description: `ALB on ${port}`,
      referencedSecurityGroupId: albSecurityGroupId,
    });
    new VpcSecurityGroupIngressRule(this, `alb-ingress-${port}`, {
      ...rule,
      securityGroupId: albSecurityGroupId,
      description: `Static-IP NLB ${port}`,
      referencedSecurityGroupId: this.securityGroup.id,
    });
  }
}

function validate(props: StaticIpNlbProps): void {
  if (props.subnetIds.length === 0) throw new Error('StaticIpNlb: subnetIds must list at least one subnet');
  if (new Set(props.subnetIds).size !== props.subnetIds.length) {
    throw new Error(`StaticIpNlb: subnetIds has duplicates: ${props.subnetIds.join(', ')}`);
  }
  if (props.ports.length === 0) throw new Error('StaticIpNlb: ports must list at least one port');
  const ports = props.ports.map(({ port }) => port);
  if (new Set(ports).size !== ports.length) throw new Error(`StaticIpNlb: ports has duplicates: ${ports.join(', ')}`);
  const names = [props.name, ...props.ports.map(({ targetGroupName }) => targetGroupName)];
  const tooLong = names.filter((name) => name.length > LOAD_BALANCER_NAME_MAX_LENGTH);
  if (tooLong.length > 0) {
    throw new Error(
      `StaticIpNlb: names longer than ${LOAD_BALANCER_NAME_MAX_LENGTH} characters: ${tooLong.join(', ')}`,
    );
  }
}
