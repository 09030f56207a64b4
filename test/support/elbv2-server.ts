/**
 * A stand-in for the ELBv2 Query API on 127.0.0.1: POST form-encoded DescribeTargetHealth, RegisterTargets and
 * DeregisterTargets (Version 2015-12-01), XML answers in the API's namespace, IP target groups in memory.
 * Like AWS: registering again is idempotent, and deregistering a target that is not there (say, with the wrong
 * port) succeeds and changes nothing. A registration the API refuses (an address it rejects, the target quota)
 * registers nothing of its batch.
 */
import { randomUUID } from 'node:crypto';
import { createRng } from '../../bench/rng';
import { compareIps, isIpv4 } from '../../lambda/ip';
import { FaultPlan, listenHttp, xmlText, type FaultOptions, type HttpReply, type HttpRequest } from './stand-in';

export const ELBV2_API = { version: '2015-12-01', namespace: 'http://elasticloadbalancing.amazonaws.com/doc/2015-12-01/' } as const;

/** Errors the API answers with, by code. */
export const ELBV2_ERRORS = {
  Throttling: { status: 400, type: 'Sender', message: 'Rate exceeded' },
  TargetGroupNotFound: { status: 400, type: 'Sender', message: 'One or more target groups not found' },
  ValidationError: { status: 400, type: 'Sender', message: 'The request is not valid' },
  InvalidTarget: {
    status: 400,
    type: 'Sender',
    message: 'The specified target does not exist, is not in the same VPC as the target group, or has an unsupported instance type.',
  },
  TooManyTargets: { status: 400, type: 'Sender', message: "You've reached the limit on the number of targets." },
  InvalidAction: { status: 400, type: 'Sender', message: 'The action or operation requested is not valid' },
  InternalFailure: { status: 500, type: 'Receiver', message: 'The request processing has failed because of an unknown error' },
} as const;

export type Elbv2ErrorCode = keyof typeof ELBV2_ERRORS;
/** Faults to inject (`operation`: the Action). `Stall` answers correctly, but only after STALL_MS. */
export type Elbv2Fault = Extract<Elbv2ErrorCode, 'Throttling' | 'TargetGroupNotFound' | 'InternalFailure'> | 'Stall';

/** How long a stalled call is held: far longer than any run may take. */
export const STALL_MS = 600_000;

/** A registered target, as DescribeTargetHealth reports it. */
export interface RegisteredTarget {
  readonly ip: string;
  readonly port: number;
  readonly availabilityZone: string;
  readonly health: string;
}

/** A target as a request named it. */
export interface RequestedTarget {
  readonly id: string;
  readonly port?: number;
  readonly availabilityZone?: string;
}

/** One request as the server saw it. */
export interface Elbv2RequestRecord {
  readonly action: string;
  readonly targetGroupArn?: string;
  readonly targets: readonly RequestedTarget[];
  readonly status: number;
  readonly errorCode?: Elbv2ErrorCode;
}

export interface Elbv2ServerOptions {
  /** The IP target groups that exist: ARN -> default port (used when a request names no port). */
  readonly targetGroups: Readonly<Record<string, number>>;
  /** The zone AWS would detect for an IP registered without one. @default by the third octet, over zones a-c of the ARN's region */
  readonly availabilityZoneOf?: (ip: string, targetGroupArn: string) => string;
  /** Every reply waits this long. @default 0 */
  readonly latencyMs?: number;
  /** Seeds fractional faults. @default 1 */
  readonly seed?: number;
}

export interface Elbv2StandIn {
  readonly endpoint: string;
  readonly port: number;
  /** Every request received, in order. */
  readonly requests: readonly Elbv2RequestRecord[];
  /** The target group's targets, by IP then port. */
  targets(targetGroupArn: string): RegisteredTarget[];
  /** Registers targets directly (no request recorded), e.g. as an earlier deployment left them. */
  addTargets(targetGroupArn: string, targets: readonly Omit<RegisteredTarget, 'health'>[], health?: string): void;
  /** Sets the health of the IP's targets: on every port, or only on `port`. */
  setHealth(targetGroupArn: string, ip: string, health: string, port?: number): void;
  /**
   * RegisterTargets naming any of these addresses fails with InvalidTarget. The message names every rejected
   * address of the request, as ELBv2's does (`'10.0.0.1', '10.0.0.2'`), unless `named` is false.
   */
  rejectTargets(ips: readonly string[], options?: { readonly named?: boolean }): void;
  /** RegisterTargets that would take a target group above `limit` targets fails with TooManyTargets (AWS: 1,000). */
  setTargetLimit(limit: number): void;
  fail(fault: Elbv2Fault, options?: FaultOptions): void;
  clearFaults(): void;
  /** Holds every later reply back this long. */
  setLatency(ms: number): void;
  stop(): Promise<void>;
}

