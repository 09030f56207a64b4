import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { App } from 'cdktf';
import { ShopEdgeStack } from '../../examples/embedded/main';
import { resourcesOf, type TerraformJson } from '../support/synth';
import { copyStackForCheck, describeWithTerraform, expectCleanPlan, terraformCheck } from '../support/terraform';

/** examples/embedded: the front doors inside a team's own stack, fed with tokens from the team's own ALB. */
const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'alb-static-ip-example-'));
const app = new App({ outdir });
new ShopEdgeStack(app, 'shop-edge');
app.synth();
const stackDir = path.join(outdir, 'stacks', 'shop-edge');
const json: TerraformJson & { terraform: { backend?: Record<string, unknown> } } = JSON.parse(
  fs.readFileSync(path.join(stackDir, 'cdk.tf.json'), 'utf8'),
);
afterAll(() => fs.rmSync(outdir, { recursive: true, force: true }));

test('the team keeps its provider and backend; the front doors use its ALB by reference', () => {
  expect(json.terraform.backend).toEqual({ s3: expect.objectContaining({ bucket: 'shop-terraform-state' }) });
  expect(json.provider.aws).toEqual([{ region: 'eu-west-1', default_tags: [{ tags: { Team: 'shop' } }] }]);
  const [attachment] = Object.values(resourcesOf(json, 'aws_lb_target_group_attachment'));
  expect(attachment.target_id).toMatch(/^\$\{aws_lb\.alb\.arn\}$/);
  // The listener is made in the same apply: the attachment refers to it, so Terraform makes it first.
  expect(JSON.stringify(attachment.lifecycle.precondition)).toContain('length(aws_lb_listener.alb-https.arn)');
  const [sync] = Object.values(resourcesOf(json, 'aws_lambda_function'));
  expect(sync.environment.variables).toMatchObject({ ALB_DNS_NAME: '${aws_lb.alb.dns_name}', ALB_LISTENER: '443' });
});

describeWithTerraform('terraform validate and plan of the embedded example', (mirror) => {
  test('plans to create exactly the synthesized resources, the team’s and the front doors’', async () => {
    const workDir = copyStackForCheck(stackDir);
    try {
      expectCleanPlan(await terraformCheck(workDir, mirror), json);
    } finally {
      fs.rmSync(workDir, { recursive: true, force: true });
    }
  }, 300_000);
});
