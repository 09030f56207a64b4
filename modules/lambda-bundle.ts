import { createHash, randomUUID } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { BuildOptions } from 'esbuild';
import type { Zippable } from 'fflate';
import { AssetType, TerraformAsset } from 'cdktf';
import { Construct } from 'constructs';

/** The repository, or the compiled package's `lib/`: this file is `<root>/modules/lambda-bundle.{ts,js}`. */
const PROJECT_ROOT = path.resolve(__dirname, '..');

/**
 * Where an installed package holds the zip this repository built and tested (`npm run build` copies it there,
 * see scripts/build-lambda.ts): LambdaBundle ships it as it is. The repository has none, and builds from source.
 */
export const SHIPPED_BUNDLE_ZIP = path.join(PROJECT_ROOT, 'bundle', 'sync-function.zip');

/**
 * esbuild and fflate build the bundle from source, which only this repository does: they are its development
 * dependencies, loaded on first use, so an installed package (which ships its zip) needs neither.
 */
// eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded on first use, see above
const esbuild = () => require('esbuild') as typeof import('esbuild');
// eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded on first use, see above
const fflate = () => require('fflate') as typeof import('fflate');

/** The deployable bundle: `npm run build` writes it and its zip, the stack ships exactly that zip. */
export const SYNC_BUNDLE = {
  entry: path.join(PROJECT_ROOT, 'lambda', 'index.ts'),
  /** Lambda's credentials come from the environment: see lambda/lambda-credentials.ts. */
  credentials: path.join(PROJECT_ROOT, 'lambda', 'lambda-credentials.ts'),
  /** Folders the bundle is built from: the function's own, and the AWS formats it shares with the stack. */
  sources: [path.join(PROJECT_ROOT, 'lambda'), path.join(PROJECT_ROOT, 'shared')],
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
  fs.writeFileSync(zipFile, fflate().zipSync(files));
  return zipFile;
}

/**
 * The esbuild options of the sync function: CommonJS (no createRequire banner needed), the AWS SDK v3 clients
 * bundled in at the versions package-lock.json pins, minified. `module` first in main fields keeps the SDK's
 * ESM builds, which tree-shake to about two thirds of the size.
 */
const BUILD_OPTIONS = {
  entryPoints: [SYNC_BUNDLE.entry],
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
} as const satisfies BuildOptions;

/** Built bundles by the hash of their inputs: a synthesis whose inputs hash the same copies one instead of bundling. */
export const BUNDLE_CACHE_DIR = path.join(PROJECT_ROOT, 'node_modules', '.cache', 'alb-static-ip', 'lambda-bundle');

/**
 * The hash of what the bundle is made of: every file of its source folders (path within the folder, and content),
 * the esbuild options and version, the zip's fixed entry metadata, and package-lock.json (the SDK versions bundled
 * in). Paths are relative, so any clone of the same sources gets the same key.
 */
export function syncBundleKey(sourceDirs: readonly string[] = SYNC_BUNDLE.sources): string {
  const hash = createHash('sha256');
  const relative = (value: unknown): string => JSON.stringify(value).split(PROJECT_ROOT).join('<project>');
  hash.update(relative(BUILD_OPTIONS)).update(`esbuild ${esbuild().version}\n`);
  const modified = ZIP_ENTRY.modified(); // its local-time parts: the same in every time zone
  hash.update(JSON.stringify({ ...ZIP_ENTRY, modified: [modified.getFullYear(), modified.getMonth(), modified.getDate()] }));
  hash.update(fs.readFileSync(path.join(PROJECT_ROOT, 'package-lock.json')));
  for (const sourceDir of sourceDirs) {
    for (const file of (fs.readdirSync(sourceDir, { recursive: true }) as string[]).sort()) {
      const full = path.join(sourceDir, file);
      if (fs.statSync(full).isFile()) hash.update(`\n${path.basename(sourceDir)}/${file}\n`).update(fs.readFileSync(full));
    }
  }
  return hash.digest('hex');
}

/**
 * The cache folder of the bundle built from the current inputs (BUNDLE_CACHE_DIR/<syncBundleKey()>), built with
 * esbuild when there is none yet, and its zip beside it when `zipped`.
 */
