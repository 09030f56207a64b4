/** What DNS discovery speaks: a server, one query and its answer. Types only. */
import type { DnsFailureKind } from '../types';

export interface DnsServer {
  readonly host: string;
  readonly port: number;
}

export type DnsAnswer =
  | {
      readonly ok: true;
      readonly addresses: readonly string[];
      /**
       * Records in the answer section, whatever their type (a CNAME chain's own records aside): an answer is short,
       * and so the whole set, only when this is below 8. @default addresses.length
       */
      readonly records?: number;
      /** The AA flag: the server is authoritative for the name. Only such answers are fresh random draws. */
      readonly authoritative: boolean;
    }
  | { readonly ok: false; readonly kind: DnsFailureKind; readonly error: string };

/** One DNS A query to one server. Never rejects: failures come back as { ok: false }. */
export type QueryFn = (server: DnsServer, name: string) => Promise<DnsAnswer>;
