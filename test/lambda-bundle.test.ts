import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { unzipSync } from 'fflate';
import { AssetType, TerraformStack } from 'cdktf';
import type { EnvironmentConfig } from '../config/types';
import { LambdaBundle, SYNC_BUNDLE, ZIP_ENTRY, bundleSyncFunction, syncBundleKey, zipFileOf } from '../modules/lambda-bundle';
import { synthesize, testApp } from './support/synth';
import { tempDir } from './support/temp-dir';

const execFileAsync = promisify(execFile);
const PROJECT_ROOT = path.resolve(__dirname, '..');
/** A synth in a fresh process: bundling, zipping, cdktf. Leave room for a busy 2-core machine. */
const CHILD_SYNTH_TIMEOUT_MS = 120_000;

const FIXTURE: EnvironmentConfig = {
  name: 'bundle-fixture',
  region: 'eu-west-1',
  vpcId: 'vpc-0a1b2c3d4e5f60718',
  zones: [{ availabilityZone: 'eu-west-1a', subnetId: 'subnet-0a1b2c3d' }],
  albs: { app: { dnsName: 'internal-app-1234567890.eu-west-1.elb.amazonaws.com' } },
};

const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'bundle-'));
afterAll(() => {
  // The zip is written beside the bundle folder.
  for (const made of [outdir, zipFileOf(outdir)]) fs.rmSync(made, { recursive: true, force: true });
});

test('bundles the handler into one CommonJS file exporting `handler`', () => {
  const file = bundleSyncFunction(outdir);
  expect(file).toBe(path.join(outdir, SYNC_BUNDLE.file));
  expect(fs.readdirSync(outdir)).toEqual([SYNC_BUNDLE.file]);
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- the built bundle, loaded by its path
  const bundle = require(file) as { handler?: unknown };
  expect(typeof bundle.handler).toBe('function');
  expect(SYNC_BUNDLE.handler).toBe(`${path.parse(SYNC_BUNDLE.file).name}.handler`);
});

test(
  "credentials come from Lambda's environment: the default chain's " + 'SSO, profile, process and web-identity providers are left out',
  () => {
    const code = fs.readFileSync(bundleSyncFunction(outdir), 'utf8');
    expect(code).toContain('AWS_SESSION_TOKEN');
    // The web-identity provider is known by its variable: the STS client (interface discovery's role) names the
    // AssumeRoleWithWebIdentity operation itself.
    for (const provider of ['sso_start_url', 'credential_process', 'AWS_WEB_IDENTITY_TOKEN_FILE']) {
      expect(code).not.toContain(provider);
    }
  },
);

test('a bundle is built once per set of inputs: later ones copy it from the cache, keyed by the hash of those inputs', () => {
  const cacheDir = path.join(outdir, 'cache');
  const cached = path.join(cacheDir, syncBundleKey(), SYNC_BUNDLE.file);
  const built = fs.readFileSync(bundleSyncFunction(path.join(outdir, 'first'), cacheDir));
  expect(fs.readFileSync(cached)).toEqual(built);
  // A marked cache entry comes back as it is: the second bundle was copied, not built.
  fs.appendFileSync(cached, '\n// from the cache\n');
  expect(fs.readFileSync(bundleSyncFunction(path.join(outdir, 'second'), cacheDir), 'utf8')).toMatch(/from the cache\n$/);
  fs.rmSync(cacheDir, { recursive: true });
  for (const made of ['first', 'second']) fs.rmSync(path.join(outdir, made), { recursive: true });
});

