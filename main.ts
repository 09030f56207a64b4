import { App } from 'cdktf';
import type { EnvironmentConfig } from './config/types';
import { ENVIRONMENTS } from './config/environments';
import { ConfigError, resolveEnvironments } from './config/validate';
import { StaticIpStack } from './modules/static-ip-stack';

export interface BuildAppOptions {
  /** Where `synth()` writes the stacks. @default cdktf.out (or what the cdktf CLI asks for) */
  readonly outdir?: string;
  /** Folder the sync function is bundled into. @default dist/lambda */
  readonly bundleOutdir?: string;
}

/**
 * The app: one TerraformStack per environment, named after it. Every environment is validated before any
 * construct exists, so a bad configuration fails with all its problems at once and synthesizes nothing.
 */
export function buildApp(environments: readonly EnvironmentConfig[], options: BuildAppOptions = {}): App {
  const resolved = resolveEnvironments(environments);
  const app = new App({ outdir: options.outdir });
  for (const environment of resolved) new StaticIpStack(app, { environment, bundleOutdir: options.bundleOutdir });
  return app;
}

/**
 * Synthesizes the environments, or explains why not: a configuration problem is the user's to fix, not a crash,
 * so its lines are printed once, without a stack trace. Returns the process exit code.
 */
export function synthesize(environments: readonly EnvironmentConfig[], options: BuildAppOptions = {}): number {
  return explained(() => buildApp(environments, options).synth());
}

/**
 * Validates the environments without building anything: what `npm run synth` runs before the cdktf CLI, which
 * prints a failing app's output twice (as it streams, then again in its own error).
 */
export function check(environments: readonly EnvironmentConfig[]): number {
  return explained(() => resolveEnvironments(environments));
}

/** Runs `step`; a ConfigError is printed to stderr, one line per problem, and gives exit code 1. */
function explained(step: () => unknown): number {
  try {
    step();
    return 0;
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`Invalid configuration in config/environments.ts:\n${error.problems.map((line) => `  - ${line}`).join('\n')}\n`);
    return 1;
  }
}

/** The flag that runs {@link check} instead of a synth. */
export const CHECK_FLAG = '--check';

if (require.main === module) process.exitCode = process.argv.includes(CHECK_FLAG) ? check(ENVIRONMENTS) : synthesize(ENVIRONMENTS);
