import type { RouteMode } from '../config/types';
import { MODES } from '../modes';

/**
 * Every name of one environment's resources. All derive from the environment's name (and the route's listener
 * port), so two environments in one account never collide; the longest fit AWS's limits for the longest allowed
 * name. Names AWS keeps account-wide carry the region (dashboards) or a unique suffix (IAM roles).
 */
export function resourceNames(environment: string, region: string) {
  return {
    loadBalancer: `${environment}-static-ip`,
    /** The mode's part keeps each target group the name it had in earlier versions (see Mode.targetGroupNamePart). */
    targetGroup: (port: number, mode: RouteMode) => `${environment}-${MODES[mode].targetGroupNamePart}-${port}`,
    syncFunction: (port: number) => `${environment}-alb-ip-sync-${port}`,
    stateBucketPrefix: `${environment}-alb-ip-state-`,
    accelerator: `${environment}-static-ip`,
    dashboard: `${environment}-static-ip-${region}`,
  } as const;
}

export type ResourceNames = ReturnType<typeof resourceNames>;
