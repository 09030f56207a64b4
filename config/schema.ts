import { z } from 'zod';
import { DISCOVERY_SOURCES } from '../lambda/environment';
import { SETTING_DEFAULTS, SETTING_LIMITS } from '../lambda/settings';
import { LOG_RETENTION_DAYS } from '../modes/ip-sync/alb-ip-sync';
import { ALB_HEALTH_CHECK_PROTOCOLS } from '../modes/alb-target/alb-type-target-group';
import { NLB_IP_ADDRESS_TYPES } from '../modules/static-ip-nlb';
import { AWS_FORMATS } from '../shared/aws-formats';
import { backendSchema } from './backend';
import { ENVIRONMENT_DEFAULTS, SYNC_TUNING_DEFAULTS } from './defaults';
import { WHEN_WELL_FORMED, awsId, choice, cidr, doc, flag, list, literal, port, positiveInteger, publicIpv4, tagMap, text } from './fields';

/**
 * The configuration of one environment, each field declared once: its type, its default, its rule and its
 * documentation (docs/configuration.md is generated from these). Rules that relate fields to each other (a zone in
 * the environment's region, what a route's mode needs) are the resolution's (config/validate.ts) and the modes'
 * (modes/<mode>/rules.ts). main.ts turns each environment into one TerraformStack named after it.
 */

/** `<name>-alb-<port>`, the longest name derived from an environment's, must fit AWS's 32-character load balancer names. */
export const ENVIRONMENT_NAME_MAX_LENGTH = 22;

/** Load balancer names cannot start with `internal`, security group names not with `sg-`. */
const RESERVED_NAME_PREFIXES = ['internal', 'sg-'] as const;

/** The oldest Node.js major the bundle targets (esbuild `node20`). */
const OLDEST_NODE_MAJOR = 20;

export const ROUTE_MODES = ['ip-sync', 'alb-target'] as const;
export const ALB_SECURITY_GROUP_RULES = ['managed', 'output'] as const;
export const VPC_ENDPOINT_CHOICES = ['create', 'existing'] as const;
export const ACCELERATOR_IP_ADDRESS_TYPES = ['IPV4', 'DUAL_STACK'] as const;

/** The sync function's own limits: a value it would refuse must fail synth, not every run. */
export const TUNING_LIMITS = {
  maxLookupsPerInvocation: SETTING_LIMITS.MAX_LOOKUP_PER_INVOCATION.max,
  invocationsBeforeDeregistration: SETTING_LIMITS.INVOCATIONS_BEFORE_DEREGISTRATION.max,
  maxDeregistrationPercent: SETTING_LIMITS.MAX_DEREGISTRATION_PERCENT.max,
} as const;

const NAME_DESCRIPTION =
  `a stack name (lowercase letters, digits ` + `and dashes, starting with a letter, at most ${ENVIRONMENT_NAME_MAX_LENGTH} characters)`;

const environmentName = z
  .string({
    error: (issue) =>
      issue.input === undefined ? `is required: ${NAME_DESCRIPTION}` : `${JSON.stringify(issue.input)} is not ${NAME_DESCRIPTION}`,
  })
  .regex(new RegExp(`^[a-z]([a-z0-9-]{0,${ENVIRONMENT_NAME_MAX_LENGTH - 2}}[a-z0-9])?$`), {
    error: (issue) => `${JSON.stringify(issue.input)} is not ${NAME_DESCRIPTION}`,
    abort: true,
  })
  .superRefine((name, context) => {
    const reserved = RESERVED_NAME_PREFIXES.find((prefix) => name.startsWith(prefix));
    if (reserved)
      context.addIssue({
        code: 'custom',
        input: name,
        message: `${JSON.stringify(name)} must not start with "${reserved}" (reserved by AWS)`,
      });
  });

// ---- static IPs

/** Exactly one of `keys` set in an object: the shape of the configuration's "one of" choices. */
type OneOf<T, K extends keyof T> = { [P in K]-?: Required<Pick<T, P>> & Omit<T, K> }[K];

