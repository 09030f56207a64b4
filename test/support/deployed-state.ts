import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { copyStackForCheck, offlineTerraform, type ProviderMirror, type TerraformCli } from './terraform';

/**
 * A Terraform state "as if deployed", with no AWS account: plan the stack, fill every value only AWS would know
 * (ids, ARNs, addresses, DNS names) plausibly and deterministically, write the state, and plan again with
 * `-refresh=false` until the same configuration plans no change. Then any configuration can be planned against
 * that state offline: what a change would do to a deployed stack (update, replace, destroy), or whether two
 * configurations (JSON synth and HCL export) are the same to Terraform.
 */

/** A stack "as if applied": a folder holding its configuration and a converged `terraform.tfstate`. */
export interface Deployed {
  readonly dir: string;
  readonly stateFile: string;
  readonly mirror: ProviderMirror;
  /** Plans it took until the configuration planned no change against its state (the first one included). */
  readonly rounds: number;
  /** Removes the folder. */
  dispose(): void;
}

/** One planned change of a managed resource, as `terraform show -json` reports it. */
export interface PlannedChange {
  readonly address: string;
  readonly type: string;
  /** e.g. ['update'], ['delete', 'create'] (a replacement), ['delete']. */
  readonly actions: readonly Action[];
}

export type Action = 'no-op' | 'create' | 'read' | 'update' | 'delete';

export interface PlanAgainstResult {
  /** Changes of managed resources, no-ops left out, sorted by address (as `Array.prototype.sort` sorts strings). */
  readonly changes: readonly PlannedChange[];
  /** Outputs whose value would change, sorted. */
  readonly outputChanges: readonly string[];
  /** Terraform's error output when the plan failed (e.g. a `prevent_destroy` resource planned for removal). */
  readonly error?: string;
}

/** Replacements: destroyed and created again (either order). */
export const replaced = (changes: readonly PlannedChange[]): PlannedChange[] =>
  changes.filter(({ actions }) => actions.includes('delete') && actions.includes('create'));

/** Resources removed for good. */
export const destroyed = (changes: readonly PlannedChange[]): PlannedChange[] =>
  changes.filter(({ actions }) => actions.length === 1 && actions[0] === 'delete');

/** Changes of one resource type. */
export const ofType = (changes: readonly PlannedChange[], type: string): PlannedChange[] =>
  changes.filter((change) => change.type === type);

/** Stops a deploy whose state does not settle: a fill the provider keeps rejecting, not a slow convergence. */
const MAX_ROUNDS = 6;
const STATE_FILE = 'terraform.tfstate';
const PLAN_FILE = 'plan.bin';
const PLAN = ['plan', '-refresh=false', '-input=false', '-lock=false', '-no-color', `-out=${PLAN_FILE}`] as const;

/**
 * Applies a synthesized stack (a folder with cdk.tf.json and its assets) "as if" for real: returns a folder
 * whose state the same configuration plans no change against. Throws when the state does not converge.
 */
export async function deployStack(stackDir: string, mirror: ProviderMirror): Promise<Deployed> {
  const dir = copyStackForCheck(stackDir);
  const dispose = () => fs.rmSync(dir, { recursive: true, force: true });
  try {
    const terraform = offlineTerraform(dir, mirror);
    await terraform('init', '-input=false', '-no-color');
    const [schemas, firstPlan] = await Promise.all([
      resourceSchemas(terraform, mirror),
      planAndShow(terraform),
    ]);
    let state = new StateBuilder(firstPlan, schemas);
    for (let round = 1; round <= MAX_ROUNDS; round++) {
      fs.writeFileSync(path.join(dir, STATE_FILE), JSON.stringify(state.toJson(round), null, 2));
      // The machine-readable plan log says whether anything changes; only then is the plan worth showing.
      if (!(await planChangesAnything(terraform))) {
        return { dir, stateFile: path.join(dir, STATE_FILE), mirror, rounds: round + 1, dispose };
      }
      const plan = JSON.parse(await terraform('show', '-json', '-no-color', PLAN_FILE)) as PlanJson;
      if (round === MAX_ROUNDS) {
        throw new Error(`the state of ${stackDir} did not converge in ${MAX_ROUNDS} rounds; still planned: ${pendingChanges(plan).join(', ')}`);
      }
      state = state.settle(plan);
    }
    throw new Error('unreachable');
  } catch (error) {
    dispose();
    throw error;
  }
}

