/**
 * The sync function's environment variables: the one contract between the stack that sets them
 * (modules/alb-ip-sync.ts) and the function that reads them (lambda/settings.ts). Names of the first ones
 * follow AWS's reference function, so a migration keeps its values.
 */
export const SYNC_VARIABLES = {
  albDnsName: 'ALB_DNS_NAME',
  albListener: 'ALB_LISTENER',
  targetGroupArn: 'NLB_TG_ARN',
  bucket: 'S3_BUCKET',
  maxLookups: 'MAX_LOOKUP_PER_INVOCATION',
  invocationsBeforeDeregistration: 'INVOCATIONS_BEFORE_DEREGISTRATION',
  maxDeregistrationPercent: 'MAX_DEREGISTRATION_PERCENT',
  publishIpCount: 'CW_METRIC_FLAG_IP_COUNT',
  sameVpc: 'SAME_VPC',
  dnsServers: 'DNS_SERVERS',
  /** `interfaces`, `dns` or `both`; absent reads as `dns`, so a 0.2 function keeps its behaviour. */
  discovery: 'DISCOVERY',
  /** The ALB's ARN: its `app/<name>/<id>` names the network interfaces of its nodes. */
  albArn: 'ALB_ARN',
  /** A role in the ALB's account to assume for the interface listing. */
  discoveryRoleArn: 'DISCOVERY_ROLE_ARN',
} as const;

/** How a run learns the ALB's nodes: its network interfaces (exact), DNS (sampled), or both compared. */
export const DISCOVERY_SOURCES = ['interfaces', 'dns', 'both'] as const;
export type DiscoverySource = (typeof DISCOVERY_SOURCES)[number];
