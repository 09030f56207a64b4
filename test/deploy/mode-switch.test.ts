import type { RouteConfig } from '../../config/types';
import { Deployment } from './support/deployment';
import { DeployedSync, deployedResources, forgetCreateBeforeDestroy, stateInstances } from './support/deployed-sync';
import { startEmulatedWorld, type EmulatedWorld } from './support/emulated-world';
import { describeWithEmulator } from './support/moto';
import { addresses, environmentOf, listenerTargets, registeredTargets, type Clients, type World } from './support/world';

/**
 * The README's "Switching a route's mode", applied for real: both steps in both directions, then the direct
 * switch both ways. After every apply, each NLB listener must forward to a target group that holds targets (an
 * ip-sync group once its function has run, an alb-target group through its attachment), and no address moved.
 */
describeWithEmulator('switching a route mode, applied into the emulator', (mirror) => {
  const NAME = 'deploy-switch';
  const STANDBY_PORT = 10443;
  let emulated: EmulatedWorld;
  let aws: Clients;
  let world: World;
  let deployment: Deployment;
  let sync: DeployedSync;
  let staticIps: string[];
  let firstNlbArn: string;

  const route443 = (mode: 'ip-sync' | 'alb-target', standby?: 'ip-sync' | 'alb-target'): RouteConfig => ({
    listenerPort: 443,
    mode,
    // The shipped example's alb-target route: its own health check (HTTP: the world's listener on 443 speaks it)
    // and the ALB listener it waits for, kept whichever side, serving or standby, is the alb-target one.
    ...(mode === 'alb-target' || standby === 'alb-target'
      ? { healthCheck: { path: '/health', protocol: 'HTTP' }, albListenerArn: world.albListeners[443] }
      : {}),
    ...(standby ? { standby: { mode: standby, listenerPort: STANDBY_PORT } } : {}),
  });

  /** Applies the environment with these port-443 settings, runs every deployed sync once, and checks every listener. */
  async function applyAndCheck(route: RouteConfig, expectedPorts: number[]): Promise<void> {
    deployment.use(environmentOf(world, NAME, [{ listenerPort: 80 }, route]));
    await deployment.apply();
    for (const port of sync.ports(deployment)) await sync.run(deployment, port);
    const nlbArn = deployedResources(deployment, 'aws_lb')[0].arn;
    const forwards = await listenerTargets(aws, nlbArn);
    expect([...forwards.keys()].sort((a, b) => a - b)).toEqual(expectedPorts);
    for (const [port, targetGroupArn] of forwards) {
      const targets = await registeredTargets(aws, targetGroupArn);
      expect({ port, targetGroupArn, hasTargets: targets.length > 0 }).toEqual({ port, targetGroupArn, hasTargets: true });
    }
    // The static IPs and the NLB never move.
    expect((await deployment.outputs()).static_ips).toEqual(staticIps);
    expect(nlbArn).toBe(firstNlbArn);
  }

  beforeAll(async () => {
    emulated = await startEmulatedWorld(mirror);
    ({ aws, world, deployment, sync } = emulated);
    deployment.use(environmentOf(world, NAME, [{ listenerPort: 80 }, route443('alb-target')]));
    await deployment.apply();
    staticIps = (await deployment.outputs()).static_ips;
    firstNlbArn = deployedResources(deployment, 'aws_lb')[0].arn;
    expect(staticIps).toHaveLength(3);
  });

  afterAll(() => emulated?.stop());

  test('alb-target -> ip-sync, step 1, from a stack deployed before 0.3: the apply records create_before_destroy', async () => {
    // 0.2 synthesized no create_before_destroy, so its state records none: the one difference left to model.
    forgetCreateBeforeDestroy(deployment, 'aws_lb_target_group');
    await applyAndCheck(route443('alb-target', 'ip-sync'), [80, 443, STANDBY_PORT]);
    const recorded = stateInstances(deployment, 'aws_lb_target_group').map((instance) => instance.create_before_destroy === true);
    expect(recorded).toEqual([true, true, true]);
  });

  test('alb-target -> ip-sync, step 2: 443 forwards to the standby group, the old group goes after', async () => {
    await applyAndCheck(route443('ip-sync'), [80, 443]);
  });

  test('ip-sync -> alb-target, step 1: an alb-target standby', async () => {
    await applyAndCheck(route443('ip-sync', 'alb-target'), [80, 443, STANDBY_PORT]);
  });

  test('ip-sync -> alb-target, step 2', async () => {
    await applyAndCheck(route443('alb-target'), [80, 443]);
  });

  test('direct switch to ip-sync, then back to alb-target, in one apply each', async () => {
    await applyAndCheck(route443('ip-sync'), [80, 443]);
    await applyAndCheck(route443('alb-target'), [80, 443]);
  });

  test('after every switch the addresses are the ones first allocated or brought in', async () => {
    const { attached, adopted } = world.existingAddresses;
    const now = await addresses(aws);
    expect(now.get(attached.allocationId)?.publicIp).toBe(attached.publicIp);
    expect(now.get(adopted.allocationId)?.publicIp).toBe(adopted.publicIp);
    expect(staticIps.slice(0, 2)).toEqual([attached.publicIp, adopted.publicIp]);
  });
});
