import { randomUUID } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { AnnotationMetadataEntryType, TerraformElement, TerraformOutput } from 'cdktf';
import { AwsProvider } from '@cdktf/provider-aws/lib/provider';
import { StaticIps, type StaticIpsProps, type StaticIpZone } from '../modules/static-ips';
import { listenHttp, xmlText } from './support/stand-in';
import { ref, resourceAt, resourcesOf, synthScope, type TerraformJson } from './support/synth';
import {
  describeWithTerraform,
  offlineTerraform,
  plannedChanges,
  type ProviderMirror,
  type TerraformCli,
  validationWarnings,
} from './support/terraform';

const IDS = {
  existing: 'eipalloc-0a1b2c3d4e5f60718',
  adopted: 'eipalloc-0b1c2d3e4f5a60718',
  ipamPool: 'ipam-pool-0c1d2e3f4a5b60718',
  byoipPool: 'ipv4pool-ec2-0d1e2f3a4b5c60718',
} as const;

/** One zone per source. Zone names are only keys to the construct: it cannot know that eu-west-1 has three. */
const EVERY_SOURCE: readonly StaticIpZone[] = [
  { availabilityZone: 'eu-west-1a', source: { kind: 'new' } },
  { availabilityZone: 'eu-west-1b', source: { kind: 'new', pool: { type: 'ipam', poolId: IDS.ipamPool } } },
  { availabilityZone: 'eu-west-1c', source: { kind: 'new', pool: { type: 'byoip', poolId: IDS.byoipPool } } },
  { availabilityZone: 'eu-west-1d', source: { kind: 'adopt', allocationId: IDS.adopted } },
  { availabilityZone: 'eu-west-1e', source: { kind: 'existing', allocationId: IDS.existing } },
  { availabilityZone: 'eu-west-1f', source: { kind: 'lookup', publicIp: '52.212.0.10' } },
  { availabilityZone: 'eu-west-1g', source: { kind: 'lookup', tags: { team: 'edge', Name: 'legacy-static-ip' } } },
];

const PROPS: StaticIpsProps = { name: 'prod-static-ip', zones: EVERY_SOURCE };

/** The construct and its configuration; an output renders `addresses` as Terraform would see them. */
const build = (props: StaticIpsProps = PROPS) => {
  let staticIps!: StaticIps;
  const json = synthScope((scope) => {
    staticIps = new StaticIps(scope, 'static-ips', props);
    new TerraformOutput(scope, 'addresses', { value: staticIps.addresses });
  });
  return { json, staticIps };
};
const synth = (props: StaticIpsProps = PROPS) => build(props).json;
const zone = (availabilityZone: string, props: StaticIpsProps = PROPS) =>
  props.zones.find((z) => z.availabilityZone === availabilityZone)!;
/** Terraform addresses of the Elastic IPs and the data sources. */
const addressesOf = (json: TerraformJson): string[] =>
  [
    ...Object.keys(resourcesOf(json, 'aws_eip')).map((name) => `aws_eip.${name}`),
    ...Object.keys(json.data?.aws_eip ?? {}).map((name) => `data.aws_eip.${name}`),
  ].sort();
/** The data source of a zone, with the address other blocks reference it by. */
const dataSourceOf = (json: TerraformJson, az: string) => {
  const names = Object.keys(json.data?.aws_eip ?? {}).filter((name) => name.startsWith(`static-ips_eip-${az}_`));
  if (names.length !== 1) throw new Error(`expected one data.aws_eip for ${az}, found ${names.length}`);
  return { ...json.data!.aws_eip[names[0]], address: `data.aws_eip.${names[0]}` };
};
/** The import blocks of a configuration. */
const importsOf = (json: TerraformJson): { to: string; id: string }[] =>
  (json as TerraformJson & { import?: { to: string; id: string }[] }).import ?? [];
const warnings = (construct: StaticIps): unknown[] =>
  construct.node.metadata.filter((entry) => entry.type === AnnotationMetadataEntryType.WARN).map((entry) => entry.data);

