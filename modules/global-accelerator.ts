import { isIPv4 } from 'node:net';
import { Fn, TerraformProvider, TerraformStack, Token } from 'cdktf';
import { Construct } from 'constructs';
import { GlobalacceleratorAccelerator } from '@cdktf/provider-aws/lib/globalaccelerator-accelerator';
import { GlobalacceleratorEndpointGroup } from '@cdktf/provider-aws/lib/globalaccelerator-endpoint-group';
import { GlobalacceleratorListener } from '@cdktf/provider-aws/lib/globalaccelerator-listener';
import { AwsProvider, type AwsProviderConfig } from '@cdktf/provider-aws/lib/provider';
import { AWS_FORMATS, isPort, parseAwsId } from '../shared/aws-formats';

/** Every Global Accelerator API call goes to this region, wherever the endpoints are. */
export const GLOBAL_ACCELERATOR_API_REGION = 'us-west-2';

export const ACCELERATOR_IP_ADDRESS_TYPES = ['IPV4', 'DUAL_STACK'] as const;
export type AcceleratorIpAddressType = (typeof ACCELERATOR_IP_ADDRESS_TYPES)[number];

/** Global Accelerator's limits on the arguments this construct sets (API reference). */
export const GLOBAL_ACCELERATOR_LIMITS = {
  nameMaxLength: 64,
  /** Your own (BYOIP) IPv4 addresses an accelerator may take instead of two of Amazon's. */
  byoipAddressesMax: 2,
  weight: { min: 0, max: 255, default: 128 },
} as const;

/** One port of the accelerator: its TCP listener and the ALB listener it forwards to. */
export interface AcceleratorRoute {
  /** TCP port clients connect to on the accelerator's static IPs. */
  readonly port: number;
  /** ARN of the ALB, in `endpointRegion`. Internal or internet-facing; an internal ALB's VPC needs an internet gateway. */
  readonly albArn: string;
  /** ALB listener port. @default port */
  readonly albPort?: number;
  /** Share of the port's traffic, 0-255; 0 sends it none. @default 128 */
  readonly weight?: number;
}

export interface GlobalAcceleratorFrontDoorProps {
  /** Name of the accelerator: at most 64 letters, digits, periods or hyphens, none of the last two at either end. */
  readonly name: string;
  /**
   * An AWS provider in us-west-2 (see `globalAcceleratorProvider`): every resource of the accelerator is
   * created through it, while the stack's default provider stays in the ALB's region.
   */
  readonly provider: AwsProvider;
  /** Region of the ALBs: where the endpoint groups send traffic. */
  readonly endpointRegion: string;
  /** Ports of the accelerator. */
  readonly routes: readonly AcceleratorRoute[];
  /** IPV4: two static IPv4 addresses; DUAL_STACK adds two IPv6 addresses. @default IPV4 */
  readonly ipAddressType?: AcceleratorIpAddressType;
  /** At most two IPv4 addresses from your own BYOIP pool. @default none: two addresses from Amazon's pool */
  readonly ipAddresses?: readonly string[];
  /** Whether the accelerator takes traffic. Disabling keeps its static IPs. @default true */
  readonly enabled?: boolean;
  /**
   * Refuse any plan that destroys the accelerator, and with it the static IPs partners have allowlisted
   * (`prevent_destroy`). Turn off only to remove the accelerator on purpose.
   * @default true
   */
  readonly protect?: boolean;
}

/** The alias of the accelerator's provider. */
export const GLOBAL_ACCELERATOR_PROVIDER_ALIAS = 'global-accelerator';

/** Arguments of the stack's provider the accelerator's provider does not take: its own are us-west-2 and the alias. */
const OWN_PROVIDER_ARGUMENTS = ['region', 'alias'] as const;

/**
 * An AWS provider for Global Accelerator, aliased `global-accelerator`, in us-west-2 where the API lives, with the
 * settings of the stack's AWS provider: credentials, profile, shared config files, assumed role, default tags,
 * endpoints, and every other argument but its region and alias.
 *
 * `config` gives those settings. Left empty (`{}`), they are taken from the stack's default AWS provider (the
 * one without an alias) as it is at synth: the stack must then have exactly one, made before this call.
 * Otherwise (none, or several) this throws, naming what to pass.
 */
export function globalAcceleratorProvider(scope: Construct, id: string, config: AwsProviderConfig): AwsProvider {
  const own = { region: GLOBAL_ACCELERATOR_API_REGION, alias: GLOBAL_ACCELERATOR_PROVIDER_ALIAS } as const;
  if (Object.values(config).some((value) => value !== undefined)) return new AwsProvider(scope, id, { ...config, ...own });
  return new ProviderWithSettingsOf(scope, id, defaultAwsProviderOf(scope), own);
}

