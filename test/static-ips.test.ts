import { AnnotationMetadataEntryType, TerraformElement, TerraformOutput, TerraformStack } from 'cdktf';
import { Construct } from 'constructs';
import { StaticIps, type StaticIpsProps } from '../modules/static-ips';
import { ref, resourceAt, resourcesOf, synthScope, type TerraformJson } from './support/synth';
import { EVERY_SOURCE, IDS, importsOf } from './fixtures/static-ips';

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
const zone = (availabilityZone: string, props: StaticIpsProps = PROPS) => props.zones.find((z) => z.availabilityZone === availabilityZone)!;
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
    expect(addressesOf(added)).toEqual([...addressesOf(json), resourceAt(added, 'aws_eip', 'static-ips/eip-eu-west-1h').address].sort());
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
        new RegExp(
          /^StaticIps prod-static-ip: protect is false, so a destroy .* /.source +
            /releases the owned addresses \(eu-west-1a, eu-west-1b, eu-west-1c, eu-west-1d\)/.source,
        ),
      ),
    ]);
    expect(warnings(staticIps)).toEqual([]);
    // Nothing to release when the stack owns no address.
    expect(warnings(build({ ...PROPS, zones: EVERY_SOURCE.slice(4), protect: false }).staticIps)).toEqual([]);
  });

  test(
    'a zone left out (or no longer owned) is forgotten whatever ' + 'protect says; only a zone named in release is not, and synth warns',
    () => {
      const removedFrom = (json: TerraformJson) =>
        ((json as TerraformJson & { removed?: { from: string; lifecycle: unknown }[] }).removed ?? []).map(({ from, lifecycle }) => {
          expect(lifecycle).toEqual({ destroy: false });
          return from.replace(/^aws_eip\.static-ips_eip-(.*)_[0-9A-F]{8}$/, '$1');
        });
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
    },
  );

  test("keeps its removed blocks beside another StaticIps' and the stack's own removed blocks", () => {
    const removed = synthScope((scope) => {
      new StaticIps(new Construct(scope, 'blue'), 'static-ips', { ...PROPS, zones: EVERY_SOURCE.slice(0, 4) });
      new StaticIps(new Construct(scope, 'green'), 'static-ips', { ...PROPS, zones: EVERY_SOURCE.slice(0, 3) });
      // A team's own removed block, in the stack that embeds the addresses.
      TerraformStack.of(scope).addOverride('removed', [{ from: 'aws_s3_bucket.old', lifecycle: { destroy: false } }]);
    }) as TerraformJson & { removed?: { from: string }[] };
    expect(removed.removed?.map(({ from }) => from.replace(/_[0-9A-F]{8}$/, ''))).toEqual([
      'aws_eip.blue_static-ips_eip-eu-west-1e',
      'aws_eip.blue_static-ips_eip-eu-west-1f',
      'aws_eip.green_static-ips_eip-eu-west-1d',
      'aws_eip.green_static-ips_eip-eu-west-1e',
      'aws_eip.green_static-ips_eip-eu-west-1f',
      'aws_s3_bucket.old',
    ]);
  });

  test.each<[string, Partial<StaticIpsProps>, string]>([
    ['no zones', { zones: [] }, 'StaticIps: zones must list at least one Availability Zone'],
    ['an empty name', { name: '' }, 'StaticIps: name must be a non-empty string'],
    [
      'a zone id instead of a zone name',
      { zones: [{ availabilityZone: 'euw1-az1', source: { kind: 'new' } }] },
      'StaticIps: zones[0] "euw1-az1": availabilityZone is not an Availability ' +
        'Zone name (e.g. eu-west-1a; zone ids such as euw1-az1 are not accepted)',
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
      'StaticIps: zones[0] "eu-west-1a": source.allocationId "eipalloc-0a1b2c3" ' +
        'is not an Elastic IP allocation id (eipalloc-<8 or 17 hex>)',
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
        zones: [{ availabilityZone: 'eu-west-1a', source: { kind: 'new', pool: { type: 'ipam', poolId: IDS.byoipPool } } }],
      },
      `StaticIps: zones[0] "eu-west-1a": source.pool.poolId "${IDS.byoipPool}" is not an IPAM pool id (ipam-pool-<17 hex>)`,
    ],
    [
      'an IPAM pool id given as a BYOIP pool',
      {
        zones: [{ availabilityZone: 'eu-west-1a', source: { kind: 'new', pool: { type: 'byoip', poolId: IDS.ipamPool } } }],
      },
      `StaticIps: zones[0] "eu-west-1a": source.pool.poolId "${IDS.ipamPool}" is not a public IPv4 pool id (ipv4pool-ec2-<17 hex>)`,
    ],
    [
      'an unknown pool type',
      {
        zones: [{ availabilityZone: 'eu-west-1a', source: { kind: 'new', pool: { type: 'amazon', poolId: 'x' } as never } }],
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
        zones: [{ availabilityZone: 'eu-west-1a', source: { kind: 'lookup', publicIp: '52.212.0.10', tags: { a: 'b' } } }],
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
      'StaticIps: release[0] "eu-west-1b" is configured (zones[1] "eu-west-1b"): ' +
        'only the address of a zone no longer configured can be released',
    ],
    [
      'releasing a zone of another region',
      { release: ['us-east-1h'] },
      'StaticIps: release[0] "us-east-1h" is not in the zones\' region eu-west-1',
    ],
    ['releasing a zone id', { release: ['euw1-az9'] }, 'StaticIps: release[0] "euw1-az9" is not an Availability Zone name'],
    ['releasing a zone twice', { release: ['eu-west-1h', 'eu-west-1h'] }, 'StaticIps: release[1] "eu-west-1h" is named twice'],
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