describe('StaticIps', () => {
  const { json, staticIps } = build();

  test('keys every address by its zone: reordering the zones or adding one moves no other address', () => {
    const reordered = synth({ ...PROPS, zones: [...EVERY_SOURCE].reverse() });
    expect(addressesOf(reordered)).toEqual(addressesOf(json));
    expect(reordered.resource.aws_eip).toEqual(json.resource.aws_eip);
    expect(reordered.data?.aws_eip).toEqual(json.data?.aws_eip);

    const added = synth({
      ...PROPS,
      zones: [{ availabilityZone: 'eu-west-1h', source: { kind: 'new' } }, ...EVERY_SOURCE],
    });
    expect(addressesOf(added)).toEqual(
      [...addressesOf(json), resourceAt(added, 'aws_eip', 'static-ips/eip-eu-west-1h').address].sort(),
    );
  });

  test.each([
    ['eu-west-1a', {}, ['ipam_pool_id', 'public_ipv4_pool']],
    ['eu-west-1b', { ipam_pool_id: IDS.ipamPool }, ['public_ipv4_pool']],
    ['eu-west-1c', { public_ipv4_pool: IDS.byoipPool }, ['ipam_pool_id']],
  ])('%s: a new VPC Elastic IP, named after the zone, from its pool, protected from destroy', (az, pool, absent) => {
    const eip = resourceAt(json, 'aws_eip', `static-ips/eip-${az}`);
    expect(eip).toMatchObject({
      domain: 'vpc',
      tags: { Name: `prod-static-ip-${az}` },
      lifecycle: { prevent_destroy: true },
      ...pool,
    });
    for (const argument of absent) expect(eip).not.toHaveProperty(argument);
  });

  test('adopt: the same protected Elastic IP plus an import block that hands the existing one to Terraform', () => {
    const eip = resourceAt(json, 'aws_eip', 'static-ips/eip-eu-west-1d');
    expect(eip).toMatchObject({
      domain: 'vpc',
      tags: { Name: 'prod-static-ip-eu-west-1d' },
      lifecycle: { prevent_destroy: true },
    });
    // Only the adopted zone is imported; new ones are created.
    expect(importsOf(json)).toEqual([{ to: eip.address, id: IDS.adopted }]);
  });

  test('existing and lookup: a data source each and no resource, so the stack can never release them', () => {
    expect(Object.keys(resourcesOf(json, 'aws_eip'))).toHaveLength(4);
    expect(dataSourceOf(json, 'eu-west-1e')).toEqual({ address: expect.any(String), id: IDS.existing });
    expect(dataSourceOf(json, 'eu-west-1f')).toEqual({ address: expect.any(String), public_ip: '52.212.0.10' });
    // One filter per tag, in key order whatever the order written.
    expect(dataSourceOf(json, 'eu-west-1g')).toEqual({
      address: expect.any(String),
      filter: [
        { name: 'tag:Name', values: ['legacy-static-ip'] },
        { name: 'tag:team', values: ['edge'] },
      ],
    });
    const readOnly = synth({ ...PROPS, zones: EVERY_SOURCE.slice(4) });
    expect(readOnly.resource).toBeUndefined();
    expect(importsOf(readOnly)).toEqual([]);
  });

  test('exposes allocation id, public IP and ownership per zone, in zone order and by zone', () => {
    const eip = (az: string) => resourceAt(json, 'aws_eip', `static-ips/eip-${az}`);
    const owned = (az: string, source: string) => ({
      availabilityZone: az,
      source,
      owned: true,
      allocationId: ref(eip(az), 'allocation_id'),
      publicIp: ref(eip(az), 'public_ip'),
    });
    const read = (az: string, source: string, allocationId: string) => ({
      availabilityZone: az,
      source,
      owned: false,
      allocationId,
      publicIp: ref(dataSourceOf(json, az), 'public_ip'),
    });
    expect(json.output.addresses.value).toEqual([
      owned('eu-west-1a', 'new'),
      owned('eu-west-1b', 'new'),
      owned('eu-west-1c', 'new'),
      owned('eu-west-1d', 'adopt'),
      // The allocation id is known; the data source gives the public IP at plan time.
      read('eu-west-1e', 'existing', IDS.existing),
      read('eu-west-1f', 'lookup', ref(dataSourceOf(json, 'eu-west-1f'), 'id')),
      read('eu-west-1g', 'lookup', ref(dataSourceOf(json, 'eu-west-1g'), 'id')),
    ]);
    expect([...staticIps.byZone.keys()]).toEqual(EVERY_SOURCE.map((z) => z.availabilityZone));
    expect(staticIps.byZone.get('eu-west-1e')).toBe(staticIps.addresses[4]);
    expect([...staticIps.elasticIps.keys()]).toEqual(['eu-west-1a', 'eu-west-1b', 'eu-west-1c', 'eu-west-1d']);
  });

  test('protect: false drops prevent_destroy from every owned address and warns that a destroy releases them', () => {
    const { json: unprotected, staticIps: construct } = build({ ...PROPS, protect: false });
    for (const eip of Object.values(resourcesOf(unprotected, 'aws_eip'))) expect(eip).not.toHaveProperty('lifecycle');
    expect(warnings(construct)).toEqual([
      expect.stringMatching(
        /^StaticIps prod-static-ip: protect is false, so a destroy .* releases the owned addresses \(eu-west-1a, eu-west-1b, eu-west-1c, eu-west-1d\)/,
      ),
    ]);
    expect(warnings(staticIps)).toEqual([]);
    // Nothing to release when the stack owns no address.
    expect(warnings(build({ ...PROPS, zones: EVERY_SOURCE.slice(4), protect: false }).staticIps)).toEqual([]);
  });

  test('a zone left out (or no longer owned) is forgotten whatever protect says; only a zone named in release is not, and synth warns', () => {
    const removedFrom = (json: TerraformJson) =>
      ((json as TerraformJson & { removed?: { from: string; lifecycle: unknown }[] }).removed ?? []).map(
        ({ from, lifecycle }) => {
          expect(lifecycle).toEqual({ destroy: false });
          return from.replace(/^aws_eip\.static-ips_eip-(.*)_[0-9A-F]{8}$/, '$1');
        },
      );
    const twoZones = { ...PROPS, zones: EVERY_SOURCE.slice(0, 2) };
    const others = ['eu-west-1c', 'eu-west-1d', 'eu-west-1e', 'eu-west-1f'];
    expect(removedFrom(synth(twoZones))).toEqual(others);
    expect(removedFrom(synth({ ...twoZones, protect: false }))).toEqual(others);
    const releasing = build({ ...twoZones, protect: false, release: ['eu-west-1d'] });
    expect(removedFrom(releasing.json)).toEqual(['eu-west-1c', 'eu-west-1e', 'eu-west-1f']);
    expect(warnings(releasing.staticIps)).toContainEqual(
      expect.stringMatching(/^StaticIps prod-static-ip: release names eu-west-1d, so a plan .* destroys it/),
    );
    expect(warnings(build(twoZones).staticIps)).toEqual([]);
    // A zone switched from an owned address to one the stack only reads: its old Elastic IP is forgotten too.
    const switched = { ...twoZones, zones: [EVERY_SOURCE[0], { ...EVERY_SOURCE[4], availabilityZone: 'eu-west-1b' }] };
    expect(removedFrom(synth(switched))).toEqual(['eu-west-1b', ...others]);
  });

  test.each<[string, Partial<StaticIpsProps>, string]>([
    ['no zones', { zones: [] }, 'StaticIps: zones must list at least one Availability Zone'],
    ['an empty name', { name: '' }, 'StaticIps: name must be a non-empty string'],
    [
      'a zone id instead of a zone name',
      { zones: [{ availabilityZone: 'euw1-az1', source: { kind: 'new' } }] },
      'StaticIps: zones[0] "euw1-az1": availabilityZone is not an Availability Zone name (e.g. eu-west-1a; zone ids such as euw1-az1 are not accepted)',
    ],
    [
      'a region instead of a zone',
      { zones: [{ availabilityZone: 'eu-west-1', source: { kind: 'new' } }] },
      'StaticIps: zones[0] "eu-west-1": availabilityZone is not an Availability Zone name',
    ],
    [
      'the same zone twice',
      { zones: [zone('eu-west-1a'), { availabilityZone: 'eu-west-1a', source: { kind: 'new' } }] },
      'StaticIps: zones[1] "eu-west-1a": availabilityZone "eu-west-1a" is already used by zones[0] "eu-west-1a"',
    ],
    [
      'zones in two regions',
      { zones: [zone('eu-west-1a'), { availabilityZone: 'us-east-1a', source: { kind: 'new' } }] },
      "StaticIps: zones span several regions (eu-west-1, us-east-1); one stack's addresses live in one region",
    ],
    [
      'a malformed allocation id',
      { zones: [{ availabilityZone: 'eu-west-1a', source: { kind: 'existing', allocationId: 'eipalloc-0a1b2c3' } }] },
      'StaticIps: zones[0] "eu-west-1a": source.allocationId "eipalloc-0a1b2c3" is not an Elastic IP allocation id (eipalloc-<8 or 17 hex>)',
    ],
    [
      'an association id where an allocation id belongs',
      { zones: [{ availabilityZone: 'eu-west-1a', source: { kind: 'adopt', allocationId: 'eipassoc-0a1b2c3d' } }] },
      'StaticIps: zones[0] "eu-west-1a": source.allocationId "eipassoc-0a1b2c3d" is not an Elastic IP allocation id',
    ],
    [
      'the same allocation id for two zones',
      {
        zones: [
          { availabilityZone: 'eu-west-1a', source: { kind: 'existing', allocationId: IDS.existing } },
          { availabilityZone: 'eu-west-1b', source: { kind: 'adopt', allocationId: IDS.existing } },
        ],
      },
      `StaticIps: zones[1] "eu-west-1b": source.allocationId "${IDS.existing}" is already used by zones[0] "eu-west-1a"`,
    ],
    [
      'a BYOIP pool id given as an IPAM pool',
      {
        zones: [
          { availabilityZone: 'eu-west-1a', source: { kind: 'new', pool: { type: 'ipam', poolId: IDS.byoipPool } } },
        ],
      },
      `StaticIps: zones[0] "eu-west-1a": source.pool.poolId "${IDS.byoipPool}" is not an IPAM pool id (ipam-pool-<17 hex>)`,
    ],
    [
      'an IPAM pool id given as a BYOIP pool',
      {
        zones: [
          { availabilityZone: 'eu-west-1a', source: { kind: 'new', pool: { type: 'byoip', poolId: IDS.ipamPool } } },
        ],
      },
      `StaticIps: zones[0] "eu-west-1a": source.pool.poolId "${IDS.ipamPool}" is not a BYOIP public IPv4 pool id (ipv4pool-ec2-<17 hex>)`,
    ],
    [
      'an unknown pool type',
      {
        zones: [
          { availabilityZone: 'eu-west-1a', source: { kind: 'new', pool: { type: 'amazon', poolId: 'x' } as never } },
        ],
      },
      'StaticIps: zones[0] "eu-west-1a": source.pool.type "amazon" is not ipam or byoip',
    ],
    [
      'an unknown source kind',
      { zones: [{ availabilityZone: 'eu-west-1a', source: { kind: 'create' } as never }] },
      'StaticIps: zones[0] "eu-west-1a": source.kind "create" is not one of new, existing, lookup, adopt',
    ],
    [
      'a lookup by both public IP and tags',
      {
        zones: [
          { availabilityZone: 'eu-west-1a', source: { kind: 'lookup', publicIp: '52.212.0.10', tags: { a: 'b' } } },
        ],
      },
      'StaticIps: zones[0] "eu-west-1a": a lookup needs exactly one of source.publicIp and source.tags',
    ],
    [
      'a lookup by neither',
      { zones: [{ availabilityZone: 'eu-west-1a', source: { kind: 'lookup' } }] },
      'StaticIps: zones[0] "eu-west-1a": a lookup needs exactly one of source.publicIp and source.tags',
    ],
    [
      'a private address',
      { zones: [{ availabilityZone: 'eu-west-1a', source: { kind: 'lookup', publicIp: '10.0.0.1' } }] },
      'StaticIps: zones[0] "eu-west-1a": source.publicIp "10.0.0.1" is not a public IPv4 address',
    ],
    [
      'a documentation address',
      { zones: [{ availabilityZone: 'eu-west-1a', source: { kind: 'lookup', publicIp: '203.0.113.7' } }] },
      'StaticIps: zones[0] "eu-west-1a": source.publicIp "203.0.113.7" is not a public IPv4 address',
    ],
    [
      'a malformed address',
      { zones: [{ availabilityZone: 'eu-west-1a', source: { kind: 'lookup', publicIp: '52.212.0.010' } }] },
      'StaticIps: zones[0] "eu-west-1a": source.publicIp "52.212.0.010" is not a public IPv4 address',
    ],
    [
      'the same public IP for two zones',
      {
        zones: [
          { availabilityZone: 'eu-west-1a', source: { kind: 'lookup', publicIp: '52.212.0.10' } },
          { availabilityZone: 'eu-west-1b', source: { kind: 'lookup', publicIp: '52.212.0.10' } },
        ],
      },
      'StaticIps: zones[1] "eu-west-1b": source.publicIp "52.212.0.10" is already used by zones[0] "eu-west-1a"',
    ],
    [
      'a lookup by no tag',
      { zones: [{ availabilityZone: 'eu-west-1a', source: { kind: 'lookup', tags: {} } }] },
      'StaticIps: zones[0] "eu-west-1a": source.tags must name at least one tag',
    ],
    [
      'releasing a configured zone',
      { release: ['eu-west-1b'] },
      'StaticIps: release[0] "eu-west-1b" is configured (zones[1] "eu-west-1b"): only the address of a zone no longer configured can be released',
    ],
    [
      'releasing a zone of another region',
      { release: ['us-east-1h'] },
      'StaticIps: release[0] "us-east-1h" is not in the zones\' region eu-west-1',
    ],
    ['releasing a zone id', { release: ['euw1-az9'] }, 'StaticIps: release[0] "euw1-az9" is not an Availability Zone name'],
    [
      'releasing a zone twice',
      { release: ['eu-west-1h', 'eu-west-1h'] },
      'StaticIps: release[1] "eu-west-1h" is named twice',
    ],
    [
      'an empty tag key',
      { zones: [{ availabilityZone: 'eu-west-1a', source: { kind: 'lookup', tags: { '': 'x' } } }] },
      'StaticIps: zones[0] "eu-west-1a": source.tags[""]: the key must be 1-128 characters',
    ],
  ])('rejects %s, naming what is wrong', (_, change, message) => {
    expect(() => synth({ ...PROPS, ...change })).toThrow(message);
  });

  test('reports every problem at once, one line each, before creating any block', () => {
    let error: unknown;
    let created: string[] = [];
    synthScope((scope) => {
      try {
        new StaticIps(scope, 'static-ips', {
          name: 'prod-static-ip',
          zones: [
            { availabilityZone: 'eu-west-1a', source: { kind: 'new' } },
            { availabilityZone: 'eu-west-1b', source: { kind: 'existing', allocationId: 'eipalloc-x' } },
            { availabilityZone: 'eu-west-1c', source: { kind: 'lookup', publicIp: '192.168.1.1' } },
          ],
        });
      } catch (thrown) {
        error = thrown;
      }
      created = scope.node
        .findAll()
        .filter((construct) => construct instanceof TerraformElement)
        .map((construct) => construct.node.path);
    });
    expect((error as Error).message).toBe(
      [
        'StaticIps: zones[1] "eu-west-1b": source.allocationId "eipalloc-x" is not an Elastic IP allocation id (eipalloc-<8 or 17 hex>)',
        'StaticIps: zones[2] "eu-west-1c": source.publicIp "192.168.1.1" is not a public IPv4 address',
      ].join('\n'),
    );
    expect(created).toEqual([]);
  });

  test('accepts 8-hex allocation ids and zones of partitions with longer region names', () => {
    const accepted = synth({
      name: 'gov-static-ip',
      zones: [{ availabilityZone: 'us-gov-west-1a', source: { kind: 'existing', allocationId: 'eipalloc-0a1b2c3d' } }],
    });
    expect(dataSourceOf(accepted, 'us-gov-west-1a')).toMatchObject({ id: 'eipalloc-0a1b2c3d' });
  });
});