const poolFields = z
  .strictObject(
    {
      ipamPoolId: doc(awsId('ipamPoolId'), 'An IPAM pool: an Amazon-provided contiguous /30 or /29 block, or BYOIP.').optional(),
      publicIpv4Pool: doc(awsId('publicIpv4Pool'), 'A BYOIP public IPv4 pool.').optional(),
      region: doc(
        awsId('region', "the pool's region (its IPAM locale), which must be the environment's"),
        "The pool's region: Elastic IPs are regional, so it must be the environment's.",
      ),
    },
    { error: 'must be { ipamPoolId, region } or { publicIpv4Pool, region }' },
  )
  .superRefine((pool, context) => {
    if ((pool.ipamPoolId === undefined) === (pool.publicIpv4Pool === undefined)) {
      context.addIssue({ code: 'custom', input: pool, message: 'must have exactly one of ipamPoolId or publicIpv4Pool' });
    }
  }, WHEN_WELL_FORMED);
type PoolInput = OneOf<z.input<typeof poolFields>, 'ipamPoolId' | 'publicIpv4Pool'>;
/** A pool new Elastic IPs are allocated from (so that partners can allowlist one prefix): an IPAM pool or a BYOIP pool. */
const pool = poolFields as unknown as z.ZodType<PoolInput, PoolInput>;

const STATIC_IP_SOURCES = ['allocationId', 'publicIp', 'tags', 'pool'] as const;

const staticIpFields = z
  .strictObject(
    {
      allocationId: doc(awsId('allocationId'), 'An existing Elastic IP.').optional(),
      adopt: doc(
        flag(),
        'With `allocationId`: `true` hands the address to the stack with a Terraform import, owned and protected from then on.',
        'false: attached by id, never owned, so no destroy can release it',
      ).optional(),
      publicIp: doc(publicIpv4(), 'An existing Elastic IP found by its public address (a data source: plans need AWS access).').optional(),
      tags: doc(
        tagMap().refine((tags) => Object.keys(tags).length > 0, { error: 'must name at least one tag' }),
        'An existing Elastic IP found by its tags, which must match exactly one (a data source).',
      ).optional(),
      pool: doc(pool, "A new Elastic IP from this pool instead of the environment's.").optional(),
    },
    { error: 'must be an object { allocationId | publicIp | tags | pool }' },
  )
  .superRefine((staticIp, context) => {
    const sources = STATIC_IP_SOURCES.filter((field) => staticIp[field] !== undefined);
    if (sources.length !== 1) {
      const existing = sources.filter((source) => source !== 'pool');
      const message =
        sources.includes('pool') && sources.length > 1
          ? `names an existing address (${existing.join(', ')}) and a pool: give one`
          : `must have exactly one of allocationId, publicIp, tags or pool (found ${sources.join(', ') || 'none'})`;
      return context.addIssue({ code: 'custom', input: staticIp, message });
    }
    if (staticIp.adopt !== undefined && sources[0] !== 'allocationId') {
      context.addIssue({ code: 'custom', path: ['adopt'], input: staticIp.adopt, message: 'needs allocationId' });
    }
  }, WHEN_WELL_FORMED);
type StaticIpFields = z.input<typeof staticIpFields>;
type StaticIpInput =
  | (Required<Pick<StaticIpFields, 'allocationId'>> & Pick<StaticIpFields, 'adopt'>)
  | OneOf<Omit<StaticIpFields, 'adopt' | 'allocationId'>, 'publicIp' | 'tags' | 'pool'>;
const staticIp = staticIpFields as unknown as z.ZodType<StaticIpInput, StaticIpInput>;

