/**
 * Builds the sync function's bundle into dist/lambda and zips it as the stack ships it (dist/lambda.zip).
 *
 *   npx tsx scripts/build-lambda.ts [--ship <compiled package folder>]
 *
 * `--ship lib` (`npm run build`, after tsc) also copies that zip into the compiled package, where the compiled
 * LambdaBundle finds it (SHIPPED_BUNDLE_ZIP relative to lib/): an installed package ships exactly this zip.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { bundleSyncFunction, SHIPPED_BUNDLE_ZIP, SYNC_BUNDLE, zipBundle } from '../modules/lambda-bundle';

const PROJECT_ROOT = path.resolve(__dirname, '..');

const { values } = parseArgs({ options: { ship: { type: 'string' } } });
const file = bundleSyncFunction();
console.log(`sync function bundled: ${file}`);
const zip = zipBundle(SYNC_BUNDLE.outdir);
console.log(`and zipped as the stack ships it: ${zip}`);
if (values.ship !== undefined) {
  const packageRoot = path.resolve(values.ship);
  if (!fs.existsSync(path.join(packageRoot, 'modules', 'lambda-bundle.js'))) {
    throw new Error(`--ship ${values.ship}: no compiled package there (modules/lambda-bundle.js); run tsc -p tsconfig.build.json first`);
  }
  const shipped = path.join(packageRoot, path.relative(PROJECT_ROOT, SHIPPED_BUNDLE_ZIP));
  fs.mkdirSync(path.dirname(shipped), { recursive: true });
  fs.copyFileSync(zip, shipped);
  console.log(`and shipped in the package: ${shipped}`);
}
