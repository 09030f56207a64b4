import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { TerraformStack, Testing } from 'cdktf';
import type { BackendConfig, EnvironmentConfig } from '../config/types';
import { MINIMAL } from './fixtures/environments';
import { ConfigError, resolveEnvironments } from '../config/validate';
import { backendProblems } from '../config/backend';
import { applyBackend, BackendConfigError } from '../modules/backend';
import { synthesize, testApp } from './support/synth';
import { describeWithTerraform, terraformCheck } from './support/terraform';

process.env.CHECKPOINT_DISABLE = '1';

const PROJECT_ROOT = path.resolve(__dirname, '..');

/** The `terraform` block of a stack whose only content is the backend of this environment. */
function terraformBlock(name: string, backend?: BackendConfig) {
  const stack = new TerraformStack(testApp(), name);
  applyBackend(stack, { name, backend });
  return JSON.parse(Testing.synth(stack)).terraform as Record<string, any>;
}

const S3: BackendConfig = {
  type: 's3',
  bucket: 'acme-terraform-state',
  key: 'alb-static-ip/prod.tfstate',
  region: 'eu-west-1',
};
const CLOUD: BackendConfig = { type: 'cloud', organization: 'acme', workspace: 'alb-static-ip-prod' };

describe('local backend', () => {
  it('is the default: one state file per stack in the project root, whatever the working directory', () => {
    const cwd = process.cwd();
    process.chdir(path.join(PROJECT_ROOT, 'test'));
    try {
      expect(terraformBlock('prod').backend).toEqual({
        local: { path: path.join(PROJECT_ROOT, 'terraform.prod.tfstate') },
      });
    } finally {
      process.chdir(cwd);
    }
  });

  it('resolves a relative path against the project root and keeps an absolute one', () => {
    expect(terraformBlock('prod', { type: 'local', path: 'state/prod.tfstate' }).backend.local.path).toBe(
      path.join(PROJECT_ROOT, 'state', 'prod.tfstate')
    );
    expect(terraformBlock('prod', { type: 'local', path: '/srv/state/prod.tfstate' }).backend.local.path).toBe(
      '/srv/state/prod.tfstate'
    );
  });
});

describe('s3 backend', () => {
  it('writes bucket, key and region with S3-native locking and no DynamoDB table', () => {
    const block = terraformBlock('prod', S3);
    expect(block.backend).toEqual({
      s3: {
        bucket: 'acme-terraform-state',
        key: 'alb-static-ip/prod.tfstate',
        region: 'eu-west-1',
        use_lockfile: true,
      },
    });
    expect(block.backend.s3).not.toHaveProperty('dynamodb_table');
    expect(block).not.toHaveProperty('cloud');
  });

  it('lets locking be turned off explicitly', () => {
    expect(terraformBlock('prod', { ...S3, useLockfile: false }).backend.s3.use_lockfile).toBe(false);
  });
});

describe('cloud backend', () => {
  it('writes a cloud block with the organization, the named workspace and the default hostname', () => {
    const block = terraformBlock('prod', CLOUD);
    expect(block.cloud).toEqual({
      organization: 'acme',
      hostname: 'app.terraform.io',
      workspaces: { name: 'alb-static-ip-prod' },
    });
    expect(block).not.toHaveProperty('backend');
  });

  it('honours a Terraform Enterprise hostname', () => {
    expect(terraformBlock('prod', { ...CLOUD, hostname: 'tfe.example.com' }).cloud.hostname).toBe('tfe.example.com');
  });
});

