/**
 * The typed configuration of one environment. main.ts turns each entry into one TerraformStack named after it.
 * Validation lives in config/validate.ts (every field, unknown keys included); constructs receive resolved values.
 *
 * The shape follows the product: static IPs per Availability Zone, ALBs, and routes (a listener port → an ALB and
 * its port → a mode), carried by one or two front doors (the NLB and/or a Global Accelerator).
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

/**
 * A pool new Elastic IPs are allocated from, so that partners can allowlist one prefix: an IPAM pool (an
 * Amazon-provided contiguous /30 or /29 block, or BYOIP) or a BYOIP public IPv4 pool. Elastic IPs are regional:
 * the pool must be in the environment's region.
 */
export type StaticIpPoolConfig =
  | {
      /** `ipam-pool-<17 hex>`. */
      readonly ipamPoolId: string;
      /** The pool's locale (its region). */
      readonly region: string;
    }
  | {
      /** `ipv4pool-ec2-<17 hex>`. */
      readonly publicIpv4Pool: string;
      /** The pool's region. */
      readonly region: string;
    };

/** A zone's static IP when it is not a new address from the environment's pool. Exactly one field. */
export type ZoneStaticIpConfig =
  | {
      /** An existing Elastic IP, `eipalloc-<8 or 17 hex>`. */
      readonly allocationId: string;
      /**
       * `true` hands the address to the stack with a Terraform import: owned and protected from then on.
       * @default false: attached by id, never owned, so no destroy can release it
       */
      readonly adopt?: boolean;
    }
  /** An existing Elastic IP found by its public address (a data source: plans need AWS access). */
  | { readonly publicIp: string }
  /** An existing Elastic IP found by its tags, which must match exactly one (a data source). */
  | { readonly tags: Readonly<Record<string, string>> }
  /** A new Elastic IP from this pool instead of the environment's. */
  | { readonly pool: StaticIpPoolConfig };

/** One Availability Zone of the NLB: its public subnet and its static IP. */
export interface ZoneConfig {
  /**
   * The Availability Zone, e.g. `eu-west-1a`. The static IP is keyed by it, so the subnet serving the zone can
   * change and the address stays.
   */
  readonly availabilityZone: string;
  /** The NLB's public subnet in this zone, `subnet-<8 or 17 hex>`. */
  readonly subnetId: string;
  /** @default a new Elastic IP from `staticIps.pool` (Amazon's pool when unset), owned and protected */
  readonly staticIp?: ZoneStaticIpConfig;
}

export interface StaticIpsConfig {
  /**
   * `prevent_destroy` on every Elastic IP the stack owns, deletion protection on the NLB and on the accelerator.
   * Turn it off only for throwaway environments. @default true
   */
  readonly protect?: boolean;
  /** Pool of every new Elastic IP. @default Amazon's pool */
  readonly pool?: StaticIpPoolConfig;
  /**
   * Availability Zones of the region, taken out of `zones`, whose owned Elastic IP the next apply may release
   * (the plan shows it destroyed). Any other removed zone's address is forgotten: Terraform drops it from its state
   * and it stays allocated in the account, whatever `protect` says. Remove the entry once applied.
   * @default [] (no address is ever released by removing its zone)
   */
  readonly release?: readonly string[];
}

/**
 * An existing ALB the routes forward to. Give its DNS name, its ARN or its name: a literal or a Terraform token
 * from your own code. A name, or an ARN without a DNS name where a route needs one, is looked up with a data
 * source (plans then need AWS access); literal values are validated at synth, tokens at plan time.
 */
export interface AlbConfig {
  /** `internal-<name>-<id>.<region>.elb.amazonaws.com`: what `ip-sync` routes resolve. */
  readonly dnsName?: string;
  /** `arn:aws:elasticloadbalancing:<region>:<account>:loadbalancer/app/<name>/<id>`: what `alb-target` routes and the accelerator need. */
  readonly arn?: string;
  /** The ALB's name, looked up in the environment's region. Not together with `arn`. */
  readonly name?: string;
  /**
   * The ALB's security group. When set, the NLB's egress to this ALB goes to it only, and it admits the NLB's
   * security group on each route's ALB port. @default none: egress to the private ranges (or `outsideVpc.cidrs`)
   */
  readonly securityGroupId?: string;
  /**
   * Who writes the rules the ALB's security group needs (the NLB's security group on each route's ALB port, and
   * `ingressCidrs` for the accelerator's clients): `managed`, this stack, one rule each; `output`, nobody here:
   * the stack leaves the group alone and its output `alb_security_group_ingress` lists what the group must admit,
   * for the codebase that owns the group (two owners of one group's rules would undo each other).
   * Needs `securityGroupId`. @default 'managed'
   */
  readonly securityGroupRules?: AlbSecurityGroupRules;
  /**
   * The ALB is outside the environment's VPC (another VPC or account, reached over peering or a transit
   * gateway). Only `ip-sync` routes can reach it: targets are registered with Availability Zone `all`.
   * @default the ALB is in `vpcId`
   */
  readonly outsideVpc?: {
    /** CIDRs of the ALB's subnets: the NLB's egress goes there. */
    readonly cidrs: readonly string[];
  };
}

