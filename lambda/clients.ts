import { ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2';
import { S3Client } from '@aws-sdk/client-s3';

/**
 * Every AWS call is bounded: a stalled connection or response fails the attempt, and adaptive retries
 * back off on throttling (the ELB API's token bucket) within `maxAttempts`.
 */
export const AWS_CALL_LIMITS = { connectionTimeoutMs: 1_000, requestTimeoutMs: 3_000, maxAttempts: 3 } as const;

export interface AwsClients {
  readonly s3: S3Client;
  readonly elb: ElasticLoadBalancingV2Client;
}

/**
 * Clients with the SDK's default endpoint and credential resolution, so AWS_ENDPOINT_URL_S3 and
 * AWS_ENDPOINT_URL_ELASTIC_LOAD_BALANCING_V2 redirect them like any SDK client.
 */
export function createClients(region: string): AwsClients {
  const common = {
    region,
    retryMode: 'adaptive',
    maxAttempts: AWS_CALL_LIMITS.maxAttempts,
    requestHandler: {
      connectionTimeout: AWS_CALL_LIMITS.connectionTimeoutMs,
      requestTimeout: AWS_CALL_LIMITS.requestTimeoutMs,
      // Without it the SDK only logs a warning and a stalled call holds the run until the Lambda timeout.
      throwOnRequestTimeout: true,
    },
  } as const;
  return { s3: new S3Client(common), elb: new ElasticLoadBalancingV2Client(common) };
}
