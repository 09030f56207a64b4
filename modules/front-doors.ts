import { Annotations, Aspects, TerraformOutput, TerraformResource, type IAspect } from 'cdktf';
import { VpcSecurityGroupIngressRule } from '@cdktf/provider-aws/lib/vpc-security-group-ingress-rule';
import { Construct, type IConstruct } from 'constructs';
import type { AwsProviderConfig } from '@cdktf/provider-aws/lib/provider';
import type { ResolvedAlb, ResolvedEnvironment, ResolvedRoute } from '../config/defaults';
import type { EnvironmentConfig, RouteMode } from '../config/types';
import { resolveEnvironment } from '../config/validate';
import { MODES, type ModeBuilder, type ModeOutput, type ModeRoute } from '../modes';
import { AlbReference } from './alb-reference';
import { GlobalAcceleratorFrontDoor, globalAcceleratorProvider } from './global-accelerator';
import { StaticIpObservability } from './observability';
import { resourceNames, type ResourceNames } from './resource-names';
import { PRIVATE_TARGET_RANGES, StaticIpNlb, cidrIdPart, cidrOf, type AlbFlow } from './static-ip-nlb';
import { StaticIps, type StaticIpSource } from './static-ips';

export { resourceNames, type ResourceNames } from './resource-names';

/** One route's target groups: its serving mode's and, when it has one, its standby's. */
export interface FrontDoorRoute {
  readonly route: ResolvedRoute;
  readonly serving: ModeRoute;
  readonly standby?: ModeRoute;
}

/** The NLB front door: the static IPs, the NLB with a listener per route, the routes' target groups, the dashboard. */
export interface NlbFrontDoor {
  readonly staticIps: StaticIps;
  readonly loadBalancer: StaticIpNlb;
  readonly routes: readonly FrontDoorRoute[];
  readonly observability: StaticIpObservability;
  /** The static IPv4 addresses, one per Availability Zone in zone order: the list partners allowlist. */
  readonly staticIpAddresses: readonly string[];
  /** Target group ARN per route, keyed `<listener port>/<mode>` (the serving mode's, and a standby's). */
  readonly targetGroupArns: ReadonlyMap<string, string>;
  /** Sync function name per listener port of the routes whose mode has one. */
  readonly syncFunctionNames: ReadonlyMap<number, string>;
  /** Outputs of what the routes' modes share (e.g. ip-sync's state bucket). */
  readonly modeOutputs: readonly ModeOutput[];
}

/** What an environment's front doors are made of, for outputs and for code that builds on them. */
export interface FrontDoors {
  readonly environment: ResolvedEnvironment;
  /** Absent when the environment has no NLB (an accelerator only). */
  readonly nlb?: NlbFrontDoor;
  /** Present when the environment has a Global Accelerator. */
  readonly accelerator?: GlobalAcceleratorFrontDoor;
}

export interface FrontDoorOptions {
  /** Folder the sync function is bundled into before it is zipped. @default dist/lambda */
  readonly bundleOutdir?: string;
  /** Configuration of the stack's AWS provider, which the accelerator's us-west-2 provider copies. @default none */
  readonly providerConfig?: AwsProviderConfig;
}

/**
 * Builds an environment's front doors into `scope`: the static IPs and the NLB with a listener per route, each
 * route's target group as its mode builds it (see modes/), an optional Global Accelerator, and a dashboard with
 * alarms. The static IPs and the NLB do not depend on any route's mode, so switching one never touches an
 * address. StaticIpStack builds into itself (keeping the Terraform addresses of earlier versions);
 * {@link StaticIpFrontDoors} is the same as a construct for a team's own stack.
 */
