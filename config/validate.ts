import { isIPv6 } from 'node:net';
import { Token } from 'cdktf';
import type {
  AlbConfig,
  AlbSecurityGroupRules,
  AlbTargetHealthCheckConfig,
  EnvironmentConfig,
  NlbConfig,
  RouteConfig,
  RouteMode,
  StaticIpPoolConfig,
  SyncFunctionVpcConfig,
  SyncTuning,
  ZoneConfig,
} from './types';
import { DISCOVERY_SOURCES } from '../lambda/environment';
import { LOG_RETENTION_DAYS } from '../modes/ip-sync/alb-ip-sync';
import { NLB_IP_ADDRESS_TYPES } from '../modules/static-ip-nlb';
import { isIpv4, isPublicIpv4 } from '../lambda/ip';
import { SETTING_LIMITS } from '../lambda/settings';
import { healthCheckProblems } from '../modes/alb-target/alb-type-target-group';
import { backendProblems, sharedStateProblems } from './backend';
import { isPlainObject, unknownKeyProblems } from './keys';
import {
  ENVIRONMENT_DEFAULTS,
  SYNC_TUNING_DEFAULTS,
  resolveHealthCheck,
  usesMode,
  type ResolvedAlb,
  type ResolvedDiscovery,
  type ResolvedEnvironment,
  type ResolvedRoute,
  type ResolvedZone,
} from './defaults';

/**
 * `<name>-alb-<port>`, the longest name derived from an environment's, must fit the 32 characters AWS allows
 * load balancer and target group names.
 */
export const ENVIRONMENT_NAME_MAX_LENGTH = 22;

/** Load balancer names cannot start with `internal`, security group names not with `sg-`. */
const RESERVED_NAME_PREFIXES = ['internal', 'sg-'] as const;

/** AWS's default quota of inbound rules per security group: the NLB's has one per route port and CIDR. */
const SECURITY_GROUP_INBOUND_RULES_MAX = 60;

/** An ALB may be the target of at most two NLBs (one ALB-type target group each). */
const NLBS_PER_ALB_MAX = 2;

/** The oldest Node.js major the bundle targets (esbuild `node20`). */
const OLDEST_NODE_MAJOR = 20;

const AWS_ID_HEX = '([0-9a-f]{8}|[0-9a-f]{17})';
const REGION = '[a-z]{2}(-[a-z]+)+-\\d{1,2}';
const PARTITION = 'aws(-cn|-us-gov)?';

const PATTERNS = {
  name: new RegExp(`^[a-z]([a-z0-9-]{0,${ENVIRONMENT_NAME_MAX_LENGTH - 2}}[a-z0-9])?$`),
  region: new RegExp(`^${REGION}$`),
  availabilityZone: new RegExp(`^(${REGION})[a-z]$`),
  vpcId: new RegExp(`^vpc-${AWS_ID_HEX}$`),
  subnetId: new RegExp(`^subnet-${AWS_ID_HEX}$`),
  securityGroupId: new RegExp(`^sg-${AWS_ID_HEX}$`),
  allocationId: new RegExp(`^eipalloc-${AWS_ID_HEX}$`),
  ipamPoolId: /^ipam-pool-[0-9a-f]{17}$/,
  publicIpv4Pool: /^ipv4pool-ec2-[0-9a-f]{17}$/,
  /** Internal ALBs' names start with `internal-`; internet-facing ones resolve to public IPs, which cannot be IP targets. */
  internalAlbDnsName: new RegExp(`^internal-[a-z0-9-]+-\\d+\\.(${REGION})\\.elb\\.amazonaws\\.com(\\.cn)?$`),
  albArn: new RegExp(`^arn:${PARTITION}:elasticloadbalancing:(${REGION}):\\d{12}:loadbalancer/app/[A-Za-z0-9-]{1,32}/[0-9a-f]{16}$`),
  albListenerArn: new RegExp(`^arn:${PARTITION}:elasticloadbalancing:(${REGION}):\\d{12}:listener/app/[A-Za-z0-9-]{1,32}/[0-9a-f]{16}/[0-9a-f]{16}$`),
  albName: /^(?!internal-)[A-Za-z0-9](?:[A-Za-z0-9-]{0,30}[A-Za-z0-9])?$/,
  snsTopicArn: new RegExp(`^arn:${PARTITION}:sns:${REGION}:\\d{12}:[A-Za-z0-9_-]{1,256}(\\.fifo)?$`),
  nodeRuntime: /^nodejs(\d+)\.x$/,
  routeTableId: new RegExp(`^rtb-${AWS_ID_HEX}$`),
  permissionsBoundaryArn: new RegExp(`^arn:${PARTITION}:iam::(\\d{12}|aws):policy/([\\x21-\\x7e]+/)?[\\w+=,.@-]{1,128}$`),
  iamPath: /^\/([\x21-\x7e]{1,510}\/)?$/,
  kmsKeyArn: new RegExp(`^arn:${PARTITION}:kms:(${REGION}):\\d{12}:key/([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|mrk-[0-9a-f]{32})$`),
} as const;

const DESCRIPTIONS: Readonly<Record<Exclude<keyof typeof PATTERNS, 'nodeRuntime'>, string>> = {
  name: `a stack name (lowercase letters, digits and dashes, starting with a letter, at most ${ENVIRONMENT_NAME_MAX_LENGTH} characters)`,
  region: 'an AWS region (e.g. eu-west-1)',
  availabilityZone: 'an Availability Zone name (e.g. eu-west-1a)',
  vpcId: 'a VPC id (vpc-<8 or 17 hex>)',
  subnetId: 'a subnet id (subnet-<8 or 17 hex>)',
  securityGroupId: 'a security group id (sg-<8 or 17 hex>)',
  allocationId: 'an Elastic IP allocation id (eipalloc-<8 or 17 hex>)',
  ipamPoolId: 'an IPAM pool id (ipam-pool-<17 hex>)',
  publicIpv4Pool: 'a public IPv4 pool id (ipv4pool-ec2-<17 hex>)',
  internalAlbDnsName: "an internal ALB's DNS name (internal-<name>-<id>.<region>.elb.amazonaws.com)",
  albArn: "an ALB's ARN (arn:aws:elasticloadbalancing:<region>:<account>:loadbalancer/app/<name>/<id>)",
  albListenerArn: 'an ALB listener ARN (arn:aws:elasticloadbalancing:<region>:<account>:listener/app/<name>/<id>/<id>)',
  albName: 'an ALB name (1-32 letters, digits and dashes)',
  snsTopicArn: 'an SNS topic ARN (arn:aws:sns:<region>:<account>:<topic>)',
  routeTableId: 'a route table id (rtb-<8 or 17 hex>)',
  permissionsBoundaryArn: 'a managed policy ARN (arn:aws:iam::<account or aws>:policy/<path><name>)',
  iamPath: 'an IAM path (/ or /<segments>/, printable ASCII, at most 512 characters)',
  kmsKeyArn: 'a KMS key ARN (arn:aws:kms:<region>:<account>:key/<key id>)',
};

type Pattern = keyof typeof DESCRIPTIONS;

/** Raised before any construct exists; every line names the environment and the field at fault. */
export class ConfigError extends Error {
  constructor(public readonly problems: readonly string[]) {
    super(problems.join('\n'));
    this.name = 'ConfigError';
  }
}

