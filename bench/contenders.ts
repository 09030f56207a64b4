/**
 * The two syncs the benchmark compares, behind one shape: this project's (the real `discover` and `decide`
 * from lambda/) and AWS's reference function (bench/reference.ts). Each keeps its own state between invocations,
 * as the deployed functions keep theirs in S3.
 */
import { discover } from '../lambda/dns/discover';
import type { DnsServer, QueryFn } from '../lambda/dns/types';
import { interfaceDescription, interfaceDiscovery, type ListedInterface } from '../lambda/interfaces';
import { decide } from '../lambda/decide';
import { SETTING_DEFAULTS } from '../lambda/settings';
import { decodeState, encodeState } from '../lambda/state-codec';
import type { DecisionSettings, Discovery, StateRead, Target } from '../lambda/types';
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
  /** DescribeNetworkInterfaces calls (pages). */
  readonly ec2Calls: number;
  /** S3 GetObject calls. */
  readonly s3Reads: number;
  /** S3 PutObject calls. */
  readonly s3Writes: number;
  readonly deregisterCalls: number;
}

/** One deployed function: state lives in the closure between invocations. */
export interface SyncFunction {
  /** `interfaces`: the addresses of the ALB's network interfaces at the time, for those that list them. */
  invoke(query: QueryFn, registered: readonly Target[], interfaces: readonly string[]): Promise<Invocation>;
}

export interface Contender {
  readonly label: string;
  discover(name: string, servers: readonly DnsServer[], query: QueryFn): Promise<DiscoveryOutcome>;
  /** A fresh function with no state yet (its first run). */
  deploy(name: string, servers: readonly DnsServer[]): SyncFunction;
  /**
   * Seconds from a node's interface appearing to the run that registers it, besides the whole runs counted: an
   * event-triggered function runs this long after the interface appears; a scheduled one waits for its next run.
   * @default undefined (the one-minute schedule only)
   */
  readonly eventLatencySeconds?: number;
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

/** The ALB whose interfaces the interface contenders list. */
const MODEL_ALB_ARN = 'arn:aws:elasticloadbalancing:eu-west-1:123456789012:loadbalancer/app/app/0123456789abcdef';

/** The model's interfaces as one complete listing: one page (at most 1000 per page), all of the ALB, one VPC. */
function listedInterfaces(addresses: readonly string[]) {
  const description = interfaceDescription(MODEL_ALB_ARN);
  const interfaces: ListedInterface[] = addresses.map((ip) => ({
    id: `eni-${ip}`,
    description,
    vpcId: 'vpc-model',
    privateIps: [ip],
    ipv6: [],
  }));
  return interfaceDiscovery(MODEL_ALB_ARN, description, {
    interfaces,
    calls: Math.max(1, Math.ceil(interfaces.length / 1000)),
    complete: true,
  }).discovery;
}

/** How a project contender learns the nodes: its DNS sampling, or the interface listing. */
type Learn = (name: string, servers: readonly DnsServer[], query: QueryFn, interfaces: readonly string[]) => Promise<Discovery>;
const byDns: Learn = (name, servers, query) => ourDiscover(name, servers, query);
const byInterfaces: Learn = async (_name, _servers, _query, interfaces) => listedInterfaces(interfaces);

function projectContender(label: string, settings: DecisionSettings, learn: Learn = byDns, eventLatencySeconds?: number): Contender {
  return {
    label,
    discover: ourDiscover,
    eventLatencySeconds,
    deploy(name, servers) {
      let state: StateRead = { kind: 'absent' };
      let writes = 0;
      return {
        async invoke(query, registered, interfaces) {
          const discovery = await learn(name, servers, query, interfaces);
          const decision = decide({ discovery, registered, state, settings });
          if (decision.stateChanged) {
            writes++;
            // Through the codec, as the deployed function stores and reads it.
            state = {
              kind: 'found',
              ...decodeState(encodeState(decision.nextState, `invocation-${writes}`), settings.albListener),
              etag: `"${writes}"`,
            };
          }
          return {
            register: decision.register,
            deregister: decision.deregister,
            dnsQueries: discovery.source === 'dns' ? discovery.queries : 0,
            ec2Calls: discovery.source === 'interfaces' ? discovery.queries : 0,
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

/** Interface discovery at its deployed default grace (SETTING_DEFAULTS), on the one-minute schedule. */
export const PROJECT_INTERFACES = projectContender(
  'this project, interfaces',
  { ...DEPLOYED_SETTINGS, invocationsBeforeDeregistration: SETTING_DEFAULTS.INTERFACE_INVOCATIONS_BEFORE_DEREGISTRATION },
  byInterfaces,
);

/**
 * Seconds from an interface's CreateNetworkInterface to the function's run under the event trigger: CloudTrail's
 * delivery of the management event to EventBridge, the rule, and a cold start. A modelling assumption, chosen on
 * the slow side of "seconds"; the schedule still reconciles every minute whatever the events do.
 */
export const EVENT_LATENCY_SECONDS = 30;

/** The same with the event trigger: every interface created or deleted also invokes the function. */
export const PROJECT_INTERFACES_EVENTS = projectContender(
  'this project, interfaces + events',
  { ...DEPLOYED_SETTINGS, invocationsBeforeDeregistration: SETTING_DEFAULTS.INTERFACE_INVOCATIONS_BEFORE_DEREGISTRATION },
  byInterfaces,
  EVENT_LATENCY_SECONDS,
);

export const REFERENCE: Contender = {
  label: 'AWS reference function',
  discover: referenceDiscover,
  deploy: (name, servers) => deployReference({ albName: name, servers, listenerPort: LISTENER_PORT }),
};

/** Compared in discovery: the cap plays no part there. */
export const CONTENDERS = [PROJECT, REFERENCE] as const;
/** Compared through the simulated day. */
export const DAY_CONTENDERS = [PROJECT, PROJECT_UNCAPPED, PROJECT_INTERFACES, PROJECT_INTERFACES_EVENTS, REFERENCE] as const;
