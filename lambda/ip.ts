/** IPv4 helpers. ELBv2 accepts only private IPv4 addresses as `ip` targets; Elastic IPs are public ones. */
import { BlockList } from 'node:net';

const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;

/** The ranges ELBv2 accepts for ip targets: RFC 1918 and RFC 6598 (shared address space). */
export const TARGET_CIDRS = ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', '100.64.0.0/10'] as const;

export function isIpv4(text: string): boolean {
  return IPV4.test(text);
}

/** The address as an unsigned 32-bit number; the caller has checked `isIpv4`. */
function toNumber(ip: string): number {
  return ip.split('.').reduce((n, octet) => n * 256 + Number(octet), 0);
}

export function isTargetableIpv4(text: string): boolean {
  if (!isIpv4(text)) return false;
  const n = toNumber(text);
  return TARGET_CIDRS.some((cidr) => {
    const [base, bits] = cidr.split('/');
    const size = 2 ** (32 - Number(bits));
    return Math.floor(n / size) === Math.floor(toNumber(base) / size);
  });
}

/** Numeric order, so logs and state list 10.0.0.9 before 10.0.0.10. Non-IPv4 text sorts after, by text. */
export function compareIps(a: string, b: string): number {
  const [ia, ib] = [isIpv4(a), isIpv4(b)];
  if (ia && ib) return toNumber(a) - toNumber(b);
  if (ia !== ib) return ia ? -1 : 1;
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * Special-purpose IPv4 ranges (RFC 6890 and successors) no Elastic IP can be in: private and shared space, loopback,
 * link-local, documentation, benchmarking, multicast and reserved.
 */
export const NON_PUBLIC_IPV4_RANGES = [
  ...TARGET_CIDRS,
  '0.0.0.0/8',
  '127.0.0.0/8',
  '169.254.0.0/16',
  '192.0.0.0/24',
  '192.0.2.0/24',
  '198.18.0.0/15',
  '198.51.100.0/24',
  '203.0.113.0/24',
  '224.0.0.0/4',
  '240.0.0.0/4',
] as const;

const NON_PUBLIC = new BlockList();
for (const cidr of NON_PUBLIC_IPV4_RANGES) {
  const [network, prefix] = cidr.split('/');
  NON_PUBLIC.addSubnet(network, Number(prefix), 'ipv4');
}

/** A public IPv4 address, as an Elastic IP or a BYOIP address must be. */
export function isPublicIpv4(text: string): boolean {
  return isIpv4(text) && !NON_PUBLIC.check(text, 'ipv4');
}
