import * as fs from 'node:fs';
import * as path from 'node:path';
import type { EnvironmentConfig } from '../config/types';
import { TUNING_LIMITS } from '../config/validate';
import { resourceNames } from '../modules/static-ip-stack';
import { parseSettings } from '../lambda/settings';
import { ACCELERATOR_ONLY, ALB_ARN, EXISTING_ADDRESSES, FULL, MINIMAL, TWO_ALBS } from './fixtures/environments';
import { awsNames, policyStatements, ref, resourceAt, resourcesOf, synthesize, type Resource, type TerraformJson } from './support/synth';

const stacks = synthesize([MINIMAL, FULL, TWO_ALBS, ACCELERATOR_ONLY, EXISTING_ADDRESSES]);
const json = (environment: EnvironmentConfig): TerraformJson => stacks.get(environment.name)!.json;
const full = json(FULL);
const minimal = json(MINIMAL);
const twoAlbs = json(TWO_ALBS);

const values = (stack: TerraformJson, type: string): Resource[] => Object.values(resourcesOf(stack, type));

describe('StaticIpStack', () => {
  test('one stack per environment, named after it, in its region with its tags on every resource', () => {
    expect([...stacks.keys()]).toEqual([MINIMAL, FULL, TWO_ALBS, ACCELERATOR_ONLY, EXISTING_ADDRESSES].map(({ name }) => name));
    expect(full.provider.aws[0]).toEqual({ region: 'eu-west-1', default_tags: [{ tags: FULL.tags }] });
    expect(minimal.provider.aws).toEqual([{ region: 'eu-west-1' }]);
  });

  test('binds each zone’s Elastic IP, keyed by its Availability Zone, to that zone’s subnet', () => {
    const lb = resourceAt(full, 'aws_lb', 'static-ip-nlb/load-balancer');
    expect(lb.name).toBe('fixture-full-static-ip');
    expect(lb.subnet_mapping).toEqual(
      FULL.zones!.map(({ availabilityZone, subnetId }) => ({
        subnet_id: subnetId,
        allocation_id: ref(resourceAt(full, 'aws_eip', `static-ips/eip-${availabilityZone}`), 'allocation_id'),
      })),
    );
  });

  test('the static IPs and the NLB are protected by default', () => {
    for (const eip of values(full, 'aws_eip')) expect(eip.lifecycle).toEqual({ prevent_destroy: true });
    expect(resourceAt(full, 'aws_lb', 'load-balancer')).toMatchObject({
      enable_deletion_protection: true,
      lifecycle: { prevent_destroy: true },
    });
    expect(resourceAt(full, 'aws_globalaccelerator_accelerator', 'global-accelerator').lifecycle).toEqual({ prevent_destroy: true });
    const unprotected = synthesize([{ ...MINIMAL, name: 'throwaway', staticIps: { protect: false } }]).get('throwaway')!.json;
    for (const eip of values(unprotected, 'aws_eip')) expect(eip.lifecycle).toBeUndefined();
    expect(resourceAt(unprotected, 'aws_lb', 'load-balancer')).toMatchObject({ enable_deletion_protection: false });
  });

  test('every other zone of the region gets a removed block, protected or not, but the zones named in release', () => {
    const removedZones = (stack: TerraformJson) => {
      const removed = (stack as TerraformJson & { removed?: { from: string; lifecycle: unknown }[] }).removed ?? [];
      for (const block of removed) expect(block.lifecycle).toEqual({ destroy: false });
      return removed.map(({ from }) => from.replace(/^aws_eip\.static-ips_eip-(.*)_[0-9A-F]{8}$/, '$1'));
    };
    expect(removedZones(minimal)).toEqual(['eu-west-1c', 'eu-west-1d', 'eu-west-1e', 'eu-west-1f']);
    const variant = (staticIps: EnvironmentConfig['staticIps']) =>
      synthesize([{ ...MINIMAL, name: 'throwaway', staticIps }]).get('throwaway')!.json;
    // protect: false lets the NLB be replaced when a zone goes; it must not release the zone's address too.
    expect(removedZones(variant({ protect: false }))).toEqual(['eu-west-1c', 'eu-west-1d', 'eu-west-1e', 'eu-west-1f']);
    expect(removedZones(variant({ protect: false, release: ['eu-west-1c', 'eu-west-1e'] }))).toEqual(['eu-west-1d', 'eu-west-1f']);
    expect(removedZones(variant({ release: ['eu-west-1d'] }))).toEqual(['eu-west-1c', 'eu-west-1e', 'eu-west-1f']);
  });

  test.each([80, 443])('ip-sync on %i: listener -> IP target group <- sync function, role and state prefix', (port) => {
    const targetGroup = resourceAt(minimal, 'aws_lb_target_group', `ip-target-group-${port}/target-group`);
    const tgArn = ref(targetGroup, 'arn');
    expect(targetGroup).toMatchObject({ name: `fixture-min-alb-${port}`, target_type: 'ip', port, vpc_id: MINIMAL.vpcId });
    expect(resourceAt(minimal, 'aws_lb_listener', `listener-${port}`).default_action[0].target_group_arn).toBe(tgArn);

    const fn = resourceAt(minimal, 'aws_lambda_function', `alb-ip-sync-${port}/function`);
    expect(fn.function_name).toBe(`fixture-min-alb-ip-sync-${port}`);
    expect(fn.environment.variables).toMatchObject({
      ALB_DNS_NAME: MINIMAL.albs.app.dnsName,
      ALB_LISTENER: String(port),
      NLB_TG_ARN: tgArn,
      S3_BUCKET: ref(resourceAt(minimal, 'aws_s3_bucket', 'sync-state/bucket'), 'bucket'),
      SAME_VPC: 'true',
    });
    const role = resourceAt(minimal, 'aws_iam_role', `alb-ip-sync-${port}/role`);
    expect(fn.role).toBe(ref(role, 'arn'));
    const statements = policyStatements(minimal, resourceAt(minimal, 'aws_iam_role_policy', `alb-ip-sync-${port}/policy`).policy);
    const bucketArn = ref(resourceAt(minimal, 'aws_s3_bucket', 'sync-state/bucket'), 'arn');
    const grantedOn = (sid: string) => statements.find((statement) => statement.sid === sid)!.resources;
    expect(grantedOn('ChangeOwnTargetGroup')).toEqual([tgArn]);
    expect(grantedOn('ReadWriteOwnState')).toEqual([`${bucketArn}/${tgArn}/*`]);
  });

  test('alb-target on 443: the listener forwards to an ALB-type target group holding the ALB; no function for it', () => {
    const targetGroup = resourceAt(full, 'aws_lb_target_group', 'alb-target-443/target-group');
    expect(targetGroup).toMatchObject({ name: 'fixture-full-tga-443', target_type: 'alb', protocol: 'TCP', port: 443 });
    expect(targetGroup.health_check).toMatchObject({ protocol: 'HTTPS', path: '/health', matcher: '200-399' });
    expect(resourceAt(full, 'aws_lb_listener', 'listener-443').default_action[0].target_group_arn).toBe(ref(targetGroup, 'arn'));
    expect(resourceAt(full, 'aws_lb_target_group_attachment', 'alb-target-443/attachment')).toMatchObject({
      target_group_arn: ref(targetGroup, 'arn'),
      target_id: ALB_ARN,
      port: 443,
    });
    expect(values(full, 'aws_lambda_function').map((fn) => fn.environment.variables.ALB_LISTENER)).toEqual(['80']);
  });

  test('the client IP per mode: ip-sync says it is not kept; alb-target and the accelerator keep it', () => {
    expect(resourceAt(full, 'aws_lb_target_group', 'ip-target-group-80/target-group').preserve_client_ip).toBe('false');
    // An ALB-type target group always keeps it, and its attributes cannot be set.
    expect(resourceAt(full, 'aws_lb_target_group', 'alb-target-443/target-group').preserve_client_ip).toBeUndefined();
    for (const group of values(full, 'aws_globalaccelerator_endpoint_group')) {
      expect(group.endpoint_configuration).toEqual([
        expect.objectContaining({ endpoint_id: ALB_ARN, client_ip_preservation_enabled: true }),
      ]);
    }
  });

  test('the Global Accelerator listens on every route port, through the us-west-2 provider, and its IPs are an output', () => {
    expect(
      values(full, 'aws_globalaccelerator_listener')
        .map((listener) => listener.port_range[0].from_port)
        .sort(),
    ).toEqual([443, 80]);
    expect(full.provider.aws[1]).toMatchObject({ alias: 'global-accelerator', region: 'us-west-2', default_tags: [{ tags: FULL.tags }] });
    for (const group of values(full, 'aws_globalaccelerator_endpoint_group')) expect(group.endpoint_group_region).toBe('eu-west-1');
    expect(Object.keys(full.output)).toEqual(expect.arrayContaining(['static_ips', 'accelerator_static_ips', 'accelerator_dns_name']));
  });

  test('an accelerator-only environment has no NLB, no Elastic IP and no sync', () => {
    const ga = json(ACCELERATOR_ONLY);
    expect(Object.keys(ga.resource).sort()).toEqual([
      'aws_globalaccelerator_accelerator',
      'aws_globalaccelerator_endpoint_group',
      'aws_globalaccelerator_listener',
    ]);
    expect(resourceAt(ga, 'aws_globalaccelerator_accelerator', 'global-accelerator').ip_address_type).toBe('DUAL_STACK');
    expect(Object.keys(ga.output).sort()).toEqual(['accelerator_dns_name', 'accelerator_static_ips']);
  });

  test('two ALBs behind one set of static IPs: each route to its ALB, the one outside the VPC by its CIDRs, with AZ all', () => {
    const fns = values(twoAlbs, 'aws_lambda_function').map((fn) => fn.environment.variables);
    expect(fns).toEqual([
      expect.objectContaining({ ALB_DNS_NAME: TWO_ALBS.albs.api.dnsName, ALB_LISTENER: '443', SAME_VPC: 'true' }),
      expect.objectContaining({ ALB_DNS_NAME: TWO_ALBS.albs.partner.dnsName, ALB_LISTENER: '443', SAME_VPC: 'false' }),
    ]);
    // 8443 on the static IPs is the partner ALB's 443: the listener maps the port, the target group holds the ALB's.
    expect(resourceAt(twoAlbs, 'aws_lb_listener', 'listener-8443').port).toBe(8443);
    expect(resourceAt(twoAlbs, 'aws_lb_target_group', 'ip-target-group-8443/target-group').port).toBe(443);
    const egress = values(twoAlbs, 'aws_vpc_security_group_egress_rule').map((rule) => `${rule.cidr_ipv4}:${rule.from_port}`);
    expect(egress).toContain('10.40.0.0/16:443');
    expect(egress.filter((rule) => rule.startsWith('10.40.0.0/16'))).toEqual(['10.40.0.0/16:443']);
  });

  test('new addresses come from the environment’s pool', () => {
    for (const eip of values(twoAlbs, 'aws_eip')) expect(eip.ipam_pool_id).toBe('ipam-pool-0e5f60718293a4b5c');
  });

  test('a standby builds the other mode’s target group beside the serving one, behind its own listener, with no client ingress', () => {
    const switching: EnvironmentConfig = {
      ...MINIMAL,
      name: 'switching',
      albs: { app: { ...MINIMAL.albs.app, arn: ALB_ARN } },
      routes: [{ listenerPort: 443, standby: { mode: 'alb-target', listenerPort: 10443 } }],
    };
    const stack = synthesize([switching]).get('switching')!.json;
    const serving = resourceAt(stack, 'aws_lb_target_group', 'ip-target-group-443/target-group');
    const standby = resourceAt(stack, 'aws_lb_target_group', 'alb-target-443/target-group');
    expect(resourceAt(stack, 'aws_lb_listener', 'listener-443').default_action[0].target_group_arn).toBe(ref(serving, 'arn'));
    expect(resourceAt(stack, 'aws_lb_listener', 'listener-10443').default_action[0].target_group_arn).toBe(ref(standby, 'arn'));
    expect(values(stack, 'aws_vpc_security_group_ingress_rule').map((rule) => rule.from_port)).toEqual([443]);
  });

  test('an ALB found by name: a data source, and the plan refuses an internet-facing one before its sync exists', () => {
    const existing = json(EXISTING_ADDRESSES);
    const lookup = Object.entries(existing.data!.aws_lb);
    expect(lookup).toEqual([['alb-app', expect.objectContaining({ name: 'app-production' })]]);
    for (const fn of values(existing, 'aws_lambda_function')) {
      expect(fn.environment.variables.ALB_DNS_NAME).toBe(`\${data.aws_lb.${lookup[0][0]}.dns_name}`);
      expect(fn.lifecycle.precondition).toEqual([
        expect.objectContaining({
          condition: `\${data.aws_lb.${lookup[0][0]}.internal}`,
          error_message: expect.stringContaining('internal ALB'),
        }),
      ]);
    }
  });

  test.each([
    ['the smallest', { maxLookupsPerInvocation: 1, invocationsBeforeDeregistration: 1, maxDeregistrationPercent: 1 }],
    ['the largest', TUNING_LIMITS],
  ])('the function accepts the environment the stack gives it, with %s tuning the config allows', (_, sync) => {
    const stack = synthesize([{ ...TWO_ALBS, name: 'contract', sync }]).get('contract')!.json;
    const fn = resourceAt(stack, 'aws_lambda_function', 'alb-ip-sync-8443/function');
    const targetGroupName = resourceAt(stack, 'aws_lb_target_group', 'ip-target-group-8443/target-group').name;
    // What Terraform fills in at apply time, in the shapes AWS gives them.
    const targetGroupArn = `arn:aws:elasticloadbalancing:eu-central-1:123456789012:targetgroup/${targetGroupName}/0123456789abcdef`;
    const applied = Object.fromEntries(
      Object.entries<string>(fn.environment.variables).map(([name, value]) => [
        name,
        value
          .replace(/^\$\{aws_lb_target_group\.[^}]+\.arn\}$/, targetGroupArn)
          .replace(/^\$\{aws_s3_bucket\.[^}]+\.bucket\}$/, 'contract-alb-ip-state-20261121000000000000000001'),
      ]),
    );
    expect(parseSettings(applied)).toMatchObject({
      albDnsName: TWO_ALBS.albs.partner.dnsName,
      albListener: 443,
      targetGroupArn,
      region: 'eu-central-1',
      bucket: 'contract-alb-ip-state-20261121000000000000000001',
      maxLookups: sync.maxLookupsPerInvocation,
      invocationsBeforeDeregistration: sync.invocationsBeforeDeregistration,
      maxDeregistrationPercent: sync.maxDeregistrationPercent,
      sameVpc: false,
    });
  });

  test('ships the sync bundle inside the stack: the function zip exists where the function points', () => {
    for (const { dir, json: stack } of stacks.values()) {
      for (const fn of values(stack, 'aws_lambda_function')) {
        const zip = path.join(dir, fn.filename);
        expect(fs.statSync(zip).size).toBeGreaterThan(1000);
        expect(fs.readFileSync(zip).subarray(0, 2).toString()).toBe('PK');
      }
    }
  });

  test("opens an ALB's security group to the NLB only where the environment names it", () => {
    // The NLB's rules; the accelerator's clients (FULL's ingressCidrs) have their own, in config-safety.test.ts.
    const albRules = (stack: TerraformJson, group: string | undefined) =>
      values(stack, 'aws_vpc_security_group_ingress_rule').filter(
        (rule) => rule.security_group_id === group && rule.cidr_ipv4 === undefined,
      );
    expect(
      albRules(full, FULL.albs.app.securityGroupId)
        .map((rule) => rule.from_port)
        .sort(),
    ).toEqual([443, 80]);
    expect(values(minimal, 'aws_vpc_security_group_ingress_rule').every((rule) => rule.cidr_ipv4 !== undefined)).toBe(true);
  });

  test("sends every alarm to the environment's topic", () => {
    const alarms = values(full, 'aws_cloudwatch_metric_alarm');
    expect(alarms.length).toBeGreaterThan(3);
    for (const alarm of alarms) expect(alarm.alarm_actions).toEqual([FULL.alarmTopicArn]);
  });

  test('outputs the static IPs partners allowlist, in zone order, the NLB and what operators look up', () => {
    const eips = MINIMAL.zones!.map(({ availabilityZone }) => resourceAt(minimal, 'aws_eip', `eip-${availabilityZone}`));
    expect(minimal.output).toEqual({
      static_ips: expect.objectContaining({ value: eips.map((eip) => ref(eip, 'public_ip')) }),
      nlb_dns_name: expect.objectContaining({ value: ref(resourceAt(minimal, 'aws_lb', 'load-balancer'), 'dns_name') }),
      nlb_zone_id: expect.objectContaining({ value: ref(resourceAt(minimal, 'aws_lb', 'load-balancer'), 'zone_id') }),
      nlb_security_group_id: expect.objectContaining({ value: ref(resourceAt(minimal, 'aws_security_group', 'security-group'), 'id') }),
      target_group_arns: expect.objectContaining({
        value: {
          '80/ip-sync': ref(resourceAt(minimal, 'aws_lb_target_group', 'ip-target-group-80/target-group'), 'arn'),
          '443/ip-sync': ref(resourceAt(minimal, 'aws_lb_target_group', 'ip-target-group-443/target-group'), 'arn'),
        },
      }),
      sync_function_names: expect.objectContaining({
        value: {
          80: ref(resourceAt(minimal, 'aws_lambda_function', 'alb-ip-sync-80/function'), 'function_name'),
          443: ref(resourceAt(minimal, 'aws_lambda_function', 'alb-ip-sync-443/function'), 'function_name'),
        },
      }),
      state_bucket: expect.objectContaining({ value: ref(resourceAt(minimal, 'aws_s3_bucket', 'bucket'), 'bucket') }),
    });
  });

  test('two environments share no AWS name', () => {
    const [a, b] = [minimal, twoAlbs].map(awsNames);
    expect(a.length).toBeGreaterThan(10);
    expect(a.filter((name) => b.includes(name))).toEqual([]);
  });

  test('one environment in two regions of one account shares no account-wide name (IAM roles, dashboards)', () => {
    const eu = minimal;
    const us = synthesize([
      {
        ...MINIMAL,
        region: 'us-east-1',
        zones: [{ availabilityZone: 'us-east-1a', subnetId: 'subnet-0a1b2c3d' }],
        albs: { app: { dnsName: 'internal-app-1234567890.us-east-1.elb.amazonaws.com' } },
      },
    ]).get(MINIMAL.name)!.json;
    const accountWide = (stack: TerraformJson) => [
      ...values(stack, 'aws_iam_role').map((role) => role.name ?? role.name_prefix),
      ...values(stack, 'aws_cloudwatch_dashboard').map((dashboard) => dashboard.dashboard_name),
    ];
    // A role prefix gets a unique suffix from IAM; only a fixed name could collide.
    for (const role of values(eu, 'aws_iam_role')) expect(role.name).toBeUndefined();
    expect(accountWide(eu).filter((name) => !name.endsWith('-') && accountWide(us).includes(name))).toEqual([]);
  });

  test('every name derived from the longest allowed environment name fits its AWS limit', () => {
    const names = resourceNames('e'.repeat(22), 'ap-southeast-2');
    for (const port of [1, 65535]) {
      for (const mode of ['ip-sync', 'alb-target'] as const) expect(names.targetGroup(port, mode).length).toBeLessThanOrEqual(32);
      expect(names.syncFunction(port).length).toBeLessThanOrEqual(64);
      expect(`${names.syncFunction(port)}-not-running`.length).toBeLessThanOrEqual(255);
    }
    expect(names.loadBalancer.length).toBeLessThanOrEqual(32);
    expect(names.accelerator.length).toBeLessThanOrEqual(64);
    expect(names.stateBucketPrefix.length).toBeLessThanOrEqual(37);
  });
});
