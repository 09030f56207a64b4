import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { EXAMPLE_ENVIRONMENTS } from '../config/environments';
import { EXPORT_DEFAULTS } from '../scripts/export-hcl';
import { synthesize } from './support/synth';
import {
  describeWithTerraform,
  expectCleanPlan,
  terraformCheck,
  type TerraformCheckResult,
} from './support/terraform';

const execFileAsync = promisify(execFile);
const PROJECT_ROOT = path.resolve(__dirname, '..');
const STACKS = EXAMPLE_ENVIRONMENTS.map(({ name }) => name);
/** cdktf synth (about 10 s here), then init + validate + plan of every stack in parallel on 2 busy cores. */
const EXPORT_TIMEOUT_MS = 180_000;

const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'alb-static-ip-export-'));
const staleFile = path.join(outdir, STACKS[0], 'stale.tf');
/** Every file the export wrote, relative to its folder, listed before terraform adds its own. */
let exported: string[] = [];

beforeAll(async () => {
  fs.mkdirSync(path.dirname(staleFile), { recursive: true });
  fs.writeFileSync(staleFile, 'resource "aws_eip" "left_over" {}\n');
  await execFileAsync('npm', ['run', '--silent', 'export:hcl', '--', '--out', outdir], {
    cwd: PROJECT_ROOT,
    env: { ...process.env, CHECKPOINT_DISABLE: '1' },
  });
  exported = (fs.readdirSync(outdir, { recursive: true }) as string[]).sort();
}, EXPORT_TIMEOUT_MS);
afterAll(() => fs.rmSync(outdir, { recursive: true, force: true }));

test('npm run export:hcl writes one folder per stack holding main.tf and the assets it references, nothing else', () => {
  const topLevel = (stack: string) => exported.filter((file) => path.dirname(file) === stack).sort();
  expect(exported.filter((file) => !file.includes(path.sep))).toEqual([...STACKS].sort());
  for (const stack of STACKS) {
    const dir = path.join(outdir, stack);
    expect(topLevel(stack)).toEqual(
      [EXPORT_DEFAULTS.assetsFolder, EXPORT_DEFAULTS.exportedFile].map((f) => path.join(stack, f))
    );
    const referenced = [...fs.readFileSync(path.join(dir, 'main.tf'), 'utf8').matchAll(/"(assets\/[^"]+\.zip)"/g)];
    expect(referenced.length).toBeGreaterThan(0);
    for (const [, asset] of referenced) expect(fs.statSync(path.join(dir, asset)).size).toBeGreaterThan(0);
  }
});

test('depends_on lists references, not the quoted strings cdktf writes (deprecated since Terraform 0.12)', () => {
  const hcl = fs.readFileSync(path.join(outdir, STACKS[0], EXPORT_DEFAULTS.exportedFile), 'utf8');
  const dependsOn = [...hcl.matchAll(/depends_on\s*=\s*\[([^\]]*)\]/g)].map(([, entries]) => entries);
  expect(dependsOn.length).toBeGreaterThan(0);
  for (const entries of dependsOn) {
    expect(entries).not.toContain('"');
    expect(entries).toMatch(/aws_iam_role_policy\.\S+,/);
  }
});

test('a new export replaces the previous one: no stale file stays in the configuration', () => {
  expect(exported).not.toContain(path.relative(outdir, staleFile));
});

describeWithTerraform('the exported HCL under real terraform', (mirror) => {
  const synthesized = synthesize(EXAMPLE_ENVIRONMENTS);
  const checks = new Map<string, Promise<TerraformCheckResult>>();

  beforeAll(() => {
    for (const stack of STACKS) {
      const dir = path.join(outdir, stack);
      // The exported backend points at this project's real state file: plan against an empty one instead.
      const backendOverride = { terraform: { backend: { local: { path: path.join(dir, 'check.tfstate') } } } };
      fs.writeFileSync(path.join(dir, 'backend_override.tf.json'), JSON.stringify(backendOverride));
      const check = terraformCheck(dir, mirror);
      check.catch(() => undefined); // awaited (and reported) by its test
      checks.set(stack, check);
    }
  });

  test.each(STACKS)(
    `%s: the exported HCL validates offline (hashicorp/aws ${mirror.awsVersion}) and plans exactly the resources of the JSON synth`,
    async (stack) => expectCleanPlan(await checks.get(stack)!, synthesized.get(stack)!.json),
    EXPORT_TIMEOUT_MS
  );
});