/**
 * Plans a configuration folder (a synthesized stack or an HCL export) against a deployed state with
 * `-refresh=false` (or `-destroy`), in a temp folder removed afterwards; the state is only read.
 */
export async function planAgainst(
  deployed: Deployed,
  configDir: string,
  options: { readonly destroy?: boolean } = {},
): Promise<PlanAgainstResult> {
  const dir = fs.existsSync(path.join(configDir, 'cdk.tf.json'))
    ? copyStackForCheck(configDir)
    : copyFolder(configDir);
  try {
    // Whatever backend the configuration names, this plan reads the deployed state.
    const backend = { terraform: { backend: { local: { path: deployed.stateFile } } } };
    fs.writeFileSync(path.join(dir, 'deployed_backend_override.tf.json'), JSON.stringify(backend));
    const terraform = offlineTerraform(dir, deployed.mirror);
    await terraform('init', '-input=false', '-no-color');
    let plan: PlanJson;
    try {
      plan = await planAndShow(terraform, options.destroy ? ['-destroy'] : []);
    } catch (error) {
      return { changes: [], outputChanges: [], error: (error as Error).message };
    }
    return {
      changes: plan.resource_changes
        .filter((change) => change.mode === 'managed' && !isNoOp(change.change.actions))
        .map(({ address, type, change }) => ({ address, type, actions: change.actions }))
        .sort((a, b) => (a.address < b.address ? -1 : a.address > b.address ? 1 : 0)),
      outputChanges: changedOutputs(plan),
    };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

function copyFolder(source: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `tf-plan-${path.basename(source)}-`));
  fs.cpSync(source, dir, { recursive: true });
  return dir;
}

// ---------------------------------------------------------------------------------------------------------------
// Terraform's JSON, as far as this harness reads it

interface PlanJson {
  readonly terraform_version: string;
  readonly resource_changes: readonly ResourceChange[];
  readonly output_changes?: Readonly<Record<string, { actions: readonly Action[]; after?: unknown; after_unknown?: unknown }>>;
  readonly configuration: { readonly provider_config?: Record<string, ProviderConfig>; readonly root_module: ConfigModule };
  readonly planned_values: { readonly root_module: { readonly resources?: readonly { address: string; schema_version: number }[] } };
}

interface ResourceChange {
  readonly address: string;
  readonly module_address?: string;
  readonly mode: 'managed' | 'data';
  readonly type: string;
  readonly name: string;
  readonly index?: string | number;
  readonly provider_name: string;
  readonly change: {
    readonly actions: readonly Action[];
    readonly after: Record<string, unknown> | null;
    readonly after_unknown?: Record<string, unknown>;
  };
}

interface ProviderConfig {
  readonly name: string;
  readonly alias?: string;
  readonly expressions?: Record<string, unknown>;
}

interface ConfigModule {
  readonly resources?: readonly ConfigResource[];
}

interface ConfigResource {
  readonly address: string;
  readonly mode: 'managed' | 'data';
  readonly provider_config_key: string;
  readonly expressions?: Record<string, unknown>;
  readonly depends_on?: readonly string[];
}

/** A block of `terraform providers schema -json`. */
interface SchemaBlock {
  readonly attributes?: Record<string, SchemaAttribute>;
  readonly block_types?: Record<string, { readonly nesting_mode: NestingMode; readonly block: SchemaBlock }>;
}

interface SchemaAttribute {
  readonly type?: CtyType;
  readonly nested_type?: { readonly nesting_mode: NestingMode; readonly attributes: Record<string, SchemaAttribute> };
}

type NestingMode = 'single' | 'group' | 'list' | 'set' | 'map';
/** A cty type in JSON: 'string', ['list', 'string'], ['object', { a: 'number' }], ... */
type CtyType = string | readonly [string, unknown];

