import { METRIC_NAMES, METRIC_NAMESPACE } from '../../lambda/report';
import { metricsOf, type RouteDashboard } from '../../modules/observability';

/** What an ip-sync route's section shows beside its target health: what its sync function found and did. */
export function syncDashboard(listenerPort: number, targetGroupArnSuffix: string, syncFunctionName: string): RouteDashboard {
  const port = listenerPort;
  const sync = metricsOf(METRIC_NAMESPACE, { TargetGroup: targetGroupArnSuffix });
  const lambda = metricsOf('AWS/Lambda', { FunctionName: syncFunctionName });
  return {
    description: `The sync function \`${syncFunctionName}\` registers the ALB's node IPs every minute.`,
    rows: [
      [
        { title: `Port ${port}: ALB node IPs found`, lines: [[sync(METRIC_NAMES.ipCount, 'Maximum'), 'IPs found']] },
        {
          title: `Port ${port}: sync runs`,
          lines: [
            [lambda('Invocations', 'Sum'), 'runs'],
            [lambda('Errors', 'Sum'), 'failed runs'],
          ],
        },
      ],
      [
        {
          title: `Port ${port}: targets registered, refused and deregistered`,
          lines: [
            [sync(METRIC_NAMES.registered, 'Sum'), 'registered'],
            [sync(METRIC_NAMES.registrationFailures, 'Sum'), 'refused by RegisterTargets'],
            [sync(METRIC_NAMES.deregistered, 'Sum'), 'deregistered'],
          ],
        },
        {
          title: `Port ${port}: discovery clean (1) or not (0: removals held back)`,
          lines: [[sync(METRIC_NAMES.discoveryClean, 'Minimum'), 'clean (min)']],
        },
        // With discovery `both`, the two sources side by side: DNS-only addresses should stay 0 before a team
        // trusts the interfaces alone; interfaces not in DNS are nodes being added or drained.
        {
          title: `Port ${port}: DNS queries that failed, and DNS against the interfaces`,
          lines: [
            [sync(METRIC_NAMES.dnsFailures, 'Sum'), 'failed queries'],
            [sync(METRIC_NAMES.dnsOnlyAddresses, 'Maximum'), 'in DNS, no interface (both)'],
            [sync(METRIC_NAMES.interfacesNotInDns, 'Maximum'), 'interfaces not in DNS (both)'],
          ],
        },
      ],
    ],
  };
}
