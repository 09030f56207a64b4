import type { RouteMode } from '../config/types';
import { ALB_TARGET_MODE } from './alb-target';
import { IP_SYNC_MODE } from './ip-sync';
import type { Mode } from './route-mode';

export type { Mode, ModeBuilder, ModeContext, ModeOutput, ModeRoute } from './route-mode';

/** Every mode a route can be in, by its name: the one place the front doors learn what a mode does. */
export const MODES: Readonly<Record<RouteMode, Mode>> = {
  'ip-sync': IP_SYNC_MODE,
  'alb-target': ALB_TARGET_MODE,
};
