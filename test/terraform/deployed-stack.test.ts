import * as path from 'node:path';
import type { EnvironmentConfig } from '../../config/types';
import { DEPLOYED as BASE, CHANGES, ORDINARY } from '../fixtures/deployed-changes';
import { deployStack, destroyed, planAgainst, replaced, type Deployed, type PlanAgainstResult, type PlannedChange } from '../support/deployed-state';
import { synthesize } from '../support/synth';
import { describeWithTerraform, type ProviderMirror } from '../support/terraform';

/**
 * What changes do to a deployed stack: a state built as if the stack had been applied, and `terraform plan
 * -refresh=false` of the changed configuration against it, offline. The addresses are the product: no ordinary
 * change may destroy or replace an Elastic IP or the NLB, and what would must fail the plan, naming it.
 */
const TIMEOUT_MS = 600_000;

/** What holds the addresses: an Elastic IP, the NLB, the accelerator. */
const ADDRESS_HOLDERS = ['aws_eip', 'aws_lb', 'aws_globalaccelerator_accelerator'];
const touchesAddresses = (changes: readonly PlannedChange[]) =>
  [...replaced(changes), ...destroyed(changes)].filter((change) => ADDRESS_HOLDERS.includes(change.type)).map((change) => change.address);

describeWithTerraform('changes planned against a deployed stack', (mirror: ProviderMirror) => {
  const configs: Record<string, EnvironmentConfig> = { base: BASE, ...CHANGES };
  // One synthesis per configuration; all have the same name, so each gets its own app.
  const dirs = new Map(Object.entries(configs).map(([key, config]) => [key, synthesize([config]).get(config.name)!.dir]));
  const deployments = new Map<string, Promise<Deployed>>();
  const deploy = (key: string): Promise<Deployed> => {
    if (!deployments.has(key)) deployments.set(key, deployStack(dirs.get(key)!, mirror));
    return deployments.get(key)!;
  };
  const plans = new Map<string, Promise<PlanAgainstResult>>();
  const plan = (deployed: string, config: string, options: { destroy?: boolean } = {}): Promise<PlanAgainstResult> => {
    const key = `${deployed} -> ${config}${options.destroy ? ' (destroy)' : ''}`;
    if (!plans.has(key)) plans.set(key, deploy(deployed).then((state) => planAgainst(state, dirs.get(config)!, options)));
    return plans.get(key)!;
  };
  afterAll(async () => {
    await Promise.allSettled([...plans.values()]);
    for (const deployment of await Promise.allSettled([...deployments.values()])) {
      if (deployment.status === 'fulfilled') deployment.value.dispose();
    }
  });

  test(
    'an unchanged re-synthesis plans no change at all',
    async () => {
      const again = synthesize([BASE]).get(BASE.name)!.dir;
      const result = await deploy('base').then((state) => planAgainst(state, again));
      expect(result.error).toBeUndefined();
      expect(result.changes).toEqual([]);
      expect(result.outputChanges).toEqual([]);
    },
    TIMEOUT_MS,
  );

  test(
    'reordering the zones plans no change at all: addresses and subnets are keyed by zone, not by position',
    async () => {
      const result = await plan('base', 'zones reordered');
      expect(result.error).toBeUndefined();
      expect(result.changes).toEqual([]);
    },
    TIMEOUT_MS,
  );

  test.each(Object.keys(ORDINARY))(
    '%s: no Elastic IP or NLB is destroyed or replaced',
    async (change) => {
      const result = await plan('base', change);
      expect(result.error).toBeUndefined();
      expect(result.changes.length).toBeGreaterThan(0);
      expect(touchesAddresses(result.changes)).toEqual([]);
    },
    TIMEOUT_MS,
  );

  test(
    'rules are keyed by what they allow: removing the first CIDR removes its rules and touches no other',
    async () => {
      const { changes } = await plan('base', 'the first ingress CIDR removed');
      expect(changes).toEqual([
        expect.objectContaining({ address: expect.stringMatching(/ingress-443-198511000-24_/), actions: ['delete'] }),
        expect.objectContaining({ address: expect.stringMatching(/ingress-80-198511000-24_/), actions: ['delete'] }),
      ]);
    },
    TIMEOUT_MS,
  );

  test(
    'a zone’s new subnet and a new zone update the NLB in place (hashicorp/aws 5.100 no longer replaces it)',
    async () => {
      for (const change of ['a zone’s subnet changed', 'a zone added']) {
        const { changes } = await plan('base', change);
        expect(changes.filter((c) => c.type === 'aws_lb')).toEqual([expect.objectContaining({ actions: ['update'] })]);
      }
    },
    TIMEOUT_MS,
  );

  test(
    'a zone removed: replacing the NLB fails the plan, naming it, and the zone’s address would be forgotten, not released',
    async () => {
      // hashicorp/aws 5.100 replaces an NLB that loses a subnet; its protection stops the plan.
      const { error } = await plan('base', 'a zone removed');
      expect(error).toMatch(/Instance cannot be destroyed[\s\S]*aws_lb\.static-ip-nlb_load-balancer/);
      expect(error).toMatch(/aws_eip\.static-ips_eip-eu-west-1b_\w+ will no longer be managed by Terraform, but will not be destroyed/);
    },
    TIMEOUT_MS,
  );

  test(
    'a destroy fails on protection, naming an address or the NLB, and plans nothing',
    async () => {
      const { error, changes } = await plan('base', 'base', { destroy: true });
      // Terraform stops at the first protected resource it meets; which one comes first is its choice.
      expect(error).toMatch(/Instance cannot be destroyed[\s\S]*(aws_lb\.static-ip-nlb_load-balancer|aws_eip\.static-ips_eip-eu-west-1[ab]_)/);
      expect(changes).toEqual([]);
    },
    TIMEOUT_MS,
  );

  test.each([
    ['ip-sync to alb-target, step 1 adds a standby beside the serving target group', 'base', 'switch, step 1: a standby alb-target'],
    ['ip-sync to alb-target, step 2 moves the listener and removes the old', 'switch, step 1: a standby alb-target', 'switch, step 2: alb-target serving'],
    ['alb-target to ip-sync, step 1', 'switch, step 2: alb-target serving', 'switch back, step 1: a standby ip-sync'],
    ['alb-target to ip-sync, step 2', 'switch back, step 1: a standby ip-sync', 'switch back, step 2: ip-sync serving'],
  ])(
    'switching modes keeps the addresses: %s',
    async (_, from, to) => {
      const { changes, error } = await plan(from, to);
      expect(error).toBeUndefined();
      expect(touchesAddresses(changes)).toEqual([]);
      // The serving listener is updated in place, never replaced: a replaced listener would drop connections.
      expect(replaced(changes).filter((change) => change.type === 'aws_lb_listener')).toEqual([]);
    },
    TIMEOUT_MS,
  );

  test(
    'step 2 of a switch serves from the standby’s own target group: it is neither created nor replaced',
    async () => {
      const { changes } = await plan('switch, step 1: a standby alb-target', 'switch, step 2: alb-target serving');
      const targetGroups = changes.filter((change) => change.type === 'aws_lb_target_group');
      expect(targetGroups).toEqual([expect.objectContaining({ address: expect.stringMatching(/ip-target-group-443/), actions: ['delete'] })]);
      expect(changes).toContainEqual(expect.objectContaining({ address: expect.stringMatching(/listener-443_/), actions: ['update'] }));
      expect(changes).toContainEqual(expect.objectContaining({ address: expect.stringMatching(/listener-10443_/), actions: ['delete'] }));
    },
    TIMEOUT_MS,
  );

  test(
    'upgrading a stack deployed with 0.1 moves its addresses, target groups and rules instead of replacing them',
    async () => {
      const deployed = await deployStack(path.join(__dirname, '..', 'fixtures', 'v0.1'), mirror);
      try {
        const { changes, error } = await planAgainst(deployed, dirs.get('base')!);
        expect(error).toBeUndefined();
        expect(touchesAddresses(changes)).toEqual([]);
        expect([...replaced(changes), ...destroyed(changes)].filter((change) => change.type === 'aws_lb_target_group' || change.type.startsWith('aws_vpc_security_group'))).toEqual([]);
      } finally {
        deployed.dispose();
      }
    },
    TIMEOUT_MS,
  );
});
