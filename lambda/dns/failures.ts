import type { DnsFailureKind } from '../types';

/** Every failure kind at zero: where a discovery's counts start. */
export const NO_FAILURES: Readonly<Record<DnsFailureKind, number>> = {
  timeout: 0,
  unreachable: 0,
  servfail: 0,
  nxdomain: 0,
  refused: 0,
  truncated: 0,
  malformed: 0,
  empty: 0,
  other: 0,
};

/** Failures in which the server said nothing: the query was lost, and with it no information. */
export const LOST_KINDS: ReadonlySet<DnsFailureKind> = new Set(['timeout', 'unreachable']);
