import { randomUUID } from 'node:crypto';
import type { AwsClients } from './clients';
import { decide } from './decide';
import { discoverAlb, DNS_TIMEOUTS, type DiscoveryComparison, type DiscoveryDeps } from './discovery';
import { authoritativeServers } from './dns/authoritative-servers';
import { udpQuery } from './dns/wire';
import { ec2InterfacePages } from './interfaces';
import type { Settings } from './settings';
import { describeError, readState, stateKey, writeState, type StateLocation } from './state';
import { deregisterTargets, describeTargets, registerTargets, type RegistrationFailure } from './targets';
import type { Decision, Discovery, StateRead, Target } from './types';

/** Conditional state writes lost to other runs before this run gives up (and reports an error). */
export const MAX_WRITE_ATTEMPTS = 3;

/** What a sync talks to. The handler passes the real ones; tests and the dry-run may pass their own. */
export type SyncDeps = AwsClients & DiscoveryDeps;

export function defaultDeps(clients: AwsClients, abortSignal?: AbortSignal): SyncDeps {
  return {
    ...clients,
    query: udpQuery({ timeoutMs: DNS_TIMEOUTS.queryMs }),
    findServers: (name) => authoritativeServers(name, { timeoutMs: DNS_TIMEOUTS.authoritativeLookupMs }),
    interfacePages: ec2InterfacePages(clients.ec2, abortSignal),
    abortSignal,
  };
}

/** One read of the world and what the rules make of it. */
export interface Plan {
  readonly registered: readonly Target[];
  readonly state: StateRead;
  readonly decision: Decision;
}

export function stateLocation(settings: Settings): StateLocation {
  return { bucket: settings.bucket, key: stateKey(settings.targetGroupArn, settings.albDnsName) };
}

/** Reads the target group and the state in parallel and decides. Changes nothing: the dry-run stops here. */
export async function plan(settings: Settings, discovery: Discovery, deps: SyncDeps): Promise<Plan> {
  const [registered, state] = await Promise.all([
    awsStep('DescribeTargetHealth', () => describeTargets(deps.elb, settings.targetGroupArn, deps.abortSignal)),
    readState(deps.s3, stateLocation(settings), settings.albListener, deps.abortSignal),
  ]);
  return { registered, state, decision: decide({ discovery, registered, state, settings }) };
}

/** What one run did. */
export interface SyncOutcome {
  readonly discovery: Discovery;
  /** Under DISCOVERY=both: the DNS sample beside the interfaces. */
  readonly comparison?: DiscoveryComparison;
  /** The plan the run acted on last; absent when the target group could not be read. */
  readonly plan?: Plan;
  readonly registered: readonly string[];
  /** Addresses RegisterTargets refused; each failure is also one of `errors`. */
  readonly registrationFailures: readonly RegistrationFailure[];
  readonly deregistered: readonly Target[];
  readonly stateWritten: boolean;
  /** Conditional writes lost to another run. */
  readonly writeConflicts: number;
  /** Why the run must end with an error. Empty for a run that did everything it set out to do. */
  readonly errors: readonly string[];
}

/**
 * One run: discover, then read, decide, register, write the state and deregister, repeating the read and the
 * decision when another run wrote the state first. Registration comes first (it is always safe) and a refused
 * registration stops nothing else; removal comes only after this run's state write won, so a run that raced
 * another never acts on stale counts. Failures are collected, not thrown: the caller reports them and then
 * fails the run.
 */
export async function sync(settings: Settings, deps: SyncDeps): Promise<SyncOutcome> {
  const { discovery, error, comparison } = await discoverAlb(settings, deps);
  const errors = error ? [error] : [];
  const registration = { targetGroupArn: settings.targetGroupArn, port: settings.albListener, sameVpc: settings.sameVpc };
  // Names this run's writes, so a write S3 carried out but whose answer was lost is known as its own when read
  // back. Not the Lambda request id: a retried invocation reuses that.
  const writer = randomUUID();
  const registered: string[] = [];
  const registrationFailures: RegistrationFailure[] = [];
  /** Addresses this run sent already, registered or refused: not sent again after a lost write. */
  const sent = new Set<string>();
  let acted: Plan | undefined;
  let deregistered: readonly Target[] = [];
  let stateWritten = false;
  let writeConflicts = 0;
  try {
    let current = await plan(settings, discovery, deps);
    for (;;) {
      acted = current;
      const { decision, state } = current;
      const fresh = decision.register.filter((ip) => !sent.has(ip));
      fresh.forEach((ip) => sent.add(ip));
      const { registered: added, failures } = await registerTargets(deps.elb, registration, fresh, deps.abortSignal);
      registered.push(...added);
      registrationFailures.push(...failures);
      if (!decision.stateChanged) break;
      const condition = state.kind === 'found' ? { kind: 'found' as const, etag: state.etag } : { kind: 'absent' as const };
      const written = await writeState(
        deps.s3,
        stateLocation(settings),
        { state: decision.nextState, writer },
        condition,
        deps.abortSignal,
      );
      if (written === 'conflict') {
        current = await plan(settings, discovery, deps);
        // The object names this run: S3 carried out the write, and the conflict was the SDK's retry meeting it.
        const ours = current.state.kind === 'found' && current.state.writer === writer;
        if (!ours) {
          writeConflicts += 1;
          if (writeConflicts < MAX_WRITE_ATTEMPTS) continue;
          errors.push(`the state write lost to another run ${writeConflicts} times; nothing was deregistered`);
          break;
        }
      }
      stateWritten = true;
      const removal = await deregisterTargets(deps.elb, settings.targetGroupArn, decision.deregister, deps.abortSignal);
      deregistered = removal.deregistered;
      if (removal.failure) errors.push(`DeregisterTargets failed: ${removal.failure}`);
      break;
    }
  } catch (failure) {
    errors.push((failure as Error).message);
  }
  for (const { ips, reason } of registrationFailures) errors.push(`RegisterTargets refused ${ips.join(', ')}: ${reason}`);
  if (acted?.state.kind === 'unreadable') errors.push(`state unreadable, nothing deregistered: ${acted.state.reason}`);
  return { discovery, comparison, plan: acted, registered, registrationFailures, deregistered, stateWritten, writeConflicts, errors };
}

async function awsStep<T>(operation: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    throw new Error(`${operation} failed: ${describeError(error)}`, { cause: error });
  }
}