/** The stack's one AWS provider without an alias: the one whose settings an empty configuration means. */
function defaultAwsProviderOf(scope: Construct): TerraformProvider {
  const stack = TerraformStack.of(scope);
  // By the provider type rather than `instanceof`: the team's AwsProvider may come from another copy of @cdktf/provider-aws.
  const defaults = stack.node
    .findAll()
    .filter((c): c is TerraformProvider => TerraformProvider.isTerraformProvider(c) && c.terraformResourceType === 'aws')
    .filter((provider) => provider.alias === undefined);
  if (defaults.length === 1) return defaults[0];
  const found =
    defaults.length === 0
      ? 'has no AWS provider without an alias (an AwsProvider made before the front doors)'
      : `has ${defaults.length} AWS providers without an alias (${defaults.map((p) => p.node.path).join(', ')})`;
  throw new Error(
    `The Global Accelerator provider takes its settings (credentials, assume role, default tags, ...) from the stack's ` +
      `AWS provider, but stack ${stack.node.id} ${found}. Pass them as providerConfig (StaticIpFrontDoors, ` +
      `buildFrontDoors) or as the config of globalAcceleratorProvider: its region becomes ${GLOBAL_ACCELERATOR_API_REGION}.`,
  );
}

/**
 * An AWS provider whose arguments are another provider's, read when the configuration is written (so settings
 * changed after this provider was made are taken too), but for its own region and alias.
 */
class ProviderWithSettingsOf extends AwsProvider {
  constructor(
    scope: Construct,
    id: string,
    private readonly source: TerraformProvider,
    own: Pick<AwsProviderConfig, (typeof OWN_PROVIDER_ARGUMENTS)[number]>,
  ) {
    super(scope, id, own);
  }

  public override toTerraform(): ProviderJson {
    return withSettingsOf(this.source.toTerraform(), super.toTerraform());
  }

  public override toHclTerraform(): ProviderJson {
    return withSettingsOf(this.source.toHclTerraform(), super.toHclTerraform());
  }
}

/** `own` (a provider's `{ terraform, provider: { aws: [block] } }`) with the arguments of the source's block it lacks. */
function withSettingsOf(source: ProviderJson, own: ProviderJson): ProviderJson {
  const settings = Object.entries(source.provider.aws[0]).filter(([name]) => !(OWN_PROVIDER_ARGUMENTS as readonly string[]).includes(name));
  const ownArguments = Object.entries(own.provider.aws[0]).filter(([, value]) => value !== undefined);
  return { ...own, provider: { aws: [Object.fromEntries([...settings, ...ownArguments])] } };
}

/** What TerraformProvider#toTerraform (and toHclTerraform) return for the aws provider. */
interface ProviderJson {
  readonly provider: { readonly aws: readonly Record<string, unknown>[] };
  readonly [key: string]: unknown;
}

/**
 * The Global Accelerator front door: an accelerator with two anycast static IPv4 addresses (four IPs with
 * dual-stack), a TCP listener per route port and per listener an endpoint group holding the route's ALB, with
 * client IP preservation on: the ALB sees the client's address and appends it to X-Forwarded-For.
 */
export class GlobalAcceleratorFrontDoor extends Construct {
  public readonly accelerator: GlobalacceleratorAccelerator;
  /** Listener per route port. */
  public readonly listeners: ReadonlyMap<number, GlobalacceleratorListener>;
  /** Endpoint group per route port. */
  public readonly endpointGroups: ReadonlyMap<number, GlobalacceleratorEndpointGroup>;
  /** Every static IP of the accelerator: its IPv4 set, then its IPv6 set with dual-stack. */
  public readonly staticIps: string[];
  /** DNS name resolving to the IPv4 addresses. */
  public readonly dnsName: string;
  /** DNS name resolving to all four addresses (dual-stack only). */
  public readonly dualStackDnsName: string;

