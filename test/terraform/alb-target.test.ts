import { TerraformStack, Testing } from 'cdktf';
import { Lb } from '@cdktf/provider-aws/lib/lb';
import { LbListener } from '@cdktf/provider-aws/lib/lb-listener';
import { AwsProvider } from '@cdktf/provider-aws/lib/provider';
import { AlbTypeTargetGroup } from '../../modes/alb-target/alb-type-target-group';
import { ALB_TARGET_PROPS as PROPS, albListener } from '../fixtures/alb-target';
import { type TerraformJson, testApp } from '../support/synth';
import { checkConfiguration, describeWithTerraform, expectCleanPlan } from '../support/terraform';
/** init + validate + plan of a small stack take about 20 s on 2 cores; leave room for a busy machine. */
const TERRAFORM_TIMEOUT_MS = 180_000;

describeWithTerraform('terraform validate and plan of alb-target routes behind an NLB', (mirror) => {
  test(
    'the provider accepts every argument and plans to create exactly the synthesized resources',
    async () => {
      const stack = new TerraformStack(testApp(), 'alb-target');
      new AwsProvider(stack, 'aws', { region: 'eu-west-1' });
      const nlb = new Lb(stack, 'nlb', {
        name: 'prod-static-ip',
        loadBalancerType: 'network',
        subnets: ['subnet-0000000a', 'subnet-0000000b'],
      });
      for (const port of [80, 443]) {
        const route = new AlbTypeTargetGroup(stack, `route-${port}`, {
          ...PROPS,
          name: `prod-alb-${port}`,
          port,
          // One route waits for a listener of this stack, the other relies on an existing one.
          albListener: port === 80 ? albListener(stack, port) : undefined,
        });
        new LbListener(stack, `nlb-listener-${port}`, {
          loadBalancerArn: nlb.arn,
          port,
          protocol: 'TCP',
          defaultAction: [{ type: 'forward', targetGroupArn: route.targetGroup.arn }],
        });
      }
      const json = JSON.parse(Testing.synth(stack)) as TerraformJson;
      expectCleanPlan(await checkConfiguration(json, mirror, 'alb-target'), json);
    },
    TERRAFORM_TIMEOUT_MS,
  );
});
