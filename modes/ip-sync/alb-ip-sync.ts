import { Fn, Op, Token, type IResolvable, type TerraformResource } from 'cdktf';
import { Construct } from 'constructs';
import { CloudwatchEventRule } from '@cdktf/provider-aws/lib/cloudwatch-event-rule';
import { CloudwatchEventTarget } from '@cdktf/provider-aws/lib/cloudwatch-event-target';
import { CloudwatchLogGroup } from '@cdktf/provider-aws/lib/cloudwatch-log-group';
import type { CloudwatchMetricAlarm } from '@cdktf/provider-aws/lib/cloudwatch-metric-alarm';
import { DataAwsIamPolicyDocument, type DataAwsIamPolicyDocumentStatement } from '@cdktf/provider-aws/lib/data-aws-iam-policy-document';
import { IamRole } from '@cdktf/provider-aws/lib/iam-role';
import { IamRolePolicy } from '@cdktf/provider-aws/lib/iam-role-policy';
import { LambdaFunction } from '@cdktf/provider-aws/lib/lambda-function';
import { LambdaFunctionEventInvokeConfig } from '@cdktf/provider-aws/lib/lambda-function-event-invoke-config';
import { LambdaPermission } from '@cdktf/provider-aws/lib/lambda-permission';
import type { LbTargetGroup } from '@cdktf/provider-aws/lib/lb-target-group';
import type { S3Bucket } from '@cdktf/provider-aws/lib/s3-bucket';
import type { SyncTuning } from '../../config/types';
import {
  ENVIRONMENT_DEFAULTS,
  INVOCATIONS_BEFORE_DEREGISTRATION_BY_DISCOVERY,
  SYNC_TUNING_DEFAULTS,
  type ResolvedDiscovery,
} from '../../config/defaults';
import { SYNC_VARIABLES, type DiscoverySource } from '../../lambda/environment';
import { METRIC_NAMES, METRIC_NAMESPACE } from '../../lambda/report';
import { metricAlarm, type MetricAlarmSettings } from '../../modules/alarm';
import { PORT_RANGE, isPort } from '../../shared/aws-formats';
import type { LambdaBundle } from '../../modules/lambda-bundle';
import { SyncEvents } from './sync-events';

/** The function's sizing: a run is a few dozen DNS queries and two or three API calls. */
export const SYNC_FUNCTION = {
  architecture: 'arm64',
  memorySize: 256,
  /** Well under the one-minute schedule, so a slow run ends before the next starts. */
  timeoutSeconds: 30,
  schedule: 'rate(1 minute)',
} as const;

/** IAM allows role name prefixes of up to 38 characters. */
const IAM_ROLE_NAME_PREFIX_MAX_LENGTH = 38;

/** The retention periods CloudWatch Logs accepts. */
export const LOG_RETENTION_DAYS: readonly number[] = [
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653,
];

export interface AlbIpSyncProps {
  /** Name of the function; also names its role, log group, schedule and alarms. At most 64 characters. */
  readonly functionName: string;
  /** DNS name of the internal ALB whose node IPs the function tracks. */
  readonly albDnsName: string;
  /** ALB listener port: the port the node IPs are registered with. */
  readonly port: number;
  /** The target group this function keeps in sync, and the only one it may change. */
  readonly targetGroup: LbTargetGroup;
  /** Bucket holding the state, under the prefix `<target group ARN>/`. */
  readonly stateBucket: S3Bucket;
  /** The bundled sync function (one bundle serves every port of a stack). */
  readonly code: LambdaBundle;
  /**
   * Knobs of the sync. @default 1000 lookups, 50 % deregistration cap, and invocations before deregistration per
   * discovery (3 with DNS, 1 with interfaces: INVOCATIONS_BEFORE_DEREGISTRATION_BY_DISCOVERY)
   */
  readonly tuning?: SyncTuning;
  /** Lambda runtime. @default nodejs22.x */
  readonly runtime?: string;
  /** Days the function's logs are kept. @default 30 */
  readonly logRetentionDays?: number;
  /** SNS topic the alarms notify on ALARM and OK. @default none: the alarms only change state */
  readonly alarmTopicArn?: string;
  /**
   * False when the ALB is outside the target group's VPC (another VPC or account): targets are then registered
   * with Availability Zone `all`. @default true
   */
  readonly sameVpc?: boolean;
  /**
   * How a run learns the ALB's nodes: its network interfaces, DNS, or both compared.
   * @default DNS, with `tuning.invocationsBeforeDeregistration` or 3 runs before a missing target goes
   */
  readonly discovery?: SyncDiscovery;
  /**
   * Runs the function when Elastic Load Balancing creates or deletes a network interface (see SyncEvents).
   * Needs interface discovery without a role. @default false
   */
  readonly events?: boolean;
  /** The role's permissions boundary, path and trust condition. @default no boundary, path `/`, no condition */
  readonly iam?: SyncRoleSettings;
  /** Run the function in these subnets and security groups (see SyncNetwork). @default outside any VPC */
  readonly vpc?: { readonly subnetIds: readonly string[]; readonly securityGroupIds: readonly string[] };
  /** KMS key of the log group and of the state bucket: the role may use it for S3. @default AWS managed encryption */
  readonly kmsKeyArn?: string;
}