/** An Elastic IP as the EC2 stand-in holds it. */
interface StandInAddress {
  readonly allocationId: string;
  readonly publicIp: string;
  readonly tags: Readonly<Record<string, string>>;
}

/** The Elastic IPs the account of the terraform checks already has. */
const ACCOUNT_ADDRESSES = {
  existing: { allocationId: IDS.existing, publicIp: '52.212.0.20', tags: { Name: 'legacy-static-ip-e' } },
  byIp: { allocationId: 'eipalloc-0e1f2a3b4c5d60718', publicIp: '52.212.0.10', tags: { Name: 'legacy-f' } },
  byTags: {
    allocationId: 'eipalloc-0f1a2b3c4d5e60718',
    publicIp: '52.212.0.30',
    tags: { Name: 'legacy-static-ip', team: 'edge' },
  },
  // Matches the Name filter of the tag lookup but not its team: the lookup must send both filters.
  decoy: {
    allocationId: 'eipalloc-0a2b3c4d5e6f70819',
    publicIp: '52.212.0.31',
    tags: { Name: 'legacy-static-ip', team: 'core' },
  },
  adopted: { allocationId: IDS.adopted, publicIp: '52.212.0.40', tags: { Name: 'legacy-static-ip-d' } },
} as const satisfies Record<string, StandInAddress>;

