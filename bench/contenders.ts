/**
 * The two syncs the benchmark compares, behind one shape: this project's (the real `discover` and `decide`
 * from lambda/) and AWS's reference function (bench/reference.ts). Each keeps its own state between invocations,
 * as the deployed functions keep theirs in S3.
 */
import { discover, type DnsServer, type QueryFn } from '../lambda/discovery';
import { decide } from '../lambda/decide';
import { SETTING_DEFAULTS } from '../lambda/settings';
import { decodeState, encodeState } from '../lambda/state-codec';
import type { DecisionSettings, StateRead, Target } from '../lambda/types';
import { deployReference, referenceDiscover } from './reference';

export interface DiscoveryOutcome {
  readonly ips: readonly string[];
  readonly queries: number;
}

/** What one invocation did to the target group, and the calls it made that differ between the two. */
export interface Invocation {
  readonly register: readonly string[];
  readonly deregister: readonly Target[];
  readonly dnsQueries: number;
  /** S3 GetObject calls. */
  readonly s3Reads: number;
  /** S3 PutObject calls. */
  readonly s3Writes: number;
  readonly deregisterCalls: number;
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

/** ALB_LISTENER of the simulated function: the port its targets are registered on. */
export const LISTENER_PORT = 443;

/** This project runs with the defaults it deploys with. */
const DEPLOYED_SETTINGS: DecisionSettings = {
  albListener: LISTENER_PORT,
  invocationsBeforeDeregistration: SETTING_DEFAULTS.INVOCATIONS_BEFORE_DEREGISTRATION,
  maxDeregistrationPercent: SETTING_DEFAULTS.MAX_DEREGISTRATION_PERCENT,
};

function ourDiscover(name: string, servers: readonly DnsServer[], query: QueryFn) {
  return discover(name, servers, query, { maxLookups: SETTING_DEFAULTS.MAX_LOOKUP_PER_INVOCATION });
}

function projectContender(label: string, settings: DecisionSettings): Contender {
  return {
    label,
    discover: ourDiscover,
    deploy(name, servers) {
      let state: StateRead = { kind: 'absent' };
      let writes = 0;
      return {
        async invoke(query, registered) {
          const discovery = await ourDiscover(name, servers, query);
          const decision = decide({ discovery, registered, state, settings });
          if (decision.stateChanged) {
            writes++;
            // Through the codec, as the deployed function stores and reads it.
            state = { kind: 'found', ...decodeState(encodeState(decision.nextState, `invocation-${writes}`), settings.albListener), etag: `"${writes}"` };
          }
          return {
            register: decision.register,
            deregister: decision.deregister,
            dnsQueries: discovery.queries,
            s3Reads: 1,
            s3Writes: decision.stateChanged ? 1 : 0,
            deregisterCalls: decision.deregister.length > 0 ? 1 : 0,
          };
        },
      };
    },
  };
}

export const PROJECT = projectContender('this project', DEPLOYED_SETTINGS);

/** The same code with the removal cap off: the difference to PROJECT is what the cap costs. */
export const PROJECT_UNCAPPED = projectContender('this project, cap off', {
  ...DEPLOYED_SETTINGS,
  maxDeregistrationPercent: 100,
});

export const REFERENCE: Contender = {
  label: 'AWS reference function',
  discover: referenceDiscover,
  deploy: (name, servers) => deployReference({ albName: name, servers, listenerPort: LISTENER_PORT }),
};

/** Compared in discovery: the cap plays no part there. */
export const CONTENDERS = [PROJECT, REFERENCE] as const;
/** Compared through the simulated day. */
export const DAY_CONTENDERS = [PROJECT, PROJECT_UNCAPPED, REFERENCE] as const;
