import { Annotations, TerraformStack } from 'cdktf';
import { Construct } from 'constructs';
import { DataAwsEip } from '@cdktf/provider-aws/lib/data-aws-eip';
import { Eip } from '@cdktf/provider-aws/lib/eip';
import { isPublicIpv4 } from '../lambda/ip';
import { AWS_FORMATS, TAG_LIMITS, parseAwsId, type AwsFormat } from '../shared/aws-formats';
import { RemovedBlocks, logicalIdAt, pathBelowStack } from './terraform-addresses';

/** Where one zone's static IP comes from. */
export type StaticIpSource =
  /**
   * A new Elastic IP the stack owns, from Amazon's pool, an IPAM pool (contiguous /30 or /29 blocks or BYOIP: `ipam_pool_id`)
   * or a BYOIP public IPv4 pool (`public_ipv4_pool`).
   */
  | { readonly kind: 'new'; readonly pool?: StaticIpPool }
  /** An Elastic IP that exists already, attached by allocation id: the stack never owns it (no resource), so no destroy can release it. */
  | { readonly kind: 'existing'; readonly allocationId: string }
  /** An existing Elastic IP looked up with a data source by its public IP or by tags; never owned. */
  | { readonly kind: 'lookup'; readonly publicIp?: string; readonly tags?: Readonly<Record<string, string>> }
  /** An existing Elastic IP handed to the stack with a Terraform import (cdktf `importFrom`): owned and protected from then on. */
  | { readonly kind: 'adopt'; readonly allocationId: string };

/** The pool a new Elastic IP is allocated from, when not Amazon's. */
export type StaticIpPool =
  /** An IPAM pool with an Amazon-provided contiguous block or a BYOIP range provisioned to it. */
  | { readonly type: 'ipam'; readonly poolId: string }
  /** A BYOIP public IPv4 pool (`ipv4pool-ec2-...`). */
  | { readonly type: 'byoip'; readonly poolId: string };

export interface StaticIpZone {
  /**
   * The zone's name, e.g. `eu-west-1a`: the stable key of its address (Terraform address and Name tag).
   * Zone ids (`euw1-az1`) are not accepted, so one zone can never appear under two keys.
   */
  readonly availabilityZone: string;
  readonly source: StaticIpSource;
}

export interface StaticIpsProps {
  /** Prefix of each owned address's Name tag, e.g. `<environment>-static-ip`. */
  readonly name: string;
  /** One entry per Availability Zone, in the order the addresses are listed. */
  readonly zones: readonly StaticIpZone[];
  /** `lifecycle { prevent_destroy = true }` on every Elastic IP the stack owns. Turn off only for throwaway environments. @default true */
  readonly protect?: boolean;
  /**
   * Availability Zones of the region, none of them in `zones`, whose owned address a plan may release: the one
   * way to release the address of a zone taken out of the configuration. Every other unconfigured zone's address is
   * forgotten (left allocated in the account), whatever `protect` says.
   * @default [] (every removed zone's address is forgotten, none released)
   */
  readonly release?: readonly string[];
}

/** One zone's static IP, as a subnet mapping and the outputs need it. */
export interface StaticAddress {
  readonly availabilityZone: string;
  /** `eipalloc-...`: a literal for `existing`, a Terraform reference otherwise. */
  readonly allocationId: string;
  /** The public IPv4 address: a Terraform reference, known at plan time except for a `new` address. */
  readonly publicIp: string;
  /** Whether the stack owns the Elastic IP (`new`, `adopt`): only an owned address can be released by this stack. */
  readonly owned: boolean;
  readonly source: StaticIpSource['kind'];
}

const SOURCE_KINDS = ['new', 'existing', 'lookup', 'adopt'] as const satisfies readonly StaticIpSource['kind'][];

/** The formats of the ids a zone's source names. */
const SOURCE_ID_FORMATS = {
  allocationId: 'allocationId',
  ipamPoolId: 'ipamPoolId',
  byoipPoolId: 'publicIpv4Pool',
} as const satisfies Readonly<Record<string, AwsFormat>>;

/** AWS's limit on a tag value: the Name tag is `<name>-<zone>`. */
const TAG_VALUE_MAX_LENGTH = TAG_LIMITS.valueLength.max;

/**
 * One static IPv4 address per Availability Zone, keyed by the zone: reordering the zones, or adding one, never moves
 * another zone's address. Addresses the stack owns (`new`, `adopt`) carry `prevent_destroy`, so a plan that would
 * release one fails instead; `existing` and `lookup` addresses are only read, never owned.
 */
export class StaticIps extends Construct {
  /** Every zone's address, in zone order. */
  public readonly addresses: readonly StaticAddress[];
  /** The same addresses by zone name. */
  public readonly byZone: ReadonlyMap<string, StaticAddress>;
  /** The Elastic IPs the stack owns, by zone name. */
  public readonly elasticIps: ReadonlyMap<string, Eip>;

