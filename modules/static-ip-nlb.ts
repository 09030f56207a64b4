import { Annotations, Fn } from 'cdktf';
import { Construct } from 'constructs';
import { DataAwsNetworkInterface } from '@cdktf/provider-aws/lib/data-aws-network-interface';
import { Lb } from '@cdktf/provider-aws/lib/lb';
import { LbListener } from '@cdktf/provider-aws/lib/lb-listener';
import type { LbTargetGroup } from '@cdktf/provider-aws/lib/lb-target-group';
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

/** One Availability Zone of the NLB: its subnet and the Elastic IP bound to it. */
export interface SubnetMapping {
  readonly subnetId: string;
  /** Allocation id of the zone's static IP (a literal or a token). */
  readonly allocationId: string;
}

/**
 * Where the NLB's traffic to an ALB may go on one port: the ALB's security group, or CIDRs (the ALB's
 * subnets outside the VPC, or the private ranges any IP target must be in).
 */
export type AlbDestination =
  | {
      readonly securityGroupId: string;
      /**
       * Whether this stack writes the ALB security group's rule admitting the NLB. `false` when another codebase
       * owns the group's rules: {@link StaticIpNlb.albIngress} then says what it must admit. @default true
       */
      readonly manageIngress?: boolean;
    }
  | { readonly cidrs: readonly string[] };

/** A rule an ALB's security group needs: traffic from the NLB's security group on one port. */
export interface AlbIngress {
  readonly alb: string;
  readonly securityGroupId: string;
  readonly port: number;
  readonly sourceSecurityGroupId: string;
  /** Whether this stack writes the rule (else the group's owner must). */
  readonly managed: boolean;
}

/** Traffic the NLB sends to an ALB: forwarded connections and health checks, on one port. */
export interface AlbFlow {
  /** Names the rules to a security group (which may be a token, unfit for an id), e.g. the ALB's key. */
  readonly alb: string;
  readonly port: number;
  readonly destination: AlbDestination;
}

export interface StaticIpNlbProps {
  /** Name of the NLB and its security group, at most 32 characters. */
  readonly name: string;
  /** VPC of the NLB. */
  readonly vpcId: string;
  /** One per Availability Zone: its public subnet and static IP. Changing this set replaces the NLB. */
  readonly subnetMappings: readonly SubnetMapping[];
  /** Listener ports clients reach from `ingressCidrs`. */
  readonly clientPorts: readonly number[];
  /** CIDRs allowed to reach the static IPs. @default ['0.0.0.0/0'] */
  readonly ingressCidrs?: readonly string[];
  /** Ports and destinations of the NLB's traffic to its ALBs; each ALB security group also admits the NLB's. */
  readonly albFlows: readonly AlbFlow[];
  /**
   * Deletion protection and `prevent_destroy`: a change that would replace the NLB (and briefly take down every
   * static IP) fails at plan time, naming it. Turn off only for throwaway environments. @default true
   */
  readonly protect?: boolean;
  /**
   * `dualstack`: clients also reach the NLB over IPv6, on an address AWS assigns in each subnet (which must have an
   * IPv6 CIDR). Not pinned per subnet: with an Elastic IP that plans a change forever. Updated in place. @default ipv4
   */
  readonly ipAddressType?: NlbIpAddressType;
}

export const NLB_IP_ADDRESS_TYPES = ['ipv4', 'dualstack'] as const;
export type NlbIpAddressType = (typeof NLB_IP_ADDRESS_TYPES)[number];

/**
 * The static front door: an internet-facing NLB bound to one static IP per Availability Zone, its security
 * group, and TCP listeners added per route with {@link StaticIpNlb.addListener}.
 * Security group rules are keyed by what they allow, so adding or removing a port or a CIDR touches only its rules.
 */
export class StaticIpNlb extends Construct {
  public readonly loadBalancer: Lb;
  public readonly securityGroup: SecurityGroup;
  /** With dualstack, the IPv6 address of each subnet mapping, in their order; empty otherwise. */
  public readonly ipv6Addresses: readonly string[];
  /** What each ALB's security group must admit from the NLB, whether this stack writes it or not. */
  public readonly albIngress: readonly AlbIngress[];
  private readonly listenersByPort = new Map<number, LbListener>();

