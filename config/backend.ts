import { Token } from 'cdktf';
import { z } from 'zod';
import { awsId, doc, flag, text } from './fields';
import { issueLines } from './issues';

/** The Terraform Cloud hostname a `cloud` backend without one uses. */
export const CLOUD_HOSTNAME_DEFAULT = 'app.terraform.io';

/** Terraform's own rules, checked at synth so that a typo fails here rather than at `terraform init` in CI. */
const TERRAFORM_FORMATS = {
  /** The S3 backend rejects keys that start or end with `/` or hold `//`. */
  key: { pattern: /^(?!\/)(?!.*\/\/)(?!.*\/$).+$/, description: 'an S3 object key not starting or ending with "/" and without "//"' },
  /** HCP Terraform workspace names. */
  workspace: { pattern: /^[A-Za-z0-9_-]{1,90}$/, description: 'a workspace name (at most 90 letters, digits, dashes and underscores)' },
  organization: { pattern: /^[A-Za-z0-9_-]+$/, description: 'an organization name (letters, digits, dashes and underscores)' },
  hostname: {
    pattern: /^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)+(:\d+)?$/,
    description: 'a hostname (e.g. app.terraform.io)',
  },
} as const;

/** A setting a backend type cannot do without: an empty or blank value is as missing as an absent one. */
function requiredSetting(type: string, schema: z.ZodType<string, string>) {
  const required = `is required when backend.type is "${type}"`;
  return z
    .string({ error: required })
    .refine((value) => value.trim() !== '', { error: required, abort: true })
    .pipe(schema);
}

function terraformFormat(format: keyof typeof TERRAFORM_FORMATS) {
  const { pattern, description } = TERRAFORM_FORMATS[format];
  return text(description, (value) => pattern.test(value));
}

const local = z
  .strictObject({
    type: doc(
      z.literal('local'),
      'The backend: `local` (a state file), `s3` or `cloud` (HCP Terraform); the settings below name the type they belong to.',
    ),
    path: doc(
      z.string({ error: 'must be a non-empty file path' }).min(1, { error: 'must be a non-empty file path' }),
      'local: the state file, relative to the project root.',
      'terraform.<stack>.tfstate',
    ).optional(),
  })
  .meta({ fieldNoun: 'a setting of the local backend' });

const s3 = z
  .strictObject({
    type: z.literal('s3'),
    bucket: doc(requiredSetting('s3', awsId('s3BucketName')), 's3: the bucket holding the state.'),
    key: doc(requiredSetting('s3', terraformFormat('key')), "s3: the state object's key."),
    region: doc(requiredSetting('s3', awsId('region')), "s3: the bucket's region."),
    useLockfile: doc(flag(), 's3: S3-native locking (`use_lockfile`, Terraform 1.10+) instead of a DynamoDB table.').default(true),
  })
  .meta({ fieldNoun: 'a setting of the s3 backend' });

const cloud = z
  .strictObject({
    type: z.literal('cloud'),
    organization: doc(requiredSetting('cloud', terraformFormat('organization')), 'cloud: the HCP Terraform organization.'),
    workspace: doc(requiredSetting('cloud', terraformFormat('workspace')), 'cloud: the workspace of this environment.'),
    hostname: doc(terraformFormat('hostname'), 'cloud: HCP Terraform or a Terraform Enterprise host.').default(CLOUD_HOSTNAME_DEFAULT),
  })
  .meta({ fieldNoun: 'a setting of the cloud backend' });

const BACKEND_TYPES = ['local', 's3', 'cloud'] as const;

/** Where an environment's Terraform state lives: `type` says which backend, and which settings it takes. */
export const backendSchema = z.discriminatedUnion('type', [local, s3, cloud], {
  error: (issue) => {
    const type = (issue.input as { type?: unknown } | undefined)?.type;
    return typeof issue.input === 'object' && issue.input !== null
      ? `${JSON.stringify(type)} is not one of ${BACKEND_TYPES.join(', ')}`
      : 'must be an object with a type';
  },
});

export type BackendInput = z.input<typeof backendSchema>;

/**
 * What is wrong with a backend configuration, one line per field (`backend.bucket is required ...`), without the
 * environment's name. The environment's own validation reports the same lines (the backend is a field of its schema).
 */
export function backendProblems(backend: unknown): string[] {
  if (backend === undefined) return [];
  const parsed = backendSchema.safeParse(backend, { reportInput: true });
  return parsed.success ? [] : issueLines(parsed.error.issues, backendSchema, backend, ['backend']);
}

/**
 * Where an environment's state lives, when its backend is remote and given by literals: two environments with one
 * place would overwrite each other's state. Local states are per stack (`terraform.<stack>.tfstate`).
 */
function stateLocation(backend: BackendInput | undefined): string | undefined {
  const values = backend === undefined ? [] : Object.values(backend);
  if (values.some((value) => typeof value === 'string' && Token.isUnresolved(value))) return undefined;
  if (backend?.type === 's3') return `S3 state s3://${backend.bucket}/${backend.key} in ${backend.region}`;
  if (backend?.type === 'cloud') {
    return `Terraform Cloud workspace ${backend.organization}/${backend.workspace} on ${backend.hostname ?? CLOUD_HOSTNAME_DEFAULT}`;
  }
  return undefined;
}

/** One line per state location shared by more than one environment, naming them. */
export function sharedStateProblems(environments: readonly { readonly name: string; readonly backend?: BackendInput }[]): string[] {
  const byLocation = new Map<string, string[]>();
  for (const environment of environments) {
    const location = stateLocation(environment.backend);
    if (location !== undefined) byLocation.set(location, [...(byLocation.get(location) ?? []), JSON.stringify(environment.name)]);
  }
  return [...byLocation]
    .filter(([, names]) => names.length > 1)
    .map(([location, names]) => `environments ${names.join(', ')}: backend is the same ${location}; each environment needs its own state`);
}