  constructor(scope: Construct, id: string, props: StaticIpsProps) {
    super(scope, id);
    const problems = staticIpsProblems(props);
    if (problems.length > 0) throw new Error(problems.map((problem) => `StaticIps: ${problem}`).join('\n'));
    const protect = props.protect ?? true;

    const elasticIps = new Map<string, Eip>();
    this.addresses = props.zones.map(({ availabilityZone, source }) => {
      // The zone is the construct id, hence the Terraform address: a zone keeps its address whatever the order.
      const constructId = `eip-${availabilityZone}`;
      const common = { availabilityZone, source: source.kind };
      if (source.kind === 'new' || source.kind === 'adopt') {
        const eip = new Eip(this, constructId, {
          domain: 'vpc',
          ipamPoolId: source.kind === 'new' && source.pool?.type === 'ipam' ? source.pool.poolId : undefined,
          publicIpv4Pool: source.kind === 'new' && source.pool?.type === 'byoip' ? source.pool.poolId : undefined,
          tags: { Name: `${props.name}-${availabilityZone}` },
          lifecycle: protect ? { preventDestroy: true } : undefined,
        });
        if (source.kind === 'adopt') eip.importFrom(source.allocationId);
        elasticIps.set(availabilityZone, eip);
        return { ...common, allocationId: eip.allocationId, publicIp: eip.publicIp, owned: true };
      }
      // A data source also proves at plan time that the address exists in this account and region.
      const found = new DataAwsEip(this, constructId, lookupQuery(source));
      return {
        ...common,
        allocationId: source.kind === 'existing' ? source.allocationId : found.id,
        publicIp: found.publicIp,
        owned: false,
      };
    });
    this.byZone = new Map(this.addresses.map((address) => [address.availabilityZone, address]));
    this.elasticIps = elasticIps;
    const release = props.release ?? [];
    this.keepRemovedZones(regionOf(props.zones[0].availabilityZone)!, [...elasticIps.keys(), ...release]);

    if (release.length > 0) {
      Annotations.of(this).addWarning(
        `StaticIps ${props.name}: release names ${release.join(', ')}, so a plan against a state that still holds ` +
          `such a zone's Elastic IP destroys it: the address is released and partners' allowlists stop matching. ` +
          `Take the zones out of release once applied.`,
      );
    }

    if (!protect && elasticIps.size > 0) {
      const zones = [...elasticIps.keys()].join(', ');
      Annotations.of(this).addWarning(
        `StaticIps ${props.name}: protect is false, so a destroy or a replacing change releases the owned addresses ` +
          `(${zones}) and partners' allowlists stop matching. Use only for throwaway environments.`,
      );
    }
  }

  /**
   * A zone taken out of the configuration, or switched to an address the stack does not own, takes its Elastic
   * IP's `prevent_destroy` with it, so nothing in the configuration would stop the plan from releasing that
   * address. For every zone of the region (letters a-f) without an owned address, but those named in `release`, a
   * `removed` block with `destroy = false` makes Terraform forget such an address instead: it stays allocated in
   * the account, for you to release or reuse. This does not depend on `protect`, which is also turned off to let
   * the NLB be replaced when a zone goes. A block whose address is not in the state does nothing.
   */
  private keepRemovedZones(region: string, kept: readonly string[]): void {
    const path = pathBelowStack(this, TerraformStack.of(this));
    const removed = [...'abcdef']
      .map((letter) => `${region}${letter}`)
      .filter((zone) => !kept.includes(zone))
      .map((zone) => ({ from: `aws_eip.${logicalIdAt([...path, `eip-${zone}`])}`, lifecycle: { destroy: false as const } }));
    if (removed.length > 0) new RemovedBlocks(this, 'removed-zones', removed);
  }
}

/** `eu-west-1` of `eu-west-1a`; undefined for anything but a zone name. */
const regionOf = (availabilityZone: unknown): string | undefined =>
  typeof availabilityZone === 'string' ? parseAwsId('availabilityZone', availabilityZone)?.region : undefined;

/** The data source arguments that find one existing Elastic IP (the data source fails unless exactly one matches). */
function lookupQuery(source: Extract<StaticIpSource, { kind: 'existing' | 'lookup' }>) {
  if (source.kind === 'existing') return { id: source.allocationId };
  if (source.publicIp !== undefined) return { publicIp: source.publicIp };
  return {
    filter: Object.entries(source.tags ?? {})
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .map(([key, value]) => ({ name: `tag:${key}`, values: [value] })),
  };
}

/**
 * Every problem of the props, one line each naming the zone and the field; empty when valid. Exported so that
 * configuration validation can report them with everything else before any construct exists.
 */
