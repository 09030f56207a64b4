/**
 * How a run learns the ALB's nodes: from its network interfaces, by sampling DNS, or both side by side, as
 * DISCOVERY names. The DNS sampling itself lives in dns/, the interface listing in interfaces.ts.
 */
import { discover } from './dns/discover';
import { NO_FAILURES } from './dns/failures';
import type { DnsServer, QueryFn } from './dns/types';
import { discoverInterfaces, type ListInterfacesPage } from './interfaces';
import { compareIps } from './ip';
import type { Settings } from './settings';
import type { Discovery, DiscoveryKind } from './types';

/** Per query, per name-server lookup, and for a whole discovery: together well inside the 30 s function timeout. */
export const DNS_TIMEOUTS = { queryMs: 1_000, authoritativeLookupMs: 2_000, discoveryMs: 12_000 } as const;

/** What discovery talks to. The handler passes the real ones; tests and the dry-run may pass their own. */
export interface DiscoveryDeps {
  readonly query: QueryFn;
  /** The servers to ask when DNS_SERVERS is not set. */
  readonly findServers: (name: string) => Promise<DnsServer[]>;
  /** One page of the ALB's network interfaces. */
  readonly interfacePages: ListInterfacesPage;
  /** Aborts calls still running when the run is out of time. */
  readonly abortSignal?: AbortSignal;
}

/**
 * DISCOVERY=both: the interfaces decide, DNS is sampled beside them and the two sets compared, so a team can watch
 * them agree before it trusts either.
 */
export interface DiscoveryComparison {
  /** The DNS sample, as a `dns` run would have seen it. */
  readonly dns: Discovery;
  /** Why the DNS sample failed, if it did: reported, never an error of the run. */
  readonly dnsError?: string;
  /** Addresses DNS returned that are no interface of the ALB: should never happen. */
  readonly dnsOnly: readonly string[];
  /** Interfaces DNS has not shown: normal while nodes are added or drained. */
  readonly interfacesOnly: readonly string[];
}

export interface DiscoveryRun {
  /** What the rules act on: the interfaces under `interfaces` and `both`, DNS under `dns`. */
  readonly discovery: Discovery;
  /** Set when discovery failed: no server to ask, no listing, or no usable address found. */
  readonly error?: string;
  /** Under DISCOVERY=both only. */
  readonly comparison?: DiscoveryComparison;
}

/** A discovery that could not start: no server to ask. */
const nothingDiscovered = (source: DiscoveryKind, reason: string): Discovery => ({
  source,
  ips: [],
  ignored: [],
  queries: 0,
  failures: 0,
  failuresByKind: NO_FAILURES,
  nonAuthoritative: 0,
  clean: false,
  uncleanReasons: [reason],
});

/** Learns the ALB's nodes from the source DISCOVERY names. */
export async function discoverAlb(settings: Settings, deps: DiscoveryDeps): Promise<DiscoveryRun> {
  if (settings.discovery === 'dns') return discoverByDns(settings, deps);
  const byInterfaces = discoverInterfaces(settings.albArn!, deps.interfacePages);
  if (settings.discovery === 'interfaces') return byInterfaces;
  const [interfaces, dns] = await Promise.all([byInterfaces, discoverByDns(settings, deps)]);
  return { ...interfaces, comparison: compareDiscoveries(interfaces.discovery, dns) };
}

/** The two sets apart. Pure. */
export function compareDiscoveries(interfaces: Discovery, dns: DiscoveryRun): DiscoveryComparison {
  const [fromInterfaces, fromDns] = [new Set(interfaces.ips), new Set(dns.discovery.ips)];
  return {
    dns: dns.discovery,
    ...(dns.error ? { dnsError: dns.error } : {}),
    // An incomplete listing proves nothing absent: only a clean one says which DNS addresses are no interface.
    dnsOnly: interfaces.clean ? [...fromDns].filter((ip) => !fromInterfaces.has(ip)).sort(compareIps) : [],
    interfacesOnly: [...fromInterfaces].filter((ip) => !fromDns.has(ip)).sort(compareIps),
  };
}

async function discoverByDns(settings: Settings, deps: DiscoveryDeps): Promise<DiscoveryRun> {
  const name = settings.albDnsName;
  try {
    const servers = settings.dnsServers ?? (await deps.findServers(name));
    // Discovery gets a budget of its own, so slow name servers leave the run time for its AWS calls.
    const budget = AbortSignal.timeout(DNS_TIMEOUTS.discoveryMs);
    const signal = deps.abortSignal ? AbortSignal.any([deps.abortSignal, budget]) : budget;
    const discovery = await discover(name, servers, deps.query, { maxLookups: settings.maxLookups, signal });
    if (discovery.ips.length > 0) return { discovery };
    const why = [...discovery.uncleanReasons, `ignored: ${discovery.ignored.join(', ') || 'none'}`].join('; ');
    return { discovery, error: `DNS discovery of ${name} found no usable address in ${discovery.queries} queries (${why})` };
  } catch (error) {
    const message = `DNS discovery of ${name} failed: ${(error as Error).message}`;
    return { discovery: nothingDiscovered('dns', message), error: message };
  }
}