/** How the function discovers the ALB's nodes (a route's resolved `discovery`), with the ALB's ARN. */
export interface SyncDiscovery extends Omit<ResolvedDiscovery, 'invocationsBeforeDeregistration'> {
  /** The ALB's ARN, a literal or a token. Required unless `source` is `dns`. */
  readonly albArn?: string;
}

/** IAM settings of a sync function's role. */
export interface SyncRoleSettings {
  /** ARN of a managed policy set as the role's permissions boundary. @default none */
  readonly permissionsBoundaryArn?: string;
  /** The role's IAM path. @default / */
  readonly path?: string;
  /** The account Lambda must act for (`aws:SourceAccount` in the trust policy), e.g. from aws_caller_identity. @default no condition */
  readonly sourceAccount?: string;
}

/**
 * One port's sync: a function run every minute by EventBridge that registers the ALB's current node IPs into
 * the port's target group, with a role that may touch only that target group and its own state and logs.
 */
export class AlbIpSync extends Construct {
  public readonly function: LambdaFunction;
  public readonly role: IamRole;
  public readonly logGroup: CloudwatchLogGroup;
  public readonly schedule: CloudwatchEventRule;
  /** The function failed in 3 of 5 minutes. */
  public readonly errorsAlarm: CloudwatchMetricAlarm;
  /** The function did not run for 5 minutes: schedule disabled, permission lost, or throttled. */
  public readonly notRunningAlarm: CloudwatchMetricAlarm;
  /** The function found no ALB node IP for 5 minutes: ALB gone, renamed, or its DNS unreachable. */
  public readonly noAlbIpsAlarm: CloudwatchMetricAlarm;
  /** No discovery was clean for 15 minutes (lookup cap, time, DNS failures, a resolver): nothing can be removed. */
  public readonly discoveryUncleanAlarm: CloudwatchMetricAlarm;
  /** What lets the function list the ALB's interfaces or assume the discovery role; absent for DNS discovery. */
  public readonly discoveryPolicy?: IamRolePolicy;
  /** The rule on the ALB's interface events, when `events` is on. */
  public readonly events?: SyncEvents;

