import { SETTING_DEFAULTS } from '../lambda/settings';
import type {
  AlbConfig,
  AlbTargetHealthCheckConfig,
  BackendConfig,
  GlobalAcceleratorConfig,
  RouteMode,
  StaticIpPoolConfig,
  SyncTuning,
  ZoneStaticIpConfig,
} from './types';

/** Values an environment gets for every field it leaves out. The README's configuration reference lists the same. */
export const ENVIRONMENT_DEFAULTS = {
  /** Listener ports of the routes an environment with one ALB gets when it lists none. */
  routePorts: [80, 443],
  mode: 'ip-sync',
  ingressCidrs: ['0.0.0.0/0'],
  tags: {},
  lambdaRuntime: 'nodejs22.x',
  backend: { type: 'local' },
  protect: true,
  nlb: true,
  acceleratorIpAddressType: 'IPV4',
} as const;

/** An `alb-target` route's health check: passes for an ALB that answers 200 or a redirect on `/`. */
export const ALB_TARGET_HEALTH_CHECK_DEFAULTS = { path: '/', matcher: '200-399' } as const;

/** The sync function's own defaults, under the environment's field names. */
export const SYNC_TUNING_DEFAULTS: Required<SyncTuning> = {
  maxLookupsPerInvocation: SETTING_DEFAULTS.MAX_LOOKUP_PER_INVOCATION,
  invocationsBeforeDeregistration: SETTING_DEFAULTS.INVOCATIONS_BEFORE_DEREGISTRATION,
  maxDeregistrationPercent: SETTING_DEFAULTS.MAX_DEREGISTRATION_PERCENT,
};

/** One zone after validation: its static IP is a new address (from a pool or Amazon's) or an existing one. */
export interface ResolvedZone {
  readonly availabilityZone: string;
  readonly subnetId: string;
  readonly staticIp: ZoneStaticIpConfig | { readonly pool?: StaticIpPoolConfig };
}

/** An ALB after validation, with its key. */
export interface ResolvedAlb extends AlbConfig {
  readonly key: string;
}

/** A route after validation, every default filled in. */
export interface ResolvedRoute {
  readonly listenerPort: number;
  /** Key of the ALB in the environment's `albs`. */
  readonly alb: string;
  readonly albPort: number;
  readonly mode: RouteMode;
  readonly healthCheck: Required<AlbTargetHealthCheckConfig>;
  readonly albListenerArn?: string;
  readonly standby?: { readonly mode: RouteMode; readonly listenerPort: number };
}

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
  readonly globalAccelerator?: Required<Pick<GlobalAcceleratorConfig, 'ipAddressType'>> &
    Pick<GlobalAcceleratorConfig, 'ipAddresses'>;
  readonly ingressCidrs: readonly string[];
  readonly tags: Readonly<Record<string, string>>;
  readonly sync: Required<SyncTuning>;
  readonly alarmTopicArn?: string;
  readonly lambdaRuntime: string;
  readonly backend: BackendConfig;
}
