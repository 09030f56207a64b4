import type { Settings } from './settings';
import type { SyncOutcome } from './sync';

/** The project's own CloudWatch namespace (custom metrics may not use `AWS/`). */
export const METRIC_NAMESPACE = 'AlbStaticIp';

export const METRIC_NAMES = {
  ipCount: 'IPCount',
  registered: 'Registered',
  registrationFailures: 'RegistrationFailures',
  deregistered: 'Deregistered',
  dnsFailures: 'DnsFailures',
  discoveryClean: 'DiscoveryClean',
  /** DISCOVERY=both: addresses DNS returned that are no interface of the ALB (should stay 0). */
  dnsOnlyAddresses: 'DnsOnlyAddresses',
  /** DISCOVERY=both: interfaces DNS has not shown (nodes being added or drained). */
  interfacesNotInDns: 'InterfacesNotInDns',
} as const;

/**
 * The run's one log line: a structured summary that is also a CloudWatch embedded-metric-format record, so the
 * metrics and the story behind them arrive together. Dimension `TargetGroup` has the value AWS's own NLB metrics
 * use (`targetgroup/<name>/<id>`).
 */
export function buildReport(settings: Settings, outcome: SyncOutcome, durationMs: number, timestamp: number): Record<string, unknown> {
  const { discovery, comparison, plan, errors } = outcome;
  const metrics = [
    ...(settings.publishIpCount ? [[METRIC_NAMES.ipCount, discovery.ips.length] as const] : []),
    [METRIC_NAMES.registered, outcome.registered.length] as const,
    [METRIC_NAMES.registrationFailures, outcome.registrationFailures.reduce((sum, failure) => sum + failure.ips.length, 0)] as const,
    [METRIC_NAMES.deregistered, outcome.deregistered.length] as const,
    [METRIC_NAMES.dnsFailures, discovery.failures] as const,
    // 1 or 0 per run: its Maximum over a minute is 0 only when no run that minute could remove anything.
    [METRIC_NAMES.discoveryClean, discovery.clean ? 1 : 0] as const,
    ...(comparison
      ? [
          [METRIC_NAMES.dnsOnlyAddresses, comparison.dnsOnly.length] as const,
          [METRIC_NAMES.interfacesNotInDns, comparison.interfacesOnly.length] as const,
        ]
      : []),
  ];
  const heldBack = plan?.decision.heldBack ?? [];
  return {
    level: errors.length > 0 ? 'ERROR' : 'INFO',
    message: errors.length > 0 ? `sync failed: ${errors.join('; ')}` : 'sync done',
    albDnsName: settings.albDnsName,
    targetGroupArn: settings.targetGroupArn,
    discoverySource: discovery.source,
    ...(settings.albArn ? { albArn: settings.albArn } : {}),
    ipsFound: discovery.ips,
    ignored: discovery.ignored,
    queries: discovery.queries,
    dnsFailures: discovery.failures,
    dnsFailuresByKind: discovery.failuresByKind,
    nonAuthoritativeAnswers: discovery.nonAuthoritative,
    discoveryClean: discovery.clean,
    discoveryUncleanReasons: discovery.uncleanReasons,
    ...(comparison
      ? {
          comparison: {
            dnsOnly: comparison.dnsOnly,
            interfacesOnly: comparison.interfacesOnly,
            dnsIpsFound: comparison.dns.ips,
            dnsQueries: comparison.dns.queries,
            dnsClean: comparison.dns.clean,
            dnsUncleanReasons: comparison.dns.uncleanReasons,
            ...(comparison.dnsError ? { dnsError: comparison.dnsError } : {}),
          },
        }
      : {}),
    warnings: settings.warnings,
    registeredBefore: plan?.registered.length,
    registered: outcome.registered,
    registrationFailures: outcome.registrationFailures,
    deregistered: outcome.deregistered.map(({ ip, port, availabilityZone }) => ({ ip, port, availabilityZone })),
    pending: plan?.decision.nextState.missing ?? {},
    capHits: heldBack.flatMap((hold) => (hold.kind === 'cap' ? hold.kept : hold.kind === 'last-target' ? [hold.kept] : [])).length,
    heldBack,
    stateWritten: outcome.stateWritten,
    writeConflicts: outcome.writeConflicts,
    errors,
    durationMs,
    TargetGroup: settings.targetGroupArn.slice(settings.targetGroupArn.indexOf('targetgroup/')),
    ...Object.fromEntries(metrics),
    _aws: {
      Timestamp: timestamp,
      CloudWatchMetrics: [
        { Namespace: METRIC_NAMESPACE, Dimensions: [['TargetGroup']], Metrics: metrics.map(([Name]) => ({ Name, Unit: 'Count' })) },
      ],
    },
  };
}

/**
 * Straight to stdout: with the function's JSON log format, Lambda wraps console output in its own envelope,
 * which CloudWatch would no longer read as embedded metrics.
 */
export function emitReport(report: Record<string, unknown>): void {
  process.stdout.write(`${JSON.stringify(report)}\n`);
}
