import * as fs from 'node:fs';
import * as path from 'node:path';
import { AnnotationMetadataEntryType, TerraformStack } from 'cdktf';
import type { EnvironmentConfig, RouteConfig } from '../config/types';
import { resolveEnvironment, resolveEnvironments } from '../config/validate';
import { check } from '../main';
import { ALB_SECURITY_GROUP_INGRESS_OUTPUT, StaticIpFrontDoors } from '../modules/front-doors';
import { StaticIpStack } from '../modules/static-ip-stack';
import { ACCELERATOR_ONLY, ALB_ARN, ALB_LISTENER_ARN, FULL, MINIMAL } from './fixtures/environments';
import { resourcesOf, synthScope, testApp } from './support/synth';
import { tempDir } from './support/temp-dir';
import { problemsOf } from './support/config-problems';

/** The accelerator's provider settings, given since these stacks have no AWS provider of their own to take them from. */
const PROVIDER = { region: 'eu-west-1' } as const;

const SG = 'sg-0c3d4e5f607182930';
const WITH_ARN: EnvironmentConfig = { ...MINIMAL, albs: { app: { ...MINIMAL.albs.app, arn: ALB_ARN } }, ingressCidrs: ['0.0.0.0/0'] };
const withRoutes = (...routes: RouteConfig[]): EnvironmentConfig => ({ ...WITH_ARN, routes });
const problem = (config: EnvironmentConfig, line: string) =>
  expect(problemsOf([config])).toContain(`environment ${JSON.stringify(config.name)}: ${line}`);

/** The shipped example's alb-target route on 443, as step one of switching back to ip-sync. */
const SWITCH_BACK: RouteConfig = {
  listenerPort: 443,
  mode: 'alb-target',
  healthCheck: { path: '/health' },
  albListenerArn: ALB_LISTENER_ARN,
  standby: { mode: 'ip-sync', listenerPort: 10443 },
};

describe('switching a route back: the fields of its ALB-type target group apply whichever side has the mode', () => {
  test('an alb-target route with healthCheck and albListenerArn takes an ip-sync standby', () => {
    const route = resolveEnvironment({ ...FULL, routes: [{ listenerPort: 80 }, SWITCH_BACK] }).routes[1];
    expect(route).toMatchObject({
      mode: 'alb-target',
      standby: { mode: 'ip-sync', listenerPort: 10443 },
      healthCheck: { protocol: 'HTTPS', path: '/health', port: 443 },
      albListenerArn: ALB_LISTENER_ARN,
    });
  });

  test('an ip-sync route keeps healthCheck and albListenerArn for its alb-target standby, and their rules apply', () => {
    const standby = { mode: 'alb-target', listenerPort: 10443 } as const;
    expect(
      resolveEnvironment(withRoutes({ listenerPort: 443, healthCheck: { path: '/health' }, albListenerArn: ALB_LISTENER_ARN, standby }))
        .routes[0].healthCheck,
    ).toEqual({ protocol: 'HTTPS', path: '/health', port: 443, matcher: '200-399' });
    problem(
      withRoutes({ listenerPort: 443, healthCheck: { matcher: '100-199' }, standby }),
      'routes[0].healthCheck.matcher must list HTTP codes or ranges within 200-599: "100-199"',
    );
  });

  test('an ip-sync route with an ip-sync-only shape still refuses them', () => {
    problem(
      withRoutes({ listenerPort: 443, albListenerArn: ALB_LISTENER_ARN }),
      'routes[0].albListenerArn applies only when the route or its standby is alb-target (on the NLB)',
    );
  });
});

describe('health checks: one rule set, the protocol of the listener checked', () => {
  test.each<[string, RouteConfig, string]>([
    [
      'a matcher the construct refuses fails config validation, not synth',
      { listenerPort: 443, mode: 'alb-target', healthCheck: { matcher: '100-199' } },
      'routes[0].healthCheck.matcher must list HTTP codes or ranges within 200-599: "100-199"',
    ],
    [
      'an ALB listener on 8443 without its protocol',
      { listenerPort: 8443, mode: 'alb-target' },
      'routes[0].healthCheck.protocol is required: the check goes to the ALB listener on port 8443, which ' +
        "may speak HTTP or HTTPS; state the listener's protocol (only 80 and 443 are assumed: HTTP and HTTPS)",
    ],
    [
      'an alb-target standby on 8443 without its protocol',
      { listenerPort: 8443, standby: { mode: 'alb-target', listenerPort: 18443 } },
      'routes[0].healthCheck.protocol is required: the check goes to the ALB listener on port 8443, which ' +
        "may speak HTTP or HTTPS; state the listener's protocol (only 80 and 443 are assumed: HTTP and HTTPS)",
    ],
    [
      'a path with a space',
      { listenerPort: 443, mode: 'alb-target', healthCheck: { path: '/a b' } },
      'routes[0].healthCheck.path must start with "/" and have at most 1024 printable characters: "/a b"',
    ],
  ])('%s', (_, route, line) => problem(withRoutes(route), line));

  test('the construct checks what the configuration resolved: a check on port 80 of a 443 route is HTTP', () => {
    const json = synthScope(
      (scope) =>
        new StaticIpFrontDoors(scope, 'doors', {
          environment: withRoutes({ listenerPort: 443, mode: 'alb-target', healthCheck: { port: 80 } }),
        }),
    );
    const [group] = Object.values(resourcesOf(json, 'aws_lb_target_group'));
    expect(group.health_check).toMatchObject({ protocol: 'HTTP', port: '80' });
  });
});

