import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Fn, TerraformStack } from 'cdktf';
import { DataAwsLb } from '@cdktf/provider-aws/lib/data-aws-lb';
import type { EnvironmentConfig } from '../config/types';
import { ConfigError, resolveEnvironment, resolveEnvironments } from '../config/validate';
import { buildApp } from '../main';
import { ACCELERATOR_ONLY, ALB_ARN, FULL, MINIMAL, TWO_ALBS } from './fixtures/environments';
import { testApp } from './support/synth';
import { problemsOf } from './support/config-problems';

const VALID: EnvironmentConfig = { ...MINIMAL, name: 'prod' };

const withChange = (change: Partial<EnvironmentConfig> | Record<string, unknown>): EnvironmentConfig =>
  ({ ...VALID, ...change }) as EnvironmentConfig;

const zone = (index: number, change: Record<string, unknown>) => VALID.zones!.map((z, i) => (i === index ? { ...z, ...change } : z));

describe('resolveEnvironment', () => {
  test('fills in every default: ports 80 and 443 to the only ALB in ip-sync mode, protected, Amazon pool', () => {
    const resolved = resolveEnvironment(VALID);
    expect(resolved.routes.map(({ listenerPort, alb, albPort, mode }) => ({ listenerPort, alb, albPort, mode }))).toEqual([
      { listenerPort: 80, alb: 'app', albPort: 80, mode: 'ip-sync' },
      { listenerPort: 443, alb: 'app', albPort: 443, mode: 'ip-sync' },
    ]);
    expect(resolved).toMatchObject({
      nlb: true,
      protect: true,
      ingressCidrs: ['0.0.0.0/0'],
      tags: {},
      sync: { maxLookupsPerInvocation: 1000, invocationsBeforeDeregistration: 3, maxDeregistrationPercent: 50 },
      lambdaRuntime: 'nodejs22.x',
      backend: { type: 'local' },
    });
    expect(resolved.globalAccelerator).toBeUndefined();
    expect(resolved.zones.map((z) => z.staticIp)).toEqual([{ pool: undefined }, { pool: undefined }]);
  });

  test('an alb-target health check speaks the protocol of the listener it checks: the stated one, else HTTP on 80 and HTTPS on 443', () => {
    const resolved = resolveEnvironment({
      ...VALID,
      albs: { app: { ...VALID.albs.app, arn: ALB_ARN } },
      routes: [
        { listenerPort: 443, mode: 'alb-target' },
        // The check goes to the HTTP listener on 80: HTTP, whatever the route's own port.
        { listenerPort: 8443, mode: 'alb-target', healthCheck: { port: 80 } },
        { listenerPort: 8080, mode: 'alb-target', healthCheck: { path: '/health', port: 8081, protocol: 'HTTPS' } },
        // An HTTP listener on 443 is checked with HTTP when it says so.
        { listenerPort: 9443, mode: 'alb-target', healthCheck: { port: 443, protocol: 'HTTP' } },
      ],
    });
    expect(resolved.routes.map((route) => route.healthCheck)).toEqual([
      { protocol: 'HTTPS', path: '/', port: 443, matcher: '200-399' },
      { protocol: 'HTTP', path: '/', port: 80, matcher: '200-399' },
      { protocol: 'HTTPS', path: '/health', port: 8081, matcher: '200-399' },
      { protocol: 'HTTP', path: '/', port: 443, matcher: '200-399' },
    ]);
  });

  test('the environment pool is the default of every zone without its own static IP', () => {
    const resolved = resolveEnvironment(TWO_ALBS);
    expect(resolved.zones.map((z) => z.staticIp)).toEqual([{ pool: TWO_ALBS.staticIps!.pool }, { pool: TWO_ALBS.staticIps!.pool }]);
  });

  test('accepts the fixture environments, every mode and front door among them', () => {
    expect(resolveEnvironments([MINIMAL, FULL, TWO_ALBS, ACCELERATOR_ONLY]).map(({ name }) => name)).toHaveLength(4);
  });

  test('a Terraform token is not checked at synth: the user’s own resources can feed the configuration', () => {
    const app = testApp();
    const stack = new TerraformStack(app, 'tokens');
    const lookup = new DataAwsLb(stack, 'alb', { name: 'app' });
    const dnsName = lookup.dnsName;
    const resolved = resolveEnvironment({
      ...VALID,
      vpcId: lookup.vpcId,
      albs: { app: { dnsName, arn: lookup.arn, securityGroupId: Fn.element(lookup.securityGroups, 0) } },
      routes: [{ listenerPort: 443, mode: 'alb-target' }],
    });
    expect(resolved.albs.get('app')!.dnsName).toBe(dnsName);
  });

  test("tokens pass the address rules too: a zone's public IP and the accelerator's BYOIP addresses from the user's code", () => {
    const app = testApp();
    const stack = new TerraformStack(app, 'token-addresses');
    const address = Fn.join('', [new DataAwsLb(stack, 'alb', { name: 'app' }).ipAddressType]);
    const resolved = resolveEnvironment({
      ...VALID,
      albs: { app: { ...VALID.albs.app, arn: ALB_ARN } },
      zones: zone(0, { staticIp: { publicIp: address } }) as EnvironmentConfig['zones'],
      frontDoors: { globalAccelerator: { ipAddresses: [address] } },
    });
    expect(resolved.zones[0].staticIp).toEqual({ publicIp: address });
    expect(resolved.globalAccelerator?.ipAddresses).toEqual([address]);
  });
});

