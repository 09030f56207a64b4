import * as fs from 'node:fs';
import { closeTempSession } from './temp-session';
import { countedTerraformRuns, TERRAFORM_RUN_VARIABLE } from './terraform';

/** Prints how many terraform processes the run started, by subcommand; fails the run when its tests left anything in the temp dir. */
export default function globalTeardown(): void {
  const countDir = process.env[TERRAFORM_RUN_VARIABLE];
  if (countDir) {
    const counts = countedTerraformRuns(countDir);
    const total = Object.values(counts).reduce((sum, n) => sum + n, 0);
    console.log(`\nterraform processes started: ${total} ${JSON.stringify(counts)}`);
    fs.rmSync(countDir, { recursive: true, force: true });
  }
  closeTempSession();
}
