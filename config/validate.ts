import { MODES } from '../modes';
import { discoveryOf } from '../modes/ip-sync/rules';
import { AWS_FORMATS, parseAwsId } from '../shared/aws-formats';
import { sharedStateProblems } from './backend';
import {
  ENVIRONMENT_DEFAULTS,
  SYNC_TUNING_DEFAULTS,
  resolveHealthCheck,
  usesMode,
  type ResolvedAlb,
  type ResolvedEnvironment,
  type ResolvedRoute,
  type ResolvedZone,
} from './defaults';
import { literal } from './fields';
import { issueLines, isPlainObject, renderPath, type PathLabel } from './issues';
import {
  REPLACED_FIELDS,
  environmentSchema,
  routeSchema,
  type EnvironmentConfig,
  type ParsedEnvironment,
  type RouteConfig,
} from './schema';

export { TUNING_LIMITS } from './schema';

/**
 * One resolution of the environments: each is parsed by the schema (every field's type and rule, unknown keys
 * included), then checked field against field, then filled with its defaults. Constructs receive the result and
 * check only what their own props promise.
 */

/** AWS's default quota of inbound rules per security group: the NLB's has one per route port and CIDR. */
const SECURITY_GROUP_INBOUND_RULES_MAX = 60;

/** An ALB may be the target of at most two NLBs (one ALB-type target group each). */
const NLBS_PER_ALB_MAX = 2;

/** The longest `[internal-]<name>` part of an ALB's DNS name before AWS cuts the name short. */
const DNS_NAME_LABEL_MAX_LENGTH = 32;

/** Raised before any construct exists; every line names the environment (or environments) and the field at fault. */
export class ConfigError extends Error {
  constructor(public readonly problems: readonly string[]) {
    super(problems.join('\n'));
    this.name = 'ConfigError';
  }
}

/**
 * Validates every environment and fills in the defaults; throws one ConfigError with every problem of every
 * environment. The rules between fields run once an environment's fields are each well formed.
 */
export function resolveEnvironments(configs: readonly EnvironmentConfig[]): ResolvedEnvironment[] {
  if (!Array.isArray(configs) || configs.length === 0) throw new ConfigError(['no environments configured']);
  const checked = configs.map((config) => ({ config, ...checkEnvironment(config) }));
  const problems = checked.flatMap(({ config, problems }) =>
    problems.map((problem) => `environment ${JSON.stringify(config?.name)}: ${problem}`),
  );
  const names = configs.map((config) => config?.name);
  for (const name of new Set(names.filter((name, i) => names.indexOf(name) !== i))) {
    problems.push(`environment ${JSON.stringify(name)}: name is used by more than one environment`);
  }
  if (problems.length === 0) problems.push(...sharedStateProblems(configs));
  if (problems.length > 0) throw new ConfigError(problems);
  const resolved = checked.map(({ config, parsed }) => withDefaults(config, parsed!));
  problems.push(...nlbsPerAlbProblems(resolved));
  if (problems.length > 0) throw new ConfigError(problems);
  return resolved;
}

/** Validates one environment and fills in the defaults. */
export function resolveEnvironment(config: EnvironmentConfig): ResolvedEnvironment {
  return resolveEnvironments([config])[0];
}

/** The schema's problems of one environment, else the problems between its fields. */
function checkEnvironment(config: EnvironmentConfig): { parsed?: ParsedEnvironment; problems: string[] } {
  const result = environmentSchema.safeParse(config, { reportInput: true });
  if (!result.success) {
    // Unknown keys first: a misspelled field often explains the problems after it.
    const issues = [...result.error.issues].sort((a, b) => Number(b.code === 'unrecognized_keys') - Number(a.code === 'unrecognized_keys'));
    return { problems: issueLines(issues, environmentSchema, config, [], { label: labelOf(config), replaced: REPLACED_FIELDS }) };
  }
  return { parsed: result.data, problems: crossFieldProblems(config, result.data) };
}

/**
 * How problem lines name a field: a zone by its Availability Zone when that names it alone (`zones[eu-west-1a]`),
 * an ip-sync field of a route by the route's listener port too.
 */
