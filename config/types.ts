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
}

/** A Global Accelerator in front of the routes' ALBs: two static anycast IPv4 addresses (four with dual stack). */
export interface GlobalAcceleratorConfig {
  /** @default IPV4 */
  readonly ipAddressType?: 'IPV4' | 'DUAL_STACK';
  /** Up to two BYOIP addresses from your own pools. @default two of Amazon's */
  readonly ipAddresses?: readonly string[];
}

/** The entry points that carry the static addresses. */
export interface FrontDoorsConfig {
  /** The internet-facing NLB with one Elastic IP per zone. @default true */
  readonly nlb?: boolean;
  /** A Global Accelerator forwarding each route's port to its ALB, beside or instead of the NLB. @default none */
  readonly globalAccelerator?: GlobalAcceleratorConfig;
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
}
