import * as fs from 'node:fs';
import * as path from 'node:path';
import { z } from 'zod';
import { objectShape, unwrap } from '../config/issues';
import { environmentSchema } from '../config/schema';

/**
 * Writes the configuration reference (docs/configuration.md, between its markers) from the schema: every field's
 * path, type, whether it is required, its default and its description. `--check` only compares, failing when the
 * file is stale. npm run docs:config.
 */

export const REFERENCE_FILE = path.resolve(__dirname, '..', 'docs', 'configuration.md');
const START = '<!-- config-reference:start -->';
const END = '<!-- config-reference:end -->';

type Schema = z.core.$ZodType;
type Def = {
  type: string;
  innerType?: Schema;
  defaultValue?: unknown;
  options?: Schema[];
  element?: Schema;
  valueType?: Schema;
  entries?: Record<string, string>;
  values?: unknown[];
  in?: Schema;
  out?: Schema;
};

interface Row {
  readonly field: string;
  readonly type: string;
  readonly required: boolean;
  readonly defaultText: string;
  readonly description: string;
}

const defOf = (schema: Schema): Def => schema._zod.def as Def;

/** What the wrappers of a field say: its documentation (on any layer), its format, whether it may be left out, its default. */
function fieldFacts(schema: Schema): { description: string; format?: string; defaultText?: string; required: boolean } {
  let description = '';
  let format: string | undefined;
  let defaultText: string | undefined;
  let defaultValue: string | undefined;
  let required = true;
  for (let current: Schema | undefined = schema; current !== undefined;) {
    const def = defOf(current);
    const layers = def.type === 'pipe' ? [current, def.out!] : [current];
    for (const layer of layers) {
      const meta = z.globalRegistry.get(layer as z.ZodType);
      description ||= (meta?.description as string | undefined) ?? '';
      defaultText ??= meta?.default as string | undefined;
      format ??= meta?.format as string | undefined;
    }
    if (['optional', 'default', 'prefault'].includes(def.type)) required = false;
    if (def.type === 'default') defaultValue ??= code(def.defaultValue);
    if (def.type === 'array' && format === undefined) {
      const itemFormat = z.globalRegistry.get(def.element as z.ZodType)?.format as string | undefined;
      if (itemFormat !== undefined) format = `each ${itemFormat}`;
    }
    current = def.innerType ?? (def.type === 'pipe' ? def.in : undefined);
  }
  return { description, format, defaultText: defaultText ?? defaultValue, required };
}

/** A default value as code: a string as it reads, anything else as JSON. */
const code = (value: unknown): string => `\`${typeof value === 'string' ? value : JSON.stringify(value)}\``;

/** A field's type as the user writes it. */
export function typeName(schema: Schema): string {
  const inner = unwrap(schema);
  const def = defOf(inner);
  switch (def.type) {
    case 'enum':
      return Object.values(def.entries ?? {})
        .map((value) => `'${value}'`)
        .join(' | ');
    case 'literal':
      return (def.values ?? []).map((value) => `'${String(value)}'`).join(' | ');
    case 'array':
      return `${typeName(def.element!)}[]`;
    case 'record':
      return `{ [key]: ${typeName(def.valueType!)} }`;
    case 'union':
      return [...new Set((def.options ?? []).map(typeName))].join(' | ');
    default:
      return def.type;
  }
}

/** One row per field, depth first, in the schema's order. */
export function referenceRows(schema: Schema = environmentSchema, at = ''): Row[] {
  return Object.entries(objectShape(schema) ?? {}).flatMap(([key, field]) => {
    const fieldPath = at === '' ? key : `${at}.${key}`;
    const facts = fieldFacts(field);
    const row: Row = {
      field: fieldPath,
      type: facts.format === undefined ? `\`${cell(typeName(field))}\`` : `\`${cell(typeName(field))}\`: ${cell(facts.format)}`,
      required: facts.required,
      defaultText: facts.defaultText ?? '',
      description: facts.description,
    };
    return [row, ...nestedRows(field, fieldPath)];
  });
}

/** The fields inside an object, a list of objects, a map of objects, or a union's object options. */
function nestedRows(schema: Schema, at: string): Row[] {
  const inner = unwrap(schema);
  const def = defOf(inner);
  if (def.type === 'object') return referenceRows(inner, at);
  if (def.type === 'array') return nestedRows(def.element!, `${at}[]`);
  if (def.type === 'record') return nestedRows(def.valueType!, `${at}.<key>`);
  if (def.type !== 'union') return [];
  // A discriminated union's options share `type`: one row, with every option's value.
  const rows = new Map<string, Row>();
  for (const row of (def.options ?? []).flatMap((option) => nestedRows(option, at))) {
    const first = rows.get(row.field);
    rows.set(row.field, first === undefined ? row : { ...first, type: `${first.type.slice(0, -1)} \\| ${row.type.slice(1)}` });
  }
  return [...rows.values()];
}

const cell = (text: string): string => text.replace(/\|/g, '\\|');

/** The block between the markers. */
export function renderReference(): string {
  const lines = [
    '| Field | Type | Required | Default | Description |',
    '| --- | --- | --- | --- | --- |',
    ...referenceRows().map(
      (row) => `| \`${row.field}\` | ${row.type} | ${row.required ? 'yes' : 'no'} | ${cell(row.defaultText)} | ${cell(row.description)} |`,
    ),
  ];
  return lines.join('\n');
}

/** `document` with the generated block between its markers (which it must have). */
export function withReference(document: string): string {
  const start = document.indexOf(START);
  const end = document.indexOf(END);
  if (start === -1 || end < start) throw new Error(`${path.relative(process.cwd(), REFERENCE_FILE)} needs the markers ${START} and ${END}`);
  return `${document.slice(0, start + START.length)}\n${renderReference()}\n${document.slice(end)}`;
}

if (require.main === module) {
  const current = fs.readFileSync(REFERENCE_FILE, 'utf8');
  const updated = withReference(current);
  if (process.argv.includes('--check')) {
    if (updated !== current) {
      console.error('docs/configuration.md does not match the configuration schema: run npm run docs:config');
      process.exitCode = 1;
    }
  } else if (updated !== current) {
    fs.writeFileSync(REFERENCE_FILE, updated);
    console.log('docs/configuration.md: configuration reference updated');
  }
}