function labelOf(config: EnvironmentConfig): PathLabel {
  return (path) => {
    const [section, index, field, ...rest] = path;
    if (section === 'zones' && typeof index === 'number') return renderPath(path.slice(2), zoneName(config, index));
    const routes = isPlainObject(config) ? config.routes : undefined;
    const owner = Object.values(MODES).find(({ rules }) => rules.routeFields.includes(String(field)))?.rules;
    if (section === 'routes' && typeof index === 'number' && owner?.fieldLabel !== undefined) {
      return `${owner.fieldLabel(index, Array.isArray(routes) ? routes[index] : undefined)} ${renderPath([field, ...rest])}`;
    }
    return renderPath(path);
  };
}

function zoneName(config: EnvironmentConfig, index: number): string {
  const zones = isPlainObject(config) ? config.zones : undefined;
  const azs = Array.isArray(zones) ? zones.map((zone) => (isPlainObject(zone) ? zone.availabilityZone : undefined)) : [];
  const az = azs[index];
  const alone = literal(az) && AWS_FORMATS.availabilityZone.pattern.test(az) && azs.indexOf(az) === azs.lastIndexOf(az);
  return alone ? `zones[${az}]` : `zones[${index}]`;
}

/** The routes an environment serves: its own, or ports 80 and 443 to its only ALB. */
function routesOf(config: EnvironmentConfig): readonly RouteConfig[] {
  if (config.routes !== undefined) return config.routes;
  const albKeys = Object.keys(config.albs);
  return albKeys.length === 1 ? ENVIRONMENT_DEFAULTS.routePorts.map((listenerPort) => ({ listenerPort, alb: albKeys[0] })) : [];
}

/** The key of the ALB a route forwards to: its own, else the environment's only ALB. */
function albKeyOf(config: EnvironmentConfig, route: RouteConfig): string | undefined {
  const albKeys = Object.keys(config.albs);
  return route.alb ?? (albKeys.length === 1 ? albKeys[0] : undefined);
}

function hasNlb(parsed: ParsedEnvironment): boolean {
  return parsed.frontDoors.nlb !== false;
}

function dualStack(parsed: ParsedEnvironment): boolean {
  return typeof parsed.frontDoors.nlb === 'object' && parsed.frontDoors.nlb.ipAddressType === 'dualstack';
}

/** Open to the world, over IPv6 too when the NLB is dual-stack. */
function defaultIngressCidrs(parsed: ParsedEnvironment): readonly string[] {
  return [...ENVIRONMENT_DEFAULTS.ingressCidrs, ...(dualStack(parsed) ? [ENVIRONMENT_DEFAULTS.ipv6IngressCidr] : [])];
}

/** The rules between fields: `config` is what the user wrote (well formed), `parsed` the same with the schema's defaults. */
function crossFieldProblems(config: EnvironmentConfig, parsed: ParsedEnvironment): string[] {
  const nlb = hasNlb(parsed);
  const problems: string[] = [];
  if (nlb && config.zones === undefined) problems.push('zones must list at least one entry');
  if (!nlb && config.zones !== undefined) problems.push("zones is set but frontDoors.nlb is false: zones are the NLB's; remove them");
  if (!nlb && config.frontDoors?.globalAccelerator === undefined) {
    problems.push('frontDoors: with nlb false, a globalAccelerator is the only front door and must be set');
  }
  problems.push(...zoneProblems(config));
  problems.push(...staticIpsProblems(config, nlb));
  problems.push(...albProblems(config));
  problems.push(...routeProblems(config, nlb));
  problems.push(...acceleratorProblems(config));
  problems.push(...syncFunctionProblems(config, nlb));
  problems.push(...ingressProblems(config, parsed, nlb));
  return problems;
}

