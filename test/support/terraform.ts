import { execFile, execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import type { TerraformJson } from './synth';
import { described, diagnosticsIn, planMessages, type Diagnostic } from './terraform-json';

/**
 * Real Terraform against the offline provider mirror of this machine image, with no network: reusable for
 * synthesized stacks (cdk.tf.json) and for HCL exports alike.
 */

const run = promisify(execFile);

/** A filesystem mirror of hashicorp/aws: the folder holding `registry.terraform.io`, and the version in it. */
export interface ProviderMirror {
  readonly dir: string;
  readonly awsVersion: string;
}

/** What a terraform check found. */
export interface TerraformCheckResult {
  /** Addresses of the resources the plan creates, sorted. */
  readonly toCreate: readonly string[];
  /** Resource changes that are not creations, as `address: action` (must be none for a fresh configuration). */
  readonly otherChanges: readonly string[];
  /** The configuration's warnings (`plan -json` diagnostics, or `validate` where it cannot plan), as `summary: detail`. */
  readonly warnings: readonly string[];
}

export type TerraformAvailability =
  { readonly available: true; readonly mirror: ProviderMirror } | { readonly available: false; readonly reason: string };

/** CI (or REQUIRE_TERRAFORM=1) turns a missing terraform or mirror from a skip into a failure. */
export const terraformRequired = process.env.CI === 'true' || process.env.REQUIRE_TERRAFORM === '1';

/**
 * The provider mirror: the parent of the `registry.terraform.io` folder found within three levels of `/`,
 * holding hashicorp/aws in the unpacked layout (`hashicorp/aws/<version>/<os>_<arch>`).
 */
export function findProviderMirror(): ProviderMirror | undefined {
  let found: string;
  try {
    found = execFileSync('find', ['/', '-maxdepth', '3', '-type', 'd', '-name', 'registry.terraform.io'], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    });
  } catch (error) {
    // find exits non-zero on unreadable folders yet still prints what it found.
    found = String((error as { stdout?: string }).stdout ?? '');
  }
  for (const registry of found.split('\n').filter(Boolean)) {
    const awsDir = path.join(registry, 'hashicorp', 'aws');
    const versions = fs.existsSync(awsDir) ? fs.readdirSync(awsDir).filter((v) => /^\d+\.\d+\.\d+$/.test(v)) : [];
    if (versions.length > 0) return { dir: path.dirname(registry), awsVersion: versions.sort(compareVersions).at(-1)! };
  }
  return undefined;
}

/** Whether terraform checks can run here, and why not. */
export function terraformAvailability(): TerraformAvailability {
  try {
    execFileSync('terraform', ['version'], { stdio: 'ignore', env: terraformEnv() });
  } catch {
    return { available: false, reason: 'terraform is not on PATH' };
  }
  const mirror = findProviderMirror();
  if (!mirror) {
    return {
      available: false,
      reason: 'no hashicorp/aws provider mirror (registry.terraform.io within 3 levels of /)',
    };
  }
  return { available: true, mirror };
}

/**
 * Declares tests that need real terraform: they run where terraform and the mirror are found; elsewhere they
 * are skipped with the reason printed, unless CI=true or REQUIRE_TERRAFORM=1 turns that into a failure.
 */
export function describeWithTerraform(title: string, body: (mirror: ProviderMirror) => void): void {
  const availability = terraformAvailability();
  if (availability.available) {
    describe(title, () => body(availability.mirror));
  } else if (terraformRequired) {
    test(`${title}: terraform and the provider mirror are available (CI=true or REQUIRE_TERRAFORM=1)`, () => {
      throw new Error(`terraform checks are required here, but ${availability.reason}`);
    });
  } else {
    console.warn(`Skipping "${title}": ${availability.reason}. CI=true or REQUIRE_TERRAFORM=1 makes this a failure.`);
    describe.skip(title, () => test('needs terraform', () => undefined));
  }
}

/**
 * Copies a synthesized stack (cdk.tf.json and its assets) into a fresh folder with the default local backend:
 * the check is about the resources, not about where state would live.
 */
export function copyStackForCheck(stackDir: string): string {
  const workDir = fs.mkdtempSync(path.join(os.tmpdir(), `tf-check-${path.basename(stackDir)}-`));
  fs.cpSync(stackDir, workDir, { recursive: true });
  const file = path.join(workDir, 'cdk.tf.json');
  const config = JSON.parse(fs.readFileSync(file, 'utf8'));
  delete config.terraform.backend;
  delete config.terraform.cloud;
  fs.writeFileSync(file, JSON.stringify(config, null, 2));
  return workDir;
}