/** Validates every environment (collecting all problems of all of them) and fills in the defaults. */
export function resolveEnvironments(configs: readonly EnvironmentConfig[]): ResolvedEnvironment[] {
  if (!Array.isArray(configs) || configs.length === 0) throw new ConfigError(['no environments configured']);
  const problems = configs.flatMap((config) => prefixed(config, environmentProblems(config)));
  const names = configs.map((config) => config.name);
  for (const name of new Set(names.filter((name, i) => names.indexOf(name) !== i))) {
    problems.push(`environment ${JSON.stringify(name)}: name is used by more than one environment`);
  }
  if (problems.length === 0) problems.push(...sharedStateProblems(configs));
  if (problems.length > 0) throw new ConfigError(problems);
  const resolved = configs.map(withDefaults);
  problems.push(...nlbsPerAlbProblems(resolved));
  if (problems.length > 0) throw new ConfigError(problems);
  return resolved;
}

/** Validates one environment and fills in the defaults. */
export function resolveEnvironment(config: EnvironmentConfig): ResolvedEnvironment {
  return resolveEnvironments([config])[0];
}

function prefixed(config: EnvironmentConfig, problems: readonly string[]): string[] {
  return problems.map((problem) => `environment ${JSON.stringify(config?.name)}: ${problem}`);
}

/** A literal string to check at synth; a Terraform token is checked at plan time instead. */
function literal(value: unknown): value is string {
  return typeof value === 'string' && !Token.isUnresolved(value);
}

/** The routes an environment serves: its own, or ports 80 and 443 to its only ALB. */
function routesOf(config: EnvironmentConfig): readonly RouteConfig[] {
  if (config.routes !== undefined) return config.routes;
  const albKeys = isPlainObject(config.albs) ? Object.keys(config.albs) : [];
  return albKeys.length === 1 ? ENVIRONMENT_DEFAULTS.routePorts.map((listenerPort) => ({ listenerPort, alb: albKeys[0] })) : [];
}

/** Whether the environment has the NLB front door: `frontDoors.nlb` true, unset, or its settings. */
function hasNlb(config: EnvironmentConfig): boolean {
  const nlb = config.frontDoors?.nlb;
  return nlb === undefined ? ENVIRONMENT_DEFAULTS.nlb : nlb !== false;
}

function nlbSettingsOf(config: EnvironmentConfig): NlbConfig {
  return isPlainObject(config.frontDoors?.nlb) ? config.frontDoors.nlb : {};
}

/** Open to the world, over IPv6 too when the NLB is dual-stack. */
function defaultIngressCidrs(config: EnvironmentConfig): readonly string[] {
  const ipv6 = nlbSettingsOf(config).ipAddressType === 'dualstack' ? [ENVIRONMENT_DEFAULTS.ipv6IngressCidr] : [];
  return [...ENVIRONMENT_DEFAULTS.ingressCidrs, ...ipv6];
}

function withDefaults(config: EnvironmentConfig): ResolvedEnvironment {
  const nlb = hasNlb(config);
  const nlbSettings = nlbSettingsOf(config);
  const vpc = config.syncFunction?.vpc;
  const albKeys = Object.keys(config.albs);
  const accelerator = config.frontDoors?.globalAccelerator;
  return {
    name: config.name,
    region: config.region,
    vpcId: config.vpcId,
    zones: (config.zones ?? []).map(
      (zone): ResolvedZone => ({
        availabilityZone: zone.availabilityZone,
        subnetId: zone.subnetId,
        staticIp: zone.staticIp ?? { pool: config.staticIps?.pool },
      }),
    ),
    protect: config.staticIps?.protect ?? ENVIRONMENT_DEFAULTS.protect,
    release: config.staticIps?.release ?? [],
    albs: new Map(
      albKeys.map((key): [string, ResolvedAlb] => [
        key,
        { key, ...config.albs[key], securityGroupRules: config.albs[key].securityGroupRules ?? ENVIRONMENT_DEFAULTS.securityGroupRules },
      ]),
    ),
    routes: routesOf(config).map(
      (route): ResolvedRoute => ({
        listenerPort: route.listenerPort,
        alb: route.alb ?? albKeys[0],
        albPort: route.albPort ?? route.listenerPort,
        mode: route.mode ?? ENVIRONMENT_DEFAULTS.mode,
        healthCheck: resolveHealthCheck(route),
        albListenerArn: route.albListenerArn,
        standby: route.standby,
        discovery: discoveryOf(route, config.albs[route.alb ?? albKeys[0]], config.sync),
        events: route.events ?? false,
        preserveClientIp: route.preserveClientIp ?? false,
      }),
    ),
    nlb,
    globalAccelerator: accelerator && {
      ipAddressType: accelerator.ipAddressType ?? ENVIRONMENT_DEFAULTS.acceleratorIpAddressType,
      ipAddresses: accelerator.ipAddresses,
    },
    ingressCidrs: config.ingressCidrs ?? defaultIngressCidrs(config),
    acceleratorIngressCidrs: accelerator ? (config.ingressCidrs ?? []) : [],
    warnings: environmentWarnings(config),
    tags: config.tags ?? ENVIRONMENT_DEFAULTS.tags,
    sync: { ...SYNC_TUNING_DEFAULTS, ...config.sync },
    alarmTopicArn: config.alarmTopicArn,
    lambdaRuntime: config.lambdaRuntime ?? ENVIRONMENT_DEFAULTS.lambdaRuntime,
    backend: config.backend ?? ENVIRONMENT_DEFAULTS.backend,
    nlbIpAddressType: nlbSettings.ipAddressType ?? ENVIRONMENT_DEFAULTS.nlbIpAddressType,
    iam: {
      permissionsBoundaryArn: config.iam?.permissionsBoundaryArn,
      path: config.iam?.path,
      trustSourceAccount: config.iam?.trustSourceAccount ?? ENVIRONMENT_DEFAULTS.trustSourceAccount,
    },
    syncFunction: {
      vpc: vpc && { ...vpc, endpoints: vpc.endpoints ?? ENVIRONMENT_DEFAULTS.vpcEndpoints },
      logRetentionDays: config.syncFunction?.logRetentionDays ?? ENVIRONMENT_DEFAULTS.logRetentionDays,
    },
    kmsKeyArn: config.kmsKeyArn,
  };
}

/**
 * What synth warns about, once per environment: defaults that assume routes or open the static IPs to the
 * internet, and fields that have no effect in the environment's shape but are harmless to keep.
 */
