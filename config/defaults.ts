import type { DiscoverySource } from '../lambda/environment';
import { SETTING_DEFAULTS } from '../lambda/settings';
import { ALB_TARGET_HEALTH_CHECK, healthCheckProtocol } from '../modes/alb-target/alb-type-target-group';
import type {
  AlbConfig,
  AlbSecurityGroupRules,
  AlbTargetHealthCheckConfig,
  BackendConfig,
  GlobalAcceleratorConfig,
  NlbConfig,
  RouteConfig,
  RouteMode,
  StaticIpPoolConfig,
  SyncFunctionVpcConfig,
  SyncTuning,
  ZoneStaticIpConfig,
} from './types';
import type { ParsedRoute } from './schema';

/**
 * Values an environment gets for fields it leaves out: the schema's defaults (config/schema.ts declares each field
 * with its default from here) and those of the resolution, shared with the constructs that have the same defaults.
 */
export const ENVIRONMENT_DEFAULTS = {
  /** Listener ports of the routes an environment with one ALB gets when it lists none. */
  routePorts: [80, 443],
  mode: 'ip-sync',
  ingressCidrs: ['0.0.0.0/0'],
  tags: {} as Readonly<Record<string, string>>,
  lambdaRuntime: 'nodejs22.x',
  backend: { type: 'local' } as const,
  protect: true,
  nlb: true,
  acceleratorIpAddressType: 'IPV4',
  nlbIpAddressType: 'ipv4',
  /** Added to the default ingressCidrs of a dual-stack NLB. */
  ipv6IngressCidr: '::/0',
  trustSourceAccount: false,
  vpcEndpoints: 'create',
  logRetentionDays: 30,
  securityGroupRules: 'managed',
} as const;

/** The sync function's own defaults, under the environment's field names. */
export const SYNC_TUNING_DEFAULTS = {
  maxLookupsPerInvocation: SETTING_DEFAULTS.MAX_LOOKUP_PER_INVOCATION,
  invocationsBeforeDeregistration: SETTING_DEFAULTS.INVOCATIONS_BEFORE_DEREGISTRATION,
  maxDeregistrationPercent: SETTING_DEFAULTS.MAX_DEREGISTRATION_PERCENT,
} as const satisfies Readonly<Record<string, number>>;

/**
 * Clean runs a target must be missing before it is deregistered, per discovery, when `sync` does not set it: the
 * function's own defaults (lambda/settings.ts says why), set explicitly so a reviewed plan shows them.
 */
export const INVOCATIONS_BEFORE_DEREGISTRATION_BY_DISCOVERY: Readonly<Record<DiscoverySource, number>> = {
  dns: SETTING_DEFAULTS.INVOCATIONS_BEFORE_DEREGISTRATION,
  interfaces: SETTING_DEFAULTS.INTERFACE_INVOCATIONS_BEFORE_DEREGISTRATION,
  both: SETTING_DEFAULTS.INTERFACE_INVOCATIONS_BEFORE_DEREGISTRATION,
} as const;

/** How an `ip-sync` route's function learns the ALB's nodes, after validation. */
export interface ResolvedDiscovery {
  /** The route's `discovery`, or its default. */
  readonly source: DiscoverySource;
  /** The route chose `source`; otherwise it is the default, which falls back on DNS outside `albAccount`. */
  readonly chosen: boolean;
  /**
   * The account of an ALB given by a literal ARN, when the interfaces are listed without a role: the function
   * lists them only when it runs in that account, which is known once the target group (whose ARN names the
   * stack's account) exists. A default `interfaces` then falls back on DNS; a chosen one fails the apply.
   * @default none: the ALB is in the stack's account (a token, or looked up by name) or the role's
   */
  readonly albAccount?: string;
  readonly roleArn?: string;
  /** `sync.invocationsBeforeDeregistration` when the environment sets it. @default per source, see above */
  readonly invocationsBeforeDeregistration?: number;
}

/** One zone after validation: its static IP is a new address (from a pool or Amazon's) or an existing one. */
export interface ResolvedZone {
  readonly availabilityZone: string;
  readonly subnetId: string;
  readonly staticIp: ZoneStaticIpConfig | { readonly pool?: StaticIpPoolConfig };
}

