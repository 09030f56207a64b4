import { isIpv4 } from './ip';
import type { DnsServer } from './discovery';
import type { DecisionSettings } from './types';

/** Everything one run needs from its environment, validated. */
export interface Settings extends DecisionSettings {
  /** ALB_DNS_NAME: the internal ALB's DNS name. */
  readonly albDnsName: string;
  /** ALB_LISTENER: the port targets are registered with. */
  readonly albListener: number;
  /** NLB_TG_ARN: the target group kept in sync. */
  readonly targetGroupArn: string;
  /** The target group's region, from its ARN: the clients talk to it wherever the run happens. */
  readonly region: string;
  /** S3_BUCKET: where the state object lives. */
  readonly bucket: string;
  /** MAX_LOOKUP_PER_INVOCATION: cap on DNS queries per run, retries included. */
  readonly maxLookups: number;
  /** CW_METRIC_FLAG_IP_COUNT: publish the IPCount metric. */
  readonly publishIpCount: boolean;
  /** SAME_VPC: false registers targets with AvailabilityZone `all`. */
  readonly sameVpc: boolean;
  /**
   * DNS_SERVERS: when set, every lookup goes to exactly these and the zone's name servers are not looked up.
   * They must be authoritative for the ALB's name: a resolver's answers lack the AA flag, and a discovery with
   * any such answer is never clean, so nothing is ever removed.
   */
  readonly dnsServers?: readonly DnsServer[];
}

/** The variables and their defaults, compatible with AWS's reference function (plus the last two). */
export const SETTING_DEFAULTS = {
  // The stopping rule needs 455 answers at N = 250 nodes; 1000 (also the limit) leaves room for retries and
  // covers N <= 520. The discovery's 12 s budget, not this cap, is what bounds a run against slow servers.
  MAX_LOOKUP_PER_INVOCATION: 1000,
  INVOCATIONS_BEFORE_DEREGISTRATION: 3,
  CW_METRIC_FLAG_IP_COUNT: true,
  SAME_VPC: true,
  MAX_DEREGISTRATION_PERCENT: 50,
} as const;

/** Ranges the function accepts; config/ checks environments against the same at synth. */
export const SETTING_LIMITS = {
  MAX_LOOKUP_PER_INVOCATION: { min: 1, max: 1000 },
  INVOCATIONS_BEFORE_DEREGISTRATION: { min: 1, max: 1000 },
  MAX_DEREGISTRATION_PERCENT: { min: 1, max: 100 },
  port: { min: 1, max: 65535 },
} as const;

const DNS_PORT = 53;
const HOST_LABEL = /^(?!-)[a-z0-9-]{1,63}(?<!-)$/i;
const TARGET_GROUP_ARN = /^arn:aws[a-z-]*:elasticloadbalancing:([a-z]{2}(?:-[a-z]+)+-\d):\d{12}:targetgroup\/[a-z0-9-]{1,32}\/[0-9a-f]{16}$/i;
const BUCKET = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

/** A variable that is missing or malformed. Thrown before any DNS or AWS call. */
export class SettingsError extends Error {
  override readonly name = 'SettingsError';
}

type Env = Readonly<Record<string, string | undefined>>;

/**
 * Reads and validates the sync's variables. Every problem is reported at once, each naming its variable and
 * the value found, so one failed run is enough to fix the configuration.
 */
