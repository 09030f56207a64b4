import { Annotations } from 'cdktf';
import { DataAwsCallerIdentity } from '@cdktf/provider-aws/lib/data-aws-caller-identity';
import type { ResolvedRoute } from '../../config/defaults';
import type { AlbReference } from '../../modules/alb-reference';
import { LambdaBundle } from '../../modules/lambda-bundle';
import type { Mode, ModeBuilder, ModeContext, ModeOutput, ModeRoute } from '../route-mode';
import { AlbIpSync, type SyncRoleSettings } from './alb-ip-sync';
import { AlbNodeTargetGroup } from './alb-node-target-group';
import { syncDashboard } from './dashboard';
import { SyncNetwork } from './sync-network';
import { SyncStateBucket } from './sync-state-bucket';
import { IP_SYNC_RULES } from './rules';

export { AlbIpSync, type AlbIpSyncProps, type SyncDiscovery, type SyncRoleSettings } from './alb-ip-sync';
export { AlbNodeTargetGroup, type AlbNodeTargetGroupProps } from './alb-node-target-group';
export { syncDashboard } from './dashboard';
export { SyncEvents, type SyncEventsProps } from './sync-events';
export { SyncNetwork, type SyncNetworkProps } from './sync-network';
export { SyncStateBucket, type SyncStateBucketProps } from './sync-state-bucket';

/** `ip-sync`: an IP target group that a sync function per route keeps equal to the ALB's node IPs. */
export const IP_SYNC_MODE: Mode = {
  rules: IP_SYNC_RULES,
  name: 'ip-sync',
  // The name ip-sync target groups had before routes had modes.
  targetGroupNamePart: 'alb',
  hasSyncFunction: true,
  albPorts: (route) => [route.albPort],
  builder: (context) => new IpSyncRoutes(context),
};

/**
 * An environment's ip-sync routes. What they share is made with the first of them, in one environment's front
 * doors only: the function's bundle, the state bucket, the roles' settings and, in a VPC, the sync network.
 */
class IpSyncRoutes implements ModeBuilder {
  private code?: LambdaBundle;
  private stateBucket?: SyncStateBucket;
  private roleSettings?: SyncRoleSettings;
  private syncNetwork?: SyncNetwork;

  constructor(private readonly context: ModeContext) {}

  route(route: ResolvedRoute, alb: AlbReference): ModeRoute {
    const { scope, environment, names, bundleOutdir } = this.context;
    if (route.preserveClientIp && alb.config.securityGroupId === undefined) {
      // The stack writes no rule into a security group it was not given: say what that rule must be.
      Annotations.of(scope).addWarning(
        `environment "${environment.name}": routes with listenerPort ${route.listenerPort}: preserveClientIp: ` +
          `albs.${route.alb}'s security group must admit the NLB's security group (output nlb_security_group_id) ` +
          `on port ${route.albPort}; a rule admitting the NLB's private addresses ` +
          `no longer matches, as the ALB now sees the clients' addresses`,
      );
    }
    const { targetGroup } = new AlbNodeTargetGroup(scope, `ip-target-group-${route.listenerPort}`, {
      name: names.targetGroup(route.listenerPort, 'ip-sync'),
      vpcId: environment.vpcId,
      port: route.albPort,
      preserveClientIp: route.preserveClientIp,
    });
    const { invocationsBeforeDeregistration, ...discovery } = route.discovery;
    this.code ??= new LambdaBundle(scope, 'sync-code', { outdir: bundleOutdir });
    this.stateBucket ??= new SyncStateBucket(scope, 'sync-state', {
      bucketPrefix: names.stateBucketPrefix,
      kmsKeyArn: environment.kmsKeyArn,
    });
    this.roleSettings ??= this.syncRoleSettings();
    this.syncNetwork ??= this.syncNetworkIfInVpc();
    const sync = new AlbIpSync(scope, `alb-ip-sync-${route.listenerPort}`, {
      functionName: names.syncFunction(route.listenerPort),
      albDnsName: alb.dnsName(),
      port: route.albPort,
      targetGroup,
      stateBucket: this.stateBucket.bucket,
      code: this.code,
      // Unset, the grace follows the discovery (AlbIpSync's per-source default).
      tuning: { ...environment.sync, invocationsBeforeDeregistration },
      runtime: environment.lambdaRuntime,
      alarmTopicArn: environment.alarmTopicArn,
      sameVpc: alb.config.outsideVpc === undefined,
      discovery: { ...discovery, albArn: discovery.source === 'dns' ? undefined : alb.arn() },
      events: route.events,
      logRetentionDays: environment.syncFunction.logRetentionDays,
      iam: this.roleSettings,
      vpc: this.syncNetwork && { subnetIds: this.syncNetwork.subnetIds, securityGroupIds: this.syncNetwork.securityGroupIds },
      kmsKeyArn: environment.kmsKeyArn,
    });
    const lookup = alb.lookup;
    if (lookup !== undefined) {
      // Synth could not see whether a looked-up ALB is internal: the plan stops before the sync exists.
      sync.function.addOverride('lifecycle.precondition', [
        {
          condition: `\${${lookup.fqn}.internal}`,
          error_message: `ip-sync needs an internal ALB: albs.${route.alb} is internet-facing, and public node IPs cannot be targets.`,
        },
      ]);
    }
    return {
      targetGroup,
      syncFunction: sync.function,
      dashboard: syncDashboard(route.listenerPort, targetGroup.arnSuffix, sync.function.functionName),
    };
  }

  outputs(): readonly ModeOutput[] {
    if (this.stateBucket === undefined) return [];
    const description = "Bucket of the sync's state, one prefix per target group ARN";
    return [{ id: 'state_bucket', description, value: this.stateBucket.bucket.bucket }];
  }

  /** The sync roles' IAM settings; the trust condition's account comes from the deploying credentials. */
  private syncRoleSettings(): SyncRoleSettings {
    const { permissionsBoundaryArn, path, trustSourceAccount } = this.context.environment.iam;
    const sourceAccount = trustSourceAccount ? new DataAwsCallerIdentity(this.context.scope, 'deploying-account').accountId : undefined;
    return { permissionsBoundaryArn, path, sourceAccount };
  }

  /** The functions' security group and VPC endpoints, when they run in the VPC. */
  private syncNetworkIfInVpc(): SyncNetwork | undefined {
    const { scope, environment } = this.context;
    const vpc = environment.syncFunction.vpc;
    if (!vpc) return undefined;
    // Endpoints for what the syncs call: EC2 to list interfaces, STS to assume a discovery role.
    const discoveries = environment.routes
      .filter((route) => route.mode === IP_SYNC_MODE.name || route.standby?.mode === IP_SYNC_MODE.name)
      .map((route) => route.discovery);
    return new SyncNetwork(scope, 'sync-network', {
      name: environment.name,
      region: environment.region,
      vpcId: environment.vpcId,
      ...vpc,
      needsEc2: discoveries.some((discovery) => discovery.source !== 'dns'),
      needsSts: discoveries.some((discovery) => discovery.roleArn !== undefined),
    });
  }
}
