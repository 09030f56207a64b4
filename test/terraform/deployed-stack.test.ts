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
 *
 * The emulator tier (test/deploy/) applies the mode switches, a destroy plan and the common changes for real, which
 * an invented state cannot (apply order, API refusals); this file keeps what only it answers offline: the 0.1
 * upgrade, zone changes under hashicorp/aws 5.100, and the exact plan of each ordinary change.
 */
const TIMEOUT_MS = 600_000;

/** What holds the addresses: an Elastic IP, the NLB, the accelerator. */
const ADDRESS_HOLDERS = ['aws_eip', 'aws_lb', 'aws_globalaccelerator_accelerator'];
const touchesAddresses = (changes: readonly PlannedChange[]) =>
  [...replaced(changes), ...destroyed(changes)].filter((change) => ADDRESS_HOLDERS.includes(change.type)).map((change) => change.address);

describeWithTerraform('changes planned against a deployed stack', (mirror: ProviderMirror) => {
  const configs: Record<string, EnvironmentConfig> = { base: BASE, ...CHANGES };
  // One synthesis per configuration a test uses; all have the same name, so each gets its own app.
  const synthesized = new Map<string, string>();
  const dirs = {
    get: (key: string): string => {
      if (!synthesized.has(key)) synthesized.set(key, synthesize([configs[key]]).get(configs[key].name)!.dir);
      return synthesized.get(key)!;
    },
  };
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
