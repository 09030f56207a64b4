/** Which servers DNS discovery asks: the name servers of the ALB's zone, found through the system resolver. */
import { promises as dnsPromises } from 'node:dns';
import { compareIps } from '../ip';
import type { DnsServer } from './types';

export interface AuthoritativeLookupOptions {
  /** Per-try timeout of each lookup. */
  readonly timeoutMs: number;
  /** Recursive resolvers to ask (`host` or `host:port`). @default the system's */
  readonly resolvers?: readonly string[];
}

const NOT_THERE = new Set<string>([dnsPromises.NODATA, dnsPromises.NOTFOUND]);

/**
 * The IPv4 addresses of the authoritative name servers of the closest zone enclosing `name` (for an ALB, its
 * regional zone such as `eu-west-1.elb.amazonaws.com`), asked of the system resolver. Asking them directly skips
 * resolver caches, so every answer is a fresh random draw. Throws when no server can be found.
 */
export async function authoritativeServers(name: string, options: AuthoritativeLookupOptions): Promise<DnsServer[]> {
  const resolver = new dnsPromises.Resolver({ timeout: options.timeoutMs, tries: 2 });
  if (options.resolvers) resolver.setServers([...options.resolvers]);
  for (let zone = name; zone.includes('.'); zone = zone.slice(zone.indexOf('.') + 1)) {
    let hosts: string[];
    try {
      hosts = await resolver.resolveNs(zone);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code ?? '';
      if (NOT_THERE.has(code)) continue;
      throw new Error(`NS lookup of ${zone} failed: ${code || (error as Error).message}`, { cause: error });
    }
    if (hosts.length === 0) continue;
    const lookups = await Promise.allSettled(hosts.map((host) => resolver.resolve4(host)));
    const addresses = [...new Set(lookups.flatMap((lookup) => (lookup.status === 'fulfilled' ? lookup.value : [])))].sort(compareIps);
    if (addresses.length === 0) throw new Error(`none of the name servers of ${zone} (${hosts.join(', ')}) resolved to an IPv4 address`);
    return addresses.map((host) => ({ host, port: 53 }));
  }
  throw new Error(`no zone enclosing ${name} has name servers`);
}
