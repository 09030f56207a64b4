import type { EnvironmentConfig } from '../../config/types';
import { SYNC_VARIABLES } from '../../lambda/environment';
import { SETTING_DEFAULTS } from '../../lambda/settings';
import { Deployment } from './support/deployment';
import { DeployedSync, deployedResources } from './support/deployed-sync';
import { unexplainedChanges } from './support/gaps';
import { startEmulatedWorld, type EmulatedWorld } from './support/emulated-world';
import { describeWithEmulator } from './support/moto';
import { environmentOf, listenerTargets, registeredTargets, type Clients, type World } from './support/world';

/**
 * The staging example's shape, applied: an ALB known by its DNS name alone and the default routes (80 and 443 in
 * ip-sync mode). Without the ALB's ARN the functions sample DNS, with DNS's grace, and may not list interfaces.
 */
describeWithEmulator('an ALB known by its DNS name only, with the default routes, applied into the emulator', (mirror) => {
  const NAME = 'deploy-dns';

  let emulated: EmulatedWorld;
  let aws: Clients;
  let world: World;
  let deployment: Deployment;
  let sync: DeployedSync;

  beforeAll(async () => {
    emulated = await startEmulatedWorld(mirror);
    ({ aws, world, deployment, sync } = emulated);
    const { routes: _, ...shipped } = environmentOf(world, NAME);
    const environment: EnvironmentConfig = {
      ...shipped,
      albs: { app: { dnsName: world.alb.dnsName, securityGroupId: world.alb.securityGroupId } },
    };
    deployment.use(environment);
    await deployment.apply();
  });

  afterAll(() => emulated?.stop());

  test('a second plan, with refresh, plans nothing but what the emulator cannot store', async () => {
    expect(unexplainedChanges(await deployment.plan())).toEqual([]);
  });

  test('each default route has a function on DNS discovery with its grace, and no permission to list interfaces', () => {
    for (const port of [80, 443]) {
      const variables = sync.functionOf(deployment, port).environment[0].variables;
      expect(variables[SYNC_VARIABLES.discovery]).toBe('dns');
      expect(variables[SYNC_VARIABLES.albArn]).toBeUndefined();
      expect(Number(variables[SYNC_VARIABLES.invocationsBeforeDeregistration])).toBe(SETTING_DEFAULTS.INVOCATIONS_BEFORE_DEREGISTRATION);
    }
    const policies = deployedResources(deployment, 'aws_iam_role_policy').map((policy) => policy.policy as string);
    expect(policies.filter((policy) => policy.includes('ec2:DescribeNetworkInterfaces'))).toEqual([]);
  });

  test('both listeners forward to groups that hold the nodes DNS serves, on the ALB port of each route', async () => {
    for (const port of [80, 443]) await sync.run(deployment, port);
    const forwards = await listenerTargets(aws, deployedResources(deployment, 'aws_lb')[0].arn);
    expect([...forwards.keys()].sort((a, b) => a - b)).toEqual([80, 443]);
    for (const [port, targetGroupArn] of forwards) {
      expect(await registeredTargets(aws, targetGroupArn)).toEqual(world.albNodes.map((ip) => `${ip}:${port}`).sort());
    }
  });

  test('a node gone from DNS stays registered through the grace and leaves after it', async () => {
    const [staying, departed] = world.albNodes;
    const targetGroupArn = (await deployment.outputs()).target_group_arns['80/ip-sync'];
    sync.dns.setAddresses([staying]);
    for (let run = 1; run < SETTING_DEFAULTS.INVOCATIONS_BEFORE_DEREGISTRATION; run++) {
      await sync.run(deployment, 80);
      expect({ run, targets: await registeredTargets(aws, targetGroupArn) }).toEqual({
        run,
        targets: [`${departed}:80`, `${staying}:80`].sort(),
      });
    }
    await sync.run(deployment, 80);
    expect(await registeredTargets(aws, targetGroupArn)).toEqual([`${staying}:80`]);
  });
});
