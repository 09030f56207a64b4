import { DescribeLoadBalancerAttributesCommand } from '@aws-sdk/client-elastic-load-balancing-v2';
import { ListObjectsV2Command } from '@aws-sdk/client-s3';
import type { EnvironmentConfig } from '../../config/types';
import { SYNC_VARIABLES } from '../../lambda/environment';
import { SETTING_DEFAULTS } from '../../lambda/settings';
import { stateKeyOf } from '../support/run-sync';
import { Deployment, type PlannedChange } from './support/deployment';
import { DeployedSync, deployedResources } from './support/deployed-sync';
import { unexplainedChanges } from './support/gaps';
import { startEmulatedWorld, type EmulatedWorld } from './support/emulated-world';
import { describeWithEmulator } from './support/moto';
import {
  addresses,
  environmentOf,
  registeredTargets,
  removeAlbNode,
  withBucketPolicySuspended,
  type Clients,
  type World,
} from './support/world';

/** Resources that hold a static IP: an ordinary change must never delete or replace one. */
const ADDRESS_HOLDERS = ['aws_eip', 'aws_eip_association', 'aws_lb'];

/** `address: actions` of every planned change to an address-holding resource (there must be none, not even an update). */
const addressChanges = (changes: readonly PlannedChange[]) =>
  changes.filter((c) => ADDRESS_HOLDERS.includes(c.type)).map((c) => `${c.address}: ${c.actions.join('+')}`);

/** `type: actions` of the changes, to compare as a sorted list. */
const actionsByType = (changes: readonly PlannedChange[]) => changes.map((c) => `${c.type}: ${c.actions.join('+')}`).sort();

/**
 * The example's shape (three zones: an Elastic IP attached by id, one adopted, one new; 80 in ip-sync, 443 in
 * alb-target) applied into the emulator once, then checked against the emulator's own answers.
 */