export function buildFrontDoors(scope: Construct, environment: ResolvedEnvironment, options: FrontDoorOptions = {}): FrontDoors {
  for (const warning of environment.warnings)
    Annotations.of(scope).addWarning(`environment ${JSON.stringify(environment.name)}: ${warning}`);
  const names = resourceNames(environment.name, environment.region);
  const albs = new Map([...environment.albs].map(([key, alb]) => [key, new AlbReference(scope, alb)]));
  const nlb = environment.nlb ? buildNlbFrontDoor(scope, environment, names, albs, options) : undefined;
  const accelerator = environment.globalAccelerator
    ? new GlobalAcceleratorFrontDoor(scope, 'global-accelerator', {
        name: names.accelerator,
        provider: globalAcceleratorProvider(scope, 'aws-global-accelerator', options.providerConfig ?? {}),
        endpointRegion: environment.region,
        routes: environment.routes.map((route) => ({
          port: route.listenerPort,
          albArn: albs.get(route.alb)!.arn(),
          albPort: route.albPort,
        })),
        ipAddressType: environment.globalAccelerator.ipAddressType,
        ipAddresses: environment.globalAccelerator.ipAddresses,
        protect: environment.protect,
      })
    : undefined;
  albSecurityGroupIngress(scope, environment, nlb?.loadBalancer);
  return { environment, nlb, accelerator };
}

function buildNlbFrontDoor(
  scope: Construct,
  environment: ResolvedEnvironment,
  names: ResourceNames,
  albs: ReadonlyMap<string, AlbReference>,
  options: FrontDoorOptions,
): NlbFrontDoor {
  const staticIps = new StaticIps(scope, 'static-ips', {
    name: names.loadBalancer,
    zones: environment.zones.map(({ availabilityZone, staticIp }) => ({ availabilityZone, source: staticIpSource(staticIp) })),
    protect: environment.protect,
    release: environment.release,
  });
  const loadBalancer = new StaticIpNlb(scope, 'static-ip-nlb', {
    name: names.loadBalancer,
    vpcId: environment.vpcId,
    subnetMappings: environment.zones.map(({ availabilityZone, subnetId }) => ({
      subnetId,
      allocationId: staticIps.byZone.get(availabilityZone)!.allocationId,
    })),
    clientPorts: environment.routes.map((route) => route.listenerPort),
    ingressCidrs: environment.ingressCidrs,
    albFlows: environment.routes.flatMap((route) => albFlows(route, albs.get(route.alb)!.config)),
    protect: environment.protect,
    ipAddressType: environment.nlbIpAddressType,
  });

  // One builder per mode in use, made with its first route: it holds what that mode's routes share.
  const builders = new Map<RouteMode, ModeBuilder>();
  const build = (route: ResolvedRoute, mode: RouteMode): ModeRoute => {
    let builder = builders.get(mode);
    if (builder === undefined) {
      builder = MODES[mode].builder({ scope, environment, names, bundleOutdir: options.bundleOutdir });
      builders.set(mode, builder);
    }
    return builder.route(route, albs.get(route.alb)!);
  };
  const targetGroupArns = new Map<string, string>();
  const syncFunctionNames = new Map<number, string>();
  const routes = environment.routes.map((route): FrontDoorRoute => {
    const serving = build(route, route.mode);
    targetGroupArns.set(`${route.listenerPort}/${route.mode}`, serving.targetGroup.arn);
    loadBalancer.addListener(route.listenerPort, serving.targetGroup);
    if (serving.syncFunction) syncFunctionNames.set(route.listenerPort, serving.syncFunction.functionName);
    if (!route.standby) return { route, serving };
    const standby = build(route, route.standby.mode);
    targetGroupArns.set(`${route.listenerPort}/${route.standby.mode}`, standby.targetGroup.arn);
    loadBalancer.addListener(route.standby.listenerPort, standby.targetGroup);
    if (standby.syncFunction) syncFunctionNames.set(route.listenerPort, standby.syncFunction.functionName);
    return { route, serving, standby };
  });

  const observability = new StaticIpObservability(scope, 'observability', {
    name: names.dashboard,
    region: environment.region,
    loadBalancerArnSuffix: loadBalancer.loadBalancer.arnSuffix,
    routes: routes.map(({ route, serving }) => ({
      listenerPort: route.listenerPort,
      mode: route.mode,
      targetGroupArnSuffix: serving.targetGroup.arnSuffix,
      dashboard: serving.dashboard,
    })),
    alarmTopicArn: environment.alarmTopicArn,
  });
  return {
    staticIps,
    loadBalancer,
    routes,
    observability,
    staticIpAddresses: staticIps.addresses.map(({ publicIp }) => publicIp),
    targetGroupArns,
    syncFunctionNames,
    modeOutputs: [...builders.values()].flatMap((builder) => builder.outputs()),
  };
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
  /**
   * The environment, validated here before anything is created. Its `backend` is the team's stack's, not used
   * here; its `tags` are set on every resource of the construct that takes tags.
   */
  readonly environment: EnvironmentConfig;
}

