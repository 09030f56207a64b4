/**
 * The blocks of a Terraform configuration that keep a plan from doing harm: `removed`, `moved`, `import`, `check`,
 * and each resource's, data source's and output's lifecycle settings and conditions. The HCL export must keep every
 * one of them; these functions list them, one line each, from a JSON synthesis and from an HCL file, so the two
 * lists can be compared, and render the top-level ones cdktf's HCL renderer leaves out.
 */

/** Top-level blocks that are safety blocks in their own right. */
const TOP_LEVEL_KINDS = ['removed', 'moved', 'import', 'check'] as const;
/** The top-level kinds one line each describes (a `check` has a line per assertion). */
type AddressKind = Exclude<(typeof TOP_LEVEL_KINDS)[number], 'check'>;
/** Lifecycle arguments Terraform honours on a resource. */
const LIFECYCLE_ARGUMENTS = ['prevent_destroy', 'create_before_destroy', 'ignore_changes', 'replace_triggered_by'] as const;
const CONDITIONS = ['precondition', 'postcondition'] as const;
/** Arguments of `moved` and `removed` that hold an address, written bare in HCL and as a plain string in JSON. */
const ADDRESS_ARGUMENTS = ['from', 'to'] as const;

type JsonObject = Readonly<Record<string, unknown>>;

// ---------------------------------------------------------------------------------------------------------------
// Listing

/** Every safety block of a JSON synthesis (`cdk.tf.json`), one line each, sorted. */
export function safetyBlocksOfJson(json: JsonObject): string[] {
  const lines: string[] = [];
  for (const kind of TOP_LEVEL_KINDS) {
    if (kind === 'check') {
      for (const [name, body] of Object.entries(asObject(json.check))) lines.push(...checkLines(name, jsonBlock(body)));
    } else {
      for (const body of asList(json[kind])) lines.push(topLevelLine(kind, jsonBlock(body)));
    }
  }
  for (const [mode, prefix] of [
    ['resource', ''],
    ['data', 'data.'],
  ] as const) {
    for (const [type, byName] of Object.entries(asObject(json[mode]))) {
      for (const [name, body] of Object.entries(asObject(byName))) {
        lines.push(...lifecycleLines(`${prefix}${type}.${name}`, jsonBlock(body)));
      }
    }
  }
  for (const [name, body] of Object.entries(asObject(json.output))) lines.push(...conditionLines(`output.${name}`, jsonBlock(body)));
  return lines.sort();
}

/** Every safety block of an HCL configuration file, one line each, sorted: the same lines as its JSON synthesis. */
export function safetyBlocksOfHcl(hcl: string): string[] {
  const lines: string[] = [];
  for (const block of parseHcl(hcl).blocks) {
    const [first, second] = block.labels;
    if (block.type === 'check') lines.push(...checkLines(first, block));
    else if ((TOP_LEVEL_KINDS as readonly string[]).includes(block.type)) lines.push(topLevelLine(block.type as AddressKind, block));
    else if (block.type === 'resource') lines.push(...lifecycleLines(`${first}.${second}`, block));
    else if (block.type === 'data') lines.push(...lifecycleLines(`data.${first}.${second}`, block));
    else if (block.type === 'output') lines.push(...conditionLines(`output.${first}`, block));
  }
  return lines.sort();
}

/** What `expected` lists that `actual` does not, and the reverse; both empty when the two agree block by block. */
export function compareSafetyBlocks(expected: readonly string[], actual: readonly string[]): { missing: string[]; extra: string[] } {
  const without = (from: readonly string[], other: readonly string[]) => {
    const left = [...other];
    return from.filter((line) => {
      const i = left.indexOf(line);
      if (i < 0) return true;
      left.splice(i, 1);
      return false;
    });
  };
  return { missing: without(expected, actual), extra: without(actual, expected) };
}

