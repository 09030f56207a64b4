/**
 * Bad configuration stops the deployed bundle at once: the invocation fails with a message naming the variable,
 * before any DNS query or AWS call (the stand-ins see no request at all).
 */
import { nodeAddresses } from '../bench/dns-model';
import { runSync, startStandIns, type StandIns } from './support/run-sync';

const UNSET = undefined;
const VARIABLES = [
  'ALB_DNS_NAME',
  'ALB_LISTENER',
  'NLB_TG_ARN',
  'S3_BUCKET',
  'MAX_LOOKUP_PER_INVOCATION',
  'INVOCATIONS_BEFORE_DEREGISTRATION',
  'MAX_DEREGISTRATION_PERCENT',
  'CW_METRIC_FLAG_IP_COUNT',
  'SAME_VPC',
  'DNS_SERVERS',
] as const;

describe('the sync bundle with bad configuration', () => {
  let world: StandIns;
  beforeAll(async () => {
    world = await startStandIns({ addresses: nodeAddresses(12) });
  });
  afterAll(() => world.stop());

  it.each([
    ['ALB_DNS_NAME', UNSET],
    ['ALB_DNS_NAME', 'not a host name!'],
    ['ALB_DNS_NAME', '10.0.0.1'],
    ['ALB_LISTENER', '70000'],
    ['ALB_LISTENER', '0'],
    ['ALB_LISTENER', UNSET],
    ['NLB_TG_ARN', 'arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/net/static-ip/0123456789abcdef'],
    ['NLB_TG_ARN', 'static-ip-443'],
    ['S3_BUCKET', UNSET],
    ['MAX_LOOKUP_PER_INVOCATION', 'fifty'],
    ['MAX_LOOKUP_PER_INVOCATION', '-5'],
    ['INVOCATIONS_BEFORE_DEREGISTRATION', '3.5'],
    ['MAX_DEREGISTRATION_PERCENT', '150'],
    ['CW_METRIC_FLAG_IP_COUNT', 'sometimes'],
    ['SAME_VPC', 'yes please'],
    ['DNS_SERVERS', '127.0.0.1:99999'],
    ['DNS_SERVERS', 'dns server one'],
    ['DNS_SERVERS', '127.0.0.1:53:53'],
  ])('%s=%j fails at once, naming the variable, with no request to any stand-in', async (variable, value) => {
    const env = world.env();
    if (value === UNSET) delete env[variable];
    else env[variable] = value;
    const before = world.requestCount();

    const run = await runSync(env);

    expect(run.ok).toBe(false);
    expect(run.error).toContain(variable);
    // The message points at the culprit only, not at every variable there is.
    expect(VARIABLES.filter((name) => name !== variable && run.error?.includes(name))).toEqual([]);
    expect(world.requestCount()).toBe(before);
  });

  it('names every bad variable in one message, so one failed run is enough to fix them all', async () => {
    const run = await runSync(world.env({ ALB_LISTENER: 'https', MAX_DEREGISTRATION_PERCENT: '0' }));
    expect(run.error).toContain('ALB_LISTENER');
    expect(run.error).toContain('MAX_DEREGISTRATION_PERCENT');
  });

  it('the same environment with good values does reach the stand-ins (the checks above are not vacuous)', async () => {
    const before = world.requestCount();
    const run = await runSync(world.env());
    expect(run.error).toBeUndefined();
    expect(world.requestCount()).toBeGreaterThan(before);
  });
});
