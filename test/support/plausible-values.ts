import { createHash } from 'node:crypto';
import {
  asArray,
  asRecord,
  mapValues,
  type Attributes,
  type CtyType,
  type Json,
  type PlanJson,
  type ResourceChange,
} from './terraform-json';

/**
 * Plausible values for what only AWS knows after an apply (ids, ARNs, addresses, DNS names), made up from the
 * resource type, the attribute's name and the resource's address: the same on every run. A value the
 * configuration takes from another resource's attribute is taken from that resource's filled state instead.
 */

/** Fills one unknown value at a path of attribute names (and list indexes) with a value of its type. */
export type Filler = (at: readonly string[], type: CtyType) => Json;

const ACCOUNT = '123456789012';
/** What every made-up timestamp says. */
const DEPLOYED_AT = '2026-01-01T00:00:00Z';

/** The attribute an id repeats, by resource type, as the provider sets it. */
const ID_FROM: Readonly<Record<string, string>> = {
  aws_lb: 'arn',
  aws_lb_target_group: 'arn',
  aws_lb_listener: 'arn',
  aws_eip: 'allocation_id',
  aws_lambda_function: 'function_name',
  aws_lambda_function_event_invoke_config: 'function_name',
  aws_lambda_permission: 'statement_id',
  aws_iam_role: 'name',
  aws_s3_bucket: 'bucket',
  aws_cloudwatch_log_group: 'name',
  aws_cloudwatch_event_rule: 'name',
  aws_cloudwatch_metric_alarm: 'alarm_name',
  aws_vpc_security_group_ingress_rule: 'security_group_rule_id',
  aws_vpc_security_group_egress_rule: 'security_group_rule_id',
};

/** Ids AWS makes up with a prefix, by resource type (others get `<type>-<hex>`). */
const ID_PREFIX: Readonly<Record<string, string>> = { aws_security_group: 'sg', aws_security_group_rule: 'sgrule' };

const regional = (r: Resource, service: string, resource: string) => `arn:aws:${service}:${r.region}:${ACCOUNT}:${resource}`;

/** ARNs by resource type, in the shapes AWS gives them (others get a regional ARN named after the type). */
const ARN_OF: Readonly<Record<string, (r: Resource) => string>> = {
  aws_lb: (r) =>
    regional(
      r,
      'elasticloadbalancing',
      `loadbalancer/${r.get('load_balancer_type') === 'application' ? 'app' : 'net'}/${r.get('name')}/${r.hex(16)}`,
    ),
  aws_lb_target_group: (r) => regional(r, 'elasticloadbalancing', `targetgroup/${r.get('name')}/${r.hex(16)}`),
  aws_lb_listener: (r) => regional(r, 'elasticloadbalancing', `listener/net/${r.hex(8, 'lb')}/${r.hex(16, 'lb')}/${r.hex(16)}`),
  aws_eip: (r) => regional(r, 'ec2', `elastic-ip/${r.get('allocation_id')}`),
  aws_security_group: (r) => regional(r, 'ec2', `security-group/${r.get('id')}`),
  aws_vpc_security_group_ingress_rule: (r) => regional(r, 'ec2', `security-group-rule/${r.get('security_group_rule_id')}`),
  aws_vpc_security_group_egress_rule: (r) => regional(r, 'ec2', `security-group-rule/${r.get('security_group_rule_id')}`),
  aws_lambda_function: (r) => regional(r, 'lambda', `function:${r.get('function_name')}`),
  aws_cloudwatch_log_group: (r) => regional(r, 'logs', `log-group:${r.get('name')}`),
  aws_cloudwatch_event_rule: (r) => regional(r, 'events', `rule/${r.get('name')}`),
  aws_cloudwatch_metric_alarm: (r) => regional(r, 'cloudwatch', `alarm:${r.get('alarm_name')}`),
  aws_iam_role: (r) => `arn:aws:iam::${ACCOUNT}:role/${r.get('name')}`,
  aws_s3_bucket: (r) => `arn:aws:s3:::${r.get('bucket')}`,
};

/** An ARN for a resource type with no entry above, or for an ARN-valued argument: the shape is all that counts. */
const madeUpArn = (r: Resource, salt = '') => regional(r, r.type.split('_')[1], `${r.type.replace(/^aws_/, '')}/${r.hex(17, salt)}`);

