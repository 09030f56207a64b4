import { parseSettings, SettingsError } from '../lambda/settings';

const ARN = 'arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/prod-443/0123456789abcdef';
const VALID = {
  ALB_DNS_NAME: 'internal-app-123.eu-west-1.elb.amazonaws.com',
  ALB_LISTENER: '443',
  NLB_TG_ARN: ARN,
  S3_BUCKET: 'prod-alb-static-ip-state',
};

describe('parseSettings', () => {
  test('reads the required variables and applies the documented defaults', () => {
    expect(parseSettings(VALID)).toEqual({
      albDnsName: VALID.ALB_DNS_NAME,
      albListener: 443,
      targetGroupArn: ARN,
      region: 'eu-west-1',
      bucket: VALID.S3_BUCKET,
      maxLookups: 1000,
      invocationsBeforeDeregistration: 3,
      publishIpCount: true,
      sameVpc: true,
      maxDeregistrationPercent: 50,
      dnsServers: undefined,
    });
  });

  test('reads every optional variable, flags case-insensitively', () => {
    const settings = parseSettings({
      ...VALID,
      MAX_LOOKUP_PER_INVOCATION: '50',
      INVOCATIONS_BEFORE_DEREGISTRATION: '5',
      CW_METRIC_FLAG_IP_COUNT: 'False',
      SAME_VPC: 'FALSE',
      MAX_DEREGISTRATION_PERCENT: '100',
      DNS_SERVERS: '10.0.0.2, 127.0.0.1:5353,ns1.example.com',
    });
    expect(settings).toMatchObject({ maxLookups: 50, invocationsBeforeDeregistration: 5, publishIpCount: false, sameVpc: false, maxDeregistrationPercent: 100 });
    expect(settings.dnsServers).toEqual([
      { host: '10.0.0.2', port: 53 },
      { host: '127.0.0.1', port: 5353 },
      { host: 'ns1.example.com', port: 53 },
    ]);
  });

  test('takes the region from an ARN of another partition', () => {
    const arn = 'arn:aws-us-gov:elasticloadbalancing:us-gov-west-1:123456789012:targetgroup/tg/0123456789abcdef';
    expect(parseSettings({ ...VALID, NLB_TG_ARN: arn }).region).toBe('us-gov-west-1');
  });

  test.each([
    ['ALB_DNS_NAME', undefined, 'is required'],
    ['ALB_DNS_NAME', 'not a host name', 'must be a DNS host name'],
    ['ALB_DNS_NAME', '10.0.0.1', 'must be a DNS host name'],
    ['ALB_DNS_NAME', 'localhost', 'must be a DNS host name'],
    ['ALB_LISTENER', undefined, 'is required'],
    ['ALB_LISTENER', 'https', 'from 1 to 65535'],
    ['ALB_LISTENER', '0', 'from 1 to 65535'],
    ['ALB_LISTENER', '65536', 'from 1 to 65535'],
    ['ALB_LISTENER', '44.3', 'from 1 to 65535'],
    ['NLB_TG_ARN', undefined, 'is required'],
    ['NLB_TG_ARN', 'arn:aws:elasticloadbalancing:eu-west-1:123456789012:loadbalancer/net/nlb/0123456789abcdef', 'target group ARN'],
    ['NLB_TG_ARN', 'arn:aws:elasticloadbalancing:eu-west-1:1234:targetgroup/tg/0123456789abcdef', 'target group ARN'],
    ['S3_BUCKET', undefined, 'is required'],
    ['S3_BUCKET', 'Upper_Case', 'bucket name'],
    ['S3_BUCKET', 'a..b', 'bucket name'],
    ['MAX_LOOKUP_PER_INVOCATION', 'lots', 'from 1 to 1000'],
    ['MAX_LOOKUP_PER_INVOCATION', '-5', 'from 1 to 1000'],
    ['INVOCATIONS_BEFORE_DEREGISTRATION', '0', 'from 1 to 1000'],
    ['MAX_DEREGISTRATION_PERCENT', '101', 'from 1 to 100'],
    ['MAX_DEREGISTRATION_PERCENT', '0', 'from 1 to 100'],
    ['CW_METRIC_FLAG_IP_COUNT', 'yes', 'must be true or false'],
    ['SAME_VPC', '1', 'must be true or false'],
    ['DNS_SERVERS', '10.0.0.2:99999', 'ports 1-65535'],
    ['DNS_SERVERS', '10.0.0.2:dns', 'host or host:port'],
    ['DNS_SERVERS', '10.0.0.2:53:1', 'host or host:port'],
    ['DNS_SERVERS', '10.0.0.2,,10.0.0.3', 'host or host:port'],
  ])('%s=%p is rejected with a message naming it', (variable, value, problem) => {
    const env: Record<string, string | undefined> = { ...VALID, [variable]: value };
    expect(() => parseSettings(env)).toThrow(SettingsError);
    expect(() => parseSettings(env)).toThrow(new RegExp(`${variable} .*${problem}`));
    if (value !== undefined) expect(() => parseSettings(env)).toThrow(JSON.stringify(value));
  });

  test('reports every problem at once', () => {
    expect(() => parseSettings({ ALB_LISTENER: '80', MAX_DEREGISTRATION_PERCENT: '200' })).toThrow(
      /ALB_DNS_NAME is required.*NLB_TG_ARN is required.*S3_BUCKET is required.*MAX_DEREGISTRATION_PERCENT must be/,
    );
  });
});
