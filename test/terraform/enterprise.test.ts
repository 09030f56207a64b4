import * as fs from 'node:fs';
import { ENTERPRISE } from '../fixtures/enterprise';
import { resourcesOf, synthesize } from '../support/synth';
import { copyStackForCheck, describeWithTerraform, expectCleanPlan, terraformCheck } from '../support/terraform';

/** Every enterprise knob (and a dual-stack NLB) validated and planned offline by real Terraform: one init, one plan. */
describeWithTerraform('terraform validate and plan of an environment with every enterprise setting', (mirror) => {
  test('plans to create exactly the synthesized resources, with no warning', async () => {
    const stack = synthesize([ENTERPRISE]).get(ENTERPRISE.name)!;
    // The settings are in the configuration Terraform planned, not only in the TypeScript.
    expect(Object.keys(resourcesOf(stack.json, 'aws_vpc_endpoint'))).toHaveLength(4);
    expect(Object.values(resourcesOf(stack.json, 'aws_iam_role')).every((role) => role.permissions_boundary !== undefined)).toBe(true);
    const workDir = copyStackForCheck(stack.dir);
    try {
      expectCleanPlan(await terraformCheck(workDir, mirror), stack.json);
    } finally {
      fs.rmSync(workDir, { recursive: true, force: true });
    }
  }, 300_000);
});
