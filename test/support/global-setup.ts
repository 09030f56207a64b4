import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { bundleSyncFunction } from '../../modules/lambda-bundle';
import { openTempSession } from './temp-session';
import { TERRAFORM_COUNT_VARIABLE } from './terraform';

/**
 * Integration tests run the deployed file itself, so build it once before any test (or copy it from the bundle
 * cache); make the folder the run's terraform processes are counted in, outside the run's temp folder; then open
 * that temp folder.
 */
export default function globalSetup(): void {
  bundleSyncFunction();
  process.env[TERRAFORM_COUNT_VARIABLE] = fs.mkdtempSync(path.join(os.tmpdir(), 'alb-static-ip-terraform-runs-'));
  openTempSession();
}