describeWithEmulator('a stack applied into the emulator', (mirror) => {
  const NAME = 'deploy-stack';

  let emulated: EmulatedWorld;
  let aws: Clients;
  let world: World;
  let environment: EnvironmentConfig;
  let deployment: Deployment;
  let sync: DeployedSync;

  beforeAll(async () => {
    emulated = await startEmulatedWorld(mirror);
    ({ aws, world, deployment, sync } = emulated);
    environment = environmentOf(world, NAME);
    deployment.use(environment);
    await deployment.apply();
  });

  afterAll(() => emulated?.stop());

  test('a second plan, with refresh, plans nothing but what the emulator cannot store', async () => {
    expect(unexplainedChanges(await deployment.plan())).toEqual([]);
  });

  test('the outputs name the addresses the emulator holds; brought-in addresses are attached, not recreated', async () => {
    const { attached, adopted } = world.existingAddresses;
    const outputs = await deployment.outputs();
    const held = await addresses(aws);
    // Zone order: the one attached by id, the adopted one, then the one the stack allocated.
    expect(outputs.static_ips.slice(0, 2)).toEqual([attached.publicIp, adopted.publicIp]);
    const allocated = [...held].filter(([id]) => id !== attached.allocationId && id !== adopted.allocationId);
    expect(allocated.map(([, a]) => a.publicIp)).toEqual([outputs.static_ips[2]]);
    expect(held.get(attached.allocationId)?.publicIp).toBe(attached.publicIp);
    expect(held.get(adopted.allocationId)?.publicIp).toBe(adopted.publicIp);

    // Adopted: owned under its own id; attached: not owned at all, only mapped to its zone's subnet.
    const owned = deployedResources(deployment, 'aws_eip')
      .map((eip) => eip.id)
      .sort();
    expect(owned).toEqual([adopted.allocationId, allocated[0][0]].sort());
    const [nlb] = deployedResources(deployment, 'aws_lb');
    const mapped = Object.fromEntries(
      nlb.subnet_mapping.map((m: { subnet_id: string; allocation_id: string }) => [m.subnet_id, m.allocation_id]),
    );
    expect(mapped).toEqual({
      [world.publicSubnets['us-east-1a']]: attached.allocationId,
      [world.publicSubnets['us-east-1b']]: adopted.allocationId,
      [world.publicSubnets['us-east-1c']]: allocated[0][0],
    });
    expect(outputs.target_group_arns).toEqual(
      Object.fromEntries(
        deployedResources(deployment, 'aws_lb_target_group').map((tg) => [
          `${tg.port}/${tg.target_type === 'ip' ? 'ip-sync' : 'alb-target'}`,
          tg.arn,
        ]),
      ),
    );
  });

  test("the NLB's deletion protection is on, as the emulator reports it", async () => {
    const [nlb] = deployedResources(deployment, 'aws_lb');
    const { Attributes = [] } = await aws.elb.send(new DescribeLoadBalancerAttributesCommand({ LoadBalancerArn: nlb.arn }));
    expect(Attributes.find((a) => a.Key === 'deletion_protection.enabled')?.Value).toBe('true');
  });

  describe('the built function, run as the deployed port-80 sync', () => {
    const albNode = (ip: string) => `${ip}:80`;
    let targetGroupArn: string;

    beforeAll(async () => {
      targetGroupArn = (await deployment.outputs()).target_group_arns['80/ip-sync'];
    });

    test("registers the ALB's nodes on the route's port and keeps its state under the target group's ARN", async () => {
      await sync.run(deployment, 80);
      expect(await registeredTargets(aws, targetGroupArn)).toEqual(world.albNodes.map(albNode).sort());
      const bucket = (await deployment.outputs()).state_bucket;
      const keys = await withBucketPolicySuspended(aws, bucket, async () =>
        ((await aws.s3.send(new ListObjectsV2Command({ Bucket: bucket }))).Contents ?? []).map((o) => o.Key),
      );
      expect(keys).toEqual([stateKeyOf(targetGroupArn, world.alb.dnsName)]);
    });

    test("the function lists the ALB's interfaces (the default for an ALB whose ARN is in the stack's account)", () => {
      const variables = sync.functionOf(deployment, 80).environment[0].variables;
      expect(variables[SYNC_VARIABLES.discovery]).toBe('interfaces');
      expect(variables[SYNC_VARIABLES.albArn]).toBe(world.alb.arn);
    });

    test('a departed node (its interface deleted) stays registered for the grace period and leaves after it', async () => {
      const [staying, departed] = world.albNodes;
      await removeAlbNode(aws, world, departed);
      sync.dns.setAddresses([staying]);
      const grace = Number(sync.functionOf(deployment, 80).environment[0].variables[SYNC_VARIABLES.invocationsBeforeDeregistration]);
      expect(grace).toBe(SETTING_DEFAULTS.INTERFACE_INVOCATIONS_BEFORE_DEREGISTRATION);
      for (let run = 1; run < grace; run++) {
        await sync.run(deployment, 80);
        expect({ run, targets: await registeredTargets(aws, targetGroupArn) }).toEqual({
          run,
          targets: [albNode(staying), albNode(departed)].sort(),
        });
      }
      await sync.run(deployment, 80);
      expect(await registeredTargets(aws, targetGroupArn)).toEqual([albNode(staying)]);
    });
  });

  describe('ordinary changes, planned with refresh, keep every address and the NLB', () => {
    const planned = async (change: EnvironmentConfig) => {
      deployment.use(change);
      return deployment.plan();
    };
    afterAll(() => deployment.use(environment));

    test('zones listed in another order', async () => {
      const changes = await planned({ ...environment, zones: [...environment.zones!].reverse() });
      expect(unexplainedChanges(changes)).toEqual([]);
    });

    test('a CIDR and a route added', async () => {
      const changes = await planned({
        ...environment,
        ingressCidrs: [...environment.ingressCidrs!, '203.0.113.0/24'],
        routes: [...environment.routes!, { listenerPort: 8080, albPort: 80 }],
      });
      expect(addressChanges(changes)).toEqual([]);
      expect(actionsByType(unexplainedChanges(changes))).toEqual(
        expect.arrayContaining(['aws_lb_listener: create', 'aws_lb_target_group: create', 'aws_vpc_security_group_ingress_rule: create']),
      );
      expect(changes.filter((c) => c.actions.includes('delete'))).toEqual([]);
    });

    test('a route removed', async () => {
      const changes = await planned({ ...environment, routes: environment.routes!.filter((r) => r.listenerPort !== 80) });
      expect(addressChanges(changes)).toEqual([]);
      expect(actionsByType(changes.filter((c) => c.actions.includes('delete')))).toEqual(
        expect.arrayContaining(['aws_lambda_function: delete', 'aws_lb_listener: delete', 'aws_lb_target_group: delete']),
      );
    });
  });

  test('a destroy plan fails on the protection', async () => {
    await expect(deployment.plan('-destroy')).rejects.toThrow(/prevent_destroy/);
  });
});
