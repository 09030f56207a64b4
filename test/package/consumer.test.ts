/**
 * The package as a team gets it: `npm pack` (which builds it: tsc and the tested bundle), the tarball installed
 * into a scratch CDKTF app (test/package/app) beside the app's own cdktf, constructs and AWS provider and nothing
 * else, the app type-checked against the package's declarations, synthesized, and validated by terraform.
 */
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { TerraformStack } from 'cdktf';
import { LambdaBundle, SHIPPED_BUNDLE_ZIP } from '../../modules/lambda-bundle';
import { resourcesOf, testApp, type TerraformJson } from '../support/synth';
import { tempDir } from '../support/temp-dir';
import { copyStackForCheck, describeWithTerraform, offlineTerraform, validationWarnings } from '../support/terraform';

const run = promisify(execFile);
const PROJECT_ROOT = path.resolve(__dirname, '..', '..');
const APP_SOURCES = path.join(__dirname, 'app');
const STACK = 'team-edge';
const PACKAGE_JSON = JSON.parse(fs.readFileSync(path.join(PROJECT_ROOT, 'package.json'), 'utf8')) as {
  name: string;
  peerDependencies: Record<string, string>;
  devDependencies: Record<string, string>;
};

/**
 * What a CDKTF app in TypeScript has anyway (`cdktf init --template typescript` makes these), at the versions this
 * repository tests with: the package's peers, tsc and Node's types (the schema library's declarations name `URL`).
 */
const APP_DEPENDENCIES = [...Object.keys(PACKAGE_JSON.peerDependencies), 'typescript', '@types/node'];

/** Needed to build the package, never to use it: the bundle holds its own copies. */
const BUILD_ONLY = ['esbuild', 'fflate', 'dns-packet', '@types/dns-packet', '@aws-sdk/client-s3', '@smithy/core', 'tsx'];

/** What the tarball may hold: the compiled code and its declarations, the tested bundle, the docs. */
const PACKED_FILE = /^(lib\/.+\.(js|d\.ts)|lib\/bundle\/sync-function\.zip|package\.json|README\.md|UPGRADING\.md)$/;

interface PackResult {
  readonly filename: string;
  readonly size: number;
  readonly unpackedSize: number;
  readonly entryCount: number;
  readonly files: readonly { path: string }[];
}

const work = tempDir('alb-static-ip-package-');
const appDir = path.join(work, 'app');
const outdir = path.join(work, 'cdktf.out');
const stackDir = path.join(outdir, 'stacks', STACK);
const started = Date.now();
const phases: string[] = [];

/** Runs a command in `cwd` and records its wall time; throws with its output when it fails. */
async function step(name: string, command: string, args: readonly string[], cwd: string, env: NodeJS.ProcessEnv = {}): Promise<string> {
  const start = Date.now();
  try {
    const { stdout } = await run(command, args, {
      cwd,
      env: { ...process.env, CHECKPOINT_DISABLE: '1', ...env },
      maxBuffer: 64 * 1024 * 1024,
    });
    return stdout;
  } catch (error) {
    const { stdout, stderr } = error as { stdout?: string; stderr?: string };
    throw new Error(`${name} failed in ${cwd}:\n${stderr ?? ''}\n${stdout ?? ''}`, { cause: error });
  } finally {
    phases.push(`${name} ${((Date.now() - start) / 1000).toFixed(1)} s`);
  }
}

let packed: PackResult;
let json: TerraformJson;

