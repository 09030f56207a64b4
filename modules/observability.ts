import { Token } from 'cdktf';
import { Construct } from 'constructs';
import { CloudwatchDashboard } from '@cdktf/provider-aws/lib/cloudwatch-dashboard';
import type { CloudwatchMetricAlarm } from '@cdktf/provider-aws/lib/cloudwatch-metric-alarm';
import { AWS_FORMATS, PORT_RANGE, isPort } from '../shared/aws-formats';
import { ALARM_PERIOD_SECONDS, metricAlarm, type Metric } from './alarm';

/** A graph of a route's section, before the region and period every graph of the dashboard shares. */
export interface RouteGraph {
  readonly title: string;
  /** Each metric with its legend label. */
  readonly lines: readonly (readonly [Metric, string])[];
}

/** What a route's mode shows in the route's section, beside the target health every route has. */
export interface RouteDashboard {
  /** One sentence under the route's heading: what fills its target group. */
  readonly description: string;
  /** Rows of graphs; the first row continues the target-health graph's. @default none */
  readonly rows?: readonly (readonly RouteGraph[])[];
}

/** One route as the dashboard and the alarms see it. */
export interface ObservedRoute {
  /** NLB listener port of the route. */
  readonly listenerPort: number;
  /** The route's mode, named in its heading. */
  readonly mode: string;
  /** The route's target group ARN suffix (`targetgroup/<name>/<id>`, the TargetGroup dimension). */
  readonly targetGroupArnSuffix: string;
  /** What the route's mode adds to its section (see the mode's `build`). */
  readonly dashboard: RouteDashboard;
}

export interface StaticIpObservabilityProps {
  /** Prefix of the dashboard's and alarms' names, e.g. the stack name. Letters, digits, dashes, underscores. */
  readonly name: string;
  /** Region the metrics live in (dashboard widgets need it). */
  readonly region: string;
  /** The NLB's ARN suffix (`net/<name>/<id>`, the LoadBalancer dimension). */
  readonly loadBalancerArnSuffix: string;
  /** The routes of the NLB, one per listener port. */
  readonly routes: readonly ObservedRoute[];
  /** SNS topic notified on ALARM and OK. @default none: the alarms only change state */
  readonly alarmTopicArn?: string;
}

/** The two target-health alarms of one route. */
export interface TargetHealthAlarms {
  /** No healthy target for 3 minutes: the static IPs serve nothing on this port. */
  readonly noHealthyTargets: CloudwatchMetricAlarm;
  /** Some target unhealthy for 15 minutes: longer than any departure or registration takes. */
  readonly unhealthyTargets: CloudwatchMetricAlarm;
}

/** The last part of each target-health alarm's name, `<name>-<port>-<suffix>`. */
export const TARGET_HEALTH_ALARM_SUFFIXES = {
  noHealthyTargets: 'no-healthy-targets',
  unhealthyTargets: 'unhealthy-targets',
} as const;

/** CloudWatch's limit on dashboard and alarm names. */
const CLOUDWATCH_NAME_MAX_LENGTH = 255;
/** Room left for the longest alarm name, `<name>-65535-no-healthy-targets`. */
export const OBSERVABILITY_NAME_MAX_LENGTH = CLOUDWATCH_NAME_MAX_LENGTH - `-65535-${TARGET_HEALTH_ALARM_SUFFIXES.noHealthyTargets}`.length;

/** Dashboards are laid out on a grid 24 units wide. */
const DASHBOARD_COLUMNS = 24;
const GRAPH_HEIGHT = 6;
/** A heading is two lines: a title and one sentence. */
const HEADING_HEIGHT = 2;

const NLB_NAMESPACE = 'AWS/NetworkELB';

/** One line of a metric widget: namespace, name, dimension names and values, then how to draw it. */
type MetricLine = readonly (string | { readonly stat: string; readonly label: string })[];

/** A widget before it is placed on the grid. */
interface Widget {
  readonly type: 'metric' | 'text';
  readonly height: number;
  readonly properties: Readonly<Record<string, unknown>>;
}

/**
 * What on-call looks at and is told about for one static-IP NLB: a CloudWatch dashboard with the NLB's traffic
 * and, per route, its target health and (for ip-sync routes) what the sync found and did; and per route two
 * alarms on the target group's health that notify the alarm topic.
 */
export class StaticIpObservability extends Construct {
  public readonly dashboard: CloudwatchDashboard;
  /** The target-health alarms per listener port. */
  public readonly targetHealthAlarms: ReadonlyMap<number, TargetHealthAlarms>;