function cachedBundle(cacheDir: string, { zipped = false }: { readonly zipped?: boolean } = {}): string {
  const dir = path.join(cacheDir, syncBundleKey());
  if (!fs.existsSync(dir)) {
    fs.mkdirSync(cacheDir, { recursive: true });
    const building = fs.mkdtempSync(`${dir}.building-`);
    esbuild().buildSync({ ...BUILD_OPTIONS, outfile: path.join(building, SYNC_BUNDLE.file) });
    renameIntoPlace(building, dir);
  }
  if (zipped && !fs.existsSync(zipFileOf(dir))) {
    renameIntoPlace(zipBundle(dir, `${zipFileOf(dir)}.${randomUUID()}`), zipFileOf(dir));
  }
  return dir;
}

/** Made beside its place and renamed into it: a parallel synthesis sees a whole file or folder, or none. */
function renameIntoPlace(made: string, place: string): void {
  try {
    fs.renameSync(made, place);
  } catch {
    fs.rmSync(made, { recursive: true, force: true }); // another synthesis got there first
  }
}

/**
 * Bundles the sync function with esbuild into `outdir`, or copies the bundle built earlier from the same inputs
 * (BUNDLE_CACHE_DIR/<syncBundleKey()>): the same bytes, without the CPU a build costs.
 */
export function bundleSyncFunction(outdir: string = SYNC_BUNDLE.outdir, cacheDir: string = BUNDLE_CACHE_DIR): string {
  const outfile = path.join(outdir, SYNC_BUNDLE.file);
  fs.mkdirSync(outdir, { recursive: true });
  fs.copyFileSync(path.join(cachedBundle(cacheDir), SYNC_BUNDLE.file), outfile);
  return outfile;
}

export interface LambdaBundleProps {
  /**
   * Folder the bundle is built into, its zip going next to it as `<outdir>.zip`. An installed package ships the
   * zip already built: it is copied to `<outdir>.zip` when this is given, and shipped from the package otherwise.
   * @default dist/lambda when building from source; none with a shipped zip
   */
  readonly outdir?: string;
}

/**
 * The sync function's code, shipped as a file TerraformAsset: the zip the installed package ships, byte for byte,
 * or in this repository the bundle built from source at synth time (cached by the hash of its inputs) and zipped.
 * The zip is built here rather than by cdktf's ARCHIVE asset, whose entries carry the time of each synth: their
 * bytes, and so `source_code_hash`, changed every time.
 */
export class LambdaBundle extends Construct {
  public readonly asset: TerraformAsset;
  public readonly handler = SYNC_BUNDLE.handler;
  /** The folder that is zipped, holding the bundle and nothing else, when it is built from source. */
  public readonly outdir?: string;
  /** The zip the asset ships. */
  public readonly zipFile: string;

  constructor(scope: Construct, id: string, props: LambdaBundleProps = {}) {
    super(scope, id);
    if (fs.existsSync(SHIPPED_BUNDLE_ZIP)) {
      this.zipFile = props.outdir === undefined ? SHIPPED_BUNDLE_ZIP : zipFileOf(props.outdir);
      if (props.outdir !== undefined) {
        fs.mkdirSync(path.dirname(this.zipFile), { recursive: true });
        fs.copyFileSync(SHIPPED_BUNDLE_ZIP, this.zipFile);
      }
    } else {
      const outdir = props.outdir ?? SYNC_BUNDLE.outdir;
      // The bundle and its zip are copied from the cache: deflating it costs about as much as building it.
      const cached = cachedBundle(BUNDLE_CACHE_DIR, { zipped: true });
      fs.mkdirSync(outdir, { recursive: true });
      fs.copyFileSync(path.join(cached, SYNC_BUNDLE.file), path.join(outdir, SYNC_BUNDLE.file));
      this.outdir = outdir;
      this.zipFile = zipFileOf(outdir);
      fs.copyFileSync(zipFileOf(cached), this.zipFile);
    }
    this.asset = new TerraformAsset(this, 'asset', { path: this.zipFile, type: AssetType.FILE });
  }
}
