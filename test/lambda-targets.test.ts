import { ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2';
import { nodeAddresses } from '../bench/dns-model';
import { deregisterTargets, MAX_REGISTRATION_SPLITS, MAX_TARGETS_PER_CALL, registerTargets } from '../lambda/targets';
import { startElbv2Server, type Elbv2StandIn } from './support/elbv2-server';
import { FAKE_CREDENTIALS, TEST_REGION } from './support/run-sync';

const TG = 'arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/static-ip-443/0123456789abcdef';
const REGISTRATION = { targetGroupArn: TG, port: 443, sameVpc: true };

describe('target group calls (real ELBv2 client against the stand-in on 127.0.0.1)', () => {
  let elb: Elbv2StandIn;
  let client: ElasticLoadBalancingV2Client;
  beforeEach(async () => {
    elb = await startElbv2Server({ targetGroups: { [TG]: 443 } });
    client = new ElasticLoadBalancingV2Client({
      region: TEST_REGION,
      endpoint: elb.endpoint,
      credentials: FAKE_CREDENTIALS,
      maxAttempts: 1,
    });
  });
  afterEach(async () => {
    client.destroy();
    await elb.stop();
  });

  /** The targets each call of `action` sent, by call. */
  const sent = (action: string): string[][] => elb.requests.filter((r) => r.action === action).map((r) => r.targets.map((t) => t.id));
  const registeredIps = () => elb.targets(TG).map((t) => t.ip);

  it(`registers and deregisters at most ${MAX_TARGETS_PER_CALL} targets per call`, async () => {
    const ips = nodeAddresses(250);
    expect(await registerTargets(client, REGISTRATION, ips)).toEqual({ registered: ips, failures: [] });
    expect(sent('RegisterTargets').map((batch) => batch.length)).toEqual([100, 100, 50]);

    const targets = elb.targets(TG).slice(0, 201);
    expect(await deregisterTargets(client, TG, targets)).toEqual({ deregistered: targets });
    expect(sent('DeregisterTargets').map((batch) => batch.length)).toEqual([100, 100, 1]);
    expect(registeredIps()).toEqual(ips.slice(201));
  });

  it('an address the API rejects and names is set aside; the rest of its batch and the other batches register', async () => {
    const ips = nodeAddresses(150);
    const [first, second] = [ips[10], ips[120]];
    elb.rejectTargets([first, second]);

    const outcome = await registerTargets(client, REGISTRATION, ips);
    expect(outcome.failures).toEqual([
      { ips: [first], reason: expect.stringMatching(new RegExp(`^InvalidTargetException: .*'${first}'.*\\(HTTP 400\\)$`)) },
      { ips: [second], reason: expect.stringContaining(second) },
    ]);
    expect(outcome.registered).toEqual(ips.filter((ip) => ip !== first && ip !== second));
    expect(registeredIps()).toEqual(outcome.registered);
    // Each refused batch is sent once more without the address named.
    expect(sent('RegisterTargets').map((batch) => batch.length)).toEqual([100, 99, 50, 49]);
  });

  it('a batch refused without naming an address is halved until the address is alone', async () => {
    const ips = nodeAddresses(8);
    elb.rejectTargets([ips[5]], { named: false });

    const outcome = await registerTargets(client, REGISTRATION, ips);
    expect(outcome.failures).toEqual([{ ips: [ips[5]], reason: expect.stringMatching(/^InvalidTargetException/) }]);
    expect(registeredIps()).toEqual(ips.filter((ip) => ip !== ips[5]));
    expect(sent('RegisterTargets').map((batch) => batch.length)).toEqual([8, 4, 4, 2, 1, 1, 2]);
  });

  it(`halving stops after ${MAX_REGISTRATION_SPLITS} halvings of two calls each; what is left unresolved fails as a whole`, async () => {
    const ips = nodeAddresses(64);
    elb.rejectTargets(
      ips.filter((_, i) => i % 3 === 0),
      { named: false },
    );

    const outcome = await registerTargets(client, REGISTRATION, ips);
    expect(sent('RegisterTargets')).toHaveLength(1 + 2 * MAX_REGISTRATION_SPLITS);
    const failed = outcome.failures.flatMap((failure) => failure.ips);
    expect([...outcome.registered, ...failed].sort()).toEqual([...ips].sort());
    expect(failed).toEqual(expect.arrayContaining(ips.filter((_, i) => i % 3 === 0)));
    expect(registeredIps()).toEqual(outcome.registered);
  });

  it('the target quota reached: nothing more is sent, and every address not yet registered fails with TooManyTargets', async () => {
    const ips = nodeAddresses(250);
    elb.setTargetLimit(120);

    const outcome = await registerTargets(client, REGISTRATION, ips);
    expect(outcome.registered).toEqual(ips.slice(0, 100));
    expect(outcome.failures).toEqual([{ ips: ips.slice(100), reason: expect.stringMatching(/^TooManyTargetsException/) }]);
    expect(sent('RegisterTargets').map((batch) => batch.length)).toEqual([100, 100]);
  });

  it('a refused deregistration: the batches after it are not sent, and the outcome says why', async () => {
    elb.addTargets(
      TG,
      nodeAddresses(150).map((ip) => ({ ip, port: 443, availabilityZone: 'us-east-1a' })),
    );
    const targets = elb.targets(TG);
    elb.fail('TargetGroupNotFound', { operation: 'DeregisterTargets', times: 1 });

    expect(await deregisterTargets(client, TG, targets)).toEqual({
      deregistered: [],
      failure: expect.stringMatching(/^TargetGroupNotFoundException/),
    });
    expect(sent('DeregisterTargets')).toHaveLength(1);
    expect(registeredIps()).toHaveLength(150);
  });
});
