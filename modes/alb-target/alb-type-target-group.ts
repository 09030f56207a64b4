import { Token, type ITerraformDependable } from 'cdktf';
import { Construct } from 'constructs';
import { LbTargetGroup } from '@cdktf/provider-aws/lib/lb-target-group';
import { LbTargetGroupAttachment } from '@cdktf/provider-aws/lib/lb-target-group-attachment';
import { AWS_FORMATS, PORT_RANGE, isPort } from '../../shared/aws-formats';
import { TARGET_GROUP_LIFECYCLE } from '../target-group-lifecycle';
import { LOAD_BALANCER_NAME_MAX_LENGTH } from '../../modules/static-ip-nlb';

/** An NLB's health check reaches the ALB through one of its listeners, which speak HTTP or HTTPS only. */
export const ALB_HEALTH_CHECK_PROTOCOLS = ['HTTP', 'HTTPS'] as const;
export type AlbHealthCheckProtocol = (typeof ALB_HEALTH_CHECK_PROTOCOLS)[number];

/**
 * The protocol of an ALB listener the stack may assume from its port alone: the conventional ones. Any other port
 * (an HTTPS listener on 8443, an HTTP one on 8080) must be stated, never guessed: a check in the wrong protocol
 * never passes.
 */
export const CONVENTIONAL_LISTENER_PROTOCOLS: Readonly<Record<number, AlbHealthCheckProtocol>> = { 80: 'HTTP', 443: 'HTTPS' };

/** The health check protocol for the ALB listener port actually checked: the stated one, else the port's convention. */
export function healthCheckProtocol(checkedPort: number, stated?: AlbHealthCheckProtocol): AlbHealthCheckProtocol | undefined {
  return stated ?? CONVENTIONAL_LISTENER_PROTOCOLS[checkedPort];
}

/** What ELBv2 accepts in an NLB target group's HTTP(S) health check (CreateTargetGroup API reference). */
export const NLB_HEALTH_CHECK_RANGES = {
  intervalSeconds: { min: 5, max: 300 },
  pathLength: { min: 1, max: 1024 },
  httpCode: { min: 200, max: 599 },
} as const;

/**
 * Health check defaults that pass for an ALB answering its default route with a 200 or a redirect (an HTTP
 * listener redirecting to HTTPS answers 301). The thresholds are the provider's defaults, explicit so a reviewed
 * plan shows them: an ALB failing its checks is marked unhealthy after 3 x 30 s.
 */
export const ALB_TARGET_HEALTH_CHECK = {
  path: '/',
  port: 'traffic-port',
  matcher: '200-399',
  intervalSeconds: 30,
  healthyThreshold: 3,
  unhealthyThreshold: 3,
} as const;

/** A path ELBv2 accepts: `/` then printable ASCII, 1024 characters in all. */
const HEALTH_CHECK_PATH = new RegExp(`^/[\\x21-\\x7e]{0,${NLB_HEALTH_CHECK_RANGES.pathLength.max - 1}}$`);

/** The health check an NLB sends through the ALB: answered by the ALB's listener rules and, behind them, its targets. */
export interface AlbTargetHealthCheck {
  /**
   * Protocol of the ALB's listener on the checked port. Required unless that port is 80 (HTTP) or 443 (HTTPS).
   * @default by the checked port: HTTP on 80, HTTPS on 443
   */
  readonly protocol?: AlbHealthCheckProtocol;
  /** Path requested through the ALB, starting with `/`, at most 1024 characters. @default '/' */
  readonly path?: string;
  /** ALB listener port the check goes to. @default 'traffic-port': the ALB listener port of the route */
  readonly port?: number | 'traffic-port';
  /** HTTP codes that count as healthy, 200-599: `200`, `200,301` or `200-399`. @default '200-399' */
  readonly matcher?: string;
  /** Seconds between checks, 5-300. @default 30 */
  readonly intervalSeconds?: number;
}