/** Zones in the environment's region; no Availability Zone, subnet or address named for two zones. */
function zoneProblems(config: EnvironmentConfig): string[] {
  const problems: string[] = [];
  const seen = { zone: new Map<string, number>(), subnet: new Map<string, number>(), address: new Map<string, number>() };
  const once = (kind: keyof typeof seen, what: string, value: string | undefined, at: string, i: number): void => {
    if (!literal(value)) return;
    const first = seen[kind].get(value);
    if (first === undefined) seen[kind].set(value, i);
    else problems.push(`${at} ${JSON.stringify(value)} is also ${zoneName(config, first)}'s ${what}`);
  };
  (config.zones ?? []).forEach((zone, i) => {
    const at = zoneName(config, i);
    const zoneRegion = literal(zone.availabilityZone) ? parseAwsId('availabilityZone', zone.availabilityZone)?.region : undefined;
    if (zoneRegion !== undefined && literal(config.region) && zoneRegion !== config.region) {
      problems.push(`${at}.availabilityZone ${JSON.stringify(zone.availabilityZone)} is not in the environment's region ${config.region}`);
    }
    once('zone', 'Availability Zone', zone.availabilityZone, `${at}.availabilityZone`, i);
    once('subnet', 'subnet', zone.subnetId, `${at}.subnetId`, i);
    const staticIp = zone.staticIp;
    if (staticIp === undefined) return;
    if ('allocationId' in staticIp) once('address', 'address', staticIp.allocationId, `${at}.staticIp.allocationId`, i);
    if ('publicIp' in staticIp) once('address', 'address', staticIp.publicIp, `${at}.staticIp.publicIp`, i);
    if ('pool' in staticIp) problems.push(...poolRegionProblems(`${at}.staticIp.pool`, staticIp.pool.region, config));
  });
  return problems;
}

function poolRegionProblems(at: string, region: string, config: EnvironmentConfig): string[] {
  if (!literal(region) || !literal(config.region) || region === config.region) return [];
  return [`${at} is in region ${region}, not the environment's region ${config.region}: Elastic IPs are regional`];
}

/** The pool and the release list belong to the NLB's addresses; only a zone taken out of `zones` can be released. */
function staticIpsProblems(config: EnvironmentConfig, nlb: boolean): string[] {
  const { pool, release } = config.staticIps ?? {};
  const problems: string[] = [];
  if (pool !== undefined) {
    if (!nlb) problems.push("staticIps.pool is the NLB's (new Elastic IPs): with frontDoors.nlb false remove it");
    problems.push(...poolRegionProblems('staticIps.pool', pool.region, config));
  }
  if (release === undefined) return problems;
  if (!nlb) return [...problems, 'staticIps.release is set but frontDoors.nlb is false: without an NLB the stack owns no static IP'];
  const configured = new Set((config.zones ?? []).map((zone) => zone.availabilityZone));
  release.forEach((zone, i) => {
    const at = `staticIps.release[${i}]`;
    const zoneRegion = literal(zone) ? parseAwsId('availabilityZone', zone)?.region : undefined;
    if (zoneRegion !== undefined && literal(config.region) && zoneRegion !== config.region) {
      problems.push(`${at} ${JSON.stringify(zone)} is not in the environment's region ${config.region}`);
    } else if (configured.has(zone) && release.indexOf(zone) === i) {
      problems.push(`${at} ${JSON.stringify(zone)} is a configured zone: only the address of a zone taken out of zones can be released`);
    }
  });
  return problems;
}

/** Each ALB in the environment's region, its DNS name and ARN naming one ALB, its rules with their security group. */
function albProblems(config: EnvironmentConfig): string[] {
  return Object.entries(config.albs).flatMap(([key, alb]) => {
    const at = `albs.${key}`;
    const problems: string[] = [];
    for (const [field, format] of [
      ['dnsName', 'internalAlbDnsName'],
      ['arn', 'albArn'],
    ] as const) {
      const value = alb[field];
      const region = literal(value) ? parseAwsId(format, value)?.region : undefined;
      if (region !== undefined && literal(config.region) && region !== config.region) {
        problems.push(`${at}.${field} ${JSON.stringify(value)} is in region ${region}, not the environment's region ${config.region}`);
      }
    }
    if (alb.securityGroupRules !== undefined && alb.securityGroupId === undefined) {
      problems.push(`${at}.securityGroupRules applies to the ALB's security group: set securityGroupId, or remove it`);
    }
    return [...problems, ...sameAlbProblems(at, alb.dnsName, alb.arn)];
  });
}

