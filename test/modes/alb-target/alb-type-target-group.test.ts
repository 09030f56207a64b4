import { Lb } from '@cdktf/provider-aws/lib/lb';
import {
  AlbTypeTargetGroup,
  type AlbTargetHealthCheck,
  type AlbTypeTargetGroupProps,
} from '../../../modes/alb-target/alb-type-target-group';
import { FULL } from '../../fixtures/environments';
import { ref, resourceAt, synthesize, synthScope, type TerraformJson } from '../../support/synth';
import { ALB_ARN, ALB_TARGET_PROPS as PROPS, albListener, VPC_ID } from '../../fixtures/alb-target';

const synth = (props: Partial<AlbTypeTargetGroupProps> = {}) =>
  synthScope((scope) => new AlbTypeTargetGroup(scope, 'route', { ...PROPS, ...props }));
const targetGroupOf = (json: TerraformJson) => resourceAt(json, 'aws_lb_target_group', 'route/target-group');
const healthCheckOf = (props: Partial<AlbTypeTargetGroupProps>) => targetGroupOf(synth(props)).health_check;

describe('AlbTypeTargetGroup', () => {
  const json = synth();
  const targetGroup = targetGroupOf(json);

  test('is an NLB target group of type alb: TCP on the ALB listener port, in the VPC', () => {
    expect(targetGroup).toMatchObject({
      name: 'prod-alb-443',
      target_type: 'alb',
      protocol: 'TCP',
      port: 443,
      vpc_id: VPC_ID,
    });
  });

  test('sets no target group attribute: those of an alb group cannot be modified', () => {
    // deregistration_delay, preserve_client_ip, proxy_protocol_v2, stickiness, slow_start... would each be an
    // argument here. The provider keeps its schema defaults for them in state but sends none for type alb.
    // (`lifecycle` is Terraform's, not the group's: see the create_before_destroy test.)
    const { address: _, lifecycle: __, ...argumentsOfGroup } = targetGroup;
    expect(Object.keys(argumentsOfGroup).sort()).toEqual(['health_check', 'name', 'port', 'protocol', 'target_type', 'vpc_id'].sort());
  });

  test('client IP: nothing on the group turns preservation off; an alb group always keeps the client IP', () => {
    // The documented property of this mode (the ALB appends the client's address to X-Forwarded-For), unlike
    // ip-sync groups, whose preserve_client_ip = false makes the ALB see the NLB.
    expect(targetGroup).not.toHaveProperty('preserve_client_ip');
    expect(targetGroup).not.toHaveProperty('proxy_protocol_v2');
  });

  test('registers the ALB itself on the listener port', () => {
    expect(resourceAt(json, 'aws_lb_target_group_attachment', 'route/attachment')).toMatchObject({
      target_group_arn: ref(targetGroup, 'arn'),
      target_id: ALB_ARN,
      port: 443,
    });
  });

  test('waits for the ALB listener when given one: registration fails while the ALB has no listener on the port', () => {
    const withListener = synthScope((scope) => {
      new AlbTypeTargetGroup(scope, 'route', { ...PROPS, albListener: albListener(scope, 443) });
    });
    const listener = resourceAt(withListener, 'aws_lb_listener', 'alb-listener-443');
    expect(resourceAt(withListener, 'aws_lb_target_group_attachment', 'route/attachment').depends_on).toEqual([listener.address]);
    expect(resourceAt(json, 'aws_lb_target_group_attachment', 'route/attachment').depends_on).toBeUndefined();
  });

  test.each<[number, string]>([
    [443, 'HTTPS'],
    [80, 'HTTP'],
  ])('port %i: by default a %s GET of / on the traffic port, healthy on 200-399, every 30 s', (port, protocol) => {
    expect(healthCheckOf({ port })).toEqual({
      enabled: true,
      protocol,
      path: '/',
      port: 'traffic-port',
      matcher: '200-399',
      interval: 30,
      healthy_threshold: 3,
      unhealthy_threshold: 3,
    });
  });

  test('the default protocol follows a health check port set apart from the traffic port', () => {
    expect(healthCheckOf({ port: 80, healthCheck: { port: 443 } })).toMatchObject({ protocol: 'HTTPS', port: '443' });
    expect(healthCheckOf({ port: 443, healthCheck: { port: 80 } })).toMatchObject({ protocol: 'HTTP', port: '80' });
  });

  test('takes the health check the caller sets', () => {
    const healthCheck: AlbTargetHealthCheck = {
      protocol: 'HTTP',
      path: '/healthz?deep=1',
      port: 8080,
      matcher: '200,204,300-308',
      intervalSeconds: 10,
    };
    expect(healthCheckOf({ healthCheck })).toMatchObject({
      protocol: 'HTTP',
      path: '/healthz?deep=1',
      port: '8080',
      matcher: '200,204,300-308',
      interval: 10,
    });
  });

  test('exposes its target group and attachment', () => {
    let route!: AlbTypeTargetGroup;
    synthScope((scope) => (route = new AlbTypeTargetGroup(scope, 'route', PROPS)));
    expect(route.targetGroup.targetTypeInput).toBe('alb');
    expect(route.attachment.targetIdInput).toBe(ALB_ARN);
  });

  test('accepts references it cannot check before apply (an ALB of the same stack)', () => {
    const withReference = synthScope((scope) => {
      const alb = new Lb(scope, 'alb', { name: 'prod-alb', loadBalancerType: 'application', internal: true });
      new AlbTypeTargetGroup(scope, 'route', { ...PROPS, albArn: alb.arn });
    });
    const alb = resourceAt(withReference, 'aws_lb', 'alb');
    expect(resourceAt(withReference, 'aws_lb_target_group_attachment', 'route/attachment').target_id).toBe(ref(alb, 'arn'));
  });

  const NLB_ARN = 'arn:aws:elasticloadbalancing:eu-west-1:123456789012:loadbalancer/net/prod-nlb/50dc6c495c0c9188';
  const invalid = (healthCheck: Record<string, unknown>) => ({ healthCheck: healthCheck as AlbTargetHealthCheck });
  test.each<[string, Partial<AlbTypeTargetGroupProps>, string]>([
    ['a name over 32 characters', { name: 'n'.repeat(33) }, `name must be 1-32 letters, digits or hyphens`],
    ['a name with a dot', { name: 'prod.alb' }, 'name must be 1-32 letters, digits or hyphens'],
    ['a name ending with a hyphen', { name: 'prod-' }, 'not starting or ending with a hyphen: "prod-"'],
    ['port 0', { port: 0 }, 'port must be an integer in 1-65535: 0'],
    ['port 65536', { port: 65536 }, 'port must be an integer in 1-65535: 65536'],
    ['a fractional port', { port: 80.5 }, 'port must be an integer in 1-65535: 80.5'],
    ['an NLB ARN', { albArn: NLB_ARN }, `albArn must be an Application Load Balancer ARN`],
    ['a listener ARN', { albArn: `${ALB_ARN.replace(':loadbalancer/', ':listener/')}/f2f7dc8efc522ab2` }, 'albArn'],
    ['a TCP health check', invalid({ protocol: 'TCP' }), 'healthCheck.protocol must be HTTP or HTTPS: "TCP"'],
    ['a relative path', invalid({ path: 'healthz' }), 'healthCheck.path must start with "/"'],
    ['a path over 1024 characters', invalid({ path: `/${'p'.repeat(1024)}` }), 'at most 1024 printable characters'],
    [
      'a listener on 8080 of an unstated protocol',
      { port: 8080 },
      'healthCheck.protocol is required: the check goes to the ALB listener on port 8080',
    ],
    [
      'a check on 8443 of an unstated protocol',
      invalid({ port: 8443 }),
      'healthCheck.protocol is required: the check goes to the ALB listener on port 8443',
    ],
    ['health check port 0', invalid({ port: 0 }), 'healthCheck.port must be "traffic-port" or an integer'],
    ['health check port 70000', invalid({ port: 70000 }), 'healthCheck.port must be "traffic-port" or an integer'],
    ['a 1xx code', invalid({ matcher: '100' }), 'healthCheck.matcher must list HTTP codes or ranges within 200-599'],
    ['a code over 599', invalid({ matcher: '200-600' }), 'healthCheck.matcher must list HTTP codes'],
    ['a reversed range', invalid({ matcher: '399-200' }), 'healthCheck.matcher must list HTTP codes'],
    ['words as codes', invalid({ matcher: 'ok' }), 'healthCheck.matcher must list HTTP codes'],
    ['a 4 s interval', invalid({ intervalSeconds: 4 }), 'healthCheck.intervalSeconds must be an integer in 5-300: 4'],
    ['a 301 s interval', invalid({ intervalSeconds: 301 }), 'healthCheck.intervalSeconds must be an integer in 5-300'],
  ])('rejects %s, naming the field', (_, change, message) => {
    expect(() => synth(change)).toThrow(message);
  });

  test('reports every problem at once, under the target group name', () => {
    expect(() => synth({ port: 0, healthCheck: { intervalSeconds: 1 } })).toThrow(
      /^AlbTypeTargetGroup prod-alb-443: port must be .*; healthCheck\.intervalSeconds must be/,
    );
  });
});

describe('target groups of both modes', () => {
  test('are created before the one they replace is destroyed, so a listener moves before its old group goes', () => {
    // test/deploy/mode-switch.test.ts applies every switch; this keeps the lifecycle in the fast tier.
    const { json } = synthesize([FULL]).get(FULL.name)!;
    const lifecycles = Object.values(json.resource.aws_lb_target_group).map((tg) => `${tg.target_type}: ${JSON.stringify(tg.lifecycle)}`);
    expect(lifecycles.sort()).toEqual(['alb: {"create_before_destroy":true}', 'ip: {"create_before_destroy":true}']);
  });
});