beforeAll(async () => {
  const packOutput = await step('npm pack', 'npm', ['pack', '--json', '--pack-destination', work], PROJECT_ROOT);
  // npm prints the build's output before the JSON: the JSON is the last thing it prints.
  [packed] = JSON.parse(packOutput.slice(packOutput.lastIndexOf('\n[') + 1)) as PackResult[];

  fs.cpSync(APP_SOURCES, appDir, { recursive: true });
  const app = {
    name: 'team-edge',
    private: true,
    dependencies: {
      [PACKAGE_JSON.name]: `file:${path.join(work, packed.filename)}`,
      ...Object.fromEntries(APP_DEPENDENCIES.map((name) => [name, PACKAGE_JSON.devDependencies[name]])),
    },
  };
  fs.writeFileSync(path.join(appDir, 'package.json'), JSON.stringify(app, null, 2));
  // The cache is warm after the repository's own `npm ci`: the same versions come from it.
  await step('npm install', 'npm', ['install', '--prefer-offline', '--no-audit', '--no-fund'], appDir);
  await step('tsc', path.join(appDir, 'node_modules', '.bin', 'tsc'), ['-p', '.'], appDir);
  await step('synth', process.execPath, ['main.js'], appDir, { CDKTF_OUTDIR: outdir });
  json = JSON.parse(fs.readFileSync(path.join(stackDir, 'cdk.tf.json'), 'utf8'));
}, 900_000);

afterAll(() => {
  if (packed) {
    console.log(
      `package: ${packed.filename}, ${packed.entryCount} files, ${(packed.size / 1024).toFixed(1)} KB packed, ` +
        `${(packed.unpackedSize / 1024).toFixed(1)} KB ` +
        `unpacked; ${phases.join(', ')}; ${((Date.now() - started) / 1000).toFixed(0)} s in all`,
    );
  }
});

test('the tarball holds the compiled code, its declarations, the tested bundle and the docs: no sources, no tests', () => {
  const files = packed.files.map((file) => file.path);
  expect(files.filter((file) => !PACKED_FILE.test(file))).toEqual([]);
  expect(files).toEqual(expect.arrayContaining(['lib/index.js', 'lib/index.d.ts', 'lib/bundle/sync-function.zip', 'README.md']));
});

test('the app installs the package with nothing the package only needs to be built', () => {
  const installed = (name: string) => fs.existsSync(path.join(appDir, 'node_modules', name, 'package.json'));
  expect(installed(PACKAGE_JSON.name)).toBe(true);
  expect(BUILD_ONLY.filter(installed)).toEqual([]);
});

test('the synthesized function ships the zip this repository builds and tests, byte for byte, as shipped in the package', () => {
  const [fn] = Object.values(resourcesOf(json, 'aws_lambda_function'));
  const shipped = fs.readFileSync(path.join(stackDir, fn.filename));
  const repositoryBuild = new LambdaBundle(new TerraformStack(testApp(), 'repository'), 'code', { outdir: path.join(work, 'bundle') });
  expect(shipped.equals(fs.readFileSync(repositoryBuild.zipFile))).toBe(true);
  const inPackage = path.join(appDir, 'node_modules', PACKAGE_JSON.name, 'lib', path.relative(PROJECT_ROOT, SHIPPED_BUNDLE_ZIP));
  expect(shipped.equals(fs.readFileSync(inPackage))).toBe(true);
});

test("the accelerator's us-west-2 provider takes the team provider's assumed role and default tags", () => {
  expect(json.provider.aws).toEqual([
    {
      region: 'eu-west-1',
      assume_role: [{ role_arn: 'arn:aws:iam::123456789012:role/team-deploy' }],
      default_tags: [{ tags: { Team: 'edge' } }],
    },
    {
      alias: 'global-accelerator',
      region: 'us-west-2',
      assume_role: [{ role_arn: 'arn:aws:iam::123456789012:role/team-deploy' }],
      default_tags: [{ tags: { Team: 'edge' } }],
    },
  ]);
});

describeWithTerraform('terraform validate of the scratch app’s stack', (mirror) => {
  test('is valid, without warnings', async () => {
    const dir = copyStackForCheck(stackDir);
    try {
      const terraform = offlineTerraform(dir, mirror);
      await terraform('init', '-input=false', '-no-color');
      expect(await validationWarnings(terraform)).toEqual([]);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
