import * as os from 'node:os';
import { bundleSyncFunction } from '../../modules/lambda-bundle';
import { openTempSession } from './temp-session';
import { openTerraformRun } from './terraform';

/**
 * Integration tests run the deployed file itself, so build it once before any test (or copy it from the bundle
 * cache); make the folder where the run's terraform processes share the cores and are counted, outside the run's
 * temp folder; then open that temp folder.
 */
export default function globalSetup(): void {
  bundleSyncFunction();
  openTerraformRun(os.tmpdir());
  openTempSession();
}
