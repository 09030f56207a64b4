import { METRIC_NAMES, METRIC_NAMESPACE } from '../lambda/report';
import type { StaticIpObservabilityProps, ObservedRoute } from '../modules/observability';
import { ref, resourceAt, resourcesOf, synthScope, type Resource, type TerraformJson } from './support/synth';
import { ALB_TARGET_DASHBOARD } from '../modes/alb-target';
import { observe, SYNC_FUNCTION, TOPIC } from './fixtures/observability';

const synth = (change: Partial<StaticIpObservabilityProps> = {}, changeRoute: Partial<ObservedRoute> = {}): TerraformJson =>
  synthScope((scope) => observe(scope, change, changeRoute));

interface PlacedWidget {
  type: string;
  x: number;
  y: number;
  width: number;
  height: number;
  properties: Resource;
}

/** A metric line of a widget, read back: namespace, name, dimensions and how it is drawn. */
interface MetricLine {
  namespace: string;
  metricName: string;
  dimensions: Record<string, string>;
  stat: string;
}

const widgetsOf = (json: TerraformJson): PlacedWidget[] =>
  JSON.parse(resourceAt(json, 'aws_cloudwatch_dashboard', 'dashboard').dashboard_body).widgets;

function linesOf(widget: PlacedWidget): MetricLine[] {
  return (widget.properties.metrics as unknown[][]).map((line) => {
    const [namespace, metricName, ...rest] = line as string[];
    const { stat } = rest.pop() as unknown as { stat: string };
    const dimensions: Record<string, string> = {};
    for (let i = 0; i < rest.length; i += 2) dimensions[rest[i]] = rest[i + 1];
    return { namespace, metricName, dimensions, stat };
  });
}

const allLines = (json: TerraformJson): MetricLine[] =>
  widgetsOf(json)
    .filter((w) => w.type === 'metric')
    .flatMap(linesOf);