interface ResourceSchema {
  readonly version: number;
  readonly block: SchemaBlock;
}

async function planAndShow(terraform: TerraformCli, extra: readonly string[] = []): Promise<PlanJson> {
  await terraform(...PLAN, ...extra);
  return JSON.parse(await terraform('show', '-json', '-no-color', PLAN_FILE)) as PlanJson;
}

/** Whether a plan against the state changes any resource or output, from terraform's machine-readable log. */
async function planChangesAnything(terraform: TerraformCli): Promise<boolean> {
  const messages = (await terraform(...PLAN, '-json'))
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as PlanLogMessage);
  const summary = messages.find((m) => m.type === 'change_summary')?.changes;
  if (!summary) throw new Error('terraform plan -json reported no change summary');
  const outputs = messages.flatMap((m) => (m.type === 'outputs' ? Object.values(m.outputs ?? {}) : []));
  return summary.add + summary.change + summary.remove + (summary.import ?? 0) > 0 || outputs.some((o) => o.action !== 'noop');
}

interface PlanLogMessage {
  readonly type: string;
  readonly changes?: { readonly add: number; readonly change: number; readonly remove: number; readonly import?: number };
  readonly outputs?: Record<string, { readonly action?: string }>;
}

const schemaCache = new Map<string, Promise<Record<string, ResourceSchema>>>();

/** The provider's resource schemas, read once per mirror and process (a 13 MB answer that takes seconds). */
function resourceSchemas(terraform: TerraformCli, mirror: ProviderMirror): Promise<Record<string, ResourceSchema>> {
  const key = `${mirror.dir}@${mirror.awsVersion}`;
  if (!schemaCache.has(key)) {
    const loading = terraform('providers', 'schema', '-json').then((out) => {
      const schemas = (JSON.parse(out) as { provider_schemas: Record<string, { resource_schemas: Record<string, ResourceSchema> }> })
        .provider_schemas;
      const aws = Object.entries(schemas).find(([source]) => source.endsWith('/hashicorp/aws'));
      if (!aws) throw new Error(`no hashicorp/aws schema in ${Object.keys(schemas).join(', ')}`);
      return aws[1].resource_schemas;
    });
    loading.catch(() => schemaCache.delete(key));
    schemaCache.set(key, loading);
  }
  return schemaCache.get(key)!;
}

const isNoOp = (actions: readonly Action[]) => actions.every((action) => action === 'no-op' || action === 'read');

function changedOutputs(plan: PlanJson): string[] {
  return Object.entries(plan.output_changes ?? {})
    .filter(([, change]) => !isNoOp(change.actions))
    .map(([name]) => name)
    .sort();
}

/** What still differs between the configuration and the state: resources and outputs. */
function pendingChanges(plan: PlanJson): string[] {
  const resources = plan.resource_changes
    .filter((change) => change.mode === 'managed' && !isNoOp(change.change.actions))
    .map((change) => `${change.address} (${change.change.actions.join(', ')})`);
  return [...resources, ...changedOutputs(plan).map((name) => `output.${name}`)];
}

// ---------------------------------------------------------------------------------------------------------------
// The state

type Json = unknown;
type Attributes = Record<string, Json>;

interface Instance {
  readonly change: ResourceChange;
  readonly schemaVersion: number;
  readonly attributes: Attributes;
}

/** Builds the state from the first plan, then settles it with the values each later plan computes. */
class StateBuilder {
  constructor(
    private readonly firstPlan: PlanJson,
    private readonly schemas: Record<string, ResourceSchema>,
    private readonly instances: ReadonlyMap<string, Instance> = StateBuilder.fill(firstPlan, schemas),
    private readonly outputs: Readonly<Record<string, Json>> = {},
  ) {}

