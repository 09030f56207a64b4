import { Construct } from 'constructs';
import { LbTargetGroup } from '@cdktf/provider-aws/lib/lb-target-group';
import { LOAD_BALANCER_NAME_MAX_LENGTH } from '../../modules/static-ip-nlb';
import { PORT_RANGE, isPort } from '../../shared/aws-formats';
import { TARGET_GROUP_LIFECYCLE } from '../target-group-lifecycle';

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

export interface AlbNodeTargetGroupProps {
  /** Unique per region and account, at most 32 characters. */
  readonly name: string;
  /** VPC of the NLB (targets outside it are registered with Availability Zone `all`). */
  readonly vpcId: string;
  /** The ALB listener port the node IPs are registered with. */
  readonly port: number;
  /** Seconds a deregistered ALB node keeps its open connections. @default 300 */
  readonly deregistrationDelaySeconds?: number;
  /**
   * The NLB keeps the client's IPv4 address as the source of connections to the ALB nodes, so the ALB sees the
   * client. AWS supports it only for targets in the NLB's VPC (or a same-region peered VPC); the ALB's security
   * group must then admit the NLB's security group (AWS documents that this rule keeps working) or the clients.
   * @default false: the ALB sees the NLB's private address
   */
  readonly preserveClientIp?: boolean;
}

/** An IP-type TCP target group for an ALB's node IPs, which a sync function keeps filled (`ip-sync` routes). */
export class AlbNodeTargetGroup extends Construct {
  public readonly targetGroup: LbTargetGroup;

  constructor(scope: Construct, id: string, props: AlbNodeTargetGroupProps) {
    super(scope, id);
    if (props.name.length > LOAD_BALANCER_NAME_MAX_LENGTH) {
      throw new Error(`AlbNodeTargetGroup: name "${props.name}" is longer than ${LOAD_BALANCER_NAME_MAX_LENGTH} characters`);
    }
    if (!isPort(props.port)) {
      throw new Error(`AlbNodeTargetGroup: port ${props.port} is outside ${PORT_RANGE.min}-${PORT_RANGE.max}`);
    }
    this.targetGroup = new LbTargetGroup(this, 'target-group', {
      name: props.name,
      targetType: 'ip',
      protocol: 'TCP',
      port: props.port,
      vpcId: props.vpcId,
      deregistrationDelay: String(props.deregistrationDelaySeconds ?? 300),
      // Explicit either way, so a reviewed plan shows it: ALBs accept no Proxy Protocol that could carry the client's
      // address, so only the connection's source can.
      preserveClientIp: String(props.preserveClientIp ?? false),
      healthCheck: { enabled: true, ...ALB_NODE_HEALTH_CHECK },
      lifecycle: TARGET_GROUP_LIFECYCLE,
    });
  }
}
