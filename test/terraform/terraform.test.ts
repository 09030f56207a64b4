import * as fs from 'node:fs';
import * as path from 'node:path';
import { ACCELERATOR_ONLY, EXISTING_ADDRESSES, FULL, MINIMAL, TWO_ALBS } from '../fixtures/environments';
import { synthesize } from '../support/synth';
import {
  copyStackForCheck,
  describeWithTerraform,
  expectCleanPlan,
  needsAws,
  terraformCheck,
  type ProviderMirror,
  type TerraformCheckResult,
} from '../support/terraform';

/** init + validate + plan of a stack take 10-60 s on a busy 2-core machine; several run at once. */
const TERRAFORM_TIMEOUT_MS = 300_000;

/** Every mode and front door: ip-sync and alb-target, NLB and accelerator, two ALBs, existing and pooled addresses. */
const FIXTURES = [MINIMAL, FULL, TWO_ALBS, ACCELERATOR_ONLY, EXISTING_ADDRESSES];

describeWithTerraform('terraform init, validate and plan of every mode', describeTerraformChecks);

function describeTerraformChecks(mirror: ProviderMirror): void {
  const stacks = synthesize(FIXTURES);
  const workDirs: string[] = [];
  const checks = new Map<string, Promise<TerraformCheckResult>>();

  /** Starts a check now; its test awaits it, so the stacks' terraform runs overlap. */
  const startCheck = (key: string, stack: string, plan: boolean, prepare: (file: string) => void = () => undefined): void => {
    const workDir = copyStackForCheck(stacks.get(stack)!.dir);
    workDirs.push(workDir);
    prepare(path.join(workDir, 'cdk.tf.json'));
    const check = terraformCheck(workDir, mirror, { plan });
    check.catch(() => undefined); // awaited (and reported) by its test, maybe after it settles
    checks.set(key, check);
  };
  const REJECTED = 'rejected';

  beforeAll(() => {
    for (const [name, { json }] of stacks) startCheck(name, name, needsAws(json).length === 0);
    // A configuration the provider rejects, to prove the harness fails when terraform does.
    startCheck(REJECTED, MINIMAL.name, false, breakFunctionRuntime);
  });
  afterAll(() => workDirs.forEach((dir) => fs.rmSync(dir, { recursive: true, force: true })));

  test.each(FIXTURES.filter((fixture) => needsAws(stacks.get(fixture.name)!.json).length === 0).map(({ name }) => name))(
    `%s: terraform (hashicorp/aws ${mirror.awsVersion}) validates it cleanly and plans to create every synthesized resource`,
    async (name) => expectCleanPlan(await checks.get(name)!, stacks.get(name)!.json),
    TERRAFORM_TIMEOUT_MS,
  );

  test(
    'existing addresses and ALBs found by lookups and imports validate; their plan needs AWS, which the lookups name',
    async () => {
      const { json } = stacks.get(EXISTING_ADDRESSES.name)!;
      expect(needsAws(json)).toEqual([
        expect.stringMatching(/^data\.aws_eip\.static-ips_eip-eu-west-1a_/),
        expect.stringMatching(/^data\.aws_eip\.static-ips_eip-eu-west-1c_/),
        'data.aws_lb.alb-app',
        expect.stringMatching(/^import into aws_eip\.static-ips_eip-eu-west-1b_/),
      ]);
      expect((await checks.get(EXISTING_ADDRESSES.name)!).warnings).toEqual([]);
    },
    TERRAFORM_TIMEOUT_MS,
  );

  test(
    'a configuration the provider rejects fails the check with terraform’s message',
    async () => {
      await expect(checks.get(REJECTED)!).rejects.toThrow(/terraform validate failed[\s\S]*nodejs0\.x/);
    },
    TERRAFORM_TIMEOUT_MS,
  );
}

function breakFunctionRuntime(file: string): void {
  const config = JSON.parse(fs.readFileSync(file, 'utf8'));
  for (const fn of Object.values<{ runtime: string }>(config.resource.aws_lambda_function)) fn.runtime = 'nodejs0.x';
  fs.writeFileSync(file, JSON.stringify(config));
}