const zone = z.strictObject(
  {
    availabilityZone: doc(
      awsId('availabilityZone', 'the static IP is kept per Availability Zone (e.g. eu-west-1a)'),
      'The Availability Zone, e.g. `eu-west-1a`. The static IP is keyed by ' +
        'it, so the subnet serving the zone can change and the address stays.',
    ),
    subnetId: doc(awsId('subnetId'), "The NLB's public subnet in this zone."),
    staticIp: doc(
      staticIp,
      "The zone's static IP when it is not a new address from the environment's " +
        'pool: exactly one of `allocationId`, `publicIp`, `tags` or `pool`.',
      "a new Elastic IP from `staticIps.pool` (Amazon's pool when unset), owned and protected",
    ).optional(),
  },
  { error: 'must be an object { availabilityZone, subnetId }' },
);

const staticIps = z.strictObject({
  protect: doc(
    flag(),
    '`prevent_destroy` on every Elastic IP the stack owns, deletion protection on the NLB and on the accelerator. Turn it off ' +
      'only for throwaway environments.',
  ).default(ENVIRONMENT_DEFAULTS.protect),
  pool: doc(pool, 'Pool of every new Elastic IP.', "Amazon's pool").optional(),
  release: doc(
    list(awsId('availabilityZone')),
    'Availability Zones of the region, taken out of `zones`, whose owned Elastic IP the next apply may release (the plan shows it ' +
      "destroyed). Any other removed zone's address is forgotten: Terraform drops it from its state and it stays allocated in the " +
      'account, whatever `protect` says. A configured zone or a zone of another region is refused. Remove the entry once applied.',
    '[] (no address is ever released by removing its zone)',
  ).optional(),
});

// ---- ALBs

const ALB_KEY = /^[a-z][a-z0-9-]{0,19}$/;

const alb = z
  .strictObject(
    {
      dnsName: doc(
        awsId('internalAlbDnsName'),
        "The ALB's DNS name: what `ip-sync` routes resolve. Internet-facing ALBs are refused: their nodes have public IPs, which " +
          'cannot be IP targets.',
      ).optional(),
      arn: doc(awsId('albArn'), "The ALB's ARN: what `alb-target` routes and the accelerator need.").optional(),
      name: doc(
        awsId('albName'),
        "The ALB's name, looked up in the environment's region (plans then need AWS access). Not together with `arn`.",
      ).optional(),
      securityGroupId: doc(
        awsId('securityGroupId'),
        "The ALB's security group. When set, the NLB's egress to this ALB goes to it only, and it admits the NLB's security group " +
          "on each route's ALB port. Without it the NLB's egress goes to the private ranges IP targets must be in and the ALB's " +
          'owner admits the NLB (output `nlb_security_group_id`).',
        'none: egress to the private ranges (or `outsideVpc.cidrs`)',
      ).optional(),
      securityGroupRules: doc(
        choice(ALB_SECURITY_GROUP_RULES),
        "Who writes the rules the ALB's security group needs: `managed`, this stack, one rule each; `output`, nobody here: the " +
          'stack leaves the group alone and its output `alb_security_group_ingress` lists what the group must admit, for the ' +
          "codebase that owns the group (two owners of one group's rules would undo each other). Needs `securityGroupId`.",
      ).default(ENVIRONMENT_DEFAULTS.securityGroupRules),
      outsideVpc: doc(
        z.strictObject(
          { cidrs: doc(list(cidr(false)), "CIDRs of the ALB's subnets: the NLB's egress goes there.") },
          { error: 'must be an object { cidrs }' },
        ),
        "The ALB is outside the environment's VPC (another VPC or account, reached over peering or a transit gateway). Only " +
          '`ip-sync` routes can reach it: targets are registered with Availability Zone `all`.',
        'the ALB is in `vpcId`',
      ).optional(),
    },
    { error: 'must be an object { dnsName | arn | name, securityGroupId? }' },
  )
  .superRefine((alb, context) => {
    if (alb.dnsName === undefined && alb.arn === undefined && alb.name === undefined) {
      context.addIssue({ code: 'custom', input: alb, message: 'needs dnsName, arn or name' });
    }
    if (alb.arn !== undefined && alb.name !== undefined)
      context.addIssue({ code: 'custom', input: alb, message: 'is given both by name and by arn: give one' });
  }, WHEN_WELL_FORMED);

