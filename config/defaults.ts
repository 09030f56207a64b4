import { SETTING_DEFAULTS } from '../lambda/settings';
import type { EnvironmentConfig, SyncTuning } from './types';

/** Values an environment gets for every field it leaves out. The README's configuration reference lists the same. */
export const ENVIRONMENT_DEFAULTS = {
  ports: [80, 443],
  ingressCidrs: ['0.0.0.0/0'],
  tags: {},
  lambdaRuntime: 'nodejs22.x',
  backend: { type: 'local' },
} as const;

/** The sync function's own defaults, under the environment's field names. */
export const SYNC_TUNING_DEFAULTS: Required<SyncTuning> = {
  maxLookupsPerInvocation: SETTING_DEFAULTS.MAX_LOOKUP_PER_INVOCATION,
  invocationsBeforeDeregistration: SETTING_DEFAULTS.INVOCATIONS_BEFORE_DEREGISTRATION,
  maxDeregistrationPercent: SETTING_DEFAULTS.MAX_DEREGISTRATION_PERCENT,
};

/** An environment after validation, with every default filled in: what the stack builds from. */
export type ResolvedEnvironment = Required<Omit<EnvironmentConfig, 'sync' | 'alarmTopicArn' | 'alb'>> & {
  readonly alb: EnvironmentConfig['alb'];
  readonly sync: Required<SyncTuning>;
  readonly alarmTopicArn?: string;
};