  /**
   * Every resource's first state, the referenced ones first: an unknown argument that references one attribute
   * of another resource (a load balancer's `allocation_id`, a listener's `load_balancer_arn`) takes the value
   * filled in there, so that no replacement is planned to reconcile the two.
   */
  private static fill(plan: PlanJson, schemas: Record<string, ResourceSchema>): Map<string, Instance> {
    const context = new FillContext(plan);
    const versions = new Map(
      (plan.planned_values.root_module.resources ?? []).map((r) => [r.address, r.schema_version] as const),
    );
    const changes = new Map(plan.resource_changes.filter((c) => c.mode === 'managed').map((c) => [c.address, c]));
    const instances = new Map<string, Instance>();
    const filling = new Set<string>();
    const settled = (address: string): Attributes | undefined => {
      const change = changes.get(address);
      if (instances.has(address) || !change || filling.has(address)) return instances.get(address)?.attributes;
      if (change.module_address) throw new Error(`${change.address}: resources in modules are not supported`);
      filling.add(address);
      const schema = schemaOf(schemas, change.type);
      const attributes = settleBlock(schema.block, change.change.after, change.change.after_unknown, undefined, [], context.of(change, settled));
      instances.set(address, { change, schemaVersion: versions.get(address) ?? schema.version, attributes });
      return attributes;
    };
    for (const address of changes.keys()) settled(address);
    return instances;
  }

  /** The state after taking every known planned value of a plan against this state. */
  settle(plan: PlanJson): StateBuilder {
    const context = new FillContext(plan);
    const settled = (address: string) => instances.get(address)?.attributes;
    const instances = new Map(this.instances);
    for (const change of plan.resource_changes) {
      const prior = instances.get(change.address);
      if (change.mode !== 'managed' || isNoOp(change.change.actions) || !prior || !change.change.after) continue;
      const { block } = schemaOf(this.schemas, change.type);
      const attributes = settleBlock(block, change.change.after, change.change.after_unknown, prior.attributes, [], context.of(change, settled));
      instances.set(change.address, { ...prior, attributes });
    }
    const outputs = { ...this.outputs };
    for (const [name, output] of Object.entries(plan.output_changes ?? {})) {
      if (!isNoOp(output.actions) && !containsUnknown(output.after_unknown)) outputs[name] = output.after;
    }
    return new StateBuilder(this.firstPlan, this.schemas, instances, outputs);
  }

  toJson(serial: number): object {
    const plan = this.firstPlan;
    const byResource = new Map<string, { change: ResourceChange; instances: Instance[] }>();
    for (const instance of this.instances.values()) {
      const key = `${instance.change.type}.${instance.change.name}`;
      if (!byResource.has(key)) byResource.set(key, { change: instance.change, instances: [] });
      byResource.get(key)!.instances.push(instance);
    }
    const dependencies = dependenciesOf(plan.configuration.root_module);
    return {
      version: 4,
      terraform_version: plan.terraform_version,
      serial,
      lineage: uuidFrom([...this.instances.keys()].sort().join('\n')),
      outputs: Object.fromEntries(
        Object.entries(this.outputs).map(([name, value]) => [name, { value, type: impliedType(value) }]),
      ),
      resources: [...byResource.entries()].map(([key, { change, instances }]) => ({
        mode: 'managed',
        type: change.type,
        name: change.name,
        provider: providerOf(plan, key, change),
        instances: instances.map(({ change: c, schemaVersion, attributes }) => ({
          ...(c.index === undefined ? {} : { index_key: c.index }),
          schema_version: schemaVersion,
          attributes,
          sensitive_attributes: [],
          dependencies: dependencies.get(key) ?? [],
        })),
      })),
      check_results: null,
    };
  }
}

function schemaOf(schemas: Record<string, ResourceSchema>, type: string): ResourceSchema {
  const schema = schemas[type];
  if (!schema) throw new Error(`the aws provider has no resource type ${type}`);
  return schema;
}

/**
 * A block's attributes: the planned value where it is known, else the prior state's, else a plausible one.
 * `unknown` mirrors the planned value with `true` where a value is known only after apply.
 */