  constructor(scope: Construct, id: string, props: AlbIpSyncProps) {
    super(scope, id);
    validate(props);
    const tuning = { ...SYNC_TUNING_DEFAULTS, ...props.tuning };
    const { functionName, targetGroup, stateBucket } = props;

    // Created here rather than by Lambda, so it has a retention and the role needs no logs:CreateLogGroup.
    this.logGroup = new CloudwatchLogGroup(this, 'log-group', {
      name: `/aws/lambda/${functionName}`,
      retentionInDays: props.logRetentionDays ?? 30,
      kmsKeyId: props.kmsKeyArn,
    });

    const trust = new DataAwsIamPolicyDocument(this, 'trust', {
      statement: [
        {
          sid: 'LambdaAssumesRole',
          effect: 'Allow',
          principals: [{ type: 'Service', identifiers: ['lambda.amazonaws.com'] }],
          actions: ['sts:AssumeRole'],
          condition: sourceAccountCondition(props.iam?.sourceAccount),
        },
      ],
    });
    this.role = new IamRole(this, 'role', {
      // IAM names are global to the account: a prefix (AWS appends a unique suffix) lets the same environment
      // run in two regions, and lets a replacement role exist before the old one goes.
      namePrefix: `${functionName.slice(0, IAM_ROLE_NAME_PREFIX_MAX_LENGTH - 1)}-`,
      lifecycle: { createBeforeDestroy: true },
      description: `Sync of ${props.albDnsName}:${props.port} into one target group`,
      assumeRolePolicy: trust.json,
      permissionsBoundary: props.iam?.permissionsBoundaryArn,
      path: props.iam?.path,
    });
    const permissions = new DataAwsIamPolicyDocument(this, 'permissions', {
      statement: [...syncPermissions(targetGroup.arn, stateBucket.arn, this.logGroup.arn), ...networkAndKeyPermissions(props)],
    });
    const policy = new IamRolePolicy(this, 'policy', {
      name: 'sync-one-target-group',
      role: this.role.id,
      policy: permissions.json,
    });
    const discovery = discoveryVariables(props);
    this.discoveryPolicy = discovery.statement && this.policyOf('discovery', 'discover-alb-nodes', discovery.statement);
    if (discovery.sameAccount !== undefined && props.discovery?.chosen) {
      requireSameAccount(this.discoveryPolicy!, discovery.sameAccount, functionName, `discovery ${props.discovery.source}`);
    }

    this.function = new LambdaFunction(this, 'function', {
      functionName,
      description: `Registers the node IPs of ${props.albDnsName} on port ${props.port} into its NLB target group`,
      role: this.role.arn,
      runtime: props.runtime ?? ENVIRONMENT_DEFAULTS.lambdaRuntime,
      architectures: [SYNC_FUNCTION.architecture],
      handler: props.code.handler,
      filename: props.code.asset.path,
      // The zip's SHA-256, as Lambda reports it: a new bundle deploys, an unchanged one plans no change.
      sourceCodeHash: Fn.filebase64sha256(props.code.asset.path),
      memorySize: SYNC_FUNCTION.memorySize,
      timeout: SYNC_FUNCTION.timeoutSeconds,
      // One run at a time: two overlapping runs would read the same state and race on its write.
      reservedConcurrentExecutions: 1,
      loggingConfig: { logFormat: 'JSON', logGroup: this.logGroup.name },
      vpcConfig: props.vpc && { subnetIds: [...props.vpc.subnetIds], securityGroupIds: [...props.vpc.securityGroupIds] },
      environment: {
        variables: {
          [SYNC_VARIABLES.albDnsName]: props.albDnsName,
          [SYNC_VARIABLES.albListener]: String(props.port),
          [SYNC_VARIABLES.targetGroupArn]: targetGroup.arn,
          [SYNC_VARIABLES.bucket]: stateBucket.bucket,
          [SYNC_VARIABLES.maxLookups]: String(tuning.maxLookupsPerInvocation),
          [SYNC_VARIABLES.maxDeregistrationPercent]: String(tuning.maxDeregistrationPercent),
          [SYNC_VARIABLES.publishIpCount]: 'true',
          [SYNC_VARIABLES.sameVpc]: String(props.sameVpc ?? true),
          ...discovery.variables,
        },
      },
      // The first scheduled run must find its permissions and its log group in place.
      dependsOn: [policy, ...(this.discoveryPolicy ? [this.discoveryPolicy] : []), this.logGroup],
    });

    // A failed run is superseded by the next minute's: a retry would only overlap it.
    new LambdaFunctionEventInvokeConfig(this, 'invoke-config', {
      functionName: this.function.functionName,
      maximumRetryAttempts: 0,
      maximumEventAgeInSeconds: 60,
    });

    this.schedule = new CloudwatchEventRule(this, 'schedule', {
      name: functionName,
      description: `Runs ${functionName} every minute`,
      scheduleExpression: SYNC_FUNCTION.schedule,
    });
    new CloudwatchEventTarget(this, 'schedule-target', {
      rule: this.schedule.name,
      targetId: 'sync',
      arn: this.function.arn,
    });
    new LambdaPermission(this, 'schedule-permission', {
      statementId: 'AllowEventBridgeSchedule',
      action: 'lambda:InvokeFunction',
      functionName: this.function.functionName,
      principal: 'events.amazonaws.com',
      sourceArn: this.schedule.arn,
    });

    if (props.events) {
      this.events = new SyncEvents(this, 'events', { name: functionName, function: this.function, albArn: props.discovery!.albArn! });
      if (discovery.sameAccount !== undefined) requireSameAccount(this.events.rule, discovery.sameAccount, functionName, 'events');
    }

    const alarm = (alarmId: string, config: AlarmSettings): CloudwatchMetricAlarm =>
      metricAlarm(
        this,
        alarmId,
        {
          alarmName: `${functionName}-${alarmId}`,
          namespace: 'AWS/Lambda',
          dimensions: { FunctionName: this.function.functionName },
          statistic: 'Sum',
          ...config,
        },
        props.alarmTopicArn,
      );
    // One failed run is retried by the next minute's; three in five minutes mean the sync is broken.
    // No data means no run, which is not an error: the not-running alarm covers it.
    this.errorsAlarm = alarm('errors', {
      alarmDescription: `${functionName} failed in 3 of the last 5 minutes: the target group is not kept in sync`,
      metricName: 'Errors',
      comparisonOperator: 'GreaterThanOrEqualToThreshold',
      threshold: 1,
      evaluationPeriods: 5,
      datapointsToAlarm: 3,
      treatMissingData: 'notBreaching',
    });
    // Lambda publishes Invocations only when the function runs, so missing data is the failure itself.
    this.notRunningAlarm = alarm('not-running', {
      alarmDescription: `${functionName} has not run for 5 minutes: schedule disabled, permission lost or throttled`,
      metricName: 'Invocations',
      comparisonOperator: 'LessThanThreshold',
      threshold: 1,
      evaluationPeriods: 5,
      datapointsToAlarm: 5,
      treatMissingData: 'breaching',
    });
    // The function's own metric (EMF, dimension as AWS's NLB metrics name the target group). The sync keeps
    // the registered targets when DNS answers nothing, so this is the only sign of a vanished ALB.
    this.noAlbIpsAlarm = alarm('no-alb-ips', {
      alarmDescription: `${functionName} found no IP of ${props.albDnsName} for 5 minutes`,
      namespace: METRIC_NAMESPACE,
      metricName: METRIC_NAMES.ipCount,
      dimensions: { TargetGroup: targetGroup.arnSuffix },
      statistic: 'Maximum',
      comparisonOperator: 'LessThanThreshold',
      threshold: 1,
      evaluationPeriods: 5,
      datapointsToAlarm: 5,
      // No data means no run: the not-running alarm covers it.
      treatMissingData: 'notBreaching',
    });
    // An unclean run registers what it saw but removes nothing, so departed nodes stay registered: harmless for a
    // while, but if it lasts, one cause (an ALB past the lookup cap, a resolver in DNS_SERVERS) holds every run.
    this.discoveryUncleanAlarm = alarm('discovery-unclean', {
      alarmDescription:
        `${functionName} had no clean discovery of ${props.albDnsName} for 15 minutes: departed nodes stay registered ` +
        `(see discoveryUncleanReasons in its log)`,
      namespace: METRIC_NAMESPACE,
      metricName: METRIC_NAMES.discoveryClean,
      dimensions: { TargetGroup: targetGroup.arnSuffix },
      statistic: 'Maximum',
      comparisonOperator: 'LessThanThreshold',
      threshold: 1,
      evaluationPeriods: 15,
      datapointsToAlarm: 15,
      // No data means no run: the not-running alarm covers it.
      treatMissingData: 'notBreaching',
    });
  }

