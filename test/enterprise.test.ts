import type { EnvironmentConfig } from '../config/types';
import { resolveEnvironments } from '../config/validate';
import { ENTERPRISE, KMS_KEY_ARN, PERMISSIONS_BOUNDARY_ARN, SYNC_ROUTE_TABLE_IDS, SYNC_SUBNET_IDS } from './fixtures/enterprise';
import { MINIMAL } from './fixtures/environments';
import { StaticIpNlb } from '../modules/static-ip-nlb';
import { SyncNetwork, type SyncNetworkProps } from '../modes/ip-sync/sync-network';
import { policyStatements, ref, resourceAt, resourcesOf, synthScope, synthesize, type Resource, type TerraformJson } from './support/synth';
import { problemsOf } from './support/config-problems';

/** No sync function: the settings that apply to it have no effect. */
const ALB_TARGET_ONLY = {
  routes: [{ listenerPort: 443, mode: 'alb-target' }],
  albs: { app: { arn: 'arn:aws:elasticloadbalancing:eu-west-1:123456789012:loadbalancer/app/app/50dc6c495c0c9188' } },
};

const NAMED_GROUPS = ['sg-0f1e2d3c4b5a69780', 'sg-0f1e2d3c4b5a69781'];

/** Existing endpoints, the team's own security groups, and the trust condition. */
const EXISTING_ENDPOINTS: EnvironmentConfig = {
  ...ENTERPRISE,
  name: 'fixture-ent-existing',
  frontDoors: undefined,
  ingressCidrs: undefined,
  iam: { ...ENTERPRISE.iam, trustSourceAccount: true },
  syncFunction: { vpc: { subnetIds: [...SYNC_SUBNET_IDS], securityGroupIds: NAMED_GROUPS, endpoints: 'existing' } },
};

/** Only DNS discovery: the functions call neither EC2 nor STS. */
const DNS_ONLY: EnvironmentConfig = {
  ...ENTERPRISE,
  name: 'fixture-ent-dns',
  albs: { app: { dnsName: 'internal-app-1234567890.eu-west-1.elb.amazonaws.com' } },
  routes: undefined,
};

const synthesized = synthesize([ENTERPRISE, EXISTING_ENDPOINTS, DNS_ONLY, { ...MINIMAL, name: 'fixture-ent-plain' }]);
const jsonOf = (name: string): TerraformJson => synthesized.get(name)!.json;
const enterprise = jsonOf(ENTERPRISE.name);
const existing = jsonOf(EXISTING_ENDPOINTS.name);
const plain = jsonOf('fixture-ent-plain');

const valuesOf = (json: TerraformJson, type: string): Resource[] => Object.values(resourcesOf(json, type));
const rolePolicyStatements = (json: TerraformJson): Resource[] =>
  valuesOf(json, 'aws_iam_role_policy').flatMap((policy) => policyStatements(json, policy.policy));

