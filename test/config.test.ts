import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { EnvironmentConfig } from '../config/types';
import { EXAMPLE_ENVIRONMENTS } from '../config/environments';
import { ConfigError, resolveEnvironment, resolveEnvironments } from '../config/validate';
import { buildApp } from '../main';

const VALID: EnvironmentConfig = {
  name: 'prod',
  region: 'eu-west-1',
  vpcId: 'vpc-0a1b2c3d4e5f60718',
  publicSubnetIds: ['subnet-0a1b2c3d4e5f60001', 'subnet-0a1b2c3d'],
  alb: { dnsName: 'internal-app-1234567890.eu-west-1.elb.amazonaws.com' },
};

/** The problems a configuration is rejected with (fails the test if it is accepted or fails otherwise). */
function problemsOf(configs: readonly EnvironmentConfig[]): readonly string[] {
  try {
    resolveEnvironments(configs);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  throw new Error('configuration was accepted');
}

const withChange = (change: Partial<EnvironmentConfig> | Record<string, unknown>): EnvironmentConfig =>
  ({ ...VALID, ...change } as EnvironmentConfig);

describe('resolveEnvironment', () => {
  test('fills in every default of the sync contract and the README', () => {
    expect(resolveEnvironment(VALID)).toEqual({
      ...VALID,
      ports: [80, 443],
      ingressCidrs: ['0.0.0.0/0'],
      tags: {},
      sync: { maxLookupsPerInvocation: 1000, invocationsBeforeDeregistration: 3, maxDeregistrationPercent: 50 },
      lambdaRuntime: 'nodejs22.x',
      backend: { type: 'local' },
    });
  });

  test('keeps what the environment sets, defaulting only the tuning knobs it leaves out', () => {
    const resolved = resolveEnvironment(
      withChange({ ports: [8443], ingressCidrs: ['203.0.113.0/24'], sync: { invocationsBeforeDeregistration: 5 } }),
    );
    expect(resolved.ports).toEqual([8443]);
    expect(resolved.ingressCidrs).toEqual(['203.0.113.0/24']);
    expect(resolved.sync).toEqual({
      maxLookupsPerInvocation: 1000,
      invocationsBeforeDeregistration: 5,
      maxDeregistrationPercent: 50,
    });
  });

  test('accepts the shipped example environments', () => {
    expect(resolveEnvironments(EXAMPLE_ENVIRONMENTS).map(({ name }) => name)).toEqual(['staging', 'production']);
  });
});

describe('configuration errors name the environment and the field', () => {
  test.each<[string, Record<string, unknown>, string]>([
    ['no subnets', { publicSubnetIds: [] }, 'publicSubnetIds must list at least one entry'],
    ['subnets missing', { publicSubnetIds: undefined }, 'publicSubnetIds must list at least one entry'],
    [
      'a duplicate subnet',
      { publicSubnetIds: ['subnet-0a1b2c3d', 'subnet-0a1b2c3d'] },
      'publicSubnetIds[1] "subnet-0a1b2c3d" is a duplicate',
    ],
    [
      'a malformed subnet id',
      { publicSubnetIds: ['subnet-0a1b2c3d', 'subnet-xyz'] },
      'publicSubnetIds[1] "subnet-xyz" is not a subnet id (subnet-<8 or 17 hex>)',
    ],
    ['a malformed VPC id', { vpcId: 'vpc-12345' }, 'vpcId "vpc-12345" is not a VPC id (vpc-<8 or 17 hex>)'],
    ['a malformed region', { region: 'eu-west' }, 'region "eu-west" is not an AWS region (e.g. eu-west-1)'],
    ['no ports', { ports: [] }, 'ports must list at least one entry'],
    ['a duplicate port', { ports: [443, 80, 443] }, 'ports[2] 443 is a duplicate'],
    ['port 0', { ports: [0] }, 'ports[0] 0 is outside 1-65535'],
    ['port 65536', { ports: [80, 65536] }, 'ports[1] 65536 is outside 1-65535'],
    ['a fractional port', { ports: [80.5] }, 'ports[0] 80.5 is outside 1-65535'],
    ['no ingress CIDRs', { ingressCidrs: [] }, 'ingressCidrs must list at least one entry'],
    [
      'a CIDR without length',
      { ingressCidrs: ['10.0.0.0'] },
      'ingressCidrs[0] "10.0.0.0" is not an IPv4 CIDR (a.b.c.d/n)',
    ],
    [
      'a CIDR octet over 255',
      { ingressCidrs: ['10.0.0.256/32'] },
      'ingressCidrs[0] "10.0.0.256/32" is not an IPv4 CIDR (a.b.c.d/n)',
    ],
    [
      'a CIDR length over 32',
      { ingressCidrs: ['10.0.0.0/33'] },
      'ingressCidrs[0] "10.0.0.0/33" is not an IPv4 CIDR (a.b.c.d/n)',
    ],
    [
      'a CIDR with host bits',
      { ingressCidrs: ['198.51.100.7/24'] },
      'ingressCidrs[0] "198.51.100.7/24" has host bits set (did you mean 198.51.100.0/24?)',
    ],
    [
      'a DNS name that is not an ALB',
      { alb: { dnsName: 'app.example.com' } },
      'alb.dnsName "app.example.com" is not an internal ALB\'s DNS name (internal-<name>-<id>.<region>.elb.amazonaws.com)',
    ],
    [
      'an internet-facing ALB (its nodes have public IPs, which cannot be IP targets)',
      { alb: { dnsName: 'app-1234567890.eu-west-1.elb.amazonaws.com' } },
      'alb.dnsName "app-1234567890.eu-west-1.elb.amazonaws.com" is not an internal ALB\'s DNS name (internal-<name>-<id>.<region>.elb.amazonaws.com)',
    ],
    [
      'an ALB in another region',
      { alb: { dnsName: 'internal-app-1234567890.eu-central-1.elb.amazonaws.com' } },
      'alb.dnsName "internal-app-1234567890.eu-central-1.elb.amazonaws.com" is in region eu-central-1, not the environment\'s region eu-west-1',
    ],
    ['no ALB', { alb: undefined }, 'alb is required (the internal ALB: dnsName, optionally securityGroupId)'],
    [
      'a malformed ALB security group id',
      { alb: { ...VALID.alb, securityGroupId: 'sg-nothex00' } },
      'alb.securityGroupId "sg-nothex00" is not a security group id (sg-<8 or 17 hex>)',
    ],
    [
      'a malformed alarm topic ARN',
      { alarmTopicArn: 'arn:aws:sqs:eu-west-1:123456789012:alerts' },
      'alarmTopicArn "arn:aws:sqs:eu-west-1:123456789012:alerts" is not an SNS topic ARN (arn:aws:sns:<region>:<account>:<topic>)',
    ],
    [
      'zero lookups',
      { sync: { maxLookupsPerInvocation: 0 } },
      'sync.maxLookupsPerInvocation 0 must be a positive integer',
    ],
    [
      'negative invocations before deregistration',
      { sync: { invocationsBeforeDeregistration: -1 } },
      'sync.invocationsBeforeDeregistration -1 must be a positive integer',
    ],
    [
      'a fractional deregistration cap',
      { sync: { maxDeregistrationPercent: 2.5 } },
      'sync.maxDeregistrationPercent 2.5 must be a positive integer',
    ],
    [
      'more lookups than the function accepts',
      { sync: { maxLookupsPerInvocation: 1001 } },
      'sync.maxLookupsPerInvocation 1001 must be at most 1000',
    ],
    [
      'a deregistration cap over 100 %',
      { sync: { maxDeregistrationPercent: 101 } },
      'sync.maxDeregistrationPercent 101 must be at most 100',
    ],
    [
      'an unknown tuning knob',
      { sync: { maxLookups: 5 } },
      'sync.maxLookups is not a sync setting (maxLookupsPerInvocation, invocationsBeforeDeregistration, maxDeregistrationPercent)',
    ],
    [
      'a runtime that is not Node.js',
      { lambdaRuntime: 'python3.12' },
      'lambdaRuntime "python3.12" is not a Node.js runtime (nodejs<major>.x, 20 or later)',
    ],
    [
      'a Node.js runtime older than the bundle targets',
      { lambdaRuntime: 'nodejs18.x' },
      'lambdaRuntime "nodejs18.x" is not a Node.js runtime (nodejs<major>.x, 20 or later)',
    ],
    [
      'more CIDRs than the security group may hold rules for',
      { ports: [80, 443], ingressCidrs: Array.from({ length: 31 }, (_, i) => `10.${i}.0.0/16`) },
      'ingressCidrs: 62 rules (ports x CIDRs) exceed the default quota of 60 inbound rules per security group; summarize the CIDRs',
    ],
    [
      'a reserved tag key',
      { tags: { 'aws:owner': 'x' } },
      'tags["aws:owner"] key must not start with "aws:" (reserved by AWS)',
    ],
    [
      'a tag value over 256 characters',
      { tags: { Owner: 'x'.repeat(257) } },
      'tags["Owner"] value must be a string of at most 256 characters',
    ],
  ])('%s', (_, change, problem) => {
    expect(problemsOf([withChange(change)])).toEqual([`environment "prod": ${problem}`]);
  });

  test.each([
    ['uppercase', 'Prod'],
    ['an underscore', 'prod_eu'],
    ['a trailing dash', 'prod-'],
    ['23 characters (load balancer names would pass 32)', 'p'.repeat(23)],
  ])('a stack name with %s', (_, name) => {
    expect(problemsOf([withChange({ name })])).toEqual([
      `environment "${name}": name "${name}" is not a stack name ` +
        '(lowercase letters, digits and dashes, starting with a letter, at most 22 characters)',
    ]);
  });

  test.each([
    ['internal', 'internal-prod'],
    ['sg-', 'sg-prod'],
  ])('a stack name starting with "%s", which AWS reserves', (prefix, name) => {
    expect(problemsOf([withChange({ name })])).toEqual([
      `environment "${name}": name "${name}" must not start with "${prefix}" (reserved by AWS)`,
    ]);
  });

  test('a name of exactly 22 characters is accepted', () => {
    expect(resolveEnvironment(withChange({ name: 'p'.repeat(22) })).name).toHaveLength(22);
  });

  test('collects every problem of every environment in one error', () => {
    const problems = problemsOf([
      withChange({ vpcId: 'vpc-x', ports: [0] }),
      withChange({ name: 'staging', ingressCidrs: ['10.0.0.1/8'] }),
    ]);
    expect(problems).toEqual([
      'environment "prod": vpcId "vpc-x" is not a VPC id (vpc-<8 or 17 hex>)',
      'environment "prod": ports[0] 0 is outside 1-65535',
      'environment "staging": ingressCidrs[0] "10.0.0.1/8" has host bits set (did you mean 10.0.0.0/8?)',
    ]);
  });

  test('two environments with one name', () => {
    expect(problemsOf([VALID, VALID])).toEqual(['environment "prod": name is used by more than one environment']);
  });

  test('no environments at all', () => {
    expect(problemsOf([])).toEqual(['no environments configured']);
  });

  test('the app fails before building any stack when one environment of several is bad', () => {
    const bad = withChange({ name: 'staging', publicSubnetIds: [] });
    const bundleOutdir = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'config-test-')), 'bundle');
    expect(() => buildApp([VALID, bad], { outdir: path.dirname(bundleOutdir), bundleOutdir })).toThrow(
      new ConfigError(['environment "staging": publicSubnetIds must list at least one entry']),
    );
    // Building the good environment's stack would have bundled the sync function.
    expect(fs.existsSync(bundleOutdir)).toBe(false);
    fs.rmSync(path.dirname(bundleOutdir), { recursive: true });
  });
});
