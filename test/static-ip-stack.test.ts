import * as fs from 'node:fs';
import * as path from 'node:path';
import { EXAMPLE_ENVIRONMENTS } from '../config/environments';
import type { EnvironmentConfig } from '../config/types';
import { TUNING_LIMITS } from '../config/validate';
import { resourceNames } from '../modules/static-ip-stack';
import { parseSettings } from '../lambda/settings';
import {
  awsNames,
  policyStatements,
  ref,
  resourceAt,
  resourcesOf,
  synthesize,
  type TerraformJson,
} from './support/synth';

const stacks = synthesize(EXAMPLE_ENVIRONMENTS);
const production = EXAMPLE_ENVIRONMENTS.find(({ name }) => name === 'production')!;
const staging = EXAMPLE_ENVIRONMENTS.find(({ name }) => name === 'staging')!;
const prod = stacks.get('production')!.json;

describe('StaticIpStack', () => {
  test('one stack per environment, named after it, in its region with its tags on every resource', () => {
    expect([...stacks.keys()]).toEqual(['staging', 'production']);
    for (const environment of EXAMPLE_ENVIRONMENTS) {
      expect(stacks.get(environment.name)!.json.provider.aws).toEqual([
        { region: environment.region, default_tags: [{ tags: environment.tags }] },
      ]);
    }
  });

  test('binds each Elastic IP to the subnet of its AZ, in the order configured', () => {
    const lb = resourceAt(prod, 'aws_lb', 'static-ip-nlb/load-balancer');
    expect(lb.name).toBe('production-static-ip');
    expect(lb.subnet_mapping).toEqual(
      production.publicSubnetIds.map((subnetId) => ({
        subnet_id: subnetId,
        allocation_id: ref(resourceAt(prod, 'aws_eip', `eip-${subnetId}`), 'allocation_id'),
      })),
    );
  });

  test.each([80, 443])('port %i: listener -> target group <- sync function, role and state prefix', (port) => {
    const targetGroup = resourceAt(prod, 'aws_lb_target_group', `target-group-${port}`);
    const tgArn = ref(targetGroup, 'arn');
    expect(targetGroup).toMatchObject({ name: `production-alb-${port}`, port, vpc_id: production.vpcId });
    expect(resourceAt(prod, 'aws_lb_listener', `listener-${port}`).default_action[0].target_group_arn).toBe(tgArn);

    const fn = resourceAt(prod, 'aws_lambda_function', `alb-ip-sync-${port}/function`);
    expect(fn.function_name).toBe(`production-alb-ip-sync-${port}`);
    expect(fn.environment.variables).toMatchObject({
      ALB_DNS_NAME: production.alb.dnsName,
      ALB_LISTENER: String(port),
      NLB_TG_ARN: tgArn,
      S3_BUCKET: ref(resourceAt(prod, 'aws_s3_bucket', 'sync-state/bucket'), 'bucket'),
    });
    expect(fn.role).toBe(ref(resourceAt(prod, 'aws_iam_role', `alb-ip-sync-${port}/role`), 'arn'));

    const statements = policyStatements(
      prod,
      resourceAt(prod, 'aws_iam_role_policy', `alb-ip-sync-${port}/policy`).policy,
    );
    const bucketArn = ref(resourceAt(prod, 'aws_s3_bucket', 'sync-state/bucket'), 'arn');
    const grantedOn = (sid: string) => statements.find((statement) => statement.sid === sid)!.resources;
    expect(grantedOn('ChangeOwnTargetGroup')).toEqual([tgArn]);
    expect(grantedOn('ReadWriteOwnState')).toEqual([`${bucketArn}/${tgArn}/*`]);
  });

  test.each([
    ['the smallest', { maxLookupsPerInvocation: 1, invocationsBeforeDeregistration: 1, maxDeregistrationPercent: 1 }],
    ['the largest', TUNING_LIMITS],
  ])('the function accepts the environment the stack gives it, with %s tuning the config allows', (_, sync) => {
    const json = synthesize([{ ...production, name: 'contract', sync }]).get('contract')!.json;
    const fn = resourceAt(json, 'aws_lambda_function', 'alb-ip-sync-443/function');
    const targetGroupName = resourceAt(json, 'aws_lb_target_group', 'target-group-443').name;
    // What Terraform fills in at apply time, in the shapes AWS gives them.
    const targetGroupArn = `arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/${targetGroupName}/0123456789abcdef`;
    const applied = Object.fromEntries(
      Object.entries<string>(fn.environment.variables).map(([name, value]) => [
        name,
        value
          .replace(/^\$\{aws_lb_target_group\.[^}]+\.arn\}$/, targetGroupArn)
          .replace(/^\$\{aws_s3_bucket\.[^}]+\.bucket\}$/, 'contract-alb-ip-state-20261121000000000000000001'),
      ]),
    );
    expect(parseSettings(applied)).toMatchObject({
      albDnsName: production.alb.dnsName,
      albListener: 443,
      targetGroupArn,
      region: 'eu-west-1',
      bucket: 'contract-alb-ip-state-20261121000000000000000001',
      maxLookups: sync.maxLookupsPerInvocation,
      invocationsBeforeDeregistration: sync.invocationsBeforeDeregistration,
      maxDeregistrationPercent: sync.maxDeregistrationPercent,
      publishIpCount: true,
      sameVpc: true,
    });
  });

  test('ships the sync bundle inside the stack: the function zip exists where the function points', () => {
    for (const { dir, json } of stacks.values()) {
      for (const fn of Object.values(resourcesOf(json, 'aws_lambda_function'))) {
        const zip = path.join(dir, fn.filename);
        expect(fs.statSync(zip).size).toBeGreaterThan(1000);
        expect(fs.readFileSync(zip).subarray(0, 2).toString()).toBe('PK');
      }
    }
  });

  test("opens the ALB's security group to the NLB only where the environment names it", () => {
    const albRules = (json: TerraformJson) =>
      Object.values(resourcesOf(json, 'aws_vpc_security_group_ingress_rule')).filter(
        (rule) => rule.security_group_id === production.alb.securityGroupId,
      );
    expect(
      albRules(prod)
        .map((rule) => rule.from_port)
        .sort(),
    ).toEqual([443, 80]);
    expect(albRules(stacks.get('staging')!.json)).toEqual([]);
    expect(staging.alb.securityGroupId).toBeUndefined();
  });

  test("sends the sync alarms to the environment's topic", () => {
    for (const alarm of Object.values(resourcesOf(prod, 'aws_cloudwatch_metric_alarm'))) {
      expect(alarm.alarm_actions).toEqual([production.alarmTopicArn]);
    }
  });

  test('outputs the static IPs partners allowlist, the NLB and what operators look up', () => {
    const eips = production.publicSubnetIds.map((subnetId) => resourceAt(prod, 'aws_eip', `eip-${subnetId}`));
    expect(prod.output).toEqual({
      static_ips: expect.objectContaining({ value: eips.map((eip) => ref(eip, 'public_ip')) }),
      nlb_dns_name: expect.objectContaining({ value: ref(resourceAt(prod, 'aws_lb', 'load-balancer'), 'dns_name') }),
      nlb_zone_id: expect.objectContaining({ value: ref(resourceAt(prod, 'aws_lb', 'load-balancer'), 'zone_id') }),
      nlb_security_group_id: expect.objectContaining({
        value: ref(resourceAt(prod, 'aws_security_group', 'security-group'), 'id'),
      }),
      target_group_arns: expect.objectContaining({
        value: {
          80: ref(resourceAt(prod, 'aws_lb_target_group', 'target-group-80'), 'arn'),
          443: ref(resourceAt(prod, 'aws_lb_target_group', 'target-group-443'), 'arn'),
        },
      }),
      sync_function_names: expect.objectContaining({
        value: {
          80: ref(resourceAt(prod, 'aws_lambda_function', 'alb-ip-sync-80/function'), 'function_name'),
          443: ref(resourceAt(prod, 'aws_lambda_function', 'alb-ip-sync-443/function'), 'function_name'),
        },
      }),
      state_bucket: expect.objectContaining({ value: ref(resourceAt(prod, 'aws_s3_bucket', 'bucket'), 'bucket') }),
    });
  });

  test('two environments share no AWS name', () => {
    const [a, b] = [...stacks.values()].map(({ json }) => awsNames(json));
    expect(a.length).toBeGreaterThan(10);
    expect(a.filter((name) => b.includes(name))).toEqual([]);
  });

  test('every name derived from the longest allowed environment name fits its AWS limit', () => {
    const names = resourceNames('e'.repeat(22));
    for (const port of [1, 65535]) {
      expect(names.targetGroup(port).length).toBeLessThanOrEqual(32);
      expect(names.syncFunction(port).length).toBeLessThanOrEqual(64);
      // The alarm names add a suffix to the function's: CloudWatch allows 255.
      expect(`${names.syncFunction(port)}-not-running`.length).toBeLessThanOrEqual(255);
    }
    expect(names.loadBalancer.length).toBeLessThanOrEqual(32);
    expect(names.stateBucketPrefix.length).toBeLessThanOrEqual(37);
  });

  test('builds exactly the configured ports, and leaves tags off when none are set', () => {
    const single: EnvironmentConfig = { ...staging, name: 'single', ports: [8443], tags: undefined };
    const json = synthesize([single]).get('single')!.json;
    expect(Object.values(resourcesOf(json, 'aws_lb_listener')).map((l) => l.port)).toEqual([8443]);
    expect(Object.values(resourcesOf(json, 'aws_lb_target_group')).map((t) => t.port)).toEqual([8443]);
    expect(
      Object.values(resourcesOf(json, 'aws_lambda_function')).map((f) => f.environment.variables.ALB_LISTENER),
    ).toEqual(['8443']);
    expect(json.provider.aws).toEqual([{ region: 'eu-west-1' }]);
  });
});
