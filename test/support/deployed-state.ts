import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { FillContext, sameKnownScalars, type Filler } from './plausible-values';
import {
  copyStackForCheck,
  initOffline,
  keepsStateInFolder,
  offlineTerraform,
  TerraformFailure,
  type ProviderMirror,
  type TerraformCli,
} from './terraform';
import {
  asArray,
  asRecord,
  described,
  diagnosticsIn,
  mapValues,
  planMessages,
  type Action,
  type Attributes,
  type ConfigModule,
  type ConfigResource,
  type CtyType,
  type Json,
  type NestingMode,
  type PlanJson,
  type PlanMessage,
  type ResourceChange,
  type ResourceSchema,
  type SchemaAttribute,
  type SchemaBlock,
  type StreamAction,
} from './terraform-json';

export type { Action } from './terraform-json';

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

/**
 * What a plan does to a managed resource: `replace` destroys and creates it again (either order), `forget` takes it
 * out of the state and leaves it in AWS (a `removed` block with `destroy = false`).
 */
export type ResourceAction = 'create' | 'update' | 'replace' | 'delete' | 'forget';

/** One planned change of a managed resource, as `terraform plan -json` streams it. */
export interface PlannedChange {
  readonly address: string;
  readonly type: string;
  readonly action: ResourceAction;
}

export interface PlanAgainstResult {
  /**
   * Changes of managed resources, sorted by address (as `Array.prototype.sort` sorts strings): moves, imports and
   * reads that change nothing else left out. Of a failed plan, the changes terraform planned before it stopped.
   */
  readonly changes: readonly PlannedChange[];
  /** Outputs whose value would change, sorted. */
  readonly outputChanges: readonly string[];
  /** Terraform's errors, as `summary: detail`, when the plan failed (e.g. a `prevent_destroy` resource planned for removal). */
  readonly error?: string;
}

/** Replacements: destroyed and created again (either order). */
export const replaced = (changes: readonly PlannedChange[]): PlannedChange[] => changes.filter(({ action }) => action === 'replace');

/** Resources removed for good. */
export const destroyed = (changes: readonly PlannedChange[]): PlannedChange[] => changes.filter(({ action }) => action === 'delete');

/** Changes of one resource type. */
export const ofType = (changes: readonly PlannedChange[], type: string): PlannedChange[] =>
  changes.filter((change) => change.type === type);

/** Stops a deploy whose state does not settle: a fill the provider keeps rejecting, not a slow convergence. */
const MAX_ROUNDS = 6;
const STATE_FILE = 'terraform.tfstate';
const PLAN_FILE = 'plan.bin';
/** A plan against the state as it is (no refresh: there is no AWS), logged as JSON messages. */
const PLAN_LOG = ['plan', '-refresh=false', '-input=false', '-lock=false', '-json'] as const;

/**
 * Converged states and provider schemas, kept across runs and keyed by everything they are made from: computing a
 * state takes several plans of the whole stack. Outside the run's temp folder, which must be left empty.
 */
export const TEST_CACHE_DIR = path.join(__dirname, '..', '..', 'node_modules', '.cache', 'alb-static-ip-tests');
const ROUNDS_FILE = 'rounds.json';

/**
 * The modules that turn a plan into a state: a change to any of them makes every cached state stale. (What
 * terraform.ts adds to a configuration, the offline override, is hashed with the configuration.)
 */
const STATE_MAKERS = ['deployed-state.ts', 'plausible-values.ts', 'terraform-json.ts'].map((file) => path.join(__dirname, file));

/** What a converged state depends on: the configuration as planned (offline override included), the provider, the harness. */
function deploymentKey(dir: string, mirror: ProviderMirror): string {
  const hash = createHash('sha256').update(`hashicorp/aws ${mirror.awsVersion}\n`);
  const configs = fs
    .readdirSync(dir)
    .filter((file) => file.endsWith('.tf.json'))
    .sort();
  for (const file of [...configs.map((config) => path.join(dir, config)), ...STATE_MAKERS]) {
    hash.update(`\n${path.basename(file)}\n`).update(fs.readFileSync(file));
  }
  return hash.digest('hex');
}

/** Writes a cache entry whole or not at all: built beside its place and renamed into it. */
function storeInCache(entry: string, files: Record<string, string | Buffer>): void {
  fs.mkdirSync(path.dirname(entry), { recursive: true });
  const building = fs.mkdtempSync(`${entry}.building-`);
  for (const [name, content] of Object.entries(files)) fs.writeFileSync(path.join(building, name), content);
  try {
    fs.renameSync(building, entry);
  } catch {
    fs.rmSync(building, { recursive: true, force: true }); // a parallel deployment stored it first
  }
}