describe('required and malformed fields', () => {
  const missing: readonly [string, BackendConfig, string][] = [
    ['s3 bucket', { ...S3, bucket: '' }, 'backend.bucket is required when backend.type is "s3"'],
    [
      's3 key',
      { ...S3, key: undefined } as unknown as BackendConfig,
      'backend.key is required when backend.type is "s3"',
    ],
    ['s3 region', { ...S3, region: ' ' }, 'backend.region is required when backend.type is "s3"'],
    [
      'cloud organization',
      { ...CLOUD, organization: '' },
      'backend.organization is required when backend.type is "cloud"',
    ],
    [
      'cloud workspace',
      { type: 'cloud', organization: 'acme' } as unknown as BackendConfig,
      'backend.workspace is required when backend.type is "cloud"',
    ],
  ];

  it.each(missing)(
    'a missing %s fails naming the environment and the field, before any backend exists',
    (_, backend, message) => {
      const stack = new TerraformStack(testApp(), 'prod');
      expect(() => applyBackend(stack, { name: 'prod', backend })).toThrow(BackendConfigError);
      expect(() => applyBackend(stack, { name: 'prod', backend })).toThrow(`environment "prod": ${message}`);
      expect(JSON.parse(Testing.synth(stack)).terraform?.backend).toBeUndefined();
    }
  );

  it('reports every problem at once, malformed values and unknown settings included', () => {
    const backend = {
      type: 's3',
      bucket: 'Acme_State',
      key: '/prod.tfstate',
      region: 'Ireland',
      dynamodbTable: 'locks',
    } as unknown as BackendConfig;
    expect(backendProblems(backend)).toEqual([
      'backend.bucket "Acme_State" is not an S3 bucket name (3-63 lowercase letters, digits, dots and dashes)',
      'backend.key "/prod.tfstate" is not an S3 object key not starting or ending with "/" and without "//"',
      'backend.region "Ireland" is not an AWS region (e.g. eu-west-1)',
      'backend.dynamodbTable is not a setting of the s3 backend (type, bucket, key, region, useLockfile)',
    ]);
  });

  it('rejects an unknown backend type and a lockfile flag that is not a boolean', () => {
    expect(backendProblems({ type: 'gcs' } as unknown as BackendConfig)).toEqual([
      'backend.type "gcs" is not one of local, s3, cloud',
    ]);
    expect(backendProblems({ ...S3, useLockfile: 'yes' } as unknown as BackendConfig)).toEqual([
      'backend.useLockfile "yes" must be true or false',
    ]);
    expect(backendProblems({ ...CLOUD, workspace: 'prod workspace' })).toEqual([
      'backend.workspace "prod workspace" is not a workspace name (at most 90 letters, digits, dashes and underscores)',
    ]);
  });
});

describe('in the app', () => {
  const environment = (name: string, backend?: BackendConfig): EnvironmentConfig => ({
    ...MINIMAL,
    name,
    backend,
  });

  it('each environment synthesizes with its own backend', () => {
    const stacks = synthesize([environment('alpha'), environment('beta', S3)]);
    const terraform = (name: string) =>
      (stacks.get(name)!.json as unknown as { terraform: Record<string, any> }).terraform;
    expect(terraform('alpha').backend).toEqual({ local: { path: path.join(PROJECT_ROOT, 'terraform.alpha.tfstate') } });
    expect(terraform('beta').backend.s3).toMatchObject({ bucket: S3.bucket, use_lockfile: true });
  });

  it('validation of the environments reports backend problems with the others, naming the environment', () => {
    const bad = { ...environment('beta', { ...S3, bucket: '' }), region: 'nowhere' };
    let error: unknown;
    try {
      resolveEnvironments([bad]);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).problems).toEqual(
      expect.arrayContaining([
        'environment "beta": backend.bucket is required when backend.type is "s3"',
        expect.stringContaining('environment "beta": region'),
      ])
    );
  });

  it('the HCL export carries S3-native locking too', () => {
    const stack = new TerraformStack(testApp(), 'prod');
    applyBackend(stack, { name: 'prod', backend: S3 });
    expect(Testing.synthHcl(stack)).toMatch(/backend "s3" \{[^}]*use_lockfile\s*=\s*true/);
  });
});

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
    const terraform = (name: string) =>
      (stacks.get(name)!.json as unknown as { terraform: Record<string, any> }).terraform;
    expect(terraform('alpha').backend.local).toBeDefined();
    expect(terraform('gamma').cloud.workspaces).toEqual({ name: 'alb-static-ip-prod' });
  });

  const init = async (terraformBlockJson: Record<string, unknown>): Promise<string> => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'backend-init-'));
    fs.writeFileSync(path.join(dir, 'cdk.tf.json'), JSON.stringify({ terraform: terraformBlockJson }));
    try {
      return await terraformCheck(dir, mirror).then(
        () => 'init succeeded',
        (error: Error) => error.message
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
    expect(await init({ backend: { s3 } })).toMatch(
      /ListObjectsV2[\s\S]*dial tcp 127\.0\.0\.1:9: connect: connection refused/
    );
    // The same harness tells a misspelt setting apart.
    expect(await init({ backend: { s3: { ...s3, use_lock_file: true } } })).toContain(
      'No argument or block type is named "use_lock_file"'
    );
  });

  it('cloud: terraform accepts it and goes on to discover the host', async () => {
    const cloud = { ...terraformBlock('prod', CLOUD).cloud, hostname: 'localhost:9' };
    expect(await init({ cloud })).toMatch(/Failed to request discovery document[\s\S]*localhost:9/);
  });
});