describe('unknown keys fail synth, naming the field and the nearest known one', () => {
  test.each<[string, Record<string, unknown>, string]>([
    [
      'a misspelled optional field, which would leave the NLB open',
      { ingresCidrs: ['10.0.0.0/8'] },
      'ingresCidrs is not a field; did you mean ingressCidrs?',
    ],
    ['a misspelled sync knob', { sync: { maxLookups: 5 } }, 'sync.maxLookups is not a field; did you mean maxLookupsPerInvocation?'],
    [
      'a misspelled route field',
      { albs: FULL.albs, routes: [{ listenerPort: 443, mode: 'alb-target', helthCheck: { path: '/' } }] },
      'routes[0].helthCheck is not a field; did you mean healthCheck?',
    ],
    [
      'a misspelled field three levels down',
      { zones: zone(0, { staticIp: { alocationId: 'eipalloc-0a1b2c3d' } }) },
      'zones[eu-west-1a].staticIp.alocationId is not a field; did you mean allocationId?',
    ],
    [
      'a misspelled ALB field',
      { albs: { app: { ...VALID.albs.app, securityGroup: 'sg-0c3d4e5f' } } },
      'albs.app.securityGroup is not a field; did you mean securityGroupId?',
    ],
    [
      'a field of an earlier version',
      { publicSubnetIds: ['subnet-0a1b2c3d'] },
      'publicSubnetIds was replaced by zones (one { availabilityZone, subnetId } per zone)',
    ],
    [
      'a key far from any field',
      { colour: 'blue' },
      'colour is not a field (fields: name, region, vpcId, zones, staticIps, albs, routes, frontDoors, ' +
        'ingressCidrs, tags, sync, alarmTopicArn, lambdaRuntime, backend, iam, syncFunction, kmsKeyArn)',
    ],
  ])('%s', (_, change, problem) => {
    expect(problemsOf([withChange(change)])).toContain(`environment "prod": ${problem}`);
  });

  test('tag keys are the user’s own and never checked as fields', () => {
    expect(resolveEnvironment(withChange({ tags: { ingresCidrs: 'yes' } })).tags).toEqual({ ingresCidrs: 'yes' });
  });
});