/** Plausible top-level strings by attribute name. */
const STRING_OF: Readonly<Record<string, (r: Resource) => string>> = {
  id: (r) => {
    const from = ID_FROM[r.type] ?? (r.type.startsWith('aws_s3_bucket_') ? 'bucket' : undefined);
    if (from) return String(r.get(from));
    return `${ID_PREFIX[r.type] ?? r.type.replace(/^aws_/, '')}-${r.hex(17)}`;
  },
  arn: (r) => ARN_OF[r.type]?.(r) ?? madeUpArn(r),
  arn_suffix: (r) =>
    String(r.get('arn'))
      .split(':')
      .slice(5)
      .join(':')
      .replace(/^loadbalancer\//, ''),
  allocation_id: (r) => `eipalloc-${r.hex(17)}`,
  security_group_rule_id: (r) => `sgr-${r.hex(17)}`,
  public_ip: (r) => `203.0.113.${10 + r.ordinal()}`,
  public_dns: (r) => `ec2-${String(r.get('public_ip')).replaceAll('.', '-')}.${r.region}.compute.amazonaws.com`,
  dns_name: (r) => `${r.get('name')}-${r.hex(16)}.elb.${r.region}.amazonaws.com`,
  zone_id: (r) => `Z${r.hex(13).toUpperCase()}`,
  hosted_zone_id: (r) => `Z${r.hex(13).toUpperCase()}`,
  owner_id: () => ACCOUNT,
  unique_id: (r) => `AROA${r.hex(17).toUpperCase()}`,
  create_date: () => DEPLOYED_AT,
  last_modified: () => DEPLOYED_AT,
  bucket: (r) =>
    `${r.get('bucket_prefix') || 'terraform-'}${BigInt(`0x${r.hex(20)}`)
      .toString()
      .padStart(26, '0')
      .slice(-26)}`,
  bucket_domain_name: (r) => `${r.get('bucket')}.s3.amazonaws.com`,
  bucket_regional_domain_name: (r) => `${r.get('bucket')}.s3.${r.region}.amazonaws.com`,
  invoke_arn: (r) => `arn:aws:apigateway:${r.region}:lambda:path/2015-03-31/functions/${r.get('arn')}/invocations`,
  qualified_arn: (r) => `${r.get('arn')}:$LATEST`,
  qualified_invoke_arn: (r) => `arn:aws:apigateway:${r.region}:lambda:path/2015-03-31/functions/${r.get('qualified_arn')}/invocations`,
  version: () => '$LATEST',
  code_sha256: (r) => String(r.get('source_code_hash') ?? ''),
  name: (r) => `${r.get('name_prefix') || 'terraform-'}${r.hex(8)}`,
};

/** One resource's known planned values and the plausible ones made up for it so far. */
interface Resource {
  readonly type: string;
  readonly region: string;
  /** A top-level attribute: the planned value if known, else a plausible one. */
  get(attribute: string): Json;
  /** Hex digits derived from the address (and a salt): the same for the same resource every time. */
  hex(length: number, salt?: string): string;
  /** The resource's position among the resources of its type, from 0. */
  ordinal(): number;
}

/** What fills need to know about the whole plan: region, default tags, the resources of each type. */
export class FillContext {
  private readonly region: string;
  private readonly defaultTags: Record<string, string>;
  private readonly addressesByType = new Map<string, string[]>();
  private readonly expressions: ReadonlyMap<string, Json>;

  constructor(plan: PlanJson) {
    const provider = asRecord(plan.configuration.provider_config?.aws?.expressions);
    this.region = String(asRecord(provider.region).constant_value ?? 'us-east-1');
    const defaultTags = asRecord(asArray(provider.default_tags)[0]).tags;
    this.defaultTags = asRecord(asRecord(defaultTags).constant_value) as Record<string, string>;
    this.expressions = new Map((plan.configuration.root_module.resources ?? []).map((r) => [r.address, r.expressions]));
    for (const change of plan.resource_changes) {
      this.addressesByType.set(change.type, [...(this.addressesByType.get(change.type) ?? []), change.address].sort());
    }
  }

  /**
   * The filler of one resource change. `settled` gives another resource's state (undefined while it is being
   * filled): an unknown value whose expression references one attribute of one resource is taken from there.
   */
  of(change: ResourceChange, settled: (address: string) => Attributes | undefined): Filler {
    const after = asRecord(change.change.after);
    const unknown = asRecord(change.change.after_unknown);
    const expressions = this.expressions.get(`${change.type}.${change.name}`);
    const made = new Map<string, Json>();
    const fill: Filler = (at, type) =>
      referencedValue(expressionAt(expressions, after, at), type, settled) ??
      (type !== 'string'
        ? at.length === 1 && at[0] === 'tags_all'
          ? { ...this.defaultTags, ...asRecord(after.tags) }
          : emptyOf(type)
        : at.length === 1
          ? resource.get(at[0])
          : plausibleString(resource, at.at(-1)!, at.join('.')));
    const resource: Resource = {
      type: change.type,
      region: this.region,
      get: (attribute) => {
        if (unknown[attribute] !== true) return after[attribute] ?? null;
        if (!made.has(attribute)) {
          made.set(attribute, null); // a fill that needs itself gets null, not a loop
          made.set(
            attribute,
            referencedValue(expressionAt(expressions, after, [attribute]), 'string', settled) ?? plausibleString(resource, attribute),
          );
        }
        return made.get(attribute)!;
      },
      hex: (length, salt = '') => createHash('sha256').update(`${change.address}#${salt}`).digest('hex').slice(0, length),
      ordinal: () => this.addressesByType.get(change.type)!.indexOf(change.address),
    };
    return fill;
  }
}

/**
 * The configuration expression at a path of a resource's planned value. Set elements are matched on their
 * constant arguments (a set's planned order is not the configuration's), list elements by position.
 */
function expressionAt(expressions: Json, after: Json, at: readonly string[]): Json {
  let expression = expressions;
  let value = after;
  for (const step of at) {
    if (/^\d+$/.test(step)) {
      const element = asRecord(asArray(value)[Number(step)]);
      const candidates = asArray(expression);
      expression =
        candidates.find((candidate) =>
          sameKnownScalars(
            mapValues(asRecord(candidate), (_, e) => asRecord(e).constant_value),
            element,
          ),
        ) ?? candidates[Number(step)];
      value = element;
    } else {
      expression = asRecord(expression)[step];
      value = asRecord(value)[step];
    }
  }
  return expression;
}

/**
 * Whether two objects agree on every scalar both know (null, undefined, objects and `${...}` templates, whose
 * value is not written there, count as not known).
 */
export function sameKnownScalars(a: Record<string, Json>, b: Record<string, Json>): boolean {
  const known = (v: Json) => v !== null && v !== undefined && typeof v !== 'object' && !String(v).includes('${');
  return Object.keys(a).every((key) => !known(a[key]) || !known(b[key]) || a[key] === b[key]);
}

/**
 * The value an expression that references exactly one attribute of one managed resource evaluates to, if that
 * resource is filled already and the value fits the type (a string where a list of strings is expected becomes
 * a one-element list, as in `security_groups = [aws_security_group.x.id]`). Anything else: undefined.
 */
function referencedValue(expression: Json, type: CtyType, settled: (address: string) => Attributes | undefined): Json | undefined {
  const { references: found, constant_value: written } = asRecord(expression);
  const references = asArray(found) as string[];
  // A JSON configuration's template is written out: only a bare `${x.y.z}` (alone or as list elements) is the value.
  const bare = (v: Json) => typeof v !== 'string' || /^\$\{[^}]+\}$/.test(v);
  if (!(Array.isArray(written) ? written.every(bare) : bare(written))) return undefined;
  const attributes = references.filter((ref) => ref.split('.').length === 3);
  const others = references.filter((ref) => ref.split('.').length !== 3 && !attributes.some((a) => a.startsWith(`${ref}.`)));
  if (attributes.length !== 1 || others.length > 0 || /^(data|var|local|module|each|count)\./.test(attributes[0])) return undefined;
  const [resourceType, name, attribute] = attributes[0].split('.');
  const value = settled(`${resourceType}.${name}`)?.[attribute];
  if (value === undefined || value === null) return undefined;
  const kind = Array.isArray(type) ? type[0] : type;
  if (kind === 'string') return typeof value === 'string' ? value : undefined;
  if (kind === 'list' || kind === 'set') return typeof value === 'string' ? [value] : Array.isArray(value) ? value : undefined;
  return typeof value === typeof emptyOf(type) ? value : undefined;
}

/** A string attribute's plausible value by its name; an unknown name gets '' (or an ARN if it names one). */
function plausibleString(r: Resource, attribute: string, nestedAt?: string): string {
  const byName = nestedAt === undefined ? STRING_OF[attribute] : undefined;
  if (byName) return byName(r);
  return attribute === 'arn' || attribute.endsWith('_arn') ? madeUpArn(r, nestedAt ?? attribute) : '';
}

function emptyOf(type: CtyType): Json {
  if (type === 'number') return 0;
  if (type === 'bool') return false;
  if (type === 'string') return '';
  const kind = Array.isArray(type) ? type[0] : type;
  if (kind === 'list' || kind === 'set' || kind === 'tuple') return [];
  if (kind === 'map') return {};
  return null;
}
