import * as path from 'node:path';
import { buildSync } from 'esbuild';
import { AssetType, TerraformAsset } from 'cdktf';
import { Construct } from 'constructs';

const PROJECT_ROOT = path.resolve(__dirname, '..');

/** The deployable bundle: `npm run build` writes it, the stack zips exactly this folder. */
export const SYNC_BUNDLE = {
  entry: path.join(PROJECT_ROOT, 'lambda', 'index.ts'),
  /** Lambda's credentials come from the environment: see lambda/lambda-credentials.ts. */
  credentials: path.join(PROJECT_ROOT, 'lambda', 'lambda-credentials.ts'),
  outdir: path.join(PROJECT_ROOT, 'dist', 'lambda'),
  file: 'index.js',
  handler: 'index.handler',
} as const;

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
  /** Folder the bundle is written to before it is zipped. @default dist/lambda */
  readonly outdir?: string;
}

/** The sync function's code, bundled at synth time and shipped as a zip TerraformAsset. */
export class LambdaBundle extends Construct {
  public readonly asset: TerraformAsset;
  public readonly handler = SYNC_BUNDLE.handler;
  /** The folder that is zipped: the bundle and nothing else. */
  public readonly outdir: string;

  constructor(scope: Construct, id: string, props: LambdaBundleProps = {}) {
    super(scope, id);
    this.outdir = props.outdir ?? SYNC_BUNDLE.outdir;
    bundleSyncFunction(this.outdir);
    this.asset = new TerraformAsset(this, 'asset', { path: this.outdir, type: AssetType.ARCHIVE });
  }
}