function environmentWarnings(config: EnvironmentConfig): string[] {
  const warnings: string[] = [];
  const nlb = config.frontDoors?.nlb ?? ENVIRONMENT_DEFAULTS.nlb;
  const routes = routesOf(config);
  if (config.routes === undefined) {
    const [alb] = Object.keys(config.albs);
    warnings.push(
      `routes is not set: the default routes ports ${ENVIRONMENT_DEFAULTS.routePorts.join(' and ')} to albs.${alb} ` +
        `in ${ENVIRONMENT_DEFAULTS.mode} mode; list the routes to make that a choice`,
    );
  }
  if (config.ingressCidrs === undefined && nlb) {
    warnings.push(
      `ingressCidrs is not set: the static IPs admit ${ENVIRONMENT_DEFAULTS.ingressCidrs.join(', ')} (the whole internet) on ` +
        `ports ${routes.map((route) => route.listenerPort).join(', ')}; set it, to ['0.0.0.0/0'] if that is the intent`,
    );
  }
  if (config.ingressCidrs !== undefined && nlb && config.frontDoors?.globalAccelerator !== undefined) {
    for (const key of unfilteredAlbs(config)) {
      warnings.push(
        `ingressCidrs filters the NLB only: the accelerator's clients reach albs.${key} unfiltered, as it has no ` +
          'securityGroupId for the stack to add the CIDRs to',
      );
    }
  }
  const albs = isPlainObject(config.albs) ? (config.albs as Readonly<Record<string, AlbConfig>>) : {};
  const routed = new Set(routes.map((route) => route.alb ?? Object.keys(albs)[0]));
  for (const key of Object.keys(albs).filter((key) => !routed.has(key))) warnings.push(`albs.${key} has no effect: no route forwards to it`);
  if (!nlb) {
    for (const [key, alb] of Object.entries(albs)) {
      if (alb.outsideVpc !== undefined) warnings.push(`albs.${key}.outsideVpc has no effect: it shapes the NLB's egress, and frontDoors.nlb is false`);
      if (alb.securityGroupId !== undefined && config.ingressCidrs === undefined) {
        warnings.push(`albs.${key}.securityGroupId has no effect: without the NLB it only receives ingressCidrs, which is not set`);
      }
    }
    if (config.alarmTopicArn !== undefined) warnings.push('alarmTopicArn has no effect: the alarms watch the NLB, and frontDoors.nlb is false');
  }
  if (!routes.some((route) => usesMode(route, 'ip-sync')) || !nlb) {
    for (const field of ['sync', 'lambdaRuntime'] as const) {
      if (config[field] !== undefined) warnings.push(`${field} has no effect: no route has a sync function (ip-sync on the NLB)`);
    }
  }
  return warnings;
}

/** The ALBs behind the routes whose security group the stack cannot add the accelerator's CIDRs to. */
function unfilteredAlbs(config: EnvironmentConfig): string[] {
  const albs = isPlainObject(config.albs) ? (config.albs as Readonly<Record<string, AlbConfig>>) : {};
  const albKeys = Object.keys(albs);
  const used = new Set(routesOf(config).map((route) => route?.alb ?? (albKeys.length === 1 ? albKeys[0] : undefined)));
  return [...used].filter((key): key is string => key !== undefined && albs[key] !== undefined && albs[key].securityGroupId === undefined);
}

/** Collects problems; each check names its field. */
class Problems {
  readonly lines: string[] = [];

  add(line: string): void {
    this.lines.push(line);
  }

  /** A literal that must match a pattern; tokens pass (Terraform checks them at plan time). */
  matches(field: string, value: unknown, pattern: Pattern): boolean {
    if (value !== undefined && Token.isUnresolved(value)) return true;
    if (typeof value === 'string' && PATTERNS[pattern].test(value)) return true;
    if (value === undefined) {
      this.add(`${field} is required: ${DESCRIPTIONS[pattern]}`);
      return false;
    }
    this.add(`${field} ${JSON.stringify(value)} is not ${DESCRIPTIONS[pattern]}`);
    return false;
  }

  port(field: string, value: unknown): boolean {
    if (Number.isInteger(value) && (value as number) >= SETTING_LIMITS.port.min && (value as number) <= SETTING_LIMITS.port.max) return true;
    if (value === undefined) {
      this.add(`${field} is required: a port (${SETTING_LIMITS.port.min}-${SETTING_LIMITS.port.max})`);
      return false;
    }
    this.add(`${field} ${JSON.stringify(value)} is not a port (${SETTING_LIMITS.port.min}-${SETTING_LIMITS.port.max})`);
    return false;
  }

  /** A non-empty list without duplicates; `check` runs on each entry. */
  list<T>(field: string, values: unknown, check: (value: T, at: string) => void): values is readonly T[] {
    if (!Array.isArray(values) || values.length === 0) {
      this.add(`${field} must list at least one entry`);
      return false;
    }
    values.forEach((value, i) => {
      const at = `${field}[${i}]`;
      if (typeof value !== 'object' && values.indexOf(value) !== i) this.add(`${at} ${JSON.stringify(value)} is a duplicate`);
      else check(value as T, at);
    });
    return true;
  }

  boolean(field: string, value: unknown): void {
    if (value !== undefined && typeof value !== 'boolean') this.add(`${field} ${JSON.stringify(value)} must be true or false`);
  }
}

function environmentProblems(config: EnvironmentConfig): string[] {
  if (!isPlainObject(config)) return ['must be an object'];
  const problems = new Problems();
  unknownKeyProblems(config).forEach((line) => problems.add(line));

  problems.matches('name', config.name, 'name');
  const reserved = RESERVED_NAME_PREFIXES.find((prefix) => String(config.name).startsWith(prefix));
  if (reserved !== undefined) problems.add(`name ${JSON.stringify(config.name)} must not start with "${reserved}" (reserved by AWS)`);
  const regionValid = problems.matches('region', config.region, 'region');
  problems.matches('vpcId', config.vpcId, 'vpcId');

  const nlb = hasNlb(config);
  nlbProblems(config, problems);
  if (nlb) zoneProblems(config, problems, regionValid);
  else if (config.zones !== undefined) problems.add('zones is set but frontDoors.nlb is false: zones are the NLB\'s; remove them');
  if (!nlb && config.frontDoors?.globalAccelerator === undefined) {
    problems.add('frontDoors: with nlb false, a globalAccelerator is the only front door and must be set');
  }
  staticIpsProblems(config, problems, regionValid);
  if (!nlb && config.staticIps?.pool !== undefined) problems.add("staticIps.pool is the NLB's (new Elastic IPs): with frontDoors.nlb false remove it");
  albProblems(config, problems, regionValid);
  routeProblems(config, problems, nlb);
  acceleratorProblems(config, problems);
  enterpriseProblems(config, problems, regionValid, nlb);

  if (config.ingressCidrs !== undefined && !nlb) {
    for (const key of unfilteredAlbs(config)) {
      problems.add(
        `ingressCidrs: with frontDoors.nlb false it can only filter on the ALB's security group (the accelerator keeps ` +
          `the client's address), and albs.${key} has no securityGroupId: set it, or remove ingressCidrs`,
      );
    }
  }
  if (config.ingressCidrs !== undefined) {
    const dualStack = nlbSettingsOf(config).ipAddressType === 'dualstack';
    problems.list<string>('ingressCidrs', config.ingressCidrs, (cidr, at) => {
      const problem = typeof cidr === 'string' && cidr.includes(':') ? ipv6CidrProblem(cidr, dualStack) : ipv4CidrProblem(cidr);
      if (problem) problems.add(`${at} ${JSON.stringify(cidr)} ${problem}`);
    });
  }
  const clientPorts = Array.isArray(routesOf(config)) ? routesOf(config).length : 0;
  const inboundRules = clientPorts * (config.ingressCidrs ?? defaultIngressCidrs(config)).length;
  if (inboundRules > SECURITY_GROUP_INBOUND_RULES_MAX) {
    problems.add(
      `ingressCidrs: ${inboundRules} rules (routes x CIDRs) exceed the default quota of ` +
        `${SECURITY_GROUP_INBOUND_RULES_MAX} inbound rules per security group; summarize the CIDRs`,
    );
  }
  tagProblems('tags', config.tags).forEach((line) => problems.add(line));
  tuningProblems(config.sync).forEach((line) => problems.add(line));
  backendProblems(config.backend).forEach((line) => problems.add(line));
  if (config.alarmTopicArn !== undefined) problems.matches('alarmTopicArn', config.alarmTopicArn, 'snsTopicArn');
  if (config.lambdaRuntime !== undefined) {
    const major = PATTERNS.nodeRuntime.exec(String(config.lambdaRuntime))?.[1];
    if (major === undefined || Number(major) < OLDEST_NODE_MAJOR) {
      problems.add(
        `lambdaRuntime ${JSON.stringify(config.lambdaRuntime)} is not a Node.js runtime ` +
          `(nodejs<major>.x, ${OLDEST_NODE_MAJOR} or later)`,
      );
    }
  }
  return problems.lines;
}

