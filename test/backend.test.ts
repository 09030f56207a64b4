import * as path from 'node:path';
import { TerraformStack, Testing } from 'cdktf';
import type { BackendConfig, EnvironmentConfig } from '../config/types';
import { MINIMAL } from './fixtures/environments';
import { ConfigError, resolveEnvironments } from '../config/validate';
import { backendProblems } from '../config/backend';
import { applyBackend, BackendConfigError } from '../modules/backend';
import { synthesize, testApp } from './support/synth';
import { CLOUD, S3, terraformBlock } from './fixtures/backend';

process.env.CHECKPOINT_DISABLE = '1';

const PROJECT_ROOT = path.resolve(__dirname, '..');

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
      path.join(PROJECT_ROOT, 'state', 'prod.tfstate'),
    );
    expect(terraformBlock('prod', { type: 'local', path: '/srv/state/prod.tfstate' }).backend.local.path).toBe('/srv/state/prod.tfstate');
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
    ['s3 key', { ...S3, key: undefined } as unknown as BackendConfig, 'backend.key is required when backend.type is "s3"'],
    ['s3 region', { ...S3, region: ' ' }, 'backend.region is required when backend.type is "s3"'],
    ['cloud organization', { ...CLOUD, organization: '' }, 'backend.organization is required when backend.type is "cloud"'],
    [
      'cloud workspace',
      { type: 'cloud', organization: 'acme' } as unknown as BackendConfig,
      'backend.workspace is required when backend.type is "cloud"',
    ],
  ];

  it.each(missing)('a missing %s fails naming the environment and the field, before any backend exists', (_, backend, message) => {
    const stack = new TerraformStack(testApp(), 'prod');
    expect(() => applyBackend(stack, { name: 'prod', backend })).toThrow(BackendConfigError);
    expect(() => applyBackend(stack, { name: 'prod', backend })).toThrow(`environment "prod": ${message}`);
    expect(JSON.parse(Testing.synth(stack)).terraform?.backend).toBeUndefined();
  });

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
      'backend.dynamodbTable is not a setting of the s3 backend (fields: type, bucket, key, region, useLockfile)',
    ]);
  });

  it('rejects an unknown backend type and a lockfile flag that is not a boolean', () => {
    expect(backendProblems({ type: 'gcs' } as unknown as BackendConfig)).toEqual(['backend.type "gcs" is not one of local, s3, cloud']);
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
      (stacks.get(name)!.json as unknown as { terraform: { backend: Record<string, unknown> } }).terraform;
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
      ]),
    );
  });

  it('the HCL export carries S3-native locking too', () => {
    const stack = new TerraformStack(testApp(), 'prod');
    applyBackend(stack, { name: 'prod', backend: S3 });
    expect(Testing.synthHcl(stack)).toMatch(/backend "s3" \{[^}]*use_lockfile\s*=\s*true/);
  });
});