/** An allocation id the account does not have. */
const UNKNOWN_EXISTING: StaticIpZone = {
  availabilityZone: 'eu-west-1a',
  source: { kind: 'existing', allocationId: 'eipalloc-0badc0ffee0badc0f' },
};

/** Owned addresses in 1a, 1b (IPAM) and 1d (adopted), and the existing one of 1e: the stack as deployed before each change. */
const DEPLOYED: readonly StaticIpZone[] = [EVERY_SOURCE[0], EVERY_SOURCE[1], EVERY_SOURCE[3], EVERY_SOURCE[4]];

/**
 * One init and six scenarios that start the provider 8 times (5-6 s of CPU and 0.6 GB each), all at once: about 80 s
 * of CPU in all. On a 2-core machine shared with other test runs the slowest took up to 9 minutes.
 */
const TERRAFORM_TIMEOUT_MS = 600_000;

/** What `terraform show -json` tells of a saved plan, as far as these tests read it. */
interface SavedPlan {
  readonly resource_changes: {
    readonly address: string;
    readonly mode: string;
    readonly change: { readonly actions: string[]; readonly importing?: { readonly id: string } };
  }[];
  readonly output_changes: Record<string, { readonly after: unknown; readonly after_unknown: unknown }>;
}

describeWithTerraform(
  'terraform: validate and plan offline, EC2 reads answered by a stand-in on 127.0.0.1',
  describeTerraformChecks,
);

