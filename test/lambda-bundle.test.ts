import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { AssetType, TerraformStack } from 'cdktf';
import { LambdaBundle, SYNC_BUNDLE, bundleSyncFunction } from '../modules/lambda-bundle';
import { testApp } from './support/synth';

const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'bundle-'));
afterAll(() => fs.rmSync(outdir, { recursive: true, force: true }));

test('bundles the handler into one CommonJS file exporting `handler`', () => {
  const file = bundleSyncFunction(outdir);
  expect(file).toBe(path.join(outdir, SYNC_BUNDLE.file));
  expect(fs.readdirSync(outdir)).toEqual([SYNC_BUNDLE.file]);
  const bundle = require(file) as { handler?: unknown };
  expect(typeof bundle.handler).toBe('function');
  expect(SYNC_BUNDLE.handler).toBe(`${path.parse(SYNC_BUNDLE.file).name}.handler`);
});

test("credentials come from Lambda's environment: the default chain's SSO, profile, process and web-identity providers are left out", () => {
  const code = fs.readFileSync(bundleSyncFunction(outdir), 'utf8');
  expect(code).toContain('AWS_SESSION_TOKEN');
  for (const provider of ['sso_start_url', 'credential_process', 'AssumeRoleWithWebIdentity']) {
    expect(code).not.toContain(provider);
  }
});

test('the construct zips exactly the bundle folder', () => {
  const stack = new TerraformStack(testApp(), 'stack');
  const bundle = new LambdaBundle(stack, 'code', { outdir });
  expect(bundle.asset.type).toBe(AssetType.ARCHIVE);
  expect(bundle.outdir).toBe(outdir);
  expect(fs.readdirSync(outdir)).toEqual([SYNC_BUNDLE.file]);
  expect(bundle.asset.path).toMatch(/archive\.zip$/);
});
