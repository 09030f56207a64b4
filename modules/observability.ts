import { Token } from 'cdktf';
import { Construct } from 'constructs';
import { CloudwatchDashboard } from '@cdktf/provider-aws/lib/cloudwatch-dashboard';
import type { CloudwatchMetricAlarm } from '@cdktf/provider-aws/lib/cloudwatch-metric-alarm';
import { METRIC_NAMES, METRIC_NAMESPACE } from '../lambda/report';
import { ALARM_PERIOD_SECONDS, metricAlarm, type Metric } from './alarm';

/** How a route's NLB target group is filled: by a sync function with ALB node IPs, or with the ALB itself. */
export type RouteMode = 'ip-sync' | 'alb-target';

/** One route as the dashboard and the alarms see it. */
export interface ObservedRoute {
  /** NLB listener port of the route. */
  readonly listenerPort: number;
  /** How the route's target group is filled; only `ip-sync` routes have a sync function and its metrics. */
  readonly mode: RouteMode;
  /** The route's target group ARN suffix (`targetgroup/<name>/<id>`, the TargetGroup dimension). */
  readonly targetGroupArnSuffix: string;
  /** The sync function's name (ip-sync routes only). */
  readonly syncFunctionName?: string;
}

export interface ObservabilityProps {
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
export const OBSERVABILITY_NAME_MAX_LENGTH =
  CLOUDWATCH_NAME_MAX_LENGTH - `-65535-${TARGET_HEALTH_ALARM_SUFFIXES.noHealthyTargets}`.length;

/** Dashboards are laid out on a grid 24 units wide. */
const DASHBOARD_COLUMNS = 24;
const GRAPH_HEIGHT = 6;
/** A heading is two lines: a title and one sentence. */
const HEADING_HEIGHT = 2;

const NLB_NAMESPACE = 'AWS/NetworkELB';

/** Which modes have a sync function whose metrics and runs belong on the dashboard. */
const MODE_HAS_SYNC: Readonly<Record<RouteMode, boolean>> = { 'ip-sync': true, 'alb-target': false };

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

  constructor(scope: Construct, id: string, props: ObservabilityProps) {
    super(scope, id);
    validate(props);
    const nlb = metricsOf(NLB_NAMESPACE, { LoadBalancer: props.loadBalancerArnSuffix });

    this.targetHealthAlarms = new Map(
      props.routes.map((route) => [route.listenerPort, this.targetHealthAlarmsOf(route, props)]),
    );

    const rows: Widget[][] = [
      [heading(`# ${props.name}: static-IP NLB`, 'Its traffic, then one section per route (NLB listener port).')],
      [
        graph(props.region, 'NLB bytes processed', [[nlb('ProcessedBytes', 'Sum'), 'bytes']]),
        graph(props.region, 'NLB active flows', [[nlb('ActiveFlowCount', 'Maximum'), 'flows (max)']]),
      ],
      ...props.routes.flatMap((route) => routeRows(route, props)),
    ];
    this.dashboard = new CloudwatchDashboard(this, 'dashboard', {
      dashboardName: props.name,
      // Tokens (the ARN suffixes) stay in the string; cdktf turns them into Terraform interpolations.
      dashboardBody: JSON.stringify({ widgets: layOut(rows) }),
    });
  }

