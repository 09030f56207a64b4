import { bundleSyncFunction } from '../../modules/lambda-bundle';

/** Integration tests run the deployed file itself, so build it once before any test. */
export default function globalSetup(): void {
  bundleSyncFunction();
}