export function staticIpsProblems(props: StaticIpsProps): string[] {
  const problems: string[] = [];
  if (typeof props.name !== 'string' || props.name.length === 0) problems.push('name must be a non-empty string');
  if (!Array.isArray(props.zones) || props.zones.length === 0) {
    problems.push('zones must list at least one Availability Zone');
    return problems;
  }
  const zoneNames = new Map<string, string>();
  const allocationIds = new Map<string, string>();
  const publicIps = new Map<string, string>();
  /** Reports a value a second zone names again: one zone would take another's address. */
  const once = (seen: Map<string, string>, value: string, at: string, field: string): void => {
    const first = seen.get(value);
    if (first === undefined) seen.set(value, at);
    else problems.push(`${at}: ${field} ${JSON.stringify(value)} is already used by ${first}`);
  };
  const regions = new Set<string>();

  props.zones.forEach(({ availabilityZone, source }, i) => {
    const at = `zones[${i}] ${JSON.stringify(availabilityZone)}`;
    const region = regionOf(availabilityZone);
    if (region === undefined) {
      problems.push(`${at}: availabilityZone is not ${AWS_FORMATS.availabilityZone.description}`);
    } else {
      regions.add(region);
      once(zoneNames, availabilityZone, at, 'availabilityZone');
      const nameTag = `${props.name}-${availabilityZone}`;
      if (nameTag.length > TAG_VALUE_MAX_LENGTH) {
        problems.push(`${at}: the Name tag ${nameTag} is longer than ${TAG_VALUE_MAX_LENGTH} characters`);
      }
    }
    const matches = (field: string, value: unknown, id: keyof typeof SOURCE_ID_FORMATS): value is string => {
      const format = AWS_FORMATS[SOURCE_ID_FORMATS[id]];
      if (typeof value === 'string' && format.pattern.test(value)) return true;
      problems.push(`${at}: ${field} ${JSON.stringify(value)} is not ${format.description}`);
      return false;
    };

    switch (source?.kind) {
      case 'new':
        if (source.pool === undefined) break;
        if (source.pool.type === 'ipam') matches('source.pool.poolId', source.pool.poolId, 'ipamPoolId');
        else if (source.pool.type === 'byoip') matches('source.pool.poolId', source.pool.poolId, 'byoipPoolId');
        else problems.push(`${at}: source.pool.type ${JSON.stringify((source.pool as { type: unknown }).type)} is not ipam or byoip`);
        break;
      case 'existing':
      case 'adopt':
        if (matches('source.allocationId', source.allocationId, 'allocationId')) {
          once(allocationIds, source.allocationId, at, 'source.allocationId');
        }
        break;
      case 'lookup': {
        const { publicIp, tags } = source;
        if ((publicIp === undefined) === (tags === undefined)) {
          problems.push(`${at}: a lookup needs exactly one of source.publicIp and source.tags`);
        } else if (publicIp !== undefined) {
          if (typeof publicIp !== 'string' || !isPublicIpv4(publicIp)) {
            problems.push(`${at}: source.publicIp ${JSON.stringify(publicIp)} is not a public IPv4 address`);
          } else {
            once(publicIps, publicIp, at, 'source.publicIp');
          }
        } else {
          problems.push(...tagQueryProblems(tags).map((problem) => `${at}: ${problem}`));
        }
        break;
      }
      default:
        problems.push(`${at}: source.kind ${JSON.stringify(source?.kind)} is not one of ${SOURCE_KINDS.join(', ')}`);
    }
  });
  if (regions.size > 1) {
    problems.push(`zones span several regions (${[...regions].join(', ')}); one stack's addresses live in one region`);
  }
  problems.push(...releaseProblems(props.release, zoneNames, [...regions][0]));
  return problems;
}

/** Each zone `release` names is a zone of the stack's region, named once, and not one of its configured zones. */
function releaseProblems(release: unknown, configured: ReadonlyMap<string, string>, region: string | undefined): string[] {
  if (release === undefined) return [];
  if (!Array.isArray(release)) return ['release must be a list of Availability Zone names'];
  return release.flatMap((availabilityZone: unknown, i) => {
    const at = `release[${i}] ${JSON.stringify(availabilityZone)}`;
    const zoneRegion = regionOf(availabilityZone);
    if (zoneRegion === undefined) return [`${at} is not ${AWS_FORMATS.availabilityZone.description}`];
    if (region !== undefined && zoneRegion !== region) return [`${at} is not in the zones' region ${region}`];
    const zone = configured.get(availabilityZone as string);
    if (zone !== undefined) return [`${at} is configured (${zone}): only the address of a zone no longer configured can be released`];
    if (release.indexOf(availabilityZone) !== i) return [`${at} is named twice`];
    return [];
  });
}

/** A tag query must name at least one tag; keys 1-128 characters, values strings (AWS's tag limits). */
function tagQueryProblems(tags: unknown): string[] {
  if (typeof tags !== 'object' || tags === null || Object.keys(tags).length === 0) {
    return ['source.tags must name at least one tag'];
  }
  return Object.entries(tags).flatMap(([key, value]) => {
    const at = `source.tags[${JSON.stringify(key)}]`;
    const { min, max } = TAG_LIMITS.keyLength;
    if (key.length < min || key.length > max) return [`${at}: the key must be ${min}-${max} characters`];
    if (typeof value !== 'string' || value.length > TAG_VALUE_MAX_LENGTH) {
      return [`${at}: the value must be a string of at most ${TAG_VALUE_MAX_LENGTH} characters`];
    }
    return [];
  });
}