  /** A policy of the function's role beside the target group's, for one discovery path. */
  private policyOf(id: string, name: string, statement: DataAwsIamPolicyDocumentStatement): IamRolePolicy {
    const document = new DataAwsIamPolicyDocument(this, `${id}-permissions`, { statement: [statement] });
    return new IamRolePolicy(this, `${id}-policy`, { name, role: this.role.id, policy: document.json });
  }
}

/** Fails the apply, naming the function (environment and port) and the field, when the ALB is in another account. */
function requireSameAccount(resource: TerraformResource, sameAccount: IResolvable, functionName: string, field: string): void {
  resource.addOverride('lifecycle.precondition', [
    {
      condition: sameAccount,
      error_message:
        `${functionName}: ${field} needs the ALB in this stack's account (the one its target group is in); ` +
        `for an ALB in another account set the route's discoveryRoleArn, or discovery 'dns' without events.`,
    },
  ]);
}

/** The function's discovery variables, and the one permission its path needs (none for DNS). */
function discoveryVariables(props: AlbIpSyncProps): {
  variables: Record<string, string>;
  statement?: DataAwsIamPolicyDocumentStatement;
  sameAccount?: IResolvable;
} {
  const discovery = props.discovery ?? { source: 'dns', chosen: false };
  const grace = (source: DiscoverySource): string =>
    String(props.tuning?.invocationsBeforeDeregistration ?? INVOCATIONS_BEFORE_DEREGISTRATION_BY_DISCOVERY[source]);
  if (discovery.source === 'dns') {
    return { variables: { [SYNC_VARIABLES.discovery]: 'dns', [SYNC_VARIABLES.invocationsBeforeDeregistration]: grace('dns') } };
  }
  // The account the stack deploys to is in its target group's ARN (known once that exists): no data source, so
  // plans need no more access than before.
  const sameAccount =
    discovery.albAccount === undefined ? undefined : Op.eq(Fn.element(Fn.split(':', props.targetGroup.arn), 4), discovery.albAccount);
  // A default `interfaces` for an ALB found to be in another account samples DNS, as 0.2 did.
  const unlessOtherAccount = (value: string, otherwise: string): string =>
    sameAccount === undefined || discovery.chosen ? value : Token.asString(Fn.conditional(sameAccount, value, otherwise));
  const statement: DataAwsIamPolicyDocumentStatement =
    discovery.roleArn !== undefined
      ? { sid: 'AssumeDiscoveryRole', effect: 'Allow', actions: ['sts:AssumeRole'], resources: [discovery.roleArn] }
      : {
          // DescribeNetworkInterfaces supports no resource-level permissions: "*" is the only resource it takes.
          sid: 'ListAlbInterfaces',
          effect: unlessOtherAccount('Allow', 'Deny'),
          actions: ['ec2:DescribeNetworkInterfaces'],
          resources: ['*'],
        };
  return {
    variables: {
      [SYNC_VARIABLES.discovery]: unlessOtherAccount(discovery.source, 'dns'),
      [SYNC_VARIABLES.invocationsBeforeDeregistration]: unlessOtherAccount(grace(discovery.source), grace('dns')),
      [SYNC_VARIABLES.albArn]: discovery.albArn!,
      ...(discovery.roleArn !== undefined ? { [SYNC_VARIABLES.discoveryRoleArn]: discovery.roleArn } : {}),
    },
    statement,
    sameAccount,
  };
}