function zoneProblems(config: EnvironmentConfig, problems: Problems, regionValid: boolean): void {
  if (!problems.list<ZoneConfig>('zones', config.zones, () => undefined)) return;
  const seen = { zone: new Map<string, number>(), subnet: new Map<string, number>(), address: new Map<string, number>() };
  const once = (kind: keyof typeof seen, what: string, value: unknown, at: string, i: number): void => {
    if (!literal(value)) return;
    const first = seen[kind].get(value);
    if (first === undefined) seen[kind].set(value, i);
    else problems.add(`${at} ${JSON.stringify(value)} is also ${zoneName(first)}'s ${what}`);
  };
  const azs = config.zones!.map((zone) => (isPlainObject(zone) ? zone.availabilityZone : undefined));
  // A zone is named by its Availability Zone when that names it alone, else by its index.
  const zoneName = (i: number): string => {
    const az = azs[i];
    return literal(az) && PATTERNS.availabilityZone.test(az) && azs.indexOf(az) === azs.lastIndexOf(az) ? `zones[${az}]` : `zones[${i}]`;
  };
  config.zones!.forEach((zone, i) => {
    const at = zoneName(i);
    if (!isPlainObject(zone)) return problems.add(`${at} must be an object { availabilityZone, subnetId }`);
    if (zone.availabilityZone === undefined) {
      problems.add(`${at}.availabilityZone is required: the static IP is kept per Availability Zone (e.g. "${config.region}a")`);
    } else if (problems.matches(`${at}.availabilityZone`, zone.availabilityZone, 'availabilityZone')) {
      const zoneRegion = PATTERNS.availabilityZone.exec(zone.availabilityZone)?.[1];
      if (regionValid && zoneRegion !== undefined && zoneRegion !== config.region) {
        problems.add(`${at}.availabilityZone ${JSON.stringify(zone.availabilityZone)} is not in the environment's region ${config.region}`);
      }
      once('zone', 'Availability Zone', zone.availabilityZone, `${at}.availabilityZone`, i);
    }
    if (zone.subnetId === undefined) problems.add(`${at}.subnetId is required`);
    else if (problems.matches(`${at}.subnetId`, zone.subnetId, 'subnetId')) once('subnet', 'subnet', zone.subnetId, `${at}.subnetId`, i);
    const staticIp = zone.staticIp as Record<string, unknown> | undefined;
    if (staticIp === undefined) return;
    const sources = ['allocationId', 'publicIp', 'tags', 'pool'].filter((field) => staticIp[field] !== undefined);
    if (sources.length !== 1) {
      const both = sources.includes('pool') && sources.length > 1;
      return problems.add(
        both
          ? `${at}.staticIp names an existing address (${sources.filter((s) => s !== 'pool').join(', ')}) and a pool: give one`
          : `${at}.staticIp must have exactly one of allocationId, publicIp, tags or pool (found ${sources.join(', ') || 'none'})`,
      );
    }
    if (staticIp.adopt !== undefined && sources[0] !== 'allocationId') problems.add(`${at}.staticIp.adopt needs allocationId`);
    problems.boolean(`${at}.staticIp.adopt`, staticIp.adopt);
    switch (sources[0]) {
      case 'allocationId':
        if (problems.matches(`${at}.staticIp.allocationId`, staticIp.allocationId, 'allocationId')) {
          once('address', 'address', staticIp.allocationId, `${at}.staticIp.allocationId`, i);
        }
        break;
      case 'publicIp': {
        const problem = publicIpv4Problem(staticIp.publicIp);
        if (problem) problems.add(`${at}.staticIp.publicIp ${JSON.stringify(staticIp.publicIp)} ${problem}`);
        else once('address', 'address', staticIp.publicIp, `${at}.staticIp.publicIp`, i);
        break;
      }
      case 'tags':
        if (!isPlainObject(staticIp.tags) || Object.keys(staticIp.tags).length === 0) {
          problems.add(`${at}.staticIp.tags must name at least one tag`);
        } else {
          tagProblems(`${at}.staticIp.tags`, staticIp.tags as Record<string, string>).forEach((line) => problems.add(line));
        }
        break;
      case 'pool':
        poolProblems(`${at}.staticIp.pool`, staticIp.pool as StaticIpPoolConfig, config, problems, regionValid);
        break;
    }
  });
}

function staticIpsProblems(config: EnvironmentConfig, problems: Problems, regionValid: boolean): void {
  if (config.staticIps === undefined) return;
  problems.boolean('staticIps.protect', config.staticIps.protect);
  if (config.staticIps.pool !== undefined) poolProblems('staticIps.pool', config.staticIps.pool, config, problems, regionValid);
  if (config.staticIps.release !== undefined) releaseProblems(config, problems, regionValid);
}

/** `staticIps.release`: zones of the region that are not configured (only a removed zone's address can be released). */
function releaseProblems(config: EnvironmentConfig, problems: Problems, regionValid: boolean): void {
  if (!(config.frontDoors?.nlb ?? ENVIRONMENT_DEFAULTS.nlb)) {
    return problems.add('staticIps.release is set but frontDoors.nlb is false: without an NLB the stack owns no static IP');
  }
  const configured = new Set((config.zones ?? []).map((zone) => zone?.availabilityZone));
  problems.list<string>('staticIps.release', config.staticIps!.release, (zone, at) => {
    if (!problems.matches(at, zone, 'availabilityZone')) return;
    const zoneRegion = PATTERNS.availabilityZone.exec(zone)?.[1];
    if (regionValid && zoneRegion !== config.region) {
      problems.add(`${at} ${JSON.stringify(zone)} is not in the environment's region ${config.region}`);
    } else if (configured.has(zone)) {
      problems.add(`${at} ${JSON.stringify(zone)} is a configured zone: only the address of a zone taken out of zones can be released`);
    }
  });
}

