import { TerraformOutput, TerraformStack, Testing } from 'cdktf';
import { Lb } from '@cdktf/provider-aws/lib/lb';
import { AwsProvider, type AwsProviderConfig } from '@cdktf/provider-aws/lib/provider';
import { GlobalAcceleratorFrontDoor, globalAcceleratorProvider } from '../modules/global-accelerator';
import { StaticIpFrontDoors } from '../modules/front-doors';
import { ref, resourceAt, resourcesOf, synthScope, testApp, type TerraformJson } from './support/synth';
import { ACCELERATOR_ONLY } from './fixtures/environments';
import { ALB_ARN, FRONT_DOOR_PROPS as PROPS, frontDoor, type FrontDoorProps, ROUTES } from './fixtures/global-accelerator';

const GA_RESOURCE_TYPES = ['aws_globalaccelerator_accelerator', 'aws_globalaccelerator_listener', 'aws_globalaccelerator_endpoint_group'];

const synth = (props: Partial<FrontDoorProps> = {}) => synthScope((scope) => frontDoor(scope, { ...PROPS, ...props }));
const acceleratorOf = (json: TerraformJson) => resourceAt(json, 'aws_globalaccelerator_accelerator', 'front-door/accelerator');
const endpointGroupOf = (json: TerraformJson, port: number) =>
  resourceAt(json, 'aws_globalaccelerator_endpoint_group', `front-door/endpoint-group-${port}`);