function describeTerraformChecks(mirror: ProviderMirror): void {
  const workDirs: string[] = [];
  /** EC2 of the scenarios after a deployment, and EC2 of the one with every source, whose queries are checked. */
  let ec2: Ec2StandIn;
  let everySourceEc2: Ec2StandIn;
  const scenarios: Promise<unknown>[] = [];
  /** Starts a scenario now; its test awaits it, so the scenarios' terraform runs overlap. */
  const start = <T>(run: () => Promise<T>): Promise<T> => {
    const scenario = run();
    scenario.catch(() => undefined); // awaited (and reported) by its test, maybe after it settles
    scenarios.push(scenario);
    return scenario;
  };
  const config = (zones: readonly StaticIpZone[], protect?: boolean, endpoint = ec2.endpoint) =>
    stackConfig(endpoint, zones, protect);
  const newFolder = (configuration: TerraformJson): string => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tf-static-ips-'));
    workDirs.push(dir);
    fs.writeFileSync(path.join(dir, 'cdk.tf.json'), JSON.stringify(configuration, null, 2));
    return dir;
  };
  /**
   * A folder `terraform init` ran in, once: init hashes the 700 MB provider (about 11 s of CPU), so every workspace
   * copies its result (a link to the mirror and the lock file) instead.
   */
  let initialized: Promise<string>;
  /** A fresh initialized folder holding `configuration`, and a state as if `deployed` had been applied. */
  const workspace = async (configuration: TerraformJson, deployed?: TerraformJson): Promise<TerraformCli> => {
    const dir = newFolder(configuration);
    if (deployed) writeDeployedState(dir, deployed);
    const template = await initialized;
    fs.cpSync(path.join(template, '.terraform'), path.join(dir, '.terraform'), { recursive: true });
    fs.copyFileSync(path.join(template, '.terraform.lock.hcl'), path.join(dir, '.terraform.lock.hcl'));
    return offlineTerraform(dir, mirror);
  };
  const planAfterDeploy = async (zones: readonly StaticIpZone[], protect?: boolean, ...planArgs: string[]) =>
    plannedChanges(await workspace(config(zones, protect), config(DEPLOYED)), ...planArgs);
  /** Terraform address of the Elastic IP of a zone, found by its Name tag whatever the key scheme. */
  const eipOf = (az: string, configuration = config(DEPLOYED)) => {
    const named = Object.entries(resourcesOf(configuration, 'aws_eip')).filter(
      ([, eip]) => eip.tags?.Name === `prod-static-ip-${az}`,
    );
    if (named.length !== 1) throw new Error(`expected one aws_eip named for ${az}, found ${named.length}`);
    return `aws_eip.${named[0][0]}`;
  };
  /** Reordered, 1f added, 1b removed. */
  const EDITED: readonly StaticIpZone[] = [
    { availabilityZone: 'eu-west-1f', source: { kind: 'new' } },
    ...DEPLOYED.filter((z) => z.availabilityZone !== 'eu-west-1b').reverse(),
  ];

  let everySource: Promise<{ warnings: string[]; plan: SavedPlan }>;
  let zonesEdited: ReturnType<typeof planAfterDeploy>;
  let destroyProtected: ReturnType<typeof planAfterDeploy>;
  let destroyUnprotected: ReturnType<typeof planAfterDeploy>;
  let poolChanged: ReturnType<typeof planAfterDeploy>;
  let unknownExisting: Promise<unknown>;

  beforeAll(async () => {
    [ec2, everySourceEc2] = await Promise.all([1, 2].map(() => startEc2StandIn(Object.values(ACCOUNT_ADDRESSES))));
    initialized = start(async () => {
      const dir = newFolder(config(DEPLOYED));
      await offlineTerraform(dir, mirror)('init', '-input=false', '-no-color');
      return dir;
    });
    everySource = start(async () => {
      const terraform = await workspace(config(EVERY_SOURCE, true, everySourceEc2.endpoint));
      const warnings = await validationWarnings(terraform);
      await terraform('plan', '-refresh=false', '-input=false', '-lock=false', '-no-color', '-out=static-ips.plan');
      return { warnings, plan: JSON.parse(await terraform('show', '-json', 'static-ips.plan')) as SavedPlan };
    });
    zonesEdited = start(() => planAfterDeploy(EDITED));
    destroyProtected = start(() => planAfterDeploy(DEPLOYED, true, '-destroy'));
    destroyUnprotected = start(() => planAfterDeploy(DEPLOYED, false, '-destroy'));
    poolChanged = start(() =>
      planAfterDeploy([
        { availabilityZone: 'eu-west-1a', source: { kind: 'new', pool: { type: 'ipam', poolId: IDS.ipamPool } } },
        ...DEPLOYED.slice(1),
      ]),
    );
    unknownExisting = start(async () => plannedChanges(await workspace(config([UNKNOWN_EXISTING]))));
  });
  afterAll(async () => {
    await Promise.allSettled(scenarios);
    await Promise.all([ec2, everySourceEc2].map((standIn) => standIn?.stop()));
    workDirs.forEach((dir) => fs.rmSync(dir, { recursive: true, force: true }));
  });

  test(
    `every source validates cleanly (hashicorp/aws ${mirror.awsVersion}) and plans: new ones created, the adopted one imported, the rest read`,
    async () => {
      const { warnings, plan } = await everySource;
      expect(warnings).toEqual([]);
      const eip = (az: string) => eipOf(az, config(EVERY_SOURCE));
      const managed = plan.resource_changes
        .filter((change) => change.mode === 'managed')
        .map(({ address, change }) => ({ address, actions: change.actions, importing: change.importing }))
        .sort((a, b) => (a.address < b.address ? -1 : 1));
      expect(managed).toEqual(
        [
          { address: eip('eu-west-1a'), actions: ['create'], importing: undefined },
          { address: eip('eu-west-1b'), actions: ['create'], importing: undefined },
          { address: eip('eu-west-1c'), actions: ['create'], importing: undefined },
          // Imported, then only its Name tag is updated: never created, never replaced.
          { address: eip('eu-west-1d'), actions: ['update'], importing: { id: IDS.adopted } },
        ].sort((a, b) => (a.address < b.address ? -1 : 1)),
      );
      // The addresses partners allowlist are known at plan time for every zone the stack does not allocate.
      const { after, after_unknown } = plan.output_changes.static_ips;
      expect(after_unknown).toEqual([true, true, true, false, false, false, false]);
      const { adopted, existing, byIp, byTags } = ACCOUNT_ADDRESSES;
      expect((after as unknown[]).slice(3)).toEqual([adopted, existing, byIp, byTags].map((a) => a.publicIp));
      expect(everySourceEc2.queries).toEqual(
        expect.arrayContaining([
          { 'AllocationId.1': IDS.existing },
          { 'AllocationId.1': IDS.adopted },
          { 'PublicIp.1': byIp.publicIp },
          {
            'Filter.1.Name': 'tag:Name',
            'Filter.1.Value.1': 'legacy-static-ip',
            'Filter.2.Name': 'tag:team',
            'Filter.2.Value.1': 'edge',
          },
        ]),
      );
    },
    TERRAFORM_TIMEOUT_MS,
  );

  test(
    'editing a deployed stack’s zones (reordered, 1f added, 1b removed) creates 1f’s address, forgets 1b’s without releasing it, touches no other',
    async () => {
      const { toCreate, otherChanges } = await zonesEdited;
      expect(toCreate).toEqual([eipOf('eu-west-1f', config(EDITED))]);
      // prevent_destroy went with the zone's configuration; the removed block (destroy = false) keeps the address.
      expect(otherChanges).toEqual([`${eipOf('eu-west-1b')}: remove`]);
    },
    TERRAFORM_TIMEOUT_MS,
  );

  test(
    'a destroy of a deployed stack fails, naming every owned address and prevent_destroy',
    async () => {
      const failure = destroyProtected.then(
        () => 'planned',
        (error: Error) => error.message,
      );
      for (const az of ['eu-west-1a', 'eu-west-1b', 'eu-west-1d']) {
        expect(await failure).toContain(`Resource ${eipOf(az)} has lifecycle.prevent_destroy set`);
      }
    },
    TERRAFORM_TIMEOUT_MS,
  );

  test(
    'with protect: false the same destroy plans to release every owned address, and nothing it does not own',
    async () => {
      const { toCreate, otherChanges } = await destroyUnprotected;
      expect(toCreate).toEqual([]);
      expect([...otherChanges].sort()).toEqual(
        ['eu-west-1a', 'eu-west-1b', 'eu-west-1d'].map((az) => `${eipOf(az)}: delete`).sort(),
      );
    },
    TERRAFORM_TIMEOUT_MS,
  );

  test(
    'moving a deployed address to another pool would replace it: the plan fails instead',
    async () => {
      await expect(poolChanged).rejects.toThrow(`Resource ${eipOf('eu-west-1a')} has lifecycle.prevent_destroy set`);
    },
    TERRAFORM_TIMEOUT_MS,
  );

  test(
    'an existing allocation id the account does not have fails the plan, naming the zone’s data source',
    async () => {
      const data = config([UNKNOWN_EXISTING]).data!.aws_eip;
      await expect(unknownExisting).rejects.toThrow(
        new RegExp(`no matching EC2 EIP found.*"address":"data\\.aws_eip\\.${Object.keys(data)[0]}"`),
      );
    },
    TERRAFORM_TIMEOUT_MS,
  );
}