/**
 * Writes an override file (Terraform merges `*_override.tf.json` into the configuration) that pins the aws
 * provider to the mirror's version and gives every aws provider block (the default and each alias, such as the
 * Global Accelerator's us-west-2 one) fake credentials and no reason to call AWS.
 */
export function writeOfflineOverride(dir: string, mirror: ProviderMirror): void {
  const offline = {
    access_key: 'test',
    secret_key: 'test',
    skip_credentials_validation: true,
    skip_requesting_account_id: true,
    skip_metadata_api_check: true,
  };
  // Aliases declared in the configuration, JSON (cdk.tf.json) or HCL (an exported main.tf).
  const sources = fs.readdirSync(dir).filter((file) => /\.tf(\.json)?$/.test(file) && !file.endsWith('_override.tf.json'));
  const declared = sources.flatMap((file) =>
    [...fs.readFileSync(path.join(dir, file), 'utf8').matchAll(/"?alias"?\s*[:=]\s*"([^"]+)"/g)].map(([, alias]) => alias),
  );
  const aliases: (string | undefined)[] = [undefined, ...new Set(declared)];
  const override = {
    terraform: { required_providers: { aws: { source: 'hashicorp/aws', version: mirror.awsVersion } } },
    provider: { aws: aliases.map((alias) => (alias ? { alias, ...offline } : offline)) },
  };
  fs.writeFileSync(path.join(dir, 'offline_override.tf.json'), JSON.stringify(override, null, 2));
}

/** `terraform validate` in an initialized folder: resolves with the warnings, as `summary: detail`. */
export async function validationWarnings(terraform: TerraformCli): Promise<string[]> {
  const validation = JSON.parse(await terraform('validate', '-json', '-no-color')) as {
    valid: boolean;
    diagnostics: Diagnostic[];
  };
  return described(validation.diagnostics, 'warning');
}

/**
 * `terraform init` and `plan` in `dir` against the mirror, with no network: throws with terraform's output when
 * either fails. The plan validates the configuration first and reports the same warnings `validate` would, so one
 * provider start answers both; with `plan: false` (a configuration that cannot plan offline) it is `validate`.
 */
export async function terraformCheck(
  dir: string,
  mirror: ProviderMirror,
  { plan = true }: { readonly plan?: boolean } = {},
): Promise<TerraformCheckResult> {
  const terraform = offlineTerraform(dir, mirror);
  await initOffline(dir, terraform, mirror);
  if (!plan) return { toCreate: [], otherChanges: [], warnings: await validationWarnings(terraform) };
  return plannedChanges(terraform);
}

/**
 * `terraform plan -refresh=false -json` (plus `planArgs`, e.g. `-destroy`) in an initialized folder: what it would
 * do to resources, whatever the state file there holds, and the warnings of the configuration. Throws with
 * terraform's output when the plan fails.
 */
export async function plannedChanges(terraform: TerraformCli, ...planArgs: string[]): Promise<TerraformCheckResult> {
  // Machine-readable plan output: one JSON message per line, no second provider start for `validate` or `show`.
  const messages = planMessages(await terraform('plan', '-refresh=false', '-input=false', '-lock=false', '-json', ...planArgs));
  // Data sources whose inputs are unknown until apply (policy documents naming new ARNs) plan a `read`.
  const changes = messages
    .flatMap((message) => (message.type === 'planned_change' ? [message.change!] : []))
    .filter((change) => !/(^|\.)data\./.test(change.resource.addr));
  return {
    toCreate: changes
      .filter((c) => c.action === 'create')
      .map((c) => c.resource.addr)
      .sort(),
    otherChanges: changes.filter((c) => c.action !== 'create').map((c) => `${c.resource.addr}: ${c.action}`),
    warnings: described(diagnosticsIn(messages), 'warning'),
  };
}

/**
 * Why a configuration cannot plan offline: data sources that ask AWS (every one but the policy documents Terraform
 * renders itself) and import blocks. Empty when it can.
 */
export function needsAws(json: TerraformJson & { import?: unknown[] }): string[] {
  const lookups = Object.entries(json.data ?? {})
    .filter(([type]) => type !== 'aws_iam_policy_document')
    .flatMap(([type, byName]) => Object.keys(byName).map((name) => `data.${type}.${name}`));
  const imports = (json.import ?? []).map((block) => `import into ${(block as { to: string }).to}`);
  return [...lookups, ...imports];
}

/**
 * How many terraform processes run at once: one per core. Each one that loads the provider keeps a core busy for
 * seconds (and holds 0.6 GB), so started all at once they only queue for the CPU.
 */
export const TERRAFORM_SLOTS = os.availableParallelism();

/**
 * The folder of a jest run (made by the global setup) where its processes share the terraform slots (`slots/<n>`,
 * taken by an atomic mkdir) and count their terraform runs by subcommand (`counts/<pid>`).
 */
