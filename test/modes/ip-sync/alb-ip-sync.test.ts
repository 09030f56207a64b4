import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Token, ref as terraformRef } from 'cdktf';
import type { Construct } from 'constructs';
import { LbTargetGroup } from '@cdktf/provider-aws/lib/lb-target-group';
import { S3Bucket } from '@cdktf/provider-aws/lib/s3-bucket';
import { SETTING_DEFAULTS } from '../../../lambda/settings';
import { AlbIpSync, type AlbIpSyncProps } from '../../../modes/ip-sync/alb-ip-sync';
import { LambdaBundle } from '../../../modules/lambda-bundle';
import { policyStatements, ref, resourceAt, synthScope, type Resource, type TerraformJson } from '../../support/synth';

/** The function's own default grace under interface discovery, as the stack sets it. */
const INTERFACE_GRACE = String(SETTING_DEFAULTS.INTERFACE_INVOCATIONS_BEFORE_DEREGISTRATION);

const ALB = 'internal-app-1234567890.eu-west-1.elb.amazonaws.com';
const bundleOutdir = fs.mkdtempSync(path.join(os.tmpdir(), 'alb-ip-sync-test-'));
afterAll(() => {
  // The zip is written beside the bundle folder (`<folder>.zip`).
  for (const made of [bundleOutdir, `${bundleOutdir}.zip`]) fs.rmSync(made, { recursive: true, force: true });
});

/** One sync on port 443 next to a stand-in target group and bucket (and, optionally, one on port 80). */
function synth(change: Partial<AlbIpSyncProps> = {}, alsoPort80 = false): TerraformJson {
  return synthScope((scope: Construct) => {
    const stateBucket = new S3Bucket(scope, 'bucket', { bucketPrefix: 'state-' });
    const code = new LambdaBundle(scope, 'code', { outdir: bundleOutdir });
    for (const port of alsoPort80 ? [443, 80] : [443]) {
      const targetGroup = new LbTargetGroup(scope, `tg-${port}`, { name: `tg-${port}`, port, protocol: 'TCP' });
      new AlbIpSync(scope, `sync-${port}`, {
        functionName: `prod-alb-ip-sync-${port}`,
        albDnsName: ALB,
        port,
        targetGroup,
        stateBucket,
        code,
        ...change,
      });
    }
  });
}

const statementsOf = (json: TerraformJson, port: number): Resource[] =>
  policyStatements(json, resourceAt(json, 'aws_iam_role_policy', `sync-${port}/policy`).policy);

