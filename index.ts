/**
 * The package entry: what a team embeds in its own CDKTF code (see examples/embedded). The whole product is
 * StaticIpFrontDoors; the parts are exported for teams that compose their own.
 */
export type * from './config/types';
export { ConfigError, resolveEnvironment, resolveEnvironments } from './config/validate';
export { StaticIpStack, type StaticIpStackProps } from './modules/static-ip-stack';
export {
  StaticIpFrontDoors,
  buildFrontDoors,
  resourceNames,
  type FrontDoorOptions,
  type FrontDoorRoute,
  type FrontDoors,
  type NlbFrontDoor,
  type ResourceNames,
  type StaticIpFrontDoorsProps,
} from './modules/front-doors';
export { StaticIps, type StaticIpsProps, type StaticIpSource, type StaticIpZone, type StaticAddress } from './modules/static-ips';
export { StaticIpNlb, type StaticIpNlbProps, type AlbFlow, type SubnetMapping } from './modules/static-ip-nlb';
export { AlbNodeTargetGroup, type AlbNodeTargetGroupProps } from './modes/ip-sync/alb-node-target-group';
export { AlbIpSync, type AlbIpSyncProps } from './modes/ip-sync/alb-ip-sync';
export { AlbTypeTargetGroup, type AlbTypeTargetGroupProps } from './modes/alb-target/alb-type-target-group';
export { GlobalAcceleratorFrontDoor, globalAcceleratorProvider, type GlobalAcceleratorFrontDoorProps } from './modules/global-accelerator';
export { StaticIpObservability, type StaticIpObservabilityProps } from './modules/observability';
export { SyncStateBucket, type SyncStateBucketProps } from './modes/ip-sync/sync-state-bucket';
export { LambdaBundle, type LambdaBundleProps } from './modules/lambda-bundle';
export { applyBackend } from './modules/backend';
