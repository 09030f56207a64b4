import { TerraformStack, Testing } from 'cdktf';
import { AwsProvider } from '@cdktf/provider-aws/lib/provider';
import { syncDashboard } from '../../modes/ip-sync';
import { StaticIpObservability } from '../../modules/observability';
import { observe, TOPIC } from '../fixtures/observability';
import { resourcesOf, type TerraformJson, testApp } from '../support/synth';
import { checkConfiguration, describeWithTerraform, expectCleanPlan, type TerraformCheckResult } from '../support/terraform';
/** init + validate + plan of one small stack takes a few seconds; leave room for a busy machine. */
const TERRAFORM_TIMEOUT_MS = 180_000;

describeWithTerraform('StaticIpObservability under real terraform', (mirror) => {
  const checks = new Map<string, { json: TerraformJson; check: Promise<TerraformCheckResult> }>();

  /** Synthesizes a stack into a fresh folder and starts its check; its test awaits it, so the runs overlap. */
  const startCheck = (key: string, build: (stack: TerraformStack) => void, edit: (json: TerraformJson) => void = () => undefined) => {
    const stack = new TerraformStack(testApp(), key);
    new AwsProvider(stack, 'aws', { region: 'eu-west-1' });
    build(stack);
    const json: TerraformJson = JSON.parse(Testing.synth(stack));
    edit(json);
    const check = checkConfiguration(json, mirror, `observability-${key}`);
    check.catch(() => undefined); // awaited (and reported) by its test
    checks.set(key, { json, check });
  };
  /**
   * The construct observing an existing NLB by literal ARN suffixes: the body is known at validate time, so the
   * provider parses it as JSON (a body with references to new resources is unknown until apply).
   */
  const observeLiterals = (stack: TerraformStack) =>
    new StaticIpObservability(stack, 'existing', {
      name: 'legacy-static-ip',
      region: 'eu-west-1',
      loadBalancerArnSuffix: 'net/legacy-static-ip/0123456789abcdef',
      routes: [
        {
          listenerPort: 443,
          mode: 'ip-sync',
          targetGroupArnSuffix: 'targetgroup/legacy-443/0123456789abcdef',
          dashboard: syncDashboard(443, 'targetgroup/legacy-443/0123456789abcdef', 'legacy-alb-ip-sync-443'),
        },
      ],
      alarmTopicArn: TOPIC,
    });
  const BROKEN = 'broken-body';

  beforeAll(() => {
    startCheck('observed', (stack) => {
      observe(stack, { alarmTopicArn: TOPIC });
      observeLiterals(stack);
    });
    // A dashboard body that is not JSON, to prove terraform reads the body and the check fails when it does.
    startCheck(BROKEN, observeLiterals, (json) => {
      const [dashboard] = Object.values(resourcesOf(json, 'aws_cloudwatch_dashboard'));
      dashboard.dashboard_body = dashboard.dashboard_body.slice(0, -1);
    });
  });

  test(
    `terraform (hashicorp/aws ${mirror.awsVersion}) validates the dashboard and alarms and plans to create them`,
    async () => {
      const { json, check } = checks.get('observed')!;
      const result = await check;
      expectCleanPlan(result, json);
      expect(result.toCreate.filter((address) => address.startsWith('aws_cloudwatch_dashboard.'))).toHaveLength(2);
      expect(result.toCreate.filter((address) => address.startsWith('aws_cloudwatch_metric_alarm.'))).toHaveLength(6);
    },
    TERRAFORM_TIMEOUT_MS,
  );

  test(
    'a dashboard body that is not JSON fails the check',
    async () => {
      await expect(checks.get(BROKEN)!.check).rejects.toThrow(/terraform plan failed[\s\S]*dashboard_body\W+ contains an invalid JSON/);
    },
    TERRAFORM_TIMEOUT_MS,
  );
});