const ALBS_EXAMPLE = 'e.g. { app: { dnsName: "internal-app-123.<region>.elb.amazonaws.com" } }';
const albs = z.record(z.string(), alb, { error: `must name at least one ALB, ${ALBS_EXAMPLE}` }).superRefine((albs, context) => {
  if (Object.keys(albs).length === 0)
    context.addIssue({ code: 'custom', input: albs, message: `must name at least one ALB, ${ALBS_EXAMPLE}` });
  for (const key of Object.keys(albs).filter((key) => !ALB_KEY.test(key))) {
    context.addIssue({
      code: 'custom',
      path: [key],
      input: key,
      message: ': the key must be 1-20 lowercase letters, digits and dashes, starting with a letter',
    });
  }
}, WHEN_WELL_FORMED);

// ---- routes

const healthCheck = z.strictObject(
  {
    protocol: doc(
      choice(ALB_HEALTH_CHECK_PROTOCOLS),
      "The protocol of the ALB's listener on the checked port (the check speaks it). Required unless that port is 80 or 443.",
      'HTTP on port 80, HTTPS on 443: state it when your listener there differs',
    ).optional(),
    path: doc(
      z.string({ error: (issue) => `${JSON.stringify(issue.input)} is not a path` }),
      'Path requested through the ALB: `/` then up to 1023 printable characters.',
      '/',
    ).optional(),
    port: doc(port(), 'ALB listener port the check goes to.', 'the ALB port').optional(),
    matcher: doc(
      z.string({ error: (issue) => `${JSON.stringify(issue.input)} is not a list of HTTP codes` }),
      'HTTP codes that mean healthy, within 200-599: `200`, `200,301` or `200-399`.',
      '200-399 (an ALB that answers 200 or a redirect)',
    ).optional(),
  },
  { error: 'must be an object { protocol?, path?, port?, matcher? }' },
);

const standby = z.strictObject(
  {
    mode: doc(choice(ROUTE_MODES), 'The mode being switched to.'),
    listenerPort: doc(port(), 'A free NLB listener port for the standby target group. It gets no ingress rule.'),
  },
  { error: 'must be an object { mode, listenerPort }' },
);