/** What differs between the alarms; namespace, dimensions and statistic default to the function's Lambda metrics. */
type AlarmSettings = Partial<Pick<MetricAlarmSettings, 'namespace' | 'dimensions' | 'statistic'>> &
  Omit<MetricAlarmSettings, 'alarmName' | 'namespace' | 'dimensions' | 'statistic'>;

/**
 * What one port's function may do, and nothing more.
 * ListBucket has no s3:prefix condition on purpose: S3 answers a GetObject of a missing key with 404 only
 * when the caller may list the bucket, and a GetObject request carries no s3:prefix, so a conditioned grant
 * would not count. A first run (no state yet) would then look like an unreadable state and the sync would
 * never start. The bucket holds only this stack's state, whose key names are target group ARNs.
 */
function syncPermissions(targetGroupArn: string, bucketArn: string, logGroupArn: string): DataAwsIamPolicyDocumentStatement[] {
  return [
    {
      sid: 'ChangeOwnTargetGroup',
      effect: 'Allow',
      actions: ['elasticloadbalancing:RegisterTargets', 'elasticloadbalancing:DeregisterTargets'],
      resources: [targetGroupArn],
    },
    {
      // ELBv2 Describe* actions support no resource-level permissions.
      sid: 'ReadTargetHealth',
      effect: 'Allow',
      actions: ['elasticloadbalancing:DescribeTargetHealth'],
      resources: ['*'],
    },
    {
      sid: 'ReadWriteOwnState',
      effect: 'Allow',
      actions: ['s3:GetObject', 's3:PutObject'],
      resources: [`${bucketArn}/${targetGroupArn}/*`],
    },
    {
      sid: 'TellMissingStateFromDenied',
      effect: 'Allow',
      actions: ['s3:ListBucket'],
      resources: [bucketArn],
    },
    {
      sid: 'WriteOwnLogs',
      effect: 'Allow',
      actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
      resources: [`${logGroupArn}:*`],
    },
  ];
}