describe('configuration errors name the environment and the field', () => {
  test.each<[string, Record<string, unknown>, string]>([
    // zones and static IPs
    ['no zones', { zones: [] }, 'zones must list at least one entry'],
    ['zones missing', { zones: undefined }, 'zones must list at least one entry'],
    [
      'a zone without its Availability Zone',
      { zones: zone(1, { availabilityZone: undefined }) },
      'zones[1].availabilityZone is required: the static IP is kept per Availability Zone (e.g. eu-west-1a)',
    ],
    [
      'a zone in another region',
      { zones: zone(1, { availabilityZone: 'us-east-1b' }) },
      'zones[us-east-1b].availabilityZone "us-east-1b" is not in the environment\'s region eu-west-1',
    ],
    [
      'one zone twice',
      { zones: zone(1, { availabilityZone: 'eu-west-1a' }) },
      'zones[1].availabilityZone "eu-west-1a" is also zones[0]\'s Availability Zone',
    ],
    [
      'one subnet in two zones',
      { zones: zone(1, { subnetId: 'subnet-0a1b2c3d4e5f60001' }) },
      'zones[eu-west-1b].subnetId "subnet-0a1b2c3d4e5f60001" is also zones[eu-west-1a]\'s subnet',
    ],
    [
      'a malformed subnet id',
      { zones: zone(1, { subnetId: 'subnet-xyz' }) },
      'zones[eu-west-1b].subnetId "subnet-xyz" is not a subnet id (subnet-<8 or 17 hex>)',
    ],
    [
      'a malformed allocation id',
      { zones: zone(0, { staticIp: { allocationId: 'eip-0a1b2c3d' } }) },
      'zones[eu-west-1a].staticIp.allocationId "eip-0a1b2c3d" is not an Elastic IP allocation id (eipalloc-<8 or 17 hex>)',
    ],
    [
      'the same address named for two zones',
      { zones: VALID.zones!.map((z) => ({ ...z, staticIp: { allocationId: 'eipalloc-0a1b2c3d' } })) },
      'zones[eu-west-1b].staticIp.allocationId "eipalloc-0a1b2c3d" is also zones[eu-west-1a]\'s address',
    ],
    [
      'the same public IP named for two zones',
      { zones: VALID.zones!.map((z) => ({ ...z, staticIp: { publicIp: '52.49.10.7' } })) },
      'zones[eu-west-1b].staticIp.publicIp "52.49.10.7" is also zones[eu-west-1a]\'s address',
    ],
    [
      'an address and a pool for one zone',
      {
        zones: zone(0, {
          staticIp: { allocationId: 'eipalloc-0a1b2c3d', pool: { ipamPoolId: 'ipam-pool-0e5f60718293a4b5c', region: 'eu-west-1' } },
        }),
      },
      'zones[eu-west-1a].staticIp names an existing address (allocationId) and a pool: give one',
    ],
    [
      'an empty static IP',
      { zones: zone(0, { staticIp: {} }) },
      'zones[eu-west-1a].staticIp must have exactly one of allocationId, publicIp, tags or pool (found none)',
    ],
    [
      'a private address as a static IP',
      { zones: zone(0, { staticIp: { publicIp: '10.0.0.7' } }) },
      'zones[eu-west-1a].staticIp.publicIp "10.0.0.7" is not a public IPv4 address',
    ],
    [
      'adopting an address found by tags',
      { zones: zone(0, { staticIp: { tags: { Name: 'x' }, adopt: true } }) },
      'zones[eu-west-1a].staticIp.adopt needs allocationId',
    ],
    [
      'a malformed IPAM pool id',
      { staticIps: { pool: { ipamPoolId: 'ipam-0e5f', region: 'eu-west-1' } } },
      'staticIps.pool.ipamPoolId "ipam-0e5f" is not an IPAM pool id (ipam-pool-<17 hex>)',
    ],
    [
      'a malformed BYOIP pool id',
      { staticIps: { pool: { publicIpv4Pool: 'ipv4pool-0e5f', region: 'eu-west-1' } } },
      'staticIps.pool.publicIpv4Pool "ipv4pool-0e5f" is not a public IPv4 pool id (ipv4pool-ec2-<17 hex>)',
    ],
    [
      'a pool in another region',
      { staticIps: { pool: { ipamPoolId: 'ipam-pool-0e5f60718293a4b5c', region: 'us-east-1' } } },
      "staticIps.pool is in region us-east-1, not the environment's region eu-west-1: Elastic IPs are regional",
    ],
    [
      'a pool without its region',
      { staticIps: { pool: { ipamPoolId: 'ipam-pool-0e5f60718293a4b5c' } } },
      "staticIps.pool.region is required: the pool's region (its IPAM locale), which must be the environment's",
    ],
    ['protection that is not a boolean', { staticIps: { protect: 'no' } }, 'staticIps.protect "no" must be true or false'],
    [
      'releasing a configured zone',
      { staticIps: { release: ['eu-west-1b'] } },
      'staticIps.release[0] "eu-west-1b" is a configured zone: only the address of a zone taken out of zones can be released',
    ],
    [
      'releasing a zone of another region',
      { staticIps: { release: ['us-east-1c'] } },
      'staticIps.release[0] "us-east-1c" is not in the environment\'s region eu-west-1',
    ],
    [
      'releasing a zone id',
      { staticIps: { release: ['euw1-az3'] } },
      'staticIps.release[0] "euw1-az3" is not an Availability Zone name (e.g. eu-west-1a; zone ids such as euw1-az1 are not accepted)',
    ],
    [
      'releasing a zone twice',
      { staticIps: { release: ['eu-west-1c', 'eu-west-1c'] } },
      'staticIps.release[1] "eu-west-1c" is a duplicate',
    ],
    ['an empty release list', { staticIps: { release: [] } }, 'staticIps.release must list at least one entry'],
    // ALBs
    ['no ALB', { albs: {} }, 'albs must name at least one ALB, e.g. { app: { dnsName: "internal-app-123.<region>.elb.amazonaws.com" } }'],
    ['an ALB without a way to find it', { albs: { app: { securityGroupId: 'sg-0c3d4e5f' } } }, 'albs.app needs dnsName, arn or name'],
    [
      'an ALB given both by name and by ARN',
      { albs: { app: { name: 'app', arn: ALB_ARN } } },
      'albs.app is given both by name and by arn: give one',
    ],
    [
      'a DNS name that is not an ALB',
      { albs: { app: { dnsName: 'app.example.com' } } },
      'albs.app.dnsName "app.example.com" is not an internal ALB\'s DNS name (internal-<name>-<id>.<region>.elb.amazonaws.com)',
    ],
    [
      'an internet-facing ALB (its nodes have public IPs, which cannot be IP targets)',
      { albs: { app: { dnsName: 'app-1234567890.eu-west-1.elb.amazonaws.com' } } },
      'albs.app.dnsName "app-1234567890.eu-west-1.elb.amazonaws.com" is not an ' +
        "internal ALB's DNS name (internal-<name>-<id>.<region>.elb.amazonaws.com)",
    ],
    [
      'an ALB in another region',
      { albs: { app: { dnsName: 'internal-app-1234567890.eu-central-1.elb.amazonaws.com' } } },
      'albs.app.dnsName "internal-app-1234567890.eu-central-1.elb.amazonaws.com" ' +
        "is in region eu-central-1, not the environment's region eu-west-1",
    ],
    [
      'an ALB ARN in another region',
      { albs: { app: { arn: ALB_ARN.replace('eu-west-1', 'us-east-1') } } },
      `albs.app.arn "${ALB_ARN.replace('eu-west-1', 'us-east-1')}" is in region us-east-1, not the environment's region eu-west-1`,
    ],
    [
      'a malformed ALB security group id',
      { albs: { app: { ...VALID.albs.app, securityGroupId: 'sg-nothex00' } } },
      'albs.app.securityGroupId "sg-nothex00" is not a security group id (sg-<8 or 17 hex>)',
    ],
    // routes and modes
    [
      'two routes on one listener port',
      { routes: [{ listenerPort: 443 }, { listenerPort: 443, albPort: 8443 }] },
      'routes[1].listenerPort 443 is also routes[0].listenerPort: one listener port, one route',
    ],
    ['port 0', { routes: [{ listenerPort: 0 }] }, 'routes[0].listenerPort 0 is not a port (1-65535)'],
    ['a fractional ALB port', { routes: [{ listenerPort: 80, albPort: 80.5 }] }, 'routes[0].albPort 80.5 is not a port (1-65535)'],
    ['an unknown mode', { routes: [{ listenerPort: 443, mode: 'alb' }] }, 'routes[0].mode "alb" is not one of ip-sync, alb-target'],
    [
      'a route to an ALB that is not configured',
      { routes: [{ listenerPort: 443, alb: 'api' }] },
      'routes[0].alb "api" is not a key of albs (app)',
    ],
    [
      'alb-target for an ALB known only by DNS name',
      { routes: [{ listenerPort: 443, mode: 'alb-target' }] },
      'routes[0]: alb-target registers the ALB itself, so albs.app needs its arn or name',
    ],
    [
      'alb-target for an ALB in another VPC',
      { albs: { app: { arn: ALB_ARN, outsideVpc: { cidrs: ['10.40.0.0/16'] } } }, routes: [{ listenerPort: 443, mode: 'alb-target' }] },
      "routes[0]: alb-target needs the ALB in the NLB's VPC and account (an AWS limit); albs.app is outsideVpc: use ip-sync",
    ],
    [
      'alb-target with a port mapping',
      { albs: { app: { arn: ALB_ARN } }, routes: [{ listenerPort: 8443, albPort: 443, mode: 'alb-target' }] },
      "routes[0]: alb-target routes forward port for port (the ALB-type target group's port is " +
        "the ALB listener's); listenerPort 8443 and albPort 443 differ: use ip-sync to map ports",
    ],
    [
      'a listener of another ALB',
      {
        albs: { app: { arn: ALB_ARN } },
        routes: [
          {
            listenerPort: 443,
            mode: 'alb-target',
            albListenerArn: ALB_ARN.replace(
              ':loadbalancer/app/app/50dc6c495c0c9188',
              ':listener/app/other/0123456789abcdef/f2f7dc8efc522ab2',
            ),
          },
        ],
      },
      `routes[0].albListenerArn is a listener of ${ALB_ARN.replace('app/app/50dc6c495c0c9188', 'app/other/0123456789abcdef')}, ` +
        `not of albs.app (${ALB_ARN})`,
    ],
    [
      'a health check for an ip-sync route',
      { routes: [{ listenerPort: 443, healthCheck: { path: '/' } }] },
      'routes[0].healthCheck applies only when the route or its standby is alb-target (on the NLB)',
    ],
    [
      'a TCP health check for an alb-target route',
      { albs: { app: { arn: ALB_ARN } }, routes: [{ listenerPort: 443, mode: 'alb-target', healthCheck: { protocol: 'TCP' } }] },
      'routes[0].healthCheck.protocol "TCP" is not one of HTTP, HTTPS',
    ],
    [
      "a standby in the route's own mode",
      { routes: [{ listenerPort: 443, standby: { mode: 'ip-sync', listenerPort: 10443 } }] },
      "routes[0].standby.mode is the route's own mode ip-sync: a standby is the other mode",
    ],
    [
      'a standby on a port a route uses',
      {
        albs: { app: { ...VALID.albs.app, arn: ALB_ARN } },
        routes: [{ listenerPort: 80 }, { listenerPort: 443, standby: { mode: 'alb-target', listenerPort: 80 } }],
      },
      'routes[1].standby.listenerPort 80 is also routes[0].listenerPort: one listener port, one route',
    ],
    [
      'two ALBs and no routes',
      { albs: { app: VALID.albs.app, api: { dnsName: 'internal-api-1122334455.eu-west-1.elb.amazonaws.com' } } },
      'routes is required with more than one ALB (app, api)',
    ],
    // front doors
    [
      'a Global Accelerator for an ALB known only by DNS name',
      { frontDoors: { globalAccelerator: {} } },
      "frontDoors.globalAccelerator: the accelerator's endpoint is the ALB itself, so albs.app needs its arn or name",
    ],
    [
      'no front door at all',
      { zones: undefined, albs: { app: { arn: ALB_ARN } }, frontDoors: { nlb: false } },
      'frontDoors: with nlb false, a globalAccelerator is the only front door and must be set',
    ],
    [
      'more than two BYOIP accelerator addresses',
      { albs: { app: { arn: ALB_ARN } }, frontDoors: { globalAccelerator: { ipAddresses: ['52.0.0.1', '52.0.0.2', '52.0.0.3'] } } },
      'frontDoors.globalAccelerator.ipAddresses lists more than two addresses',
    ],
    // the rest
    ['no ingress CIDRs', { ingressCidrs: [] }, 'ingressCidrs must list at least one entry'],
    ['a CIDR without length', { ingressCidrs: ['10.0.0.0'] }, 'ingressCidrs[0] "10.0.0.0" is not an IPv4 CIDR (a.b.c.d/n)'],
    ['a CIDR octet over 255', { ingressCidrs: ['10.0.0.256/32'] }, 'ingressCidrs[0] "10.0.0.256/32" is not an IPv4 CIDR (a.b.c.d/n)'],
    [
      'a CIDR with host bits',
      { ingressCidrs: ['198.51.100.7/24'] },
      'ingressCidrs[0] "198.51.100.7/24" has host bits set (did you mean 198.51.100.0/24?)',
    ],
    ['a malformed VPC id', { vpcId: 'vpc-12345' }, 'vpcId "vpc-12345" is not a VPC id (vpc-<8 or 17 hex>)'],
    ['a malformed region', { region: 'eu-west' }, 'region "eu-west" is not an AWS region (e.g. eu-west-1)'],
    [
      'a malformed alarm topic ARN',
      { alarmTopicArn: 'arn:aws:sqs:eu-west-1:123456789012:alerts' },
      'alarmTopicArn "arn:aws:sqs:eu-west-1:123456789012:alerts" is not an SNS topic ARN (arn:aws:sns:<region>:<account>:<topic>)',
    ],
    ['zero lookups', { sync: { maxLookupsPerInvocation: 0 } }, 'sync.maxLookupsPerInvocation 0 must be a positive integer'],
    [
      'a fractional deregistration cap',
      { sync: { maxDeregistrationPercent: 2.5 } },
      'sync.maxDeregistrationPercent 2.5 must be a positive integer',
    ],
    [
      'a deregistration cap over 100 %',
      { sync: { maxDeregistrationPercent: 101 } },
      'sync.maxDeregistrationPercent 101 must be at most 100',
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
      { ingressCidrs: Array.from({ length: 31 }, (_, i) => `10.${i}.0.0/16`) },
      'ingressCidrs: 62 rules (routes x CIDRs) exceed the default quota of 60 inbound rules per security group; summarize the CIDRs',
    ],
    ['a reserved tag key', { tags: { 'aws:owner': 'x' } }, 'tags["aws:owner"] key must not start with "aws:" (reserved by AWS)'],
    [
      'a tag value over 256 characters',
      { tags: { Owner: 'x'.repeat(257) } },
      'tags["Owner"] value must be a string of at most 256 characters',
    ],
  ])('%s', (_, change, problem) => {
    expect(problemsOf([withChange(change)])).toEqual([`environment "prod": ${problem}`]);
  });

  test('more than two NLBs for one ALB in alb-target mode, across the configuration', () => {
    const targeting = (name: string): EnvironmentConfig => ({ ...FULL, name });
    expect(problemsOf([targeting('one'), targeting('two'), targeting('three')])).toEqual([
      `environments "one", "two", "three": 3 NLBs target ${FULL.albs.app.arn} in alb-target mode; ` +
        'an ALB may be the target of at most 2 NLBs (use ip-sync for the others)',
    ]);
    expect(resolveEnvironments([targeting('one'), targeting('two')])).toHaveLength(2);
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
      withChange({ vpcId: 'vpc-x', routes: [{ listenerPort: 0 }] }),
      withChange({ name: 'staging', ingressCidrs: ['10.0.0.1/8'] }),
    ]);
    expect(problems).toEqual([
      'environment "prod": vpcId "vpc-x" is not a VPC id (vpc-<8 or 17 hex>)',
      'environment "prod": routes[0].listenerPort 0 is not a port (1-65535)',
      'environment "staging": ingressCidrs[0] "10.0.0.1/8" has host bits set (did you mean 10.0.0.0/8?)',
    ]);
  });

  test('two environments with one name', () => {
    expect(problemsOf([VALID, VALID])).toEqual(['environment "prod": name is used by more than one environment']);
  });

  test('an environment that is not an object', () => {
    expect(problemsOf([VALID, null as unknown as EnvironmentConfig])).toEqual(['environment undefined: must be an object']);
  });

  test('no environments at all', () => {
    expect(problemsOf([])).toEqual(['no environments configured']);
  });

  test('the app fails before building any stack when one environment of several is bad', () => {
    const bad = withChange({ name: 'staging', zones: [] });
    const bundleOutdir = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'config-test-')), 'bundle');
    expect(() => buildApp([VALID, bad], { outdir: path.dirname(bundleOutdir), bundleOutdir })).toThrow(
      new ConfigError(['environment "staging": zones must list at least one entry']),
    );
    // Building the good environment's stack would have bundled the sync function.
    expect(fs.existsSync(bundleOutdir)).toBe(false);
    fs.rmSync(path.dirname(bundleOutdir), { recursive: true });
  });
});