/** An ALB after validation, with its key. */
export interface ResolvedAlb extends AlbConfig {
  readonly key: string;
  readonly securityGroupRules: AlbSecurityGroupRules;
}

/** Whether a route's serving mode or its standby's is `mode`: a field of that mode applies to the route then. */
export function usesMode(route: Pick<RouteConfig, 'mode' | 'standby'>, mode: RouteMode): boolean {
  return (route.mode ?? ENVIRONMENT_DEFAULTS.mode) === mode || route.standby?.mode === mode;
}

/**
 * An `alb-target` route's health check, every default filled in, its protocol from the port actually checked
 * (modules/alb-target.ts holds the rule). Undefined for a route without an `alb-target` target group, or (never
 * after validation) when the protocol cannot be told.
 */
export function resolveHealthCheck(route: RouteConfig): Required<AlbTargetHealthCheckConfig> | undefined {
  if (!usesMode(route, 'alb-target')) return undefined;
  const port = route.healthCheck?.port ?? route.albPort ?? route.listenerPort;
  const protocol = healthCheckProtocol(port, route.healthCheck?.protocol);
  if (protocol === undefined) return undefined;
  return {
    protocol,
    path: route.healthCheck?.path ?? ALB_TARGET_HEALTH_CHECK.path,
    port,
    matcher: route.healthCheck?.matcher ?? ALB_TARGET_HEALTH_CHECK.matcher,
  };
}

/**
 * A route after validation, every default filled in: the schema's route (each field with its default) with the
 * values the resolution derives from the environment. A field added to the route schema arrives here by itself.
 */
export type ResolvedRoute = Readonly<Omit<ParsedRoute, 'alb' | 'albPort' | 'healthCheck' | 'discovery'>> & {
  /** Key of the ALB in the environment's `albs`. */
  readonly alb: string;
  readonly albPort: number;
  /** When the route or its standby is `alb-target`. */
  readonly healthCheck?: Required<AlbTargetHealthCheckConfig>;
  /** `ip-sync` only (the route's or its standby's). */
  readonly discovery: ResolvedDiscovery;
};

/** An environment after validation, with every default filled in: what the stack builds from. */
export interface ResolvedEnvironment {
  readonly name: string;
  readonly region: string;
  readonly vpcId: string;
  /** Empty when the environment has no NLB. */
  readonly zones: readonly ResolvedZone[];
  readonly protect: boolean;
  /** `staticIps.release`: zones no longer configured whose owned address a plan may release. */
  readonly release: readonly string[];
  readonly albs: ReadonlyMap<string, ResolvedAlb>;
  readonly routes: readonly ResolvedRoute[];
  readonly nlb: boolean;
  readonly globalAccelerator?: Required<Pick<GlobalAcceleratorConfig, 'ipAddressType'>> & Pick<GlobalAcceleratorConfig, 'ipAddresses'>;
  readonly ingressCidrs: readonly string[];
  /** What the accelerator's clients are filtered by, on the ALBs' security groups: `ingressCidrs` when given. */
  readonly acceleratorIngressCidrs: readonly string[];
  /** Lines synth warns with, once per environment: choices left to defaults that open or assume something. */
  readonly warnings: readonly string[];
  readonly tags: Readonly<Record<string, string>>;
  readonly sync: Required<SyncTuning>;
  readonly alarmTopicArn?: string;
  readonly lambdaRuntime: string;
  readonly backend: BackendConfig;
  /** The NLB's IP address type (ipv4 when the environment has no NLB). */
  readonly nlbIpAddressType: Required<NlbConfig>['ipAddressType'];
  /** No path means IAM's default, `/`: left out so that existing roles plan no change. */
  readonly iam: { readonly permissionsBoundaryArn?: string; readonly path?: string; readonly trustSourceAccount: boolean };
  readonly syncFunction: {
    readonly vpc?: Required<Pick<SyncFunctionVpcConfig, 'endpoints'>> & Omit<SyncFunctionVpcConfig, 'endpoints'>;
    readonly logRetentionDays: number;
  };
  readonly kmsKeyArn?: string;
}
