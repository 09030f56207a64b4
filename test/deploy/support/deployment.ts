import * as fs from 'node:fs';
import * as path from 'node:path';
import type { EnvironmentConfig } from '../../../config/types';
import { synthesize, type TerraformJson } from '../../support/synth';
import { tempDir } from '../../support/temp-dir';
import { offlineTerraform, type ProviderMirror, type TerraformCli } from '../../support/terraform';
import type { JsonObject } from '../../support/json';

/** Services the stacks call, by the provider's `endpoints` keys: all pointed at the emulator. */
const EMULATED_SERVICES = ['ec2', 'elbv2', 'iam', 's3', 'lambda', 'events', 'cloudwatch', 'logs', 'sts'] as const;

/** One resource change of a refreshed plan, with the top-level attributes it changes. */
export interface PlannedChange {
  readonly address: string;
  readonly type: string;
  /** Terraform's actions: `['update']`, `['delete', 'create']` (a replacement), `['delete']`... */
  readonly actions: readonly string[];
  /** Top-level attributes whose planned value differs from the refreshed one (known values only). */
  readonly changedAttributes: readonly string[];
  /** The refreshed values, before the change. */
  readonly before: Readonly<Record<string, unknown>> | null;
}

/**
 * One stack deployed into the emulator, in one folder that keeps its state across configurations: `use` puts a
 * configuration in place (synthesized by buildApp, as `npm run synth` does), `apply` applies it for real, `plan`
 * plans it with refresh.
 */
export class Deployment {
  readonly dir = tempDir('alb-static-ip-deploy-');
  private readonly terraform: TerraformCli;
  private initialized = false;

  constructor(
    mirror: ProviderMirror,
    private readonly endpoint: string,
  ) {
    this.terraform = offlineTerraform(this.dir, mirror);
  }

  /** Synthesizes `environment` and puts it in place of the previous configuration; the state stays. */
  use(environment: EnvironmentConfig): TerraformJson {
    const stack = synthesize([environment]).get(environment.name)!;
    for (const entry of fs.readdirSync(this.dir)) {
      if (entry === 'cdk.tf.json' || entry === 'assets') fs.rmSync(path.join(this.dir, entry), { recursive: true, force: true });
    }
    fs.cpSync(stack.dir, this.dir, { recursive: true });
    const json = JSON.parse(fs.readFileSync(path.join(this.dir, 'cdk.tf.json'), 'utf8'));
    // The state stays in this folder (terraform.tfstate), whatever backend the environment names.
    delete json.terraform.backend;
    delete json.terraform.cloud;
    fs.writeFileSync(path.join(this.dir, 'cdk.tf.json'), JSON.stringify(json, null, 2));
    this.writeEmulatorOverride();
    return json;
  }

  /** `terraform apply` of the configuration in place: resolves with its output, throws with it when the apply fails. */
  async apply(): Promise<string> {
    await this.init();
    return this.terraform('apply', '-auto-approve', '-input=false', '-no-color');
  }

  /** `terraform plan` with refresh (plus `args`, e.g. `-destroy`): every resource change, data sources left out. */
  async plan(...args: string[]): Promise<PlannedChange[]> {
    await this.init();
    await this.terraform('plan', '-input=false', '-no-color', '-out=emulator.tfplan', ...args);
    const plan = JSON.parse(await this.terraform('show', '-json', 'emulator.tfplan')) as {
      resource_changes?: {
        address: string;
        type: string;
        mode: string;
        change: {
          actions: string[];
          before: Record<string, unknown> | null;
          after: Record<string, unknown> | null;
          after_unknown?: Record<string, unknown>;
        };
      }[];
    };
    return (plan.resource_changes ?? [])
      .filter((change) => change.mode === 'managed' && !change.change.actions.every((action) => action === 'no-op' || action === 'read'))
      .map(({ address, type, change: { actions, before, after, after_unknown: unknown } }) => ({
        address,
        type,
        actions,
        before,
        changedAttributes: Object.keys({ ...before, ...after })
          .filter((key) => !unknown?.[key])
          .filter((key) => JSON.stringify(before?.[key]) !== JSON.stringify(after?.[key]))
          .sort(),
      }));
  }

  /** The stack's outputs, by name. */
  async outputs(): Promise<JsonObject> {
    const outputs = JSON.parse(await this.terraform('output', '-json')) as Record<string, { value: unknown }>;
    return Object.fromEntries(Object.entries(outputs).map(([name, { value }]) => [name, value]));
  }

  private async init(): Promise<void> {
    if (this.initialized) return;
    await this.terraform('init', '-input=false', '-no-color');
    this.initialized = true;
  }

  /**
   * Merged by Terraform after offline_override.tf.json (lexical order): every service at the emulator, and the
   * account id asked of its STS (with skip_requesting_account_id, group-referencing rules would read back with an
   * account prefix).
   */
  private writeEmulatorOverride(): void {
    const endpoints = Object.fromEntries(EMULATED_SERVICES.map((service) => [service, this.endpoint]));
    const override = { provider: { aws: [{ skip_requesting_account_id: false, s3_use_path_style: true, endpoints: [endpoints] }] } };
    fs.writeFileSync(path.join(this.dir, 'zz_emulator_override.tf.json'), JSON.stringify(override, null, 2));
  }
}