describe('no filter silently ignored', () => {
  const acceleratorOnly = (alb: Record<string, unknown>): EnvironmentConfig => ({
    ...ACCELERATOR_ONLY,
    albs: { app: { arn: ALB_ARN, ...alb } },
    routes: [{ listenerPort: 443 }, { listenerPort: 8443 }],
    ingressCidrs: ['198.51.100.0/24', '203.0.113.0/24'],
  });

  test('accelerator only: ingressCidrs without the ALB security group to enforce them fails, naming the field', () => {
    problem(
      acceleratorOnly({}),
      "ingressCidrs: with frontDoors.nlb false it can only filter on the ALB's security group (the accelerator " +
        "keeps the client's address), and albs.app has no securityGroupId: set it, or remove ingressCidrs",
    );
  });

  test("accelerator only: the ALB's security group admits each CIDR on each route's ALB port, and nothing else", () => {
    const json = synthScope(
      (scope) =>
        new StaticIpFrontDoors(scope, 'doors', { environment: acceleratorOnly({ securityGroupId: SG }), providerConfig: PROVIDER }),
    );
    const rules = Object.values(resourcesOf(json, 'aws_vpc_security_group_ingress_rule'));
    expect(
      rules
        .map(({ security_group_id, from_port, to_port, cidr_ipv4 }) => ({ security_group_id, from_port, to_port, cidr_ipv4 }))
        .sort((a, b) => a.from_port - b.from_port || a.cidr_ipv4.localeCompare(b.cidr_ipv4)),
    ).toEqual([
      { security_group_id: SG, from_port: 443, to_port: 443, cidr_ipv4: '198.51.100.0/24' },
      { security_group_id: SG, from_port: 443, to_port: 443, cidr_ipv4: '203.0.113.0/24' },
      { security_group_id: SG, from_port: 8443, to_port: 8443, cidr_ipv4: '198.51.100.0/24' },
      { security_group_id: SG, from_port: 8443, to_port: 8443, cidr_ipv4: '203.0.113.0/24' },
    ]);
  });

  test.each<[string, Partial<EnvironmentConfig> | Record<string, unknown>, string]>([
    [
      'a pool for new Elastic IPs without the NLB',
      { staticIps: { pool: { ipamPoolId: 'ipam-pool-0e5f60718293a4b5c', region: 'eu-west-1' } } },
      "staticIps.pool is the NLB's (new Elastic IPs): with frontDoors.nlb false remove it",
    ],
    [
      'a health check without the NLB',
      { routes: [{ listenerPort: 443, healthCheck: { path: '/' } }] },
      'routes[0].healthCheck applies only when the route or its standby is alb-target (on the NLB)',
    ],
  ])('accelerator only: %s fails', (_, change, line) => problem({ ...ACCELERATOR_ONLY, ...change } as EnvironmentConfig, line));

  test('securityGroupRules without the security group it is about fails', () => {
    problem(
      { ...WITH_ARN, albs: { app: { ...WITH_ARN.albs.app, securityGroupRules: 'output' } } },
      "albs.app.securityGroupRules applies to the ALB's security group: set securityGroupId, or remove it",
    );
  });

  test('fields that only tune sync functions warn when no route has one', () => {
    const { warnings } = resolveEnvironment({
      ...withRoutes({ listenerPort: 443, mode: 'alb-target' }),
      sync: { maxDeregistrationPercent: 10 },
    });
    expect(warnings).toContain('sync has no effect: no route has a sync function (ip-sync on the NLB)');
  });

  test('accelerator only: fields of the NLB and an ALB no route uses warn, naming the field', () => {
    const { warnings } = resolveEnvironment({
      ...ACCELERATOR_ONLY,
      albs: {
        app: { arn: ALB_ARN, securityGroupId: SG },
        spare: { arn: ALB_ARN.replace('/app/app/', '/app/spare/'), outsideVpc: { cidrs: ['10.40.0.0/16'] } },
      },
      routes: [{ listenerPort: 443, alb: 'app' }],
      alarmTopicArn: 'arn:aws:sns:eu-west-1:123456789012:alerts',
    });
    expect(warnings).toEqual([
      'albs.spare has no effect: no route forwards to it',
      'albs.app.securityGroupId has no effect: without the NLB it only receives ingressCidrs, which is not set',
      "albs.spare.outsideVpc has no effect: it shapes the NLB's egress, and frontDoors.nlb is false",
      'alarmTopicArn has no effect: the alarms watch the NLB, and frontDoors.nlb is false',
    ]);
  });

  test('both front doors: CIDRs the accelerator cannot be filtered by warn', () => {
    const { warnings } = resolveEnvironment({ ...WITH_ARN, ingressCidrs: ['198.51.100.0/24'], frontDoors: { globalAccelerator: {} } });
    expect(warnings).toContain(
      "ingressCidrs filters the NLB only: the accelerator's clients reach albs.app " +
        'unfiltered, as it has no securityGroupId for the stack to add the CIDRs to',
    );
  });
});