describe('enterprise settings: configuration', () => {
  test("each is optional: an environment without them resolves to no boundary, IAM's default path, no VPC, 30 days, no key", () => {
    const [resolved] = resolveEnvironments([MINIMAL]);
    expect(resolved.iam).toEqual({ permissionsBoundaryArn: undefined, path: undefined, trustSourceAccount: false });
    expect(resolved.syncFunction).toEqual({ vpc: undefined, logRetentionDays: 30 });
    expect(resolved.kmsKeyArn).toBeUndefined();
    expect(resolved.nlbIpAddressType).toBe('ipv4');
  });

  test('endpoints default to create; a dual-stack NLB is open to IPv6 clients too when ingressCidrs is left out', () => {
    const [resolved] = resolveEnvironments([{ ...ENTERPRISE, ingressCidrs: undefined }]);
    expect(resolved.syncFunction.vpc?.endpoints).toBe('create');
    expect(resolved.nlbIpAddressType).toBe('dualstack');
    expect(resolved.ingressCidrs).toEqual(['0.0.0.0/0', '::/0']);
  });

  const vpc = ENTERPRISE.syncFunction!.vpc!;
  test.each<[string, Record<string, unknown>, string]>([
    [
      'a boundary that is not a policy ARN',
      { iam: { permissionsBoundaryArn: 'arn:aws:iam::123456789012:role/x' } },
      'iam.permissionsBoundaryArn "arn:aws:iam::123456789012:role/x" is not a managed policy ARN',
    ],
    ['a path without its slashes', { iam: { path: 'static-ip' } }, 'iam.path "static-ip" is not an IAM path'],
    ['a path without the trailing slash', { iam: { path: '/static-ip' } }, 'iam.path "/static-ip" is not an IAM path'],
    ['a trust flag that is not a boolean', { iam: { trustSourceAccount: 'yes' } }, 'iam.trustSourceAccount "yes" must be true or false'],
    [
      'a key alias',
      { kmsKeyArn: 'arn:aws:kms:eu-west-1:123456789012:alias/state' },
      'kmsKeyArn "arn:aws:kms:eu-west-1:123456789012:alias/state" is an alias',
    ],
    [
      'a key of another region',
      { kmsKeyArn: KMS_KEY_ARN.replace('eu-west-1', 'us-east-1') },
      "kmsKeyArn is in region us-east-1, not the environment's region eu-west-1",
    ],
    [
      'a key id instead of an ARN',
      { kmsKeyArn: '1234abcd-12ab-34cd-56ef-1234567890ab' },
      'kmsKeyArn "1234abcd-12ab-34cd-56ef-1234567890ab" is not a KMS key ARN',
    ],
    [
      'a retention CloudWatch does not offer',
      { syncFunction: { logRetentionDays: 31 } },
      'syncFunction.logRetentionDays 31 is not a CloudWatch Logs retention',
    ],
    [
      'a VPC without subnets',
      { syncFunction: { vpc: { routeTableIds: [...SYNC_ROUTE_TABLE_IDS] } } },
      'syncFunction.vpc.subnetIds is required',
    ],
    ['no subnets', { syncFunction: { vpc: { ...vpc, subnetIds: [] } } }, 'syncFunction.vpc.subnetIds must list at least one entry'],
    [
      'a subnet that is not a subnet id',
      { syncFunction: { vpc: { ...vpc, subnetIds: ['sg-0f1e2d3c4b5a69780'] } } },
      'syncFunction.vpc.subnetIds[0] "sg-0f1e2d3c4b5a69780" is not a subnet id',
    ],
    [
      'a security group that is not one',
      { syncFunction: { vpc: { ...vpc, securityGroupIds: ['subnet-0e1f2a3b'] } } },
      'syncFunction.vpc.securityGroupIds[0] "subnet-0e1f2a3b" is not a security group id',
    ],
    [
      'an unknown endpoints choice',
      { syncFunction: { vpc: { ...vpc, endpoints: 'shared' } } },
      'syncFunction.vpc.endpoints "shared" is not one of create, existing',
    ],
    [
      'created endpoints without route tables',
      { syncFunction: { vpc: { subnetIds: [...SYNC_SUBNET_IDS] } } },
      'syncFunction.vpc.routeTableIds is required with endpoints "create"',
    ],
    [
      'a route table that is not one',
      { syncFunction: { vpc: { ...vpc, routeTableIds: ['rt-1'] } } },
      'syncFunction.vpc.routeTableIds[0] "rt-1" is not a route table id',
    ],
    [
      'route tables with existing endpoints',
      { syncFunction: { vpc: { ...vpc, endpoints: 'existing', securityGroupIds: NAMED_GROUPS } } },
      'syncFunction.vpc.routeTableIds has no effect with endpoints "existing"',
    ],
    [
      'existing endpoints without security groups',
      { syncFunction: { vpc: { subnetIds: [...SYNC_SUBNET_IDS], endpoints: 'existing' } } },
      'syncFunction.vpc.securityGroupIds is required with endpoints "existing"',
    ],
    [
      'a misspelled field',
      { syncFunction: { vpc: { ...vpc, subnetId: 'subnet-0e1f2a3b' } } },
      'syncFunction.vpc.subnetId is not a field; did you mean subnetIds?',
    ],
    ['sync settings with no ip-sync route', ALB_TARGET_ONLY, 'syncFunction is set but no route uses ip-sync'],
    ['IAM settings with no ip-sync route', ALB_TARGET_ONLY, 'iam is set but no route uses ip-sync'],
    ['a key with no ip-sync route', ALB_TARGET_ONLY, 'kmsKeyArn is set but no route uses ip-sync'],
    [
      'an NLB address type AWS does not have',
      { frontDoors: { nlb: { ipAddressType: 'ipv6' } } },
      'frontDoors.nlb.ipAddressType "ipv6" is not one of ipv4, dualstack',
    ],
    [
      'an NLB setting that is not an object',
      { frontDoors: { nlb: 'dualstack' } },
      'frontDoors.nlb "dualstack" must be true, false or { ipAddressType }',
    ],
    [
      'an IPv6 CIDR on an IPv4 NLB',
      { frontDoors: undefined },
      'ingressCidrs[1] "2001:db8::/32" is IPv6: set frontDoors.nlb.ipAddressType to dualstack',
    ],
    ['an IPv6 CIDR AWS would spell otherwise', { ingressCidrs: ['2001:DB8::/32'] }, 'ingressCidrs[0] "2001:DB8::/32" must be lower case'],
    ['an IPv6 CIDR that is not one', { ingressCidrs: ['2001:db8::/129'] }, 'ingressCidrs[0] "2001:db8::/129" is not an IPv6 CIDR'],
  ])('refuses %s, naming the environment and the field', (_, change, expected) => {
    const problems = problemsOf([{ ...ENTERPRISE, ...change } as EnvironmentConfig]);
    expect(problems).toContainEqual(expect.stringContaining(`environment "${ENTERPRISE.name}": ${expected}`));
  });
});

