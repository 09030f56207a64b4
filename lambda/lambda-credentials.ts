import { fromEnv } from '@aws-sdk/credential-provider-env';

/**
 * Replaces `@aws-sdk/credential-provider-node` in the deployed bundle only (an esbuild alias; the dry-run
 * keeps the full chain). Lambda hands the function its role's credentials in environment variables, so the
 * default chain's SSO, profile, process, web-identity and IMDS providers would never be reached, yet they
 * make up a fifth of the bundle.
 */
export const defaultProvider = (): ReturnType<typeof fromEnv> => fromEnv();
