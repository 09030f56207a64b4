import * as fs from 'node:fs';
import type { EnvironmentConfig } from '../../config/types';
import { FULL } from '../fixtures/environments';
import { synthesize } from '../support/synth';
import { copyStackForCheck, describeWithTerraform, expectCleanPlan, terraformCheck } from '../support/terraform';

/** init + validate + plan of a stack take 10-60 s on a busy 2-core machine. */
const TERRAFORM_TIMEOUT_MS = 300_000;

/**
 * Every discovery path in one stack: a default `interfaces` on a literal ARN (decided from the target group's
 * account), events and client IP preservation; `both` with a role; a chosen `interfaces` (a precondition); `dns`.
 */
const DISCOVERY_PATHS: EnvironmentConfig = {
  ...FULL,
  name: 'fixture-discovery',
  frontDoors: undefined,
  routes: [
    { listenerPort: 80, events: true, preserveClientIp: true },
    { listenerPort: 81, discovery: 'both', discoveryRoleArn: 'arn:aws:iam::123456789012:role/alb-interface-reader' },
    { listenerPort: 82, discovery: 'interfaces', events: true },
    { listenerPort: 83, discovery: 'dns' },
  ],
};

describeWithTerraform('terraform validate and plan of every discovery path', (mirror) => {
  test(
    'the provider accepts the conditional variables, the discovery policies, the event rules and preserve_client_ip',
    async () => {
      const stack = synthesize([DISCOVERY_PATHS]).get(DISCOVERY_PATHS.name)!;
      const workDir = copyStackForCheck(stack.dir);
      try {
        expectCleanPlan(await terraformCheck(workDir, mirror), stack.json);
      } finally {
        fs.rmSync(workDir, { recursive: true, force: true });
      }
    },
    TERRAFORM_TIMEOUT_MS,
  );
});