describe('enterprise settings: what the stack builds', () => {
  test('every role the stack creates has the permissions boundary and the path', () => {
    const roles = valuesOf(enterprise, 'aws_iam_role');
    expect(roles.length).toBeGreaterThan(0);
    for (const role of roles) expect(role).toMatchObject({ permissions_boundary: PERMISSIONS_BOUNDARY_ARN, path: '/static-ip/' });
    for (const role of valuesOf(plain, 'aws_iam_role')) {
      expect(role.permissions_boundary).toBeUndefined();
      expect(role.path).toBeUndefined();
    }
  });

  test("trustSourceAccount puts the deploying account on Lambda's trust as aws:SourceAccount", () => {
    const identities = Object.keys(existing.data?.aws_caller_identity ?? {});
    expect(identities).toHaveLength(1);
    for (const role of valuesOf(existing, 'aws_iam_role')) {
      const [trust] = policyStatements(existing, role.assume_role_policy);
      expect(trust.principals).toEqual([{ type: 'Service', identifiers: ['lambda.amazonaws.com'] }]);
      expect(trust.condition).toEqual([
        { test: 'StringEquals', variable: 'aws:SourceAccount', values: [`\${data.aws_caller_identity.${identities[0]}.account_id}`] },
      ]);
    }
    expect(enterprise.data?.aws_caller_identity).toBeUndefined();
  });

  test('the functions run in the given subnets with a security group of their own that reaches only the endpoints', () => {
    const functionGroup = resourceAt(enterprise, 'aws_security_group', 'sync-network/function-security-group');
    const endpointGroup = resourceAt(enterprise, 'aws_security_group', 'sync-network/endpoint-security-group');
    const functions = valuesOf(enterprise, 'aws_lambda_function');
    expect(functions).toHaveLength(2);
    for (const fn of functions) {
      expect(fn.vpc_config).toEqual({ subnet_ids: [...SYNC_SUBNET_IDS], security_group_ids: [ref(functionGroup, 'id')] });
    }
    const s3 = resourceAt(enterprise, 'aws_vpc_endpoint', 'sync-network/endpoint-s3');
    const egress = valuesOf(enterprise, 'aws_vpc_security_group_egress_rule').filter(
      (rule) => rule.security_group_id === ref(functionGroup, 'id'),
    );
    expect(
      egress.map(({ from_port, to_port, referenced_security_group_id, prefix_list_id }) => ({
        from_port,
        to_port,
        referenced_security_group_id,
        prefix_list_id,
      })),
    ).toEqual([
      { from_port: 443, to_port: 443, referenced_security_group_id: ref(endpointGroup, 'id'), prefix_list_id: undefined },
      { from_port: 443, to_port: 443, referenced_security_group_id: undefined, prefix_list_id: ref(s3, 'prefix_list_id') },
    ]);
    const ingress = valuesOf(enterprise, 'aws_vpc_security_group_ingress_rule').filter(
      (rule) => rule.security_group_id === ref(endpointGroup, 'id'),
    );
    expect(ingress).toEqual([
      expect.objectContaining({ from_port: 443, to_port: 443, referenced_security_group_id: ref(functionGroup, 'id') }),
    ]);
  });

  test(
    'the endpoints are created: S3 gateway on the route tables, Elastic Load Balancing, ' +
      'EC2 (interface discovery) and STS (a discovery role) as interfaces with private DNS',
    () => {
      const endpointGroup = resourceAt(enterprise, 'aws_security_group', 'sync-network/endpoint-security-group');
      const endpoints = valuesOf(enterprise, 'aws_vpc_endpoint').map(
        ({ service_name, vpc_endpoint_type, route_table_ids, subnet_ids, security_group_ids, private_dns_enabled, vpc_id }) => ({
          service_name,
          vpc_endpoint_type,
          route_table_ids,
          subnet_ids,
          security_group_ids,
          private_dns_enabled,
          vpc_id,
        }),
      );
      const interfaceEndpoint = (service: string) => ({
        service_name: `com.amazonaws.eu-west-1.${service}`,
        vpc_endpoint_type: 'Interface',
        route_table_ids: undefined,
        subnet_ids: [...SYNC_SUBNET_IDS],
        security_group_ids: [ref(endpointGroup, 'id')],
        private_dns_enabled: true,
        vpc_id: ENTERPRISE.vpcId,
      });
      expect(endpoints).toEqual([
        interfaceEndpoint('ec2'),
        interfaceEndpoint('elasticloadbalancing'),
        {
          service_name: 'com.amazonaws.eu-west-1.s3',
          vpc_endpoint_type: 'Gateway',
          route_table_ids: [...SYNC_ROUTE_TABLE_IDS],
          subnet_ids: undefined,
          security_group_ids: undefined,
          private_dns_enabled: undefined,
          vpc_id: ENTERPRISE.vpcId,
        },
        interfaceEndpoint('sts'),
      ]);
      const dnsOnlyServices = valuesOf(jsonOf(DNS_ONLY.name), 'aws_vpc_endpoint').map((endpoint) => endpoint.service_name);
      expect(dnsOnlyServices).toEqual(['com.amazonaws.eu-west-1.elasticloadbalancing', 'com.amazonaws.eu-west-1.s3']);
    },
  );

  test('with existing endpoints the functions use the named security groups and the stack creates no endpoint or group', () => {
    for (const fn of valuesOf(existing, 'aws_lambda_function')) {
      expect(fn.vpc_config).toEqual({ subnet_ids: [...SYNC_SUBNET_IDS], security_group_ids: NAMED_GROUPS });
    }
    expect(resourcesOf(existing, 'aws_vpc_endpoint')).toEqual({});
    const groups = valuesOf(existing, 'aws_security_group').map((group) => group.name);
    expect(groups).toEqual([`${EXISTING_ENDPOINTS.name}-static-ip`]);
  });

  test('a function in a VPC may manage its network interfaces (what AWSLambdaVPCAccessExecutionRole grants); outside, not', () => {
    const vpcStatement = {
      sid: 'ManageVpcNetworkInterfaces',
      effect: 'Allow',
      actions: [
        'ec2:CreateNetworkInterface',
        'ec2:DescribeNetworkInterfaces',
        'ec2:DeleteNetworkInterface',
        'ec2:AssignPrivateIpAddresses',
        'ec2:UnassignPrivateIpAddresses',
      ],
      resources: ['*'],
    };
    const statements = rolePolicyStatements(enterprise);
    expect(statements.filter((s) => s.sid === vpcStatement.sid)).toEqual([vpcStatement, vpcStatement]);
    expect(rolePolicyStatements(plain).some((s) => s.actions.some((a: string) => a.startsWith('ec2:')))).toBe(false);
  });

  test('the KMS key encrypts the state bucket (SSE-KMS, bucket key) and the log groups, and the roles may use it', () => {
    const [encryption] = valuesOf(enterprise, 'aws_s3_bucket_server_side_encryption_configuration');
    expect(encryption.rule).toEqual([
      { apply_server_side_encryption_by_default: { sse_algorithm: 'aws:kms', kms_master_key_id: KMS_KEY_ARN }, bucket_key_enabled: true },
    ]);
    const logGroups = valuesOf(enterprise, 'aws_cloudwatch_log_group');
    expect(logGroups.length).toBe(2);
    for (const group of logGroups) expect(group).toMatchObject({ kms_key_id: KMS_KEY_ARN, retention_in_days: 90 });
    const keyStatements = rolePolicyStatements(enterprise).filter((s) => s.sid === 'UseStateKey');
    expect(keyStatements).toEqual(
      Array(2).fill({ sid: 'UseStateKey', effect: 'Allow', actions: ['kms:Decrypt', 'kms:GenerateDataKey'], resources: [KMS_KEY_ARN] }),
    );

    const [plainEncryption] = valuesOf(plain, 'aws_s3_bucket_server_side_encryption_configuration');
    expect(plainEncryption.rule).toEqual([{ apply_server_side_encryption_by_default: { sse_algorithm: 'AES256' } }]);
    for (const group of valuesOf(plain, 'aws_cloudwatch_log_group')) {
      expect(group.retention_in_days).toBe(30);
      expect(group.kms_key_id).toBeUndefined();
    }
  });
});

