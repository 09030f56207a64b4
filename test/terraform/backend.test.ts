import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { MINIMAL } from '../fixtures/environments';
import { CLOUD, S3, terraformBlock } from '../fixtures/backend';
import { synthesize } from '../support/synth';
import { describeWithTerraform, terraformCheck } from '../support/terraform';
import type { JsonObject } from '../support/json';

process.env.CHECKPOINT_DISABLE = '1';
/**
 * Real terraform reads each remote block as its backend: `init` passes the schema and fails only where it
 * first calls the service, which settings added here keep on a closed port of 127.0.0.1.
 */
describeWithTerraform('terraform init with the block', (mirror) => {
  // cdktf checks at synth that terraform supports the `cloud` block (it runs `terraform version`), so a
  // Terraform Cloud environment synthesizes only where terraform is installed.
  it('an environment with a cloud backend synthesizes in the app, beside a local one', () => {
    const stacks = synthesize([
      { ...MINIMAL, name: 'alpha' },
      { ...MINIMAL, name: 'gamma', backend: CLOUD },
    ]);
    const terraform = (name: string) => (stacks.get(name)!.json as unknown as { terraform: JsonObject }).terraform;
    expect(terraform('alpha').backend.local).toBeDefined();
    expect(terraform('gamma').cloud.workspaces).toEqual({ name: 'alb-static-ip-prod' });
  });

  const init = async (terraformBlockJson: Record<string, unknown>): Promise<string> => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'backend-init-'));
    fs.writeFileSync(path.join(dir, 'cdk.tf.json'), JSON.stringify({ terraform: terraformBlockJson }));
    try {
      return await terraformCheck(dir, mirror).then(
        () => 'init succeeded',
        (error: Error) => error.message,
      );
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  };
  const S3_ON_LOOPBACK = {
    endpoints: { s3: 'http://127.0.0.1:9' },
    use_path_style: true,
    skip_credentials_validation: true,
    skip_region_validation: true,
    skip_requesting_account_id: true,
    skip_metadata_api_check: true,
    access_key: 'test',
    secret_key: 'test',
    max_retries: 1,
  };

  it('s3 with use_lockfile: terraform accepts it and goes on to list the bucket', async () => {
    const s3 = { ...terraformBlock('prod', S3).backend.s3, ...S3_ON_LOOPBACK };
    expect(await init({ backend: { s3 } })).toMatch(/ListObjectsV2[\s\S]*dial tcp 127\.0\.0\.1:9: connect: connection refused/);
    // The same harness tells a misspelt setting apart.
    expect(await init({ backend: { s3: { ...s3, use_lock_file: true } } })).toContain('No argument or block type is named "use_lock_file"');
  });

  it('cloud: terraform accepts it and goes on to discover the host', async () => {
    const cloud = { ...terraformBlock('prod', CLOUD).cloud, hostname: 'localhost:9' };
    expect(await init({ cloud })).toMatch(/Failed to request discovery document[\s\S]*localhost:9/);
  });
});
