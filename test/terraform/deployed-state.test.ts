import * as fs from 'node:fs';
import * as path from 'node:path';
import type { EnvironmentConfig } from '../../config/types';
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
import { resourceAt, resourcesOf, synthesize, type SynthesizedStack } from '../support/synth';
import { describeWithTerraform } from '../support/terraform';
import type { JsonObject } from '../support/json';

/** A deploy is three plans and a plan against it one more, on a 2-core machine other test files share. */
const TERRAFORM_TIMEOUT_MS = 600_000;

// The fixture environment and its variations, in one place: adapt them here when the configuration changes.
const FIXTURE: EnvironmentConfig = {
  name: 'deployed',
  region: 'eu-west-1',
  vpcId: 'vpc-0a1b2c3d4e5f60718',
  zones: [
    { availabilityZone: 'eu-west-1a', subnetId: 'subnet-0a1b2c3d4e5f60001' },
    { availabilityZone: 'eu-west-1b', subnetId: 'subnet-0a1b2c3d' },
  ],
  albs: {
    app: {
      dnsName: 'internal-app-1234567890.eu-west-1.elb.amazonaws.com',
      securityGroupId: 'sg-0a1b2c3d4e5f60718',
    },
  },
  routes: [{ listenerPort: 80 }, { listenerPort: 443 }],
  ingressCidrs: ['198.51.100.0/24'],
  // The harness's own test destroys what it deployed; protection is tested in deployed-stack.test.ts.
  staticIps: { protect: false },
};
const WITH_A_PARTNER_CIDR: EnvironmentConfig = { ...FIXTURE, ingressCidrs: ['198.51.100.0/24', '192.0.2.0/24'] };
const WITH_SLOWER_DEREGISTRATION: EnvironmentConfig = { ...FIXTURE, sync: { invocationsBeforeDeregistration: 5 } };