export const routeSchema = z.strictObject(
  {
    listenerPort: doc(port(), 'The NLB (and accelerator) listener port. Unique in the environment.'),
    alb: doc(
      z.string({ error: (issue) => `${JSON.stringify(issue.input)} is not a key of albs` }),
      'Key of the ALB in `albs`.',
      "the environment's only ALB",
    ).optional(),
    albPort: doc(port(), 'The ALB listener port.', 'listenerPort').optional(),
    mode: doc(
      choice(ROUTE_MODES),
      "How the route reaches its ALB: `ip-sync` (a sync function keeps an IP target group equal to the ALB's nodes) or " +
        '`alb-target` (an ALB-type target group).',
    ).default(ENVIRONMENT_DEFAULTS.mode),
    healthCheck: doc(
      healthCheck,
      "`alb-target` (the route's or its standby's): the health check of " +
        'the ALB-type target group, forwarded through the ALB to its targets.',
      'HTTP on 80, HTTPS on 443, path /, codes 200-399',
    ).optional(),
    albListenerArn: doc(
      awsId('albListenerArn'),
      "`alb-target` (the route's or its standby's): the ALB listener on `albPort` (its ARN, or a token from your code). The ALB " +
        'must have that listener before the target group attachment is made; naming it makes the attachment wait for it.',
      'none',
    ).optional(),
    standby: doc(
      standby,
      "Step one of switching the route's mode without a gap: the target group of `mode` (and, for `ip-sync`, its sync function) " +
        'is built beside the serving one and put behind `listenerPort` on the NLB, so its targets are health-checked and registered ' +
        "before the route moves. Step two sets the route's `mode` to this one and removes `standby`.",
      'none',
    ).optional(),
    discovery: doc(
      choice(DISCOVERY_SOURCES),
      "`ip-sync` only: how the sync function learns the ALB's nodes. `interfaces` lists the ALB's network interfaces (exact), " +
        '`dns` samples its DNS name, `both` lists the interfaces, samples DNS and reports where they differ. `interfaces` and `both` ' +
        "need the ALB's ARN (`arn`, `name`, or a token) and the ALB in the stack's account, or `discoveryRoleArn`.",
      "`interfaces` when the ALB's ARN is known and the ALB is in the stack's account, else `dns`",
    ).optional(),
    discoveryRoleArn: doc(
      awsId('iamRoleArn'),
      "`ip-sync` only: a role in the ALB's account the function assumes to list the ALB's interfaces. It must trust the " +
        "function's role and allow `ec2:DescribeNetworkInterfaces`. Refused with `dns`, and in another account than a literal `arn`'s.",
      "none: the interfaces are listed in the stack's own account",
    ).optional(),
    events: doc(
      flag(),
      '`ip-sync` only: run the sync seconds after Elastic Load Balancing creates or deletes a network interface (CloudTrail ' +
        "events through EventBridge), beside the one-minute schedule. Needs interface discovery in the stack's account and a " +
        'CloudTrail trail logging management events there.',
      'false: the stack cannot see whether a trail exists, and every ELB interface deletion in the region runs the function',
    ).default(false),
    preserveClientIp: doc(
      flag(),
      "`ip-sync` only: the NLB keeps the client's IPv4 address as the source of the connection to the ALB node " +
        "(`preserve_client_ip`), so the ALB, its security group and its `X-Forwarded-For` see the client. Needs the ALB in the NLB's VPC.",
      "false: the ALB sees the NLB's private address",
    ).default(false),
  },
  { error: 'must be an object { listenerPort, alb?, albPort?, mode? }' },
);

// ---- front doors

const nlbSettings = z.strictObject({
  ipAddressType: doc(
    choice(NLB_IP_ADDRESS_TYPES),
    "`dualstack` adds an IPv6 address per zone (AWS assigns it from the zone's subnet, which must have an IPv6 CIDR, a route for " +
      'IPv6 and network ACLs that admit it). Changing it updates the NLB in place.',
  ).default(ENVIRONMENT_DEFAULTS.nlbIpAddressType),
});

const globalAccelerator = z.strictObject(
  {
    ipAddressType: doc(choice(ACCELERATOR_IP_ADDRESS_TYPES), 'Two static anycast IPv4 addresses, or four with dual stack.').default(
      ENVIRONMENT_DEFAULTS.acceleratorIpAddressType,
    ),
    ipAddresses: doc(
      list(publicIpv4()).max(2, { error: 'lists more than two addresses' }),
      'Up to two BYOIP addresses from your own pools.',
      "two of Amazon's",
    ).optional(),
  },
  { error: 'must be an object { ipAddressType?, ipAddresses? }' },
);

const frontDoors = z.strictObject({
  nlb: doc(
    z.union([flag(), nlbSettings], { error: (issue) => `${JSON.stringify(issue.input)} must be true, false or { ipAddressType }` }),
    'The internet-facing NLB with one Elastic IP per zone: `true`, its ' +
      'settings, or `false` for an accelerator only (then no `zones`, no modes).',
  ).default(ENVIRONMENT_DEFAULTS.nlb),
  globalAccelerator: doc(
    globalAccelerator,
    "A Global Accelerator forwarding each route's port to its ALB, beside or instead of the NLB.",
    'none',
  ).optional(),
});

// ---- the sync functions