describe('GlobalAcceleratorFrontDoor', () => {
  const json = synth();
  const accelerator = acceleratorOf(json);

  test('an enabled IPv4 accelerator with two addresses from Amazon’s pool, by default', () => {
    expect(accelerator).toMatchObject({ name: 'prod-static-ip', ip_address_type: 'IPV4', enabled: true });
    expect(accelerator.ip_addresses).toBeUndefined();
  });

  test('refuses to be destroyed by default: its static IPs are allowlisted', () => {
    expect(accelerator.lifecycle).toEqual({ prevent_destroy: true });
    expect(acceleratorOf(synth({ protect: false })).lifecycle).toEqual({ prevent_destroy: false });
  });

  test('every Global Accelerator resource goes through the us-west-2 provider; the default stays in the ALB region', () => {
    expect(json.provider.aws).toEqual([{ region: 'eu-west-1' }, { region: 'us-west-2', alias: 'global-accelerator' }]);
    const gaResources = GA_RESOURCE_TYPES.flatMap((type) => Object.values(resourcesOf(json, type)));
    expect(gaResources).toHaveLength(1 + 2 * ROUTES.length);
    for (const resource of gaResources) expect(resource.provider).toBe('aws.global-accelerator');
  });

  test.each([80, 443])('port %i: a TCP listener on that one port, without client affinity', (port) => {
    expect(resourceAt(json, 'aws_globalaccelerator_listener', `front-door/listener-${port}`)).toMatchObject({
      accelerator_arn: ref(accelerator, 'arn'),
      protocol: 'TCP',
      port_range: [{ from_port: port, to_port: port }],
      client_affinity: 'NONE',
    });
  });

  test('an endpoint group per listener, in the ALB’s region, holding the ALB', () => {
    for (const port of [80, 443]) {
      const listener = resourceAt(json, 'aws_globalaccelerator_listener', `front-door/listener-${port}`);
      expect(endpointGroupOf(json, port)).toMatchObject({
        listener_arn: ref(listener, 'arn'),
        endpoint_group_region: 'eu-west-1',
        endpoint_configuration: [{ endpoint_id: ALB_ARN, client_ip_preservation_enabled: true, weight: 128 }],
      });
    }
  });

  test('overrides the port only where the ALB listens on another one', () => {
    expect(endpointGroupOf(json, 80).port_override).toBeUndefined();
    expect(endpointGroupOf(json, 443).port_override).toEqual([{ listener_port: 443, endpoint_port: 8443 }]);
  });

  test('client IP: every endpoint sets preservation on explicitly (the provider would send false)', () => {
    // The documented property of this mode: the ALB sees the client's address and appends it to X-Forwarded-For.
    // Unset, the provider sends false, which the API rejects for internal ALBs.
    const endpoints = Object.values(resourcesOf(json, 'aws_globalaccelerator_endpoint_group')).flatMap(
      (group) => group.endpoint_configuration,
    );
    expect(endpoints).toHaveLength(ROUTES.length);
    for (const endpoint of endpoints) expect(endpoint.client_ip_preservation_enabled).toBe(true);
  });

  test('a route weight reaches its endpoint; 0 drains the port', () => {
    const drained = synth({ routes: [{ port: 443, albArn: ALB_ARN, weight: 0 }] });
    expect(endpointGroupOf(drained, 443).endpoint_configuration[0].weight).toBe(0);
  });

  test('dual-stack, with addresses from a BYOIP pool, disabled', () => {
    const byoip = acceleratorOf(synth({ ipAddressType: 'DUAL_STACK', ipAddresses: ['198.51.100.10', '198.51.100.11'], enabled: false }));
    expect(byoip).toMatchObject({
      ip_address_type: 'DUAL_STACK',
      ip_addresses: ['198.51.100.10', '198.51.100.11'],
      enabled: false,
    });
  });

  test('exposes every static IP of every ip set (IPv4 then IPv6), and the DNS names', () => {
    const outputs = synthScope((scope) => {
      const door = frontDoor(scope, { ...PROPS, ipAddressType: 'DUAL_STACK' });
      new TerraformOutput(scope, 'static_ips', { value: door.staticIps });
      new TerraformOutput(scope, 'dns_name', { value: door.dnsName });
      new TerraformOutput(scope, 'dual_stack_dns_name', { value: door.dualStackDnsName });
    });
    const address = acceleratorOf(outputs).address;
    expect(outputs.output).toEqual({
      static_ips: { value: `\${flatten(${address}.ip_sets[*].ip_addresses)}` },
      dns_name: { value: `\${${address}.dns_name}` },
      dual_stack_dns_name: { value: `\${${address}.dual_stack_dns_name}` },
    });
  });

  test('exposes its listeners and endpoint groups by port', () => {
    let door!: GlobalAcceleratorFrontDoor;
    synthScope((scope) => (door = frontDoor(scope, PROPS)));
    expect([...door.listeners.keys()]).toEqual([80, 443]);
    expect([...door.endpointGroups.keys()]).toEqual([80, 443]);
  });

  test('globalAcceleratorProvider keeps the given configuration (credentials, role, default tags) in us-west-2', () => {
    const base: AwsProviderConfig = {
      region: 'eu-west-1',
      assumeRole: [{ roleArn: 'arn:aws:iam::123456789012:role/deploy' }],
      defaultTags: [{ tags: { project: 'static-ip' } }],
    };
    const withRole = synthScope((scope) => frontDoor(scope, PROPS, base));
    expect(withRole.provider.aws[1]).toEqual({
      alias: 'global-accelerator',
      region: 'us-west-2',
      assume_role: [{ role_arn: 'arn:aws:iam::123456789012:role/deploy' }],
      default_tags: [{ tags: { project: 'static-ip' } }],
    });
  });

  test('accepts references it cannot check before apply (an ALB of the same stack)', () => {
    const withReference = synthScope((scope) => {
      const alb = new Lb(scope, 'alb', { name: 'prod-alb', loadBalancerType: 'application', internal: true });
      frontDoor(scope, { ...PROPS, routes: [{ port: 443, albArn: alb.arn }] });
    });
    const alb = resourceAt(withReference, 'aws_lb', 'alb');
    expect(endpointGroupOf(withReference, 443).endpoint_configuration[0].endpoint_id).toBe(ref(alb, 'arn'));
  });

  const NLB_ARN = ALB_ARN.replace('/app/', '/net/');
  test.each<[string, Partial<FrontDoorProps>, string]>([
    ['no routes', { routes: [] }, 'routes must list at least one port'],
    ['a duplicate port', { routes: [ROUTES[0], ROUTES[0]] }, 'route ports have duplicates: 80, 80'],
    ['port 0', { routes: [{ port: 0, albArn: ALB_ARN }] }, 'route 0: port must be an integer in 1-65535'],
    ['ALB port 65536', { routes: [{ ...ROUTES[0], albPort: 65536 }] }, 'route 80: albPort must be an integer in 1-65535'],
    ['weight 256', { routes: [{ ...ROUTES[0], weight: 256 }] }, 'route 80: weight must be an integer in 0-255: 256'],
    ['an NLB ARN', { routes: [{ port: 80, albArn: NLB_ARN }] }, 'route 80: albArn must be an Application Load Balancer'],
    [
      'an ALB in another region',
      { routes: [{ port: 80, albArn: ALB_ARN.replace('eu-west-1', 'eu-central-1') }] },
      'route 80: albArn is in eu-central-1, not in endpointRegion eu-west-1',
    ],
    ['a name over 64 characters', { name: 'n'.repeat(65) }, 'name must be 1-64 letters, digits, periods or hyphens'],
    ['a name ending with a period', { name: 'prod.' }, 'not starting or ending with a period or hyphen: "prod."'],
    ['an unknown address type', { ipAddressType: 'IPV6' as 'IPV4' }, 'ipAddressType must be IPV4 or DUAL_STACK: "IPV6"'],
    ['three BYOIP addresses', { ipAddresses: ['192.0.2.1', '192.0.2.2', '192.0.2.3'] }, 'ipAddresses must list 1-2'],
    ['a BYOIP prefix', { ipAddresses: ['192.0.2.0/24'] }, 'ipAddresses must be IPv4 addresses: 192.0.2.0/24'],
  ])('rejects %s, naming the field', (_, change, message) => {
    expect(() => synth(change)).toThrow(message);
  });

  test.each<[string, AwsProviderConfig]>([
    ['the stack’s region', { region: 'eu-west-1' }],
    ['no region (taken from the environment at plan time)', {}],
  ])('rejects a provider in %s', (_, config) => {
    expect(() =>
      synthScope((scope) => {
        const provider = new AwsProvider(scope, 'aws', config);
        new GlobalAcceleratorFrontDoor(scope, 'front-door', { ...PROPS, provider });
      }),
    ).toThrow('GlobalAcceleratorFrontDoor prod-static-ip: provider must be in us-west-2');
  });
});

