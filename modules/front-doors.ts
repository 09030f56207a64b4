import { Annotations, TerraformOutput, Token } from 'cdktf';
import { VpcSecurityGroupIngressRule } from '@cdktf/provider-aws/lib/vpc-security-group-ingress-rule';
import { Construct } from 'constructs';
import { DataAwsCallerIdentity } from '@cdktf/provider-aws/lib/data-aws-caller-identity';
import { DataAwsLb } from '@cdktf/provider-aws/lib/data-aws-lb';
import type { LbTargetGroup } from '@cdktf/provider-aws/lib/lb-target-group';
import type { AwsProviderConfig } from '@cdktf/provider-aws/lib/provider';
import type { ResolvedAlb, ResolvedEnvironment, ResolvedRoute } from '../config/defaults';
import type { EnvironmentConfig, RouteMode } from '../config/types';
import { resolveEnvironment } from '../config/validate';
import { AlbIpSync, type SyncRoleSettings } from './alb-ip-sync';
import { AlbNodeTargetGroup } from './alb-node-target-group';
import { AlbTypeTargetGroup } from './alb-target';
import { GlobalAcceleratorFrontDoor, globalAcceleratorProvider } from './global-accelerator';
import { LambdaBundle } from './lambda-bundle';
import { StaticIpObservability } from './observability';
import { PRIVATE_TARGET_RANGES, StaticIpNlb, cidrIdPart, cidrOf, type AlbFlow } from './static-ip-nlb';
import { StaticIps, type StaticIpSource } from './static-ips';
import { SyncNetwork } from './sync-network';
import { SyncStateBucket } from './sync-state-bucket';

/**
 * Every name of one environment's resources. All derive from the environment's name (and the route's listener
 * port), so two environments in one account never collide; the longest fit AWS's limits for the longest allowed
 * name. Names AWS keeps account-wide carry the region (dashboards) or a unique suffix (IAM roles).
 */
export function resourceNames(environment: string, region: string) {
  return {
    loadBalancer: `${environment}-static-ip`,
    /** `ip-sync` target groups keep the name they had before routes had modes. */
    targetGroup: (port: number, mode: RouteMode) => `${environment}-${mode === 'ip-sync' ? 'alb' : 'tga'}-${port}`,
    syncFunction: (port: number) => `${environment}-alb-ip-sync-${port}`,
    stateBucketPrefix: `${environment}-alb-ip-state-`,
    accelerator: `${environment}-static-ip`,
    dashboard: `${environment}-static-ip-${region}`,
  } as const;
}

/** What the front doors are made of, for outputs and for code that builds on them. */
export interface FrontDoorParts {
  readonly environment: ResolvedEnvironment;
  /** Absent when the environment has no NLB. */
  readonly staticIps?: StaticIps;
  readonly nlb?: StaticIpNlb;
  /** Target group per route, keyed `<listener port>/<mode>` (the serving mode, and a standby's). */
  readonly targetGroups: ReadonlyMap<string, LbTargetGroup>;
  /** Sync function per `ip-sync` route listener port. */
  readonly syncs: ReadonlyMap<number, AlbIpSync>;
  /** The sync functions' state, when any route is in `ip-sync` mode. */
  readonly stateBucket?: SyncStateBucket;
  /** The sync functions' security group and VPC endpoints, when they run in the VPC. */
  readonly syncNetwork?: SyncNetwork;
  readonly accelerator?: GlobalAcceleratorFrontDoor;
  readonly observability?: StaticIpObservability;
}

export interface FrontDoorOptions {
  /** Folder the sync function is bundled into before it is zipped. @default dist/lambda */
  readonly bundleOutdir?: string;
  /** Configuration of the stack's AWS provider, which the accelerator's us-west-2 provider copies. @default none */
  readonly providerConfig?: AwsProviderConfig;
}

/**
 * Builds an environment's front doors into `scope`: the static IPs and the NLB with a listener per route, each
 * route's target group (and, for `ip-sync`, its sync function), an optional Global Accelerator, and a dashboard
 * with alarms. The static IPs and the NLB do not depend on any route's mode, so switching one never touches an
 * address. StaticIpStack builds into itself (keeping the Terraform addresses of earlier versions);
 * {@link StaticIpFrontDoors} is the same as a construct for a team's own stack.
 */