export function parseSettings(env: Env): Settings {
  const problems: string[] = [];
  const field = <T>(variable: string, parse: (value: string | undefined) => T): T => {
    try {
      return parse(env[variable]);
    } catch (error) {
      problems.push(`${variable} ${(error as Error).message}`);
      return undefined as T;
    }
  };
  const albDnsName = field('ALB_DNS_NAME', required(hostname));
  const albListener = field('ALB_LISTENER', required(integerIn(SETTING_LIMITS.port)));
  const targetGroupArn = field('NLB_TG_ARN', required(targetGroupArnValue));
  const settings: Settings = {
    albDnsName,
    albListener,
    targetGroupArn,
    region: targetGroupArn && TARGET_GROUP_ARN.exec(targetGroupArn)![1],
    bucket: field('S3_BUCKET', required(bucketName)),
    maxLookups: field('MAX_LOOKUP_PER_INVOCATION', optional(integerIn(SETTING_LIMITS.MAX_LOOKUP_PER_INVOCATION), SETTING_DEFAULTS.MAX_LOOKUP_PER_INVOCATION)),
    invocationsBeforeDeregistration: field(
      'INVOCATIONS_BEFORE_DEREGISTRATION',
      optional(integerIn(SETTING_LIMITS.INVOCATIONS_BEFORE_DEREGISTRATION), SETTING_DEFAULTS.INVOCATIONS_BEFORE_DEREGISTRATION),
    ),
    publishIpCount: field('CW_METRIC_FLAG_IP_COUNT', optional(flag, SETTING_DEFAULTS.CW_METRIC_FLAG_IP_COUNT)),
    sameVpc: field('SAME_VPC', optional(flag, SETTING_DEFAULTS.SAME_VPC)),
    maxDeregistrationPercent: field(
      'MAX_DEREGISTRATION_PERCENT',
      optional(integerIn(SETTING_LIMITS.MAX_DEREGISTRATION_PERCENT), SETTING_DEFAULTS.MAX_DEREGISTRATION_PERCENT),
    ),
    dnsServers: field('DNS_SERVERS', optional(dnsServerList, undefined)),
  };
  if (problems.length > 0) throw new SettingsError(`invalid sync configuration: ${problems.join('; ')}`);
  return settings;
}

function required<T>(parse: (value: string) => T): (value: string | undefined) => T {
  return (value) => {
    if (value === undefined || value.trim() === '') throw new Error('is required but not set');
    return parse(value);
  };
}

function optional<T, D>(parse: (value: string) => T, fallback: D): (value: string | undefined) => T | D {
  return (value) => (value === undefined || value.trim() === '' ? fallback : parse(value));
}

function integerIn({ min, max }: { readonly min: number; readonly max: number }): (value: string) => number {
  return (value) => {
    const n = /^\s*\d+\s*$/.test(value) ? Number(value) : NaN;
    if (!Number.isSafeInteger(n) || n < min || n > max) throw new Error(`must be an integer from ${min} to ${max}, got ${JSON.stringify(value)}`);
    return n;
  };
}

function flag(value: string): boolean {
  const normalized = value.trim().toLowerCase();
  if (normalized === 'true') return true;
  if (normalized === 'false') return false;
  throw new Error(`must be true or false, got ${JSON.stringify(value)}`);
}

function hostname(value: string): string {
  const labels = value.split('.');
  if (value.length > 253 || labels.length < 2 || !labels.every((label) => HOST_LABEL.test(label)) || isIpv4(value)) {
    throw new Error(`must be a DNS host name such as internal-app-123.eu-west-1.elb.amazonaws.com, got ${JSON.stringify(value)}`);
  }
  return value;
}

function targetGroupArnValue(value: string): string {
  if (!TARGET_GROUP_ARN.test(value)) {
    throw new Error(`must be an ELBv2 target group ARN (arn:aws:elasticloadbalancing:<region>:<account>:targetgroup/<name>/<id>), got ${JSON.stringify(value)}`);
  }
  return value;
}

function bucketName(value: string): string {
  if (!BUCKET.test(value) || value.includes('..') || isIpv4(value)) throw new Error(`must be an S3 bucket name, got ${JSON.stringify(value)}`);
  return value;
}

/** `host` or `host:port`, comma-separated; hosts are IPv4 addresses or host names, ports 1-65535. */
function dnsServerList(value: string): readonly DnsServer[] {
  return value.split(',').map((entry) => {
    const [host, port, ...rest] = entry.trim().split(':');
    const validHost = isIpv4(host) || (host.length <= 253 && host.split('.').every((label) => HOST_LABEL.test(label)));
    const portNumber = port === undefined ? DNS_PORT : /^\d{1,5}$/.test(port) ? Number(port) : NaN;
    if (!validHost || rest.length > 0 || !(portNumber >= SETTING_LIMITS.port.min && portNumber <= SETTING_LIMITS.port.max)) {
      throw new Error(`must be comma-separated host or host:port entries (ports ${SETTING_LIMITS.port.min}-${SETTING_LIMITS.port.max}); ${JSON.stringify(entry.trim())} is not, in ${JSON.stringify(value)}`);
    }
    return { host, port: portNumber };
  });
}
