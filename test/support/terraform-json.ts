/**
 * Terraform's JSON (`terraform show -json` of a plan, `terraform providers schema -json`), as far as the
 * deployed-state harness reads it, and small helpers to walk values of unknown shape.
 */

export type Action = 'no-op' | 'create' | 'read' | 'update' | 'delete';
export type Json = unknown;
export type Attributes = Record<string, Json>;

export interface PlanJson {
  readonly terraform_version: string;
  readonly resource_changes: readonly ResourceChange[];
  readonly output_changes?: Readonly<
    Record<string, { actions: readonly Action[]; after?: unknown; after_unknown?: unknown }>
  >;
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
export const mapValues = (
  record: Record<string, Json>,
  map: (key: string, value: Json) => Json,
): Record<string, Json> => Object.fromEntries(Object.entries(record).map(([key, value]) => [key, map(key, value)]));