export interface AlbTypeTargetGroupProps {
  /** Name of the target group, unique per region and account: at most 32 letters, digits and inner hyphens. */
  readonly name: string;
  /** VPC of the NLB; the ALB must be in it, in the same account. */
  readonly vpcId: string;
  /** ARN of the ALB registered as the only target. */
  readonly albArn: string;
  /** ALB listener port the NLB forwards to: the target group's port and the registered target's. */
  readonly port: number;
  /**
   * The ALB's listener on `port`, when this stack knows it. Registration fails while the ALB has no listener on
   * the port, so the attachment waits for it.
   * @default none: the listener must exist before this stack is applied
   */
  readonly albListener?: ITerraformDependable;
  /** How the NLB checks the ALB. @default HTTP(S) GET of `/` on the traffic port, healthy on 200-399 */
  readonly healthCheck?: AlbTargetHealthCheck;
}

/**
 * The alb-target mode of a route: an NLB target group of type `alb` holding one ALB, which AWS keeps registered
 * whatever its node IPs. No target group attribute is set: ELBv2 documents those of an `alb` group as not
 * modifiable, and it always preserves the client IP, which the ALB appends to X-Forwarded-For.
 */
export class AlbTypeTargetGroup extends Construct {
  public readonly targetGroup: LbTargetGroup;
  /** Registration of the ALB in the target group. */
  public readonly attachment: LbTargetGroupAttachment;

  constructor(scope: Construct, id: string, props: AlbTypeTargetGroupProps) {
    super(scope, id);
    validate(props);
    const healthCheck = props.healthCheck ?? {};
    const healthCheckPort = healthCheck.port ?? ALB_TARGET_HEALTH_CHECK.port;

    this.targetGroup = new LbTargetGroup(this, 'target-group', {
      name: props.name,
      targetType: 'alb',
      // The only protocol an `alb` target group takes; the NLB listener forwarding to it must be TCP too.
      protocol: 'TCP',
      port: props.port,
      vpcId: props.vpcId,
      healthCheck: {
        enabled: true,
        protocol: healthCheckProtocol(checkedPort(props), healthCheck.protocol),
        path: healthCheck.path ?? ALB_TARGET_HEALTH_CHECK.path,
        port: String(healthCheckPort),
        matcher: healthCheck.matcher ?? ALB_TARGET_HEALTH_CHECK.matcher,
        interval: healthCheck.intervalSeconds ?? ALB_TARGET_HEALTH_CHECK.intervalSeconds,
        healthyThreshold: ALB_TARGET_HEALTH_CHECK.healthyThreshold,
        unhealthyThreshold: ALB_TARGET_HEALTH_CHECK.unhealthyThreshold,
      },
      lifecycle: TARGET_GROUP_LIFECYCLE,
    });

    this.attachment = new LbTargetGroupAttachment(this, 'attachment', {
      targetGroupArn: this.targetGroup.arn,
      targetId: props.albArn,
      port: props.port,
      dependsOn: props.albListener ? [props.albListener] : undefined,
    });
  }
}

function validate(props: AlbTypeTargetGroupProps): void {
  const problems = [...identityProblems(props), ...healthCheckProblems(props.healthCheck ?? {}, 'healthCheck', checkedPort(props))];
  if (problems.length > 0) throw new Error(`AlbTypeTargetGroup ${props.name}: ${problems.join('; ')}`);
}

/** The ALB listener port the health check goes to. */
function checkedPort({ healthCheck, port }: AlbTypeTargetGroupProps): number {
  const checked = healthCheck?.port ?? ALB_TARGET_HEALTH_CHECK.port;
  return checked === 'traffic-port' ? port : checked;
}

