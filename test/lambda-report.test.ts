import { decide } from '../lambda/decide';
import { NO_FAILURES } from '../lambda/dns/failures';
import { buildReport, METRIC_NAMESPACE } from '../lambda/report';
import { parseSettings } from '../lambda/settings';
import type { SyncOutcome } from '../lambda/sync';
import type { RegistrationFailure } from '../lambda/targets';
import type { Discovery, StateRead, Target } from '../lambda/types';

const ENV = {
  ALB_DNS_NAME: 'internal-app-123.eu-west-1.elb.amazonaws.com',
  ALB_LISTENER: '443',
  NLB_TG_ARN: 'arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/prod-443/0123456789abcdef',
  S3_BUCKET: 'state-bucket',
  MAX_DEREGISTRATION_PERCENT: '34',
};

const CLEAN: Discovery = {
  source: 'dns',
  ips: ['10.0.0.1', '10.0.0.4'],
  ignored: ['52.0.0.1'],
  queries: 12,
  failures: 1,
  failuresByKind: { ...NO_FAILURES, timeout: 1 },
  nonAuthoritative: 0,
  clean: true,
  uncleanReasons: [],
};

function outcome(
  settings: ReturnType<typeof parseSettings>,
  errors: string[] = [],
  registrationFailures: RegistrationFailure[] = [],
  discovery: Discovery = CLEAN,
): SyncOutcome {
  const registered: Target[] = ['10.0.0.1', '10.0.0.2', '10.0.0.3'].map((ip) => ({ ip, port: 443, availabilityZone: 'eu-west-1a' }));
  const state: StateRead = {
    kind: 'found',
    state: { missing: { '10.0.0.2:443': 4, '10.0.0.3:443': 2 }, active: [] },
    etag: '"e"',
    writer: 'run',
  };
  const decision = decide({ discovery, registered, state, settings });
  return {
    discovery,
    plan: { registered, state, decision },
    registered: decision.register,
    registrationFailures,
    deregistered: decision.deregister,
    stateWritten: true,
    writeConflicts: 1,
    errors,
  };
}

