import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { compareSafetyBlocks, missingTopLevelBlocks, safetyBlocksOfHcl, safetyBlocksOfJson } from './safety-blocks';

/**
 * `npm run export:hcl [-- --out <dir>] [-- --app <command>]`: plain Terraform per stack, for teams leaving CDKTF
 * (archived upstream). Runs `cdktf synth --hcl`, then keeps only what Terraform needs: `<dir>/<stack>/main.tf`
 * and the `assets/` it references by relative path. cdktf's manifest and metadata stay behind. The result is
 * code a team can own: formatted by `terraform fmt`, a provider version range instead of one pinned version,
 * no path of this machine in it, the same resource addresses as the JSON synthesis, so the same state
 * plans no change, and every safety block of the JSON synthesis (`removed`, `moved`, `import`, `check`, lifecycle
 * settings, conditions): cdktf's HCL renderer drops the `removed` blocks, so the export adds what it left out,
 * and refuses to write an export that still lacks one.
 */

const PROJECT_ROOT = path.resolve(__dirname, '..');

export const EXPORT_DEFAULTS = {
  outdir: path.join(PROJECT_ROOT, 'hcl'),
  /** What cdktf 0.21 names a stack's HCL file, and what the export renames it to. */
  synthesizedFile: 'cdk.tf',
  exportedFile: 'main.tf',
  assetsFolder: 'assets',
  /**
   * hashicorp/aws versions the exported code runs on. From 5.100, the oldest the tests plan with (it knows
   * everything the code uses: `nodejs22.x`, Lambda `logging_config`, the `aws_vpc_security_group_*_rule`
   * resources, `aws_eip.ipam_pool_id` from 5.72), to below 7, the next major after the 6.x the bindings were
   * generated for (`~> 6.0`). cdktf writes the one version of the bindings, which would hold a team back.
   */
  awsProviderVersions: '>= 5.100.0, < 7.0.0',
} as const;

/**
 * cdktf 0.21 writes `depends_on` entries as quoted strings, Terraform 0.11 syntax that Terraform warns is
 * deprecated and will remove; the exported code is the team's new source, so it gets the current syntax.
 */
export function unquoteDependsOn(hcl: string): string {
  return (
    hcl
      .replace(
        /(depends_on\s*=\s*\[)([^\]]*)\]/g,
        (_, opening: string, entries: string) => `${opening}${entries.replace(/"([A-Za-z_][\w-]*(?:\.[A-Za-z_][\w-]*)+)"/g, '$1')}]`,
      )
      // The same 0.11 quoting for a resource's provider (the accelerator's `aws.global-accelerator`).
      .replace(/^(\s*provider\s*=\s*)"([A-Za-z_][\w-]*\.[A-Za-z_][\w-]*)"$/gm, '$1$2')
  );
}

/**
 * The aws provider requirement as a team would write it: the full registry source and a version range
 * (see {@link EXPORT_DEFAULTS.awsProviderVersions}) rather than the exact version cdktf writes.
 */
export function widenProviderRequirement(hcl: string): string {
  return hcl.replace(/(required_providers\s*\{[^]*?\baws\s*=\s*\{)([^}]*)\}/, (_, opening: string, body: string) => {
    const requirement = body
      .replace(/version\s*=\s*"[^"]*"/, `version = "${EXPORT_DEFAULTS.awsProviderVersions}"`)
      .replace(/source\s*=\s*"aws"/, 'source = "hashicorp/aws"');
    return `${opening}${requirement}}`;
  });
}

/**
 * A local backend's state path relative to the exported folder: synth resolves it against the project root on
 * this machine, and the same state file must stay reachable from wherever the export is checked out.
 */
export function relativeLocalState(hcl: string, exportedDir: string): string {
  return hcl.replace(
    /(backend\s+"local"\s*\{[^}]*?\bpath\s*=\s*")([^"]+)"/,
    (_, opening: string, statePath: string) =>
      `${opening}${path.isAbsolute(statePath) ? path.relative(exportedDir, statePath).split(path.sep).join('/') : statePath}"`,
  );
}

/**
 * cdktf 0.21's HCL renderer writes a string that holds both double quotes and references (a dashboard's JSON
 * body) unescaped, which Terraform cannot parse. Such attributes are rewritten from the JSON synthesis of the same
 * stack: a JSON string literal is a valid HCL string, its `${...}` references included.
 */
export function rewriteQuotedStrings(
  hcl: string,
  json: { readonly resource?: Record<string, Record<string, Record<string, unknown>>> },
): string {
  let repaired = hcl;
  for (const [type, byName] of Object.entries(json.resource ?? {})) {
    for (const [name, attributes] of Object.entries(byName)) {
      for (const [attribute, value] of Object.entries(attributes)) {
        // Quotes inside `${...}` belong to the expression and render fine; only quotes in the text itself break.
        if (typeof value !== 'string' || !value.includes('${') || !value.replace(/\$\{[^}]*\}/g, '').includes('"')) continue;
        const block = repaired.indexOf(`resource "${type}" "${name}" {`);
        if (block < 0) continue;
        const line = new RegExp(`^(\\s*)${attribute}\\s*=.*$`, 'm');
        const match = line.exec(repaired.slice(block));
        if (!match) continue;
        const at = block + match.index;
        repaired = `${repaired.slice(0, at)}${match[1]}${attribute} = ${JSON.stringify(value)}${repaired.slice(at + match[0].length)}`;
      }
    }
  }
  return repaired;
}