describe('synth with a bad configuration', () => {
  test('prints every problem once, without a stack trace, and exits 1 having written nothing', () => {
    const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'config-test-'));
    try {
      const bad = { ...VALID, ingresCidrs: ['10.0.0.0/8'], zones: [] };
      // A child process, as cdktf runs the app: what it prints and how it exits is what the user sees.
      const script = `process.exitCode = require('./main').synthesize(${JSON.stringify([bad])}, { outdir: ${JSON.stringify(outdir)} });`;
      const result = spawnSync(process.execPath, ['--import', 'tsx', '-e', script], {
        cwd: path.resolve(__dirname, '..'),
        encoding: 'utf8',
        env: { ...process.env, CHECKPOINT_DISABLE: '1' },
      });
      expect(result.status).toBe(1);
      expect(result.stderr).toMatch(/^Invalid configuration in config\/\w+\.ts:$/m);
      expect(result.stderr).toContain(
        '  - environment "prod": ingresCidrs is not a field; did you mean ingressCidrs?\n' +
          '  - environment "prod": zones must list at least one entry\n',
      );
      expect(result.stderr.match(/ingresCidrs is not a field/g)).toHaveLength(1);
      expect(result.stderr).not.toMatch(/^\s+at /m);
      expect(fs.readdirSync(outdir)).toEqual([]);
    } finally {
      fs.rmSync(outdir, { recursive: true, force: true });
    }
  });
});