  private targetHealthAlarmsOf(route: ObservedRoute, props: ObservabilityProps): TargetHealthAlarms {
    const port = route.listenerPort;
    const health = targetHealthMetrics(route, props.loadBalancerArnSuffix);
    const alarm = (suffix: keyof typeof TARGET_HEALTH_ALARM_SUFFIXES) =>
      `${props.name}-${port}-${TARGET_HEALTH_ALARM_SUFFIXES[suffix]}`;
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
function metricsOf(namespace: string, dimensions: Record<string, string>) {
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

/** A route's section: a heading, its target health, and for ip-sync routes what the sync found and did. */
function routeRows(route: ObservedRoute, props: ObservabilityProps): Widget[][] {
  const port = route.listenerPort;
  const health = targetHealthMetrics(route, props.loadBalancerArnSuffix);
  const healthGraph = graph(props.region, `Port ${port}: targets of the NLB target group`, [
    [health.healthy, 'healthy (min)'],
    [health.unhealthy, 'unhealthy (max)'],
  ]);
  const title = `## Port ${port}: ${route.mode}`;
  if (!MODE_HAS_SYNC[route.mode]) {
    const sentence = 'The NLB forwards to the ALB itself (ALB-type target group): no sync function.';
    return [[heading(title, sentence)], [healthGraph]];
  }
  const sync = metricsOf(METRIC_NAMESPACE, { TargetGroup: route.targetGroupArnSuffix });
  const lambda = metricsOf('AWS/Lambda', { FunctionName: route.syncFunctionName! });
  return [
    [heading(title, `The sync function \`${route.syncFunctionName}\` registers the ALB's node IPs every minute.`)],
    [
      healthGraph,
      graph(props.region, `Port ${port}: ALB node IPs found`, [[sync(METRIC_NAMES.ipCount, 'Maximum'), 'IPs found']]),
      graph(props.region, `Port ${port}: sync runs`, [
        [lambda('Invocations', 'Sum'), 'runs'],
        [lambda('Errors', 'Sum'), 'failed runs'],
      ]),
    ],
    [
      graph(props.region, `Port ${port}: targets registered, refused and deregistered`, [
        [sync(METRIC_NAMES.registered, 'Sum'), 'registered'],
        [sync(METRIC_NAMES.registrationFailures, 'Sum'), 'refused by RegisterTargets'],
        [sync(METRIC_NAMES.deregistered, 'Sum'), 'deregistered'],
      ]),
      graph(props.region, `Port ${port}: discovery clean (1) or not (0: removals held back)`, [
        [sync(METRIC_NAMES.discoveryClean, 'Minimum'), 'clean (min)'],
      ]),
      // With discovery `both`, the two sources side by side: DNS-only addresses should stay 0 before a team
      // trusts the interfaces alone; interfaces not in DNS are nodes being added or drained.
      graph(props.region, `Port ${port}: DNS queries that failed, and DNS against the interfaces`, [
        [sync(METRIC_NAMES.dnsFailures, 'Sum'), 'failed queries'],
        [sync(METRIC_NAMES.dnsOnlyAddresses, 'Maximum'), 'in DNS, no interface (both)'],
        [sync(METRIC_NAMES.interfacesNotInDns, 'Maximum'), 'interfaces not in DNS (both)'],
      ]),
    ],
  ];
}

function heading(title: string, sentence: string): Widget {
  return { type: 'text', height: HEADING_HEIGHT, properties: { markdown: `${title}\n${sentence}` } };
}

/** A time series of one-minute datapoints, each metric with its legend label. */
function graph(region: string, title: string, metrics: readonly (readonly [Metric, string])[]): Widget {
  return {
    type: 'metric',
    height: GRAPH_HEIGHT,
    properties: {
      title,
      region,
      view: 'timeSeries',
      stacked: false,
      period: ALARM_PERIOD_SECONDS,
      metrics: metrics.map(([metric, label]) => metricLine(metric, label)),
    },
  };
}

function metricLine(metric: Metric, label: string): MetricLine {
  return [
    metric.namespace,
    metric.metricName,
    ...Object.entries(metric.dimensions).flat(),
    { stat: metric.statistic, label },
  ];
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

const PATTERNS = {
  name: new RegExp(`^[A-Za-z0-9_-]{1,${OBSERVABILITY_NAME_MAX_LENGTH}}$`),
  region: /^[a-z]{2}(-[a-z]+)+-\d{1,2}$/,
  loadBalancerArnSuffix: /^net\/[A-Za-z0-9-]{1,32}\/[0-9a-f]{16}$/,
  targetGroupArnSuffix: /^targetgroup\/[A-Za-z0-9-]{1,32}\/[0-9a-f]{16}$/,
  snsTopicArn: /^arn:aws[a-z-]*:sns:/,
} as const;

/** Values known only at apply time (references to other resources) are checked by AWS, not here. */
const malformed = (value: string, pattern: RegExp): boolean => !Token.isUnresolved(value) && !pattern.test(value);

function validate(props: ObservabilityProps): void {
  const problems: string[] = [];
  if (malformed(props.name, PATTERNS.name)) {
    problems.push(
      `name "${props.name}" must be 1-${OBSERVABILITY_NAME_MAX_LENGTH} letters, digits, dashes or underscores`,
    );
  }
  if (malformed(props.region, PATTERNS.region)) problems.push(`region "${props.region}" is not an AWS region`);
  if (malformed(props.loadBalancerArnSuffix, PATTERNS.loadBalancerArnSuffix)) {
    problems.push(
      `loadBalancerArnSuffix "${props.loadBalancerArnSuffix}" is not a network load balancer's ARN suffix (net/<name>/<id>)`,
    );
  }
  if (props.alarmTopicArn !== undefined && malformed(props.alarmTopicArn, PATTERNS.snsTopicArn)) {
    problems.push(`alarmTopicArn "${props.alarmTopicArn}" is not an SNS topic ARN`);
  }
  if (props.routes.length === 0) problems.push('routes must list at least one route');
  const ports = props.routes.map((route) => route.listenerPort);
  const repeated = [...new Set(ports.filter((port, i) => ports.indexOf(port) !== i))];
  if (repeated.length > 0) problems.push(`routes repeat listener ports ${repeated.join(', ')}`);
  for (const route of props.routes) {
    const at = `route on port ${route.listenerPort}`;
    if (!Number.isInteger(route.listenerPort) || route.listenerPort < 1 || route.listenerPort > 65535) {
      problems.push(`${at}: listenerPort is outside 1-65535`);
    }
    if (!Object.hasOwn(MODE_HAS_SYNC, route.mode)) {
      problems.push(`${at}: mode "${route.mode}" is not one of ${Object.keys(MODE_HAS_SYNC).join(', ')}`);
    } else if (MODE_HAS_SYNC[route.mode] !== (route.syncFunctionName !== undefined)) {
      problems.push(
        MODE_HAS_SYNC[route.mode]
          ? `${at}: an ${route.mode} route needs syncFunctionName`
          : `${at}: an ${route.mode} route has no sync function, yet syncFunctionName is set`,
      );
    }
    if (malformed(route.targetGroupArnSuffix, PATTERNS.targetGroupArnSuffix)) {
      problems.push(
        `${at}: targetGroupArnSuffix "${route.targetGroupArnSuffix}" is not a target group's ARN suffix (targetgroup/<name>/<id>)`,
      );
    }
  }
  if (problems.length > 0) throw new Error(`StaticIpObservability: ${problems.join('; ')}`);
}
