/**
 * Terraform's JSON (`terraform show -json` of a plan, `terraform providers schema -json`, the `plan -json` stream),
 * as far as the tests read it, and small helpers to walk values of unknown shape.
 */

export type Action = 'no-op' | 'create' | 'read' | 'update' | 'delete';
export type Json = unknown;
export type Attributes = Record<string, Json>;

export interface PlanJson {
  readonly terraform_version: string;
  readonly resource_changes: readonly ResourceChange[];
  readonly output_changes?: Readonly<Record<string, { actions: readonly Action[]; after?: unknown; after_unknown?: unknown }>>;
  readonly configuration: {
    readonly provider_config?: Record<string, ProviderConfig>;
    readonly root_module: ConfigModule;
  };
  readonly planned_values: {
    readonly root_module: { readonly resources?: readonly { address: string; schema_version: number }[] };
  };
}

export interface ResourceChange {
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

export interface ProviderConfig {
  readonly name: string;
  readonly alias?: string;
  readonly expressions?: Record<string, unknown>;
}

export interface ConfigModule {
  readonly resources?: readonly ConfigResource[];
}

export interface ConfigResource {
  readonly address: string;
  readonly mode: 'managed' | 'data';
  readonly provider_config_key: string;
  readonly expressions?: Record<string, unknown>;
  readonly depends_on?: readonly string[];
}

/** A block of `terraform providers schema -json`. */
export interface SchemaBlock {
  readonly attributes?: Record<string, SchemaAttribute>;
  readonly block_types?: Record<string, { readonly nesting_mode: NestingMode; readonly block: SchemaBlock }>;
}

export interface SchemaAttribute {
  readonly type?: CtyType;
  readonly nested_type?: { readonly nesting_mode: NestingMode; readonly attributes: Record<string, SchemaAttribute> };
}

export type NestingMode = 'single' | 'group' | 'list' | 'set' | 'map';
/** A cty type in JSON: 'string', ['list', 'string'], ['object', { a: 'number' }], ... */
export type CtyType = string | readonly [string, unknown];

export interface ResourceSchema {
  readonly version: number;
  readonly block: SchemaBlock;
}

export const asRecord = (value: Json): Record<string, Json> =>
  value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, Json>) : {};
export const asArray = (value: Json): readonly Json[] => (Array.isArray(value) ? value : []);
export const mapValues = (record: Record<string, Json>, map: (key: string, value: Json) => Json): Record<string, Json> =>
  Object.fromEntries(Object.entries(record).map(([key, value]) => [key, map(key, value)]));

/** A diagnostic of terraform's JSON output (`validate -json`, or a `diagnostic` message of `plan -json`). */
export interface Diagnostic {
  readonly severity: 'error' | 'warning';
  readonly summary: string;
  readonly detail?: string;
}

/**
 * What `plan -json` says it does to a resource instance (terraform's machine-readable UI): `replace` is either
 * order of destroy and create, `remove` is a forget (out of the state, left in AWS: `removed { destroy = false }`),
 * `move` and `import` are moves and imports that change nothing else.
 */
export type StreamAction = 'noop' | 'move' | 'remove' | 'create' | 'read' | 'update' | 'replace' | 'delete' | 'import';

/** One line of `terraform plan -json`, as far as the tests read it. */
export interface PlanMessage {
  readonly type: string;
  /** `planned_change`: a resource instance and what the plan does to it. */
  readonly change?: {
    readonly resource: { readonly addr: string; readonly resource_type: string };
    readonly action: StreamAction;
  };
  /** `change_summary`: how many instances the plan adds, changes, removes. */
  readonly changes?: { readonly add: number; readonly change: number; readonly remove: number; readonly import?: number };
  /** `outputs`: each output and what the plan does to it (`noop`, `create`, `update`, `delete`). */
  readonly outputs?: Record<string, { readonly action?: string }>;
  readonly diagnostic?: Diagnostic;
}

/** The messages of a `plan -json` output, one JSON object a line. */
export const planMessages = (stdout: string): PlanMessage[] =>
  stdout
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as PlanMessage);

/** The diagnostics of a `plan -json` output. */
export const diagnosticsIn = (messages: readonly PlanMessage[]): Diagnostic[] =>
  messages.flatMap((message) => (message.type === 'diagnostic' ? [message.diagnostic!] : []));

/** The diagnostics of one severity, as `summary: detail`. */
export const described = (diagnostics: readonly Diagnostic[], severity: Diagnostic['severity']): string[] =>
  diagnostics.filter((d) => d.severity === severity).map((d) => `${d.summary}: ${d.detail ?? ''}`);
