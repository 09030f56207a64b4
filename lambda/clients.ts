import { ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2';
import { S3Client } from '@aws-sdk/client-s3';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { defaultProvider } from '@aws-sdk/credential-provider-node';
import { parseAwsId } from '../shared/aws-formats';
import { ec2InterfaceQuery, type DescribeInterfaces } from './ec2-query';
import { AssumeRoleError } from './interfaces';

/**
 * Every AWS call is bounded: a stalled connection or response fails the attempt, and adaptive retries
 * back off on throttling (the ELB API's token bucket, EC2's RequestLimitExceeded) within `maxAttempts`.
 */
export const AWS_CALL_LIMITS = { connectionTimeoutMs: 1_000, requestTimeoutMs: 3_000, maxAttempts: 3 } as const;

/** The session an assumed discovery role runs as (CloudTrail shows it), and how long its credentials live. */
export const DISCOVERY_SESSION = { name: 'alb-static-ip-sync', durationSeconds: 900 } as const;

export interface AwsClients {
  readonly s3: S3Client;
  readonly elb: ElasticLoadBalancingV2Client;
  /** Lists the ALB's network interfaces: in the function's account, or as DISCOVERY_ROLE_ARN when set. */
  readonly ec2: DescribeInterfaces;
}

const COMMON = {
  retryMode: 'adaptive',
  maxAttempts: AWS_CALL_LIMITS.maxAttempts,
  requestHandler: {
    connectionTimeout: AWS_CALL_LIMITS.connectionTimeoutMs,
    requestTimeout: AWS_CALL_LIMITS.requestTimeoutMs,
    // Without it the SDK only logs a warning and a stalled call holds the run until the Lambda timeout.
    throwOnRequestTimeout: true,
  },
} as const;

/**
 * Clients with the SDK's default endpoint and credential resolution, so AWS_ENDPOINT_URL_S3,
 * AWS_ENDPOINT_URL_ELASTIC_LOAD_BALANCING_V2, AWS_ENDPOINT_URL_EC2 and AWS_ENDPOINT_URL_STS redirect them like any
 * SDK client. EC2 is asked in the ALB's region, by a Query call of the SDK's parts (./ec2-query: client-ec2 alone
 * would double the bundle); with a role, as that role (refreshed before it expires).
 */
export function createClients(region: string, discovery: InterfaceAccess = {}): AwsClients {
  const common = { region, ...COMMON };
  const albRegion = discovery.albRegion ?? region;
  const credentials =
    discovery.roleArn === undefined ? defaultProvider() : assumedRole(new STSClient({ ...common, region: albRegion }), discovery.roleArn);
  return {
    s3: new S3Client(common),
    elb: new ElasticLoadBalancingV2Client(common),
    ec2: ec2InterfaceQuery({ region: albRegion, credentials, limits: AWS_CALL_LIMITS }),
  };
}

/** Where and as whom a run's settings list the interfaces. */
export function interfaceAccess(settings: { readonly albArn?: string; readonly discoveryRoleArn?: string }): InterfaceAccess {
  return { albRegion: settings.albArn && parseAwsId('albArn', settings.albArn)?.region, roleArn: settings.discoveryRoleArn };
}

/** Where and as whom the interfaces are listed. */
export interface InterfaceAccess {
  /** The ALB's region, from its ARN. @default the target group's region */
  readonly albRegion?: string;
  /** DISCOVERY_ROLE_ARN. @default the function's own role */
  readonly roleArn?: string;
}

/** Credentials as the SDK's clients take them from a provider function. */
interface TemporaryCredentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken?: string;
  readonly expiration?: Date;
}

function assumedRole(sts: STSClient, roleArn: string): () => Promise<TemporaryCredentials> {
  return async () => {
    try {
      const { Credentials: issued } = await sts.send(
        new AssumeRoleCommand({
          RoleArn: roleArn,
          RoleSessionName: DISCOVERY_SESSION.name,
          DurationSeconds: DISCOVERY_SESSION.durationSeconds,
        }),
      );
      if (!issued?.AccessKeyId || !issued.SecretAccessKey) throw new Error('the answer holds no credentials');
      return {
        accessKeyId: issued.AccessKeyId,
        secretAccessKey: issued.SecretAccessKey,
        sessionToken: issued.SessionToken,
        expiration: issued.Expiration,
      };
    } catch (error) {
      throw new AssumeRoleError(roleArn, error);
    }
  };
}
