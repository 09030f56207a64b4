import * as fs from 'node:fs';
import * as path from 'node:path';
import { type App, TerraformStack, Testing } from 'cdktf';
import type { Construct } from 'constructs';
import type { EnvironmentConfig } from '../../config/types';
import { buildApp } from '../../main';
import { tempDir } from './temp-dir';
import type { JsonObject } from './json';

process.env.CHECKPOINT_DISABLE = '1';

/** A synthesized Terraform JSON configuration, as far as the tests read it. */
export interface TerraformJson {
  readonly terraform: { required_providers: Record<string, { source: string; version: string }> };
  readonly provider: Record<string, Record<string, unknown>[]>;
  readonly resource: Record<string, Record<string, Resource>>;
  readonly data?: Record<string, Record<string, Resource>>;
  readonly output: Record<string, { value: unknown }>;
}

/** One resource's arguments. */
export type Resource = JsonObject;

export interface SynthesizedStack {
  readonly name: string;
  /** Folder holding cdk.tf.json and the assets it references. */
  readonly dir: string;
  readonly json: TerraformJson;
}

/** `Testing.app()` with its output folder removed after the test file (cdktf's own is left in the temp dir). */
export function testApp(): App {
  return Testing.app({ outdir: tempDir('cdktf-test-app-') });
}

/** Synthesizes what `build` adds to an empty stack, as the JSON Terraform would read (no cdktf metadata). */
export function synthScope(build: (scope: Construct) => void): TerraformJson {
  const stack = new TerraformStack(testApp(), 'stack');
  build(stack);
  return JSON.parse(Testing.synth(stack));
}

/** Synthesizes the app for these environments into a fresh temp folder, with its own sync bundle. */
export function synthesize(environments: readonly EnvironmentConfig[]): Map<string, SynthesizedStack> {
  const outdir = tempDir('alb-static-ip-synth-');
  // A private bundle folder: the shared dist/lambda is what other tests execute.
  buildApp(environments, { outdir, bundleOutdir: path.join(outdir, 'bundle') }).synth();
  return new Map(
    environments.map(({ name }) => {
      const dir = path.join(outdir, 'stacks', name);
      return [name, { name, dir, json: JSON.parse(fs.readFileSync(path.join(dir, 'cdk.tf.json'), 'utf8')) }];
    }),
  );
}

/** Resources of one type, by their Terraform name. */
export function resourcesOf(json: TerraformJson, type: string): Record<string, Resource> {
  return json.resource[type] ?? {};
}

/**
 * The one resource of a type whose construct path ends with `pathSuffix` (e.g. `alb-ip-sync-443/function`),
 * with the Terraform address other resources reference it by. cdktf names a resource after its construct
 * path below the stack, joined by `_`, plus a hash.
 */
export function resourceAt(json: TerraformJson, type: string, pathSuffix: string): Resource & { address: string } {
  const suffix = pathSuffix.split('/').join('_');
  const found = Object.entries(resourcesOf(json, type)).filter(([name]) => {
    const constructPath = name.replace(/_[0-9A-F]{8}$/, '');
    return constructPath === suffix || constructPath.endsWith(`_${suffix}`);
  });
  if (found.length !== 1) throw new Error(`expected one ${type} at */${pathSuffix}, found ${found.length}`);
  const [name, resource] = found[0];
  return { ...resource, address: `${type}.${name}` };
}

/**
 * The statements of the policy document a policy argument references (`${data.aws_iam_policy_document.x.json}`):
 * proves the wiring and returns what the policy allows.
 */
export function policyStatements(json: TerraformJson, policy: string): Resource[] {
  const name = /^\$\{data\.aws_iam_policy_document\.([^.}]+)\.json\}$/.exec(policy)?.[1];
  const document = name === undefined ? undefined : json.data?.aws_iam_policy_document?.[name];
  if (!document) throw new Error(`${policy} does not reference a policy document of this stack`);
  return document.statement;
}

/** A Terraform interpolation of an attribute, as cdktf writes references: `${aws_lb.x.arn}`. */
export function ref(resource: { address: string }, attribute: string): string {
  return `\${${resource.address}.${attribute}}`;
}

/** Number of resources (not data sources) in a configuration. */
export function countResources(json: TerraformJson): number {
  return Object.values(json.resource).reduce((sum, byName) => sum + Object.keys(byName).length, 0);
}

/**
 * Names unique per account and region, as literals (references to another resource's name are left out, and
 * inline policy names, scoped to their role).
 */
export function awsNames(json: TerraformJson): string[] {
  const nameArguments = ['name', 'function_name', 'bucket_prefix', 'alarm_name'];
  const scopedToParent = new Set(['aws_iam_role_policy']);
  return Object.entries(json.resource)
    .filter(([type]) => !scopedToParent.has(type))
    .flatMap(([, byName]) =>
      Object.values(byName).flatMap((resource) =>
        nameArguments.map((argument) => resource[argument]).filter((v): v is string => typeof v === 'string' && !v.includes('${')),
      ),
    );
}