export const syncTuningSchema = z.strictObject({
  maxLookupsPerInvocation: doc(
    positiveInteger(TUNING_LIMITS.maxLookupsPerInvocation),
    'Cap on DNS queries per run, retries included: 1-1000.',
  ).default(SYNC_TUNING_DEFAULTS.maxLookupsPerInvocation),
  invocationsBeforeDeregistration: doc(
    positiveInteger(TUNING_LIMITS.invocationsBeforeDeregistration),
    'Clean runs an IP must be missing before deregistration: 1-1000. Set, it applies to every route.',
    `${SETTING_DEFAULTS.INVOCATIONS_BEFORE_DEREGISTRATION} with DNS discovery, ` +
      `${SETTING_DEFAULTS.INTERFACE_INVOCATIONS_BEFORE_DEREGISTRATION} with interfaces`,
  ).optional(),
  maxDeregistrationPercent: doc(
    positiveInteger(TUNING_LIMITS.maxDeregistrationPercent),
    'Most of the registered targets one run may deregister, in percent: 1-100.',
  ).default(SYNC_TUNING_DEFAULTS.maxDeregistrationPercent),
});

const iam = z.strictObject(
  {
    permissionsBoundaryArn: doc(
      awsId('permissionsBoundaryArn'),
      'A managed policy every role gets as its permissions boundary.',
      'none',
    ).optional(),
    path: doc(awsId('iamPath'), 'IAM path of every role, `/` or `/<segments>/`.', '/').optional(),
    trustSourceAccount: doc(
      flag(),
      "Adds `aws:SourceAccount` (the deploying account, from a data source: plans then need AWS access) to each role's trust " +
        'policy, so that Lambda assumes it only for functions of this account.',
    ).default(ENVIRONMENT_DEFAULTS.trustSourceAccount),
  },
  { error: 'must be an object { permissionsBoundaryArn?, path?, trustSourceAccount? }' },
);

const syncFunctionVpc = z
  .strictObject(
    {
      subnetIds: doc(list(awsId('subnetId'), 'the private subnets the functions run in'), 'Private subnets of the functions, in `vpcId`.'),
      securityGroupIds: doc(
        list(awsId('securityGroupId')),
        'Security groups of the functions: yours, whose egress must reach the endpoints on 443.',
        'one the stack creates, with egress 443 to the created endpoints only',
      ).optional(),
      endpoints: doc(
        choice(VPC_ENDPOINT_CHOICES),
        '`create`: the stack creates the endpoints the functions need (S3 gateway on `routeTableIds`, interface endpoints for ' +
          'Elastic Load Balancing and EC2, private DNS on). `existing`: the VPC has them already (private DNS on); then ' +
          '`securityGroupIds` is required.',
      ).default(ENVIRONMENT_DEFAULTS.vpcEndpoints),
      routeTableIds: doc(
        list(awsId('routeTableId')),
        'Route tables of `subnetIds`, for the S3 gateway endpoint. Required with `endpoints: create`.',
      ).optional(),
    },
    { error: 'must be an object { subnetIds, securityGroupIds?, endpoints?, routeTableIds? }' },
  )
  .superRefine((vpc, context) => {
    const problem = (path: string, message: string) => context.addIssue({ code: 'custom', path: [path], input: vpc, message });
    if (vpc.endpoints === 'create' && vpc.routeTableIds === undefined) {
      problem('routeTableIds', `is required with endpoints "create": the S3 gateway endpoint is added to the subnets' route tables`);
    }
    if (vpc.endpoints === 'existing' && vpc.routeTableIds !== undefined) {
      problem('routeTableIds', 'has no effect with endpoints "existing" (the stack creates no S3 endpoint); remove it');
    }
    if (vpc.endpoints === 'existing' && vpc.securityGroupIds === undefined) {
      problem(
        'securityGroupIds',
        'is required with endpoints "existing": the stack cannot know the existing endpoints\' security group, so the functions ' +
          'use yours, whose egress must reach them on 443',
      );
    }
  }, WHEN_WELL_FORMED);