function identityProblems({ name, albArn, port }: AlbTypeTargetGroupProps): string[] {
  const problems: string[] = [];
  if (!Token.isUnresolved(name) && !isTargetGroupName(name)) {
    problems.push(
      `name must be 1-${LOAD_BALANCER_NAME_MAX_LENGTH} letters, digits or hyphens, not starting or ending with a hyphen: "${name}"`,
    );
  }
  if (!isPort(port)) problems.push(`port must be an integer in ${PORT_RANGE.min}-${PORT_RANGE.max}: ${port}`);
  if (!Token.isUnresolved(albArn) && !AWS_FORMATS.albArn.pattern.test(albArn)) {
    problems.push(`albArn must be an Application Load Balancer ARN: "${albArn}" is not ${AWS_FORMATS.albArn.description}`);
  }
  return problems;
}

/**
 * The one set of health check rules, used by the construct and by config validation (config/validate.ts), so a
 * check the configuration accepts is one the construct builds. `field` names the check in each line (e.g.
 * `routes[1].healthCheck`); `checkedPort` is the ALB listener port it goes to.
 */
export function healthCheckProblems(check: AlbTargetHealthCheck, field: string, checkedPort: number): string[] {
  const problems: string[] = [];
  const { intervalSeconds, pathLength } = NLB_HEALTH_CHECK_RANGES;
  if (check.protocol !== undefined && !ALB_HEALTH_CHECK_PROTOCOLS.includes(check.protocol)) {
    problems.push(`${field}.protocol must be ${ALB_HEALTH_CHECK_PROTOCOLS.join(' or ')}: "${check.protocol}"`);
  } else if (isPort(checkedPort) && healthCheckProtocol(checkedPort, check.protocol) === undefined) {
    problems.push(
      `${field}.protocol is required: the check goes to the ALB listener on port ${checkedPort}, which may speak HTTP or HTTPS; ` +
        "state the listener's protocol (only 80 and 443 are assumed: HTTP and HTTPS)",
    );
  }
  // Tokens (values from the user's own code) are Terraform's to check at plan time.
  if (
    check.path !== undefined &&
    !Token.isUnresolved(check.path) &&
    !(typeof check.path === 'string' && HEALTH_CHECK_PATH.test(check.path))
  ) {
    problems.push(
      `${field}.path must start with "/" and have at most ${pathLength.max} printable characters: ${JSON.stringify(check.path)}`,
    );
  }
  if (check.port !== undefined && check.port !== 'traffic-port' && !isPort(check.port)) {
    problems.push(`${field}.port must be "traffic-port" or an integer in ${PORT_RANGE.min}-${PORT_RANGE.max}: ${check.port}`);
  }
  if (
    check.matcher !== undefined &&
    !Token.isUnresolved(check.matcher) &&
    !(typeof check.matcher === 'string' && isHttpCodeMatcher(check.matcher))
  ) {
    const { min, max } = NLB_HEALTH_CHECK_RANGES.httpCode;
    problems.push(`${field}.matcher must list HTTP codes or ranges within ${min}-${max}: "${check.matcher}"`);
  }
  const interval = check.intervalSeconds;
  if (interval !== undefined && !isIntegerIn(interval, intervalSeconds.min, intervalSeconds.max)) {
    problems.push(`${field}.intervalSeconds must be an integer in ${intervalSeconds.min}-${intervalSeconds.max}: ${interval}`);
  }
  return problems;
}

function isTargetGroupName(name: string): boolean {
  return name.length <= LOAD_BALANCER_NAME_MAX_LENGTH && /^[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?$/.test(name);
}

/** `200`, `200,301`, `200-399`, or a comma-separated mix, every code within what NLB health checks accept. */
function isHttpCodeMatcher(matcher: string): boolean {
  const { min, max } = NLB_HEALTH_CHECK_RANGES.httpCode;
  return matcher.split(',').every((part) => {
    const bounds = /^(\d{3})(?:-(\d{3}))?$/.exec(part);
    if (!bounds) return false;
    const low = Number(bounds[1]);
    const high = Number(bounds[2] ?? bounds[1]);
    return low >= min && high <= max && low <= high;
  });
}

/** An integer within min-max, both included. */
function isIntegerIn(value: number, min: number, max: number): boolean {
  return Number.isInteger(value) && value >= min && value <= max;
}