function settleBlock(block: SchemaBlock, after: Json, unknown: Json, prior: Json, at: readonly string[], fill: Filler): Attributes {
  const value = asRecord(after);
  const unknowns = asRecord(unknown);
  const before = asRecord(prior);
  const out: Attributes = {};
  for (const [name, attribute] of Object.entries(block.attributes ?? {})) {
    const where = [...at, name];
    out[name] = attribute.nested_type
      ? settleNested(attribute.nested_type, value[name], unknowns[name], before[name], where, fill)
      : settleValue(attribute.type!, value[name], unknowns[name], before[name], where, fill);
  }
  for (const [name, { nesting_mode, block: nested }] of Object.entries(block.block_types ?? {})) {
    out[name] = settleNested({ nesting_mode, block: nested }, value[name], unknowns[name], before[name], [...at, name], fill);
  }
  return out;
}

function settleNested(
  nested: { readonly nesting_mode: NestingMode; readonly block?: SchemaBlock; readonly attributes?: Record<string, SchemaAttribute> },
  after: Json,
  unknown: Json,
  prior: Json,
  at: readonly string[],
  fill: Filler,
): Json {
  const block: SchemaBlock = nested.block ?? { attributes: nested.attributes };
  const mode = nested.nesting_mode;
  if (unknown === true) return prior !== undefined ? prior : mode === 'single' || mode === 'group' ? null : mode === 'map' ? {} : [];
  if (mode === 'single' || mode === 'group') {
    return after == null ? null : settleBlock(block, after, unknown, prior, at, fill);
  }
  if (mode === 'map') {
    return mapValues(asRecord(after), (key, element) =>
      settleBlock(block, element, asRecord(unknown)[key], asRecord(prior)[key], [...at, key], fill),
    );
  }
  const elements = (Array.isArray(after) ? after : []).map((element, i) => ({ element, unknown: asArray(unknown)[i] }));
  // A planned set with unknown parts can hold placeholder elements with nothing known: they are no element.
  const real = mode === 'set' ? elements.filter(({ element }) => Object.values(asRecord(element)).some((v) => v !== null)) : elements;
  return real.map(({ element, unknown: elementUnknown }, i) => {
    // Set elements have no position: the prior element is the one that agrees on what both know.
    const before = mode === 'set' ? asArray(prior).find((p) => sameKnownScalars(asRecord(p), asRecord(element))) : asArray(prior)[i];
    return settleBlock(block, element, elementUnknown, before, [...at, String(i)], fill);
  });
}

function settleValue(type: CtyType, after: Json, unknown: Json, prior: Json, at: readonly string[], fill: Filler): Json {
  if (unknown === true) return prior !== undefined ? prior : fill(at, type);
  if (unknown === undefined || unknown === false || after === null || after === undefined) return after ?? null;
  const [kind, element] = type as readonly [string, unknown];
  if (Array.isArray(after)) {
    return after.map((item, i) =>
      settleValue(kind === 'tuple' ? (element as CtyType[])[i] : (element as CtyType), item, asArray(unknown)[i], asArray(prior)[i], at, fill),
    );
  }
  return mapValues(asRecord(after), (key, item) =>
    settleValue(
      kind === 'object' ? (element as Record<string, CtyType>)[key] : (element as CtyType),
      item,
      asRecord(unknown)[key],
      asRecord(prior)[key],
      [...at, key],
      fill,
    ),
  );
}

const asRecord = (value: Json): Record<string, Json> =>
  value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, Json>) : {};
const asArray = (value: Json): readonly Json[] => (Array.isArray(value) ? value : []);
const mapValues = (record: Record<string, Json>, map: (key: string, value: Json) => Json): Record<string, Json> =>
  Object.fromEntries(Object.entries(record).map(([key, value]) => [key, map(key, value)]));

function containsUnknown(unknown: Json): boolean {
  if (unknown === true) return true;
  if (unknown !== null && typeof unknown === 'object') return Object.values(unknown).some(containsUnknown);
  return false;
}

/** The cty type Terraform gives a JSON value written in configuration (tuples and objects, as HCL does). */
function impliedType(value: Json): CtyType {
  if (typeof value === 'string') return 'string';
  if (typeof value === 'number') return 'number';
  if (typeof value === 'boolean') return 'bool';
  if (Array.isArray(value)) return ['tuple', value.map(impliedType)];
  if (value !== null && typeof value === 'object') return ['object', mapValues(value as Record<string, Json>, (_, v) => impliedType(v))];
  return 'dynamic';
}