const syncFunction = z.strictObject(
  {
    vpc: doc(syncFunctionVpc, 'Run the functions in the VPC.', "outside any VPC (AWS's public endpoints)").optional(),
    logRetentionDays: doc(
      z
        .number({
          error: (issue) => `${JSON.stringify(issue.input)} is not a CloudWatch Logs retention (${LOG_RETENTION_DAYS.join(', ')})`,
        })
        .refine((days) => LOG_RETENTION_DAYS.includes(days), {
          error: (issue) => `${JSON.stringify(issue.input)} is not a CloudWatch Logs retention (${LOG_RETENTION_DAYS.join(', ')})`,
        }),
      `Days the functions' logs are kept: one of CloudWatch Logs' retention values (${LOG_RETENTION_DAYS.join(', ')}).`,
    ).default(ENVIRONMENT_DEFAULTS.logRetentionDays),
  },
  { error: 'must be an object { vpc?, logRetentionDays? }' },
);

const kmsKeyArn = z
  .string({ error: (issue) => `${JSON.stringify(issue.input)} is not ${AWS_FORMATS.kmsKeyArn.description}` })
  .superRefine((arn, context) => {
    if (!literal(arn) || AWS_FORMATS.kmsKeyArn.pattern.test(arn)) return;
    const alias = AWS_FORMATS.kmsAliasArn.pattern.test(arn);
    const message = alias
      ? `${JSON.stringify(arn)} is an alias: give the key's own ARN (CloudWatch Logs accepts only a key ARN)`
      : `${JSON.stringify(arn)} is not ${AWS_FORMATS.kmsKeyArn.description}`;
    context.addIssue({ code: 'custom', input: arn, message });
  });

const lambdaRuntime = text(
  `a Node.js runtime (nodejs<major>.x, ${OLDEST_NODE_MAJOR} or later)`,
  (runtime) => Number(AWS_FORMATS.nodejsRuntime.pattern.exec(runtime)?.groups?.major ?? 0) >= OLDEST_NODE_MAJOR,
);

// ---- the environment

export const environmentSchema = z.strictObject(
  {
    name: doc(
      environmentName,
      'Stack name and prefix of every resource name, e.g. `prod`. Unique across environments; not starting with `internal` or `sg-`.',
    ),
    region: doc(awsId('region'), 'AWS region, e.g. `eu-west-1`.'),
    vpcId: doc(awsId('vpcId'), 'VPC of the NLB and of the ALBs that are not `outsideVpc`.'),
    zones: doc(
      list(zone),
      'One entry per Availability Zone of the NLB: its public subnet and its static IP. Required unless `frontDoors.nlb` is false. ' +
        'No Availability Zone, subnet or address twice.',
    ).optional(),
    staticIps: doc(staticIps, 'Protection, pool and release of the static IPs.', "protected, Amazon's pool").prefault({}),
    albs: doc(
      albs,
      'The ALBs behind the static IPs, by a key the routes use (1-20 lowercase ' +
        "letters, digits and dashes), e.g. `{ app: { dnsName: '...' } }`. " +
        'Give each its DNS name, ARN or name: a literal or a Terraform token from your own code.',
    ),
    routes: doc(
      list(routeSchema),
      'One listener port of the static IPs each, forwarded to one ALB; one route per listener port. Required with more than one ALB.',
      'ports 80 and 443 to the only ALB, in `ip-sync` mode (synth warns)',
    ).optional(),
    frontDoors: doc(frontDoors, 'The entry points that carry the static addresses.', '{ nlb: true }').prefault({}),
    ingressCidrs: doc(
      list(cidr(true)),
      "CIDRs allowed to reach the static IPs: the NLB's security group admits them; with an accelerator, the security group of " +
        "each route's ALB admits them on the route's ALB port (the accelerator keeps the client's address), which needs the ALB's " +
        '`securityGroupId`. Canonical form only (`10.0.0.1/8` is refused: did you mean 10.0.0.0/8?); IPv6 CIDRs, lower case, only with a ' +
        'dual-stack NLB. Routes x CIDRs at most 60 (the default quota of inbound rules per security group).',
      "['0.0.0.0/0'], and '::/0' on a dual-stack NLB (synth warns)",
    ).optional(),
    tags: doc(
      tagMap(),
      'Tags on every resource (provider `default_tags`). Keys 1-128 characters, not starting with `aws:`; values up to 256.',
    ).default(ENVIRONMENT_DEFAULTS.tags),
    sync: doc(syncTuningSchema, 'Knobs of the sync functions.', "the sync function's own").prefault({}),
    alarmTopicArn: doc(awsId('snsTopicArn'), 'SNS topic every alarm notifies on ALARM and OK.', 'none').optional(),
    lambdaRuntime: doc(lambdaRuntime, 'Lambda runtime of the sync functions.').default(ENVIRONMENT_DEFAULTS.lambdaRuntime),
    backend: doc(backendSchema, "Where the environment's Terraform state lives.", "{ type: 'local' }").default(
      ENVIRONMENT_DEFAULTS.backend,
    ),
    iam: doc(
      iam,
      'Permissions boundary, path and trust condition of every role the stack creates. Refused without an `ip-sync` route.',
      'none',
    ).prefault({}),
    syncFunction: doc(
      syncFunction,
      'Network and logs of the sync functions. Refused without an `ip-sync` route.',
      'outside any VPC, logs kept 30 days',
    ).prefault({}),
    kmsKeyArn: doc(
      kmsKeyArn,
      "A customer managed KMS key encrypting the sync state bucket (SSE-KMS, bucket key on) and the functions' log groups. " +
        "In the environment's region; not an alias (CloudWatch Logs takes key ARNs only). Its key policy must let CloudWatch Logs use " +
        'it. Refused without an `ip-sync` route.',
      "AWS managed encryption (SSE-S3, CloudWatch Logs' own)",
    ).optional(),
  },
  { error: 'must be an object' },
);

