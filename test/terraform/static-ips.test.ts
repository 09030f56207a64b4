import { randomUUID } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { TerraformOutput } from 'cdktf';
import { AwsProvider } from '@cdktf/provider-aws/lib/provider';
import { StaticIps, type StaticIpZone } from '../../modules/static-ips';
import { listenHttp, xmlText } from '../support/stand-in';
import { EVERY_SOURCE, IDS, importsOf } from '../fixtures/static-ips';
import { resourcesOf, synthScope, type TerraformJson } from '../support/synth';
import {
  describeWithTerraform,
  initOffline,
  offlineTerraform,
  plannedChanges,
  type ProviderMirror,
  type TerraformCli,
} from '../support/terraform';
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
 * Six scenarios, a plan each (and a show of one), that start terraform with the provider 7 times (4-5 s of CPU and
 * 0.6 GB each), all at once. On a 2-core machine shared with other test runs the slowest took up to 9 minutes.
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

describeWithTerraform('terraform: validate and plan offline, EC2 reads answered by a stand-in on 127.0.0.1', describeTerraformChecks);

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
  const config = (zones: readonly StaticIpZone[], protect?: boolean, endpoint = ec2.endpoint) => stackConfig(endpoint, zones, protect);
  const newFolder = (configuration: TerraformJson): string => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tf-static-ips-'));
    workDirs.push(dir);
    fs.writeFileSync(path.join(dir, 'cdk.tf.json'), JSON.stringify(configuration, null, 2));
    return dir;
  };
  /** A fresh initialized folder holding `configuration`, and a state as if `deployed` had been applied. */
  const workspace = async (configuration: TerraformJson, deployed?: TerraformJson): Promise<TerraformCli> => {
    const dir = newFolder(configuration);
    if (deployed) writeDeployedState(dir, deployed);
    const terraform = offlineTerraform(dir, mirror);
    await initOffline(dir, terraform, mirror);
    return terraform;
  };
  const planAfterDeploy = async (zones: readonly StaticIpZone[], protect?: boolean, ...planArgs: string[]) =>
    plannedChanges(await workspace(config(zones, protect), config(DEPLOYED)), ...planArgs);
  /** Terraform address of the Elastic IP of a zone, found by its Name tag whatever the key scheme. */
  const eipOf = (az: string, configuration = config(DEPLOYED)) => {
    const named = Object.entries(resourcesOf(configuration, 'aws_eip')).filter(([, eip]) => eip.tags?.Name === `prod-static-ip-${az}`);
    if (named.length !== 1) throw new Error(`expected one aws_eip named for ${az}, found ${named.length}`);
    return `aws_eip.${named[0][0]}`;
  };
  /** Reordered, 1f added, 1b removed. */
  const EDITED: readonly StaticIpZone[] = [
    { availabilityZone: 'eu-west-1f', source: { kind: 'new' } },
    ...DEPLOYED.filter((z) => z.availabilityZone !== 'eu-west-1b').reverse(),
  ];

  let everySource: Promise<{ warnings: readonly string[]; plan: SavedPlan }>;
  let zonesEdited: ReturnType<typeof planAfterDeploy>;
  let destroyProtected: ReturnType<typeof planAfterDeploy>;
  let destroyUnprotected: ReturnType<typeof planAfterDeploy>;
  let poolChanged: ReturnType<typeof planAfterDeploy>;
  let unknownExisting: Promise<unknown>;

  beforeAll(async () => {
    [ec2, everySourceEc2] = await Promise.all([1, 2].map(() => startEc2StandIn(Object.values(ACCOUNT_ADDRESSES))));
    everySource = start(async () => {
      const terraform = await workspace(config(EVERY_SOURCE, true, everySourceEc2.endpoint));
      // The plan's log carries the warnings; the saved plan, shown, the planned values.
      const { warnings } = await plannedChanges(terraform, '-out=static-ips.plan');
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
    `every source validates cleanly (hashicorp/aws ${mirror.awsVersion}) and plans: new ones created, the adopted imported, the rest read`,
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
    'editing deployed zones (reordered, 1f added, 1b removed) creates 1f’s address, forgets (not releases) 1b’s, touches no other',
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
      expect([...otherChanges].sort()).toEqual(['eu-west-1a', 'eu-west-1b', 'eu-west-1d'].map((az) => `${eipOf(az)}: delete`).sort());
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
      importsOf(deployed).find(({ to }) => to === `aws_eip.${name}`)?.id ?? `eipalloc-${String(i + 1).padStart(17, '0')}`;
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
