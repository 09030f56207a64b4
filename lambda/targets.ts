import {
  DeregisterTargetsCommand,
  DescribeTargetHealthCommand,
  RegisterTargetsCommand,
  type ElasticLoadBalancingV2Client,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { isIpv4 } from './ip';
import { describeError } from './state';
import type { Target } from './types';

/** The AvailabilityZone that registers an IP from outside the NLB's VPC. */
export const ANY_AVAILABILITY_ZONE = 'all';

/**
 * Targets per RegisterTargets or DeregisterTargets call. ELBv2 documents no maximum; Kubernetes' cloud provider
 * sends 100 at a time because larger batches were rejected intermittently.
 */
export const MAX_TARGETS_PER_CALL = 100;

/**
 * Refused batches one run may halve when the error names no address. Each halving sends two calls: 8 are enough
 * to isolate one such address in a batch of 100 (7 halvings) in fewer calls than the API's burst of 20.
 */
export const MAX_REGISTRATION_SPLITS = 8;

/**
 * RegisterTargets errors about some of the targets sent rather than the call: the others may still register.
 * Any other error (TooManyTargets, throttling after retries, a missing target group or permission) would refuse
 * every other batch of the run too.
 */
const TARGET_ERRORS: ReadonlySet<string> = new Set([
  'InvalidTargetException',
  'ValidationError',
  'TooManyRegistrationsForTargetIdException',
]);

const IPV4_IN_TEXT = /(?<![\d.])\d{1,3}(?:\.\d{1,3}){3}(?!\d)/g;

/** The target group's targets as DescribeTargetHealth reports them (it is not paginated). */
export async function describeTargets(
  elb: ElasticLoadBalancingV2Client,
  targetGroupArn: string,
  abortSignal?: AbortSignal,
): Promise<Target[]> {
  const { TargetHealthDescriptions = [] } = await elb.send(new DescribeTargetHealthCommand({ TargetGroupArn: targetGroupArn }), {
    abortSignal,
  });
  return TargetHealthDescriptions.map(({ Target: target, TargetHealth: health }) => {
    // Anything but an IPv4 target with a port means this is not the ip-type target group the sync manages.
    if (!target?.Id || !isIpv4(target.Id) || target.Port === undefined) {
      throw new Error(
        `DescribeTargetHealth of ${targetGroupArn} returned a target that is not an IPv4 address with a port: ${JSON.stringify(target)}`,
      );
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

/** Addresses RegisterTargets refused, and why. */
export interface RegistrationFailure {
  readonly ips: readonly string[];
  /** The error, as `Name: message (HTTP status)`. */
  readonly reason: string;
}

export interface RegistrationOutcome {
  readonly registered: readonly string[];
  readonly failures: readonly RegistrationFailure[];
}

/**
 * Registers `ips` on the listener port, MAX_TARGETS_PER_CALL at a time. A refusal never stops the run: the
 * addresses an error names (ELBv2 lists the targets it rejects) are set aside and the rest of their batch is sent
 * again; a batch refused without naming any is halved, at most MAX_REGISTRATION_SPLITS times. An error not
 * about targets fails everything not yet registered.
 */
export async function registerTargets(
  elb: ElasticLoadBalancingV2Client,
  { targetGroupArn, port, sameVpc }: Registration,
  ips: readonly string[],
  abortSignal?: AbortSignal,
): Promise<RegistrationOutcome> {
  const zone = sameVpc ? {} : { AvailabilityZone: ANY_AVAILABILITY_ZONE };
  const registered: string[] = [];
  const failures: RegistrationFailure[] = [];
  const queue = batches(ips);
  let splits = 0;
  for (let batch = queue.shift(); batch; batch = queue.shift()) {
    try {
      const Targets = batch.map((ip) => ({ Id: ip, Port: port, ...zone }));
      await elb.send(new RegisterTargetsCommand({ TargetGroupArn: targetGroupArn, Targets }), { abortSignal });
      registered.push(...batch);
    } catch (error) {
      const reason = describeError(error);
      if (!TARGET_ERRORS.has((error as Error).name)) {
        failures.push({ ips: [...batch, ...queue.flat()], reason });
        break;
      }
      const named = new Set((error as Error).message.match(IPV4_IN_TEXT) ?? []);
      const refused = batch.filter((ip) => named.has(ip));
      const rest = batch.filter((ip) => !named.has(ip));
      if (refused.length > 0) {
        failures.push({ ips: refused, reason });
        if (rest.length > 0) queue.unshift(rest);
      } else if (batch.length > 1 && splits < MAX_REGISTRATION_SPLITS) {
        splits += 1;
        const half = Math.ceil(batch.length / 2);
        queue.unshift(batch.slice(0, half), batch.slice(half));
      } else {
        failures.push({ ips: batch, reason });
      }
    }
  }
  return { registered, failures };
}

export interface DeregistrationOutcome {
  readonly deregistered: readonly Target[];
  /** Why the first refused batch, and every later one, was not deregistered. */
  readonly failure?: string;
}

/**
 * Deregisters MAX_TARGETS_PER_CALL at a time, with the port and zone each target was reported with: a mismatch
 * would silently remove nothing. Stops at the first refused batch; the rest keep their counts for the next run.
 */
export async function deregisterTargets(
  elb: ElasticLoadBalancingV2Client,
  targetGroupArn: string,
  targets: readonly Target[],
  abortSignal?: AbortSignal,
): Promise<DeregistrationOutcome> {
  const deregistered: Target[] = [];
  for (const batch of batches(targets)) {
    const Targets = batch.map(({ ip, port, availabilityZone }) => ({ Id: ip, Port: port, AvailabilityZone: availabilityZone }));
    try {
      await elb.send(new DeregisterTargetsCommand({ TargetGroupArn: targetGroupArn, Targets }), { abortSignal });
    } catch (error) {
      return { deregistered, failure: describeError(error) };
    }
    deregistered.push(...batch);
  }
  return { deregistered };
}

function batches<T>(items: readonly T[]): T[][] {
  return Array.from({ length: Math.ceil(items.length / MAX_TARGETS_PER_CALL) }, (_, i) =>
    items.slice(i * MAX_TARGETS_PER_CALL, (i + 1) * MAX_TARGETS_PER_CALL),
  );
}
