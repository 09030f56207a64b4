import { createClients, interfaceAccess, type AwsClients } from './clients';
import { buildReport, emitReport } from './report';
import { parseSettings } from './settings';
import { defaultDeps, sync } from './sync';

/** Time kept back from the function's timeout, so the report is written even when AWS calls are cut off. */
const REPORT_MARGIN_MS = 3_000;

/** The Lambda context, as far as the sync uses it. */
export interface SyncContext {
  getRemainingTimeInMillis?(): number;
}

/** The outcome a successful run returns; a failed run throws instead, after logging. */
export interface SyncResult {
  readonly registered: readonly string[];
  readonly deregistered: readonly string[];
}

/** Created once per region (and discovery role) and reused by warm invocations (connections and adaptive-retry state survive). */
const clientsByRegion = new Map<string, AwsClients>();

export const handler = async (_event?: unknown, context?: SyncContext): Promise<SyncResult> => {
  const started = Date.now();
  // Bad configuration fails here, before any DNS or AWS call.
  const settings = parseSettings(process.env);
  const access = interfaceAccess(settings);
  const clientsKey = [settings.region, access.albRegion, access.roleArn].join(' ');
  const clients = clientsByRegion.get(clientsKey) ?? createClients(settings.region, access);
  clientsByRegion.set(clientsKey, clients);
  const remainingMs = context?.getRemainingTimeInMillis?.();
  const abortSignal = remainingMs === undefined ? undefined : AbortSignal.timeout(Math.max(remainingMs - REPORT_MARGIN_MS, 1_000));

  const outcome = await sync(settings, defaultDeps(clients, abortSignal));
  emitReport(buildReport(settings, outcome, Date.now() - started, Date.now()));
  // Failing the invocation is what makes the function's Errors metric and alarm see the problem.
  if (outcome.errors.length > 0) throw new Error(`sync of ${settings.targetGroupArn} failed: ${outcome.errors.join('; ')}`);
  return { registered: outcome.registered, deregistered: outcome.deregistered.map((target) => target.ip) };
};