/**
 * An ALB's DNS name and ARN, both literals, must name one ALB: `[internal-]<name>-<digits>.<region>.elb...` and
 * `...:<region>:<account>:loadbalancer/app/<name>/<id>`. AWS may cut a long name short in the DNS name (its
 * `[internal-]<name>` part is then 32 characters), so a name that long need only begin the ARN's.
 */
function sameAlbProblems(at: string, dnsName: string | undefined, arn: string | undefined): string[] {
  if (!literal(dnsName) || !literal(arn)) return [];
  const dns = /^((?:internal-)?(.+))-\d+\.([a-z0-9-]+)\.elb\.amazonaws\.com(?:\.cn)?$/.exec(dnsName);
  const parsedArn = parseAwsId('albArn', arn);
  if (!dns || !parsedArn) return [];
  const [, label, dnsAlbName, dnsRegion] = dns;
  const arnName = parsedArn.name.toLowerCase();
  const problems: string[] = [];
  const truncated = label.length >= DNS_NAME_LABEL_MAX_LENGTH;
  if (truncated ? !arnName.startsWith(dnsAlbName) : arnName !== dnsAlbName) {
    problems.push(`${at}.dnsName and ${at}.arn name different ALBs: "${dnsAlbName}" and "${arnName}"`);
  }
  if (dnsRegion !== parsedArn.region)
    problems.push(`${at}.dnsName is in region ${dnsRegion} and ${at}.arn in ${parsedArn.region}: they name different ALBs`);
  return problems;
}

/** Each route to a configured ALB on a port of its own; what its modes need (modes/<mode>/rules.ts). */
function routeProblems(config: EnvironmentConfig, nlb: boolean): string[] {
  const albKeys = Object.keys(config.albs);
  if (config.routes === undefined) return albKeys.length > 1 ? [`routes is required with more than one ALB (${albKeys.join(', ')})`] : [];
  const problems: string[] = [];
  const listenerPorts = new Map<number, string>();
  const claim = (port: number, at: string): void => {
    const first = listenerPorts.get(port);
    if (first !== undefined) problems.push(`${at} ${port} is also ${first}: one listener port, one route`);
    else listenerPorts.set(port, at);
  };
  config.routes.forEach((route, index) => {
    const at = `routes[${index}]`;
    claim(route.listenerPort, `${at}.listenerPort`);
    const albKey = albKeyOf(config, route);
    if (albKey === undefined) problems.push(`${at}.alb is required with more than one ALB (${albKeys.join(', ')})`);
    else if (!Object.hasOwn(config.albs, albKey))
      problems.push(`${at}.alb ${JSON.stringify(albKey)} is not a key of albs (${albKeys.join(', ')})`);
    const alb = albKey === undefined ? undefined : config.albs[albKey];
    if (!nlb && (route.mode !== undefined || route.standby !== undefined)) {
      problems.push(`${at}.mode and standby are the NLB's: with frontDoors.nlb false the accelerator forwards to the ALB`);
    }
    const mode = route.mode ?? ENVIRONMENT_DEFAULTS.mode;
    const standbyMode = route.standby?.mode;
    if (standbyMode === mode) problems.push(`${at}.standby.mode is the route's own mode ${mode}: a standby is the other mode`);
    // Each mode checks its own fields on every route, and what it needs of a route serving or standing by in it.
    for (const { name, rules } of Object.values(MODES)) {
      const context = { at, index, route, albKey, alb, inMode: nlb && usesMode(route, name) };
      if (nlb && mode === name) problems.push(...rules.needs(context, at));
      if (nlb && standbyMode === name && standbyMode !== mode) problems.push(...rules.needs(context, `${at}.standby`));
      problems.push(...rules.fieldProblems(context));
    }
    if (route.standby !== undefined) claim(route.standby.listenerPort, `${at}.standby.listenerPort`);
  });
  return problems;
}

