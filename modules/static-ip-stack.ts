import { TerraformOutput, TerraformStack } from 'cdktf';
import type { Construct } from 'constructs';
import { AwsProvider, type AwsProviderConfig } from '@cdktf/provider-aws/lib/provider';
import type { EnvironmentConfig } from '../config/types';
import type { ResolvedEnvironment } from '../config/defaults';
import { resolveEnvironment } from '../config/validate';
import { applyBackend } from './backend';
import { buildFrontDoors, type FrontDoorParts } from './front-doors';
import { moveFromLegacyAddresses } from './legacy-addresses';

export { resourceNames } from './front-doors';

export interface StaticIpStackProps {
  /** The environment this stack deploys; validated here, before anything is created. */
  readonly environment: EnvironmentConfig;
  /** Folder the sync function is bundled into before it is zipped. @default dist/lambda */
  readonly bundleOutdir?: string;
}

/** One environment's stack: its provider and backend, its front doors (see buildFrontDoors) and their outputs. */
export class StaticIpStack extends TerraformStack {
  public readonly environment: ResolvedEnvironment;
  public readonly parts: FrontDoorParts;

  constructor(scope: Construct, props: StaticIpStackProps) {
    const environment = resolveEnvironment(props.environment);
    super(scope, environment.name);
    this.environment = environment;
    const hasTags = Object.keys(environment.tags).length > 0;
    const providerConfig: AwsProviderConfig = {
      region: environment.region,
      defaultTags: hasTags ? [{ tags: { ...environment.tags } }] : undefined,
    };
    new AwsProvider(this, 'aws', providerConfig);
    applyBackend(this, environment);
    this.parts = buildFrontDoors(this, environment, { bundleOutdir: props.bundleOutdir, providerConfig });
    moveFromLegacyAddresses(this, environment);
    this.outputs();
  }

  private outputs(): void {
    const { staticIps, nlb, targetGroups, syncs, stateBucket, accelerator } = this.parts;
    const output = (id: string, description: string, value: unknown) => new TerraformOutput(this, id, { description, value });
    if (staticIps && nlb) {
      output('static_ips', 'The static IPs of the NLB, one per Availability Zone in zone order: the list partners allowlist',
        staticIps.addresses.map(({ publicIp }) => publicIp));
      if (nlb.ipv6Addresses.length > 0) {
        output('nlb_ipv6_addresses', "The dual-stack NLB's IPv6 addresses, one per zone in zone order (assigned by AWS in each subnet)",
          nlb.ipv6Addresses);
      }
      output('nlb_dns_name', 'DNS name of the NLB; it resolves to the static IPs', nlb.loadBalancer.dnsName);
      output('nlb_zone_id', "The NLB's hosted zone, for Route 53 alias records pointing at it", nlb.loadBalancer.zoneId);
      output('nlb_security_group_id', "The NLB's security group, e.g. to admit it on an ALB's security group by hand", nlb.securityGroup.id);
      output('target_group_arns', 'Target group per route, keyed <listener port>/<mode>',
        Object.fromEntries([...targetGroups].map(([key, group]) => [key, group.arn])));
      output('sync_function_names', 'Sync function per ip-sync route listener port',
        Object.fromEntries([...syncs].map(([port, sync]) => [String(port), sync.function.functionName])));
    }
    if (stateBucket) output('state_bucket', "Bucket of the sync's state, one prefix per target group ARN", stateBucket.bucket.bucket);
    if (accelerator) {
      output('accelerator_static_ips', "The Global Accelerator's static anycast IPs (IPv4 first)", accelerator.staticIps);
      output('accelerator_dns_name', "The Global Accelerator's DNS name", accelerator.dnsName);
    }
  }
}
