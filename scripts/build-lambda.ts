import { bundleSyncFunction, SYNC_BUNDLE, zipBundle } from '../modules/lambda-bundle';

const file = bundleSyncFunction();
console.log(`sync function bundled: ${file}`);
console.log(`and zipped as the stack ships it: ${zipBundle(SYNC_BUNDLE.outdir)}`);