/** The accelerator's endpoint is the ALB itself: each ALB behind a route needs its ARN or name. */
function acceleratorProblems(config: EnvironmentConfig): string[] {
  if (config.frontDoors?.globalAccelerator === undefined) return [];
  const endpoints = new Set(routesOf(config).map((route) => albKeyOf(config, route)));
  return [...endpoints].flatMap((key) => {
    const alb = key === undefined ? undefined : config.albs[key];
    return alb !== undefined && alb.arn === undefined && alb.name === undefined
      ? [`frontDoors.globalAccelerator: the accelerator's endpoint is the ALB itself, so albs.${key} needs its arn or name`]
      : [];
  });
}

/** IAM, the sync functions and the KMS key apply to the sync functions, which exist for ip-sync routes on the NLB. */
function syncFunctionProblems(config: EnvironmentConfig, nlb: boolean): string[] {
  const usesSync = nlb && routesOf(config).some((route) => usesMode(route, 'ip-sync'));
  const problems = (['iam', 'syncFunction', 'kmsKeyArn'] as const)
    .filter((field) => config[field] !== undefined && !usesSync)
    .map(
      (field) => `${field} is set but no route uses ip-sync: there is no sync function, role, log group or state bucket for it; remove it`,
    );
  const keyRegion = literal(config.kmsKeyArn) ? parseAwsId('kmsKeyArn', config.kmsKeyArn)?.region : undefined;
  if (keyRegion !== undefined && literal(config.region) && keyRegion !== config.region) {
    problems.push(
      `kmsKeyArn is in region ${keyRegion}, not the environment's region ${config.region}: the bucket and log groups ` +
        `need a key of their region`,
    );
  }
  return problems;
}

/** What ingressCidrs can filter in the environment's shape, and how many rules they make. */
function ingressProblems(config: EnvironmentConfig, parsed: ParsedEnvironment, nlb: boolean): string[] {
  const problems: string[] = [];
  if (config.ingressCidrs !== undefined && !nlb) {
    for (const key of unfilteredAlbs(config)) {
      problems.push(
        "ingressCidrs: with frontDoors.nlb false it can only filter on the ALB's security group (the accelerator keeps " +
          `the client's address), and albs.${key} has no securityGroupId: set it, or remove ingressCidrs`,
      );
    }
  }
  if (!dualStack(parsed)) {
    (config.ingressCidrs ?? []).forEach((cidr, i) => {
      if (literal(cidr) && cidr.includes(':')) {
        problems.push(`ingressCidrs[${i}] ${JSON.stringify(cidr)} is IPv6: set frontDoors.nlb.ipAddressType to dualstack for IPv6 clients`);
      }
    });
  }
  const inboundRules = routesOf(config).length * (config.ingressCidrs ?? defaultIngressCidrs(parsed)).length;
  if (inboundRules > SECURITY_GROUP_INBOUND_RULES_MAX) {
    problems.push(
      `ingressCidrs: ${inboundRules} rules (routes x CIDRs) exceed the default quota of ` +
        `${SECURITY_GROUP_INBOUND_RULES_MAX} inbound rules per security group; summarize the CIDRs`,
    );
  }
  return problems;
}

/** The ALBs behind the routes whose security group the stack cannot add the accelerator's CIDRs to. */
function unfilteredAlbs(config: EnvironmentConfig): string[] {
  const used = new Set(routesOf(config).map((route) => albKeyOf(config, route)));
  return [...used].filter(
    (key): key is string => key !== undefined && config.albs[key] !== undefined && config.albs[key].securityGroupId === undefined,
  );
}

