import * as fs from 'node:fs';
import * as path from 'node:path';
import { buildSync } from 'esbuild';
import { zipSync, type Zippable } from 'fflate';
import { AssetType, TerraformAsset } from 'cdktf';
import { Construct } from 'constructs';

const PROJECT_ROOT = path.resolve(__dirname, '..');

/** The deployable bundle: `npm run build` writes it and its zip, the stack ships exactly that zip. */
export const SYNC_BUNDLE = {
  entry: path.join(PROJECT_ROOT, 'lambda', 'index.ts'),
  /** Lambda's credentials come from the environment: see lambda/lambda-credentials.ts. */
  credentials: path.join(PROJECT_ROOT, 'lambda', 'lambda-credentials.ts'),
  outdir: path.join(PROJECT_ROOT, 'dist', 'lambda'),
  file: 'index.js',
  handler: 'index.handler',
} as const;

/**
 * What every zip entry carries instead of the file's own metadata, so that the same bundle gives the same bytes
 * on any machine, in any time zone and under any umask: Lambda reports the zip's SHA-256, and `source_code_hash`
 * compares it, so a varying byte would plan an update of an unchanged function on every synth.
 */
export const ZIP_ENTRY = {
  /**
   * 1980-01-01 00:00, the first time a zip can hold. Built from local-time parts: a zip stores local time
   * (fflate reads the Date's local fields), so these are the stored fields in every time zone.
   */
  modified: () => new Date(1980, 0, 1, 0, 0, 0),
  /** A regular file, rw-r--r--, as a Unix (made-by `os` 3) external attribute. */
  unixMode: 0o100644,
  madeByUnix: 3,
  /** Pure-JS deflate at a fixed level: the same bytes wherever this fflate version runs, unlike the zlib build a Node release ships. */
  level: 9,
} as const;

/** The zip of a bundle folder: `<outdir>.zip` next to it, so the folder itself holds only the bundle. */
export function zipFileOf(outdir: string): string {
  return `${outdir.replace(/[\\/]+$/, '')}.zip`;
}

/**
 * Zips the files of `dir` (no subfolders: the bundle is one flat folder) deterministically: entries sorted by
 * name, fixed time and mode, fixed compression. Returns the zip's path.
 */
export function zipBundle(dir: string, zipFile: string = zipFileOf(dir)): string {
  const entries = fs.readdirSync(dir, { withFileTypes: true });
  const notFiles = entries.filter((entry) => !entry.isFile()).map((entry) => entry.name);
  if (notFiles.length > 0) throw new Error(`bundle folder ${dir} may hold only files, found ${notFiles.join(', ')}`);
  const names = entries.map((entry) => entry.name).sort();
  if (names.length === 0) throw new Error(`bundle folder ${dir} is empty: nothing to zip`);
  const files: Zippable = {};
  for (const name of names) {
    files[name] = [
      fs.readFileSync(path.join(dir, name)),
      {
        mtime: ZIP_ENTRY.modified(),
        os: ZIP_ENTRY.madeByUnix,
        attrs: ZIP_ENTRY.unixMode << 16,
        level: ZIP_ENTRY.level,
      },
    ];
  }
  fs.writeFileSync(zipFile, zipSync(files));
  return zipFile;
}

/**
 * Bundles the sync function with esbuild: CommonJS (no createRequire banner needed), the AWS SDK v3 clients
 * bundled in at the versions package-lock.json pins, minified. `module` first in main fields keeps the SDK's
 * ESM builds, which tree-shake to about two thirds of the size.
 */
export function bundleSyncFunction(outdir: string = SYNC_BUNDLE.outdir): string {
  const outfile = path.join(outdir, SYNC_BUNDLE.file);
  buildSync({
    entryPoints: [SYNC_BUNDLE.entry],
    outfile,
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    mainFields: ['module', 'main'],
    alias: { '@aws-sdk/credential-provider-node': SYNC_BUNDLE.credentials },
    minify: true,
    sourcemap: false,
    legalComments: 'none',
    logLevel: 'error',
  });
  return outfile;
}

export interface LambdaBundleProps {
  /** Folder the bundle is written to; its zip goes next to it, as `<outdir>.zip`. @default dist/lambda */
  readonly outdir?: string;
}

/**
 * The sync function's code, bundled and zipped at synth time and shipped as a file TerraformAsset. The zip is
 * built here rather than by cdktf's ARCHIVE asset, whose entries carry the time of each synth: their bytes, and
 * so `source_code_hash`, changed every time.
 */
export class LambdaBundle extends Construct {
  public readonly asset: TerraformAsset;
  public readonly handler = SYNC_BUNDLE.handler;
  /** The folder that is zipped: the bundle and nothing else. */
  public readonly outdir: string;
  /** The zip the asset ships. */
  public readonly zipFile: string;

  constructor(scope: Construct, id: string, props: LambdaBundleProps = {}) {
    super(scope, id);
    this.outdir = props.outdir ?? SYNC_BUNDLE.outdir;
    bundleSyncFunction(this.outdir);
    this.zipFile = zipBundle(this.outdir);
    this.asset = new TerraformAsset(this, 'asset', { path: this.zipFile, type: AssetType.FILE });
  }
}