export const TERRAFORM_RUN_VARIABLE = 'ALB_STATIC_IP_TERRAFORM_RUN_DIR';

/** Makes the folder of a run's terraform slots and counts, and points TERRAFORM_RUN_VARIABLE at it. */
export function openTerraformRun(parent: string): string {
  const dir = fs.mkdtempSync(path.join(parent, 'alb-static-ip-terraform-run-'));
  for (const sub of ['slots', 'counts']) fs.mkdirSync(path.join(dir, sub));
  process.env[TERRAFORM_RUN_VARIABLE] = dir;
  return dir;
}

let slotsOfThisProcess = 0;

/** Runs `task` once a slot is free: among every process of the jest run, or of this process outside one. */
async function withTerraformSlot<T>(task: () => Promise<T>): Promise<T> {
  const release = await takeSlot(process.env[TERRAFORM_RUN_VARIABLE]);
  try {
    return await task();
  } finally {
    release();
  }
}

async function takeSlot(runDir: string | undefined): Promise<() => void> {
  for (;;) {
    if (runDir === undefined && slotsOfThisProcess < TERRAFORM_SLOTS) {
      slotsOfThisProcess++;
      return () => void slotsOfThisProcess--;
    }
    for (let i = 0; runDir !== undefined && i < TERRAFORM_SLOTS; i++) {
      const slot = path.join(runDir, 'slots', String(i));
      try {
        fs.mkdirSync(slot);
        return () => fs.rmdirSync(slot);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      }
    }
    await new Promise((resolve) => setTimeout(resolve, 100 + Math.random() * 100));
  }
}

function countTerraformRun(subcommand: string): void {
  const dir = process.env[TERRAFORM_RUN_VARIABLE];
  if (dir) fs.appendFileSync(path.join(dir, 'counts', String(process.pid)), `${subcommand}\n`);
}

/** Terraform runs counted in a run's folder, by subcommand, sorted by name. */
export function countedTerraformRuns(runDir: string): Record<string, number> {
  const counts: Record<string, number> = {};
  const dir = path.join(runDir, 'counts');
  for (const file of fs.readdirSync(dir)) {
    for (const subcommand of fs.readFileSync(path.join(dir, file), 'utf8').split('\n').filter(Boolean)) {
      counts[subcommand] = (counts[subcommand] ?? 0) + 1;
    }
  }
  return Object.fromEntries(Object.entries(counts).sort(([a], [b]) => a.localeCompare(b)));
}

/** Runs terraform in one folder with the given arguments and returns its stdout; throws with its output. */
export type TerraformCli = (...args: string[]) => Promise<string>;

/**
 * Prepares `dir` for terraform with no network (the offline override, a CLI configuration that installs the
 * provider from the mirror, the data folder inside `dir`) and returns terraform bound to it. `init` links the
 * provider from the unpacked mirror rather than copying it, so every folder shares the one binary.
 */
export function offlineTerraform(dir: string, mirror: ProviderMirror): TerraformCli {
  writeOfflineOverride(dir, mirror);
  const cliConfig = path.join(dir, '.terraformrc');
  fs.writeFileSync(cliConfig, `provider_installation {\n  filesystem_mirror {\n    path = ${JSON.stringify(mirror.dir)}\n  }\n}\n`);
  const env = terraformEnv({ TF_CLI_CONFIG_FILE: cliConfig, TF_DATA_DIR: path.join(dir, '.terraform') });
  return (...args) =>
    withTerraformSlot(async () => {
      countTerraformRun(args[0]);
      try {
        return (await run('terraform', args, { cwd: dir, env, maxBuffer: 256 * 1024 * 1024 })).stdout;
      } catch (error) {
        const { stdout, stderr } = error as { stdout?: string; stderr?: string };
        throw new TerraformFailure(args[0], dir, stdout ?? '', stderr ?? '');
      }
    });
}

/** A terraform command that failed: the message holds its output, `stdout` the machine-readable part (`-json`). */
export class TerraformFailure extends Error {
  constructor(
    subcommand: string,
    dir: string,
    readonly stdout: string,
    stderr: string,
  ) {
    super(`terraform ${subcommand} failed in ${dir}:\n${stderr}\n${stdout}`);
  }
}

/**
 * `terraform init` of a folder `offlineTerraform` prepared. A JSON configuration that keeps its state in the folder
 * (no backend block) needs nothing from init but the link to the mirror's provider and the lock file: within a jest
 * run it copies those from the one folder initialized for the run. Anything else (HCL, a backend) runs init.
 *
 * The copied lock file keeps the provider's version and constraints but not its checksum: terraform checks a locked
 * checksum on every command by hashing the 707 MB provider (0.6-0.9 s of CPU each time), and the run's init has
 * already checked this one package, read-only in the mirror.
 */
