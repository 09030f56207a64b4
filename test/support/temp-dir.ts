import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

/**
 * Temp folders for the test file that imports this module, removed after its last test: a run leaves nothing
 * in the temp dir (the global teardown checks, see temp-session.ts).
 */

const created: string[] = [];

/** A fresh, empty folder `<temp dir>/<prefix>XXXXXX`, removed after this test file's tests. */
export function tempDir(prefix: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  created.push(dir);
  return dir;
}

// Registered when a test file imports this module, so no test file has to remember its own cleanup.
afterAll(() => {
  for (const dir of created.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});