/**
 * An environment's front doors as one construct, to embed in a team's own stack with its own provider and
 * backend (see examples/embedded). Values may be tokens from the team's code; synth validates the literal ones.
 */
export class StaticIpFrontDoors extends Construct implements FrontDoors {
  public readonly environment: ResolvedEnvironment;
  public readonly nlb?: NlbFrontDoor;
  public readonly accelerator?: GlobalAcceleratorFrontDoor;
  /** The NLB's static IPv4 addresses in zone order; empty when the environment has no NLB. */
  public readonly staticIpAddresses: readonly string[];
  /** The accelerator's static anycast IPs (IPv4 first); empty without an accelerator. */
  public readonly acceleratorStaticIps: readonly string[];

  constructor(scope: Construct, id: string, props: StaticIpFrontDoorsProps) {
    super(scope, id);
    const environment = resolveEnvironment(props.environment);
    const doors = buildFrontDoors(this, environment, props);
    this.environment = environment;
    this.nlb = doors.nlb;
    this.accelerator = doors.accelerator;
    this.staticIpAddresses = doors.nlb?.staticIpAddresses ?? [];
    this.acceleratorStaticIps = doors.accelerator?.staticIps ?? [];
    // A team's stack has its own provider, whose default_tags are the team's: the environment's go on each resource.
    if (Object.keys(environment.tags).length > 0) Aspects.of(this).add(new EnvironmentTags(environment.tags));
  }
}

/** Sets tags on every resource that takes them, below the resource's own (a `Name` tag stays the resource's). */
class EnvironmentTags implements IAspect {
  constructor(private readonly tags: Readonly<Record<string, string>>) {}

  visit(node: IConstruct): void {
    if (!TerraformResource.isTerraformResource(node) || !('tagsInput' in node) || !('tags' in node)) return;
    const taggable = node as TerraformResource & { tags: Record<string, string>; readonly tagsInput?: Record<string, string> };
    taggable.tags = { ...this.tags, ...taggable.tagsInput };
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
  return {
    kind: 'new',
    pool: 'ipamPoolId' in pool ? { type: 'ipam', poolId: pool.ipamPoolId } : { type: 'byoip', poolId: pool.publicIpv4Pool },
  };
}

/** The NLB's traffic to a route's ALB: the ports its serving mode and its standby's reach. */
function albFlows(route: ResolvedRoute, alb: ResolvedAlb): AlbFlow[] {
  const destination = alb.securityGroupId
    ? { securityGroupId: alb.securityGroupId, manageIngress: alb.securityGroupRules === 'managed' }
    : { cidrs: alb.outsideVpc?.cidrs ?? PRIVATE_TARGET_RANGES };
  const modes = [route.mode, ...(route.standby ? [route.standby.mode] : [])];
  const ports = new Set(modes.flatMap((mode) => MODES[mode].albPorts(route)));
  return [...ports].map((port) => ({ alb: alb.key, port, destination }));
}