describeWithTerraform('a stack planned against its own state "as if deployed"', (mirror) => {
  const synthesized = (environment: EnvironmentConfig): SynthesizedStack => synthesize([environment]).get(environment.name)!;
  const original = synthesized(FIXTURE);
  const again = synthesized(FIXTURE);
  const withPartnerCidr = synthesized(WITH_A_PARTNER_CIDR);
  const withSlowerDeregistration = synthesized(WITH_SLOWER_DEREGISTRATION);
  // A target group's port is fixed at creation: the provider replaces the group to change it.
  const withNewPort = synthesized(FIXTURE);
  const targetGroup = resourceAt(withNewPort.json, 'aws_lb_target_group', 'ip-target-group-443/target-group');
  const file = path.join(withNewPort.dir, 'cdk.tf.json');
  const edited = JSON.parse(fs.readFileSync(file, 'utf8'));
  edited.resource.aws_lb_target_group[targetGroup.address.split('.')[1]].port = 8443;
  fs.writeFileSync(file, JSON.stringify(edited));

  let deployed: Deployed;
  const plans = new Map<string, Promise<PlanAgainstResult>>();
  const plan = (dir: string, options: { destroy?: boolean } = {}) => {
    const planned = planAgainst(deployed, dir, options);
    planned.catch(() => undefined); // awaited (and reported) by its test
    return planned;
  };

  // Once deployed, every plan starts at once and each test awaits its own, so that they share the terraform slots.
  beforeAll(async () => {
    deployed = await deployStack(original.dir, mirror);
    plans.set('again', plan(again.dir));
    plans.set('partner CIDR', plan(withPartnerCidr.dir));
    plans.set('slower deregistration', plan(withSlowerDeregistration.dir));
    plans.set('new port', plan(withNewPort.dir));
    plans.set('destroy', plan(original.dir, { destroy: true }));
  }, TERRAFORM_TIMEOUT_MS);
  afterAll(async () => {
    await Promise.allSettled(plans.values());
    deployed?.dispose();
  });

  const addresses = (changes: readonly PlannedChange[]) => changes.map(({ address }) => address);

  test('the state is what AWS would hold: each Elastic IP its own address, the NLB bound to exactly those', () => {
    const state = JSON.parse(fs.readFileSync(deployed.stateFile, 'utf8')) as {
      version: number;
      resources: { type: string; instances: { attributes: JsonObject }[] }[];
    };
    expect(state.version).toBe(4);
    const attributesOf = (type: string) =>
      state.resources.filter((r) => r.type === type).flatMap((r) => r.instances.map((i) => i.attributes));
    const eips = attributesOf('aws_eip');
    expect(eips).toHaveLength(FIXTURE.zones!.length);
    for (const eip of eips) {
      expect(eip.allocation_id).toMatch(/^eipalloc-[0-9a-f]{17}$/);
      expect(eip.public_ip).toMatch(/^203\.0\.113\.\d{1,3}$/);
    }
    expect(new Set(eips.map((eip) => eip.public_ip)).size).toBe(eips.length);
    const [nlb] = attributesOf('aws_lb');
    expect(nlb.arn).toMatch(/^arn:aws:elasticloadbalancing:eu-west-1:\d{12}:loadbalancer\/net\/deployed-static-ip\/[0-9a-f]{16}$/);
    expect(nlb.arn_suffix).toBe(nlb.arn.split(':loadbalancer/')[1]);
    expect(nlb.subnet_mapping.map((m: { allocation_id: string }) => m.allocation_id).sort()).toEqual(
      eips.map((eip) => eip.allocation_id).sort(),
    );
  });

  test(
    'an unchanged synthesis plans no change at all: no resource, no output (the function zip is the same bytes)',
    async () => {
      const result = await plans.get('again')!;
      expect(result.error).toBeUndefined();
      expect(result.changes).toEqual([]);
      expect(result.outputChanges).toEqual([]);
    },
    TERRAFORM_TIMEOUT_MS,
  );

  test(
    'a new ingress CIDR creates its rules, one per port, and touches nothing else',
    async () => {
      const result = await plans.get('partner CIDR')!;
      expect(result.error).toBeUndefined();
      const newRules = Object.entries(resourcesOf(withPartnerCidr.json, 'aws_vpc_security_group_ingress_rule'))
        .filter(([, rule]) => rule.cidr_ipv4 === '192.0.2.0/24')
        .map(([name]) => `aws_vpc_security_group_ingress_rule.${name}`);
      expect(newRules).toHaveLength(FIXTURE.routes!.length);
      expect(addresses(result.changes)).toEqual(newRules.sort());
      expect(result.changes.map(({ action }) => action)).toEqual(newRules.map(() => 'create'));
    },
    TERRAFORM_TIMEOUT_MS,
  );

  test(
    'new sync tuning updates the functions in place, and only them',
    async () => {
      const result = await plans.get('slower deregistration')!;
      expect(result.error).toBeUndefined();
      expect(ofType(result.changes, 'aws_lambda_function').map(({ action }) => action)).toEqual(['update', 'update']);
      expect(result.changes).toHaveLength(2);
    },
    TERRAFORM_TIMEOUT_MS,
  );

  test(
    'a change the provider cannot make in place is reported as a replacement',
    async () => {
      const result = await plans.get('new port')!;
      expect(result.error).toBeUndefined();
      expect(addresses(replaced(result.changes))).toEqual([targetGroup.address]);
      expect(destroyed(result.changes)).toEqual([]);
    },
    TERRAFORM_TIMEOUT_MS,
  );

  test(
    'a destroy plan removes every resource of the stack',
    async () => {
      const result = await plans.get('destroy')!;
      expect(result.error).toBeUndefined();
      const everything = Object.entries(original.json.resource)
        .flatMap(([type, byName]) => Object.keys(byName).map((name) => `${type}.${name}`))
        .sort();
      expect(addresses(destroyed(result.changes))).toEqual(everything);
      expect(result.changes).toHaveLength(everything.length);
    },
    TERRAFORM_TIMEOUT_MS,
  );
});
