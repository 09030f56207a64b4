import type { EnvironmentConfig } from '../../config/types';
import { ConfigError, resolveEnvironments } from '../../config/validate';

/** The problems configurations are rejected with (fails the test if they are accepted or fail otherwise). */
export function problemsOf(configs: readonly EnvironmentConfig[]): readonly string[] {
  try {
    resolveEnvironments(configs);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  throw new Error('configuration was accepted');
}
