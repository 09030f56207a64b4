import { z } from 'zod';

/**
 * Turns the schema's issues into the lines users read, one per problem: `<field path> <what is wrong>`. Unknown
 * keys get the nearest known field ("did you mean"); a union (a zone's static IP source, the NLB's settings) reports
 * the problems of the option the value is written as.
 */

type Segment = PropertyKey;
type Issue = z.core.$ZodIssue;
type Schema = z.core.$ZodType;

/** How a path reads: `routes[0].healthCheck.path`, `albs.app.arn`, `tags["Owner"]`. */
export type PathLabel = (path: readonly Segment[]) => string;

export interface IssueOptions {
  /** Renders a path; by default `a.b[0].c`, a tag's key in brackets. */
  readonly label?: PathLabel;
  /** Top-level fields of earlier versions, with what replaced them. */
  readonly replaced?: Readonly<Record<string, string>>;
}

export function renderPath(path: readonly Segment[], start = ''): string {
  return path.reduce<string>((at, segment, i) => {
    if (typeof segment === 'number') return `${at}[${segment}]`;
    // Tag keys are the user's own and may hold any character.
    if (i > 0 && path[i - 1] === 'tags') return `${at}[${JSON.stringify(segment)}]`;
    return at === '' ? String(segment) : `${at}.${String(segment)}`;
  }, start);
}

/** `schema` parsed `input` with these issues; `prefix` is where `input` sits in the configuration. */
export function issueLines(
  issues: readonly Issue[],
  schema: Schema,
  input: unknown,
  prefix: readonly Segment[] = [],
  options: IssueOptions = {},
): string[] {
  const label = options.label ?? renderPath;
  return issues.flatMap((issue): string[] => {
    const path = [...prefix, ...issue.path];
    if (issue.code === 'unrecognized_keys') {
      const object = schemaAt(schema, issue.path, input);
      const known = object ? Object.keys(objectShape(object) ?? {}) : [];
      const noun = (object && (z.globalRegistry.get(object as z.ZodType)?.fieldNoun as string | undefined)) ?? 'a field';
      return issue.keys.map((key) => {
        const replacement = path.length === 0 ? options.replaced?.[key] : undefined;
        if (replacement !== undefined) return `${key} was replaced by ${replacement}`;
        const suggestion = nearest(key, known);
        return `${label([...path, key])} is not ${noun}${suggestion ? `; did you mean ${suggestion}?` : ` (fields: ${known.join(', ')})`}`;
      });
    }
    if (issue.code === 'invalid_union' && issue.errors.length > 0) {
      // The options the value is written as: of the right type, without keys the option does not have.
      const fitting = issue.errors
        .map((errors, i) => ({ errors, i }))
        .filter(
          ({ errors }) => !errors.some((error) => error.path.length === 0 && ['invalid_type', 'unrecognized_keys'].includes(error.code)),
        );
      const union = schemaAt(schema, issue.path, input, false);
      const choices = union ? ((union._zod.def as { options?: Schema[] }).options ?? []) : [];
      if (fitting.length === 1 && choices[fitting[0].i] !== undefined) {
        return issueLines(fitting[0].errors, choices[fitting[0].i], valueAt(input, issue.path), path, { label });
      }
    }
    return [joined(label(path), issue.message)];
  });
}

/** A line from a field's label and a message written to follow it (`: ...` follows it directly). */
function joined(label: string, message: string): string {
  if (label === '') return message;
  return message.startsWith(':') ? `${label}${message}` : `${label} ${message}`;
}

function valueAt(input: unknown, path: readonly Segment[]): unknown {
  return path.reduce<unknown>(
    (value, segment) => (isPlainObject(value) || Array.isArray(value) ? (value as Record<PropertyKey, unknown>)[segment] : undefined),
    input,
  );
}

const WRAPPERS = new Set(['optional', 'nullable', 'default', 'prefault', 'readonly', 'catch', 'nonoptional']);

/** The schema under its wrappers (optional, default, ...); a pipe is its input side. */
export function unwrap(schema: Schema): Schema {
  let current = schema;
  for (;;) {
    const def = current._zod.def as { type: string; innerType?: Schema; in?: Schema };
    if (WRAPPERS.has(def.type) && def.innerType) current = def.innerType;
    else if (def.type === 'pipe' && def.in) current = def.in;
    else return current;
  }
}

/** An object schema's fields. */
export function objectShape(schema: Schema): Readonly<Record<string, Schema>> | undefined {
  const def = unwrap(schema)._zod.def as { type: string; shape?: Record<string, Schema> };
  return def.type === 'object' ? def.shape : undefined;
}

/** The union option `value` is written as: the one whose `type` literal it has, else the object option for an object. */
export function optionFor(options: readonly Schema[], value: unknown): Schema | undefined {
  const objects = options.filter((option) => objectShape(option) !== undefined);
  const type = isPlainObject(value) ? value.type : undefined;
  const discriminated = objects.find((option) => {
    const literal = objectShape(option)?.type;
    return literal !== undefined && ((unwrap(literal)._zod.def as { values?: unknown[] }).values ?? []).includes(type);
  });
  return discriminated ?? (isPlainObject(value) && objects.length === 1 ? objects[0] : undefined);
}

/** The schema at `path` inside `schema`, following `input` through unions; `resolveUnion` false stops at a union. */
function schemaAt(schema: Schema, path: readonly Segment[], input: unknown, resolveUnion = true): Schema | undefined {
  let current: Schema | undefined = schema;
  let value = input;
  for (let i = 0; i <= path.length && current !== undefined; i++) {
    current = unwrap(current);
    const def = current._zod.def as { type: string; options?: Schema[]; element?: Schema; valueType?: Schema };
    if (def.type === 'union' && (resolveUnion || i < path.length)) {
      current = optionFor(def.options ?? [], value);
      i--;
      continue;
    }
    if (i === path.length) break;
    const segment = path[i];
    if (def.type === 'object') current = objectShape(current)?.[String(segment)];
    else if (def.type === 'array') current = def.element;
    else if (def.type === 'record') current = def.valueType;
    else current = undefined;
    value = isPlainObject(value) || Array.isArray(value) ? (value as Record<PropertyKey, unknown>)[segment] : undefined;
  }
  return current;
}

/** The known key closest to a typo, when it is close enough to be the one meant. */
export function nearest(key: string, known: readonly string[]): string | undefined {
  const lower = key.toLowerCase();
  const extended = known.find((candidate) => candidate.toLowerCase().startsWith(lower));
  if (extended !== undefined) return extended;
  const scored = known.map((candidate) => ({ candidate, distance: editDistance(lower, candidate.toLowerCase()) }));
  const best = scored.sort((a, b) => a.distance - b.distance)[0];
  return best !== undefined && best.distance <= Math.max(2, Math.floor(best.candidate.length / 3)) ? best.candidate : undefined;
}

/** Levenshtein distance. */
function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    previous = current;
  }
  return previous[b.length];
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
