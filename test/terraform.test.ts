import * as fs from 'node:fs';
import * as path from 'node:path';
import { EXAMPLE_ENVIRONMENTS } from '../config/environments';
import { synthesize } from './support/synth';
import {
  copyStackForCheck,
  describeWithTerraform,
  expectCleanPlan,
  terraformCheck,
  type ProviderMirror,
  type TerraformCheckResult,
} from './support/terraform';

/** init + validate + plan of two stacks in parallel take about 10 s on 2 cores; leave room for a busy machine. */
const TERRAFORM_TIMEOUT_MS = 180_000;

describeWithTerraform('terraform init, validate and plan of every example stack', describeTerraformChecks);

function describeTerraformChecks(mirror: ProviderMirror): void {
  const stacks = synthesize(EXAMPLE_ENVIRONMENTS);
  const workDirs: string[] = [];
  const checks = new Map<string, Promise<TerraformCheckResult>>();

  /** Starts a check now; its test awaits it, so the stacks' terraform runs overlap. */
  const startCheck = (key: string, stack: string, prepare: (file: string) => void = () => undefined): void => {
    const workDir = copyStackForCheck(stacks.get(stack)!.dir);
    workDirs.push(workDir);
    prepare(path.join(workDir, 'cdk.tf.json'));
    const check = terraformCheck(workDir, mirror);
    check.catch(() => undefined); // awaited (and reported) by its test, maybe after it settles
    checks.set(key, check);
  };
  const REJECTED = 'rejected';

  beforeAll(() => {
    for (const name of stacks.keys()) startCheck(name, name);
    // A configuration the provider rejects, to prove the harness fails when terraform does.
    startCheck(REJECTED, EXAMPLE_ENVIRONMENTS[0].name, breakFunctionRuntime);
  });
  afterAll(() => workDirs.forEach((dir) => fs.rmSync(dir, { recursive: true, force: true })));

  test.each(EXAMPLE_ENVIRONMENTS.map(({ name }) => name))(
    `%s: terraform (hashicorp/aws ${mirror.awsVersion}) validates it cleanly and plans to create every synthesized resource`,
    async (name) => expectCleanPlan(await checks.get(name)!, stacks.get(name)!.json),
    TERRAFORM_TIMEOUT_MS,
  );

  test(
    'a configuration the provider rejects fails the check with terraform’s message',
    async () => {
      await expect(checks.get(REJECTED)!).rejects.toThrow(/terraform (validate|plan) failed[\s\S]*nodejs0\.x/);
    },
    TERRAFORM_TIMEOUT_MS,
  );
}

function breakFunctionRuntime(file: string): void {
  const config = JSON.parse(fs.readFileSync(file, 'utf8'));
  for (const fn of Object.values<{ runtime: string }>(config.resource.aws_lambda_function)) fn.runtime = 'nodejs0.x';
  fs.writeFileSync(file, JSON.stringify(config));
}