/** The part of cdktf's manifest.json the export reads. */
interface Manifest {
  readonly stacks: Record<string, { readonly synthesizedStackPath: string; readonly workingDirectory: string }>;
}

export interface ExportOptions {
  /** The command that runs the cdktf app. @default the `app` of cdktf.json (this project's environments) */
  readonly app?: string;
}

/** Synthesizes HCL and writes one plain Terraform folder per stack into `outdir`; returns the stack names. */
export function exportHcl(outdir: string = EXPORT_DEFAULTS.outdir, options: ExportOptions = {}): string[] {
  const synthDir = fs.mkdtempSync(path.join(os.tmpdir(), 'alb-static-ip-hcl-'));
  try {
    execFileSync('cdktf', ['synth', '--hcl', '--output', synthDir, ...(options.app ? ['--app', options.app] : [])], {
      cwd: PROJECT_ROOT,
      env: { ...process.env, CHECKPOINT_DISABLE: '1' },
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    const jsonDir = path.join(synthDir, 'json');
    execFileSync('cdktf', ['synth', '--output', jsonDir, ...(options.app ? ['--app', options.app] : [])], {
      cwd: PROJECT_ROOT,
      env: { ...process.env, CHECKPOINT_DISABLE: '1' },
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    const manifest = JSON.parse(fs.readFileSync(path.join(synthDir, 'manifest.json'), 'utf8')) as Manifest;
    return Object.entries(manifest.stacks).map(([stack, { synthesizedStackPath, workingDirectory }]) => {
      const target = path.join(outdir, stack);
      // A stale main.tf or asset from an earlier export must not survive into this one.
      fs.rmSync(target, { recursive: true, force: true });
      fs.mkdirSync(target, { recursive: true });
      const hcl = fs.readFileSync(path.join(synthDir, synthesizedStackPath), 'utf8');
      const file = path.join(target, EXPORT_DEFAULTS.exportedFile);
      const json = JSON.parse(fs.readFileSync(path.join(jsonDir, 'stacks', stack, 'cdk.tf.json'), 'utf8'));
      const rewritten = relativeLocalState(widenProviderRequirement(unquoteDependsOn(rewriteQuotedStrings(hcl, json))), target);
      fs.writeFileSync(file, `${rewritten}\n${missingTopLevelBlocks(json, rewritten)}`);
      terraformFmt(file);
      expectSafetyBlocksKept(stack, json, fs.readFileSync(file, 'utf8'));
      const assets = path.join(synthDir, workingDirectory, EXPORT_DEFAULTS.assetsFolder);
      if (fs.existsSync(assets)) fs.cpSync(assets, path.join(target, EXPORT_DEFAULTS.assetsFolder), { recursive: true });
      return stack;
    });
  } finally {
    fs.rmSync(synthDir, { recursive: true, force: true });
  }
}

/** Throws, listing them, when the export lacks a safety block of the JSON synthesis or has one it does not. */
export function expectSafetyBlocksKept(stack: string, json: Record<string, unknown>, hcl: string): void {
  const { missing, extra } = compareSafetyBlocks(safetyBlocksOfJson(json), safetyBlocksOfHcl(hcl));
  if (missing.length + extra.length === 0) return;
  throw new Error(
    [
      `the HCL export of ${stack} does not keep the safety blocks of its JSON synthesis:`,
      ...missing.map((line) => `  missing: ${line}`),
      ...extra.map((line) => `  not in the JSON synthesis: ${line}`),
    ].join('\n'),
  );
}

/**
 * `terraform fmt`, which also turns cdktf's `"${aws_x.y.id}"` into `aws_x.y.id`: the export is meant to be
 * edited by hand from now on, so it starts in Terraform's canonical style.
 */
function terraformFmt(file: string): void {
  try {
    execFileSync('terraform', ['fmt', '-no-color', file], {
      env: { ...process.env, CHECKPOINT_DISABLE: '1' },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
  } catch (error) {
    const { code, stderr } = error as { code?: string; stderr?: Buffer };
    if (code === 'ENOENT')
      throw new Error('terraform is not on PATH: the export formats its HCL with `terraform fmt` (Terraform 1.10 or later)', {
        cause: error,
      });
    throw new Error(`terraform fmt ${file} failed:\n${stderr?.toString() ?? ''}`, { cause: error });
  }
}

/** `--out <dir>` and `--app <command>`, each at most once. */
function parseArguments(argv: readonly string[]): { outdir: string; options: ExportOptions } {
  const usage = `usage: npm run export:hcl [-- --out <dir>] [--app <command>] (got ${argv.join(' ')})`;
  const values = new Map<string, string>();
  for (let i = 0; i < argv.length; i += 2) {
    const [flag, value] = [argv[i], argv[i + 1]];
    if (!['--out', '--app'].includes(flag) || !value || values.has(flag)) throw new Error(usage);
    values.set(flag, value);
  }
  const out = values.get('--out');
  return { outdir: out ? path.resolve(out) : EXPORT_DEFAULTS.outdir, options: { app: values.get('--app') } };
}

if (require.main === module) {
  try {
    const { outdir, options } = parseArguments(process.argv.slice(2));
    for (const stack of exportHcl(outdir, options)) {
      console.log(`${path.relative(process.cwd(), path.join(outdir, stack, EXPORT_DEFAULTS.exportedFile))}`);
    }
  } catch (error) {
    console.error((error as Error).message);
    process.exit(1);
  }
}