describe('the constructs refuse what the configuration would', () => {
  const network = { name: 'env', region: 'eu-west-1', vpcId: 'vpc-0e1f2a3b', subnetIds: [...SYNC_SUBNET_IDS] };
  test.each<[string, Partial<SyncNetworkProps>, string]>([
    ['created endpoints without route tables', {}, "routeTableIds must list the subnets' route tables"],
    ['existing endpoints without security groups', { endpoints: 'existing' }, 'securityGroupIds is required with existing endpoints'],
    [
      'existing endpoints with route tables',
      { endpoints: 'existing', securityGroupIds: NAMED_GROUPS, routeTableIds: ['rtb-0e1f2a3b'] },
      'routeTableIds has no effect',
    ],
  ])('SyncNetwork: %s', (_, change, expected) => {
    expect(() => synthScope((scope) => new SyncNetwork(scope, 'network', { ...network, ...change }))).toThrow(expected);
  });

  test('StaticIpNlb: an IPv6 client CIDR on an IPv4 NLB', () => {
    const props = {
      name: 'env',
      vpcId: 'vpc-0e1f2a3b',
      subnetMappings: [{ subnetId: 'subnet-0e1f2a3b', allocationId: 'eipalloc-0e1f2a3b' }],
      clientPorts: [443],
      albFlows: [],
    };
    expect(() => synthScope((scope) => new StaticIpNlb(scope, 'nlb', { ...props, ingressCidrs: ['::/0'] }))).toThrow(
      'ingressCidrs ::/0 are IPv6, which only a dualstack NLB accepts',
    );
    expect(() =>
      synthScope((scope) => new StaticIpNlb(scope, 'nlb', { ...props, ingressCidrs: ['::/0'], ipAddressType: 'dualstack' })),
    ).not.toThrow();
  });
});

