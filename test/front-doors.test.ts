import * as path from 'node:path';
import { TerraformOutput } from 'cdktf';
import { AwsProvider } from '@cdktf/provider-aws/lib/provider';
import type { EnvironmentConfig } from '../config/types';
import { StaticIpFrontDoors } from '../modules/front-doors';
import { ACCELERATOR_ONLY, FULL, MINIMAL } from './fixtures/environments';
import { ref, resourceAt, synthScope, type Resource, type TerraformJson } from './support/synth';
import { tempDir } from './support/temp-dir';

const bundleOutdir = path.join(tempDir('front-doors-'), 'bundle');

/** The construct in a team's stack, and that stack's configuration. */
function embed(environment: EnvironmentConfig): { doors: StaticIpFrontDoors; json: TerraformJson } {
  let doors!: StaticIpFrontDoors;
  const json = synthScope((scope) => {
    // A team's stack has its own provider, whose settings the accelerator's us-west-2 provider takes.
    new AwsProvider(scope, 'aws', { region: environment.region });
    doors = new StaticIpFrontDoors(scope, 'doors', { environment, bundleOutdir });
    // What a team's stack would output: the members, as Terraform sees them.
    new TerraformOutput(scope, 'static_ips', { value: doors.staticIpAddresses });
    if (doors.nlb) new TerraformOutput(scope, 'target_groups', { value: Object.fromEntries(doors.nlb.targetGroupArns) });
  });
  return { doors, json };
}

/** Every resource of a configuration, `<type>.<name>` to its body. */
const everyResource = (json: TerraformJson): [string, Resource][] =>
  Object.entries(json.resource).flatMap(([type, byName]) =>
    Object.entries(byName).map(([name, body]): [string, Resource] => [`${type}.${name}`, body]),
  );

describe('StaticIpFrontDoors', () => {
  describe("the environment's tags, which a team's stack has no provider default_tags for", () => {
    const tags = { Environment: 'edge', CostCentre: '42' };
    const { json } = embed({ ...FULL, tags });

    test('are on every resource that takes tags, beside its own (an Elastic IP keeps its Name)', () => {
      const tagged = everyResource(json).filter(([, body]) => body.tags !== undefined);
      // Resources of each part: static IPs, NLB, both modes' target groups, the sync, the accelerator, the alarms.
      expect(tagged.map(([address]) => address.split('.')[0])).toEqual(
        expect.arrayContaining([
          'aws_eip',
          'aws_lb',
          'aws_security_group',
          'aws_lb_target_group',
          'aws_lambda_function',
          'aws_iam_role',
          'aws_s3_bucket',
          'aws_cloudwatch_log_group',
          'aws_cloudwatch_metric_alarm',
          'aws_globalaccelerator_accelerator',
        ]),
      );
      for (const [, body] of tagged) expect(body.tags).toMatchObject(tags);
      expect(resourceAt(json, 'aws_eip', 'static-ips/eip-eu-west-1a').tags).toEqual({ ...tags, Name: 'fixture-full-static-ip-eu-west-1a' });
    });

    test('leave resources that take no tags as they are', () => {
      expect(resourceAt(json, 'aws_iam_role_policy', 'alb-ip-sync-80/policy').tags).toBeUndefined();
      expect(resourceAt(json, 'aws_lb_target_group_attachment', 'alb-target-443/attachment').tags).toBeUndefined();
    });

    test('add nothing when the environment has none', () => {
      const untagged = embed({ ...FULL, tags: undefined }).json;
      expect(resourceAt(untagged, 'aws_eip', 'static-ips/eip-eu-west-1a').tags).toEqual({ Name: 'fixture-full-static-ip-eu-west-1a' });
      expect(resourceAt(untagged, 'aws_lb_target_group', 'alb-target-443/target-group').tags).toBeUndefined();
    });
  });

  describe('typed members for the code that builds on it', () => {
    const { doors, json } = embed(FULL);
    const output = (id: string) => json.output[id].value;

    test("the static IPs: each zone's Elastic IP, in zone order", () => {
      const eip = (zone: string) => ref(resourceAt(json, 'aws_eip', `static-ips/eip-${zone}`), 'public_ip');
      expect(output('static_ips')).toEqual([eip('eu-west-1a'), eip('eu-west-1b'), eip('eu-west-1c')]);
    });

    test('the target groups by route and mode, and the sync functions by port', () => {
      const arn = (path: string) => ref(resourceAt(json, 'aws_lb_target_group', path), 'arn');
      expect(output('target_groups')).toEqual({
        '80/ip-sync': arn('ip-target-group-80/target-group'),
        '443/alb-target': arn('alb-target-443/target-group'),
      });
      expect([...doors.nlb!.syncFunctionNames.keys()]).toEqual([80]);
      expect(doors.nlb!.routes.map(({ route, serving }) => [route.listenerPort, serving.syncFunction !== undefined])).toEqual([
        [80, true],
        [443, false],
      ]);
      expect(doors.acceleratorStaticIps).toBe(doors.accelerator!.staticIps);
    });

    test('an environment without an NLB has no static IPs of its own, and one without an accelerator no anycast IPs', () => {
      const acceleratorOnly = embed(ACCELERATOR_ONLY).doors;
      expect(acceleratorOnly.nlb).toBeUndefined();
      expect(acceleratorOnly.staticIpAddresses).toEqual([]);
      const nlbOnly = embed(MINIMAL).doors;
      expect(nlbOnly.accelerator).toBeUndefined();
      expect(nlbOnly.acceleratorStaticIps).toEqual([]);
    });
  });
});