function poolProblems(field: string, pool: StaticIpPoolConfig, config: EnvironmentConfig, problems: Problems, regionValid: boolean): void {
  if (!isPlainObject(pool)) return problems.add(`${field} must be { ipamPoolId, region } or { publicIpv4Pool, region }`);
  const ipam = 'ipamPoolId' in pool && pool.ipamPoolId !== undefined;
  const byoip = 'publicIpv4Pool' in pool && pool.publicIpv4Pool !== undefined;
  if (ipam === byoip) return problems.add(`${field} must have exactly one of ipamPoolId or publicIpv4Pool`);
  if (ipam) problems.matches(`${field}.ipamPoolId`, pool.ipamPoolId, 'ipamPoolId');
  else problems.matches(`${field}.publicIpv4Pool`, (pool as { publicIpv4Pool: string }).publicIpv4Pool, 'publicIpv4Pool');
  if (pool.region === undefined) {
    problems.add(`${field}.region is required: the pool's region (its IPAM locale), which must be ${config.region}`);
  } else if (problems.matches(`${field}.region`, pool.region, 'region') && regionValid && pool.region !== config.region) {
    problems.add(`${field} is in region ${pool.region}, not the environment's region ${config.region}: Elastic IPs are regional`);
  }
}

function albProblems(config: EnvironmentConfig, problems: Problems, regionValid: boolean): void {
  if (!isPlainObject(config.albs) || Object.keys(config.albs).length === 0) {
    return problems.add('albs must name at least one ALB, e.g. { app: { dnsName: "internal-app-123.<region>.elb.amazonaws.com" } }');
  }
  for (const [key, alb] of Object.entries(config.albs as Readonly<Record<string, AlbConfig>>)) {
    const at = `albs.${key}`;
    if (!/^[a-z][a-z0-9-]{0,19}$/.test(key)) problems.add(`${at}: the key must be 1-20 lowercase letters, digits and dashes, starting with a letter`);
    if (!isPlainObject(alb as unknown)) {
      problems.add(`${at} must be an object { dnsName | arn | name, securityGroupId? }`);
      continue;
    }
    if (alb.dnsName === undefined && alb.arn === undefined && alb.name === undefined) {
      problems.add(`${at} needs dnsName, arn or name`);
    }
    if (alb.arn !== undefined && alb.name !== undefined) problems.add(`${at} is given both by name and by arn: give one`);
    const inRegion = (field: string, value: string | undefined, pattern: Pattern): void => {
      if (!literal(value) || !problems.matches(`${at}.${field}`, value, pattern)) return;
      const region = PATTERNS[pattern].exec(value)?.[pattern === 'internalAlbDnsName' ? 1 : 2];
      if (regionValid && region !== undefined && region !== config.region) {
        problems.add(`${at}.${field} ${JSON.stringify(value)} is in region ${region}, not the environment's region ${config.region}`);
      }
    };
    if (alb.dnsName !== undefined) inRegion('dnsName', alb.dnsName, 'internalAlbDnsName');
    if (alb.arn !== undefined) inRegion('arn', alb.arn, 'albArn');
    if (alb.name !== undefined) problems.matches(`${at}.name`, alb.name, 'albName');
    if (alb.securityGroupId !== undefined) problems.matches(`${at}.securityGroupId`, alb.securityGroupId, 'securityGroupId');
    if (alb.securityGroupRules !== undefined) {
      if (!SECURITY_GROUP_RULES.includes(alb.securityGroupRules)) {
        problems.add(`${at}.securityGroupRules ${JSON.stringify(alb.securityGroupRules)} is not one of ${SECURITY_GROUP_RULES.join(', ')}`);
      } else if (alb.securityGroupId === undefined) {
        problems.add(`${at}.securityGroupRules applies to the ALB's security group: set securityGroupId, or remove it`);
      }
    }
    sameAlbProblems(at, alb).forEach((line) => problems.add(line));
    if (alb.outsideVpc !== undefined) {
      problems.list<string>(`${at}.outsideVpc.cidrs`, alb.outsideVpc?.cidrs, (cidr, cidrAt) => {
        const problem = ipv4CidrProblem(cidr);
        if (problem) problems.add(`${cidrAt} ${JSON.stringify(cidr)} ${problem}`);
      });
    }
  }
}

const MODES: readonly RouteMode[] = ['ip-sync', 'alb-target'];
const SECURITY_GROUP_RULES: readonly AlbSecurityGroupRules[] = ['managed', 'output'];

/** The longest `[internal-]<name>` part of an ALB's DNS name before AWS cuts the name short. */
const DNS_NAME_LABEL_MAX_LENGTH = 32;

/**
 * An ALB's DNS name and ARN, both literals, must name one ALB: `[internal-]<name>-<digits>.<region>.elb...` and
 * `...:<region>:<account>:loadbalancer/app/<name>/<id>`. AWS may cut a long name short in the DNS name (its
 * `[internal-]<name>` part is then 32 characters), so a name that long need only begin the ARN's.
 */
function sameAlbProblems(at: string, alb: AlbConfig): string[] {
  if (!literal(alb.dnsName) || !literal(alb.arn)) return [];
  const dns = /^((?:internal-)?(.+))-\d+\.([a-z0-9-]+)\.elb\.amazonaws\.com(?:\.cn)?$/.exec(alb.dnsName);
  const arn = PATTERNS.albArn.exec(alb.arn);
  if (!dns || !arn) return [];
  const [, label, dnsName, dnsRegion] = dns;
  const arnName = /loadbalancer\/app\/([^/]+)\//.exec(alb.arn)![1].toLowerCase();
  const problems: string[] = [];
  const truncated = label.length >= DNS_NAME_LABEL_MAX_LENGTH;
  if (truncated ? !arnName.startsWith(dnsName) : arnName !== dnsName) {
    problems.push(`${at}.dnsName and ${at}.arn name different ALBs: "${dnsName}" and "${arnName}"`);
  }
  if (dnsRegion !== arn[2]) problems.push(`${at}.dnsName is in region ${dnsRegion} and ${at}.arn in ${arn[2]}: they name different ALBs`);
  return problems;
}

function routeProblems(config: EnvironmentConfig, problems: Problems, nlb: boolean): void {
  const albs = isPlainObject(config.albs) ? (config.albs as Readonly<Record<string, AlbConfig>>) : {};
  const albKeys = Object.keys(albs);
  if (config.routes === undefined) {
    if (albKeys.length > 1) problems.add(`routes is required with more than one ALB (${albKeys.join(', ')})`);
    return;
  }
  if (!problems.list<RouteConfig>('routes', config.routes, () => undefined)) return;
  const listenerPorts = new Map<number, string>();
  const claim = (port: number, at: string): void => {
    const first = listenerPorts.get(port);
    if (first !== undefined) problems.add(`${at} ${port} is also ${first}: one listener port, one route`);
    else listenerPorts.set(port, at);
  };
  config.routes.forEach((route, i) => {
    const at = `routes[${i}]`;
    if (!isPlainObject(route)) return problems.add(`${at} must be an object { listenerPort, alb?, albPort?, mode? }`);
    if (problems.port(`${at}.listenerPort`, route.listenerPort)) claim(route.listenerPort, `${at}.listenerPort`);
    if (route.albPort !== undefined) problems.port(`${at}.albPort`, route.albPort);
    const albKey = route.alb ?? (albKeys.length === 1 ? albKeys[0] : undefined);
    if (albKey === undefined) problems.add(`${at}.alb is required with more than one ALB (${albKeys.join(', ')})`);
    else if (!Object.hasOwn(albs, albKey)) problems.add(`${at}.alb ${JSON.stringify(albKey)} is not a key of albs (${albKeys.join(', ')})`);
    const alb = albKey === undefined ? undefined : albs[albKey];
    if (route.mode !== undefined && !MODES.includes(route.mode)) {
      problems.add(`${at}.mode ${JSON.stringify(route.mode)} is not one of ${MODES.join(', ')}`);
    }
    if (!nlb && (route.mode !== undefined || route.standby !== undefined)) {
      problems.add(`${at}.mode and standby are the NLB's: with frontDoors.nlb false the accelerator forwards to the ALB`);
    }
    const mode = route.mode ?? ENVIRONMENT_DEFAULTS.mode;
    if (nlb) modeProblems(at, mode, route, albKey, alb, problems);
    discoveryProblems(at, nlb && (mode === 'ip-sync' || route.standby?.mode === 'ip-sync'), route, albKey, alb, problems);
    if (route.standby !== undefined) {
      const standby = route.standby;
      if (!MODES.includes(standby.mode)) problems.add(`${at}.standby.mode ${JSON.stringify(standby.mode)} is not one of ${MODES.join(', ')}`);
      else if (standby.mode === mode) problems.add(`${at}.standby.mode is the route's own mode ${mode}: a standby is the other mode`);
      else if (nlb) modeProblems(`${at}.standby`, standby.mode, route, albKey, alb, problems);
      if (problems.port(`${at}.standby.listenerPort`, standby.listenerPort)) claim(standby.listenerPort, `${at}.standby.listenerPort`);
    }
    albTargetFieldProblems(at, route, albKey, alb, problems, nlb);
  });
}