/** Health of a target just registered. */
export const INITIAL_HEALTH = 'initial';

const defaultZone = (ip: string, targetGroupArn: string): string => `${targetGroupArn.split(':')[3]}${'abc'[Number(ip.split('.')[2]) % 3]}`;

class ApiError extends Error {
  constructor(
    readonly code: Elbv2ErrorCode,
    message?: string,
  ) {
    super(message ?? ELBV2_ERRORS[code].message);
  }
}

export async function startElbv2Server(options: Elbv2ServerOptions): Promise<Elbv2StandIn> {
  const faults = new FaultPlan<Elbv2Fault>(createRng(options.seed ?? 1));
  const zoneOf = options.availabilityZoneOf ?? defaultZone;
  /** ARN -> `ip:port` -> target. */
  const groups = new Map(Object.keys(options.targetGroups).map((arn) => [arn, new Map<string, RegisteredTarget>()]));
  const requests: Elbv2RequestRecord[] = [];
  const rejected = new Set<string>();
  let rejectionsNamed = true;
  let targetLimit = Infinity;

  const group = (arn: string | undefined): Map<string, RegisteredTarget> => {
    if (arn === undefined) throw new ApiError('ValidationError', 'TargetGroupArn is required');
    const targets = groups.get(arn);
    if (!targets) throw new ApiError('TargetGroupNotFound', `Target groups '${arn}' not found`);
    return targets;
  };
  const register = (targets: Map<string, RegisteredTarget>, target: Omit<RegisteredTarget, 'health'>, health: string): void => {
    const id = `${target.ip}:${target.port}`;
    targets.set(id, { ...target, health: targets.get(id)?.health ?? health });
  };

  /** Each action, on the target group the request named (its ARN, its targets), with the targets requested. */
  type Action = (arn: string, targets: Map<string, RegisteredTarget>, requested: readonly RequestedTarget[]) => string;
  const actions: Readonly<Record<string, Action>> = {
    DescribeTargetHealth: (_arn, targets) =>
      `<TargetHealthDescriptions>${sortTargets([...targets.values()])
        .map(describeTarget)
        .join('')}</TargetHealthDescriptions>`,
    RegisterTargets: (arn, targets, requested) => {
      const refused = requested.filter((target) => rejected.has(target.id)).map((target) => `'${target.id}'`);
      if (refused.length > 0) {
        throw new ApiError(
          'InvalidTarget',
          rejectionsNamed ? `The following targets are not valid for target group ${arn}: ${refused.join(', ')}` : undefined,
        );
      }
      const added = new Set(requested.map(({ id, port = options.targetGroups[arn] }) => `${id}:${port}`).filter((id) => !targets.has(id)));
      if (targets.size + added.size > targetLimit) throw new ApiError('TooManyTargets');
      for (const { id, port = options.targetGroups[arn], availabilityZone = zoneOf(id, arn) } of requested) {
        register(targets, { ip: id, port, availabilityZone }, INITIAL_HEALTH);
      }
      return '';
    },
    DeregisterTargets: (arn, targets, requested) => {
      for (const { id, port = options.targetGroups[arn] } of requested) targets.delete(`${id}:${port}`);
      return '';
    },
  };

  const handle = (request: HttpRequest): HttpReply => {
    const form = new URLSearchParams(request.body.toString('utf-8'));
    const action = form.get('Action') ?? '';
    const targetGroupArn = form.get('TargetGroupArn') ?? undefined;
    const targets = requestedTargets(form);
    let reply: HttpReply;
    let errorCode: Elbv2ErrorCode | undefined;
    try {
      const perform = actions[action];
      if (request.method !== 'POST' || !perform) throw new ApiError('InvalidAction', `Could not find operation ${action}`);
      if (form.get('Version') !== ELBV2_API.version)
        throw new ApiError('InvalidAction', `Version ${form.get('Version')} is not ${ELBV2_API.version}`);
      const fault = faults.draw(action);
      if (fault !== undefined && fault !== 'Stall') throw new ApiError(fault);
      const invalid = targets.find((target) => !isIpv4(target.id));
      if (invalid) throw new ApiError('ValidationError', `The IP address '${invalid.id}' is not a valid IPv4 address`);
      const result = perform(targetGroupArn!, group(targetGroupArn), targets);
      reply = { ...success(action, result), ...(fault === 'Stall' ? { delayMs: STALL_MS } : {}) };
    } catch (error) {
      if (!(error instanceof ApiError)) throw error;
      errorCode = error.code;
      reply = failure(error);
    }
    requests.push({ action, targetGroupArn, targets, status: reply.status, errorCode });
    return reply;
  };

  const listener = await listenHttp(handle, options.latencyMs);
  return {
    endpoint: listener.endpoint,
    port: listener.port,
    requests,
    targets: (arn) => sortTargets([...group(arn).values()]),
    addTargets: (arn, targets, health = 'healthy') => targets.forEach((target) => register(group(arn), target, health)),
    setHealth: (arn, ip, health, port) => {
      for (const [id, target] of group(arn))
        if (target.ip === ip && (port === undefined || target.port === port)) group(arn).set(id, { ...target, health });
    },
    rejectTargets: (ips, { named = true } = {}) => {
      ips.forEach((ip) => rejected.add(ip));
      rejectionsNamed = named;
    },
    setTargetLimit: (limit) => {
      targetLimit = limit;
    },
    fail: (fault, faultOptions) => faults.add(fault, faultOptions),
    clearFaults: () => faults.clear(),
    setLatency: listener.setLatency,
    stop: () => listener.close(),
  };
}