test("the cache key is the sources' content, not their folder: a copy keys the same, an edited copy does not", () => {
  const copies = SYNC_BUNDLE.sources.map((dir) => path.join(outdir, 'sources', path.basename(dir)));
  SYNC_BUNDLE.sources.forEach((dir, i) => fs.cpSync(dir, copies[i], { recursive: true }));
  const [lambda, shared] = copies;
  expect(syncBundleKey(copies)).toBe(syncBundleKey());
  fs.appendFileSync(path.join(lambda, 'decide.ts'), '\n// edited\n');
  expect(syncBundleKey(copies)).not.toBe(syncBundleKey());
  fs.writeFileSync(path.join(lambda, 'added.ts'), 'export {};\n');
  const withAddedFile = syncBundleKey(copies);
  fs.rmSync(path.join(lambda, 'added.ts'));
  expect(withAddedFile).not.toBe(syncBundleKey(copies));
  // The function imports the formats it shares with the stack: an edit there is an edit of the bundle.
  const edited = syncBundleKey(copies);
  fs.appendFileSync(path.join(shared, 'aws-formats.ts'), '\n// edited\n');
  expect(syncBundleKey(copies)).not.toBe(edited);
  fs.rmSync(path.join(outdir, 'sources'), { recursive: true });
});

test('the construct ships, as a file asset, a compressed zip of exactly the bundle folder, in fixed time and mode', () => {
  const stack = new TerraformStack(testApp(), 'stack');
  const bundle = new LambdaBundle(stack, 'code', { outdir });
  expect(bundle.outdir).toBe(outdir);
  expect(fs.readdirSync(outdir)).toEqual([SYNC_BUNDLE.file]);
  expect(bundle.zipFile).toBe(zipFileOf(outdir));
  expect(bundle.asset.type).toBe(AssetType.FILE);
  expect(bundle.asset.path).toMatch(new RegExp(`/${path.basename(bundle.zipFile)}$`));

  const zip = fs.readFileSync(bundle.zipFile);
  const raw = fs.readFileSync(path.join(outdir, SYNC_BUNDLE.file));
  expect(unzipSync(zip)).toEqual({ [SYNC_BUNDLE.file]: new Uint8Array(raw) });
  expect(zip.length).toBeLessThan(raw.length / 2); // deflated, not stored
  expect(centralDirectory(zip)).toEqual([
    {
      name: SYNC_BUNDLE.file,
      madeBy: ZIP_ENTRY.madeByUnix,
      mode: 0o100644,
      dosDate: '1980-01-01',
      dosTime: '00:00:00',
    },
  ]);
});

test(
  'two syntheses, in different time zones and under different umasks, ship the same zip bytes and the same cdk.tf.json',
  async () => {
    const inProcess = shipped(synthesize([FIXTURE]).get(FIXTURE.name)!.dir);
    const children = [synthesizeInChild('Pacific/Chatham', '077'), synthesizeInChild('America/St_Johns', '002')];
    const [elsewhere, again] = (await Promise.all(children)).map(shipped);
    for (const other of [elsewhere, again]) {
      expect(other.zipName).toBe(inProcess.zipName);
      expect(other.zip.equals(inProcess.zip)).toBe(true);
      expect(other.config).toBe(inProcess.config);
    }
  },
  3 * CHILD_SYNTH_TIMEOUT_MS,
);

/** The asset zip a synthesized stack ships (its path below the stack folder) and the stack's configuration. */
function shipped(stackDir: string): { zipName: string; zip: Buffer; config: string } {
  const zips = (fs.readdirSync(stackDir, { recursive: true }) as string[]).filter((f) => f.endsWith('.zip'));
  expect(zips).toHaveLength(1);
  return {
    zipName: zips[0],
    zip: fs.readFileSync(path.join(stackDir, zips[0])),
    config: fs.readFileSync(path.join(stackDir, 'cdk.tf.json'), 'utf8'),
  };
}