/** What a mode needs of its route and ALB; `at` names the route, or its standby when the standby has the mode. */
function modeProblems(
  at: string,
  mode: RouteMode,
  route: RouteConfig,
  albKey: string | undefined,
  alb: AlbConfig | undefined,
  problems: Problems,
): void {
  if (mode !== 'alb-target') return;
  if (alb?.outsideVpc !== undefined) {
    problems.add(`${at}: alb-target needs the ALB in the NLB's VPC and account (an AWS limit); albs.${albKey} is outsideVpc: use ip-sync`);
  }
  if (route.albPort !== undefined && route.albPort !== route.listenerPort) {
    problems.add(
      `${at}: alb-target routes forward port for port (the ALB-type target group's port is the ALB listener's); ` +
        `listenerPort ${route.listenerPort} and albPort ${route.albPort} differ: use ip-sync to map ports`,
    );
  }
  if (alb !== undefined && alb.arn === undefined && alb.name === undefined) {
    problems.add(`${at}: alb-target registers the ALB itself, so albs.${albKey} needs its arn or name`);
  }
}

/**
 * `healthCheck` and `albListenerArn` belong to the route's ALB-type target group, whichever of the serving mode
 * and the standby has it: switching either way keeps them. The health check's rules are the construct's own.
 */
function albTargetFieldProblems(
  at: string,
  route: RouteConfig,
  albKey: string | undefined,
  alb: AlbConfig | undefined,
  problems: Problems,
  nlb: boolean,
): void {
  if (!nlb || !usesMode(route, 'alb-target')) {
    for (const field of ['healthCheck', 'albListenerArn'] as const) {
      if (route[field] !== undefined) problems.add(`${at}.${field} applies only when the route or its standby is alb-target (on the NLB)`);
    }
    return;
  }
  const check: AlbTargetHealthCheckConfig = route.healthCheck ?? {};
  if (!isPlainObject(check as unknown)) {
    problems.add(`${at}.healthCheck must be an object { protocol?, path?, port?, matcher? }`);
  } else {
    // The port is a config port (no 'traffic-port' here); an invalid one leaves the protocol rule nothing to check.
    const portValid = check.port === undefined || problems.port(`${at}.healthCheck.port`, check.port);
    const checkedPort = portValid ? (check.port ?? route.albPort ?? route.listenerPort) : Number.NaN;
    healthCheckProblems({ ...check, port: undefined }, `${at}.healthCheck`, checkedPort).forEach((line) => problems.add(line));
  }
  const listener = route.albListenerArn;
  if (listener !== undefined && problems.matches(`${at}.albListenerArn`, listener, 'albListenerArn') && literal(listener) && literal(alb?.arn)) {
    // listener/app/<name>/<alb id>/<listener id> belongs to loadbalancer/app/<name>/<alb id>.
    const owner = listener.replace(':listener/', ':loadbalancer/').replace(/\/[0-9a-f]{16}$/, '');
    if (owner !== alb!.arn) problems.add(`${at}.albListenerArn is a listener of ${owner}, not of albs.${albKey} (${alb!.arn})`);
  }
}

/** An IAM role ARN, with or without a path. */
const IAM_ROLE_ARN = new RegExp(`^arn:${PARTITION}:iam::(?<account>\\d{12}):role/([\\w+=,.@-]+/)*[\\w+=,.@-]{1,64}$`);
const ALB_ARN_ACCOUNT = new RegExp(`^arn:${PARTITION}:elasticloadbalancing:${REGION}:(?<account>\\d{12}):`);

/** A literal ALB ARN's account; undefined for a token or anything else. */
function albArnAccount(arn: string | undefined): string | undefined {
  return literal(arn) ? ALB_ARN_ACCOUNT.exec(arn)?.groups?.account : undefined;
}

/**
 * How an `ip-sync` route discovers its ALB's nodes: what it chose, else interfaces when the ALB's ARN is known
 * (literal, token, or looked up by name: the lookup is in the stack's account), else DNS.
 */
function discoveryOf(route: RouteConfig, alb: AlbConfig | undefined, sync: SyncTuning | undefined): ResolvedDiscovery {
  const arnKnown = alb?.arn !== undefined || alb?.name !== undefined;
  const source = route.discovery ?? (arnKnown ? 'interfaces' : 'dns');
  return {
    source,
    chosen: route.discovery !== undefined,
    albAccount: source !== 'dns' && route.discoveryRoleArn === undefined ? albArnAccount(alb?.arn) : undefined,
    roleArn: route.discoveryRoleArn,
    invocationsBeforeDeregistration: sync?.invocationsBeforeDeregistration,
  };
}