/** A stack of the construct alone, its provider reading EC2 from `ec2Endpoint`, and the output partners read. */
function stackConfig(ec2Endpoint: string, zones: readonly StaticIpZone[], protect?: boolean): TerraformJson {
  return synthScope((scope) => {
    // No retries: a stand-in error fails the plan at once instead of after the SDK's back-off.
    new AwsProvider(scope, 'aws', { region: 'eu-west-1', endpoints: [{ ec2: ec2Endpoint }], maxRetries: 0 });
    const staticIps = new StaticIps(scope, 'static-ips', { name: 'prod-static-ip', zones, protect });
    new TerraformOutput(scope, 'static_ips', { value: staticIps.addresses.map((address) => address.publicIp) });
  });
}

/** hashicorp/aws's schema version of `aws_eip` (`terraform providers schema -json`: 0 in 5.100). */
const EIP_SCHEMA_VERSION = 0;

/**
 * Writes `terraform.tfstate` (format 4) as an apply of `deployed` would have left it for its Elastic IPs: imported
 * ones under their import id, new ones under made-up ids. Enough for plans with -refresh=false; kept local and small
 * until a shared "as deployed" harness exists.
 */
function writeDeployedState(dir: string, deployed: TerraformJson): void {
  const resources = Object.entries(resourcesOf(deployed, 'aws_eip')).map(([name, eip], i) => {
    const allocationId =
      importsOf(deployed).find(({ to }) => to === `aws_eip.${name}`)?.id ??
      `eipalloc-${String(i + 1).padStart(17, '0')}`;
    const attributes = {
      id: allocationId,
      allocation_id: allocationId,
      public_ip: `52.212.1.${i + 1}`,
      domain: 'vpc',
      ipam_pool_id: eip.ipam_pool_id ?? null,
      public_ipv4_pool: eip.public_ipv4_pool ?? 'amazon',
      tags: eip.tags,
      tags_all: eip.tags,
    };
    return {
      mode: 'managed',
      type: 'aws_eip',
      name,
      provider: 'provider["registry.terraform.io/hashicorp/aws"]',
      instances: [{ schema_version: EIP_SCHEMA_VERSION, attributes }],
    };
  });
  const state = { version: 4, terraform_version: '1.5.0', serial: 1, lineage: randomUUID(), outputs: {}, resources };
  fs.writeFileSync(path.join(dir, 'terraform.tfstate'), JSON.stringify(state, null, 2));
}

