/**
 * The formats of the AWS identifiers this project reads: one definition, used by the configuration, the
 * constructs and the sync function. No imports, so the function's bundle takes only these patterns.
 *
 * Patterns are anchored; the parts a caller needs are named groups (`region`, `account`, `name`, `resource`).
 */

/** `aws`, `aws-cn`, `aws-us-gov`, `aws-iso-b`, ... */
const PARTITION = 'aws(?:-[a-z]+){0,2}';
/** `eu-west-1`, `us-gov-west-1`, `ap-southeast-10`. */
const REGION = '[a-z]{2}(?:-[a-z]+)+-\\d{1,2}';
const ACCOUNT = '\\d{12}';
/** The hex part of EC2 resource ids: 8 characters (older resources) or 17. */
const EC2_ID = '(?:[0-9a-f]{8}|[0-9a-f]{17})';
/** Load balancer and target group names: 1-32 letters, digits and dashes, not starting or ending with a dash. */
const LB_NAME = '[A-Za-z0-9](?:[A-Za-z0-9-]{0,30}[A-Za-z0-9])?';
const LB_ID = '[0-9a-f]{16}';
/** A KMS key id: a UUID, or `mrk-` and 32 hex characters for a multi-Region key. */
const KMS_KEY_ID = '(?:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|mrk-[0-9a-f]{32})';

const format = (source: string, description: string, flags = '') => ({ pattern: new RegExp(`^${source}$`, flags), description }) as const;

/** Each identifier's pattern and how an error names what was expected (`... is not <description>`). */
export const AWS_FORMATS = {
  region: format(`(?<region>${REGION})`, 'an AWS region (e.g. eu-west-1)'),
  availabilityZone: format(
    `(?<region>${REGION})[a-z]`,
    'an Availability Zone name (e.g. eu-west-1a; zone ids such as euw1-az1 are not accepted)',
  ),
  vpcId: format(`vpc-${EC2_ID}`, 'a VPC id (vpc-<8 or 17 hex>)'),
  subnetId: format(`subnet-${EC2_ID}`, 'a subnet id (subnet-<8 or 17 hex>)'),
  securityGroupId: format(`sg-${EC2_ID}`, 'a security group id (sg-<8 or 17 hex>)'),
  routeTableId: format(`rtb-${EC2_ID}`, 'a route table id (rtb-<8 or 17 hex>)'),
  allocationId: format(`eipalloc-${EC2_ID}`, 'an Elastic IP allocation id (eipalloc-<8 or 17 hex>)'),
  ipamPoolId: format('ipam-pool-[0-9a-f]{17}', 'an IPAM pool id (ipam-pool-<17 hex>)'),
  publicIpv4Pool: format('ipv4pool-ec2-[0-9a-f]{17}', 'a public IPv4 pool id (ipv4pool-ec2-<17 hex>)'),
  /** Internal ALBs' names start with `internal-`; internet-facing ones resolve to public IPs, which cannot be IP targets. */
  internalAlbDnsName: format(
    `internal-[a-z0-9-]+-\\d+\\.(?<region>${REGION})\\.elb\\.amazonaws\\.com(?:\\.cn)?`,
    "an internal ALB's DNS name (internal-<name>-<id>.<region>.elb.amazonaws.com)",
  ),
  albName: format(`(?!internal-)${LB_NAME}`, 'an ALB name (1-32 letters, digits and dashes)'),
  /** `resource` is `app/<name>/<id>`, what ELB writes into the description of the ALB's network interfaces. */
  albArn: format(
    `arn:${PARTITION}:elasticloadbalancing:(?<region>${REGION}):(?<account>${ACCOUNT}):` +
      `loadbalancer/(?<resource>app/(?<name>${LB_NAME})/${LB_ID})`,
    "an ALB's ARN (arn:aws:elasticloadbalancing:<region>:<account>:loadbalancer/app/<name>/<id>)",
  ),
  albListenerArn: format(
    `arn:${PARTITION}:elasticloadbalancing:(?<region>${REGION}):(?<account>${ACCOUNT}):listener/app/${LB_NAME}/${LB_ID}/${LB_ID}`,
    'an ALB listener ARN (arn:aws:elasticloadbalancing:<region>:<account>:listener/app/<name>/<id>/<id>)',
  ),
  targetGroupArn: format(
    `arn:${PARTITION}:elasticloadbalancing:(?<region>${REGION}):(?<account>${ACCOUNT}):targetgroup/${LB_NAME}/${LB_ID}`,
    'a target group ARN (arn:aws:elasticloadbalancing:<region>:<account>:targetgroup/<name>/<id>)',
  ),
  loadBalancerArnSuffix: format(`net/${LB_NAME}/${LB_ID}`, "an NLB's ARN suffix (net/<name>/<id>)"),
  targetGroupArnSuffix: format(`targetgroup/${LB_NAME}/${LB_ID}`, "a target group's ARN suffix (targetgroup/<name>/<id>)"),
  snsTopicArn: format(
    `arn:${PARTITION}:sns:(?<region>${REGION}):(?<account>${ACCOUNT}):[A-Za-z0-9_-]{1,256}(?:\\.fifo)?`,
    'an SNS topic ARN (arn:aws:sns:<region>:<account>:<topic>)',
  ),
  iamRoleArn: format(
    `arn:${PARTITION}:iam::(?<account>${ACCOUNT}):role/(?:[\\w+=,.@-]+/)*[\\w+=,.@-]{1,64}`,
    'an IAM role ARN (arn:aws:iam::<account>:role/<name>)',
  ),
  permissionsBoundaryArn: format(
    `arn:${PARTITION}:iam::(?<account>${ACCOUNT}|aws):policy/(?:[\\x21-\\x7e]+/)?[\\w+=,.@-]{1,128}`,
    'a managed policy ARN (arn:aws:iam::<account or aws>:policy/<path><name>)',
  ),
  iamPath: format('/(?:[\\x21-\\x7e]{1,510}/)?', 'an IAM path (/ or /<segments>/, printable ASCII, at most 512 characters)'),
  kmsKeyArn: format(
    `arn:${PARTITION}:kms:(?<region>${REGION}):(?<account>${ACCOUNT}):key/${KMS_KEY_ID}`,
    'a KMS key ARN (arn:aws:kms:<region>:<account>:key/<key id>)',
  ),
  /** A KMS alias ARN: CloudWatch Logs takes only a key's own ARN, so the configuration names this mistake. */
  kmsAliasArn: format(
    `arn:${PARTITION}:kms:(?<region>${REGION}):(?<account>${ACCOUNT}):alias/.+`,
    'a KMS alias ARN (arn:aws:kms:<region>:<account>:alias/<name>)',
  ),
  /** Lambda's Node.js runtimes, `nodejs<major>.x`; `major` is the Node.js major version. */
  nodejsRuntime: format('nodejs(?<major>\\d+)\\.x', 'a Lambda Node.js runtime (nodejs<major>.x)'),
  s3BucketName: format('[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]', 'an S3 bucket name (3-63 lowercase letters, digits, dots and dashes)'),
} as const;

