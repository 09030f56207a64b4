import * as path from 'node:path';
import { CloudBackend, LocalBackend, NamedCloudWorkspace, S3Backend, type TerraformBackend, type TerraformStack } from 'cdktf';
import { ENVIRONMENT_DEFAULTS } from '../config/defaults';
import { CLOUD_HOSTNAME_DEFAULT, backendProblems } from '../config/backend';
import type { BackendConfig } from '../config/types';

/** Relative local state paths resolve against the project root, not against cdktf.out, which synth rewrites. */
const PROJECT_ROOT = path.resolve(__dirname, '..');

export const BACKEND_DEFAULTS = {
  /** S3's own lockfile (`<key>.tflock`, Terraform 1.10+) replaces the DynamoDB lock table. */
  useLockfile: true,
  cloudHostname: CLOUD_HOSTNAME_DEFAULT,
} as const;

/** An environment's backend configuration is wrong; the message names the environment and every field at fault. */
export class BackendConfigError extends Error {
  constructor(
    environment: string,
    public readonly problems: readonly string[],
  ) {
    super(problems.map((problem) => `environment ${JSON.stringify(environment)}: ${problem}`).join('\n'));
    this.name = 'BackendConfigError';
  }
}

/**
 * Puts the environment's state where its configuration says: a local file by default (so a fresh clone
 * synthesizes with nothing set up), an S3 object locked by S3's own lockfile, or one HCP Terraform workspace.
 * Throws {@link BackendConfigError} before adding anything when a field is missing or malformed.
 */
export function applyBackend(
  stack: TerraformStack,
  environment: { readonly name: string; readonly backend?: BackendConfig },
): TerraformBackend {
  const backend: BackendConfig = environment.backend ?? ENVIRONMENT_DEFAULTS.backend;
  const problems = backendProblems(backend);
  if (problems.length > 0) throw new BackendConfigError(environment.name, problems);

  switch (backend.type) {
    case 'local':
      return new LocalBackend(stack, {
        path: path.resolve(PROJECT_ROOT, backend.path ?? `terraform.${environment.name}.tfstate`),
      });
    case 's3': {
      const s3 = new S3Backend(stack, { bucket: backend.bucket, key: backend.key, region: backend.region });
      // cdktf 0.21's S3BackendConfig predates `use_lockfile` (Terraform 1.10), so it goes in as an override.
      s3.addOverride('use_lockfile', backend.useLockfile ?? BACKEND_DEFAULTS.useLockfile);
      return s3;
    }
    case 'cloud':
      return new CloudBackend(stack, {
        organization: backend.organization,
        hostname: backend.hostname ?? BACKEND_DEFAULTS.cloudHostname,
        workspaces: new NamedCloudWorkspace(backend.workspace),
      });
  }
}
