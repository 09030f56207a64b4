import type { AlbConfig, RouteConfig } from '../config/types';

/** A route with its ALB, as a mode's rules read it (once the schema accepted every field). */
export interface RouteInContext {
  /** How lines name the route: `routes[0]`. */
  readonly at: string;
  /** The route's position in `routes`. */
  readonly index: number;
  readonly route: RouteConfig;
  readonly albKey?: string;
  readonly alb?: AlbConfig;
  /** The route or its standby is in the mode whose rules read it, on the NLB (modes are the NLB's target groups). */
  readonly inMode: boolean;
}