/**
 * Applies a synthesized stack (a folder with cdk.tf.json and its assets) "as if" for real: returns a folder
 * whose state the same configuration plans no change against. Throws when the state does not converge.
 */
export async function deployStack(stackDir: string, mirror: ProviderMirror): Promise<Deployed> {
  const dir = copyStackForCheck(stackDir);
  const dispose = () => fs.rmSync(dir, { recursive: true, force: true });
  try {
    const terraform = offlineTerraform(dir, mirror);
    await initOffline(dir, terraform, mirror);
    const stateFile = path.join(dir, STATE_FILE);
    const cached = path.join(TEST_CACHE_DIR, 'deployed', deploymentKey(dir, mirror));
    if (fs.existsSync(cached)) {
      fs.copyFileSync(path.join(cached, STATE_FILE), stateFile);
      const { rounds } = JSON.parse(fs.readFileSync(path.join(cached, ROUNDS_FILE), 'utf8')) as { rounds: number };
      return { dir, stateFile, mirror, rounds, dispose };
    }
    const [schemas, firstPlan] = await Promise.all([resourceSchemas(terraform, mirror), planAndShow(terraform)]);
    let state = new StateBuilder(firstPlan, schemas);
    for (let round = 1; round <= MAX_ROUNDS; round++) {
      fs.writeFileSync(stateFile, JSON.stringify(state.toJson(round), null, 2));
      // The machine-readable plan log says whether anything changes; only then is the plan worth showing.
      if (!(await planChangesAnything(terraform))) {
        storeInCache(cached, { [STATE_FILE]: fs.readFileSync(stateFile), [ROUNDS_FILE]: JSON.stringify({ rounds: round + 1 }) });
        return { dir, stateFile, mirror, rounds: round + 1, dispose };
      }
      const plan = JSON.parse(await terraform('show', '-json', '-no-color', PLAN_FILE)) as PlanJson;
      if (round === MAX_ROUNDS) {
        throw new Error(
          `the state of ${stackDir} did not converge in ${MAX_ROUNDS} rounds; still planned: ${pendingChanges(plan).join(', ')}`,
        );
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
 * `-refresh=false` (or `-destroy`), in a temp folder removed afterwards, against a copy of the state.
 */
export async function planAgainst(
  deployed: Deployed,
  configDir: string,
  options: { readonly destroy?: boolean } = {},
): Promise<PlanAgainstResult> {
  const dir = fs.existsSync(path.join(configDir, 'cdk.tf.json')) ? copyStackForCheck(configDir) : copyFolder(configDir);
  try {
    // A copy of the deployed state, where the configuration's backend (or the default one) reads it.
    fs.copyFileSync(deployed.stateFile, path.join(dir, STATE_FILE));
    if (!keepsStateInFolder(dir)) {
      const backend = { terraform: { backend: { local: { path: STATE_FILE } } } };
      fs.writeFileSync(path.join(dir, 'deployed_backend_override.tf.json'), JSON.stringify(backend));
    }
    const terraform = offlineTerraform(dir, deployed.mirror);
    await initOffline(dir, terraform, deployed.mirror);
    // The machine-readable plan log carries the actions, the outputs and the errors: no plan file to show.
    const plan = await terraform(...PLAN_LOG, ...(options.destroy ? ['-destroy'] : [])).then(
      (stdout) => ({ messages: planMessages(stdout), error: undefined }),
      (failure: unknown) => {
        if (!(failure instanceof TerraformFailure)) throw failure;
        // A failed plan still logs the changes it planned before it stopped (a partial plan), then the errors.
        const messages = planMessages(failure.stdout);
        return { messages, error: described(diagnosticsIn(messages), 'error').join('\n') || failure.message };
      },
    );
    return { changes: resourceChangesIn(plan.messages), outputChanges: outputChangesIn(plan.messages), error: plan.error };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** The stream's actions that change a resource, by their name here (the stream calls a forget `remove`). */
const RESOURCE_ACTIONS: Partial<Record<StreamAction, ResourceAction>> = {
  create: 'create',
  update: 'update',
  replace: 'replace',
  delete: 'delete',
  remove: 'forget',
};

function resourceChangesIn(messages: readonly PlanMessage[]): PlannedChange[] {
  return messages
    .flatMap(({ type, change }) => (type === 'planned_change' && !change!.resource.addr.startsWith('data.') ? [change!] : []))
    .flatMap(({ resource, action }) => {
      const changed = RESOURCE_ACTIONS[action];
      return changed ? [{ address: resource.addr, type: resource.resource_type, action: changed }] : [];
    })
    .sort((a, b) => (a.address < b.address ? -1 : a.address > b.address ? 1 : 0));
}

function outputChangesIn(messages: readonly PlanMessage[]): string[] {
  return messages
    .flatMap(({ type, outputs }) => (type === 'outputs' ? Object.entries(outputs ?? {}) : []))
    .filter(([, output]) => output.action !== 'noop')
    .map(([name]) => name)
    .sort();
}

function copyFolder(source: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `tf-plan-${path.basename(source)}-`));
  fs.cpSync(source, dir, { recursive: true });
  return dir;
}

async function planAndShow(terraform: TerraformCli): Promise<PlanJson> {
  await terraform(...PLAN_LOG, `-out=${PLAN_FILE}`);
  return JSON.parse(await terraform('show', '-json', '-no-color', PLAN_FILE)) as PlanJson;
}

/** Whether a plan against the state changes any resource or output, from terraform's machine-readable log. */
async function planChangesAnything(terraform: TerraformCli): Promise<boolean> {
  const messages = planMessages(await terraform(...PLAN_LOG, `-out=${PLAN_FILE}`));
  const summary = messages.find((m) => m.type === 'change_summary')?.changes;
  if (!summary) throw new Error('terraform plan -json reported no change summary');
  return summary.add + summary.change + summary.remove + (summary.import ?? 0) > 0 || outputChangesIn(messages).length > 0;
}

const schemaCache = new Map<string, Promise<Record<string, ResourceSchema>>>();

/**
 * The provider's resource schemas, read once per mirror and process (a 13 MB answer that takes seconds), and kept
 * on disk by the provider version (the schema is the provider's alone).
 */
function resourceSchemas(terraform: TerraformCli, mirror: ProviderMirror): Promise<Record<string, ResourceSchema>> {
  const key = `${mirror.dir}@${mirror.awsVersion}`;
  if (!schemaCache.has(key)) {
    const cached = path.join(TEST_CACHE_DIR, 'schemas', `hashicorp-aws-${mirror.awsVersion}`);
    const cachedFile = path.join(cached, 'resource_schemas.json');
    const loading = fs.existsSync(cachedFile)
      ? fs.promises.readFile(cachedFile, 'utf8').then((text) => JSON.parse(text) as Record<string, ResourceSchema>)
      : terraform('providers', 'schema', '-json').then((out) => {
          const schemas = (JSON.parse(out) as { provider_schemas: Record<string, { resource_schemas: Record<string, ResourceSchema> }> })
            .provider_schemas;
          const aws = Object.entries(schemas).find(([source]) => source.endsWith('/hashicorp/aws'));
          if (!aws) throw new Error(`no hashicorp/aws schema in ${Object.keys(schemas).join(', ')}`);
          storeInCache(cached, { 'resource_schemas.json': JSON.stringify(aws[1].resource_schemas) });
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
    const versions = new Map((plan.planned_values.root_module.resources ?? []).map((r) => [r.address, r.schema_version] as const));
    const changes = new Map(plan.resource_changes.filter((c) => c.mode === 'managed').map((c) => [c.address, c]));
    const instances = new Map<string, Instance>();
    const filling = new Set<string>();
    const settled = (address: string): Attributes | undefined => {
      const change = changes.get(address);
      if (instances.has(address) || !change || filling.has(address)) return instances.get(address)?.attributes;
      if (change.module_address) throw new Error(`${change.address}: resources in modules are not supported`);
      filling.add(address);
      const schema = schemaOf(schemas, change.type);
      const attributes = settleBlock(
        schema.block,
        change.change.after,
        change.change.after_unknown,
        undefined,
        [],
        context.of(change, settled),
      );
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
      const attributes = settleBlock(
        block,
        change.change.after,
        change.change.after_unknown,
        prior.attributes,
        [],
        context.of(change, settled),
      );
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
      outputs: Object.fromEntries(Object.entries(this.outputs).map(([name, value]) => [name, { value, type: impliedType(value) }])),
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
  nested: {
    readonly nesting_mode: NestingMode;
    readonly block?: SchemaBlock;
    readonly attributes?: Record<string, SchemaAttribute>;
  },
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
      settleValue(
        kind === 'tuple' ? (element as CtyType[])[i] : (element as CtyType),
        item,
        asArray(unknown)[i],
        asArray(prior)[i],
        at,
        fill,
      ),
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
      ref
        .split('.')
        .slice(0, ref.startsWith('data.') ? 3 : 2)
        .join('.'),
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
  return [
    ...own,
    ...Object.entries(record)
      .filter(([key]) => key !== 'references')
      .flatMap(([, value]) => referencesIn(value)),
  ];
}

function uuidFrom(seed: string): string {
  const hex = createHash('sha256').update(seed).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-a${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}
