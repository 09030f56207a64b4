/**
 * The typed configuration of one environment. main.ts turns each entry into one TerraformStack named after it.
 * Validation lives in config/validate.ts; constructs receive already-validated values.
 */

/** Where an environment's Terraform state lives. */
export type BackendConfig =
  | { readonly type: 'local'; /** @default terraform.<stack>.tfstate */ readonly path?: string }
  | {
      readonly type: 's3';
      readonly bucket: string;
      readonly key: string;
      readonly region: string;
      /** S3-native locking (`use_lockfile`). @default true */
      readonly useLockfile?: boolean;
    }
  | {
      readonly type: 'cloud';
      readonly organization: string;
      readonly workspace: string;
      /** @default app.terraform.io */
      readonly hostname?: string;
    };

/** Knobs of the sync function (see lambda/ and the README). */
export interface SyncTuning {
  /** Cap on DNS queries per run, retries included. @default 1000 */
  readonly maxLookupsPerInvocation?: number;
  /** Clean runs an IP must be missing before deregistration. @default 3 */
  readonly invocationsBeforeDeregistration?: number;
  /** Most of the registered targets one run may deregister, in percent (1-100). @default 50 */
  readonly maxDeregistrationPercent?: number;
}

export interface EnvironmentConfig {
  /** Stack name and prefix of every resource name, e.g. `prod`. Lowercase letters, digits and dashes. */
  readonly name: string;
  /** AWS region, e.g. `eu-west-1`. */
  readonly region: string;
  /** VPC of the NLB and the ALB, `vpc-...`. */
  readonly vpcId: string;
  /** Public subnets, one per Availability Zone; each gets one Elastic IP. */
  readonly publicSubnetIds: readonly string[];
  /** The existing internal ALB. */
  readonly alb: {
    /** Its DNS name, e.g. `internal-app-123.eu-west-1.elb.amazonaws.com`. */
    readonly dnsName: string;
    /** Its security group; when set, a rule admits the NLB on each port. */
    readonly securityGroupId?: string;
  };
  /** TCP ports forwarded to the ALB. @default [80, 443] */
  readonly ports?: readonly number[];
  /** CIDRs allowed to reach the static IPs. @default ['0.0.0.0/0'] */
  readonly ingressCidrs?: readonly string[];
  /** Tags on every resource. @default {} */
  readonly tags?: Readonly<Record<string, string>>;
  readonly sync?: SyncTuning;
  /** SNS topic notified by the sync alarms. @default none */
  readonly alarmTopicArn?: string;
  /** Lambda runtime of the sync function. @default nodejs22.x */
  readonly lambdaRuntime?: string;
  /** @default { type: 'local' } */
  readonly backend?: BackendConfig;
}