describe('route discovery, events and client IP', () => {
  const ROLE = 'arn:aws:iam::123456789012:role/alb-interface-reader';
  const BY_ARN: EnvironmentConfig = { ...VALID, albs: { app: { ...VALID.albs.app, arn: ALB_ARN } } };
  const route = (config: EnvironmentConfig, change: Record<string, unknown>, albs = config.albs): EnvironmentConfig =>
    ({ ...config, albs, routes: [{ listenerPort: 80, ...change }] }) as EnvironmentConfig;
  const discoveryOf = (config: EnvironmentConfig) => resolveEnvironment(config).routes[0].discovery;

  test('defaults: interfaces when the ARN is known (literal, token or name), dns for a DNS name alone; no events, no client IP', () => {
    expect(discoveryOf(route(VALID, {}))).toMatchObject({ source: 'dns', chosen: false });
    expect(discoveryOf(route(BY_ARN, {}))).toEqual(
      expect.objectContaining({ source: 'interfaces', chosen: false, albAccount: '123456789012' }),
    );
    expect(discoveryOf(route(VALID, {}, { app: { name: 'app' } }))).toEqual(
      expect.objectContaining({ source: 'interfaces', albAccount: undefined }),
    );
    const resolved = resolveEnvironment(route(BY_ARN, {})).routes[0];
    expect(resolved).toMatchObject({ events: false, preserveClientIp: false });
    expect(discoveryOf(route(BY_ARN, {})).invocationsBeforeDeregistration).toBeUndefined();
  });

  test("a token ARN is in the stack's account: interfaces with no account to compare", () => {
    const app = testApp();
    const stack = new TerraformStack(app, 'tokens');
    const lookup = new DataAwsLb(stack, 'alb', { name: 'app' });
    const discovery = discoveryOf(route(VALID, {}, { app: { arn: lookup.arn, dnsName: lookup.dnsName } }));
    expect(discovery).toEqual(expect.objectContaining({ source: 'interfaces', albAccount: undefined }));
  });

  test("a chosen source, a role (no account comparison: the role lists where the ALB is), the environment's grace", () => {
    expect(discoveryOf(route(BY_ARN, { discovery: 'dns' }))).toMatchObject({ source: 'dns', chosen: true });
    expect(discoveryOf(route(BY_ARN, { discovery: 'both' }))).toMatchObject({ source: 'both', chosen: true, albAccount: '123456789012' });
    expect(discoveryOf(route(BY_ARN, { discoveryRoleArn: ROLE }))).toEqual(
      expect.objectContaining({ source: 'interfaces', roleArn: ROLE, albAccount: undefined }),
    );
    expect(discoveryOf({ ...route(BY_ARN, {}), sync: { invocationsBeforeDeregistration: 4 } }).invocationsBeforeDeregistration).toBe(4);
    expect(resolveEnvironment(route(BY_ARN, { events: true, preserveClientIp: true })).routes[0]).toMatchObject({
      events: true,
      preserveClientIp: true,
    });
  });

  test.each<[string, EnvironmentConfig, string]>([
    [
      'an unknown discovery',
      route(BY_ARN, { discovery: 'arp' }),
      'routes[0] (listener port 80): discovery "arp" is not one of interfaces, dns, both',
    ],
    [
      'a role ARN that is not an IAM role',
      route(BY_ARN, { discoveryRoleArn: 'arn:aws:iam::123456789012:user/bob' }),
      'routes[0] (listener port 80): discoveryRoleArn "arn:aws:iam::123456789012:user/bob" is not an IAM role ARN',
    ],
    [
      'a role in another account than the ALB',
      route(BY_ARN, { discoveryRoleArn: 'arn:aws:iam::210987654321:role/r' }),
      "routes[0] (listener port 80): discoveryRoleArn is in account 210987654321, not the ALB's (123456789012)",
    ],
    [
      'interfaces for an ALB known only by its DNS name',
      route(VALID, { discovery: 'interfaces' }),
      'routes[0] (listener port 80): discovery interfaces needs albs.app.arn or name',
    ],
    [
      'both for an ALB known only by its DNS name',
      route(VALID, { discovery: 'both' }),
      'routes[0] (listener port 80): discovery both needs albs.app.arn or name',
    ],
    [
      'a role with discovery dns',
      route(BY_ARN, { discovery: 'dns', discoveryRoleArn: ROLE }),
      'routes[0] (listener port 80): discoveryRoleArn has no effect: discovery is dns',
    ],
    [
      'a role for an ALB known only by its DNS name',
      route(VALID, { discoveryRoleArn: ROLE }),
      'routes[0] (listener port 80): discoveryRoleArn has no effect: discovery defaults to dns: albs.app has no arn or name',
    ],
    ['events with DNS discovery', route(VALID, { events: true }), 'routes[0] (listener port 80): events needs interface discovery'],
    [
      'events with a discovery role',
      route(BY_ARN, { events: true, discoveryRoleArn: ROLE }),
      "routes[0] (listener port 80): events: the ALB's interface events are delivered in its own account",
    ],
    ['events that is not a boolean', route(BY_ARN, { events: 'yes' }), 'routes[0] (listener port 80): events "yes" must be true or false'],
    [
      'events on an alb-target route',
      route(BY_ARN, { mode: 'alb-target', events: true }),
      'routes[0] (listener port 80): events applies to ip-sync routes only',
    ],
    [
      'discovery on an alb-target route',
      route(BY_ARN, { mode: 'alb-target', discovery: 'interfaces' }),
      'routes[0] (listener port 80): discovery applies to ip-sync routes only',
    ],
    [
      'a role on an alb-target route',
      route(BY_ARN, { mode: 'alb-target', discoveryRoleArn: ROLE }),
      'routes[0] (listener port 80): discoveryRoleArn applies to ip-sync routes only',
    ],
    [
      'preserveClientIp on an alb-target route',
      route(BY_ARN, { mode: 'alb-target', preserveClientIp: false }),
      'routes[0] (listener port 80): preserveClientIp applies to ip-sync routes only (alb-target always keeps the client IP)',
    ],
    [
      'preserveClientIp with the ALB outside the VPC',
      route(VALID, { preserveClientIp: true }, { app: { ...VALID.albs.app, outsideVpc: { cidrs: ['10.40.0.0/16'] } } }),
      "routes[0] (listener port 80): preserveClientIp: AWS keeps the client IP only for targets in the NLB's VPC",
    ],
    [
      'preserveClientIp that is not a boolean',
      route(VALID, { preserveClientIp: 1 }),
      'routes[0] (listener port 80): preserveClientIp 1 must be true or false',
    ],
    [
      'discovery with the accelerator only',
      { ...ACCELERATOR_ONLY, routes: [{ listenerPort: 80, discovery: 'dns' }] } as EnvironmentConfig,
      'routes[0] (listener port 80): discovery applies to ip-sync routes only',
    ],
  ])('%s fails synth in one line naming the environment, the route and the field', (_, config, message) => {
    const problems = problemsOf([config]);
    const line = problems.find((problem) => problem.includes(message));
    expect(line).toBeDefined();
    expect(line!.startsWith(`environment "${config.name}": `)).toBe(true);
    expect(line).not.toContain('\n');
  });

  test('an ip-sync standby takes the fields of an alb-target route; an ip-sync route with an alb-target standby keeps them', () => {
    const standby = route(BY_ARN, {
      mode: 'alb-target',
      standby: { mode: 'ip-sync', listenerPort: 8080 },
      events: true,
      preserveClientIp: true,
    });
    expect(resolveEnvironment(standby).routes[0]).toMatchObject({
      events: true,
      preserveClientIp: true,
      discovery: { source: 'interfaces' },
    });
    const serving = route(BY_ARN, { standby: { mode: 'alb-target', listenerPort: 8080 }, discovery: 'both' });
    expect(discoveryOf(serving).source).toBe('both');
  });

  test('unknown keys near the new fields are named', () => {
    expect(problemsOf([route(BY_ARN, { discovey: 'dns' })])).toContain(
      'environment "prod": routes[0].discovey is not a field; did you mean discovery?',
    );
  });
});
