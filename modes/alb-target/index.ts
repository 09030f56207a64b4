import { Token } from 'cdktf';
import type { Mode, ModeContext } from '../route-mode';
import { AlbTypeTargetGroup } from './alb-type-target-group';
import { ALB_TARGET_RULES } from './rules';

export * from './alb-type-target-group';

/** What an alb-target route's section says: no function, so nothing beside its target health. */
export const ALB_TARGET_DASHBOARD = {
  description: 'The NLB forwards to the ALB itself (ALB-type target group): no sync function.',
} as const;

/** `alb-target`: an ALB-type target group holding the ALB itself, which AWS keeps registered. */
export const ALB_TARGET_MODE: Mode = {
  rules: ALB_TARGET_RULES,
  name: 'alb-target',
  targetGroupNamePart: 'tga',
  hasSyncFunction: false,
  // The NLB checks the ALB's health through a listener, which may be another port than the traffic's.
  albPorts: (route) => [route.albPort, ...(route.healthCheck ? [route.healthCheck.port] : [])],
  builder: ({ scope, environment, names }: ModeContext) => ({
    route: (route, alb) => {
      const { targetGroup, attachment } = new AlbTypeTargetGroup(scope, `alb-target-${route.listenerPort}`, {
        name: names.targetGroup(route.listenerPort, 'alb-target'),
        vpcId: environment.vpcId,
        albArn: alb.arn(),
        port: route.albPort,
        healthCheck: route.healthCheck,
      });
      if (route.albListenerArn !== undefined && Token.isUnresolved(route.albListenerArn)) {
        // A listener made in the same apply: referencing it makes the attachment wait (AWS rejects an ALB
        // target whose port has no listener yet).
        attachment.addOverride('lifecycle.precondition', [
          { condition: `\${length(${route.albListenerArn}) > 0}`, error_message: 'The ALB listener of this route must exist first.' },
        ]);
      }
      return { targetGroup, dashboard: ALB_TARGET_DASHBOARD };
    },
    outputs: () => [],
  }),
};
