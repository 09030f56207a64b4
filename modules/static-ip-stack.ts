import { TerraformOutput, TerraformStack } from 'cdktf';
import type { Construct } from 'constructs';
import { AwsProvider } from '@cdktf/provider-aws/lib/provider';
import type { EnvironmentConfig } from '../config/types';
import type { ResolvedEnvironment } from '../config/defaults';
import { resolveEnvironment } from '../config/validate';
import { AlbIpSync } from './alb-ip-sync';
import { applyBackend } from './backend';
import { LambdaBundle } from './lambda-bundle';
import { StaticIpNlb } from './static-ip-nlb';
import { SyncStateBucket } from './sync-state-bucket';

/**
 * Every name of one environment's resources. All derive from the environment's name (and the port), so two
 * environments in one account never collide; the longest fit AWS's limits for the longest allowed name.
 */
export function resourceNames(environment: string) {
  return {
    loadBalancer: `${environment}-static-ip`,
    targetGroup: (port: number) => `${environment}-alb-${port}`,
    syncFunction: (port: number) => `${environment}-alb-ip-sync-${port}`,
    stateBucketPrefix: `${environment}-alb-ip-state-`,
  } as const;
}

export interface StaticIpStackProps {
  /** The environment this stack deploys; validated here, before anything is created. */
  readonly environment: EnvironmentConfig;
  /** Folder the sync function is bundled into before it is zipped. @default dist/lambda */
  readonly bundleOutdir?: string;
}

/** One environment's front door: static IPs and NLB, the state bucket, and a sync function per port. */
export class StaticIpStack extends TerraformStack {
  public readonly environment: ResolvedEnvironment;
  public readonly nlb: StaticIpNlb;
  public readonly stateBucket: SyncStateBucket;
  /** Sync function per forwarded port. */
  public readonly syncs: ReadonlyMap<number, AlbIpSync>;

  constructor(scope: Construct, props: StaticIpStackProps) {
    const environment = resolveEnvironment(props.environment);
    super(scope, environment.name);
    this.environment = environment;
    const names = resourceNames(environment.name);
    const hasTags = Object.keys(environment.tags).length > 0;

    new AwsProvider(this, 'aws', {
      region: environment.region,
      defaultTags: hasTags ? [{ tags: { ...environment.tags } }] : undefined,
    });

    applyBackend(this, environment);

    this.nlb = new StaticIpNlb(this, 'static-ip-nlb', {
      name: names.loadBalancer,
      vpcId: environment.vpcId,
      subnetIds: environment.publicSubnetIds,
      ports: environment.ports.map((port) => ({ port, targetGroupName: names.targetGroup(port) })),
      ingressCidrs: environment.ingressCidrs,
      albSecurityGroupId: environment.alb.securityGroupId,
    });
    this.stateBucket = new SyncStateBucket(this, 'sync-state', { bucketPrefix: names.stateBucketPrefix });
    const code = new LambdaBundle(this, 'sync-code', { outdir: props.bundleOutdir });

    this.syncs = new Map(
      environment.ports.map((port) => [
        port,
        new AlbIpSync(this, `alb-ip-sync-${port}`, {
          functionName: names.syncFunction(port),
          albDnsName: environment.alb.dnsName,
          port,
          targetGroup: this.nlb.targetGroups.get(port)!,
          stateBucket: this.stateBucket.bucket,
          code,
          tuning: environment.sync,
          runtime: environment.lambdaRuntime,
          alarmTopicArn: environment.alarmTopicArn,
        }),
      ]),
    );

    new TerraformOutput(this, 'static_ips', {
      description: 'The static IPs (one per AZ) partners allowlist',
      value: this.nlb.elasticIps.map((eip) => eip.publicIp),
    });
    new TerraformOutput(this, 'nlb_dns_name', {
      description: 'DNS name of the NLB; it resolves to the static IPs',
      value: this.nlb.loadBalancer.dnsName,
    });
    new TerraformOutput(this, 'nlb_zone_id', {
      description: "The NLB's hosted zone, for Route 53 alias records pointing at it",
      value: this.nlb.loadBalancer.zoneId,
    });
    new TerraformOutput(this, 'nlb_security_group_id', {
      description: "The NLB's security group, e.g. to admit it on the ALB's security group by hand",
      value: this.nlb.securityGroup.id,
    });
    new TerraformOutput(this, 'target_group_arns', {
      description: 'Target group per port, filled with the ALB node IPs by the sync function',
      value: Object.fromEntries([...this.nlb.targetGroups].map(([port, group]) => [String(port), group.arn])),
    });
    new TerraformOutput(this, 'sync_function_names', {
      description: 'Sync function per port',
      value: Object.fromEntries([...this.syncs].map(([port, sync]) => [String(port), sync.function.functionName])),
    });
    new TerraformOutput(this, 'state_bucket', {
      description: "Bucket of the sync's state, one prefix per target group ARN",
      value: this.stateBucket.bucket.bucket,
    });
  }
}