describe("the ALB's security group: rules managed here, or an output for its owner", () => {
  const environment = (securityGroupRules?: 'managed' | 'output'): EnvironmentConfig => ({
    ...FULL,
    albs: { app: { ...FULL.albs.app, securityGroupRules } },
  });
  const synth = (config: EnvironmentConfig) =>
    synthScope(
      (scope) => new StaticIpFrontDoors(scope, 'doors', { environment: config, bundleOutdir: bundleDir, providerConfig: PROVIDER }),
    );
  const bundleDir = path.join(tempDir('config-safety-'), 'bundle');
  /** What the group must admit, either way: each route's ALB port from the two CIDRs and from the NLB's group. */
  const ALB_GROUP_INGRESS = [
    [443, '198.51.100.0/24'],
    [443, '203.0.113.0/24'],
    [443, 'nlb'],
    [80, '198.51.100.0/24'],
    [80, '203.0.113.0/24'],
    [80, 'nlb'],
  ].sort();

  const albRules = (json: ReturnType<typeof synth>) =>
    Object.values(resourcesOf(json, 'aws_vpc_security_group_ingress_rule')).filter((rule) => rule.security_group_id === SG);

  test("managed (the default): the ALB's group admits the NLB on each ALB port and the accelerator's CIDRs", () => {
    const json = synth(environment());
    expect(
      albRules(json)
        .map((rule) => [rule.from_port, rule.cidr_ipv4 ?? 'nlb'])
        .sort(),
    ).toEqual(ALB_GROUP_INGRESS);
    expect(Object.keys(json.output ?? {}).filter((name) => name.includes(ALB_SECURITY_GROUP_INGRESS_OUTPUT))).toEqual([]);
  });

  test("output: no rule in the ALB's group; an output lists what it must admit, the same set", () => {
    const json = synth(environment('output'));
    expect(albRules(json)).toEqual([]);
    const [name] = Object.keys(json.output).filter((key) => key.includes(ALB_SECURITY_GROUP_INGRESS_OUTPUT));
    const listed = json.output[name].value as { security_group_id: string; port: number; source: string }[];
    expect(listed.every((entry) => entry.security_group_id === SG)).toBe(true);
    expect(listed.map((entry) => [entry.port, entry.source.startsWith('${') ? 'nlb' : entry.source]).sort()).toEqual(ALB_GROUP_INGRESS);
  });
});