/** Who writes the rules of an ALB's security group: this stack, or the group's owner from this stack's output. */
export type AlbSecurityGroupRules = 'managed' | 'output';

/** How a route reaches its ALB. */
export type RouteMode = 'ip-sync' | 'alb-target';

/** Health check of an `alb-target` route's target group, forwarded through the ALB to its targets. */
export interface AlbTargetHealthCheckConfig {
  /**
   * The protocol of the ALB's listener on the checked port (the check speaks it). Required unless that port is 80
   * or 443. @default HTTP on port 80, HTTPS on 443: state it when your listener there differs
   */
  readonly protocol?: 'HTTP' | 'HTTPS';
  /** @default / */
  readonly path?: string;
  /** @default the ALB port */
  readonly port?: number;
  /** HTTP codes that mean healthy. @default 200-399 (an ALB that answers 200 or a redirect) */
  readonly matcher?: string;
}

/** One listener port of the static IPs, forwarded to one ALB. */
export interface RouteConfig {
  /** The NLB (and accelerator) listener port. Unique in the environment. */
  readonly listenerPort: number;
  /** Key of the ALB in `albs`. @default the environment's only ALB */
  readonly alb?: string;
  /** The ALB listener port. @default listenerPort */
  readonly albPort?: number;
  /** @default 'ip-sync' */
  readonly mode?: RouteMode;
  /** When the route or its standby is `alb-target`. @default see AlbTargetHealthCheckConfig */
  readonly healthCheck?: AlbTargetHealthCheckConfig;
  /**
   * When the route or its standby is `alb-target`: the ALB listener on `albPort` (its ARN, or a token from your code). The ALB must have
   * that listener before the target group attachment is made; naming it makes the attachment wait for it.
   * @default none
   */
  readonly albListenerArn?: string;
  /**
   * Step one of switching the route's mode without a gap: the target group of `mode` (and, for `ip-sync`, its
   * sync function) is built beside the serving one and put behind `listenerPort` on the NLB, so its targets
   * are health-checked and registered before the route moves. Step two sets the route's `mode` to this one and
   * removes `standby`. @default none
   */
  readonly standby?: {
    readonly mode: RouteMode;
    /** A free NLB listener port for the standby target group. It gets no ingress rule. */
    readonly listenerPort: number;
  };
  /**
   * `ip-sync` only: how the sync function learns the ALB's nodes. `interfaces` lists the ALB's network interfaces
   * (exact: every node is an interface described `ELB app/<name>/<id>`), `dns` samples its DNS name, `both` lists
   * the interfaces, samples DNS and reports where they differ. `interfaces` and `both` need the ALB's ARN (`arn`,
   * `name`, or a token) and the ALB in the stack's account, or `discoveryRoleArn`.
   * @default `interfaces` when the ALB's ARN is known and the ALB is in the stack's account (a literal ARN's
   * account is compared with the stack's when the target group exists), else `dns`
   */
  readonly discovery?: 'interfaces' | 'dns' | 'both';
  /**
   * `ip-sync` only: a role in the ALB's account (`arn:aws:iam::<account>:role/<name>`) the function assumes to
   * list the ALB's interfaces. It must trust the function's role and allow `ec2:DescribeNetworkInterfaces`.
   * @default none: the interfaces are listed in the stack's own account
   */
  readonly discoveryRoleArn?: string;
  /**
   * `ip-sync` only: run the sync seconds after Elastic Load Balancing creates or deletes a network interface
   * (CloudTrail's API call events through EventBridge), beside the one-minute schedule. Needs interface discovery
   * in the stack's account and a CloudTrail trail logging management events there.
   * @default false: the stack cannot see whether a trail exists, and every ELB interface deletion in the region runs the function
   */
  readonly events?: boolean;
  /**
   * `ip-sync` only: the NLB keeps the client's IPv4 address as the source of the connection to the ALB node
   * (`preserve_client_ip`), so the ALB, its security group and its `X-Forwarded-For` see the client. Needs the ALB
   * in the NLB's VPC (not `outsideVpc`).
   * @default false: the ALB sees the NLB's private address
   */
  readonly preserveClientIp?: boolean;
}

/** A Global Accelerator in front of the routes' ALBs: two static anycast IPv4 addresses (four with dual stack). */
export interface GlobalAcceleratorConfig {
  /** @default IPV4 */
  readonly ipAddressType?: 'IPV4' | 'DUAL_STACK';
  /** Up to two BYOIP addresses from your own pools. @default two of Amazon's */
  readonly ipAddresses?: readonly string[];
}

/** The NLB front door's own settings (`frontDoors.nlb: { ... }` means the NLB is on). */
export interface NlbConfig {
  /**
   * `dualstack` adds an IPv6 address per zone (AWS assigns it from the zone's subnet, which must have an IPv6
   * CIDR, a route for IPv6 and network ACLs that admit it). Changing it updates the NLB in place.
   * @default ipv4
   */
  readonly ipAddressType?: 'ipv4' | 'dualstack';
}