describe('AlbIpSync', () => {
  const json = synth({}, true);
  const fn = resourceAt(json, 'aws_lambda_function', 'sync-443/function');
  const logGroup = resourceAt(json, 'aws_cloudwatch_log_group', 'sync-443/log-group');
  const role = resourceAt(json, 'aws_iam_role', 'sync-443/role');
  const targetGroup = resourceAt(json, 'aws_lb_target_group', 'tg-443');
  const bucket = resourceAt(json, 'aws_s3_bucket', 'bucket');

  test('runs the bundled handler on arm64 with a 30 s timeout, one run at a time', () => {
    expect(fn).toMatchObject({
      function_name: 'prod-alb-ip-sync-443',
      handler: 'index.handler',
      runtime: 'nodejs22.x',
      architectures: ['arm64'],
      memory_size: 256,
      timeout: 30,
      reserved_concurrent_executions: 1,
      role: ref(role, 'arn'),
    });
    expect(fn.filename).toMatch(/^assets\/.+\.zip$/);
    expect(fn.source_code_hash).toBe(`\${filebase64sha256("${fn.filename}")}`);
  });

  test('uses the configured runtime', () => {
    const json24 = synth({ runtime: 'nodejs24.x' });
    expect(resourceAt(json24, 'aws_lambda_function', 'sync-443/function').runtime).toBe('nodejs24.x');
  });

  test("sets the sync contract's environment: this port's target group, the bucket, the tuning", () => {
    expect(fn.environment.variables).toEqual({
      ALB_DNS_NAME: ALB,
      ALB_LISTENER: '443',
      NLB_TG_ARN: ref(targetGroup, 'arn'),
      S3_BUCKET: ref(bucket, 'bucket'),
      MAX_LOOKUP_PER_INVOCATION: '1000',
      INVOCATIONS_BEFORE_DEREGISTRATION: '3',
      MAX_DEREGISTRATION_PERCENT: '50',
      CW_METRIC_FLAG_IP_COUNT: 'true',
      SAME_VPC: 'true',
      DISCOVERY: 'dns',
    });
    const tuned = synth({ tuning: { maxLookupsPerInvocation: 40, maxDeregistrationPercent: 25 } });
    expect(resourceAt(tuned, 'aws_lambda_function', 'sync-443/function').environment.variables).toMatchObject({
      MAX_LOOKUP_PER_INVOCATION: '40',
      INVOCATIONS_BEFORE_DEREGISTRATION: '3',
      MAX_DEREGISTRATION_PERCENT: '25',
    });
  });

  test('logs JSON into its own log group with a retention, created before the function', () => {
    expect(logGroup).toMatchObject({ name: '/aws/lambda/prod-alb-ip-sync-443', retention_in_days: 30 });
    expect(fn.logging_config).toEqual({ log_format: 'JSON', log_group: ref(logGroup, 'name') });
    expect(fn.depends_on).toEqual(
      expect.arrayContaining([logGroup.address, resourceAt(json, 'aws_iam_role_policy', 'sync-443/policy').address]),
    );
    expect(resourceAt(synth({ logRetentionDays: 90 }), 'aws_cloudwatch_log_group', 'log-group').retention_in_days).toBe(90);
  });

  test('has a role only Lambda can assume, named by a prefix (IAM names are account-wide) and replaced before it goes', () => {
    expect(role.name).toBeUndefined();
    expect(role.name_prefix).toBe('prod-alb-ip-sync-443-');
    expect(role.lifecycle).toEqual({ create_before_destroy: true });
    expect(policyStatements(json, role.assume_role_policy)).toEqual([
      {
        sid: 'LambdaAssumesRole',
        effect: 'Allow',
        principals: [{ type: 'Service', identifiers: ['lambda.amazonaws.com'] }],
        actions: ['sts:AssumeRole'],
      },
    ]);
    expect(resourceAt(json, 'aws_iam_role_policy', 'sync-443/policy').role).toBe(ref(role, 'id'));
  });

  test('may change only its own target group, its own state and its own logs', () => {
    const tgArn = ref(targetGroup, 'arn');
    expect(statementsOf(json, 443)).toEqual([
      {
        sid: 'ChangeOwnTargetGroup',
        effect: 'Allow',
        actions: ['elasticloadbalancing:RegisterTargets', 'elasticloadbalancing:DeregisterTargets'],
        resources: [tgArn],
      },
      {
        sid: 'ReadTargetHealth',
        effect: 'Allow',
        actions: ['elasticloadbalancing:DescribeTargetHealth'],
        resources: ['*'],
      },
      {
        sid: 'ReadWriteOwnState',
        effect: 'Allow',
        actions: ['s3:GetObject', 's3:PutObject'],
        resources: [`${ref(bucket, 'arn')}/${tgArn}/*`],
      },
      {
        sid: 'TellMissingStateFromDenied',
        effect: 'Allow',
        actions: ['s3:ListBucket'],
        resources: [ref(bucket, 'arn')],
      },
      {
        sid: 'WriteOwnLogs',
        effect: 'Allow',
        actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        resources: [`${ref(logGroup, 'arn')}:*`],
      },
    ]);
  });

  test('grants "*" only to DescribeTargetHealth (no resource-level permissions) and no wildcard actions', () => {
    for (const port of [80, 443]) {
      const statements = statementsOf(json, port);
      const onEverything = statements.filter((s) => s.resources.includes('*'));
      expect(onEverything.map((s) => s.actions)).toEqual([['elasticloadbalancing:DescribeTargetHealth']]);
      const targetChanges = statements.find((s) => s.actions.includes('elasticloadbalancing:RegisterTargets'));
      expect(targetChanges!.resources.join()).not.toContain('*');
      const objectAccess = statements.find((s) => s.actions.includes('s3:PutObject'));
      expect(objectAccess!.resources).toEqual([
        expect.stringMatching(/^\$\{aws_s3_bucket\.[^}]+\.arn\}\/\$\{aws_lb_target_group\.[^}]+\.arn\}\/\*$/),
      ]);
      expect(statements.flatMap((s) => s.actions).filter((action: string) => action.includes('*'))).toEqual([]);
      expect(statements.every((s) => s.effect === 'Allow' && s.condition === undefined)).toBe(true);
    }
  });

  test("the port-80 function's role reaches port 80's target group and state, never port 443's", () => {
    const tg80 = ref(resourceAt(json, 'aws_lb_target_group', 'tg-80'), 'arn');
    const tg443 = ref(targetGroup, 'arn');
    const policy80 = JSON.stringify(statementsOf(json, 80));
    expect(policy80).toContain(tg80);
    expect(policy80).not.toContain(tg443);
    expect(policy80).toContain(ref(resourceAt(json, 'aws_cloudwatch_log_group', 'sync-80/log-group'), 'arn'));
    expect(policy80).not.toContain(logGroup.address);
  });

  test('runs every minute from EventBridge, which alone may invoke it', () => {
    const rule = resourceAt(json, 'aws_cloudwatch_event_rule', 'sync-443/schedule');
    expect(rule).toMatchObject({ name: 'prod-alb-ip-sync-443', schedule_expression: 'rate(1 minute)' });
    expect(resourceAt(json, 'aws_cloudwatch_event_target', 'sync-443/schedule-target')).toMatchObject({
      rule: ref(rule, 'name'),
      arn: ref(fn, 'arn'),
    });
    expect(resourceAt(json, 'aws_lambda_permission', 'sync-443/schedule-permission')).toMatchObject({
      action: 'lambda:InvokeFunction',
      function_name: ref(fn, 'function_name'),
      principal: 'events.amazonaws.com',
      source_arn: ref(rule, 'arn'),
    });
  });

  test('does not retry a failed run: the next minute supersedes it', () => {
    expect(resourceAt(json, 'aws_lambda_function_event_invoke_config', 'sync-443/invoke-config')).toMatchObject({
      function_name: ref(fn, 'function_name'),
      maximum_retry_attempts: 0,
    });
  });

  test('alarms on errors in 3 of 5 minutes and on 5 minutes without a run', () => {
    const metric = {
      namespace: 'AWS/Lambda',
      dimensions: { FunctionName: ref(fn, 'function_name') },
      period: 60,
      statistic: 'Sum',
    };
    expect(resourceAt(json, 'aws_cloudwatch_metric_alarm', 'sync-443/errors')).toMatchObject({
      ...metric,
      alarm_name: 'prod-alb-ip-sync-443-errors',
      metric_name: 'Errors',
      comparison_operator: 'GreaterThanOrEqualToThreshold',
      threshold: 1,
      evaluation_periods: 5,
      datapoints_to_alarm: 3,
      treat_missing_data: 'notBreaching',
    });
    expect(resourceAt(json, 'aws_cloudwatch_metric_alarm', 'sync-443/not-running')).toMatchObject({
      ...metric,
      metric_name: 'Invocations',
      comparison_operator: 'LessThanThreshold',
      threshold: 1,
      evaluation_periods: 5,
      treat_missing_data: 'breaching',
    });
  });

  test('alarms when its own IPCount metric for this target group stays below 1 for 5 minutes', () => {
    expect(resourceAt(json, 'aws_cloudwatch_metric_alarm', 'sync-443/no-alb-ips')).toMatchObject({
      namespace: 'AlbStaticIp',
      metric_name: 'IPCount',
      // The dimension value the function writes: `targetgroup/<name>/<id>`, the target group's ARN suffix.
      dimensions: { TargetGroup: ref(targetGroup, 'arn_suffix') },
      statistic: 'Maximum',
      comparison_operator: 'LessThanThreshold',
      threshold: 1,
      evaluation_periods: 5,
      datapoints_to_alarm: 5,
      treat_missing_data: 'notBreaching',
    });
  });

  test('alarms when no run of a quarter hour had a clean discovery, on the DiscoveryClean metric the function writes', () => {
    expect(resourceAt(json, 'aws_cloudwatch_metric_alarm', 'sync-443/discovery-unclean')).toMatchObject({
      alarm_name: 'prod-alb-ip-sync-443-discovery-unclean',
      namespace: 'AlbStaticIp',
      metric_name: 'DiscoveryClean',
      dimensions: { TargetGroup: ref(targetGroup, 'arn_suffix') },
      // Maximum: one clean run in a minute makes the minute clean.
      statistic: 'Maximum',
      period: 60,
      comparison_operator: 'LessThanThreshold',
      threshold: 1,
      evaluation_periods: 15,
      datapoints_to_alarm: 15,
      treat_missing_data: 'notBreaching',
    });
    const notified = synth({ alarmTopicArn: 'arn:aws:sns:eu-west-1:123456789012:alerts' });
    expect(resourceAt(notified, 'aws_cloudwatch_metric_alarm', 'discovery-unclean')).toMatchObject({
      alarm_actions: ['arn:aws:sns:eu-west-1:123456789012:alerts'],
    });
  });

  test('notifies the alarm topic on ALARM and OK when one is set, and nothing otherwise', () => {
    const topic = 'arn:aws:sns:eu-west-1:123456789012:alerts';
    const notified = synth({ alarmTopicArn: topic });
    for (const alarm of ['errors', 'not-running', 'no-alb-ips']) {
      expect(resourceAt(notified, 'aws_cloudwatch_metric_alarm', alarm)).toMatchObject({
        alarm_actions: [topic],
        ok_actions: [topic],
      });
      expect(resourceAt(json, 'aws_cloudwatch_metric_alarm', `sync-443/${alarm}`).alarm_actions).toBeUndefined();
    }
  });

  test.each<[string, Partial<AlbIpSyncProps>, string]>([
    ['a function name over 64 characters', { functionName: 'f'.repeat(65) }, 'must be 1-64 letters, digits'],
    ['a function name with a slash', { functionName: 'a/b' }, 'functionName "a/b" must be 1-64'],
    ['port 0', { port: 0 }, 'AlbIpSync: port 0 is outside 1-65535'],
    ['a retention CloudWatch does not offer', { logRetentionDays: 10 }, 'logRetentionDays 10 is not one CloudWatch accepts'],
  ])('rejects %s', (_, change, message) => {
    expect(() => synth(change)).toThrow(message);
  });
});