describe('mistakes caught at synth', () => {
  const s3 = { type: 's3', bucket: 'states', key: 'alb/terraform.tfstate', region: 'eu-west-1' } as const;
  const cloud = { type: 'cloud', organization: 'acme', workspace: 'alb' } as const;

  test.each<[string, EnvironmentConfig['backend'], EnvironmentConfig['backend'], string]>([
    ['one S3 state key', s3, { ...s3 }, 'backend is the same S3 state s3://states/alb/terraform.tfstate in eu-west-1'],
    [
      'one Terraform Cloud workspace (the default hostname spelled out or not)',
      cloud,
      { ...cloud, hostname: 'app.terraform.io' },
      'backend is the same Terraform Cloud workspace acme/alb on app.terraform.io',
    ],
  ])('two environments sharing %s fail', (_, first, second, line) => {
    expect(
      problemsOf([
        { ...MINIMAL, name: 'one', backend: first },
        { ...MINIMAL, name: 'two', backend: second },
      ]),
    ).toEqual([`environments "one", "two": ${line}; each environment needs its own state`]);
  });

  test('a DNS name cut short to 32 characters matches the ARN whose name it begins', () => {
    const arn = ALB_ARN.replace('/app/app/', '/app/orders-service-internal-alb-01/');
    const dnsName = 'internal-orders-service-internal-1234567890.eu-west-1.elb.amazonaws.com';
    expect(resolveEnvironment({ ...WITH_ARN, albs: { app: { dnsName, arn } } }).albs.get('app')!.arn).toBe(arn);
  });

  test('two environments with their own keys or workspaces pass', () => {
    expect(
      resolveEnvironments([
        { ...MINIMAL, name: 'one', backend: s3 },
        { ...MINIMAL, name: 'two', backend: { ...s3, key: 'two' } },
      ]),
    ).toHaveLength(2);
  });

  test.each<[string, Record<string, string>, string]>([
    [
      'another name',
      { dnsName: 'internal-web-1234567890.eu-west-1.elb.amazonaws.com' },
      'albs.app.dnsName and albs.app.arn name different ALBs: "web" and "app"',
    ],
    [
      "a name the ARN's begins with",
      { dnsName: 'internal-ap-1234567890.eu-west-1.elb.amazonaws.com' },
      'albs.app.dnsName and albs.app.arn name different ALBs: "ap" and "app"',
    ],
    [
      'another region',
      { dnsName: 'internal-app-1234567890.eu-central-1.elb.amazonaws.com' },
      'albs.app.dnsName is in region eu-central-1 and albs.app.arn in eu-west-1: they name different ALBs',
    ],
  ])('a dnsName and an arn naming different ALBs (%s) fail', (_, change, line) => {
    problem({ ...WITH_ARN, albs: { app: { arn: ALB_ARN, ...change } } }, line);
  });

  test.each<[string, Record<string, unknown>, string]>([
    ['vpcId', { vpcId: undefined }, 'vpcId is required: a VPC id (vpc-<8 or 17 hex>)'],
    ['region', { region: undefined }, 'region is required: an AWS region (e.g. eu-west-1)'],
    ["a route's listenerPort", { routes: [{ alb: 'app' }] }, 'routes[0].listenerPort is required: a port (1-65535)'],
  ])('a missing %s reads as required', (_, change, line) => {
    problem({ ...MINIMAL, ...change } as unknown as EnvironmentConfig, line);
  });

  test('a backend typo gets a "did you mean"', () => {
    problem(
      { ...MINIMAL, backend: { type: 'cloud', organisation: 'acme', workspace: 'alb' } as unknown as EnvironmentConfig['backend'] },
      'backend.organisation is not a setting of the cloud backend; did you mean organization?',
    );
  });

  test('defaults that assume routes or open the static IPs warn, naming the default', () => {
    expect(resolveEnvironment({ ...MINIMAL, name: 'open' }).warnings).toEqual([
      'routes is not set: the default routes ports 80 and 443 to albs.app in ip-sync mode; list the routes to make that a choice',
      'ingressCidrs is not set: the static IPs admit 0.0.0.0/0 (the whole ' +
        "internet) on ports 80, 443; set it, to ['0.0.0.0/0'] if that is the intent",
    ]);
    expect(resolveEnvironment({ ...WITH_ARN, routes: [{ listenerPort: 443 }] }).warnings).toEqual([]);
  });

  test('each warning is a cdktf annotation of the stack, once per synth', () => {
    const app = testApp();
    const environment = resolveEnvironment({ ...MINIMAL, name: 'open' });
    const stack = new StaticIpStack(app, { environment, bundleOutdir: path.join(tempDir('config-safety-stack-'), 'bundle') });
    const warnings = stack.node
      .findAll()
      .flatMap((construct) => construct.node.metadata)
      .filter((entry) => entry.type === AnnotationMetadataEntryType.WARN)
      .map((entry) => String(entry.data));
    expect(warnings.filter((line) => line.includes('ingressCidrs is not set'))).toEqual([
      expect.stringMatching(/^environment "open": ingressCidrs is not set/),
    ]);
    expect(warnings.filter((line) => line.includes('routes is not set'))).toHaveLength(1);
    expect(stack).toBeInstanceOf(TerraformStack);
  });
});

describe('npm run synth prints configuration problems once', () => {
  test('check validates without building and prints each problem once', () => {
    const written: string[] = [];
    const spy = jest.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
      written.push(String(chunk));
      return true;
    });
    try {
      expect(check([{ ...MINIMAL, name: 'prod', ingresCidrs: ['10.0.0.0/8'] } as unknown as EnvironmentConfig])).toBe(1);
    } finally {
      spy.mockRestore();
    }
    expect(written.join('').match(/ingresCidrs is not a field/g)).toHaveLength(1);
  });

  test("the synth script checks before the cdktf CLI, which would print a failing app's output twice", () => {
    const { scripts } = JSON.parse(fs.readFileSync(path.join(__dirname, '..', 'package.json'), 'utf8'));
    expect(scripts.synth).toMatch(/^tsx main\.ts --check && .*cdktf synth$/);
  });
});
