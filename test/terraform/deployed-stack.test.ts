import * as path from 'node:path';
import type { EnvironmentConfig } from '../../config/types';
import { DEPLOYED as BASE, CHANGES, ORDINARY } from '../fixtures/deployed-changes';
import {
  deployStack,
  destroyed,
  ofType,
  planAgainst,
  replaced,
  type Deployed,
  type PlanAgainstResult,
  type PlannedChange,
} from '../support/deployed-state';
import { resourcesOf, synthesize, type SynthesizedStack } from '../support/synth';
import { describeWithTerraform, type ProviderMirror } from '../support/terraform';

/**
 * What changes do to a deployed stack: a state built as if the stack had been applied, and `terraform plan
 * -refresh=false` of the changed configuration against it, offline. The addresses are the product: no ordinary
 * change may destroy or replace an Elastic IP or the NLB, and what would must fail the plan, naming it.
 *
 * The emulator tier (test/deploy/) applies the mode switches, a destroy plan and the common changes for real, which
 * an invented state cannot (apply order, API refusals); this file keeps what only it answers offline: the 0.1
 * upgrade, zone changes and dual stack under hashicorp/aws 5.100, and the exact plan of the other ordinary changes.
 * A zone removed is planned in zone-removal.test.ts, an unchanged synthesis in deployed-state.test.ts.
 */
const TIMEOUT_MS = 600_000;

/** What holds the addresses: an Elastic IP, the NLB, the accelerator. */
const ADDRESS_HOLDERS = ['aws_eip', 'aws_lb', 'aws_globalaccelerator_accelerator'];
const touchesAddresses = (changes: readonly PlannedChange[]) =>
  [...replaced(changes), ...destroyed(changes)].filter((change) => ADDRESS_HOLDERS.includes(change.type)).map((change) => change.address);

/**
 * Ordinary changes the emulator tier applies, or plans with refresh, keeping every address and the NLB:
 * test/deploy/stack.test.ts ("a CIDR and a route added", "a route removed") and test/deploy/mode-switch.test.ts
 * (the direct switch, addresses and NLB unchanged after the apply).
 */
const APPLIED_IN_THE_EMULATOR = ['a route added', 'a route removed', 'an ingress CIDR added', 'a route switched to alb-target in one step'];

/** The base made dual-stack: IPv6 clients allowed too. */
const DUAL_STACK_CIDR = '2001:db8::/32';
const DUAL_STACK: EnvironmentConfig = {
  ...BASE,
  frontDoors: { nlb: { ipAddressType: 'dualstack' } },
  ingressCidrs: [...BASE.ingressCidrs!, DUAL_STACK_CIDR],
};

describeWithTerraform('changes planned against a deployed stack', (mirror: ProviderMirror) => {
  const configs: Record<string, EnvironmentConfig> = { base: BASE, ...CHANGES, 'dual stack': DUAL_STACK };
  const PLANNED = Object.keys(ORDINARY).filter((change) => !APPLIED_IN_THE_EMULATOR.includes(change));
  // One synthesis per configuration a test uses; all have the same name, so each gets its own app.
  const synthesized = new Map<string, SynthesizedStack>();
  const stacks = {
    get: (key: string): SynthesizedStack => {
      if (!synthesized.has(key)) synthesized.set(key, synthesize([configs[key]]).get(configs[key].name)!);
      return synthesized.get(key)!;
    },
  };
  let base: Promise<Deployed>;
  const plans = new Map<string, Promise<PlanAgainstResult>>();
  /** The plan of a configuration against the base as deployed. */
  const plan = (config: string): Promise<PlanAgainstResult> => plans.get(config)!;
  /** The 0.1 stack as deployed, and its plan against the base configuration. */
  let v01: Promise<Deployed>;
  let upgrade: Promise<PlanAgainstResult>;

  // Every deployment and plan starts now and each test awaits its own, so that they share the terraform slots.
  beforeAll(() => {
    base = deployStack(stacks.get('base').dir, mirror);
    for (const config of [...PLANNED, 'dual stack']) {
      const planned = base.then((state) => planAgainst(state, stacks.get(config).dir));
      planned.catch(() => undefined); // awaited (and reported) by its test
      plans.set(config, planned);
    }
    v01 = deployStack(path.join(__dirname, '..', 'fixtures', 'v0.1'), mirror);
    upgrade = v01.then((state) => planAgainst(state, stacks.get('base').dir));
    upgrade.catch(() => undefined);
  });
  afterAll(async () => {
    await Promise.allSettled([...plans.values(), upgrade]);
    for (const deployment of await Promise.allSettled([base, v01])) {
      if (deployment.status === 'fulfilled') deployment.value.dispose();
    }
  });

  test.each(PLANNED)(
    '%s: no Elastic IP or NLB is destroyed or replaced',
    async (change) => {
      const result = await plan(change);
      expect(result.error).toBeUndefined();
      expect(result.changes.length).toBeGreaterThan(0);
      expect(touchesAddresses(result.changes)).toEqual([]);
    },
    TIMEOUT_MS,
  );

  test(
    'rules are keyed by what they allow: removing the first CIDR removes its rules and touches no other',
    async () => {
      const { changes } = await plan('the first ingress CIDR removed');
      expect(changes).toEqual([
        expect.objectContaining({ address: expect.stringMatching(/ingress-443-198511000-24_/), action: 'delete' }),
        expect.objectContaining({ address: expect.stringMatching(/ingress-80-198511000-24_/), action: 'delete' }),
      ]);
    },
    TIMEOUT_MS,
  );

  test(
    'a zone’s new subnet and a new zone update the NLB in place (hashicorp/aws 5.100 no longer replaces it)',
    async () => {
      for (const change of ['a zone’s subnet changed', 'a zone added']) {
        const { changes } = await plan(change);
        expect(changes.filter((c) => c.type === 'aws_lb')).toEqual([expect.objectContaining({ action: 'update' })]);
      }
    },
    TIMEOUT_MS,
  );

  test(
    'dual stack updates the NLB in place: no address, load balancer or listener replaced, only the IPv6 client rules new',
    async () => {
      const { error, changes, outputChanges } = await plan('dual stack');
      expect(error).toBeUndefined();
      expect(replaced(changes)).toEqual([]);
      expect(destroyed(changes)).toEqual([]);
      expect(ofType(changes, 'aws_lb')).toEqual([expect.objectContaining({ action: 'update' })]);
      const ipv6Rules = Object.entries(resourcesOf(stacks.get('dual stack').json, 'aws_vpc_security_group_ingress_rule'))
        .filter(([, rule]) => rule.cidr_ipv6 === DUAL_STACK_CIDR)
        .map(([name]) => `aws_vpc_security_group_ingress_rule.${name}`);
      expect(ipv6Rules.length).toBeGreaterThan(0);
      expect(changes.filter(({ action }) => action === 'create').map(({ address }) => address)).toEqual(ipv6Rules.sort());
      // The IPv6 addresses are read once the NLB is dual-stack.
      expect(outputChanges).toContain('nlb_ipv6_addresses');
    },
    TIMEOUT_MS,
  );

  test(
    'upgrading a stack deployed with 0.1 moves its addresses, target groups and rules instead of replacing them',
    async () => {
      const { changes, error } = await upgrade;
      expect(error).toBeUndefined();
      expect(touchesAddresses(changes)).toEqual([]);
      expect(
        [...replaced(changes), ...destroyed(changes)].filter(
          (change) => change.type === 'aws_lb_target_group' || change.type.startsWith('aws_vpc_security_group'),
        ),
      ).toEqual([]);
    },
    TIMEOUT_MS,
  );
});
