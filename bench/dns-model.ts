/**
 * A model of an ALB's DNS, in process: each answer holds 8 addresses drawn at random from the ALB's N nodes
 * (all of them when N <= 8). It speaks discovery's QueryFn, so the real `discover` runs against it unchanged.
 */
import { ANSWER_SIZE } from '../lambda/dns/stopping-rule';
import type { DnsAnswer, QueryFn } from '../lambda/dns/types';
import { type Rng, sample } from './rng';

/** The ALB the model stands for, and a server address for discover's signature (the model ignores it). */
export const MODEL_ALB = {
  name: 'internal-app-1234567890.eu-west-1.elb.amazonaws.com',
  servers: [{ host: '127.0.0.1', port: 53 }],
} as const;

/** What the ALB's DNS serves at one moment: its node addresses, or SERVFAIL (an outage). */
export type DnsView = { readonly up: true; readonly addresses: readonly string[] } | { readonly up: false };

/** A QueryFn answering `name` from `view()` at the time of each query, drawing from `rng`. */
export function albDnsModel(name: string, rng: Rng, view: () => DnsView): QueryFn {
  return async (_server, queried): Promise<DnsAnswer> => {
    if (queried !== name) return { ok: false, kind: 'nxdomain', error: `NXDOMAIN ${queried}` };
    const current = view();
    if (!current.up) return { ok: false, kind: 'servfail', error: 'SERVFAIL' };
    return { ok: true, addresses: sample(rng, current.addresses, ANSWER_SIZE), authoritative: true };
  };
}

/** The private IPv4 address of the k-th ALB node (k from 0), unique up to 65,024 nodes. */
export function nodeAddress(k: number): string {
  if (!Number.isInteger(k) || k < 0 || k >= 254 * 256) throw new Error(`node index ${k} out of range`);
  return `10.0.${Math.floor(k / 254)}.${(k % 254) + 1}`;
}

/** Addresses of an ALB with `n` nodes. */
export function nodeAddresses(n: number): string[] {
  return Array.from({ length: n }, (_, k) => nodeAddress(k));
}
