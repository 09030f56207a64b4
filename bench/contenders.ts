/**
 * The two syncs the benchmark compares, behind one shape: this project's (the real `discover` and `decide`
 * from lambda/) and the reference rules (bench/reference.ts). Each keeps its own state between invocations,
 * as the deployed functions keep theirs in S3.
 */
import { discover, type DnsServer, type QueryFn } from '../lambda/discovery';
import { decide } from '../lambda/decide';
import { decodeState, encodeState } from '../lambda/state-codec';
import type { DecisionSettings, StateRead, Target } from '../lambda/types';
import { REFERENCE_RULES, referenceDecide, referenceDiscover, type ReferenceCounts } from './reference';

/** The knobs this project deploys with by default (lambda/settings.ts, docs/sync.md). */
export const PROJECT_DEFAULTS = {
  maxLookupsPerInvocation: 200,
  invocationsBeforeDeregistration: 3,
  maxDeregistrationPercent: 50,
} as const;

export interface DiscoveryOutcome {
  readonly ips: readonly string[];
  readonly queries: number;
}

/** What one invocation did to the target group and the state object. */
export interface Invocation {
  readonly register: readonly string[];
  readonly deregister: readonly Target[];
  readonly dnsQueries: number;
  readonly stateWritten: boolean;
}

/** One deployed function: state lives in the closure between invocations. */
export interface SyncFunction {
  invoke(query: QueryFn, registered: readonly Target[]): Promise<Invocation>;
}

export interface Contender {
  readonly label: string;
  discover(name: string, servers: readonly DnsServer[], query: QueryFn): Promise<DiscoveryOutcome>;
  /** A fresh function with no state yet (its first run). */
  deploy(name: string, servers: readonly DnsServer[]): SyncFunction;
}

const DECISION_SETTINGS: DecisionSettings = {
  invocationsBeforeDeregistration: PROJECT_DEFAULTS.invocationsBeforeDeregistration,
  maxDeregistrationPercent: PROJECT_DEFAULTS.maxDeregistrationPercent,
};

function ourDiscover(name: string, servers: readonly DnsServer[], query: QueryFn) {
  return discover(name, servers, query, { maxLookups: PROJECT_DEFAULTS.maxLookupsPerInvocation });
}

export const PROJECT: Contender = {
  label: 'this project',
  discover: ourDiscover,
  deploy(name, servers) {
    let state: StateRead = { kind: 'absent' };
    let writes = 0;
    return {
      async invoke(query, registered) {
        const discovery = await ourDiscover(name, servers, query);
        const decision = decide({ discovery, registered, state, settings: DECISION_SETTINGS });
        if (decision.stateChanged) {
          writes++;
          // Through the codec, as the deployed function stores and reads it.
          state = { kind: 'found', state: decodeState(encodeState(decision.nextState)), etag: `"${writes}"` };
        }
        return {
          register: decision.register,
          deregister: decision.deregister,
          dnsQueries: discovery.queries,
          stateWritten: decision.stateChanged,
        };
      },
    };
  },
};

export const REFERENCE: Contender = {
  label: 'AWS reference rules',
  discover: (name, servers, query) => referenceDiscover(name, servers[0], query),
  deploy(name, servers) {
    let counts: ReferenceCounts = {};
    return {
      async invoke(query, registered) {
        const found = await referenceDiscover(name, servers[0], query);
        const decision = referenceDecide(found.ips, registered, counts, REFERENCE_RULES.invocationsBeforeDeregistration);
        counts = decision.nextCounts;
        return { register: decision.register, deregister: decision.deregister, dnsQueries: found.queries, stateWritten: true };
      },
    };
  },
};

export const CONTENDERS = [PROJECT, REFERENCE] as const;
