import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

/**
 * `npm run export:hcl [-- --out <dir>]`: plain Terraform per stack, for teams leaving CDKTF (archived upstream).
 * Runs `cdktf synth --hcl`, then keeps only what Terraform needs: `<dir>/<stack>/main.tf` and the `assets/`
 * it references by relative path. cdktf's manifest and metadata stay behind.
 */

const PROJECT_ROOT = path.resolve(__dirname, '..');

export const EXPORT_DEFAULTS = {
  outdir: path.join(PROJECT_ROOT, 'hcl'),
  /** What cdktf 0.21 names a stack's HCL file, and what the export renames it to. */
  synthesizedFile: 'cdk.tf',
  exportedFile: 'main.tf',
  assetsFolder: 'assets',
} as const;

/**
 * cdktf 0.21 writes `depends_on` entries as quoted strings, Terraform 0.11 syntax that Terraform warns is
 * deprecated and will remove; the exported code is the team's new source, so it gets the current syntax.
 */
export function unquoteDependsOn(hcl: string): string {
  return hcl.replace(
    /(depends_on\s*=\s*\[)([^\]]*)\]/g,
    (_, opening: string, entries: string) =>
      `${opening}${entries.replace(/"([A-Za-z_][\w-]*(?:\.[A-Za-z_][\w-]*)+)"/g, '$1')}]`
  );
}

/** The part of cdktf's manifest.json the export reads. */
interface Manifest {
  readonly stacks: Record<string, { readonly synthesizedStackPath: string; readonly workingDirectory: string }>;
}

/** Synthesizes HCL and writes one plain Terraform folder per stack into `outdir`; returns the stack names. */
export function exportHcl(outdir: string = EXPORT_DEFAULTS.outdir): string[] {
  const synthDir = fs.mkdtempSync(path.join(os.tmpdir(), 'alb-static-ip-hcl-'));
  try {
    execFileSync('cdktf', ['synth', '--hcl', '--output', synthDir], {
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
      fs.writeFileSync(path.join(target, EXPORT_DEFAULTS.exportedFile), unquoteDependsOn(hcl));
      const assets = path.join(synthDir, workingDirectory, EXPORT_DEFAULTS.assetsFolder);
      if (fs.existsSync(assets))
        fs.cpSync(assets, path.join(target, EXPORT_DEFAULTS.assetsFolder), { recursive: true });
      return stack;
    });
  } finally {
    fs.rmSync(synthDir, { recursive: true, force: true });
  }
}

function outdirArgument(argv: readonly string[]): string {
  if (argv.length === 0) return EXPORT_DEFAULTS.outdir;
  if (argv.length === 2 && argv[0] === '--out' && argv[1] !== '') return path.resolve(argv[1]);
  throw new Error(`usage: npm run export:hcl [-- --out <dir>] (got ${argv.join(' ')})`);
}

if (require.main === module) {
  try {
    const outdir = outdirArgument(process.argv.slice(2));
    for (const stack of exportHcl(outdir)) {
      console.log(`${path.relative(process.cwd(), path.join(outdir, stack, EXPORT_DEFAULTS.exportedFile))}`);
    }
  } catch (error) {
    console.error((error as Error).message);
    process.exit(1);
  }
}
