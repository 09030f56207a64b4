import { Construct } from 'constructs';
import { SecurityGroup } from '@cdktf/provider-aws/lib/security-group';
import { VpcEndpoint } from '@cdktf/provider-aws/lib/vpc-endpoint';
import { VpcSecurityGroupEgressRule } from '@cdktf/provider-aws/lib/vpc-security-group-egress-rule';
import { VpcSecurityGroupIngressRule } from '@cdktf/provider-aws/lib/vpc-security-group-ingress-rule';

/** The AWS APIs a sync function may call from inside a VPC, as the suffix of their endpoint service name. */
export const SYNC_INTERFACE_SERVICES = {
  /** Target registration and health: every sync. */
  elasticLoadBalancing: 'elasticloadbalancing',
  /** Network-interface discovery. */
  ec2: 'ec2',
  /** An assumed discovery role. */
  sts: 'sts',
} as const;

const HTTPS = 443;

export interface SyncNetworkProps {
  /** Prefix of the security groups' names, e.g. the environment's name. */
  readonly name: string;
  readonly region: string;
  readonly vpcId: string;
  /** Private subnets of the functions (and of the interface endpoints), at most one per Availability Zone. */
  readonly subnetIds: readonly string[];
  /** The functions' own security groups, whose egress must reach the endpoints. @default one this construct creates */
  readonly securityGroupIds?: readonly string[];
  /**
   * `create`: the S3 gateway endpoint on `routeTableIds` and the interface endpoints, in a security group that
   * admits the functions on 443. `existing`: the VPC has them; `securityGroupIds` must then be given.
   * @default create
   */
  readonly endpoints?: 'create' | 'existing';
  /** Route tables of `subnetIds`, for the S3 gateway endpoint. Required with `endpoints: create`. */
  readonly routeTableIds?: readonly string[];
  /** An EC2 interface endpoint, for network-interface discovery. @default false */
  readonly needsEc2?: boolean;
  /** An STS interface endpoint, for an assumed discovery role. @default false */
  readonly needsSts?: boolean;
}

/**
 * Where the sync functions run inside a VPC: their security group and the VPC endpoints of the APIs they call
 * (S3 for the state, Elastic Load Balancing always, EC2 and STS when asked), so that private subnets with no
 * route to the internet still reach them. DNS needs no rule: security groups do not filter the VPC's resolver.
 */
export class SyncNetwork extends Construct {
  /** What the functions' `vpc_config` takes. */
  public readonly subnetIds: readonly string[];
  public readonly securityGroupIds: readonly string[];
  /** Interface endpoints by service suffix, and the S3 gateway endpoint: empty with `endpoints: existing`. */
  public readonly endpoints: ReadonlyMap<string, VpcEndpoint>;

  constructor(scope: Construct, id: string, props: SyncNetworkProps) {
    super(scope, id);
    const endpointsChoice = props.endpoints ?? 'create';
    validate(props, endpointsChoice);
    this.subnetIds = props.subnetIds;

    const functionGroup =
      props.securityGroupIds === undefined
        ? new SecurityGroup(this, 'function-security-group', {
            name: `${props.name}-sync`,
            description: `Sync functions of ${props.name}: HTTPS to the VPC endpoints only`,
            vpcId: props.vpcId,
            tags: { Name: `${props.name}-sync` },
          })
        : undefined;
    this.securityGroupIds = functionGroup ? [functionGroup.id] : props.securityGroupIds!;

    const endpoints = new Map<string, VpcEndpoint>();
    this.endpoints = endpoints;
    if (endpointsChoice === 'existing') return;

    const endpointGroup = new SecurityGroup(this, 'endpoint-security-group', {
      name: `${props.name}-sync-endpoints`,
      description: `VPC endpoints of the sync functions of ${props.name}: HTTPS from them`,
      vpcId: props.vpcId,
      tags: { Name: `${props.name}-sync-endpoints` },
    });
    const https = { ipProtocol: 'tcp', fromPort: HTTPS, toPort: HTTPS } as const;
    // Named groups may be tokens, unfit for ids: key the rules by position.
    this.securityGroupIds.forEach((groupId, i) => {
      new VpcSecurityGroupIngressRule(this, `endpoint-ingress-${i}`, {
        ...https,
        securityGroupId: endpointGroup.id,
        description: 'Sync functions',
        referencedSecurityGroupId: groupId,
      });
    });

    const services = [
      SYNC_INTERFACE_SERVICES.elasticLoadBalancing,
      ...(props.needsEc2 ? [SYNC_INTERFACE_SERVICES.ec2] : []),
      ...(props.needsSts ? [SYNC_INTERFACE_SERVICES.sts] : []),
    ];
    for (const service of services) {
      endpoints.set(
        service,
        new VpcEndpoint(this, `endpoint-${service}`, {
          vpcId: props.vpcId,
          serviceName: `com.amazonaws.${props.region}.${service}`,
          vpcEndpointType: 'Interface',
          // The SDK's default host names then resolve to the endpoint: the function needs no configuration.
          privateDnsEnabled: true,
          subnetIds: [...props.subnetIds],
          securityGroupIds: [endpointGroup.id],
          tags: { Name: `${props.name}-sync-${service}` },
        }),
      );
    }
    const s3 = new VpcEndpoint(this, 'endpoint-s3', {
      vpcId: props.vpcId,
      serviceName: `com.amazonaws.${props.region}.s3`,
      vpcEndpointType: 'Gateway',
      routeTableIds: [...props.routeTableIds!],
      tags: { Name: `${props.name}-sync-s3` },
    });
    endpoints.set('s3', s3);

    if (functionGroup) {
      new VpcSecurityGroupEgressRule(this, 'egress-endpoints', {
        ...https,
        securityGroupId: functionGroup.id,
        description: 'VPC interface endpoints',
        referencedSecurityGroupId: endpointGroup.id,
      });
      new VpcSecurityGroupEgressRule(this, 'egress-s3', {
        ...https,
        securityGroupId: functionGroup.id,
        description: 'S3 through the gateway endpoint',
        prefixListId: s3.prefixListId,
      });
    }
  }
}

function validate(props: SyncNetworkProps, endpoints: 'create' | 'existing'): void {
  const problems: string[] = [];
  if (props.subnetIds.length === 0) problems.push('subnetIds must list at least one subnet');
  if (props.securityGroupIds !== undefined && props.securityGroupIds.length === 0) {
    problems.push('securityGroupIds must list at least one group, or be left out for one the stack creates');
  }
  if (endpoints === 'create' && (props.routeTableIds === undefined || props.routeTableIds.length === 0)) {
    problems.push("routeTableIds must list the subnets' route tables, for the S3 gateway endpoint");
  }
  if (endpoints === 'existing') {
    if (props.routeTableIds !== undefined) problems.push('routeTableIds has no effect with existing endpoints');
    if (props.securityGroupIds === undefined) problems.push('securityGroupIds is required with existing endpoints');
  }
  if (problems.length > 0) throw new Error(`SyncNetwork ${props.name}: ${problems.join('; ')}`);
}