function withDefaults(config: EnvironmentConfig, parsed: ParsedEnvironment): ResolvedEnvironment {
  const nlb = hasNlb(parsed);
  const albKeys = Object.keys(parsed.albs);
  const accelerator = parsed.frontDoors.globalAccelerator;
  const vpc = parsed.syncFunction.vpc;
  return {
    name: parsed.name,
    region: parsed.region,
    vpcId: parsed.vpcId,
    zones: (parsed.zones ?? []).map((zone): ResolvedZone => ({
      availabilityZone: zone.availabilityZone,
      subnetId: zone.subnetId,
      staticIp: zone.staticIp ?? { pool: parsed.staticIps.pool },
    })),
    protect: parsed.staticIps.protect,
    release: parsed.staticIps.release ?? [],
    albs: new Map(albKeys.map((key): [string, ResolvedAlb] => [key, { key, ...parsed.albs[key] }])),
    routes: routesOf(config).map((route, i): ResolvedRoute => {
      // The default routes take the schema's route defaults too.
      const own = parsed.routes?.[i] ?? routeSchema.parse(route);
      const alb = own.alb ?? albKeys[0];
      return {
        ...own,
        alb,
        albPort: own.albPort ?? own.listenerPort,
        healthCheck: resolveHealthCheck(route),
        discovery: discoveryOf(route, config.albs[alb], config.sync),
      };
    }),
    nlb,
    globalAccelerator: accelerator && { ipAddressType: accelerator.ipAddressType, ipAddresses: accelerator.ipAddresses },
    ingressCidrs: parsed.ingressCidrs ?? defaultIngressCidrs(parsed),
    acceleratorIngressCidrs: accelerator ? (parsed.ingressCidrs ?? []) : [],
    warnings: environmentWarnings(config, nlb),
    tags: parsed.tags,
    sync: { ...SYNC_TUNING_DEFAULTS, ...parsed.sync },
    alarmTopicArn: parsed.alarmTopicArn,
    lambdaRuntime: parsed.lambdaRuntime,
    backend: parsed.backend,
    nlbIpAddressType:
      typeof parsed.frontDoors.nlb === 'object' ? parsed.frontDoors.nlb.ipAddressType : ENVIRONMENT_DEFAULTS.nlbIpAddressType,
    iam: parsed.iam,
    syncFunction: { vpc, logRetentionDays: parsed.syncFunction.logRetentionDays },
    kmsKeyArn: parsed.kmsKeyArn,
  };
}

/**
 * What synth warns about, once per environment: defaults that assume routes or open the static IPs to the
 * internet, and fields that have no effect in the environment's shape but are harmless to keep.
 */
function environmentWarnings(config: EnvironmentConfig, nlb: boolean): string[] {
  const warnings: string[] = [];
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
  const routed = new Set(routes.map((route) => albKeyOf(config, route)));
  for (const key of Object.keys(config.albs).filter((key) => !routed.has(key)))
    warnings.push(`albs.${key} has no effect: no route forwards to it`);
  if (!nlb) {
    for (const [key, alb] of Object.entries(config.albs)) {
      if (alb.outsideVpc !== undefined)
        warnings.push(`albs.${key}.outsideVpc has no effect: it shapes the NLB's egress, and frontDoors.nlb is false`);
      if (alb.securityGroupId !== undefined && config.ingressCidrs === undefined) {
        warnings.push(`albs.${key}.securityGroupId has no effect: without the NLB it only receives ingressCidrs, which is not set`);
      }
    }
    if (config.alarmTopicArn !== undefined)
      warnings.push('alarmTopicArn has no effect: the alarms watch the NLB, and frontDoors.nlb is false');
  }
  if (!routes.some((route) => usesMode(route, 'ip-sync')) || !nlb) {
    for (const field of ['sync', 'lambdaRuntime'] as const) {
      if (config[field] !== undefined) warnings.push(`${field} has no effect: no route has a sync function (ip-sync on the NLB)`);
    }
  }
  return warnings;
}

/** An ALB may be the target of at most two NLBs: counted over the literal ARNs of every environment's alb-target routes. */
function nlbsPerAlbProblems(environments: readonly ResolvedEnvironment[]): string[] {
  const nlbsByAlb = new Map<string, Set<string>>();
  for (const environment of environments.filter((env) => env.nlb)) {
    for (const route of environment.routes) {
      const arn = environment.albs.get(route.alb)?.arn;
      if (!literal(arn) || !usesMode(route, 'alb-target')) continue;
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
