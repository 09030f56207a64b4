import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import type { EnvironmentConfig } from '../../config/types';
import { EXPORT_DEFAULTS } from '../../scripts/export-hcl';
import { safetyBlocksOfHcl, safetyBlocksOfJson } from '../../scripts/safety-blocks';
import { deployStack, planAgainst, type Deployed, type PlanAgainstResult } from '../support/deployed-state';
import { synthesize } from '../support/synth';
import { describeWithTerraform, expectCleanPlan, needsAws, terraformCheck, type TerraformCheckResult } from '../support/terraform';

const execFileAsync = promisify(execFile);
const PROJECT_ROOT = path.resolve(__dirname, '..', '..');
/** cdktf synth (about 10 s alone, minutes on 2 cores other runs share), then terraform in parallel. */
const EXPORT_TIMEOUT_MS = 600_000;
/** A deploy "as if" is three plans, the plan of the export one more. */
const DEPLOY_TIMEOUT_MS = 600_000;

// The fixture environments, in one place: adapt them here when the configuration changes.
const FIXTURES: readonly EnvironmentConfig[] = [
  {
    name: 'export-a',
    region: 'eu-west-1',
    vpcId: 'vpc-0a1b2c3d4e5f60718',
    zones: [
      { availabilityZone: 'eu-west-1a', subnetId: 'subnet-0a1b2c3d4e5f60001' },
      { availabilityZone: 'eu-west-1b', subnetId: 'subnet-0a1b2c3d' },
    ],
    albs: {
      app: {
        dnsName: 'internal-app-1234567890.eu-west-1.elb.amazonaws.com',
        arn: 'arn:aws:elasticloadbalancing:eu-west-1:123456789012:loadbalancer/app/app/50dc6c495c0c9188',
        securityGroupId: 'sg-0a1b2c3d4e5f60718',
      },
    },
    // Both modes and the accelerator: aliased provider, lifecycle blocks and preconditions go through the export.
    routes: [{ listenerPort: 80 }, { listenerPort: 443, mode: 'alb-target' }],
    frontDoors: { globalAccelerator: {} },
    tags: { Service: 'export-test' },
  },
  {
    name: 'export-b',
    region: 'us-east-1',
    vpcId: 'vpc-1a2b3c4d',
    zones: [{ availabilityZone: 'us-east-1a', subnetId: 'subnet-1a2b3c4d' }],
    albs: { other: { dnsName: 'internal-other-987654321.us-east-1.elb.amazonaws.com' } },
    routes: [{ listenerPort: 443 }],
  },
  {
    // An adopted address: its import block must survive the export (importing needs AWS, so it is not planned).
    name: 'export-c',
    region: 'us-east-1',
    vpcId: 'vpc-1a2b3c4d',
    zones: [
      {
        availabilityZone: 'us-east-1a',
        subnetId: 'subnet-1a2b3c4d',
        staticIp: { allocationId: 'eipalloc-0a1b2c3d4e5f60718', adopt: true },
      },
    ],
    albs: { other: { dnsName: 'internal-other-987654321.us-east-1.elb.amazonaws.com' } },
    routes: [{ listenerPort: 443 }],
  },
];
const STACKS = FIXTURES.map(({ name }) => name);

const workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'alb-static-ip-export-'));
const outdir = path.join(workDir, 'hcl');
const staleFile = path.join(outdir, STACKS[0], 'stale.tf');
const mainTf = (stack: string) => fs.readFileSync(path.join(outdir, stack, EXPORT_DEFAULTS.exportedFile), 'utf8');
/** Every file the export wrote, relative to its folder, listed before terraform adds its own. */
let exported: string[] = [];

