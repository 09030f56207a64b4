import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

/**
 * One jest run gets a temp folder of its own: the global setup makes it and points TMPDIR at it, so every test
 * file and every process a test starts (terraform, tsx, npm, cdktf) puts its temp files there; the global
 * teardown fails the run, naming them, if the tests left anything in it, then removes it. A folder of its own
 * keeps the check exact on a machine where other runs use the same temp dir at the same time.
 */

/** The variable that names the run's temp folder, for tests that check they are inside it. */
export const TEMP_SESSION_VARIABLE = 'ALB_STATIC_IP_TEST_TMPDIR';

/** Caches that tools keep across runs on purpose, named as they name them: not left behind by a test. */
const TOOL_CACHES: readonly RegExp[] = [
  /^tsx-[\w-]+$/, // tsx's compile cache and IPC pipes, tsx-<uid>
];

/** Makes the run's temp folder and points TMPDIR at it (inherited by jest's workers, started after this). */
export function openTempSession(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'alb-static-ip-test-run-'));
  process.env[TEMP_SESSION_VARIABLE] = dir;
  process.env.TMPDIR = dir;
  return dir;
}

/** What the tests left in a temp folder: every entry but the tools' own caches. */
export function leftovers(dir: string): string[] {
  return fs
    .readdirSync(dir)
    .filter((entry) => !TOOL_CACHES.some((cache) => cache.test(entry)))
    .sort();
}

/** Removes the run's temp folder; throws, naming them, when the tests left anything in it. */
export function closeTempSession(dir = process.env[TEMP_SESSION_VARIABLE]): void {
  if (dir === undefined) throw new Error(`${TEMP_SESSION_VARIABLE} is not set: the global setup did not run`);
  const left = leftovers(dir);
  fs.rmSync(dir, { recursive: true, force: true });
  if (left.length > 0) {
    throw new Error(
      `the tests left ${left.length} entries in the temp dir: ${left.join(', ')}. ` +
        'Take temp folders from tempDir() (test/support/temp-dir.ts), which removes them after each test file.',
    );
  }
}