function topLevelLine(kind: AddressKind, block: Block): string {
  const destroy = block.blocks.find((b) => b.type === 'lifecycle')?.attributes.destroy ?? 'true';
  if (kind === 'removed') return `removed ${block.attributes.from} destroy=${destroy}`;
  if (kind === 'moved') return `moved ${block.attributes.from} -> ${block.attributes.to}`;
  return `import ${block.attributes.to} id=${block.attributes.id}`;
}

function checkLines(name: string, block: Block): string[] {
  return block.blocks.filter((b) => b.type === 'assert').map((assert) => `check.${name} assert: ${assert.attributes.error_message}`);
}

function lifecycleLines(address: string, block: Block): string[] {
  const lifecycle = block.blocks.filter((b) => b.type === 'lifecycle');
  return lifecycle.flatMap((settings) => [
    ...LIFECYCLE_ARGUMENTS.filter((argument) => settings.attributes[argument] !== undefined).map(
      (argument) => `${address} lifecycle.${argument}=${settings.attributes[argument]}`,
    ),
    ...conditionLines(`${address} lifecycle`, settings),
  ]);
}

/** A condition by its error message: its expression is written differently by the two renderers. */
function conditionLines(at: string, block: Block): string[] {
  return block.blocks
    .filter((b) => (CONDITIONS as readonly string[]).includes(b.type))
    .map((condition) => `${at}.${condition.type}: ${condition.attributes.error_message}`);
}

// ---------------------------------------------------------------------------------------------------------------
// One shape for both syntaxes: attributes as normalized text, nested blocks

interface Block {
  readonly type: string;
  readonly labels: readonly string[];
  /** Each attribute's value, normalized: quotes and `${...}` taken off, no whitespace in lists. */
  readonly attributes: Readonly<Record<string, string>>;
  readonly blocks: readonly Block[];
}

const asObject = (value: unknown): JsonObject =>
  value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as JsonObject) : {};
const asList = (value: unknown): unknown[] => (Array.isArray(value) ? value : value === undefined ? [] : [value]);

/** A JSON body as a block: objects and lists of objects are nested blocks, everything else an attribute. */
function jsonBlock(body: unknown, type = ''): Block {
  const attributes: Record<string, string> = {};
  const blocks: Block[] = [];
  for (const [key, value] of Object.entries(asObject(body))) {
    const nested = asList(value);
    if (nested.length > 0 && nested.every((item) => item !== null && typeof item === 'object' && !Array.isArray(item))) {
      blocks.push(...nested.map((item) => jsonBlock(item, key)));
    } else {
      attributes[key] = normalizeJson(value);
    }
  }
  return { type, labels: [], attributes, blocks };
}

function normalizeJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(normalizeJson).join(',')}]`;
  if (typeof value === 'string') return unwrapInterpolation(value);
  return JSON.stringify(value);
}

/** `"${aws_x.y}"` and `aws_x.y` are the same reference; `"text"` and `text` the same literal for comparison. */
function unwrapInterpolation(text: string): string {
  const whole = /^\$\{([^]*)\}$/.exec(text);
  return whole && !whole[1].includes('${') ? whole[1].trim() : text;
}

function normalizeHcl(raw: string): string {
  const text = raw.trim();
  if (text.startsWith('"') && text.endsWith('"')) {
    try {
      return unwrapInterpolation(JSON.parse(text) as string);
    } catch {
      return text;
    }
  }
  if (text.startsWith('[') && text.endsWith(']')) {
    return `[${splitTopLevel(text.slice(1, -1))
      .map(normalizeHcl)
      .filter((item) => item !== '')
      .join(',')}]`;
  }
  return text;
}

// ---------------------------------------------------------------------------------------------------------------
// A minimal HCL reader: blocks, labels and attribute source text, enough to find the safety blocks

/** Parses an HCL file's blocks; an attribute's value is kept as its normalized source text. */
export function parseHcl(hcl: string): Block {
  const reader = new HclReader(hcl);
  const body = reader.body('');
  reader.skipSpace();
  if (!reader.done()) throw reader.error('unexpected text after the last block');
  return body;
}

class HclReader {
  private at = 0;
  constructor(private readonly text: string) {}

  done(): boolean {
    return this.at >= this.text.length;
  }

  error(message: string): Error {
    const line = this.text.slice(0, this.at).split('\n').length;
    return new Error(`HCL line ${line}: ${message}`);
  }

  /** Whitespace, newlines and comments. */
  skipSpace(): void {
    for (;;) {
      const rest = this.text.slice(this.at);
      const skipped = /^(?:\s+|#[^\n]*|\/\/[^\n]*|\/\*[^]*?\*\/)/.exec(rest);
      if (!skipped) return;
      this.at += skipped[0].length;
    }
  }

  /** Attributes and blocks until `}` (nested) or the end (top level). */
  body(type: string, labels: string[] = []): Block {
    const attributes: Record<string, string> = {};
    const blocks: Block[] = [];
    for (;;) {
      this.skipSpace();
      if (this.done() || this.text[this.at] === '}') return { type, labels, attributes, blocks };
      const name = this.identifier();
      this.skipInlineSpace();
      if (this.text[this.at] === '=' && this.text[this.at + 1] !== '=') {
        this.at++;
        attributes[name] = normalizeHcl(this.expression());
        continue;
      }
      const blockLabels: string[] = [];
      for (;;) {
        this.skipInlineSpace();
        const c = this.text[this.at];
        if (c === '{') break;
        blockLabels.push(c === '"' ? (JSON.parse(this.stringLiteral()) as string) : this.identifier());
      }
      this.at++;
      blocks.push(this.body(name, blockLabels));
      if (this.text[this.at] !== '}') throw this.error(`block ${name} is not closed`);
      this.at++;
    }
  }

  private skipInlineSpace(): void {
    while (this.text[this.at] === ' ' || this.text[this.at] === '\t') this.at++;
  }

  private identifier(): string {
    const match = /^[A-Za-z_][\w-]*/.exec(this.text.slice(this.at));
    if (!match) throw this.error(`expected a name, found ${JSON.stringify(this.text.slice(this.at, this.at + 20))}`);
    this.at += match[0].length;
    return match[0];
  }

  /** A quoted string with its quotes, `${...}` (which may hold quotes and braces) included. */
  private stringLiteral(): string {
    const start = this.at++;
    while (this.text[this.at] !== '"') {
      if (this.done()) throw this.error('unterminated string');
      if (this.text[this.at] === '\\') this.at += 2;
      else if (this.text.startsWith('${', this.at) || this.text.startsWith('%{', this.at)) this.template();
      else this.at++;
    }
    this.at++;
    return this.text.slice(start, this.at);
  }

  /** `${ ... }` inside a string: an expression, which may hold strings and braces of its own. */
  private template(): void {
    this.at += 2;
    let depth = 1;
    while (depth > 0) {
      if (this.done()) throw this.error('unterminated interpolation');
      const c = this.text[this.at];
      if (c === '"') this.stringLiteral();
      else {
        if (c === '{') depth++;
        else if (c === '}') depth--;
        this.at++;
      }
    }
  }

  /** An attribute's expression: to the end of the line, or the closing brace of a one-line block, outside brackets. */
  private expression(): string {
    const start = this.at;
    let depth = 0;
    while (!this.done()) {
      const c = this.text[this.at];
      if (c === '"') this.stringLiteral();
      else if (this.text.startsWith('<<', this.at) && /^<<-?[A-Za-z_]/.test(this.text.slice(this.at))) this.heredoc();
      else if (c === '#' || this.text.startsWith('//', this.at)) {
        // A line comment ends the line: the expression, or (inside brackets) only the comment.
        if (depth === 0) break;
        this.skipSpace();
      } else if (this.text.startsWith('/*', this.at)) this.skipSpace();
      else if (c === '\n' && depth === 0) break;
      else if (c === '}' && depth === 0) break;
      else {
        if ('([{'.includes(c)) depth++;
        else if (')]}'.includes(c)) depth--;
        this.at++;
      }
    }
    return this.text.slice(start, this.at);
  }

  private heredoc(): void {
    const marker = /^<<-?([A-Za-z_]\w*)\r?\n/.exec(this.text.slice(this.at));
    if (!marker) throw this.error('malformed heredoc');
    const end = new RegExp(`^[ \\t]*${marker[1]}[ \\t]*$`, 'm');
    const rest = this.text.slice(this.at + marker[0].length);
    const close = end.exec(rest);
    if (!close) throw this.error(`heredoc ${marker[1]} is not closed`);
    this.at += marker[0].length + close.index + close[0].length;
  }
}

/** Splits list contents at top-level commas. */
function splitTopLevel(text: string): string[] {
  const items: string[] = [];
  let depth = 0;
  let inString = false;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (inString) {
      if (c === '\\') i++;
      else if (c === '"') inString = false;
    } else if (c === '"') inString = true;
    else if ('([{'.includes(c)) depth++;
    else if (')]}'.includes(c)) depth--;
    else if (c === ',' && depth === 0) {
      items.push(text.slice(start, i));
      start = i + 1;
    }
  }
  items.push(text.slice(start));
  return items;
}

// ---------------------------------------------------------------------------------------------------------------
// Rendering what the HCL renderer leaves out

/**
 * The top-level safety blocks (`removed`, `moved`, `import`, `check`) of the JSON synthesis that the HCL lacks,
 * rendered as HCL to append to it. Lifecycle settings and conditions inside blocks cannot be appended: the
 * export compares them and refuses to write an export that lost one.
 */
export function missingTopLevelBlocks(json: JsonObject, hcl: string): string {
  const present = safetyBlocksOfHcl(hcl);
  const rendered: string[] = [];
  for (const kind of TOP_LEVEL_KINDS) {
    if (kind === 'check') {
      for (const [name, body] of Object.entries(asObject(json.check))) {
        const lines = checkLines(name, jsonBlock(body));
        if (lines.length > 0 && compareSafetyBlocks(lines, present).missing.length > 0) {
          rendered.push(renderBlock('check', [name], body, []));
        }
      }
      continue;
    }
    const missing = compareSafetyBlocks(
      asList(json[kind]).map((body) => topLevelLine(kind, jsonBlock(body))),
      present,
    ).missing;
    for (const body of asList(json[kind])) {
      const i = missing.indexOf(topLevelLine(kind, jsonBlock(body)));
      if (i < 0) continue;
      missing.splice(i, 1);
      rendered.push(renderBlock(kind, [], body, kind === 'import' ? ['to'] : ADDRESS_ARGUMENTS));
    }
  }
  return rendered.map((block) => `${block}\n`).join('\n');
}

/** A JSON body as an HCL block; `bare` names the arguments that hold an address (written without quotes). */
function renderBlock(type: string, labels: readonly string[], body: unknown, bare: readonly string[], indent = ''): string {
  const inner = `${indent}  `;
  const lines = Object.entries(asObject(body)).flatMap(([key, value]) => {
    const nested = asList(value);
    if (nested.length > 0 && nested.every((item) => item !== null && typeof item === 'object' && !Array.isArray(item))) {
      return nested.map((item) => renderBlock(key, [], item, [], inner));
    }
    return [`${inner}${key} = ${bare.includes(key) ? String(value) : renderValue(value)}`];
  });
  const heading = [type, ...labels.map((label) => JSON.stringify(label))].join(' ');
  return `${indent}${heading} {\n${lines.join('\n')}\n${indent}}`;
}

/** A JSON value as an HCL expression: a whole `${...}` is the expression; any other JSON string is valid HCL. */
function renderValue(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(renderValue).join(', ')}]`;
  if (typeof value === 'string') {
    const expression = unwrapInterpolation(value);
    return expression === value ? JSON.stringify(value) : expression;
  }
  return JSON.stringify(value);
}