  constructor(scope: Construct, id: string, props: GlobalAcceleratorFrontDoorProps) {
    super(scope, id);
    validate(props);
    const { provider } = props;

    this.accelerator = new GlobalacceleratorAccelerator(this, 'accelerator', {
      provider,
      name: props.name,
      ipAddressType: props.ipAddressType ?? 'IPV4',
      ipAddresses: props.ipAddresses ? [...props.ipAddresses] : undefined,
      enabled: props.enabled ?? true,
      lifecycle: { preventDestroy: props.protect ?? true },
    });
    // A splat keeps the ip_sets order (IPv4 first); cdktf's iterators wrap the list in toset(), which does not.
    this.staticIps = Token.asList(Fn.flatten(this.accelerator.getListAttribute('ip_sets[*].ip_addresses')));
    this.dnsName = this.accelerator.dnsName;
    this.dualStackDnsName = this.accelerator.dualStackDnsName;

    const listeners = new Map<number, GlobalacceleratorListener>();
    const endpointGroups = new Map<number, GlobalacceleratorEndpointGroup>();
    for (const { port, albArn, albPort = port, weight = GLOBAL_ACCELERATOR_LIMITS.weight.default } of props.routes) {
      const listener = new GlobalacceleratorListener(this, `listener-${port}`, {
        provider,
        acceleratorArn: this.accelerator.arn,
        protocol: 'TCP',
        portRange: [{ fromPort: port, toPort: port }],
        clientAffinity: 'NONE',
      });
      listeners.set(port, listener);
      endpointGroups.set(
        port,
        new GlobalacceleratorEndpointGroup(this, `endpoint-group-${port}`, {
          provider,
          listenerArn: listener.arn,
          endpointGroupRegion: props.endpointRegion,
          // Explicit: the provider sends false when unset, which the API rejects for internal ALBs. A DUAL_STACK
          // accelerator requires it of every endpoint too.
          endpointConfiguration: [{ endpointId: albArn, clientIpPreservationEnabled: true, weight }],
          portOverride: albPort === port ? undefined : [{ listenerPort: port, endpointPort: albPort }],
        }),
      );
    }
    this.listeners = listeners;
    this.endpointGroups = endpointGroups;
  }
}

function validate(props: GlobalAcceleratorFrontDoorProps): void {
  const problems = [...acceleratorProblems(props), ...routeProblems(props)];
  if (problems.length > 0) throw new Error(`GlobalAcceleratorFrontDoor ${props.name}: ${problems.join('; ')}`);
}

function acceleratorProblems({ name, provider, ipAddressType, ipAddresses }: GlobalAcceleratorFrontDoorProps): string[] {
  const problems: string[] = [];
  const { nameMaxLength, byoipAddressesMax } = GLOBAL_ACCELERATOR_LIMITS;
  if (!Token.isUnresolved(name) && !isAcceleratorName(name)) {
    problems.push(
      `name must be 1-${nameMaxLength} letters, digits, periods or hyphens, not starting or ending with a period or hyphen: "${name}"`,
    );
  }
  const region = provider.region;
  if (region === undefined || (!Token.isUnresolved(region) && region !== GLOBAL_ACCELERATOR_API_REGION)) {
    problems.push(`provider must be in ${GLOBAL_ACCELERATOR_API_REGION}, where the Global Accelerator API is: ${region}`);
  }
  if (ipAddressType !== undefined && !ACCELERATOR_IP_ADDRESS_TYPES.includes(ipAddressType)) {
    problems.push(`ipAddressType must be ${ACCELERATOR_IP_ADDRESS_TYPES.join(' or ')}: "${ipAddressType}"`);
  }
  if (ipAddresses !== undefined) {
    if (ipAddresses.length === 0 || ipAddresses.length > byoipAddressesMax) {
      problems.push(`ipAddresses must list 1-${byoipAddressesMax} addresses: ${ipAddresses.join(', ')}`);
    }
    const invalid = ipAddresses.filter((ip) => !Token.isUnresolved(ip) && !isIPv4(ip));
    if (invalid.length > 0) problems.push(`ipAddresses must be IPv4 addresses: ${invalid.join(', ')}`);
  }
  return problems;
}

function routeProblems({ routes, endpointRegion }: GlobalAcceleratorFrontDoorProps): string[] {
  if (routes.length === 0) return ['routes must list at least one port'];
  const problems: string[] = [];
  const ports = routes.map(({ port }) => port);
  if (new Set(ports).size !== ports.length) problems.push(`route ports have duplicates: ${ports.join(', ')}`);
  const { weight } = GLOBAL_ACCELERATOR_LIMITS;
  for (const route of routes) {
    const at = `route ${route.port}`;
    if (!isPort(route.port)) problems.push(`${at}: port must be an integer in 1-65535`);
    if (route.albPort !== undefined && !isPort(route.albPort)) {
      problems.push(`${at}: albPort must be an integer in 1-65535: ${route.albPort}`);
    }
    if (route.weight !== undefined && !(Number.isInteger(route.weight) && route.weight >= weight.min && route.weight <= weight.max)) {
      problems.push(`${at}: weight must be an integer in ${weight.min}-${weight.max}: ${route.weight}`);
    }
    if (Token.isUnresolved(route.albArn)) continue;
    const alb = parseAwsId('albArn', route.albArn);
    if (alb === undefined) {
      problems.push(`${at}: albArn must be an Application Load Balancer ARN, ${AWS_FORMATS.albArn.description}: "${route.albArn}"`);
    } else if (!Token.isUnresolved(endpointRegion) && alb.region !== endpointRegion) {
      problems.push(`${at}: albArn is in ${alb.region}, not in endpointRegion ${endpointRegion}: "${route.albArn}"`);
    }
  }
  return problems;
}

function isAcceleratorName(name: string): boolean {
  return name.length <= GLOBAL_ACCELERATOR_LIMITS.nameMaxLength && /^[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?$/.test(name);
}
