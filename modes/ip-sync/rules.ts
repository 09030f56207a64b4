import type { AlbConfig, RouteConfig, SyncTuning } from '../../config/types';
import type { ResolvedDiscovery } from '../../config/defaults';
import { literal } from '../../config/fields';
import { parseAwsId } from '../../shared/aws-formats';
import type { ModeRules } from '../route-mode';
import type { RouteInContext } from '../rules';

/**
 * What an `ip-sync` route's own fields need, as problem lines. The schema declares the fields; these rules say
 * which are this mode's and how they relate to the route's ALB.
 */

/** The route fields of the sync function: discovery, its role, the interface events, the client IP. */
const IP_SYNC_ROUTE_FIELDS = ['discovery', 'discoveryRoleArn', 'events', 'preserveClientIp'] as const;

/** How lines about these fields name the route: by listener port too, as they are read beside the function's name. */
function ipSyncRouteLabel(index: number, route: unknown): string {
  const listenerPort = (route as { listenerPort?: unknown } | undefined)?.listenerPort;
  return `routes[${index}] (listener port ${listenerPort}):`;
}

/** A literal ALB ARN's account; undefined for a token. */
function albArnAccount(arn: string | undefined): string | undefined {
  return literal(arn) ? parseAwsId('albArn', arn)?.account : undefined;
}

/**
 * How an `ip-sync` route discovers its ALB's nodes: what it chose, else interfaces when the ALB's ARN is known
 * (literal, token, or looked up by name: the lookup is in the stack's account), else DNS.
 */
export function discoveryOf(route: RouteConfig, alb: AlbConfig | undefined, sync: SyncTuning | undefined): ResolvedDiscovery {
  const arnKnown = alb?.arn !== undefined || alb?.name !== undefined;
  const source = route.discovery ?? (arnKnown ? 'interfaces' : 'dns');
  return {
    source,
    chosen: route.discovery !== undefined,
    albAccount: source !== 'dns' && route.discoveryRoleArn === undefined ? albArnAccount(alb?.arn) : undefined,
    roleArn: route.discoveryRoleArn,
    invocationsBeforeDeregistration: sync?.invocationsBeforeDeregistration,
  };
}

/** The discovery, event and client-IP fields of a route (`ip-sync`: the route's or its standby's, on the NLB). */
function discoveryProblems(context: RouteInContext): string[] {
  const { route, albKey, alb, inMode } = context;
  const where = ipSyncRouteLabel(context.index, route);
  if (!inMode) {
    return IP_SYNC_ROUTE_FIELDS.filter((field) => route[field] !== undefined).map((field) => {
      const why = field === 'preserveClientIp' ? ' (alb-target always keeps the client IP)' : '';
      return `${where} ${field} applies to ip-sync routes only${why}`;
    });
  }
  const problems: string[] = [];
  if (route.preserveClientIp === true && alb?.outsideVpc !== undefined) {
    problems.push(
      `${where} preserveClientIp: AWS keeps the client IP only for targets in the NLB's VPC (or a same-region peered VPC, ` +
        `which outsideVpc cannot tell from a transit gateway); albs.${albKey} is outsideVpc`,
    );
  }
  const role = route.discoveryRoleArn;
  const { source } = discoveryOf(route, alb, undefined);
  if (source === 'dns') {
    const why = route.discovery === 'dns' ? 'discovery is dns' : `discovery defaults to dns: albs.${albKey} has no arn or name`;
    if (role !== undefined) problems.push(`${where} discoveryRoleArn has no effect: ${why}`);
    if (route.events === true) {
      problems.push(
        `${where} events needs interface discovery (${why}): a node's interface exists before DNS names ` +
          `it, so a run on its event finds nothing new`,
      );
    }
    return problems;
  }
  if (alb !== undefined && alb.arn === undefined && alb.name === undefined) {
    problems.push(
      `${where} discovery ${source} needs albs.${albKey}.arn or name: the interfaces are described after the ARN ` +
        '(ELB app/<name>/<id>), which a DNS name does not give',
    );
  }
  const roleAccount = literal(role) ? parseAwsId('iamRoleArn', role)?.account : undefined;
  const albAccount = albArnAccount(alb?.arn);
  if (roleAccount !== undefined && albAccount !== undefined && roleAccount !== albAccount) {
    problems.push(
      `${where} discoveryRoleArn is in account ${roleAccount}, not the ALB's (${albAccount}): the role lists the interfaces where they are`,
    );
  }
  if (route.events === true && role !== undefined) {
    problems.push(
      `${where} events: the ALB's interface events are delivered in its own ` +
        `account, not to this stack's rule; remove events or discoveryRoleArn`,
    );
  }
  return problems;
}

export const IP_SYNC_RULES: ModeRules = {
  routeFields: IP_SYNC_ROUTE_FIELDS,
  fieldLabel: ipSyncRouteLabel,
  // What an ip-sync route needs of its ALB is in its own fields' rules: it reaches any ALB by its nodes' addresses.
  needs: () => [],
  fieldProblems: discoveryProblems,
};