  constructor(scope: Construct, id: string, props: StaticIpObservabilityProps) {
    super(scope, id);
    validate(props);
    const nlb = metricsOf(NLB_NAMESPACE, { LoadBalancer: props.loadBalancerArnSuffix });

    this.targetHealthAlarms = new Map(props.routes.map((route) => [route.listenerPort, this.targetHealthAlarmsOf(route, props)]));

    const rows: Widget[][] = [
      [heading(`# ${props.name}: static-IP NLB`, 'Its traffic, then one section per route (NLB listener port).')],
      [
        graph(props.region, { title: 'NLB bytes processed', lines: [[nlb('ProcessedBytes', 'Sum'), 'bytes']] }),
        graph(props.region, { title: 'NLB active flows', lines: [[nlb('ActiveFlowCount', 'Maximum'), 'flows (max)']] }),
      ],
      ...props.routes.flatMap((route) => routeRows(route, props)),
    ];
    this.dashboard = new CloudwatchDashboard(this, 'dashboard', {
      dashboardName: props.name,
      // Tokens (the ARN suffixes) stay in the string; cdktf turns them into Terraform interpolations.
      dashboardBody: JSON.stringify({ widgets: layOut(rows) }),
    });
  }

  private targetHealthAlarmsOf(route: ObservedRoute, props: StaticIpObservabilityProps): TargetHealthAlarms {
    const port = route.listenerPort;
    const health = targetHealthMetrics(route, props.loadBalancerArnSuffix);
    const alarm = (suffix: keyof typeof TARGET_HEALTH_ALARM_SUFFIXES) => `${props.name}-${port}-${TARGET_HEALTH_ALARM_SUFFIXES[suffix]}`;
    return {
      // Missing data is breaching: ELB publishes a metric only when it has data for it, and for a target group
      // behind a listener silence means there is no target to count, so nothing serves (an empty target group
      // makes the NLB fail open, to nothing). Minimum: a minute with any reading of zero counts. 3 of 3
      // minutes ride out one late or odd datapoint yet page within about 3 minutes of an outage.
      noHealthyTargets: metricAlarm(
        this,
        `${TARGET_HEALTH_ALARM_SUFFIXES.noHealthyTargets}-${port}`,
        {
          ...health.healthy,
          alarmName: alarm('noHealthyTargets'),
          alarmDescription: `No healthy target behind port ${port} for 3 minutes: the static IPs serve nothing on it`,
          comparisonOperator: 'LessThanThreshold',
          threshold: 1,
          evaluationPeriods: 3,
          datapointsToAlarm: 3,
          treatMissingData: 'breaching',
        },
        props.alarmTopicArn,
      ),
      // Normal churn leaves a target unhealthy for well under 15 minutes: a departed ALB node is unhealthy
      // from 30 s after it stops answering until the sync deregisters it (3 clean runs, more when the cap holds
      // it back), and may stay so while it drains (300 s); a new one passes its checks in 90-180 s. Missing
      // data is no unhealthy target; silence is the no-healthy-targets alarm's business.
      unhealthyTargets: metricAlarm(
        this,
        `${TARGET_HEALTH_ALARM_SUFFIXES.unhealthyTargets}-${port}`,
        {
          ...health.unhealthy,
          alarmName: alarm('unhealthyTargets'),
          alarmDescription: `Unhealthy targets behind port ${port} for 15 minutes, longer than departures or registrations take`,
          comparisonOperator: 'GreaterThanOrEqualToThreshold',
          threshold: 1,
          evaluationPeriods: 15,
          datapointsToAlarm: 15,
          treatMissingData: 'notBreaching',
        },
        props.alarmTopicArn,
      ),
    };
  }
}

/** The metrics of one namespace that share their dimensions, e.g. one target group's. */
export function metricsOf(namespace: string, dimensions: Record<string, string>) {
  return (metricName: string, statistic: string): Metric => ({ namespace, metricName, dimensions, statistic });
}

/** The NLB target group's health counts, with the statistic their alarm and graph use. */
function targetHealthMetrics(route: ObservedRoute, loadBalancerArnSuffix: string) {
  const metric = metricsOf(NLB_NAMESPACE, {
    TargetGroup: route.targetGroupArnSuffix,
    LoadBalancer: loadBalancerArnSuffix,
  });
  return { healthy: metric('HealthyHostCount', 'Minimum'), unhealthy: metric('UnHealthyHostCount', 'Maximum') };
}