/** Fields of earlier versions, with what replaced them (see UPGRADING.md). */
export const REPLACED_FIELDS: Readonly<Record<string, string>> = {
  publicSubnetIds: 'zones (one { availabilityZone, subnetId } per zone)',
  alb: 'albs (e.g. { app: { dnsName, securityGroupId } }) and routes',
  ports: 'routes (one { listenerPort } per port)',
};

/** An environment's configuration once its fields are well formed, with the schema's defaults filled in. */
export type ParsedEnvironment = z.output<typeof environmentSchema>;
export type ParsedRoute = z.output<typeof routeSchema>;

/** What users write: the schema's input types, read-only. */
type DeepReadonly<T> = T extends (infer U)[]
  ? readonly DeepReadonly<U>[]
  : T extends object
    ? { readonly [K in keyof T]: DeepReadonly<T[K]> }
    : T;
type Input<T extends z.ZodType> = DeepReadonly<z.input<T>>;

export type EnvironmentConfig = Input<typeof environmentSchema>;
export type BackendConfig = Input<typeof backendSchema>;
export type SyncTuning = Input<typeof syncTuningSchema>;
export type StaticIpPoolConfig = DeepReadonly<PoolInput>;
export type ZoneStaticIpConfig = DeepReadonly<StaticIpInput>;
export type ZoneConfig = Input<typeof zone>;
export type StaticIpsConfig = Input<typeof staticIps>;
export type AlbConfig = Input<typeof alb>;
export type AlbSecurityGroupRules = (typeof ALB_SECURITY_GROUP_RULES)[number];
export type RouteMode = (typeof ROUTE_MODES)[number];
export type AlbTargetHealthCheckConfig = Input<typeof healthCheck>;
export type RouteConfig = Input<typeof routeSchema>;
export type GlobalAcceleratorConfig = Input<typeof globalAccelerator>;
export type NlbConfig = Input<typeof nlbSettings>;
export type FrontDoorsConfig = Input<typeof frontDoors>;
export type IamConfig = Input<typeof iam>;
export type SyncFunctionVpcConfig = Input<typeof syncFunctionVpc>;
export type SyncFunctionConfig = Input<typeof syncFunction>;
