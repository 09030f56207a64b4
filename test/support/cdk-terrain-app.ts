import * as fs from 'node:fs';
import Module from 'node:module';
import * as path from 'node:path';
import type { EnvironmentConfig } from '../../config/types';

/**
 * The fixture app in a process of its own, on cdktf or, with CDK_TERRAIN_MODULES set, on CDK Terrain: every
 * `cdktf`, `@cdktf/provider-aws/lib/<x>` and `constructs` the repository's code requires resolves to `cdktn`,
 * `@cdktn/provider-aws/lib/<x>` and the `constructs` installed beside them in that node_modules folder. The
 * repository's code is loaded unchanged. Run by test/support/cdk-terrain.ts.
 *
 * Environment: FIXTURE_ENVIRONMENTS (the environments as JSON), SYNTH_OUTDIR (where the stacks go; the bundle
 * goes to its `bundle` folder), CDK_TERRAIN_MODULES (optional). Besides the stacks it writes LOADED_PACKAGES_FILE
 * in SYNTH_OUTDIR: the CDK packages this process loaded, as `name@version`, so the caller can tell that the swap
 * left nothing of cdktf behind.
 */

/** The file, in the synthesis folder, listing the CDK packages the synthesis loaded. */
export const LOADED_PACKAGES_FILE = 'loaded-packages.json';

/** Requests the swap redirects, and what they become. */
const SWAPPED_REQUESTS: readonly { readonly from: RegExp; readonly to: string }[] = [
  { from: /^cdktf(\/.*)?$/, to: 'cdktn$1' },
  { from: /^@cdktf\/provider-aws(\/.*)?$/, to: '@cdktn/provider-aws$1' },
  // cdktn takes constructs >= 10.6; the repository's 10.4 would be a second, foreign Construct class.
  { from: /^constructs(\/.*)?$/, to: 'constructs$1' },
];

/** Packages whose loaded versions are reported. */
const CDK_PACKAGES = /[\\/]node_modules[\\/]((?:@cdktf[\\/]|@cdktn[\\/])?(?:cdktf|cdktn|provider-aws|constructs))[\\/]/;

type ResolveFilename = (request: string, parent: unknown, ...rest: unknown[]) => string;

/** Makes the swapped requests of code outside `modulesDir` resolve inside it. */
function swapPackages(modulesDir: string): void {
  const loader = Module as unknown as { _resolveFilename: ResolveFilename };
  const resolve = loader._resolveFilename;
  loader._resolveFilename = function (request, parent, ...rest) {
    const from = (parent as { filename?: string } | undefined)?.filename ?? '';
    const swap = from.startsWith(modulesDir) ? undefined : SWAPPED_REQUESTS.find(({ from: pattern }) => pattern.test(request));
    if (!swap) return resolve.call(this, request, parent, ...rest);
    return resolve.call(this, request.replace(swap.from, swap.to), parent, false, { paths: [modulesDir] });
  };
}

/** `name@version` of every CDK package loaded so far, sorted. */
function loadedPackages(): string[] {
  const roots = new Set(
    Object.keys(require.cache).flatMap((file) => {
      const match = CDK_PACKAGES.exec(file);
      return match ? [file.slice(0, match.index + match[0].length - 1)] : [];
    }),
  );
  return [...roots]
    .map((root) => JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')) as { name: string; version: string })
    .map(({ name, version }) => `${name}@${version}`)
    .sort();
}

function required(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set: see test/support/cdk-terrain-app.ts`);
  return value;
}

/** Synthesizes the environments into SYNTH_OUTDIR, on cdktn when CDK_TERRAIN_MODULES is set. */
function synthesizeFixtures(): void {
  const environments = JSON.parse(required('FIXTURE_ENVIRONMENTS')) as EnvironmentConfig[];
  const outdir = required('SYNTH_OUTDIR');
  const modulesDir = process.env.CDK_TERRAIN_MODULES;
  if (modulesDir) swapPackages(path.resolve(modulesDir));
  // Loaded only now, so that the app's own imports go through the swap.
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded after the swap, see above
  const { buildApp } = require('../../main') as typeof import('../../main');
  buildApp(environments, { outdir, bundleOutdir: path.join(outdir, 'bundle') }).synth();
  fs.writeFileSync(path.join(outdir, LOADED_PACKAGES_FILE), JSON.stringify(loadedPackages(), null, 2));
}

if (require.main === module) synthesizeFixtures();