/** The discovery, event and client-IP fields of a route: `ip-sync` only, and each must have an effect. */
function discoveryProblems(
  at: string,
  ipSync: boolean,
  route: RouteConfig,
  albKey: string | undefined,
  alb: AlbConfig | undefined,
  problems: Problems,
): void {
  // Named by listener port as well: these lines are read beside the function's name, which carries the port.
  const where = `${at} (listener port ${route.listenerPort}):`;
  const fields = (['discovery', 'discoveryRoleArn', 'events', 'preserveClientIp'] as const).filter((field) => route[field] !== undefined);
  if (!ipSync) {
    for (const field of fields) {
      const why = field === 'preserveClientIp' ? ' (alb-target always keeps the client IP)' : '';
      problems.add(`${where} ${field} applies to ip-sync routes only${why}`);
    }
    return;
  }
  problems.boolean(`${where} events`, route.events);
  problems.boolean(`${where} preserveClientIp`, route.preserveClientIp);
  if (route.preserveClientIp === true && alb?.outsideVpc !== undefined) {
    problems.add(
      `${where} preserveClientIp: AWS keeps the client IP only for targets in the NLB's VPC (or a same-region peered VPC, ` +
        `which outsideVpc cannot tell from a transit gateway); albs.${albKey} is outsideVpc`,
    );
  }
  if (route.discovery !== undefined && !DISCOVERY_SOURCES.includes(route.discovery)) {
    return problems.add(`${where} discovery ${JSON.stringify(route.discovery)} is not one of ${DISCOVERY_SOURCES.join(', ')}`);
  }
  const role = route.discoveryRoleArn;
  const roleAccount = literal(role) ? IAM_ROLE_ARN.exec(role)?.groups?.account : undefined;
  if (role !== undefined && !Token.isUnresolved(role) && roleAccount === undefined) {
    problems.add(`${where} discoveryRoleArn ${JSON.stringify(role)} is not an IAM role ARN (arn:aws:iam::<account>:role/<name>)`);
  }
  const { source } = discoveryOf(route, alb, undefined);
  const albAccount = albArnAccount(alb?.arn);
  if (source === 'dns') {
    const why = route.discovery === 'dns' ? 'discovery is dns' : `discovery defaults to dns: albs.${albKey} has no arn or name`;
    if (role !== undefined) problems.add(`${where} discoveryRoleArn has no effect: ${why}`);
    if (route.events === true) {
      problems.add(`${where} events needs interface discovery (${why}): a node's interface exists before DNS names it, so a run on its event finds nothing new`);
    }
    return;
  }
  if (alb !== undefined && alb.arn === undefined && alb.name === undefined) {
    problems.add(
      `${where} discovery ${source} needs albs.${albKey}.arn or name: the interfaces are described after the ARN ` +
        `(ELB app/<name>/<id>), which a DNS name does not give`,
    );
  }
  if (roleAccount !== undefined && albAccount !== undefined && roleAccount !== albAccount) {
    problems.add(`${where} discoveryRoleArn is in account ${roleAccount}, not the ALB's (${albAccount}): the role lists the interfaces where they are`);
  }
  if (route.events === true && role !== undefined) {
    problems.add(`${where} events: the ALB's interface events are delivered in its own account, not to this stack's rule; remove events or discoveryRoleArn`);
  }
}

function acceleratorProblems(config: EnvironmentConfig, problems: Problems): void {
  const accelerator = config.frontDoors?.globalAccelerator;
  if (accelerator === undefined) return;
  const at = 'frontDoors.globalAccelerator';
  if (!isPlainObject(accelerator as unknown)) return problems.add(`${at} must be an object`);
  if (accelerator.ipAddressType !== undefined && !['IPV4', 'DUAL_STACK'].includes(accelerator.ipAddressType)) {
    problems.add(`${at}.ipAddressType ${JSON.stringify(accelerator.ipAddressType)} is not IPV4 or DUAL_STACK`);
  }
  if (accelerator.ipAddresses !== undefined) {
    const listed = problems.list<string>(`${at}.ipAddresses`, accelerator.ipAddresses, (ip, ipAt) => {
      const problem = publicIpv4Problem(ip);
      if (problem) problems.add(`${ipAt} ${JSON.stringify(ip)} ${problem}`);
    });
    if (listed && accelerator.ipAddresses!.length > 2) problems.add(`${at}.ipAddresses lists more than two addresses`);
  }
  const albs: Readonly<Record<string, AlbConfig>> = isPlainObject(config.albs) ? config.albs : {};
  const albKeys = Object.keys(albs);
  const routes = Array.isArray(config.routes) ? config.routes : routesOf(config);
  const endpoints = new Set(routes.map((route) => route?.alb ?? (albKeys.length === 1 ? albKeys[0] : undefined)));
  for (const key of endpoints) {
    const alb = key === undefined ? undefined : albs[key];
    if (alb !== undefined && alb.arn === undefined && alb.name === undefined) {
      problems.add(`${at}: the accelerator's endpoint is the ALB itself, so albs.${key} needs its arn or name`);
    }
  }
}

function nlbProblems(config: EnvironmentConfig, problems: Problems): void {
  const nlb: unknown = config.frontDoors?.nlb;
  if (nlb === undefined || typeof nlb === 'boolean') return;
  if (!isPlainObject(nlb)) return problems.add(`frontDoors.nlb ${JSON.stringify(nlb)} must be true, false or { ipAddressType }`);
  if (nlb.ipAddressType !== undefined && !(NLB_IP_ADDRESS_TYPES as readonly unknown[]).includes(nlb.ipAddressType)) {
    problems.add(`frontDoors.nlb.ipAddressType ${JSON.stringify(nlb.ipAddressType)} is not one of ${NLB_IP_ADDRESS_TYPES.join(', ')}`);
  }
}

const VPC_ENDPOINT_CHOICES: readonly string[] = ['create', 'existing'];

/** IAM, the sync functions' network and logs, the KMS key: each optional, each checked against what AWS accepts. */
function enterpriseProblems(config: EnvironmentConfig, problems: Problems, regionValid: boolean, nlb: boolean): void {
  const { iam, syncFunction, kmsKeyArn } = config;
  // The roles, log groups and state bucket these settings apply to exist only for ip-sync routes on the NLB.
  const routes = routesOf(config);
  const usesSync = nlb && Array.isArray(routes) && routes.some((route) => [route?.mode ?? ENVIRONMENT_DEFAULTS.mode, route?.standby?.mode].includes('ip-sync'));
  for (const [field, value] of [['iam', iam], ['syncFunction', syncFunction], ['kmsKeyArn', kmsKeyArn]] as const) {
    if (value !== undefined && !usesSync) {
      problems.add(`${field} is set but no route uses ip-sync: there is no sync function, role, log group or state bucket for it; remove it`);
    }
  }
  if (iam !== undefined) {
    if (!isPlainObject(iam as unknown)) problems.add('iam must be an object { permissionsBoundaryArn?, path?, trustSourceAccount? }');
    else {
      if (iam.permissionsBoundaryArn !== undefined) problems.matches('iam.permissionsBoundaryArn', iam.permissionsBoundaryArn, 'permissionsBoundaryArn');
      if (iam.path !== undefined) problems.matches('iam.path', iam.path, 'iamPath');
      problems.boolean('iam.trustSourceAccount', iam.trustSourceAccount);
    }
  }
  if (kmsKeyArn !== undefined) {
    if (literal(kmsKeyArn) && /^arn:[^:]+:kms:[^:]*:[^:]*:alias\//.test(kmsKeyArn)) {
      problems.add(`kmsKeyArn ${JSON.stringify(kmsKeyArn)} is an alias: give the key's own ARN (CloudWatch Logs accepts only a key ARN)`);
    } else if (problems.matches('kmsKeyArn', kmsKeyArn, 'kmsKeyArn') && literal(kmsKeyArn)) {
      const region = PATTERNS.kmsKeyArn.exec(kmsKeyArn)?.[2];
      if (regionValid && region !== config.region) {
        problems.add(`kmsKeyArn is in region ${region}, not the environment's region ${config.region}: the bucket and log groups need a key of their region`);
      }
    }
  }
  if (syncFunction === undefined) return;
  if (!isPlainObject(syncFunction as unknown)) return problems.add('syncFunction must be an object { vpc?, logRetentionDays? }');
  const retention = syncFunction.logRetentionDays;
  if (retention !== undefined && !LOG_RETENTION_DAYS.includes(retention)) {
    problems.add(`syncFunction.logRetentionDays ${JSON.stringify(retention)} is not a CloudWatch Logs retention (${LOG_RETENTION_DAYS.join(', ')})`);
  }
  if (syncFunction.vpc !== undefined) vpcProblems(syncFunction.vpc, problems);
}