/** A route's section: a heading, its target health, then what its mode adds. */
function routeRows(route: ObservedRoute, props: StaticIpObservabilityProps): Widget[][] {
  const port = route.listenerPort;
  const health = targetHealthMetrics(route, props.loadBalancerArnSuffix);
  const healthGraph = graph(props.region, {
    title: `Port ${port}: targets of the NLB target group`,
    lines: [
      [health.healthy, 'healthy (min)'],
      [health.unhealthy, 'unhealthy (max)'],
    ],
  });
  const [first = [], ...rest] = route.dashboard.rows ?? [];
  return [
    [heading(`## Port ${port}: ${route.mode}`, route.dashboard.description)],
    [healthGraph, ...first.map((g) => graph(props.region, g))],
    ...rest.map((row) => row.map((g) => graph(props.region, g))),
  ];
}

function heading(title: string, sentence: string): Widget {
  return { type: 'text', height: HEADING_HEIGHT, properties: { markdown: `${title}\n${sentence}` } };
}

/** A time series of one-minute datapoints, each metric with its legend label. */
function graph(region: string, { title, lines }: RouteGraph): Widget {
  return {
    type: 'metric',
    height: GRAPH_HEIGHT,
    properties: {
      title,
      region,
      view: 'timeSeries',
      stacked: false,
      period: ALARM_PERIOD_SECONDS,
      metrics: lines.map(([metric, label]) => metricLine(metric, label)),
    },
  };
}

function metricLine(metric: Metric, label: string): MetricLine {
  return [metric.namespace, metric.metricName, ...Object.entries(metric.dimensions).flat(), { stat: metric.statistic, label }];
}

/** Places the rows top to bottom, the widgets of a row side by side sharing the full width. */
function layOut(rows: readonly Widget[][]) {
  let y = 0;
  return rows.flatMap((row) => {
    const width = Math.floor(DASHBOARD_COLUMNS / row.length);
    const placed = row.map((widget, i) => ({ ...widget, x: i * width, y, width }));
    y += Math.max(...row.map((widget) => widget.height));
    return placed;
  });
}

/** Dashboard and alarm names: letters, digits, dashes and underscores, room left for the alarms' suffixes. */
const NAME = new RegExp(`^[A-Za-z0-9_-]{1,${OBSERVABILITY_NAME_MAX_LENGTH}}$`);

/** Values known only at apply time (references to other resources) are checked by AWS, not here. */
const malformed = (value: string, pattern: RegExp): boolean => !Token.isUnresolved(value) && !pattern.test(value);

function validate(props: StaticIpObservabilityProps): void {
  const problems: string[] = [];
  if (malformed(props.name, NAME)) {
    problems.push(`name "${props.name}" must be 1-${OBSERVABILITY_NAME_MAX_LENGTH} letters, digits, dashes or underscores`);
  }
  if (malformed(props.region, AWS_FORMATS.region.pattern)) {
    problems.push(`region "${props.region}" is not ${AWS_FORMATS.region.description}`);
  }
  if (malformed(props.loadBalancerArnSuffix, AWS_FORMATS.loadBalancerArnSuffix.pattern)) {
    problems.push(`loadBalancerArnSuffix "${props.loadBalancerArnSuffix}" is not a network load balancer's ARN suffix (net/<name>/<id>)`);
  }
  if (props.alarmTopicArn !== undefined && malformed(props.alarmTopicArn, AWS_FORMATS.snsTopicArn.pattern)) {
    problems.push(`alarmTopicArn "${props.alarmTopicArn}" is not an SNS topic ARN`);
  }
  if (props.routes.length === 0) problems.push('routes must list at least one route');
  const ports = props.routes.map((route) => route.listenerPort);
  const repeated = [...new Set(ports.filter((port, i) => ports.indexOf(port) !== i))];
  if (repeated.length > 0) problems.push(`routes repeat listener ports ${repeated.join(', ')}`);
  for (const route of props.routes) {
    const at = `route on port ${route.listenerPort}`;
    if (!isPort(route.listenerPort)) problems.push(`${at}: listenerPort is outside ${PORT_RANGE.min}-${PORT_RANGE.max}`);
    if (route.mode.length === 0) problems.push(`${at}: mode must name the route's mode`);
    if (malformed(route.targetGroupArnSuffix, AWS_FORMATS.targetGroupArnSuffix.pattern)) {
      problems.push(
        `${at}: targetGroupArnSuffix "${route.targetGroupArnSuffix}" is not a target group's ARN suffix (targetgroup/<name>/<id>)`,
      );
    }
  }
  if (problems.length > 0) throw new Error(`StaticIpObservability: ${problems.join('; ')}`);
}
