/**
 * Shared types of the sync function. Pure data: no I/O lives here.
 * The decision (decide.ts), the handler, the tests, the benchmark and the dry-run all speak these types.
 */

/**
 * A target as DescribeTargetHealth reports it: an address and a port (one IP may be registered on several
 * ports). Deregistration must reuse its port and AZ.
 */
export interface Target {
  readonly ip: string;
  readonly port: number;
  /** As reported; `all` for targets outside the NLB's VPC. */
  readonly availabilityZone?: string;
  /** initial | healthy | unhealthy | unhealthy.draining | unused | draining | unavailable */
  readonly health?: string;
}

/** A target's identity in the state and in logs: `<ip>:<port>`, e.g. `10.0.3.4:443`. */
export type TargetKey = string;

/**
 * How one DNS query failed. `timeout` and `unreachable` lose a query without a word from the server; the others
 * are a server's answer that is an error or cannot be used: `truncated` only when TCP could not fetch the whole
 * answer either, `malformed` for an answer with our id that does not decode or repeats a record, `empty` for
 * NOERROR without an address.
 */
export type DnsFailureKind =
  'timeout' | 'unreachable' | 'servfail' | 'nxdomain' | 'refused' | 'truncated' | 'malformed' | 'empty' | 'other';

/** Where a discovery's addresses came from: the ALB's network interfaces (stated by EC2) or DNS (sampled). */
export type DiscoveryKind = 'interfaces' | 'dns';

/**
 * What one run's discovery saw. The DNS counts are zero for an interface listing, whose `queries` counts its
 * DescribeNetworkInterfaces calls.
 */
export interface Discovery {
  readonly source: DiscoveryKind;
  /** Private IPv4 addresses found (the only ones ELBv2 accepts as ip targets), sorted. */
  readonly ips: readonly string[];
  /** Addresses answered but not usable as targets (public, IPv6, ...), for the log. */
  readonly ignored: readonly string[];
  /** DNS queries sent, including failed ones and their retries; for interfaces, the API calls (pages) made. */
  readonly queries: number;
  /** Queries that failed, every kind together. */
  readonly failures: number;
  /** The same failures by kind, every kind listed: a deleted ALB (nxdomain) reads apart from a lost server (timeout). */
  readonly failuresByKind: Readonly<Record<DnsFailureKind, number>>;
  /** Answers without the AA flag: their addresses are registered, but they are never evidence of completeness. */
  readonly nonAuthoritative: number;
  /**
   * DNS: true only when authoritative answers met the stopping rule and the failures show no trouble (see
   * `discover`). Interfaces: every page was read and every interface listed is the ALB's, in one VPC.
   */
  readonly clean: boolean;
  /** Why the discovery is not clean, for the log; empty when it is clean. */
  readonly uncleanReasons: readonly string[];
}

/** The sync's memory between runs, stored as JSON in S3 (state-codec.ts owns the format and its versions). */
export interface SyncState {
  /**
   * Target -> consecutive clean runs in which a registered (or previously active) target was not wanted: its IP
   * not discovered (no interface, or absent from DNS), or its port not ALB_LISTENER.
   */
  readonly missing: Readonly<Record<TargetKey, number>>;
  /** IPs seen in the last clean discovery, so their targets are tracked even before DescribeTargetHealth lists them. */
  readonly active: readonly string[];
}

/** The state object as read from S3: its absence (first run) is not the same as a failure to read it. */
export type StateRead =
  | {
      readonly kind: 'found';
      readonly state: SyncState;
      readonly etag: string;
      /** The id of the run that wrote the object (absent from objects of format version 1). */
      readonly writer?: string;
    }
  | { readonly kind: 'absent' }
  | { readonly kind: 'unreadable'; readonly reason: string };

/** The rules' knobs. */
export interface DecisionSettings {
  /** ALB_LISTENER: the port targets are wanted on; a registration on any other port is stale. */
  readonly albListener: number;
  /** Clean runs an IP must be absent before it is deregistered. */
  readonly invocationsBeforeDeregistration: number;
  /** At most this percentage of the registered targets is deregistered in one run. */
  readonly maxDeregistrationPercent: number;
}

export interface DecisionInput {
  readonly discovery: Discovery;
  readonly registered: readonly Target[];
  readonly state: StateRead;
  readonly settings: DecisionSettings;
}

/** Why something that the grace period alone would have removed was kept. */
export type HoldReason =
  | { readonly kind: 'discovery-not-clean' }
  | { readonly kind: 'discovery-empty' }
  | { readonly kind: 'state-unreadable'; readonly reason: string }
  | { readonly kind: 'cap'; readonly kept: readonly TargetKey[] }
  /** The last target that can serve (a healthy one while any is healthy) was kept. */
  | { readonly kind: 'last-target'; readonly kept: TargetKey };

/** What one run decided. Pure data: no I/O happened to produce it. */
export interface Decision {
  /** IPs to register now, with the ALB listener port. */
  readonly register: readonly string[];
  /** Targets to deregister, with the port and AZ DescribeTargetHealth reported. */
  readonly deregister: readonly Target[];
  readonly nextState: SyncState;
  /** True when nextState differs from the state read, i.e. a write is needed. */
  readonly stateChanged: boolean;
  readonly heldBack: readonly HoldReason[];
}
