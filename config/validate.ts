import type { EnvironmentConfig, SyncTuning } from './types';
import { SETTING_LIMITS } from '../lambda/settings';
import { backendProblems } from './backend';
import { ENVIRONMENT_DEFAULTS, SYNC_TUNING_DEFAULTS, type ResolvedEnvironment } from './defaults';

/**
 * `<name>-static-ip`, the longest name derived from an environment's, must fit the 32 characters AWS allows
 * load balancer and target group names.
 */
export const ENVIRONMENT_NAME_MAX_LENGTH = 22;

/** Load balancer names cannot start with `internal`, security group names not with `sg-`. */
const RESERVED_NAME_PREFIXES = ['internal', 'sg-'] as const;

/** AWS's default quota of inbound rules per security group: the NLB's has one per port and CIDR. */
const SECURITY_GROUP_INBOUND_RULES_MAX = 60;

/** The oldest Node.js major the bundle targets (esbuild `node20`). */
const OLDEST_NODE_MAJOR = 20;

const AWS_ID_HEX = '([0-9a-f]{8}|[0-9a-f]{17})';
const REGION = '[a-z]{2}(-[a-z]+)+-\\d{1,2}';

const PATTERNS = {
  name: new RegExp(`^[a-z]([a-z0-9-]{0,${ENVIRONMENT_NAME_MAX_LENGTH - 2}}[a-z0-9])?$`),
  region: new RegExp(`^${REGION}$`),
  vpcId: new RegExp(`^vpc-${AWS_ID_HEX}$`),
  subnetId: new RegExp(`^subnet-${AWS_ID_HEX}$`),
  securityGroupId: new RegExp(`^sg-${AWS_ID_HEX}$`),
  /** Internal ALBs' names start with `internal-`; internet-facing ones resolve to public IPs, which cannot be IP targets. */
  internalAlbDnsName: new RegExp(`^internal-[a-z0-9-]+-\\d+\\.(${REGION})\\.elb\\.amazonaws\\.com(\\.cn)?$`),
  snsTopicArn: new RegExp(`^arn:aws(-cn|-us-gov)?:sns:${REGION}:\\d{12}:[A-Za-z0-9_-]{1,256}(\\.fifo)?$`),
  nodeRuntime: /^nodejs(\d+)\.x$/,
} as const;

const DESCRIPTIONS = {
  name: `a stack name (lowercase letters, digits and dashes, starting with a letter, at most ${ENVIRONMENT_NAME_MAX_LENGTH} characters)`,
  region: 'an AWS region (e.g. eu-west-1)',
  vpcId: 'a VPC id (vpc-<8 or 17 hex>)',
  subnetId: 'a subnet id (subnet-<8 or 17 hex>)',
  securityGroupId: 'a security group id (sg-<8 or 17 hex>)',
  internalAlbDnsName: "an internal ALB's DNS name (internal-<name>-<id>.<region>.elb.amazonaws.com)",
  snsTopicArn: 'an SNS topic ARN (arn:aws:sns:<region>:<account>:<topic>)',
} as const;

/** Raised before any construct exists; every line names the environment and the field at fault. */
export class ConfigError extends Error {
  constructor(public readonly problems: readonly string[]) {
    super(problems.join('\n'));
    this.name = 'ConfigError';
  }
}