/** The entry points that carry the static addresses. */
export interface FrontDoorsConfig {
  /** The internet-facing NLB with one Elastic IP per zone: `false`, `true` or its settings. @default true */
  readonly nlb?: boolean | NlbConfig;
  /** A Global Accelerator forwarding each route's port to its ALB, beside or instead of the NLB. @default none */
  readonly globalAccelerator?: GlobalAcceleratorConfig;
}

/** IAM settings of every role the stack creates (the sync functions' roles). */
export interface IamConfig {
  /** A managed policy every role gets as its permissions boundary, `arn:aws:iam::<account or aws>:policy/<path><name>`. @default none */
  readonly permissionsBoundaryArn?: string;
  /** IAM path of every role, `/` or `/<segments>/`. @default / */
  readonly path?: string;
  /**
   * Adds `aws:SourceAccount` (the deploying account, from a data source: plans then need AWS access) to each role's
   * trust policy, so that Lambda assumes it only for functions of this account. @default false
   */
  readonly trustSourceAccount?: boolean;
}

/** The sync functions inside the VPC, and how they reach the AWS APIs they call. */
export interface SyncFunctionVpcConfig {
  /** Private subnets of the functions, `subnet-<8 or 17 hex>`, in `vpcId`. */
  readonly subnetIds: readonly string[];
  /**
   * Security groups of the functions, `sg-<8 or 17 hex>`: yours, whose egress must reach the endpoints on 443.
   * @default one the stack creates, with egress 443 to the created endpoints only
   */
  readonly securityGroupIds?: readonly string[];
  /**
   * `create`: the stack creates the endpoints the functions need (S3 gateway on `routeTableIds`, interface
   * endpoints for Elastic Load Balancing and EC2, private DNS on). `existing`: the VPC has
   * them already (private DNS on); then `securityGroupIds` is required. @default create
   */
  readonly endpoints?: 'create' | 'existing';
  /** Route tables of `subnetIds`, `rtb-<8 or 17 hex>`, for the S3 gateway endpoint. Required with `endpoints: create`. */
  readonly routeTableIds?: readonly string[];
}

/** Settings of the sync functions themselves. */
export interface SyncFunctionConfig {
  /** Run the functions in the VPC. @default outside any VPC (AWS's public endpoints) */
  readonly vpc?: SyncFunctionVpcConfig;
  /** Days the functions' logs are kept: one of CloudWatch Logs' retention values. @default 30 */
  readonly logRetentionDays?: number;
}

export interface EnvironmentConfig {
  /** Stack name and prefix of every resource name, e.g. `prod`. Lowercase letters, digits and dashes. */
  readonly name: string;
  /** AWS region, e.g. `eu-west-1`. */
  readonly region: string;
  /** VPC of the NLB and of the ALBs that are not `outsideVpc`, `vpc-...`. */
  readonly vpcId: string;
  /** One entry per Availability Zone of the NLB. Required unless `frontDoors.nlb` is false. */
  readonly zones?: readonly ZoneConfig[];
  /** Protection and pool of the static IPs. @default protected, Amazon's pool */
  readonly staticIps?: StaticIpsConfig;
  /** The ALBs behind the static IPs, by a key the routes use, e.g. `{ app: { dnsName: '...' } }`. */
  readonly albs: Readonly<Record<string, AlbConfig>>;
  /** @default ports 80 and 443 to the only ALB, in `ip-sync` mode (synth warns) */
  readonly routes?: readonly RouteConfig[];
  /** @default { nlb: true } */
  readonly frontDoors?: FrontDoorsConfig;
  /**
   * CIDRs allowed to reach the static IPs: the NLB's security group admits them; with an accelerator, the
   * security group of each route's ALB admits them on the route's ALB port (the accelerator keeps the client's
   * address), which needs the ALB's `securityGroupId`. @default ['0.0.0.0/0'] (synth warns)
   */
  readonly ingressCidrs?: readonly string[];
  /** Tags on every resource. @default {} */
  readonly tags?: Readonly<Record<string, string>>;
  readonly sync?: SyncTuning;
  /** SNS topic notified by the alarms. @default none */
  readonly alarmTopicArn?: string;
  /** Lambda runtime of the sync functions. @default nodejs22.x */
  readonly lambdaRuntime?: string;
  /** @default { type: 'local' } */
  readonly backend?: BackendConfig;
  /** Permissions boundary, path and trust condition of every role the stack creates. @default none */
  readonly iam?: IamConfig;
  /** Network and logs of the sync functions. @default outside any VPC, logs kept 30 days */
  readonly syncFunction?: SyncFunctionConfig;
  /**
   * A customer managed KMS key, `arn:aws:kms:<region>:<account>:key/<id>`, encrypting the sync state bucket (SSE-KMS,
   * bucket key on) and the functions' log groups. Its key policy must let CloudWatch Logs use it (see the README).
   * @default AWS managed encryption (SSE-S3, CloudWatch Logs' own)
   */
  readonly kmsKeyArn?: string;
}