function vpcProblems(vpc: SyncFunctionVpcConfig, problems: Problems): void {
  const at = 'syncFunction.vpc';
  if (!isPlainObject(vpc as unknown)) return problems.add(`${at} must be an object { subnetIds, securityGroupIds?, endpoints?, routeTableIds? }`);
  if (vpc.subnetIds === undefined) problems.add(`${at}.subnetIds is required: the private subnets the functions run in`);
  else problems.list<string>(`${at}.subnetIds`, vpc.subnetIds, (id, idAt) => problems.matches(idAt, id, 'subnetId'));
  if (vpc.securityGroupIds !== undefined) {
    problems.list<string>(`${at}.securityGroupIds`, vpc.securityGroupIds, (id, idAt) => problems.matches(idAt, id, 'securityGroupId'));
  }
  const endpoints = vpc.endpoints ?? ENVIRONMENT_DEFAULTS.vpcEndpoints;
  if (!VPC_ENDPOINT_CHOICES.includes(endpoints)) {
    return problems.add(`${at}.endpoints ${JSON.stringify(endpoints)} is not one of ${VPC_ENDPOINT_CHOICES.join(', ')}`);
  }
  if (endpoints === 'create') {
    if (vpc.routeTableIds === undefined) {
      problems.add(`${at}.routeTableIds is required with endpoints "create": the S3 gateway endpoint is added to the subnets' route tables`);
    } else {
      problems.list<string>(`${at}.routeTableIds`, vpc.routeTableIds, (id, idAt) => problems.matches(idAt, id, 'routeTableId'));
    }
  } else {
    if (vpc.routeTableIds !== undefined) problems.add(`${at}.routeTableIds has no effect with endpoints "existing" (the stack creates no S3 endpoint); remove it`);
    if (vpc.securityGroupIds === undefined) {
      problems.add(
        `${at}.securityGroupIds is required with endpoints "existing": the stack cannot know the existing endpoints' ` +
          'security group, so the functions use yours, whose egress must reach them on 443',
      );
    }
  }
}

/** An ALB may be the target of at most two NLBs: counted over the literal ARNs of every environment's alb-target routes. */
function nlbsPerAlbProblems(environments: readonly ResolvedEnvironment[]): string[] {
  const nlbsByAlb = new Map<string, Set<string>>();
  for (const environment of environments.filter((env) => env.nlb)) {
    for (const route of environment.routes) {
      const arn = environment.albs.get(route.alb)?.arn;
      const modes = [route.mode, route.standby?.mode];
      if (!literal(arn) || !modes.includes('alb-target')) continue;
      nlbsByAlb.set(arn, (nlbsByAlb.get(arn) ?? new Set()).add(environment.name));
    }
  }
  return [...nlbsByAlb]
    .filter(([, nlbs]) => nlbs.size > NLBS_PER_ALB_MAX)
    .map(
      ([arn, nlbs]) =>
        `environments ${[...nlbs].map((name) => JSON.stringify(name)).join(', ')}: ${nlbs.size} NLBs target ${arn} in alb-target mode; ` +
        `an ALB may be the target of at most ${NLBS_PER_ALB_MAX} NLBs (use ip-sync for the others)`,
    );
}

/** Canonical IPv4 CIDRs only: AWS stores the network address, so `10.0.0.1/8` would plan a change on every run. */
function ipv4CidrProblem(cidr: unknown): string | undefined {
  const match = typeof cidr === 'string' ? /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/.exec(cidr) : null;
  if (!match) return 'is not an IPv4 CIDR (a.b.c.d/n)';
  const octets = match.slice(1, 5).map(Number);
  const prefixLength = Number(match[5]);
  if (octets.some((octet) => octet > 255) || prefixLength > 32) return 'is not an IPv4 CIDR (a.b.c.d/n)';
  const address = octets.reduce((acc, octet) => acc * 256 + octet, 0);
  const hostBits = 2 ** (32 - prefixLength);
  if (address % hostBits !== 0) {
    const network = address - (address % hostBits);
    const dotted = [24, 16, 8, 0].map((shift) => Math.floor(network / 2 ** shift) % 256).join('.');
    return `has host bits set (did you mean ${dotted}/${prefixLength}?)`;
  }
  return undefined;
}

/** An IPv6 CIDR in AWS's own spelling (lower case), on a dual-stack NLB only. */
function ipv6CidrProblem(cidr: string, dualStack: boolean): string | undefined {
  const [address, prefix, ...rest] = cidr.split('/');
  const prefixLength = Number(prefix);
  if (rest.length > 0 || !isIPv6(address) || !/^\d{1,3}$/.test(prefix ?? '') || prefixLength > 128) return 'is not an IPv6 CIDR (e.g. 2001:db8::/32)';
  if (cidr !== cidr.toLowerCase()) return `must be lower case, as AWS stores it (${cidr.toLowerCase()})`;
  return dualStack ? undefined : 'is IPv6: set frontDoors.nlb.ipAddressType to dualstack for IPv6 clients';
}

/** A public IPv4 address, as an Elastic IP or a BYOIP accelerator address must be. */
function publicIpv4Problem(ip: unknown): string | undefined {
  if (typeof ip !== 'string' || !isIpv4(ip)) return 'is not an IPv4 address';
  return isPublicIpv4(ip) ? undefined : 'is not a public IPv4 address';
}

/** AWS tag limits: keys 1-128 characters, values up to 256, the `aws:` prefix reserved. */
function tagProblems(field: string, tags: EnvironmentConfig['tags']): string[] {
  if (tags !== undefined && !isPlainObject(tags)) return [`${field} must be an object of key: value`];
  return Object.entries(tags ?? {}).flatMap(([key, value]) => {
    const at = `${field}[${JSON.stringify(key)}]`;
    if (key.length < 1 || key.length > 128) return [`${at} key must be 1-128 characters`];
    if (key.toLowerCase().startsWith('aws:')) return [`${at} key must not start with "aws:" (reserved by AWS)`];
    const valueFits = typeof value === 'string' && value.length <= 256;
    return valueFits ? [] : [`${at} value must be a string of at most 256 characters`];
  });
}

/** The sync function's own limits: a value it would refuse must fail synth, not every run. */
export const TUNING_LIMITS: Readonly<Record<keyof SyncTuning, number>> = {
  maxLookupsPerInvocation: SETTING_LIMITS.MAX_LOOKUP_PER_INVOCATION.max,
  invocationsBeforeDeregistration: SETTING_LIMITS.INVOCATIONS_BEFORE_DEREGISTRATION.max,
  maxDeregistrationPercent: SETTING_LIMITS.MAX_DEREGISTRATION_PERCENT.max,
};

/** Unknown keys are reported by unknownKeyProblems. */
function tuningProblems(sync: SyncTuning | undefined): string[] {
  return Object.entries(sync ?? {}).flatMap(([key, value]) => {
    const max = TUNING_LIMITS[key as keyof SyncTuning];
    if (max === undefined) return [];
    if (!Number.isInteger(value) || value < 1) return [`sync.${key} ${value} must be a positive integer`];
    if (value > max) return [`sync.${key} ${value} must be at most ${max}`];
    return [];
  });
}
