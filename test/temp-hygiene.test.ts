import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { tempDir } from './support/temp-dir';
import { closeTempSession, leftovers, TEMP_SESSION_VARIABLE } from './support/temp-session';

describe("the run's own temp folder", () => {
  it('is the temp dir of every test file and of the processes the tests start, so the teardown sees all they leave', () => {
    const session = process.env[TEMP_SESSION_VARIABLE];
    expect(session).toMatch(/alb-static-ip-test-run-\w+$/);
    expect(os.tmpdir()).toBe(session);
    expect(execFileSync(process.execPath, ['-p', "require('node:os').tmpdir()"], { encoding: 'utf8' }).trim()).toBe(session);
    expect(path.dirname(tempDir('probe-'))).toBe(session);
  });

  it('fails the teardown naming what a test left behind, and still removes the folder', () => {
    const dir = tempDir('session-');
    fs.mkdirSync(path.join(dir, 'cdktf.outdir.Ab12Cd'));
    fs.writeFileSync(path.join(dir, 'plan-Xy34Zw'), '');
    expect(() => closeTempSession(dir)).toThrow('the tests left 2 entries in the temp dir: cdktf.outdir.Ab12Cd, plan-Xy34Zw.');
    expect(fs.existsSync(dir)).toBe(false);
  });

  it("passes a folder that holds nothing but a tool's own cache", () => {
    const dir = tempDir('session-');
    fs.mkdirSync(path.join(dir, 'tsx-0'));
    expect(leftovers(dir)).toEqual([]);
    expect(() => closeTempSession(dir)).not.toThrow();
    expect(fs.existsSync(dir)).toBe(false);
  });
});
