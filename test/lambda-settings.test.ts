import { interfaceAccess } from '../lambda/clients';
import { parseSettings, SettingsError, SETTING_DEFAULTS } from '../lambda/settings';

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
      discovery: 'dns',
      albArn: undefined,
      discoveryRoleArn: undefined,
      warnings: [],
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
    expect(settings).toMatchObject({
      maxLookups: 50,
      invocationsBeforeDeregistration: 5,
      publishIpCount: false,
      sameVpc: false,
      maxDeregistrationPercent: 100,
    });
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

  test('takes target groups and ALBs in regions numbered 10 and above', () => {
    const [targetGroup, alb] = ['targetgroup/tg/0123456789abcdef', 'loadbalancer/app/web/0123456789abcdef'].map(
      (resource) => `arn:aws:elasticloadbalancing:ap-southeast-10:123456789012:${resource}`,
    );
    const settings = parseSettings({ ...VALID, NLB_TG_ARN: targetGroup, DISCOVERY: 'interfaces', ALB_ARN: alb });
    expect(settings).toMatchObject({ region: 'ap-southeast-10', albArn: alb });
    expect(interfaceAccess(settings).albRegion).toBe('ap-southeast-10');
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

describe('parseSettings: discovery', () => {
  const ALB = 'arn:aws:elasticloadbalancing:eu-west-1:123456789012:loadbalancer/app/web/0123456789abcdef';
  const ROLE = 'arn:aws:iam::210987654321:role/alb-static-ip-discovery';

  test('a 0.2 function (no DISCOVERY) keeps DNS discovery and its grace of 3 runs', () => {
    expect(parseSettings(VALID)).toMatchObject({ discovery: 'dns', invocationsBeforeDeregistration: 3, warnings: [] });
  });

  test.each(['interfaces', 'both'] as const)('DISCOVERY=%s needs ALB_ARN, takes a role, and defaults the grace to one run', (discovery) => {
    expect(parseSettings({ ...VALID, DISCOVERY: discovery, ALB_ARN: ALB, DISCOVERY_ROLE_ARN: ROLE })).toMatchObject({
      discovery,
      albArn: ALB,
      discoveryRoleArn: ROLE,
      invocationsBeforeDeregistration: SETTING_DEFAULTS.INTERFACE_INVOCATIONS_BEFORE_DEREGISTRATION,
    });
    expect(() => parseSettings({ ...VALID, DISCOVERY: discovery })).toThrow(/ALB_ARN is required but not set/);
  });

  test('INVOCATIONS_BEFORE_DEREGISTRATION still overrides the grace under interface discovery', () => {
    expect(
      parseSettings({ ...VALID, DISCOVERY: 'interfaces', ALB_ARN: ALB, INVOCATIONS_BEFORE_DEREGISTRATION: '2' })
        .invocationsBeforeDeregistration,
    ).toBe(2);
  });

  test.each([
    ['DISCOVERY', 'eni', /DISCOVERY must be one of interfaces, dns, both, got "eni"/],
    [
      'ALB_ARN',
      'arn:aws:elasticloadbalancing:eu-west-1:123456789012:loadbalancer/net/web/0123456789abcdef',
      /ALB_ARN must be an ALB.s ARN/,
    ],
    ['ALB_ARN', 'arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/web/0123456789abcdef', /ALB_ARN must be an ALB.s ARN/],
    ['DISCOVERY_ROLE_ARN', 'arn:aws:iam::210987654321:user/someone', /DISCOVERY_ROLE_ARN must be an IAM role ARN/],
    ['DISCOVERY_ROLE_ARN', 'alb-static-ip-discovery', /DISCOVERY_ROLE_ARN must be an IAM role ARN/],
  ])('%s=%s is refused, naming the variable', (variable, value, message) => {
    expect(() => parseSettings({ ...VALID, DISCOVERY: 'interfaces', ALB_ARN: ALB, [variable]: value })).toThrow(message);
  });

  test('under DNS discovery, ALB_ARN and DISCOVERY_ROLE_ARN are checked and reported as having no effect', () => {
    expect(parseSettings({ ...VALID, ALB_ARN: ALB, DISCOVERY_ROLE_ARN: ROLE }).warnings).toEqual([
      'ALB_ARN has no effect: DISCOVERY is dns, which lists no interfaces',
      'DISCOVERY_ROLE_ARN has no effect: DISCOVERY is dns, which lists no interfaces',
    ]);
  });
});