/** `provider["registry.terraform.io/hashicorp/aws"]`, with `.alias` for a resource of an aliased provider. */
function providerOf(plan: PlanJson, key: string, change: ResourceChange): string {
  const resource = plan.configuration.root_module.resources?.find((r) => r.address === key);
  const alias = plan.configuration.provider_config?.[resource?.provider_config_key ?? '']?.alias;
  return `provider["${change.provider_name}"]${alias ? `.${alias}` : ''}`;
}

/**
 * The managed resources each resource depends on, as Terraform records them: what its expressions reference
 * (through data sources too) and its `depends_on`.
 */
function dependenciesOf(module: ConfigModule): Map<string, string[]> {
  const resources = new Map((module.resources ?? []).map((r) => [r.address, r] as const));
  const direct = (resource: ConfigResource): string[] =>
    [...referencesIn(resource.expressions), ...(resource.depends_on ?? [])].map((ref) =>
      ref.split('.').slice(0, ref.startsWith('data.') ? 3 : 2).join('.'),
    );
  const managedBehind = (address: string, seen: Set<string>): string[] => {
    if (seen.has(address)) return [];
    seen.add(address);
    const resource = resources.get(address);
    if (!resource) return [];
    if (resource.mode === 'managed') return [address];
    return direct(resource).flatMap((ref) => managedBehind(ref, seen));
  };
  return new Map(
    [...resources.values()]
      .filter((r) => r.mode === 'managed')
      .map((r) => {
        const seen = new Set([r.address]);
        return [r.address, [...new Set(direct(r).flatMap((ref) => managedBehind(ref, seen)))].sort()];
      }),
  );
}

function referencesIn(expressions: Json): string[] {
  if (Array.isArray(expressions)) return expressions.flatMap(referencesIn);
  if (expressions === null || typeof expressions !== 'object') return [];
  const record = expressions as Record<string, Json>;
  const own = Array.isArray(record.references) ? (record.references as string[]) : [];
  return [...own, ...Object.entries(record).filter(([key]) => key !== 'references').flatMap(([, value]) => referencesIn(value))];
}

function uuidFrom(seed: string): string {
  const hex = createHash('sha256').update(seed).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-a${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

// ---------------------------------------------------------------------------------------------------------------
// Plausible values for what only AWS would know

/** Fills one unknown value at a path of attribute names (and list indexes) with a value of its type. */
type Filler = (at: readonly string[], type: CtyType) => Json;

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
    regional(r, 'elasticloadbalancing', `loadbalancer/${r.get('load_balancer_type') === 'application' ? 'app' : 'net'}/${r.get('name')}/${r.hex(16)}`),
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
  arn_suffix: (r) => String(r.get('arn')).split(':').slice(5).join(':').replace(/^loadbalancer\//, ''),
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
  bucket: (r) => `${r.get('bucket_prefix') || 'terraform-'}${BigInt(`0x${r.hex(20)}`).toString().padStart(26, '0').slice(-26)}`,
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
class FillContext {
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
      (type !== 'string' ? (at.length === 1 && at[0] === 'tags_all' ? { ...this.defaultTags, ...asRecord(after.tags) } : emptyOf(type))
        : at.length === 1 ? resource.get(at[0]) : plausibleString(resource, at.at(-1)!, at.join('.')));
    const resource: Resource = {
      type: change.type,
      region: this.region,
      get: (attribute) => {
        if (unknown[attribute] !== true) return after[attribute] ?? null;
        if (!made.has(attribute)) {
          made.set(attribute, null); // a fill that needs itself gets null, not a loop
          made.set(attribute, referencedValue(expressionAt(expressions, after, [attribute]), 'string', settled) ?? plausibleString(resource, attribute));
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
      expression = candidates.find((candidate) => sameKnownScalars(mapValues(asRecord(candidate), (_, e) => asRecord(e).constant_value), element)) ?? candidates[Number(step)];
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
function sameKnownScalars(a: Record<string, Json>, b: Record<string, Json>): boolean {
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
