import * as fs from 'node:fs';
import { ENVIRONMENTS } from '../../config/environments';
import { resolveEnvironments } from '../../config/validate';
import { synthesize } from '../support/synth';
import { copyStackForCheck, describeWithTerraform, expectCleanPlan, needsAws, terraformCheck } from '../support/terraform';

/**
 * The one test that reads config/environments.ts: whatever environments are configured there (the examples, or
 * the team's own that replaced them) validate, synthesize, and pass terraform's validate and offline plan.
 * Stacks that look things up in AWS (existing addresses, ALBs by name) or import are validated only.
 */
const TERRAFORM_TIMEOUT_MS = 300_000;

test('the configured environments validate', () => {
  expect(resolveEnvironments(ENVIRONMENTS)).toHaveLength(ENVIRONMENTS.length);
});

describeWithTerraform('terraform validate and plan of the configured environments', (mirror) => {
  const stacks = synthesize(ENVIRONMENTS);
  const workDirs: string[] = [];
  afterAll(() => {
    workDirs.forEach((dir) => fs.rmSync(dir, { recursive: true, force: true }));
  });

  test.each(ENVIRONMENTS.map(({ name }) => name))(
    '%s',
    async (name) => {
      const { dir, json } = stacks.get(name)!;
      const workDir = copyStackForCheck(dir);
      workDirs.push(workDir);
      const lookups = needsAws(json);
      if (lookups.length > 0) console.warn(`${name}: plan skipped (needs AWS for ${lookups.join(', ')}); validate only`);
      const result = await terraformCheck(workDir, mirror, { plan: lookups.length === 0 });
      if (lookups.length === 0) expectCleanPlan(result, json);
      else expect(result.warnings).toEqual([]);
    },
    TERRAFORM_TIMEOUT_MS,
  );
});
