import * as path from 'node:path';
import { App, Testing } from 'cdktf';
import type { EnvironmentConfig } from '../config/types';
import { resolveEnvironment } from '../config/validate';
import { SETTING_DEFAULTS } from '../lambda/settings';
import { StaticIpStack } from '../modules/static-ip-stack';
import { ALB_ARN, FULL, MINIMAL } from './fixtures/environments';
import { policyStatements, ref, resourceAt, resourcesOf, testApp, type TerraformJson } from './support/synth';
import { tempDir } from './support/temp-dir';

/** The function's own default grace under interface discovery, as the stack sets it. */
const INTERFACE_GRACE = String(SETTING_DEFAULTS.INTERFACE_INVOCATIONS_BEFORE_DEREGISTRATION);

/**
 * The route fields discovery, discoveryRoleArn, events and preserveClientIp, from the configuration to the sync
 * function, its role, its event rule and the route's target group.
 */
// Inside a temp folder: the bundle's zip is written beside its folder.
const bundleOutdir = path.join(tempDir('route-discovery-'), 'bundle');

function stackOf(environment: EnvironmentConfig): { json: TerraformJson; stack: StaticIpStack } {
  const stack = new StaticIpStack(testApp() as App, { environment: resolveEnvironment(environment), bundleOutdir });
  return { json: JSON.parse(Testing.synth(stack)), stack };
}

const ONE_ROUTE = (change: Record<string, unknown>, albs: EnvironmentConfig['albs'] = FULL.albs): EnvironmentConfig =>
  ({ ...FULL, albs, frontDoors: undefined, sync: undefined, routes: [{ listenerPort: 80, ...change }] }) as EnvironmentConfig;
const variablesOf = (json: TerraformJson) => resourceAt(json, 'aws_lambda_function', 'alb-ip-sync-80/function').environment.variables;
const discoveryPolicies = (json: TerraformJson) =>
  Object.keys(resourcesOf(json, 'aws_iam_role_policy')).filter((name) => name.includes('discovery'));

