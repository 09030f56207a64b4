import type { Construct } from 'constructs';
import { CloudwatchMetricAlarm, type CloudwatchMetricAlarmConfig } from '@cdktf/provider-aws/lib/cloudwatch-metric-alarm';

/**
 * One-minute datapoints for every alarm of the project: the sync runs every minute and Elastic Load Balancing
 * publishes its metrics every 60 seconds, so a longer period would only delay the alarm.
 */
export const ALARM_PERIOD_SECONDS = 60;

/** One CloudWatch metric, as an alarm or a dashboard widget names it. */
export type Metric = Required<Pick<CloudwatchMetricAlarmConfig, 'namespace' | 'metricName' | 'dimensions' | 'statistic'>>;

/** An alarm on one metric: its name, what it tells on-call, its condition and how missing data counts. */
export type MetricAlarmSettings = Metric &
  Required<
    Pick<
      CloudwatchMetricAlarmConfig,
      'alarmName' | 'alarmDescription' | 'comparisonOperator' | 'threshold' | 'evaluationPeriods' | 'datapointsToAlarm' | 'treatMissingData'
    >
  >;

/**
 * An alarm on one-minute datapoints that notifies `topicArn` on ALARM and on OK, so on-call also hears when it
 * is over. Without a topic the alarm only changes state.
 */
export function metricAlarm(
  scope: Construct,
  id: string,
  settings: MetricAlarmSettings,
  topicArn: string | undefined,
): CloudwatchMetricAlarm {
  const actions = topicArn ? [topicArn] : undefined;
  return new CloudwatchMetricAlarm(scope, id, {
    ...settings,
    period: ALARM_PERIOD_SECONDS,
    alarmActions: actions,
    okActions: actions,
  });
}
