import {
  DeregisterTargetsCommand,
  DescribeTargetHealthCommand,
  RegisterTargetsCommand,
  type ElasticLoadBalancingV2Client,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { isIpv4 } from './ip';
import type { Target } from './types';

/** The AvailabilityZone that registers an IP from outside the NLB's VPC. */
export const ANY_AVAILABILITY_ZONE = 'all';

/** The target group's targets as DescribeTargetHealth reports them (it is not paginated). */
export async function describeTargets(
  elb: ElasticLoadBalancingV2Client,
  targetGroupArn: string,
  abortSignal?: AbortSignal,
): Promise<Target[]> {
  const { TargetHealthDescriptions = [] } = await elb.send(new DescribeTargetHealthCommand({ TargetGroupArn: targetGroupArn }), { abortSignal });
  return TargetHealthDescriptions.map(({ Target: target, TargetHealth: health }) => {
    // Anything but an IPv4 target with a port means this is not the ip-type target group the sync manages.
    if (!target?.Id || !isIpv4(target.Id) || target.Port === undefined) {
      throw new Error(`DescribeTargetHealth of ${targetGroupArn} returned a target that is not an IPv4 address with a port: ${JSON.stringify(target)}`);
    }
    return { ip: target.Id, port: target.Port, availabilityZone: target.AvailabilityZone, health: health?.State };
  });
}

export interface Registration {
  readonly targetGroupArn: string;
  /** ALB_LISTENER. */
  readonly port: number;
  /** False registers with AvailabilityZone `all`, for an ALB outside the NLB's VPC. */
  readonly sameVpc: boolean;
}

export async function registerTargets(
  elb: ElasticLoadBalancingV2Client,
  { targetGroupArn, port, sameVpc }: Registration,
  ips: readonly string[],
  abortSignal?: AbortSignal,
): Promise<void> {
  if (ips.length === 0) return;
  const zone = sameVpc ? {} : { AvailabilityZone: ANY_AVAILABILITY_ZONE };
  const Targets = ips.map((ip) => ({ Id: ip, Port: port, ...zone }));
  await elb.send(new RegisterTargetsCommand({ TargetGroupArn: targetGroupArn, Targets }), { abortSignal });
}

/** Deregisters with the port and zone the target was reported with: a mismatch would silently remove nothing. */
export async function deregisterTargets(
  elb: ElasticLoadBalancingV2Client,
  targetGroupArn: string,
  targets: readonly Target[],
  abortSignal?: AbortSignal,
): Promise<void> {
  if (targets.length === 0) return;
  const Targets = targets.map(({ ip, port, availabilityZone }) => ({ Id: ip, Port: port, AvailabilityZone: availabilityZone }));
  await elb.send(new DeregisterTargetsCommand({ TargetGroupArn: targetGroupArn, Targets }), { abortSignal });
}