  constructor(scope: Construct, id: string, props: StaticIpNlbProps) {
    super(scope, id);
    validate(props);
    const protect = props.protect ?? true;
    if (!protect) {
      Annotations.of(this).addWarning(`${props.name}: protection is off; a change of zones can replace the NLB and a destroy deletes it`);
    }

    this.securityGroup = new SecurityGroup(this, 'security-group', {
      name: props.name,
      description: `Static IPs of ${props.name}: forwarded ports from the allowed CIDRs`,
      vpcId: props.vpcId,
      tags: { Name: props.name },
    });
    const rule = (port: number) => ({ securityGroupId: this.securityGroup.id, ipProtocol: 'tcp', fromPort: port, toPort: port });
    for (const port of props.clientPorts) {
      for (const cidr of props.ingressCidrs ?? ['0.0.0.0/0']) {
        new VpcSecurityGroupIngressRule(this, `ingress-${port}-${cidrIdPart(cidr)}`, {
          ...rule(port),
          description: `Clients on ${port}`,
          ...cidrOf(cidr),
        });
      }
    }
    // Rules are keyed by what they allow: two routes to one ALB port, or two ALBs behind one CIDR, share one.
    const made = new Set<string>();
    const once = (key: string): boolean => {
      if (made.has(key)) return false;
      made.add(key);
      return true;
    };
    const albIngress: AlbIngress[] = [];
    for (const { alb, port, destination } of props.albFlows) {
      if ('cidrs' in destination) {
        for (const cidr of destination.cidrs.filter((cidr) => once(`${port}-${cidr}`))) {
          new VpcSecurityGroupEgressRule(this, `egress-${port}-${cidrIdPart(cidr)}`, {
            ...rule(port),
            description: `ALB nodes on ${port}`,
            cidrIpv4: cidr,
          });
        }
      } else if (once(`${port}-${alb}`)) {
        new VpcSecurityGroupEgressRule(this, `egress-${port}-${alb}`, {
          ...rule(port),
          description: `ALB ${alb} on ${port}`,
          referencedSecurityGroupId: destination.securityGroupId,
        });
        const managed = destination.manageIngress ?? true;
        albIngress.push({ alb, securityGroupId: destination.securityGroupId, port, sourceSecurityGroupId: this.securityGroup.id, managed });
        if (managed) {
          new VpcSecurityGroupIngressRule(this, `alb-ingress-${port}-${alb}`, {
            ...rule(port),
            securityGroupId: destination.securityGroupId,
            description: `Static-IP NLB ${port}`,
            referencedSecurityGroupId: this.securityGroup.id,
          });
        }
      }
    }
    this.albIngress = albIngress;

    this.loadBalancer = new Lb(this, 'load-balancer', {
      name: props.name,
      loadBalancerType: 'network',
      internal: false,
      ipAddressType: props.ipAddressType ?? 'ipv4',
      // An NLB created without a security group can never get one: attach it from the start.
      securityGroups: [this.securityGroup.id],
      subnetMapping: props.subnetMappings.map(({ subnetId, allocationId }) => ({ subnetId, allocationId })),
      // An AZ whose ALB nodes are all draining would otherwise black-hole the static IP of that AZ.
      enableCrossZoneLoadBalancing: true,
      enableDeletionProtection: protect,
      lifecycle: { preventDestroy: protect },
    });
    this.ipv6Addresses = props.ipAddressType === 'dualstack' ? this.assignedIpv6Addresses(props.subnetMappings) : [];
  }

  /**
   * The IPv6 address AWS gave the NLB in each subnet, read from its network interface there: the provider's
   * `subnet_mapping[*].ipv6_address` stays empty when the mapping has an Elastic IP (it reads the first address
   * only). The lookup waits for any change of the NLB, so an ipv4-to-dualstack plan reads it after the update.
   */
  private assignedIpv6Addresses(mappings: readonly SubnetMapping[]): string[] {
    return mappings.map(({ subnetId }, i) => {
      const networkInterface = new DataAwsNetworkInterface(this, `network-interface-${i}`, {
        filter: [
          { name: 'description', values: [`ELB ${this.loadBalancer.arnSuffix}`] },
          { name: 'subnet-id', values: [subnetId] },
        ],
        dependsOn: [this.loadBalancer],
      });
      return Fn.one(networkInterface.ipv6Addresses);
    });
  }

  /** The listener of each port, in the order they were added. */
  public get listeners(): ReadonlyMap<number, LbListener> {
    return this.listenersByPort;
  }

  /** A TCP listener on `port` forwarding to `targetGroup`. Changing the target group later updates it in place. */
  public addListener(port: number, targetGroup: LbTargetGroup): LbListener {
    if (this.listenersByPort.has(port)) throw new Error(`StaticIpNlb: port ${port} has a listener already`);
    const listener = new LbListener(this, `listener-${port}`, {
      loadBalancerArn: this.loadBalancer.arn,
      port,
      protocol: 'TCP',
      defaultAction: [{ type: 'forward', targetGroupArn: targetGroup.arn }],
    });
    this.listenersByPort.set(port, listener);
    return listener;
  }
}

/** A security group rule's source: IPv6 CIDRs (dualstack) have their own argument. */
export function cidrOf(cidr: string): { cidrIpv4: string } | { cidrIpv6: string } {
  return cidr.includes(':') ? { cidrIpv6: cidr } : { cidrIpv4: cidr };
}

/** A construct id from a CIDR: ids cannot hold `/`. */
export function cidrIdPart(cidr: string): string {
  return cidr.replace('/', '-');
}

function validate(props: StaticIpNlbProps): void {
  if (props.subnetMappings.length === 0) throw new Error('StaticIpNlb: subnetMappings must list at least one zone');
  const subnets = props.subnetMappings.map(({ subnetId }) => subnetId);
  if (new Set(subnets).size !== subnets.length) throw new Error(`StaticIpNlb: subnetMappings has duplicate subnets: ${subnets.join(', ')}`);
  if (new Set(props.clientPorts).size !== props.clientPorts.length) {
    throw new Error(`StaticIpNlb: clientPorts has duplicates: ${props.clientPorts.join(', ')}`);
  }
  if (props.ipAddressType !== undefined && !NLB_IP_ADDRESS_TYPES.includes(props.ipAddressType)) {
    throw new Error(`StaticIpNlb: ipAddressType "${props.ipAddressType}" is not one of ${NLB_IP_ADDRESS_TYPES.join(', ')}`);
  }
  const ipv6Cidrs = (props.ingressCidrs ?? []).filter((cidr) => cidr.includes(':'));
  if (ipv6Cidrs.length > 0 && props.ipAddressType !== 'dualstack') {
    throw new Error(`StaticIpNlb: ingressCidrs ${ipv6Cidrs.join(', ')} are IPv6, which only a dualstack NLB accepts`);
  }
  if (props.name.length > LOAD_BALANCER_NAME_MAX_LENGTH) {
    throw new Error(`StaticIpNlb: name "${props.name}" is longer than ${LOAD_BALANCER_NAME_MAX_LENGTH} characters`);
  }
}
