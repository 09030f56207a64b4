import { bundleSyncFunction } from '../modules/lambda-bundle';

const file = bundleSyncFunction();
console.log(`sync function bundled: ${file}`);
