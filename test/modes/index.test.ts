import * as path from 'node:path';
import { TerraformStack, Testing } from 'cdktf';
import type { ResolvedEnvironment } from '../../config/defaults';
import { resolveEnvironment } from '../../config/validate';
import { MODES } from '../../modes';
import { AlbReference } from '../../modules/alb-reference';
import { resourceNames } from '../../modules/resource-names';
import { FULL } from '../fixtures/environments';
import { resourcesOf, testApp } from '../support/synth';
import { tempDir } from '../support/temp-dir';

const bundleOutdir = path.join(tempDir('modes-'), 'bundle');
/** FULL with an ip-sync route on 80 and 8080 and an alb-target route on 443 checked on 80. */
const ENVIRONMENT: ResolvedEnvironment = resolveEnvironment({
  ...FULL,
  routes: [
    { listenerPort: 80 },
    { listenerPort: 8080, albPort: 80 },
    { ...FULL.routes![1], healthCheck: { path: '/health', port: 80, protocol: 'HTTP' } },
  ],
});
const route = (listenerPort: number) => ENVIRONMENT.routes.find((r) => r.listenerPort === listenerPort)!;

/** Builds routes with each mode's builder in one fresh stack, as the front doors do. */
function buildWith(...builds: [mode: keyof typeof MODES, listenerPort: number][]) {
  const scope = new TerraformStack(testApp(), 'stack');
  const names = resourceNames(ENVIRONMENT.name, ENVIRONMENT.region);
  const builders = Object.fromEntries(
    Object.values(MODES).map((mode) => [mode.name, mode.builder({ scope, environment: ENVIRONMENT, names, bundleOutdir })]),
  );
  const alb = new AlbReference(scope, ENVIRONMENT.albs.get('app')!);
  const built = builds.map(([mode, port]) => builders[mode].route(route(port), alb));
  return { scope, builders, built, json: () => JSON.parse(Testing.synth(scope)) };
}

describe('MODES', () => {
  test('holds each mode under its own name', () => {
    for (const [name, mode] of Object.entries(MODES)) expect(mode.name).toBe(name);
  });

  test("keeps each mode's target group name part, which deployed target groups are named by", () => {
    const nameParts = Object.fromEntries(Object.values(MODES).map((mode) => [mode.name, mode.targetGroupNamePart]));
    expect(nameParts).toEqual({ 'ip-sync': 'alb', 'alb-target': 'tga' });
  });

  test('ip-sync reaches the ALB on the traffic port; alb-target also on the health-check port', () => {
    expect(MODES['ip-sync'].albPorts(route(8080))).toEqual([80]);
    expect(MODES['alb-target'].albPorts(route(443))).toEqual([443, 80]);
  });

  test('a route built in a mode has a sync function exactly when its mode says so', () => {
    const { built } = buildWith(['ip-sync', 80], ['alb-target', 443]);
    expect(built.map((r) => r.syncFunction !== undefined)).toEqual([MODES['ip-sync'].hasSyncFunction, MODES['alb-target'].hasSyncFunction]);
    expect(built.map((r) => r.dashboard.rows?.length ?? 0)).toEqual([2, 0]);
  });

  test("a builder makes what its mode's routes share once, with their first route, and outputs it", () => {
    const { builders, json } = buildWith(['ip-sync', 80], ['ip-sync', 8080], ['alb-target', 443]);
    const synthesized = json();
    expect(Object.keys(resourcesOf(synthesized, 'aws_s3_bucket'))).toHaveLength(1);
    expect(Object.keys(resourcesOf(synthesized, 'aws_lambda_function'))).toHaveLength(2);
    expect(builders['ip-sync'].outputs().map(({ id }) => id)).toEqual(['state_bucket']);
    expect(builders['alb-target'].outputs()).toEqual([]);
  });

  test('builders share nothing between front doors: each environment has its own state bucket', () => {
    const first = buildWith(['ip-sync', 80]);
    const second = buildWith(['ip-sync', 80]);
    expect(Object.keys(resourcesOf(second.json(), 'aws_s3_bucket'))).toHaveLength(1);
    expect(Object.keys(resourcesOf(first.json(), 'aws_s3_bucket'))).toHaveLength(1);
    expect(buildWith().builders['ip-sync'].outputs()).toEqual([]);
  });
});
