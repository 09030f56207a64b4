import { TerraformOutput, TerraformStack, Testing } from 'cdktf';
import type { AwsProviderConfig } from '@cdktf/provider-aws/lib/provider';
import { FRONT_DOOR_PROPS as PROPS, frontDoor } from '../fixtures/global-accelerator';
import { type TerraformJson, testApp } from '../support/synth';
import { checkConfiguration, describeWithTerraform, expectCleanPlan } from '../support/terraform';
/** init + validate + plan of a small stack take about 20 s on 2 cores; leave room for a busy machine. */
const TERRAFORM_TIMEOUT_MS = 180_000;

describeWithTerraform('terraform validate and plan of a Global Accelerator front door', (mirror) => {
  test(
    'the provider accepts every argument, the static-IP expression included, and plans exactly the synthesized resources',
    async () => {
      const stack = new TerraformStack(testApp(), 'global-accelerator');
      // The harness's offline override reaches the default provider only: the alias gets the same settings here.
      const offline: AwsProviderConfig = {
        region: 'eu-west-1',
        skipCredentialsValidation: true,
        skipRequestingAccountId: true,
        skipMetadataApiCheck: 'true',
      };
      const door = frontDoor(stack, { ...PROPS, ipAddressType: 'DUAL_STACK' }, offline);
      new TerraformOutput(stack, 'static_ips', { value: door.staticIps });
      new TerraformOutput(stack, 'dual_stack_dns_name', { value: door.dualStackDnsName });
      const json = JSON.parse(Testing.synth(stack)) as TerraformJson;
      expectCleanPlan(await checkConfiguration(json, mirror, 'global-accelerator'), json);
    },
    TERRAFORM_TIMEOUT_MS,
  );
});