describe('buildReport', () => {
  const settings = parseSettings(ENV);
  const report = buildReport(settings, outcome(settings), 420, 1_700_000_000_000);

  test('is one JSON object carrying the run summary', () => {
    expect(report).toMatchObject({
      level: 'INFO',
      ipsFound: ['10.0.0.1', '10.0.0.4'],
      queries: 12,
      dnsFailures: 1,
      discoveryClean: true,
      registered: ['10.0.0.4'],
      deregistered: [{ ip: '10.0.0.2', port: 443, availabilityZone: 'eu-west-1a' }],
      registrationFailures: [],
      pending: { '10.0.0.2:443': 5, '10.0.0.3:443': 3 },
      capHits: 1,
      writeConflicts: 1,
      durationMs: 420,
      errors: [],
    });
  });

  test('is a CloudWatch embedded-metric record under the project namespace, per target group', () => {
    expect(report._aws).toEqual({
      Timestamp: 1_700_000_000_000,
      CloudWatchMetrics: [
        {
          Namespace: METRIC_NAMESPACE,
          Dimensions: [['TargetGroup']],
          Metrics: ['IPCount', 'Registered', 'RegistrationFailures', 'Deregistered', 'DnsFailures', 'DiscoveryClean'].map((Name) => ({
            Name,
            Unit: 'Count',
          })),
        },
      ],
    });
    expect(METRIC_NAMESPACE.startsWith('AWS/')).toBe(false);
    expect(report).toMatchObject({
      TargetGroup: 'targetgroup/prod-443/0123456789abcdef',
      IPCount: 2,
      Registered: 1,
      RegistrationFailures: 0,
      Deregistered: 1,
      DnsFailures: 1,
      DiscoveryClean: 1,
    });
  });

  test('leaves IPCount out when CW_METRIC_FLAG_IP_COUNT is false', () => {
    const quiet = parseSettings({ ...ENV, CW_METRIC_FLAG_IP_COUNT: 'false' });
    const line = buildReport(quiet, outcome(quiet), 1, 0) as {
      IPCount?: number;
      _aws: { CloudWatchMetrics: { Metrics: { Name: string }[] }[] };
    };
    expect(line.IPCount).toBeUndefined();
    expect(line._aws.CloudWatchMetrics[0].Metrics.map((metric) => metric.Name)).toEqual([
      'Registered',
      'RegistrationFailures',
      'Deregistered',
      'DnsFailures',
      'DiscoveryClean',
    ]);
  });

  test('a failed run is an ERROR line naming every error', () => {
    const failed = buildReport(settings, outcome(settings, ['DescribeTargetHealth failed: Throttling', 'state unreadable']), 1, 0);
    expect(failed).toMatchObject({ level: 'ERROR', message: 'sync failed: DescribeTargetHealth failed: Throttling; state unreadable' });
  });

  test('registration failures: the refused addresses and why in the line, how many in RegistrationFailures', () => {
    const failures = [
      { ips: ['10.0.0.4'], reason: "InvalidTargetException: The following targets are not valid: '10.0.0.4' (HTTP 400)" },
      { ips: ['10.0.0.7', '10.0.0.8'], reason: "TooManyTargetsException: You've reached the limit on the number of targets. (HTTP 400)" },
    ];
    const line = buildReport(settings, outcome(settings, ['RegisterTargets refused ...'], failures), 1, 0);
    expect(line).toMatchObject({ level: 'ERROR', registrationFailures: failures, RegistrationFailures: 3 });
  });

  test('counts DNS failures by kind, and for an unclean discovery says why and writes DiscoveryClean 0', () => {
    const unclean: Discovery = {
      ...CLEAN,
      failures: 3,
      failuresByKind: { ...NO_FAILURES, nxdomain: 2, timeout: 1 },
      nonAuthoritative: 4,
      clean: false,
      uncleanReasons: [
        "4 answers without the AA flag (from a resolver, not the ALB's name servers)",
        '2 errors or unusable answers (nxdomain 2)',
      ],
    };
    const line = buildReport(settings, outcome(settings, [], [], unclean), 1, 0);
    expect(line).toMatchObject({
      dnsFailures: 3,
      dnsFailuresByKind: { ...NO_FAILURES, nxdomain: 2, timeout: 1 },
      nonAuthoritativeAnswers: 4,
      discoveryClean: false,
      discoveryUncleanReasons: unclean.uncleanReasons,
      DnsFailures: 3,
      DiscoveryClean: 0,
    });
  });
});

describe('buildReport under DISCOVERY=both', () => {
  test('names the source, carries the comparison and publishes the two counts as metrics', () => {
    const both = parseSettings({
      ...ENV,
      DISCOVERY: 'both',
      ALB_ARN: 'arn:aws:elasticloadbalancing:eu-west-1:123456789012:loadbalancer/app/web/0123456789abcdef',
    });
    const interfaces: Discovery = { ...CLEAN, source: 'interfaces', ignored: [] };
    const dns: Discovery = { ...CLEAN, ips: ['10.0.0.1', '10.0.0.9'] };
    const line = buildReport(
      both,
      { ...outcome(both, [], [], interfaces), comparison: { dns, dnsOnly: ['10.0.0.9'], interfacesOnly: ['10.0.0.4'] } },
      1,
      0,
    ) as Record<string, unknown>;
    expect(line).toMatchObject({
      discoverySource: 'interfaces',
      comparison: { dnsOnly: ['10.0.0.9'], interfacesOnly: ['10.0.0.4'], dnsIpsFound: dns.ips, dnsClean: true },
      DnsOnlyAddresses: 1,
      InterfacesNotInDns: 1,
    });
    const metrics = (line._aws as { CloudWatchMetrics: { Metrics: { Name: string }[] }[] }).CloudWatchMetrics[0].Metrics;
    expect(metrics.map((metric) => metric.Name)).toEqual(expect.arrayContaining(['DnsOnlyAddresses', 'InterfacesNotInDns']));
  });

  test('without a comparison, neither the field nor the metrics appear', () => {
    const settings = parseSettings(ENV);
    const line = buildReport(settings, outcome(settings), 1, 0) as Record<string, unknown>;
    expect(line).toMatchObject({ discoverySource: 'dns', warnings: [] });
    expect(line).not.toHaveProperty('comparison');
    expect(line).not.toHaveProperty('DnsOnlyAddresses');
  });
});