/** `aws:SourceAccount` on Lambda's trust, which Lambda's execution roles support (confused-deputy protection). */
function sourceAccountCondition(account: string | undefined) {
  return account === undefined ? undefined : [{ test: 'StringEquals', variable: 'aws:SourceAccount', values: [account] }];
}

/** What a function in a VPC, or with a customer managed key, needs beyond syncPermissions. */
function networkAndKeyPermissions(props: AlbIpSyncProps): DataAwsIamPolicyDocumentStatement[] {
  const statements: DataAwsIamPolicyDocumentStatement[] = [];
  if (props.vpc) {
    statements.push({
      // What AWSLambdaVPCAccessExecutionRole grants: Lambda manages the function's network interfaces with the
      // role. EC2 supports no resource-level permissions for Describe*, and the interfaces' ids are Lambda's.
      sid: 'ManageVpcNetworkInterfaces',
      effect: 'Allow',
      actions: [
        'ec2:CreateNetworkInterface',
        'ec2:DescribeNetworkInterfaces',
        'ec2:DeleteNetworkInterface',
        'ec2:AssignPrivateIpAddresses',
        'ec2:UnassignPrivateIpAddresses',
      ],
      resources: ['*'],
    });
  }
  if (props.kmsKeyArn) {
    statements.push({
      // S3 decrypts and encrypts the state with the key on the function's behalf (SSE-KMS).
      sid: 'UseStateKey',
      effect: 'Allow',
      actions: ['kms:Decrypt', 'kms:GenerateDataKey'],
      resources: [props.kmsKeyArn],
    });
  }
  return statements;
}

function validate(props: AlbIpSyncProps): void {
  if (!/^[A-Za-z0-9_-]{1,64}$/.test(props.functionName)) {
    throw new Error(`AlbIpSync: functionName "${props.functionName}" must be 1-64 letters, digits, dashes or underscores`);
  }
  if (!isPort(props.port)) {
    throw new Error(`AlbIpSync: port ${props.port} is outside ${PORT_RANGE.min}-${PORT_RANGE.max}`);
  }
  const discovery = props.discovery;
  if (discovery !== undefined && discovery.source !== 'dns' && discovery.albArn === undefined) {
    throw new Error(`AlbIpSync ${props.functionName}: discovery ${discovery.source} needs the ALB's ARN (albArn)`);
  }
  if (props.events && (discovery === undefined || discovery.source === 'dns' || discovery.roleArn !== undefined)) {
    throw new Error(`AlbIpSync ${props.functionName}: events need interface discovery in the stack's account (no discoveryRoleArn)`);
  }
  const retention = props.logRetentionDays;
  if (retention !== undefined && !LOG_RETENTION_DAYS.includes(retention)) {
    throw new Error(`AlbIpSync: logRetentionDays ${retention} is not one CloudWatch accepts (${LOG_RETENTION_DAYS.join(', ')})`);
  }
}
