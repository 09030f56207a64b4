import { Token } from 'cdktf';
import { nearest } from './keys';
import type { BackendConfig, EnvironmentConfig } from './types';

/** The fields each backend type takes; the ones listed as required must be non-empty strings. */
const BACKEND_FIELDS = {
  local: { required: [], optional: ['path'] },
  s3: { required: ['bucket', 'key', 'region'], optional: ['useLockfile'] },
  cloud: { required: ['organization', 'workspace'], optional: ['hostname'] },
} as const satisfies Record<BackendConfig['type'], { required: readonly string[]; optional: readonly string[] }>;

type BackendType = keyof typeof BACKEND_FIELDS;

/** Terraform's own rules, checked at synth so that a typo fails here rather than at `terraform init` in CI. */
const PATTERNS = {
  /** S3 general purpose bucket names. */
  bucket: /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/,
  /** The S3 backend rejects keys that start or end with `/` or hold `//`. */
  key: /^(?!\/)(?!.*\/\/)(?!.*\/$).+$/,
  region: /^[a-z]{2}(-[a-z]+)+-\d{1,2}$/,
  /** HCP Terraform workspace names. */
  workspace: /^[A-Za-z0-9_-]{1,90}$/,
  organization: /^[A-Za-z0-9_-]+$/,
  hostname: /^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)+(:\d+)?$/,
} as const;

const DESCRIPTIONS: Readonly<Record<keyof typeof PATTERNS, string>> = {
  bucket: 'an S3 bucket name (3-63 lowercase letters, digits, dots and dashes)',
  key: 'an S3 object key not starting or ending with "/" and without "//"',
  region: 'an AWS region (e.g. eu-west-1)',
  workspace: 'a workspace name (at most 90 letters, digits, dashes and underscores)',
  organization: 'an organization name (letters, digits, dashes and underscores)',
  hostname: 'a hostname (e.g. app.terraform.io)',
};

/**
 * What is wrong with a backend configuration, one line per field (`backend.bucket is required ...`), without
 * the environment's name so that config/validate.ts can report it with the environment's other problems.
 */
export function backendProblems(backend: BackendConfig | undefined): string[] {
  if (backend === undefined) return [];
  if (typeof backend !== 'object' || backend === null) return ['backend must be an object with a type'];
  const type = (backend as { type?: unknown }).type;
  if (!isBackendType(type)) {
    return [`backend.type ${JSON.stringify(type)} is not one of ${Object.keys(BACKEND_FIELDS).join(', ')}`];
  }
  const fields = BACKEND_FIELDS[type];
  const values = backend as unknown as Record<string, unknown>;
  const known = new Set<string>(['type', ...fields.required, ...fields.optional]);
  const problems: string[] = [];
  for (const field of fields.required) {
    const value = values[field];
    if (typeof value !== 'string' || value.trim() === '') {
      problems.push(`backend.${field} is required when backend.type is "${type}"`);
    }
  }
  for (const [field, value] of Object.entries(values)) {
    if (!known.has(field)) {
      const suggestion = nearest(field, [...known]);
      problems.push(
        `backend.${field} is not a setting of the ${type} backend` +
          (suggestion ? `; did you mean ${suggestion}?` : ` (${[...known].join(', ')})`),
      );
    } else if (field in PATTERNS && typeof value === 'string' && value.trim() !== '') {
      const pattern = field as keyof typeof PATTERNS;
      if (!PATTERNS[pattern].test(value)) {
        problems.push(`backend.${field} ${JSON.stringify(value)} is not ${DESCRIPTIONS[pattern]}`);
      }
    }
  }
  if (type === 'local' && values.path !== undefined && (typeof values.path !== 'string' || values.path === '')) {
    problems.push('backend.path must be a non-empty file path');
  }
  if (type === 's3' && values.useLockfile !== undefined && typeof values.useLockfile !== 'boolean') {
    problems.push(`backend.useLockfile ${JSON.stringify(values.useLockfile)} must be true or false`);
  }
  return problems;
}

function isBackendType(type: unknown): type is BackendType {
  return typeof type === 'string' && Object.hasOwn(BACKEND_FIELDS, type);
}

/**
 * Where an environment's state lives, when its backend is remote and given by literals: two environments with one
 * place would overwrite each other's state. Local states are per stack (`terraform.<stack>.tfstate`).
 */
function stateLocation(backend: BackendConfig | undefined): string | undefined {
  const values = backend === undefined ? [] : Object.values(backend);
  if (values.some((value) => typeof value === 'string' && Token.isUnresolved(value))) return undefined;
  if (backend?.type === 's3') return `S3 state s3://${backend.bucket}/${backend.key} in ${backend.region}`;
  if (backend?.type === 'cloud') {
    return `Terraform Cloud workspace ${backend.organization}/${backend.workspace} on ${backend.hostname ?? CLOUD_HOSTNAME_DEFAULT}`;
  }
  return undefined;
}

/** The Terraform Cloud hostname a `cloud` backend without one uses. */
export const CLOUD_HOSTNAME_DEFAULT = 'app.terraform.io';

/** One line per state location shared by more than one environment, naming them. */
export function sharedStateProblems(environments: readonly EnvironmentConfig[]): string[] {
  const byLocation = new Map<string, string[]>();
  for (const environment of environments) {
    const location = stateLocation(environment?.backend);
    if (location !== undefined) byLocation.set(location, [...(byLocation.get(location) ?? []), JSON.stringify(environment.name)]);
  }
  return [...byLocation]
    .filter(([, names]) => names.length > 1)
    .map(([location, names]) => `environments ${names.join(', ')}: backend is the same ${location}; each environment needs its own state`);
}
