import type {
  AlbConfig,
  AlbTargetHealthCheckConfig,
  EnvironmentConfig,
  FrontDoorsConfig,
  GlobalAcceleratorConfig,
  IamConfig,
  NlbConfig,
  RouteConfig,
  StaticIpsConfig,
  SyncFunctionConfig,
  SyncFunctionVpcConfig,
  SyncTuning,
  ZoneConfig,
} from './types';

/**
 * The keys every configuration object may have, so that a misspelled optional field fails synth instead of
 * silently falling back to its default (`ingresCidrs` would otherwise leave the NLB open to 0.0.0.0/0).
 * `satisfies` ties each list to its type: a field added to a type without its key here does not compile.
 */

/** What a key holds: a value checked elsewhere, an object, a list of objects, or a record of objects. */
type Shape = 'value' | { readonly object: Keys } | { readonly list: Keys } | { readonly record: Keys };
type Keys = { readonly [key: string]: Shape };
type KeysOf<T> = { readonly [K in keyof Required<T>]: Shape };

/** Every key of every union member: the unions are checked field by field in validate.ts. */
const POOL = { object: { ipamPoolId: 'value', publicIpv4Pool: 'value', region: 'value' } } as const;

const ZONE = {
  availabilityZone: 'value',
  subnetId: 'value',
  staticIp: { object: { allocationId: 'value', adopt: 'value', publicIp: 'value', tags: 'value', pool: POOL } },
} as const satisfies KeysOf<ZoneConfig>;

const STATIC_IPS = { protect: 'value', pool: POOL, release: 'value' } as const satisfies KeysOf<StaticIpsConfig>;

const ALB = {
  dnsName: 'value',
  arn: 'value',
  name: 'value',
  securityGroupId: 'value',
  securityGroupRules: 'value',
  outsideVpc: { object: { cidrs: 'value' } },
} as const satisfies KeysOf<AlbConfig>;

const HEALTH_CHECK = {
  protocol: 'value',
  path: 'value',
  port: 'value',
  matcher: 'value',
} as const satisfies KeysOf<AlbTargetHealthCheckConfig>;

const ROUTE = {
  listenerPort: 'value',
  alb: 'value',
  albPort: 'value',
  mode: 'value',
  healthCheck: { object: HEALTH_CHECK },
  albListenerArn: 'value',
  standby: { object: { mode: 'value', listenerPort: 'value' } },
  discovery: 'value',
  discoveryRoleArn: 'value',
  events: 'value',
  preserveClientIp: 'value',
} as const satisfies KeysOf<RouteConfig>;

const GLOBAL_ACCELERATOR = { ipAddressType: 'value', ipAddresses: 'value' } as const satisfies KeysOf<GlobalAcceleratorConfig>;
const NLB = { ipAddressType: 'value' } as const satisfies KeysOf<NlbConfig>;
// `nlb` may also be a boolean: objectProblems checks only objects.
const FRONT_DOORS = { nlb: { object: NLB }, globalAccelerator: { object: GLOBAL_ACCELERATOR } } as const satisfies KeysOf<FrontDoorsConfig>;
const SYNC = {
  maxLookupsPerInvocation: 'value',
  invocationsBeforeDeregistration: 'value',
  maxDeregistrationPercent: 'value',
} as const satisfies KeysOf<SyncTuning>;

const IAM = { permissionsBoundaryArn: 'value', path: 'value', trustSourceAccount: 'value' } as const satisfies KeysOf<IamConfig>;
const SYNC_FUNCTION_VPC = {
  subnetIds: 'value',
  securityGroupIds: 'value',
  endpoints: 'value',
  routeTableIds: 'value',
} as const satisfies KeysOf<SyncFunctionVpcConfig>;
const SYNC_FUNCTION = { vpc: { object: SYNC_FUNCTION_VPC }, logRetentionDays: 'value' } as const satisfies KeysOf<SyncFunctionConfig>;

export const ENVIRONMENT_KEYS = {
  name: 'value',
  region: 'value',
  vpcId: 'value',
  zones: { list: ZONE },
  staticIps: { object: STATIC_IPS },
  albs: { record: ALB },
  routes: { list: ROUTE },
  frontDoors: { object: FRONT_DOORS },
  ingressCidrs: 'value',
  // Tag keys are the user's own; the backend checks its keys per type (config/backend.ts).
  tags: 'value',
  sync: { object: SYNC },
  alarmTopicArn: 'value',
  lambdaRuntime: 'value',
  backend: 'value',
  iam: { object: IAM },
  syncFunction: { object: SYNC_FUNCTION },
  kmsKeyArn: 'value',
} as const satisfies KeysOf<EnvironmentConfig>;

/** Fields of earlier versions, with what replaced them (see UPGRADING.md). */
const REPLACED: Readonly<Record<string, string>> = {
  publicSubnetIds: 'zones (one { availabilityZone, subnetId } per zone)',
  alb: 'albs (e.g. { app: { dnsName, securityGroupId } }) and routes',
  ports: 'routes (one { listenerPort } per port)',
};

/** One line per unknown key at any depth: `routes[0].helthCheck is not a field; did you mean healthCheck?`. */
export function unknownKeyProblems(config: unknown): string[] {
  return objectProblems(config, ENVIRONMENT_KEYS, '', true);
}

function objectProblems(value: unknown, keys: Keys, at: string, topLevel = false): string[] {
  if (!isPlainObject(value)) return [];
  return Object.entries(value).flatMap(([key, child]) => {
    const path = at === '' ? key : `${at}.${key}`;
    const shape = Object.hasOwn(keys, key) ? keys[key] : undefined;
    if (shape === undefined) {
      if (topLevel && Object.hasOwn(REPLACED, key)) return [`${path} was replaced by ${REPLACED[key]}`];
      const suggestion = nearest(key, Object.keys(keys));
      return [`${path} is not a field${suggestion ? `; did you mean ${suggestion}?` : ` (fields: ${Object.keys(keys).join(', ')})`}`];
    }
    if (shape === 'value') return [];
    if ('object' in shape) return objectProblems(child, shape.object, path);
    if ('list' in shape) return Array.isArray(child) ? child.flatMap((item, i) => objectProblems(item, shape.list, `${path}[${i}]`)) : [];
    return isPlainObject(child) ? Object.entries(child).flatMap(([name, item]) => objectProblems(item, shape.record, `${path}.${name}`)) : [];
  });
}

/** The known key closest to a typo, when it is close enough to be the one meant. */
export function nearest(key: string, known: readonly string[]): string | undefined {
  const lower = key.toLowerCase();
  const extended = known.find((candidate) => candidate.toLowerCase().startsWith(lower));
  if (extended !== undefined) return extended;
  const scored = known.map((candidate) => ({ candidate, distance: editDistance(key.toLowerCase(), candidate.toLowerCase()) }));
  const best = scored.sort((a, b) => a.distance - b.distance)[0];
  return best !== undefined && best.distance <= Math.max(2, Math.floor(best.candidate.length / 3)) ? best.candidate : undefined;
}

/** Levenshtein distance. */
function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    previous = current;
  }
  return previous[b.length];
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
