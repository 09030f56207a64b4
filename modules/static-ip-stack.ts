import { TerraformOutput, TerraformStack } from 'cdktf';
import type { Construct } from 'constructs';
import { AwsProvider, type AwsProviderConfig } from '@cdktf/provider-aws/lib/provider';
import type { ResolvedEnvironment } from '../config/defaults';
import { applyBackend } from './backend';
import { buildFrontDoors, type FrontDoors } from './front-doors';
import { moveFromLegacyAddresses } from './legacy-addresses';

export { resourceNames } from './front-doors';

export interface StaticIpStackProps {
  /**
   * The environment this stack deploys, resolved by `resolveEnvironment` (or `resolveEnvironments`, which reports
   * every environment's problems at once): the stack builds from it and does not validate it again.
   */
  readonly environment: ResolvedEnvironment;
  /** Folder the sync function is bundled into before it is zipped. @default dist/lambda */
  readonly bundleOutdir?: string;
}

/** One environment's stack: its provider and backend, its front doors (see buildFrontDoors) and their outputs. */
export class StaticIpStack extends TerraformStack {
  public readonly environment: ResolvedEnvironment;
  public readonly frontDoors: FrontDoors;

  constructor(scope: Construct, props: StaticIpStackProps) {
    const { environment } = props;
    super(scope, environment.name);
    this.environment = environment;
    const hasTags = Object.keys(environment.tags).length > 0;
    const providerConfig: AwsProviderConfig = {
      region: environment.region,
      defaultTags: hasTags ? [{ tags: { ...environment.tags } }] : undefined,
    };
    new AwsProvider(this, 'aws', providerConfig);
    applyBackend(this, environment);
    this.frontDoors = buildFrontDoors(this, environment, { bundleOutdir: props.bundleOutdir, providerConfig });
    moveFromLegacyAddresses(this, environment);
    this.outputs();
  }

  private outputs(): void {
    const { nlb, accelerator } = this.frontDoors;
    const output = (id: string, description: string, value: unknown) => new TerraformOutput(this, id, { description, value });
    if (nlb) {
      const { loadBalancer } = nlb;
      output(
        'static_ips',
        'The static IPs of the NLB, one per Availability Zone in zone order: the list partners allowlist',
        nlb.staticIpAddresses,
      );
      if (loadBalancer.ipv6Addresses.length > 0) {
        output(
          'nlb_ipv6_addresses',
          "The dual-stack NLB's IPv6 addresses, one per zone in zone order (assigned by AWS in each subnet)",
          loadBalancer.ipv6Addresses,
        );
      }
      output('nlb_dns_name', 'DNS name of the NLB; it resolves to the static IPs', loadBalancer.loadBalancer.dnsName);
      output('nlb_zone_id', "The NLB's hosted zone, for Route 53 alias records pointing at it", loadBalancer.loadBalancer.zoneId);
      output(
        'nlb_security_group_id',
        "The NLB's security group, e.g. to admit it on an ALB's security group by hand",
        loadBalancer.securityGroup.id,
      );
      output('target_group_arns', 'Target group per route, keyed <listener port>/<mode>', Object.fromEntries(nlb.targetGroupArns));
      output(
        'sync_function_names',
        'Sync function per ip-sync route listener port',
        Object.fromEntries([...nlb.syncFunctionNames].map(([port, name]) => [String(port), name])),
      );
      for (const { id, description, value } of nlb.modeOutputs) output(id, description, value);
    }
    if (accelerator) {
      output('accelerator_static_ips', "The Global Accelerator's static anycast IPs (IPv4 first)", accelerator.staticIps);
      output('accelerator_dns_name', "The Global Accelerator's DNS name", accelerator.dnsName);
    }
  }
}
