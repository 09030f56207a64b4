import type { EnvironmentConfig, SyncTuning } from './types';

/** Values an environment gets for every field it leaves out. The README's configuration reference lists the same. */
export const ENVIRONMENT_DEFAULTS = {
  ports: [80, 443],
  ingressCidrs: ['0.0.0.0/0'],
  tags: {},
  lambdaRuntime: 'nodejs22.x',
  backend: { type: 'local' },
} as const;

/** The sync contract's defaults (see lambda/ and the README). */
export const SYNC_TUNING_DEFAULTS: Required<SyncTuning> = {
  maxLookupsPerInvocation: 200,
  invocationsBeforeDeregistration: 3,
  maxDeregistrationPercent: 50,
};

/** An environment after validation, with every default filled in: what the stack builds from. */
export type ResolvedEnvironment = Required<Omit<EnvironmentConfig, 'sync' | 'alarmTopicArn' | 'alb'>> & {
  readonly alb: EnvironmentConfig['alb'];
  readonly sync: Required<SyncTuning>;
  readonly alarmTopicArn?: string;
};