/** Validates every environment (collecting all problems of all of them) and fills in the defaults. */
export function resolveEnvironments(configs: readonly EnvironmentConfig[]): ResolvedEnvironment[] {
  if (configs.length === 0) throw new ConfigError(['no environments configured']);
  const problems = configs.flatMap(environmentProblems);
  const names = configs.map((config) => config.name);
  for (const name of new Set(names.filter((name, i) => names.indexOf(name) !== i))) {
    problems.push(`environment ${JSON.stringify(name)}: name is used by more than one environment`);
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return configs.map(withDefaults);
}

/** Validates one environment and fills in the defaults. */
export function resolveEnvironment(config: EnvironmentConfig): ResolvedEnvironment {
  return resolveEnvironments([config])[0];
}

function withDefaults(config: EnvironmentConfig): ResolvedEnvironment {
  return {
    ...config,
    ports: config.ports ?? ENVIRONMENT_DEFAULTS.ports,
    ingressCidrs: config.ingressCidrs ?? ENVIRONMENT_DEFAULTS.ingressCidrs,
    tags: config.tags ?? ENVIRONMENT_DEFAULTS.tags,
    sync: { ...SYNC_TUNING_DEFAULTS, ...config.sync },
    lambdaRuntime: config.lambdaRuntime ?? ENVIRONMENT_DEFAULTS.lambdaRuntime,
    backend: config.backend ?? ENVIRONMENT_DEFAULTS.backend,
  };
}

function environmentProblems(config: EnvironmentConfig): string[] {
  const problems: string[] = [];
  const matches = (field: string, value: unknown, pattern: keyof typeof DESCRIPTIONS): void => {
    if (typeof value !== 'string' || !PATTERNS[pattern].test(value)) {
      problems.push(`${field} ${JSON.stringify(value)} is not ${DESCRIPTIONS[pattern]}`);
    }
  };
  const list = <T>(field: string, values: readonly T[] | undefined, check: (value: T, at: string) => void): void => {
    if (values === undefined) return;
    if (!Array.isArray(values) || values.length === 0) {
      problems.push(`${field} must list at least one entry`);
      return;
    }
    values.forEach((value, i) => {
      const at = `${field}[${i}]`;
      if (values.indexOf(value) !== i) problems.push(`${at} ${JSON.stringify(value)} is a duplicate`);
      else check(value, at);
    });
  };

  matches('name', config.name, 'name');
  const reserved = RESERVED_NAME_PREFIXES.find((prefix) => String(config.name).startsWith(prefix));
  if (reserved !== undefined) {
    problems.push(`name ${JSON.stringify(config.name)} must not start with "${reserved}" (reserved by AWS)`);
  }
  matches('region', config.region, 'region');
  matches('vpcId', config.vpcId, 'vpcId');
  if (config.publicSubnetIds === undefined) problems.push('publicSubnetIds must list at least one entry');
  list('publicSubnetIds', config.publicSubnetIds, (id, at) => matches(at, id, 'subnetId'));

  if (config.alb === undefined) {
    problems.push('alb is required (the internal ALB: dnsName, optionally securityGroupId)');
  } else {
    albProblems(config, problems, matches);
  }

  list('ports', config.ports, (port, at) => {
    if (!Number.isInteger(port) || port < 1 || port > 65535) problems.push(`${at} ${port} is outside 1-65535`);
  });
  list('ingressCidrs', config.ingressCidrs, (cidr, at) => {
    const problem = ipv4CidrProblem(cidr);
    if (problem) problems.push(`${at} ${JSON.stringify(cidr)} ${problem}`);
  });
  const inboundRules = (config.ports ?? ENVIRONMENT_DEFAULTS.ports).length * (config.ingressCidrs ?? []).length;
  if (inboundRules > SECURITY_GROUP_INBOUND_RULES_MAX) {
    problems.push(
      `ingressCidrs: ${inboundRules} rules (ports x CIDRs) exceed the default quota of ` +
        `${SECURITY_GROUP_INBOUND_RULES_MAX} inbound rules per security group; summarize the CIDRs`,
    );
  }
  problems.push(...tagProblems(config.tags));
  problems.push(...tuningProblems(config.sync));
  problems.push(...backendProblems(config.backend));
  if (config.alarmTopicArn !== undefined) matches('alarmTopicArn', config.alarmTopicArn, 'snsTopicArn');
  if (config.lambdaRuntime !== undefined) {
    const major = PATTERNS.nodeRuntime.exec(config.lambdaRuntime)?.[1];
    if (major === undefined || Number(major) < OLDEST_NODE_MAJOR) {
      problems.push(
        `lambdaRuntime ${JSON.stringify(config.lambdaRuntime)} is not a Node.js runtime ` +
          `(nodejs<major>.x, ${OLDEST_NODE_MAJOR} or later)`,
      );
    }
  }
  return problems.map((problem) => `environment ${JSON.stringify(config.name)}: ${problem}`);
}

function albProblems(
  config: EnvironmentConfig,
  problems: string[],
  matches: (field: string, value: unknown, pattern: keyof typeof DESCRIPTIONS) => void,
): void {
  const { dnsName, securityGroupId } = config.alb;
  matches('alb.dnsName', dnsName, 'internalAlbDnsName');
  const albRegion = typeof dnsName === 'string' ? PATTERNS.internalAlbDnsName.exec(dnsName)?.[1] : undefined;
  // Compared only with a well-formed region: a malformed one is reported on its own.
  if (albRegion !== undefined && PATTERNS.region.test(config.region) && albRegion !== config.region) {
    problems.push(
      `alb.dnsName ${JSON.stringify(dnsName)} is in region ${albRegion}, not the environment's region ${config.region}`,
    );
  }
  if (securityGroupId !== undefined) matches('alb.securityGroupId', securityGroupId, 'securityGroupId');
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

/** AWS tag limits: keys 1-128 characters, values up to 256, the `aws:` prefix reserved. */
function tagProblems(tags: EnvironmentConfig['tags']): string[] {
  return Object.entries(tags ?? {}).flatMap(([key, value]) => {
    const at = `tags[${JSON.stringify(key)}]`;
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

function tuningProblems(sync: SyncTuning | undefined): string[] {
  return Object.entries(sync ?? {}).flatMap(([key, value]) => {
    const max = TUNING_LIMITS[key as keyof SyncTuning];
    if (max === undefined) return [`sync.${key} is not a sync setting (${Object.keys(TUNING_LIMITS).join(', ')})`];
    if (!Number.isInteger(value) || value < 1) return [`sync.${key} ${value} must be a positive integer`];
    if (value > max) return [`sync.${key} ${value} must be at most ${max}`];
    return [];
  });
}