describe('route discovery through the stack', () => {
  test('an ALB known by its DNS name only samples DNS as in 0.2: no ALB ARN, no discovery permission, three runs of grace', () => {
    const { json } = stackOf(MINIMAL);
    expect(variablesOf(json)).toMatchObject({ DISCOVERY: 'dns', INVOCATIONS_BEFORE_DEREGISTRATION: '3' });
    expect(variablesOf(json).ALB_ARN).toBeUndefined();
    expect(discoveryPolicies(json)).toEqual([]);
  });

  test("a literal ARN: interfaces when the target group is in the ARN's account, else DNS; the environment's grace for both", () => {
    const { json } = stackOf(FULL);
    const tgArn = ref(resourceAt(json, 'aws_lb_target_group', 'ip-target-group-80/target-group'), 'arn').slice(2, -1);
    const sameAccount = `(element(split(":", ${tgArn}), 4) == "123456789012")`;
    expect(variablesOf(json)).toMatchObject({
      DISCOVERY: `\${${sameAccount} ? "interfaces" : "dns"}`,
      ALB_ARN: ALB_ARN,
      INVOCATIONS_BEFORE_DEREGISTRATION: `\${${sameAccount} ? "4" : "4"}`,
    });
  });

  test('an ALB looked up by name is in the stack\'s account: interfaces, the looked-up ARN, DescribeNetworkInterfaces on "*"', () => {
    const { json } = stackOf(ONE_ROUTE({}, { app: { name: 'app' } }));
    const lookup = Object.keys(json.data!.aws_lb);
    expect(variablesOf(json)).toMatchObject({
      DISCOVERY: 'interfaces',
      ALB_ARN: `\${data.aws_lb.${lookup[0]}.arn}`,
      INVOCATIONS_BEFORE_DEREGISTRATION: INTERFACE_GRACE,
    });
    const policy = resourceAt(json, 'aws_iam_role_policy', 'alb-ip-sync-80/discovery-policy');
    expect(policyStatements(json, policy.policy)).toEqual([
      { sid: 'ListAlbInterfaces', effect: 'Allow', actions: ['ec2:DescribeNetworkInterfaces'], resources: ['*'] },
    ]);
  });

  test("a chosen dns, and a role in the ALB's account, reach the function", () => {
    expect(variablesOf(stackOf(ONE_ROUTE({ discovery: 'dns' })).json)).toMatchObject({
      DISCOVERY: 'dns',
      INVOCATIONS_BEFORE_DEREGISTRATION: '3',
    });
    const role = 'arn:aws:iam::123456789012:role/alb-interface-reader';
    const { json } = stackOf(ONE_ROUTE({ discovery: 'both', discoveryRoleArn: role }));
    expect(variablesOf(json)).toMatchObject({ DISCOVERY: 'both', DISCOVERY_ROLE_ARN: role, ALB_ARN: ALB_ARN });
    const policy = resourceAt(json, 'aws_iam_role_policy', 'alb-ip-sync-80/discovery-policy');
    expect(policyStatements(json, policy.policy)).toEqual([
      { sid: 'AssumeDiscoveryRole', effect: 'Allow', actions: ['sts:AssumeRole'], resources: [role] },
    ]);
  });

  test("events: a rule on the ALB's interface calls runs the route's function; none by default", () => {
    const { json } = stackOf(ONE_ROUTE({ events: true }));
    const rule = resourceAt(json, 'aws_cloudwatch_event_rule', 'alb-ip-sync-80/events/rule');
    expect(JSON.parse(rule.event_pattern).detail.$or[0].requestParameters.description).toEqual(['ELB app/app/50dc6c495c0c9188']);
    expect(resourceAt(json, 'aws_cloudwatch_event_target', 'alb-ip-sync-80/events/target').arn).toBe(
      ref(resourceAt(json, 'aws_lambda_function', 'alb-ip-sync-80/function'), 'arn'),
    );
    const quiet = stackOf(ONE_ROUTE({})).json;
    expect(Object.keys(resourcesOf(quiet, 'aws_cloudwatch_event_rule')).filter((name) => name.includes('events'))).toEqual([]);
  });

  test('preserveClientIp turns on the IP target group\'s preserve_client_ip; off, it stays an explicit "false"', () => {
    const on = stackOf(ONE_ROUTE({ preserveClientIp: true })).json;
    expect(resourceAt(on, 'aws_lb_target_group', 'ip-target-group-80/target-group').preserve_client_ip).toBe('true');
    const off = stackOf(ONE_ROUTE({})).json;
    expect(resourceAt(off, 'aws_lb_target_group', 'ip-target-group-80/target-group').preserve_client_ip).toBe('false');
  });

  test("preserveClientIp with the ALB's security group: its rule admitting the NLB's group stays, no warning", () => {
    const { json, stack } = stackOf(ONE_ROUTE({ preserveClientIp: true }));
    const albIngress = resourceAt(json, 'aws_vpc_security_group_ingress_rule', 'static-ip-nlb/alb-ingress-80-app');
    expect(albIngress).toMatchObject({ security_group_id: FULL.albs.app.securityGroupId, from_port: 80 });
    expect(albIngress.referenced_security_group_id).toBe(ref(resourceAt(json, 'aws_security_group', 'static-ip-nlb/security-group'), 'id'));
    expect(stack.node.metadata.map((entry) => String(entry.data))).not.toContainEqual(expect.stringContaining('preserveClientIp'));
  });

  test("preserveClientIp without the ALB's security group: synth warns what that group must admit, naming the route", () => {
    const { stack } = stackOf(ONE_ROUTE({ preserveClientIp: true }, { app: { arn: ALB_ARN, dnsName: FULL.albs.app.dnsName } }));
    expect(stack.node.metadata.map((entry) => String(entry.data))).toContainEqual(
      expect.stringMatching(
        new RegExp(
          /^environment "fixture-full": routes with listenerPort 80: preserveClientIp: /.source +
            /albs\.app's security group must admit the NLB's security group \(output nlb_security_group_id\) on port 80/.source,
        ),
      ),
    );
  });
});
