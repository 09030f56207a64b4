import type { EnvironmentConfig } from '../../config/types';
import { deployStack, destroyed, ofType, planAgainst, replaced, type Deployed, type PlanAgainstResult } from '../support/deployed-state';
import { synthesize } from '../support/synth';
import { describeWithTerraform, type ProviderMirror } from '../support/terraform';

/**
 * Every documented way of taking a zone out, planned with real Terraform against a state built as if the stack had
 * been applied: a removed zone's address is forgotten (left allocated) unless `staticIps.release` names the zone,
 * and `protect: false` (needed for the NLB's replacement) never releases it by itself.
 */
const TIMEOUT_MS = 600_000;

/** Deployed with three zones; each path takes eu-west-1c out. */
const DEPLOYED: EnvironmentConfig = {
  name: 'fixture-zone-removal',
  region: 'eu-west-1',
  vpcId: 'vpc-0a1b2c3d4e5f60718',
  zones: [
    { availabilityZone: 'eu-west-1a', subnetId: 'subnet-0a1b2c3d4e5f60001' },
    { availabilityZone: 'eu-west-1b', subnetId: 'subnet-0a1b2c3d4e5f60002' },
    { availabilityZone: 'eu-west-1c', subnetId: 'subnet-0a1b2c3d4e5f60003' },
  ],
  albs: { app: { dnsName: 'internal-app-1234567890.eu-west-1.elb.amazonaws.com' } },
  routes: [{ listenerPort: 443 }],
  ingressCidrs: ['198.51.100.0/24'],
};
const withoutZoneC = (staticIps: EnvironmentConfig['staticIps']): EnvironmentConfig => ({
  ...DEPLOYED,
  zones: DEPLOYED.zones!.slice(0, 2),
  staticIps,
});
const PATHS = {
  'protected (the default)': withoutZoneC(undefined),
  'protect: false': withoutZoneC({ protect: false }),
  'protect: false, release: [eu-west-1c]': withoutZoneC({ protect: false, release: ['eu-west-1c'] }),
} as const;

const EIP_C = /^aws_eip\.static-ips_eip-eu-west-1c_[0-9A-F]{8}$/;

describeWithTerraform('a zone taken out of a deployed stack', (mirror: ProviderMirror) => {
  let deployed: Promise<Deployed>;
  const plans = new Map<keyof typeof PATHS, Promise<PlanAgainstResult>>();
  const plan = (path: keyof typeof PATHS): Promise<PlanAgainstResult> => plans.get(path)!;

  // Once deployed, every path is planned at once and each test awaits its own, so that they share the terraform slots.
  beforeAll(() => {
    deployed = deployStack(synthesize([DEPLOYED]).get(DEPLOYED.name)!.dir, mirror);
    for (const path of Object.keys(PATHS) as (keyof typeof PATHS)[]) {
      const dir = synthesize([PATHS[path]]).get(DEPLOYED.name)!.dir;
      const planned = deployed.then((state) => planAgainst(state, dir));
      planned.catch(() => undefined); // awaited (and reported) by its test
      plans.set(path, planned);
    }
  });
  afterAll(async () => {
    await Promise.allSettled(plans.values());
    (await deployed.catch(() => undefined))?.dispose();
  });

  test(
    'protected: the plan fails on the NLB’s replacement, naming it, and would forget the zone’s address, not release it',
    async () => {
      const { error, changes } = await plan('protected (the default)');
      expect(error).toMatch(/Instance cannot be destroyed[\s\S]*aws_lb\.static-ip-nlb_load-balancer/);
      // What terraform planned before it stopped: the zone's address taken out of the state, left allocated.
      expect(ofType(changes, 'aws_eip')).toEqual([expect.objectContaining({ address: expect.stringMatching(EIP_C), action: 'forget' })]);
    },
    TIMEOUT_MS,
  );

  test(
    'protect: false: the NLB is replaced and the zone’s address is forgotten (left allocated), no address released',
    async () => {
      const { error, changes } = await plan('protect: false');
      expect(error).toBeUndefined();
      expect(replaced(changes).map((c) => c.type)).toContain('aws_lb');
      expect(ofType(changes, 'aws_eip')).toEqual([expect.objectContaining({ address: expect.stringMatching(EIP_C), action: 'forget' })]);
      expect(destroyed(changes).filter((c) => c.type === 'aws_eip')).toEqual([]);
    },
    TIMEOUT_MS,
  );

  test(
    'release names the zone: the plan says its address is destroyed (released), and only that one',
    async () => {
      const { error, changes } = await plan('protect: false, release: [eu-west-1c]');
      expect(error).toBeUndefined();
      expect(ofType(changes, 'aws_eip')).toEqual([expect.objectContaining({ address: expect.stringMatching(EIP_C), action: 'delete' })]);
    },
    TIMEOUT_MS,
  );
});