describe('dual stack', () => {
  const nlbOf = (json: TerraformJson) => resourceAt(json, 'aws_lb', 'static-ip-nlb/load-balancer');

  test('a dual-stack NLB keeps its Elastic IPs and pins no IPv6 address (a pinned one plans a change forever)', () => {
    const nlb = nlbOf(enterprise);
    expect(nlb.ip_address_type).toBe('dualstack');
    expect(nlb.subnet_mapping).toHaveLength(2);
    for (const mapping of nlb.subnet_mapping) {
      expect(Object.keys(mapping).sort()).toEqual(['allocation_id', 'subnet_id']);
    }
  });

  test('ipv4 to dualstack changes only ip_address_type, which AWS updates in place (no argument that forces replacement)', () => {
    const { ip_address_type: dual, address: _a, ...dualRest } = nlbOf(enterprise);
    const ipv4Json = synthesize([{ ...ENTERPRISE, frontDoors: undefined, ingressCidrs: ['198.51.100.0/24'] }]).get(ENTERPRISE.name)!.json;
    const { ip_address_type: single, address: _b, ...ipv4Rest } = nlbOf(ipv4Json);
    expect([single, dual]).toEqual(['ipv4', 'dualstack']);
    expect(dualRest).toEqual(ipv4Rest);
  });

  test("the IPv6 address of each zone is output beside the static IPs, read from the NLB's interface in its subnet", () => {
    const nlb = nlbOf(enterprise);
    const interfaces = enterprise.data?.aws_network_interface ?? {};
    const names = Object.keys(interfaces);
    expect(names).toHaveLength(2);
    expect(enterprise.output.nlb_ipv6_addresses.value).toEqual(
      names.map((name) => `\${one(tolist(data.aws_network_interface.${name}.ipv6_addresses))}`),
    );
    names.forEach((name, i) => {
      expect(interfaces[name].filter).toEqual([
        { name: 'description', values: [`ELB ${ref(nlb, 'arn_suffix')}`] },
        { name: 'subnet-id', values: [ENTERPRISE.zones![i].subnetId] },
      ]);
      // Read after any change of the NLB: an ipv4-to-dualstack plan has no address to read yet.
      expect(interfaces[name].depends_on).toEqual([nlb.address]);
    });
    expect(plain.output.nlb_ipv6_addresses).toBeUndefined();
    expect(plain.data?.aws_network_interface).toBeUndefined();
  });

  test('IPv6 client CIDRs become IPv6 ingress rules', () => {
    const ingress = valuesOf(enterprise, 'aws_vpc_security_group_ingress_rule').filter((rule) =>
      rule.description?.startsWith('Clients on'),
    );
    const rules = ingress.map(({ from_port, cidr_ipv4, cidr_ipv6 }) => ({ from_port, cidr_ipv4, cidr_ipv6 }));
    expect(rules.sort((a, b) => a.from_port - b.from_port)).toEqual([
      { from_port: 80, cidr_ipv4: '198.51.100.0/24', cidr_ipv6: undefined },
      { from_port: 80, cidr_ipv4: undefined, cidr_ipv6: '2001:db8::/32' },
      { from_port: 443, cidr_ipv4: '198.51.100.0/24', cidr_ipv6: undefined },
      { from_port: 443, cidr_ipv4: undefined, cidr_ipv6: '2001:db8::/32' },
    ]);
  });
});
