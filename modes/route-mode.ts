import type { Construct } from 'constructs';
import type { LambdaFunction } from '@cdktf/provider-aws/lib/lambda-function';
import type { LbTargetGroup } from '@cdktf/provider-aws/lib/lb-target-group';
import type { ResolvedEnvironment, ResolvedRoute } from '../config/defaults';
import type { RouteMode } from '../config/types';
import type { RouteInContext } from './rules';
import type { AlbReference } from '../modules/alb-reference';
import type { RouteDashboard } from '../modules/observability';
import type { ResourceNames } from '../modules/resource-names';

/**
 * What a route's mode is: how its NLB target group is filled. Everything that differs between modes is here, so
 * the front doors compose modes without knowing any: a mode's name part, the ALB ports the NLB must reach, the
 * constructs of a route, and what its section of the dashboard shows.
 */
export interface Mode {
  readonly name: RouteMode;
  /**
   * The target group's name is `<environment>-<part>-<listener port>`. Never change a mode's part: a deployed
   * target group would be replaced under its listener (`ip-sync` keeps `alb`, its name from before modes).
   */
  readonly targetGroupNamePart: string;
  /** Whether the route's target group is filled by a sync function, which the outputs list. */
  readonly hasSyncFunction: boolean;
  /** The ALB listener ports the NLB sends to for a route in this mode: the traffic's, and a health check's. */
  albPorts(route: ResolvedRoute): readonly number[];
  /** The builder of this mode's routes in one environment's front doors: it holds what those routes share. */
  builder(context: ModeContext): ModeBuilder;
  /** What the mode asks of a route's configuration (modes/<mode>/rules.ts). */
  readonly rules: ModeRules;
}

/**
 * A mode's configuration rules: the schema declares every route field once; a mode says which are its own and what
 * it needs of a route that serves or stands by in it. The resolution runs them for every mode and every route.
 */
export interface ModeRules {
  /** The route fields only this mode reads. */
  readonly routeFields: readonly string[];
  /** How problem lines about those fields name the route, when not by its path alone. @default `routes[<index>]` */
  fieldLabel?(index: number, route: unknown): string;
  /** What the mode needs of the route and its ALB; `at` names the route, or its standby when the standby is in this mode. */
  needs(context: RouteInContext, at: string): string[];
  /** The mode's own fields: refused unless the route or its standby is in this mode (`context.inMode`), else checked. */
  fieldProblems(context: RouteInContext): string[];
}

/** What a mode builds an environment's routes with. */
export interface ModeContext {
  /** Where the routes' constructs go; their construct ids there are their Terraform addresses, never to change. */
  readonly scope: Construct;
  readonly environment: ResolvedEnvironment;
  readonly names: ResourceNames;
  /** Folder the sync function is bundled into. @default dist/lambda */
  readonly bundleOutdir?: string;
}

/** Builds the routes of one mode, serving or standby, sharing what the mode makes once per environment. */
export interface ModeBuilder {
  /** The route's target group and what fills it, in this mode, for the ALB the route forwards to. */
  route(route: ResolvedRoute, alb: AlbReference): ModeRoute;
  /** Outputs of what the mode's routes share (e.g. a state bucket), once every route is built. */
  outputs(): readonly ModeOutput[];
}

/** One route's target group, as a mode built it. */
export interface ModeRoute {
  readonly targetGroup: LbTargetGroup;
  /** The function filling the target group, for a mode that has one. */
  readonly syncFunction?: LambdaFunction;
  /** What the route's section of the dashboard shows beside its target health. */
  readonly dashboard: RouteDashboard;
}

/** A stack output of a mode: its id (`state_bucket`), what it is, and its value. */
export interface ModeOutput {
  readonly id: string;
  readonly description: string;
  readonly value: unknown;
}