export type AwsFormat = keyof typeof AWS_FORMATS;

/** The named groups of `value` in `format`, or undefined when it does not match. */
export function parseAwsId(format: AwsFormat, value: string): Readonly<Record<string, string>> | undefined {
  const match = AWS_FORMATS[format].pattern.exec(value);
  return match ? { ...match.groups } : undefined;
}

/** TCP ports as listeners, target groups and security-group rules accept them. */
export const PORT_RANGE = { min: 1, max: 65535 } as const;

export function isPort(value: unknown): value is number {
  return Number.isInteger(value) && (value as number) >= PORT_RANGE.min && (value as number) <= PORT_RANGE.max;
}

/** AWS tag limits: keys 1-128 characters not starting with `aws:` (reserved), values at most 256 characters. */
export const TAG_LIMITS = { keyLength: { min: 1, max: 128 }, valueLength: { max: 256 }, reservedPrefix: 'aws:' } as const;

/** What is wrong with one tag, or undefined. */
export function tagProblem(key: string, value: unknown): string | undefined {
  if (key.length < TAG_LIMITS.keyLength.min || key.length > TAG_LIMITS.keyLength.max) {
    return `key must be ${TAG_LIMITS.keyLength.min}-${TAG_LIMITS.keyLength.max} characters`;
  }
  if (key.toLowerCase().startsWith(TAG_LIMITS.reservedPrefix))
    return `key must not start with "${TAG_LIMITS.reservedPrefix}" (reserved by AWS)`;
  if (typeof value !== 'string' || value.length > TAG_LIMITS.valueLength.max) {
    return `value must be a string of at most ${TAG_LIMITS.valueLength.max} characters`;
  }
  return undefined;
}