interface Ec2StandIn {
  readonly endpoint: string;
  /** The parameters of every DescribeAddresses request, without Action and Version. */
  readonly queries: readonly Record<string, string>[];
  stop(): Promise<void>;
}

const EC2_NAMESPACE = 'http://ec2.amazonaws.com/doc/2016-11-15/';

/**
 * Just enough of the EC2 Query API for the aws provider to read Elastic IPs: DescribeAddresses by allocation id
 * (InvalidAllocationID.NotFound for one the account lacks, as AWS answers), public IP or tag filters, and an empty
 * DescribeAddressesAttribute (the provider reads the reverse DNS record after each address).
 */
async function startEc2StandIn(addresses: readonly StandInAddress[]): Promise<Ec2StandIn> {
  const queries: Record<string, string>[] = [];
  const listener = await listenHttp((request) => {
    const form = new URLSearchParams(request.body.toString('utf-8'));
    const action = form.get('Action');
    if (action === 'DescribeAddressesAttribute') return ec2Reply(action, '<addressSet/>');
    if (action !== 'DescribeAddresses') throw new Error(`EC2 stand-in: unexpected action ${action}`);
    const params = [...form].filter(([key]) => key !== 'Action' && key !== 'Version');
    queries.push(Object.fromEntries(params));
    const listed = (prefix: string) => params.filter(([key]) => key.startsWith(prefix)).map(([, value]) => value);
    const ids = listed('AllocationId.');
    const missing = ids.find((id) => !addresses.some((address) => address.allocationId === id));
    if (missing !== undefined) {
      return ec2Error('InvalidAllocationID.NotFound', `The allocation IDs '${missing}' do not exist`);
    }
    const ips = listed('PublicIp.');
    const filters = params
      .filter(([key]) => /^Filter\.\d+\.Name$/.test(key))
      .map(([key, name]) => {
        if (!name.startsWith('tag:')) throw new Error(`EC2 stand-in: unsupported filter ${name}`);
        return { tag: name.slice('tag:'.length), values: listed(key.replace(/Name$/, 'Value.')) };
      });
    const found = addresses.filter(
      ({ allocationId, publicIp, tags }) =>
        (ids.length === 0 || ids.includes(allocationId)) &&
        (ips.length === 0 || ips.includes(publicIp)) &&
        filters.every(({ tag, values }) => values.includes(tags[tag])),
    );
    return ec2Reply(action, `<addressesSet>${found.map(addressItem).join('')}</addressesSet>`);
  });
  return { endpoint: listener.endpoint, queries, stop: () => listener.close() };
}

function addressItem({ allocationId, publicIp, tags }: StandInAddress): string {
  const tagSet = Object.entries(tags)
    .map(([key, value]) => `<item><key>${xmlText(key)}</key><value>${xmlText(value)}</value></item>`)
    .join('');
  return (
    `<item><allocationId>${xmlText(allocationId)}</allocationId><publicIp>${xmlText(publicIp)}</publicIp>` +
    `<domain>vpc</domain><publicIpv4Pool>amazon</publicIpv4Pool><networkBorderGroup>eu-west-1</networkBorderGroup>` +
    `<tagSet>${tagSet}</tagSet></item>`
  );
}

function ec2Reply(action: string, result: string) {
  const body = `<${action}Response xmlns="${EC2_NAMESPACE}"><requestId>${randomUUID()}</requestId>${result}</${action}Response>`;
  return { status: 200, headers: { 'content-type': 'text/xml' }, body };
}

function ec2Error(code: string, message: string) {
  const body =
    `<Response><Errors><Error><Code>${code}</Code><Message>${xmlText(message)}</Message></Error></Errors>` +
    `<RequestID>${randomUUID()}</RequestID></Response>`;
  return { status: 400, headers: { 'content-type': 'text/xml' }, body };
}