export function buildFrontDoors(scope: Construct, environment: ResolvedEnvironment, options: FrontDoorOptions = {}): FrontDoorParts {
  const names = resourceNames(environment.name, environment.region);
  for (const warning of environment.warnings) Annotations.of(scope).addWarning(`environment ${JSON.stringify(environment.name)}: ${warning}`);
  const albs = new Map([...environment.albs].map(([key, alb]) => [key, new AlbReference(scope, alb)]));
  const targetGroups = new Map<string, LbTargetGroup>();
  const syncs = new Map<number, AlbIpSync>();
  let staticIps: StaticIps | undefined;
  let nlb: StaticIpNlb | undefined;
  let stateBucket: SyncStateBucket | undefined;
  let syncNetwork: SyncNetwork | undefined;
  let roleSettings: SyncRoleSettings | undefined;
  let observability: StaticIpObservability | undefined;

  if (environment.nlb) {
    staticIps = new StaticIps(scope, 'static-ips', {
      name: names.loadBalancer,
      zones: environment.zones.map(({ availabilityZone, staticIp }) => ({ availabilityZone, source: staticIpSource(staticIp) })),
      protect: environment.protect,
      release: environment.release,
    });
    const addresses = staticIps.byZone;
    nlb = new StaticIpNlb(scope, 'static-ip-nlb', {
      name: names.loadBalancer,
      vpcId: environment.vpcId,
      subnetMappings: environment.zones.map(({ availabilityZone, subnetId }) => ({
        subnetId,
        allocationId: addresses.get(availabilityZone)!.allocationId,
      })),
      clientPorts: environment.routes.map((route) => route.listenerPort),
      ingressCidrs: environment.ingressCidrs,
      albFlows: environment.routes.flatMap((route) => albFlows(route, albs.get(route.alb)!.config)),
      protect: environment.protect,
      ipAddressType: environment.nlbIpAddressType,
    });

    let code: LambdaBundle | undefined;
    const targetGroupOf = (route: ResolvedRoute, mode: RouteMode): LbTargetGroup => {
      const alb = albs.get(route.alb)!;
      const name = names.targetGroup(route.listenerPort, mode);
      if (mode === 'alb-target') {
        const { targetGroup, attachment } = new AlbTypeTargetGroup(scope, `alb-target-${route.listenerPort}`, {
          name,
          vpcId: environment.vpcId,
          albArn: alb.arn(),
          port: route.albPort,
          healthCheck: route.healthCheck,
        });
        if (route.albListenerArn !== undefined && Token.isUnresolved(route.albListenerArn)) {
          // A listener made in the same apply: referencing it makes the attachment wait (AWS rejects an ALB
          // target whose port has no listener yet).
          attachment.addOverride('lifecycle.precondition', [
            { condition: `\${length(${route.albListenerArn}) > 0}`, error_message: 'The ALB listener of this route must exist first.' },
          ]);
        }
        return targetGroup;
      }
      if (route.preserveClientIp && alb.config.securityGroupId === undefined) {
        // The stack writes no rule into a security group it was not given: say what that rule must be.
        Annotations.of(scope).addWarning(
          `environment "${environment.name}": routes with listenerPort ${route.listenerPort}: preserveClientIp: albs.${route.alb}'s security group must admit the NLB's ` +
            `security group (output nlb_security_group_id) on port ${route.albPort}; a rule admitting the NLB's private addresses ` +
            `no longer matches, as the ALB now sees the clients' addresses`,
        );
      }
      const { targetGroup } = new AlbNodeTargetGroup(scope, `ip-target-group-${route.listenerPort}`, {
        name,
        vpcId: environment.vpcId,
        port: route.albPort,
        preserveClientIp: route.preserveClientIp,
      });
      const { invocationsBeforeDeregistration, ...discovery } = route.discovery;
      code ??= new LambdaBundle(scope, 'sync-code', { outdir: options.bundleOutdir });
      stateBucket ??= new SyncStateBucket(scope, 'sync-state', { bucketPrefix: names.stateBucketPrefix, kmsKeyArn: environment.kmsKeyArn });
      roleSettings ??= syncRoleSettings(scope, environment);
      const vpc = environment.syncFunction.vpc;
      if (vpc) {
        // Endpoints for what the syncs call: EC2 to list interfaces, STS to assume a discovery role.
        const discoveries = environment.routes.filter((r) => r.mode === 'ip-sync' || r.standby?.mode === 'ip-sync').map((r) => r.discovery);
        syncNetwork ??= new SyncNetwork(scope, 'sync-network', {
          name: environment.name,
          region: environment.region,
          vpcId: environment.vpcId,
          ...vpc,
          needsEc2: discoveries.some((discovery) => discovery.source !== 'dns'),
          needsSts: discoveries.some((discovery) => discovery.roleArn !== undefined),
        });
      }
      const sync = new AlbIpSync(scope, `alb-ip-sync-${route.listenerPort}`, {
        functionName: names.syncFunction(route.listenerPort),
        albDnsName: alb.dnsName(),
        port: route.albPort,
        targetGroup,
        stateBucket: stateBucket!.bucket,
        code,
        // Unset, the grace follows the discovery (AlbIpSync's per-source default).
        tuning: { ...environment.sync, invocationsBeforeDeregistration },
        runtime: environment.lambdaRuntime,
        alarmTopicArn: environment.alarmTopicArn,
        sameVpc: alb.config.outsideVpc === undefined,
        discovery: { ...discovery, albArn: discovery.source === 'dns' ? undefined : alb.arn() },
        events: route.events,
        logRetentionDays: environment.syncFunction.logRetentionDays,
        iam: roleSettings,
        vpc: syncNetwork && { subnetIds: syncNetwork.subnetIds, securityGroupIds: syncNetwork.securityGroupIds },
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
      syncs.set(route.listenerPort, sync);
      return targetGroup;
    };
    for (const route of environment.routes) {
      const serving = targetGroupOf(route, route.mode);
      targetGroups.set(`${route.listenerPort}/${route.mode}`, serving);
      nlb.addListener(route.listenerPort, serving);
      if (route.standby) {
        const standby = targetGroupOf(route, route.standby.mode);
        targetGroups.set(`${route.listenerPort}/${route.standby.mode}`, standby);
        nlb.addListener(route.standby.listenerPort, standby);
      }
    }

    observability = new StaticIpObservability(scope, 'observability', {
      name: names.dashboard,
      region: environment.region,
      loadBalancerArnSuffix: nlb.loadBalancer.arnSuffix,
      routes: environment.routes.map((route) => ({
        listenerPort: route.listenerPort,
        mode: route.mode,
        targetGroupArnSuffix: targetGroups.get(`${route.listenerPort}/${route.mode}`)!.arnSuffix,
        syncFunctionName: route.mode === 'ip-sync' ? syncs.get(route.listenerPort)!.function.functionName : undefined,
      })),
      alarmTopicArn: environment.alarmTopicArn,
    });
  }

  let accelerator: GlobalAcceleratorFrontDoor | undefined;
  if (environment.globalAccelerator) {
    accelerator = new GlobalAcceleratorFrontDoor(scope, 'global-accelerator', {
      name: names.accelerator,
      provider: globalAcceleratorProvider(scope, 'aws-global-accelerator', options.providerConfig ?? {}),
      endpointRegion: environment.region,
      routes: environment.routes.map((route) => ({ port: route.listenerPort, albArn: albs.get(route.alb)!.arn(), albPort: route.albPort })),
      ipAddressType: environment.globalAccelerator.ipAddressType,
      ipAddresses: environment.globalAccelerator.ipAddresses,
      protect: environment.protect,
    });
  }
  albSecurityGroupIngress(scope, environment, nlb);
  return { environment, staticIps, nlb, targetGroups, syncs, stateBucket, syncNetwork, accelerator, observability };
}

/** The sync roles' IAM settings; the trust condition's account comes from the deploying credentials. */
function syncRoleSettings(scope: Construct, environment: ResolvedEnvironment): SyncRoleSettings {
  const { permissionsBoundaryArn, path, trustSourceAccount } = environment.iam;
  const sourceAccount = trustSourceAccount ? new DataAwsCallerIdentity(scope, 'deploying-account').accountId : undefined;
  return { permissionsBoundaryArn, path, sourceAccount };
}

/** The output that lists what ALB security groups with `securityGroupRules: 'output'` must admit. */
export const ALB_SECURITY_GROUP_INGRESS_OUTPUT = 'alb_security_group_ingress';

/**
 * What the ALBs' security groups must admit beyond the NLB's rules: the accelerator's clients from `ingressCidrs`
 * on each route's ALB port (the accelerator keeps the client's address). Written as rules into the groups whose
 * rules the stack manages; for the others, listed with the NLB's in one output for the group's owner.
 */
function albSecurityGroupIngress(scope: Construct, environment: ResolvedEnvironment, nlb: StaticIpNlb | undefined): void {
  const unmanaged: Record<string, string | number>[] = (nlb?.albIngress ?? [])
    .filter((ingress) => !ingress.managed)
    .map(({ alb, securityGroupId, port, sourceSecurityGroupId }) => ({
      alb,
      security_group_id: securityGroupId,
      port,
      source: sourceSecurityGroupId,
      description: `Static-IP NLB ${port}`,
    }));
  const made = new Set<string>();
  for (const route of environment.routes) {
    const alb = environment.albs.get(route.alb)!;
    if (alb.securityGroupId === undefined) continue;
    for (const cidr of environment.acceleratorIngressCidrs) {
      const id = `alb-accelerator-ingress-${alb.key}-${route.albPort}-${cidrIdPart(cidr)}`;
      if (made.has(id)) continue;
      made.add(id);
      const description = `Accelerator clients on ${route.albPort}`;
      if (alb.securityGroupRules === 'output') {
        unmanaged.push({ alb: alb.key, security_group_id: alb.securityGroupId, port: route.albPort, source: cidr, description });
        continue;
      }
      new VpcSecurityGroupIngressRule(scope, id, {
        securityGroupId: alb.securityGroupId,
        ipProtocol: 'tcp',
        fromPort: route.albPort,
        toPort: route.albPort,
        ...cidrOf(cidr),
        description,
      });
    }
  }
  if (unmanaged.length === 0) return;
  new TerraformOutput(scope, ALB_SECURITY_GROUP_INGRESS_OUTPUT, {
    description:
      "What the ALBs' security groups must admit (TCP on port, from source: a security group or a CIDR); " +
      "their rules are not this stack's (securityGroupRules: 'output')",
    value: unmanaged,
  });
}

export interface StaticIpFrontDoorsProps extends FrontDoorOptions {
  /** The environment: validated here, before anything is created. Its `backend` is the stack's, not used here. */
  readonly environment: EnvironmentConfig;
}

/**
 * An environment's front doors as one construct, to embed in a team's own stack with its own provider and
 * backend (see examples/embedded). Values may be tokens from the team's code; synth validates the literal ones.
 */
export class StaticIpFrontDoors extends Construct {
  public readonly parts: FrontDoorParts;

  constructor(scope: Construct, id: string, props: StaticIpFrontDoorsProps) {
    super(scope, id);
    this.parts = buildFrontDoors(this, resolveEnvironment(props.environment), props);
  }
}

/** An ALB as the routes use it: DNS name and ARN, literal, token, or looked up by a data source made on first use. */
class AlbReference {
  private found?: DataAwsLb;

  constructor(
    private readonly scope: Construct,
    public readonly config: ResolvedAlb,
  ) {}

  /** The data source, when a route needed one: the plan then checks what synth could not. */
  get lookup(): DataAwsLb | undefined {
    return this.found;
  }

  dnsName(): string {
    return this.config.dnsName ?? this.lookUp().dnsName;
  }

  arn(): string {
    return this.config.arn ?? this.lookUp().arn;
  }

  private lookUp(): DataAwsLb {
    const { key, name, arn } = this.config;
    return (this.found ??= new DataAwsLb(this.scope, `alb-${key}`, name !== undefined ? { name } : { arn }));
  }
}

/** The static IP source a resolved zone asks for. */
function staticIpSource(staticIp: ResolvedEnvironment['zones'][number]['staticIp']): StaticIpSource {
  if ('allocationId' in staticIp) {
    return { kind: staticIp.adopt ? 'adopt' : 'existing', allocationId: staticIp.allocationId };
  }
  if ('publicIp' in staticIp) return { kind: 'lookup', publicIp: staticIp.publicIp };
  if ('tags' in staticIp) return { kind: 'lookup', tags: staticIp.tags };
  const pool = staticIp.pool;
  if (pool === undefined) return { kind: 'new' };
  return { kind: 'new', pool: 'ipamPoolId' in pool ? { type: 'ipam', poolId: pool.ipamPoolId } : { type: 'byoip', poolId: pool.publicIpv4Pool } };
}

/** The NLB's traffic to a route's ALB: the forwarded port and, for `alb-target`, the health-check port. */
function albFlows(route: ResolvedRoute, alb: ResolvedAlb): AlbFlow[] {
  const destination = alb.securityGroupId
    ? { securityGroupId: alb.securityGroupId, manageIngress: alb.securityGroupRules === 'managed' }
    : { cidrs: alb.outsideVpc?.cidrs ?? PRIVATE_TARGET_RANGES };
  const ports = new Set([route.albPort, ...(route.healthCheck ? [route.healthCheck.port] : [])]);
  return [...ports].map((port) => ({ alb: alb.key, port, destination }));
}