describe('AlbIpSync discovery', () => {
  const ALB_ARN = 'arn:aws:elasticloadbalancing:eu-west-1:123456789012:loadbalancer/app/web/50dc6c495c0c9188';
  const ROLE_ARN = 'arn:aws:iam::210987654321:role/alb-interface-reader';
  const interfaces = { source: 'interfaces', chosen: false, albArn: ALB_ARN } as const;
  const variablesOf = (json: TerraformJson) => resourceAt(json, 'aws_lambda_function', 'sync-443/function').environment.variables;
  const discoveryPolicy = (json: TerraformJson) => resourceAt(json, 'aws_iam_role_policy', 'sync-443/discovery-policy');
  const discoveryStatements = (json: TerraformJson) => policyStatements(json, discoveryPolicy(json).policy);
  const hasDiscoveryPolicy = (json: TerraformJson) =>
    Object.keys(json.resource.aws_iam_role_policy).some((name) => name.includes('discovery-policy'));

  test(
    'dns (the default): DISCOVERY dns, three runs before a missing ' + 'target goes, no ALB ARN and no permission beyond the target group',
    () => {
      const json = synth({ discovery: { source: 'dns', chosen: true } });
      expect(variablesOf(json)).toMatchObject({ DISCOVERY: 'dns', INVOCATIONS_BEFORE_DEREGISTRATION: '3' });
      expect(variablesOf(json).ALB_ARN).toBeUndefined();
      expect(variablesOf(json).DISCOVERY_ROLE_ARN).toBeUndefined();
      expect(hasDiscoveryPolicy(json)).toBe(false);
      expect(hasDiscoveryPolicy(synth())).toBe(false);
    },
  );

  test(
    'interfaces: the ALB ARN, two runs before a missing target goes, ' +
      'DescribeNetworkInterfaces on "*" (no resource-level permissions) and no AssumeRole',
    () => {
      const json = synth({ discovery: interfaces });
      expect(variablesOf(json)).toMatchObject({
        DISCOVERY: 'interfaces',
        ALB_ARN: ALB_ARN,
        INVOCATIONS_BEFORE_DEREGISTRATION: INTERFACE_GRACE,
      });
      expect(variablesOf(json).DISCOVERY_ROLE_ARN).toBeUndefined();
      expect(discoveryStatements(json)).toEqual([
        { sid: 'ListAlbInterfaces', effect: 'Allow', actions: ['ec2:DescribeNetworkInterfaces'], resources: ['*'] },
      ]);
      const role = resourceAt(json, 'aws_iam_role', 'sync-443/role');
      expect(discoveryPolicy(json).role).toBe(ref(role, 'id'));
      // The first run must find the permission in place.
      expect(resourceAt(json, 'aws_lambda_function', 'sync-443/function').depends_on).toContain(discoveryPolicy(json).address);
      // The target group's policy is unchanged: the listing has a policy of its own.
      expect(JSON.stringify(statementsOf(json, 443))).not.toContain('ec2:');
    },
  );

  test(
    'both: listed and sampled, with the interface grace; an explicit ' + 'sync.invocationsBeforeDeregistration wins over either default',
    () => {
      expect(variablesOf(synth({ discovery: { ...interfaces, source: 'both' } }))).toMatchObject({
        DISCOVERY: 'both',
        INVOCATIONS_BEFORE_DEREGISTRATION: INTERFACE_GRACE,
      });
      expect(
        variablesOf(synth({ discovery: interfaces, tuning: { invocationsBeforeDeregistration: 5 } })).INVOCATIONS_BEFORE_DEREGISTRATION,
      ).toBe('5');
      expect(
        variablesOf(synth({ discovery: { source: 'dns', chosen: false }, tuning: { invocationsBeforeDeregistration: 1 } }))
          .INVOCATIONS_BEFORE_DEREGISTRATION,
      ).toBe('1');
    },
  );

  test(
    'a discovery role: AssumeRole on that role only, no ' + 'DescribeNetworkInterfaces in the own account, the role in DISCOVERY_ROLE_ARN',
    () => {
      const json = synth({ discovery: { ...interfaces, roleArn: ROLE_ARN } });
      expect(variablesOf(json)).toMatchObject({ DISCOVERY: 'interfaces', ALB_ARN: ALB_ARN, DISCOVERY_ROLE_ARN: ROLE_ARN });
      expect(discoveryStatements(json)).toEqual([
        { sid: 'AssumeDiscoveryRole', effect: 'Allow', actions: ['sts:AssumeRole'], resources: [ROLE_ARN] },
      ]);
    },
  );

  test(
    'a default interfaces for a literal ARN of a given account: interfaces, the grace ' +
      'and the permission only when the target group is in that account, else DNS as before',
    () => {
      const json = synth({ discovery: { ...interfaces, albAccount: '111111111111' } });
      const tgArn = ref(resourceAt(json, 'aws_lb_target_group', 'tg-443'), 'arn').slice(2, -1);
      const sameAccount = `(element(split(":", ${tgArn}), 4) == "111111111111")`;
      expect(variablesOf(json)).toMatchObject({
        DISCOVERY: `\${${sameAccount} ? "interfaces" : "dns"}`,
        INVOCATIONS_BEFORE_DEREGISTRATION: `\${${sameAccount} ? "${INTERFACE_GRACE}" : "3"}`,
      });
      expect(discoveryStatements(json)[0].effect).toBe(`\${${sameAccount} ? "Allow" : "Deny"}`);
      expect(discoveryPolicy(json).lifecycle).toBeUndefined();
    },
  );

  test(
    'a chosen interfaces for a literal ARN of a given account fails ' + 'the apply in another account, naming the function and the field',
    () => {
      const json = synth({ discovery: { ...interfaces, chosen: true, albAccount: '111111111111' } });
      expect(variablesOf(json).DISCOVERY).toBe('interfaces');
      expect(discoveryPolicy(json).lifecycle.precondition).toEqual([
        {
          condition: expect.stringContaining('== "111111111111")'),
          error_message: expect.stringMatching(
            /^prod-alb-ip-sync-443: discovery interfaces needs the ALB in this stack's account.*discoveryRoleArn/,
          ),
        },
      ]);
    },
  );

  test.each<[string, Partial<AlbIpSyncProps>, string]>([
    ['interfaces without the ALB ARN', { discovery: { source: 'interfaces', chosen: true } }, "discovery interfaces needs the ALB's ARN"],
    ['events with DNS discovery', { events: true }, 'events need interface discovery'],
    ['events with a discovery role', { events: true, discovery: { ...interfaces, roleArn: ROLE_ARN } }, 'events need interface discovery'],
  ])('rejects %s', (_, change, message) => {
    expect(() => synth(change)).toThrow(message);
  });
});

