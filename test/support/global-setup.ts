import { bundleSyncFunction } from '../../modules/lambda-bundle';
import { openTempSession } from './temp-session';

/** Integration tests run the deployed file itself, so build it once before any test; then open the run's temp folder. */
export default function globalSetup(): void {
  bundleSyncFunction();
  openTempSession();
}