describe('StaticIpObservability', () => {
  const json = synth();
  const lb = ref(resourceAt(json, 'aws_lb', 'nlb'), 'arn_suffix');
  const tg443 = ref(resourceAt(json, 'aws_lb_target_group', 'tg-443'), 'arn_suffix');
  const tg8443 = ref(resourceAt(json, 'aws_lb_target_group', 'tg-8443'), 'arn_suffix');
  const lines = allLines(json);
  const linesFor = (targetGroup: string) => lines.filter((line) => line.dimensions.TargetGroup === targetGroup);

  describe('dashboard', () => {
    test('is one dashboard named after the stack, its body a JSON string with the ARN suffixes interpolated', () => {
      expect(Object.keys(resourcesOf(json, 'aws_cloudwatch_dashboard'))).toHaveLength(1);
      const dashboard = resourceAt(json, 'aws_cloudwatch_dashboard', 'dashboard');
      expect(dashboard.dashboard_name).toBe('prod-static-ip');
      expect(typeof dashboard.dashboard_body).toBe('string');
      // Terraform references, not cdktf's unresolved token markers.
      expect(dashboard.dashboard_body).not.toContain('TfToken');
      for (const reference of [lb, tg443, tg8443]) expect(dashboard.dashboard_body).toContain(`"${reference}"`);
    });

    test("every graph reads the configured region's one-minute datapoints", () => {
      const graphs = widgetsOf(json).filter((w) => w.type === 'metric');
      expect(graphs.length).toBeGreaterThan(0);
      for (const graph of graphs) expect(graph.properties).toMatchObject({ region: 'eu-west-1', period: 60 });
      const elsewhere = widgetsOf(synth({ region: 'us-east-2' })).filter((w) => w.type === 'metric');
      for (const graph of elsewhere) expect(graph.properties.region).toBe('us-east-2');
    });

    test("shows the NLB's bytes processed and active flows, by its ARN suffix", () => {
      expect(lines).toEqual(
        expect.arrayContaining([
          { namespace: 'AWS/NetworkELB', metricName: 'ProcessedBytes', dimensions: { LoadBalancer: lb }, stat: 'Sum' },
          { namespace: 'AWS/NetworkELB', metricName: 'ActiveFlowCount', dimensions: { LoadBalancer: lb }, stat: 'Maximum' },
        ]),
      );
    });

    test.each([
      ['ip-sync', 443],
      ['alb-target', 8443],
    ])("shows the %s route's healthy and unhealthy targets, for its target group on this NLB", (_, port) => {
      const dimensions = { TargetGroup: port === 443 ? tg443 : tg8443, LoadBalancer: lb };
      expect(lines).toEqual(
        expect.arrayContaining([
          { namespace: 'AWS/NetworkELB', metricName: 'HealthyHostCount', dimensions, stat: 'Minimum' },
          { namespace: 'AWS/NetworkELB', metricName: 'UnHealthyHostCount', dimensions, stat: 'Maximum' },
        ]),
      );
    });

    test("shows every metric the ip-sync route's function publishes, for its own target group", () => {
      const sync = linesFor(tg443).filter((line) => line.namespace === METRIC_NAMESPACE);
      expect(sync.map((line) => line.metricName).sort()).toEqual(Object.values(METRIC_NAMES).sort());
      for (const line of sync) expect(line.dimensions).toEqual({ TargetGroup: tg443 });
      expect(sync).toEqual(
        expect.arrayContaining([
          // One run a minute, 1 when clean: the minimum shows a minute in which removals were held back.
          expect.objectContaining({ metricName: 'DiscoveryClean', stat: 'Minimum' }),
          expect.objectContaining({ metricName: 'IPCount', stat: 'Maximum' }),
          expect.objectContaining({ metricName: 'Registered', stat: 'Sum' }),
          expect.objectContaining({ metricName: 'Deregistered', stat: 'Sum' }),
          expect.objectContaining({ metricName: 'DnsFailures', stat: 'Sum' }),
        ]),
      );
    });

    test("shows the ip-sync route's function runs and failures", () => {
      const runs = lines.filter((line) => line.namespace === 'AWS/Lambda');
      expect(runs).toEqual([
        { namespace: 'AWS/Lambda', metricName: 'Invocations', dimensions: { FunctionName: SYNC_FUNCTION }, stat: 'Sum' },
        { namespace: 'AWS/Lambda', metricName: 'Errors', dimensions: { FunctionName: SYNC_FUNCTION }, stat: 'Sum' },
      ]);
    });

    test('shows no sync metric for the alb-target route, which has no function', () => {
      expect(linesFor(tg8443).map((line) => line.namespace)).toEqual(['AWS/NetworkELB', 'AWS/NetworkELB']);
      const albTargetOnly = synth({}, { mode: 'alb-target', dashboard: ALB_TARGET_DASHBOARD });
      const namespaces = new Set(allLines(albTargetOnly).map((line) => line.namespace));
      expect(namespaces).toEqual(new Set(['AWS/NetworkELB']));
    });

    test('gives each route a heading naming its port and mode, above its graphs', () => {
      const widgets = widgetsOf(json);
      const headings = widgets.filter((w) => w.type === 'text').map((w) => w.properties.markdown.split('\n')[0]);
      expect(headings).toEqual(['# prod-static-ip: static-IP NLB', '## Port 443: ip-sync', '## Port 8443: alb-target']);
      const headingY = (port: number) => widgets.find((w) => w.type === 'text' && w.properties.markdown.startsWith(`## Port ${port}:`))!.y;
      for (const widget of widgets.filter((w) => w.type === 'metric')) {
        const [, port] = /^Port (\d+):/.exec(widget.properties.title) ?? [];
        if (port === undefined) expect(widget.y).toBeLessThan(headingY(443));
        if (port === '443') expect(widget.y).toBeGreaterThan(headingY(443));
        if (port === '443') expect(widget.y).toBeLessThan(headingY(8443));
        if (port === '8443') expect(widget.y).toBeGreaterThan(headingY(8443));
      }
    });

    test('lays the widgets out on the 24-column grid without overlap', () => {
      const widgets = widgetsOf(json);
      const cells = new Set<string>();
      for (const { x, y, width, height } of widgets) {
        expect(x + width).toBeLessThanOrEqual(24);
        for (let column = x; column < x + width; column++) {
          for (let row = y; row < y + height; row++) {
            expect(cells.has(`${column},${row}`)).toBe(false);
            cells.add(`${column},${row}`);
          }
        }
      }
    });
  });

  describe('alarms', () => {
    const alarm = (suffix: string) => resourceAt(json, 'aws_cloudwatch_metric_alarm', `observability/${suffix}`);
    /** What both alarms of a route share: its target group on this NLB, one-minute periods, one target. */
    const onTargetGroupOf = (port: number) => ({
      alarm_description: expect.stringContaining(`port ${port}`),
      namespace: 'AWS/NetworkELB',
      dimensions: { TargetGroup: port === 443 ? tg443 : tg8443, LoadBalancer: lb },
      period: 60,
      threshold: 1,
    });

    test.each([443, 8443])('port %i: no healthy target for 3 of 3 minutes, missing data counting as none', (port) => {
      expect(alarm(`no-healthy-targets-${port}`)).toMatchObject({
        ...onTargetGroupOf(port),
        alarm_name: `prod-static-ip-${port}-no-healthy-targets`,
        metric_name: 'HealthyHostCount',
        statistic: 'Minimum',
        comparison_operator: 'LessThanThreshold',
        evaluation_periods: 3,
        datapoints_to_alarm: 3,
        treat_missing_data: 'breaching',
      });
    });

    test.each([443, 8443])('port %i: unhealthy targets for 15 of 15 minutes, past grace period and draining', (port) => {
      expect(alarm(`unhealthy-targets-${port}`)).toMatchObject({
        ...onTargetGroupOf(port),
        alarm_name: `prod-static-ip-${port}-unhealthy-targets`,
        metric_name: 'UnHealthyHostCount',
        statistic: 'Maximum',
        comparison_operator: 'GreaterThanOrEqualToThreshold',
        evaluation_periods: 15,
        datapoints_to_alarm: 15,
        treat_missing_data: 'notBreaching',
      });
    });

    test('two alarms per route, nothing else', () => {
      expect(
        Object.values(resourcesOf(json, 'aws_cloudwatch_metric_alarm'))
          .map((a) => a.alarm_name)
          .sort(),
      ).toEqual([
        'prod-static-ip-443-no-healthy-targets',
        'prod-static-ip-443-unhealthy-targets',
        'prod-static-ip-8443-no-healthy-targets',
        'prod-static-ip-8443-unhealthy-targets',
      ]);
    });

    test('notify the alarm topic on ALARM and on OK when one is set, and nothing otherwise', () => {
      const notified = synth({ alarmTopicArn: TOPIC });
      for (const resource of Object.values(resourcesOf(notified, 'aws_cloudwatch_metric_alarm'))) {
        expect(resource).toMatchObject({ alarm_actions: [TOPIC], ok_actions: [TOPIC] });
      }
      for (const resource of Object.values(resourcesOf(json, 'aws_cloudwatch_metric_alarm'))) {
        expect(resource.alarm_actions).toBeUndefined();
        expect(resource.ok_actions).toBeUndefined();
      }
    });
  });

  describe('rejects', () => {
    test.each<[string, Partial<StaticIpObservabilityProps>, Partial<ObservedRoute>, string]>([
      ['no route', { routes: [] }, {}, 'routes must list at least one route'],
      ['two routes on one listener port', {}, { listenerPort: 8443 }, 'routes repeat listener ports 8443'],
      ['listener port 0', {}, { listenerPort: 0 }, 'route on port 0: listenerPort is outside 1-65535'],
      ['a route without its mode', {}, { mode: '' }, "route on port 443: mode must name the route's mode"],
      [
        "a target group's whole ARN where its suffix belongs",
        {},
        { targetGroupArnSuffix: 'arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/prod-443/0123456789abcdef' },
        'targetGroupArnSuffix "arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/prod-443/0123456789abcdef" ' +
          "is not a target group's ARN suffix",
      ],
      [
        "an ALB's ARN suffix for the NLB's",
        { loadBalancerArnSuffix: 'app/internal-app/0123456789abcdef' },
        {},
        'loadBalancerArnSuffix "app/internal-app/0123456789abcdef" is not a network load balancer\'s ARN suffix',
      ],
      ['a name with a space', { name: 'prod static' }, {}, 'name "prod static" must be 1-230 letters'],
      ['a name too long for the alarm names', { name: 'n'.repeat(231) }, {}, `name "${'n'.repeat(231)}" must be 1-230`],
      ['a region that is none', { region: 'Ireland' }, {}, 'region "Ireland" is not an AWS region'],
      [
        'a topic that is not SNS',
        { alarmTopicArn: 'arn:aws:sqs:eu-west-1:123456789012:q' },
        {},
        'alarmTopicArn "arn:aws:sqs:eu-west-1:123456789012:q" is not an SNS topic ARN',
      ],
    ])('%s', (_, change, changeRoute, message) => {
      expect(() => synth(change, changeRoute)).toThrow(message);
    });

    test('every problem at once', () => {
      expect(() => synth({ region: 'Ireland' }, { listenerPort: 70000, mode: '' })).toThrow(
        new RegExp(
          '^StaticIpObservability: region "Ireland".*; route on port 70000: listenerPort is outside 1-65535; ' +
            "route on port 70000: mode must name the route's mode$",
        ),
      );
    });
  });
});