/** Synthesizes the fixture in a fresh node process with this TZ and umask; returns its stack folder. */
async function synthesizeInChild(timeZone: string, umask: string): Promise<string> {
  const childOutdir = fs.mkdtempSync(path.join(outdir, 'child-'));
  const script = [
    "const path = require('node:path');",
    `const { buildApp } = require(${JSON.stringify(path.join(PROJECT_ROOT, 'main.ts'))});`,
    'const [outdir, environment] = process.argv.slice(-2);',
    // The same bundle folder name as test/support/synth.ts: the zip's name is part of the asset path.
    "buildApp([JSON.parse(environment)], { outdir, bundleOutdir: path.join(outdir, 'bundle') }).synth();",
  ].join('\n');
  const tsx = path.join(PROJECT_ROOT, 'node_modules', '.bin', 'tsx');
  await execFileAsync('sh', ['-c', `umask ${umask} && exec "$0" "$@"`, tsx, '-e', script, childOutdir, JSON.stringify(FIXTURE)], {
    cwd: PROJECT_ROOT,
    env: { ...process.env, TZ: timeZone, CHECKPOINT_DISABLE: '1' },
    timeout: CHILD_SYNTH_TIMEOUT_MS,
  });
  return path.join(childOutdir, 'stacks', FIXTURE.name);
}

/** Name, made-by OS, Unix mode and DOS time of each entry of a zip's central directory. */
function centralDirectory(zip: Buffer) {
  const end = zip.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
  const count = zip.readUInt16LE(end + 10);
  let offset = zip.readUInt32LE(end + 16);
  const entries = [];
  for (let i = 0; i < count; i++) {
    const [time, date] = [zip.readUInt16LE(offset + 12), zip.readUInt16LE(offset + 14)];
    const nameLength = zip.readUInt16LE(offset + 28);
    const pad = (n: number) => String(n).padStart(2, '0');
    entries.push({
      name: zip.toString('utf8', offset + 46, offset + 46 + nameLength),
      madeBy: zip.readUInt8(offset + 5),
      mode: zip.readUInt32LE(offset + 38) >>> 16,
      dosDate: `${1980 + (date >> 9)}-${pad((date >> 5) & 15)}-${pad(date & 31)}`,
      dosTime: `${pad(time >> 11)}:${pad((time >> 5) & 63)}:${pad((time & 31) * 2)}`,
    });
    offset += 46 + nameLength + zip.readUInt16LE(offset + 30) + zip.readUInt16LE(offset + 32);
  }
  return entries;
}

describe('in an installed package, which ships the zip this repository built', () => {
  // The compiled package's layout: <root>/modules/lambda-bundle beside <root>/bundle/sync-function.zip.
  const root = tempDir('installed-package-');
  for (const folder of ['modules', 'bundle']) fs.mkdirSync(path.join(root, folder));
  fs.copyFileSync(path.join(PROJECT_ROOT, 'modules', 'lambda-bundle.ts'), path.join(root, 'modules', 'lambda-bundle.ts'));
  fs.symlinkSync(path.join(PROJECT_ROOT, 'node_modules'), path.join(root, 'node_modules'));
  const shippedBytes = Buffer.from('the zip the package ships');
  fs.writeFileSync(path.join(root, 'bundle', 'sync-function.zip'), shippedBytes);
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- the copied module, loaded by its path
  const installed = require(path.join(root, 'modules', 'lambda-bundle.ts')) as typeof import('../modules/lambda-bundle');

  test('the asset is the shipped zip itself: nothing is built or written', () => {
    const made = fs.readdirSync(outdir);
    const bundle = new installed.LambdaBundle(new TerraformStack(testApp(), 'stack'), 'code');
    expect(installed.SHIPPED_BUNDLE_ZIP).toBe(path.join(root, 'bundle', 'sync-function.zip'));
    expect(bundle.zipFile).toBe(installed.SHIPPED_BUNDLE_ZIP);
    expect(bundle.outdir).toBeUndefined();
    expect(fs.readdirSync(outdir)).toEqual(made);
  });

  test('with an outdir, the shipped zip is copied to <outdir>.zip as it is', () => {
    const bundleDir = path.join(root, 'app', 'bundle');
    const bundle = new installed.LambdaBundle(new TerraformStack(testApp(), 'stack'), 'code', { outdir: bundleDir });
    expect(bundle.zipFile).toBe(zipFileOf(bundleDir));
    expect(fs.readFileSync(bundle.zipFile).equals(shippedBytes)).toBe(true);
    expect(bundle.asset.path).toMatch(/\/bundle\.zip$/);
  });
});
