import { literal } from '../../config/fields';
import type { ModeRules } from '../route-mode';
import type { RouteInContext } from '../rules';
import { healthCheckProblems } from './alb-type-target-group';

/**
 * What an `alb-target` route needs, as problem lines (`routes[0]: ...`). The schema declares the route's fields;
 * these rules say which are this mode's own and what the mode needs of its route and ALB.
 */

/** The route fields that belong to the route's ALB-type target group. */
const ALB_TARGET_ROUTE_FIELDS = ['healthCheck', 'albListenerArn'] as const;

/**
 * What the mode needs of its route and ALB; `at` names the route, or its standby when the standby has the mode.
 * An ALB-type target group registers the ALB itself, in the NLB's VPC and account, port for port.
 */
function albTargetNeeds({ route, albKey, alb }: RouteInContext, at: string): string[] {
  const problems: string[] = [];
  if (alb?.outsideVpc !== undefined) {
    problems.push(`${at}: alb-target needs the ALB in the NLB's VPC and account (an AWS limit); albs.${albKey} is outsideVpc: use ip-sync`);
  }
  if (route.albPort !== undefined && route.albPort !== route.listenerPort) {
    problems.push(
      `${at}: alb-target routes forward port for port (the ALB-type target group's port is the ALB listener's); ` +
        `listenerPort ${route.listenerPort} and albPort ${route.albPort} differ: use ip-sync to map ports`,
    );
  }
  if (alb !== undefined && alb.arn === undefined && alb.name === undefined) {
    problems.push(`${at}: alb-target registers the ALB itself, so albs.${albKey} needs its arn or name`);
  }
  return problems;
}

/**
 * `healthCheck` and `albListenerArn` belong to the route's ALB-type target group, whichever of the serving mode and
 * the standby has it: switching either way keeps them. The health check's rules are the construct's own.
 */
function albTargetFieldProblems(context: RouteInContext): string[] {
  const { at, route, albKey, alb, inMode } = context;
  if (!inMode) {
    return ALB_TARGET_ROUTE_FIELDS.filter((field) => route[field] !== undefined).map(
      (field) => `${at}.${field} applies only when the route or its standby is alb-target (on the NLB)`,
    );
  }
  const check = route.healthCheck ?? {};
  const checkedPort = check.port ?? route.albPort ?? route.listenerPort;
  const problems = healthCheckProblems({ ...check, port: undefined }, `${at}.healthCheck`, checkedPort);
  const listener = route.albListenerArn;
  if (literal(listener) && literal(alb?.arn)) {
    // listener/app/<name>/<alb id>/<listener id> belongs to loadbalancer/app/<name>/<alb id>.
    const owner = listener.replace(':listener/', ':loadbalancer/').replace(/\/[0-9a-f]{16}$/, '');
    if (owner !== alb.arn) problems.push(`${at}.albListenerArn is a listener of ${owner}, not of albs.${albKey} (${alb.arn})`);
  }
  return problems;
}

export const ALB_TARGET_RULES: ModeRules = {
  routeFields: ALB_TARGET_ROUTE_FIELDS,
  needs: albTargetNeeds,
  fieldProblems: albTargetFieldProblems,
};