export async function initOffline(dir: string, terraform: TerraformCli, mirror: ProviderMirror): Promise<void> {
  const runDir = process.env[TERRAFORM_RUN_VARIABLE];
  if (runDir === undefined || !keepsStateInFolder(dir)) {
    await terraform('init', '-input=false', '-no-color');
    return;
  }
  const initialized = await initializedForRun(runDir, mirror);
  fs.cpSync(path.join(initialized, '.terraform'), path.join(dir, '.terraform'), { recursive: true, verbatimSymlinks: true });
  const lock = fs.readFileSync(path.join(initialized, LOCK_FILE), 'utf8');
  fs.writeFileSync(path.join(dir, LOCK_FILE), lock.replace(LOCKED_CHECKSUMS, ''));
}

const LOCK_FILE = '.terraform.lock.hcl';
/** The `hashes = [...]` argument of a lock file's provider blocks. */
const LOCKED_CHECKSUMS = /^\s*hashes\s*=\s*\[[^\]]*\]\n/gm;

/** Whether a folder's configuration is JSON alone and names no backend: its state is `terraform.tfstate` there. */
export function keepsStateInFolder(dir: string): boolean {
  const files = fs.readdirSync(dir).filter((file) => /\.tf(\.json)?$/.test(file));
  return files.every((file) => {
    if (!file.endsWith('.tf.json')) return false;
    const { terraform } = JSON.parse(fs.readFileSync(path.join(dir, file), 'utf8')) as { terraform?: Record<string, unknown> };
    return terraform?.backend === undefined && terraform?.cloud === undefined;
  });
}

const initializedFolders = new Map<string, Promise<string>>();

/**
 * The run's folder where init installed hashicorp/aws from the mirror: the first process to need it makes it
 * (beside its place, renamed into it; a process that loses the race uses the winner's).
 */
function initializedForRun(runDir: string, mirror: ProviderMirror): Promise<string> {
  const folder = path.join(runDir, `initialized-aws-${mirror.awsVersion}`);
  if (!initializedFolders.has(folder)) {
    const making = (async () => {
      if (fs.existsSync(folder)) return folder;
      const building = fs.mkdtempSync(`${folder}.building-`);
      const requirement = { terraform: { required_providers: { aws: { source: 'hashicorp/aws', version: mirror.awsVersion } } } };
      fs.writeFileSync(path.join(building, 'main.tf.json'), JSON.stringify(requirement));
      await offlineTerraform(building, mirror)('init', '-input=false', '-no-color');
      try {
        fs.renameSync(building, folder);
      } catch {
        fs.rmSync(building, { recursive: true, force: true });
      }
      return folder;
    })();
    initializedFolders.set(folder, making);
  }
  return initializedFolders.get(folder)!;
}

/** `terraformCheck` of a configuration given as JSON (e.g. a small test stack), in a temp folder removed afterwards. */
export async function checkConfiguration(json: TerraformJson, mirror: ProviderMirror, label: string): Promise<TerraformCheckResult> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `tf-check-${label}-`));
  try {
    fs.writeFileSync(path.join(dir, 'cdk.tf.json'), JSON.stringify(json));
    return await terraformCheck(dir, mirror);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** The plan of a fresh configuration creates exactly the synthesized resources, with no warning on the way. */
export function expectCleanPlan(result: TerraformCheckResult, json: TerraformJson): void {
  const synthesized = Object.entries(json.resource)
    .flatMap(([type, byName]) => Object.keys(byName).map((name) => `${type}.${name}`))
    .sort();
  expect(result.warnings).toEqual([]);
  expect(result.otherChanges).toEqual([]);
  expect(result.toCreate).toHaveLength(synthesized.length);
  expect(result.toCreate).toEqual(synthesized);
}

/**
 * The environment of every terraform run: no telemetry, automation output, fake AWS credentials, and a proxy
 * on a closed local port so that any attempt to reach a network fails at once instead of leaving the machine.
 */
function terraformEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    TMPDIR: os.tmpdir(),
    CHECKPOINT_DISABLE: '1',
    TF_IN_AUTOMATION: '1',
    AWS_ACCESS_KEY_ID: 'test',
    AWS_SECRET_ACCESS_KEY: 'test',
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_CONFIG_FILE: '/dev/null',
    AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
    HTTP_PROXY: 'http://127.0.0.1:9',
    HTTPS_PROXY: 'http://127.0.0.1:9',
    NO_PROXY: '',
    ...extra,
  };
}

function compareVersions(a: string, b: string): number {
  const [pa, pb] = [a, b].map((v) => v.split('.').map(Number));
  return pa.reduce((order, part, i) => order || part - pb[i], 0);
}
