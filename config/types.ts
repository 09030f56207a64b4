/**
 * The configuration's types, inferred from its schema (config/schema.ts), where each field is declared and
 * documented once. This module keeps the names the package has always exported.
 */
export type {
  AlbConfig,
  AlbSecurityGroupRules,
  AlbTargetHealthCheckConfig,
  BackendConfig,
  EnvironmentConfig,
  FrontDoorsConfig,
  GlobalAcceleratorConfig,
  IamConfig,
  NlbConfig,
  RouteConfig,
  RouteMode,
  StaticIpPoolConfig,
  StaticIpsConfig,
  SyncFunctionConfig,
  SyncFunctionVpcConfig,
  SyncTuning,
  ZoneConfig,
  ZoneStaticIpConfig,
} from './schema';