/** `Targets.member.N.Id|Port|AvailabilityZone`, in N order. */
function requestedTargets(form: URLSearchParams): RequestedTarget[] {
  const targets: RequestedTarget[] = [];
  for (let n = 1; form.has(`Targets.member.${n}.Id`); n++) {
    const port = form.get(`Targets.member.${n}.Port`);
    targets.push({
      id: form.get(`Targets.member.${n}.Id`)!,
      ...(port === null ? {} : { port: Number(port) }),
      ...(form.has(`Targets.member.${n}.AvailabilityZone`) ? { availabilityZone: form.get(`Targets.member.${n}.AvailabilityZone`)! } : {}),
    });
  }
  return targets;
}

function sortTargets(targets: RegisteredTarget[]): RegisteredTarget[] {
  return targets.sort((a, b) => compareIps(a.ip, b.ip) || a.port - b.port);
}

function describeTarget({ ip, port, availabilityZone, health }: RegisteredTarget): string {
  const reason = health === INITIAL_HEALTH ? '<Reason>Elb.RegistrationInProgress</Reason>' : '';
  return (
    '<member>' +
    `<Target><Id>${xmlText(ip)}</Id><Port>${port}</Port><AvailabilityZone>${xmlText(availabilityZone)}</AvailabilityZone></Target>` +
    `<HealthCheckPort>${port}</HealthCheckPort>` +
    `<TargetHealth><State>${xmlText(health)}</State>${reason}</TargetHealth>` +
    '</member>'
  );
}

function success(action: string, result: string): HttpReply {
  const body =
    `<${action}Response xmlns="${ELBV2_API.namespace}">` +
    `<${action}Result>${result}</${action}Result>` +
    `<ResponseMetadata><RequestId>${randomUUID()}</RequestId></ResponseMetadata>` +
    `</${action}Response>`;
  return { status: 200, headers: { 'content-type': 'text/xml' }, body };
}

function failure(error: ApiError): HttpReply {
  const { status, type } = ELBV2_ERRORS[error.code];
  const body =
    `<ErrorResponse xmlns="${ELBV2_API.namespace}">` +
    `<Error><Type>${type}</Type><Code>${error.code}</Code><Message>${xmlText(error.message)}</Message></Error>` +
    `<RequestId>${randomUUID()}</RequestId>` +
    '</ErrorResponse>';
  return { status, headers: { 'content-type': 'text/xml' }, body };
}