describe('AlbIpSync events', () => {
  const ALB_ARN = 'arn:aws:elasticloadbalancing:eu-west-1:123456789012:loadbalancer/app/web/50dc6c495c0c9188';
  const json = synth({ discovery: { source: 'interfaces', chosen: false, albArn: ALB_ARN }, events: true });
  const fn = resourceAt(json, 'aws_lambda_function', 'sync-443/function');
  const rule = resourceAt(json, 'aws_cloudwatch_event_rule', 'sync-443/events/rule');

  test("matches ELB's successful CreateNetworkInterface of this ALB's exact description, and any DeleteNetworkInterface by ELB", () => {
    expect(rule.name).toBe('prod-alb-ip-sync-443-events');
    expect(JSON.parse(rule.event_pattern)).toEqual({
      source: ['aws.ec2'],
      'detail-type': ['AWS API Call via CloudTrail'],
      detail: {
        eventSource: ['ec2.amazonaws.com'],
        errorCode: [{ exists: false }],
        userIdentity: { sessionContext: { sessionIssuer: { userName: ['AWSServiceRoleForElasticLoadBalancing'] } } },
        $or: [
          { eventName: ['CreateNetworkInterface'], requestParameters: { description: ['ELB app/web/50dc6c495c0c9188'] } },
          { eventName: ['DeleteNetworkInterface'] },
        ],
      },
    });
  });

  test('invokes the function, which only this rule and the schedule may invoke; a stale event is dropped after a minute', () => {
    expect(resourceAt(json, 'aws_cloudwatch_event_target', 'sync-443/events/target')).toMatchObject({
      rule: ref(rule, 'name'),
      arn: ref(fn, 'arn'),
      retry_policy: { maximum_event_age_in_seconds: 60 },
    });
    expect(resourceAt(json, 'aws_lambda_permission', 'sync-443/events/permission')).toMatchObject({
      action: 'lambda:InvokeFunction',
      function_name: ref(fn, 'function_name'),
      principal: 'events.amazonaws.com',
      source_arn: ref(rule, 'arn'),
    });
    // Events arriving together never run the function twice at once.
    expect(fn.reserved_concurrent_executions).toBe(1);
  });

  test('none without events', () => {
    const quiet = synth({ discovery: { source: 'interfaces', chosen: false, albArn: ALB_ARN } });
    expect(Object.keys(quiet.resource.aws_cloudwatch_event_rule)).toEqual([expect.stringContaining('schedule')]);
  });

  test('an ARN token: the description is derived by Terraform from the ARN', () => {
    const tokenJson = synth({
      discovery: { source: 'interfaces', chosen: false, albArn: Token.asString(terraformRef('data.aws_lb.app.arn')) },
      events: true,
    });
    const pattern = resourceAt(tokenJson, 'aws_cloudwatch_event_rule', 'sync-443/events/rule').event_pattern;
    expect(pattern).toMatch(/^\$\{jsonencode\(/);
    expect(pattern).toContain('join("", ["ELB ", element(split(":loadbalancer/", data.aws_lb.app.arn), 1)])');
  });

  test("an ALB ARN of a given account: the rule's apply fails in another account", () => {
    const other = synth({ discovery: { source: 'interfaces', chosen: false, albArn: ALB_ARN, albAccount: '111111111111' }, events: true });
    expect(resourceAt(other, 'aws_cloudwatch_event_rule', 'sync-443/events/rule').lifecycle.precondition[0].error_message).toMatch(
      /^prod-alb-ip-sync-443: events needs the ALB in this stack's account/,
    );
  });
});