describeWithTerraform('npm run export:hcl', (mirror) => {
  const synthesized = synthesize(FIXTURES);
  /** The JSON synth of the first stack "as if deployed": made while the export runs, planned with the export after. */
  let deployed: Promise<Deployed>;

  beforeAll(async () => {
    deployed = deployStack(synthesized.get(STACKS[0])!.dir, mirror);
    deployed.catch(() => undefined); // awaited (and reported) by the test that plans against it
    fs.mkdirSync(path.dirname(staleFile), { recursive: true });
    fs.writeFileSync(staleFile, 'resource "aws_eip" "left_over" {}\n');
    const app = 'npx tsx test/support/fixture-app.ts';
    await execFileAsync('npm', ['run', '--silent', 'export:hcl', '--', '--out', outdir, '--app', app], {
      cwd: PROJECT_ROOT,
      env: {
        ...process.env,
        CHECKPOINT_DISABLE: '1',
        FIXTURE_ENVIRONMENTS: JSON.stringify(FIXTURES),
        // The bundle folder's name names the zip, so it is the one test/support/synth.ts uses for the JSON synth.
        FIXTURE_BUNDLE_OUTDIR: path.join(workDir, 'bundle'),
      },
    });
    exported = (fs.readdirSync(outdir, { recursive: true }) as string[]).sort();
  }, EXPORT_TIMEOUT_MS);
  afterAll(() => {
    fs.rmSync(workDir, { recursive: true, force: true });
  });

  test('writes one folder per stack holding main.tf and the assets it references, nothing else', () => {
    const topLevel = (stack: string) => exported.filter((file) => path.dirname(file) === stack).sort();
    expect(exported.filter((file) => !file.includes(path.sep))).toEqual([...STACKS].sort());
    for (const stack of STACKS) {
      expect(topLevel(stack)).toEqual([EXPORT_DEFAULTS.assetsFolder, EXPORT_DEFAULTS.exportedFile].map((f) => path.join(stack, f)));
      const referenced = [...mainTf(stack).matchAll(/"(assets\/[^"]+\.zip)"/g)];
      expect(referenced.length).toBeGreaterThan(0);
      for (const [, asset] of referenced) expect(fs.statSync(path.join(outdir, stack, asset)).size).toBeGreaterThan(0);
    }
  });

  test('depends_on lists references, not the quoted strings cdktf writes (deprecated since Terraform 0.12)', () => {
    const dependsOn = [...mainTf(STACKS[0]).matchAll(/depends_on\s*=\s*\[([^\]]*)\]/g)].map(([, entries]) => entries);
    expect(dependsOn.length).toBeGreaterThan(0);
    for (const entries of dependsOn) {
      expect(entries).not.toContain('"');
      expect(entries).toMatch(/aws_iam_role_policy\.\S+,/);
    }
  });

  test('a new export replaces the previous one: no stale file stays in the configuration', () => {
    expect(exported).not.toContain(path.relative(outdir, staleFile));
  });

  test('is formatted as terraform fmt formats it', async () => {
    await expect(
      execFileAsync('terraform', ['fmt', '-check', '-recursive', '-diff', '-no-color', outdir], {
        env: { ...process.env, CHECKPOINT_DISABLE: '1' },
      }),
    ).resolves.toBeDefined();
  });

  test('names no path of this machine: the local state path is relative to the stack folder, and the same file', () => {
    for (const stack of STACKS) {
      const localBackend = /backend\s+"local"\s*\{[^}]*path\s*=\s*"([^"]+)"/;
      const statePath = localBackend.exec(mainTf(stack))![1];
      // Relative to the stack folder, and the file the JSON synth's stack uses (exported to a temp folder here,
      // it climbs to the project; from the default hcl/<stack>/ it is ../../terraform.<stack>.tfstate).
      expect(path.isAbsolute(statePath)).toBe(false);
      const { terraform } = synthesized.get(stack)!.json as unknown as {
        terraform: { backend: { local: { path: string } } };
      };
      expect(path.resolve(outdir, stack, statePath)).toBe(terraform.backend.local.path);

      const hcl = mainTf(stack).replace(statePath, '');
      for (const machinePath of [PROJECT_ROOT, os.tmpdir(), workDir]) expect(hcl).not.toContain(machinePath);
      // Absolute paths would be quoted strings starting with "/": only CloudWatch log group names and the
      // alb-target health check path ("/") do.
      expect([...hcl.matchAll(/"(\/[^"]*)"/g)].map(([, s]) => s).filter((s) => !s.startsWith('/aws/') && s !== '/')).toEqual([]);
    }
  });

  test(`requires hashicorp/aws by a range admitting the bindings' version and the tested ${mirror.awsVersion}, not the next major`, () => {
    const requirement = /required_providers\s*\{\s*aws\s*=\s*\{([^}]*)\}/.exec(mainTf(STACKS[0]))![1];
    expect(/source\s*=\s*"([^"]+)"/.exec(requirement)![1]).toBe('hashicorp/aws');
    const constraint = /version\s*=\s*"([^"]+)"/.exec(requirement)![1];
    const manifest = fs.readFileSync(require.resolve('@cdktf/provider-aws/package.json'), 'utf8');
    const bindings = (JSON.parse(manifest) as { cdktf: { provider: { version: string } } }).cdktf.provider.version;
    expect(admits(constraint, bindings)).toBe(true);
    expect(admits(constraint, mirror.awsVersion)).toBe(true);
    expect(admits(constraint, `${Number(bindings.split('.')[0]) + 1}.0.0`)).toBe(false);
  });

  test.each(STACKS)('%s: main.tf holds the safety blocks of the JSON synthesis, block by block', (stack) => {
    const expected = safetyBlocksOfJson(synthesized.get(stack)!.json as unknown as Record<string, unknown>);
    // The kinds every stack writes, so the comparison cannot pass on two empty lists.
    for (const kind of ['removed ', 'moved ', ' lifecycle.prevent_destroy=true', ' lifecycle.create_before_destroy=true']) {
      expect(expected.some((line) => line.includes(kind))).toBe(true);
    }
    expect(safetyBlocksOfHcl(mainTf(stack))).toEqual(expected);
  });

  test('the adopted address keeps its import block', () => {
    expect(safetyBlocksOfHcl(mainTf('export-c')).filter((line) => line.startsWith('import '))).toEqual([
      expect.stringMatching(/^import aws_eip\.static-ips_eip-us-east-1a_[0-9A-F]{8} id=eipalloc-0a1b2c3d4e5f60718$/),
    ]);
  });

  describe('under real terraform', () => {
    /** The stacks that plan offline (an import reads from AWS). */
    const offline = STACKS.filter((stack) => needsAws(synthesized.get(stack)!.json).length === 0);
    const checks = new Map<string, Promise<TerraformCheckResult>>();
    let exportAgainstJson: Promise<PlanAgainstResult>;
    const checkDirs: string[] = [];

    beforeAll(() => {
      for (const stack of offline) {
        // A copy, so the export itself stays as written for the plan against the deployed state.
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), `tf-check-export-${stack}-`));
        checkDirs.push(dir);
        fs.cpSync(path.join(outdir, stack), dir, { recursive: true });
        // The exported backend points at this project's real state file: plan against an empty one instead.
        const backendOverride = { terraform: { backend: { local: { path: path.join(dir, 'check.tfstate') } } } };
        fs.writeFileSync(path.join(dir, 'backend_override.tf.json'), JSON.stringify(backendOverride));
        const check = terraformCheck(dir, mirror);
        check.catch(() => undefined); // awaited (and reported) by its test
        checks.set(stack, check);
      }
      exportAgainstJson = deployed.then((state) => planAgainst(state, path.join(outdir, STACKS[0])));
      exportAgainstJson.catch(() => undefined);
    });
    afterAll(async () => {
      await Promise.allSettled([...checks.values(), exportAgainstJson]);
      (await deployed.catch(() => undefined))?.dispose();
      checkDirs.forEach((dir) => fs.rmSync(dir, { recursive: true, force: true }));
    });

    test.each(offline)(
      `%s: validates offline (hashicorp/aws ${mirror.awsVersion}) and plans exactly the resources of the JSON synth`,
      async (stack) => expectCleanPlan(await checks.get(stack)!, synthesized.get(stack)!.json),
      EXPORT_TIMEOUT_MS,
    );

    test(
      `${STACKS[0]}: switching from the JSON synth to the export plans no change against the state the JSON deployed`,
      async () => {
        const result = await exportAgainstJson;
        expect(result.error).toBeUndefined();
        expect(result.changes).toEqual([]);
        expect(result.outputChanges).toEqual([]);
      },
      DEPLOY_TIMEOUT_MS,
    );
  });
});

/** Whether a constraint made of `>=`, `>`, `<=`, `<` and `=` parts (the ones the export writes) admits a version. */
function admits(constraint: string, version: string): boolean {
  const compare = (a: string, b: string) => {
    const [pa, pb] = [a, b].map((v) => v.split('.').map(Number));
    return pa.reduce((order, part, i) => order || part - (pb[i] ?? 0), 0);
  };
  return constraint.split(',').every((part) => {
    const [, operator, bound] = /^\s*(>=|<=|>|<|=)?\s*(\d+(?:\.\d+)*)\s*$/.exec(part) ?? [];
    if (bound === undefined) throw new Error(`unsupported version constraint part "${part}"`);
    const order = compare(version, bound);
    return { '>=': order >= 0, '>': order > 0, '<=': order <= 0, '<': order < 0, '=': order === 0 }[operator ?? '='];
  });
}