describe('globalAcceleratorProvider with no configuration given: the settings of the stack’s own AWS provider', () => {
  /** A team's provider with settings of every kind: credentials, role, tags, endpoints, retries. */
  const TEAM_PROVIDER: AwsProviderConfig = {
    region: 'eu-west-1',
    profile: 'shop-deploy',
    sharedConfigFiles: ['/etc/shop/aws-config'],
    assumeRole: [{ roleArn: 'arn:aws:iam::123456789012:role/deploy', sessionName: 'edge' }],
    defaultTags: [{ tags: { Team: 'shop' } }],
    endpoints: [{ sts: 'https://sts.eu-west-1.amazonaws.com' }],
    maxRetries: 7,
  };
  const TEAM_SETTINGS = {
    profile: 'shop-deploy',
    shared_config_files: ['/etc/shop/aws-config'],
    assume_role: [{ role_arn: 'arn:aws:iam::123456789012:role/deploy', session_name: 'edge' }],
    default_tags: [{ tags: { Team: 'shop' } }],
    endpoints: [{ sts: 'https://sts.eu-west-1.amazonaws.com' }],
    max_retries: 7,
  };
  const acceleratorProviderOf = (json: TerraformJson) => json.provider.aws.find((block) => block.alias === 'global-accelerator');

  test('takes every argument of the default provider but its region; an aliased provider is not the default', () => {
    const json = synthScope((scope) => {
      new AwsProvider(scope, 'aws', TEAM_PROVIDER);
      new AwsProvider(scope, 'aws-us-east-1', { region: 'us-east-1', alias: 'us-east-1', profile: 'certificates' });
      const provider = globalAcceleratorProvider(scope, 'aws-global-accelerator', {});
      new GlobalAcceleratorFrontDoor(scope, 'front-door', { ...PROPS, provider });
    });
    expect(acceleratorProviderOf(json)).toEqual({ alias: 'global-accelerator', region: 'us-west-2', ...TEAM_SETTINGS });
    for (const resource of GA_RESOURCE_TYPES.flatMap((type) => Object.values(resourcesOf(json, type)))) {
      expect(resource.provider).toBe('aws.global-accelerator');
    }
  });

  test('takes the settings the provider has when the configuration is written, including those set after', () => {
    const json = synthScope((scope) => {
      const team = new AwsProvider(scope, 'aws', { region: 'eu-west-1' });
      globalAcceleratorProvider(scope, 'aws-global-accelerator', {});
      team.defaultTags = [{ tags: { CostCentre: '4711' } }];
    });
    expect(acceleratorProviderOf(json)).toEqual({
      alias: 'global-accelerator',
      region: 'us-west-2',
      default_tags: [{ tags: { CostCentre: '4711' } }],
    });
  });

  test('the HCL rendering takes them too', () => {
    const stack = new TerraformStack(testApp(), 'stack');
    new AwsProvider(stack, 'aws', TEAM_PROVIDER);
    globalAcceleratorProvider(stack, 'aws-global-accelerator', {});
    const hcl = String(Testing.synthHcl(stack));
    const blocks = hcl.split('provider "aws" {').slice(1);
    expect(blocks).toHaveLength(2);
    const accelerator = blocks.find((block) => block.includes('alias = "global-accelerator"'))!;
    for (const setting of [
      'region = "us-west-2"',
      'profile = "shop-deploy"',
      'role_arn = "arn:aws:iam::123456789012:role/deploy"',
      'max_retries = 7',
    ]) {
      expect(accelerator).toContain(setting);
    }
    expect(accelerator).not.toMatch(/region = "eu-west-1"/);
  });

  test('StaticIpFrontDoors in a team’s stack, without providerConfig, gives the accelerator the team provider’s settings', () => {
    const json = synthScope((scope) => {
      new AwsProvider(scope, 'aws', TEAM_PROVIDER);
      new StaticIpFrontDoors(scope, 'edge', { environment: ACCELERATOR_ONLY });
    });
    expect(json.provider.aws).toHaveLength(2);
    expect(acceleratorProviderOf(json)).toEqual({ alias: 'global-accelerator', region: 'us-west-2', ...TEAM_SETTINGS });
  });

  test('a stack without an AWS provider: refuses, naming what to pass', () => {
    expect(() => synthScope((scope) => globalAcceleratorProvider(scope, 'aws-global-accelerator', {}))).toThrow(
      /stack stack has no AWS provider without an alias .* Pass them as providerConfig \(StaticIpFrontDoors/,
    );
  });

  test('a stack with two AWS providers without an alias: refuses, naming both', () => {
    expect(() =>
      synthScope((scope) => {
        new AwsProvider(scope, 'aws', { region: 'eu-west-1' });
        new AwsProvider(scope, 'aws-again', { region: 'eu-west-1', profile: 'other' });
        globalAcceleratorProvider(scope, 'aws-global-accelerator', {});
      }),
    ).toThrow('stack stack has 2 AWS providers without an alias (stack/aws, stack/aws-again). Pass them as providerConfig');
  });

  test('a configuration given is used as it is, whatever the stack holds', () => {
    const json = synthScope((scope) => {
      new AwsProvider(scope, 'aws', TEAM_PROVIDER);
      globalAcceleratorProvider(scope, 'aws-global-accelerator', { region: 'eu-west-1', profile: 'accelerator-admin' });
    });
    expect(acceleratorProviderOf(json)).toEqual({ alias: 'global-accelerator', region: 'us-west-2', profile: 'accelerator-admin' });
  });
});
