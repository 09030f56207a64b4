import { compareIps, isIpv4 } from './ip';
import type { SyncState } from './types';

/** The state format this code reads and writes. A different version is unreadable, never guessed at. */
export const STATE_VERSION = 1 as const;

/** The state of a target group that has never been synced. */
export const EMPTY_STATE: SyncState = { version: STATE_VERSION, missing: {}, active: [] };

/** A state object that exists but cannot be trusted. */
export class StateFormatError extends Error {
  override readonly name = 'StateFormatError';
}

/** Sorted keys and IPs: equal states encode to equal text, and diffs of the object stay readable. */
export function normalizeState(state: SyncState): SyncState {
  const ips = Object.keys(state.missing).sort(compareIps);
  return {
    version: STATE_VERSION,
    missing: Object.fromEntries(ips.map((ip) => [ip, state.missing[ip]])),
    active: [...new Set(state.active)].sort(compareIps),
  };
}

export function encodeState(state: SyncState): string {
  return `${JSON.stringify(normalizeState(state), null, 2)}\n`;
}

export function sameState(a: SyncState, b: SyncState): boolean {
  return encodeState(a) === encodeState(b);
}

/** Parses and strictly validates a state object; anything unexpected throws StateFormatError saying what. */
export function decodeState(text: string): SyncState {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new StateFormatError(`state is not JSON: ${(error as Error).message}`);
  }
  if (!isRecord(parsed)) throw new StateFormatError('state is not a JSON object');
  const { version, missing, active, ...extra } = parsed;
  if (version !== STATE_VERSION) throw new StateFormatError(`state version is ${JSON.stringify(version)}, expected ${STATE_VERSION}`);
  const unknown = Object.keys(extra);
  if (unknown.length > 0) throw new StateFormatError(`state has unknown fields: ${unknown.join(', ')}`);
  if (!isRecord(missing)) throw new StateFormatError('state.missing is not an object');
  for (const [ip, count] of Object.entries(missing)) {
    if (!isIpv4(ip)) throw new StateFormatError(`state.missing has a key that is not an IPv4 address: ${JSON.stringify(ip)}`);
    if (!Number.isSafeInteger(count) || (count as number) < 0) {
      throw new StateFormatError(`state.missing[${ip}] is not a non-negative integer: ${JSON.stringify(count)}`);
    }
  }
  if (!Array.isArray(active)) throw new StateFormatError('state.active is not an array');
  for (const ip of active) {
    if (typeof ip !== 'string' || !isIpv4(ip)) throw new StateFormatError(`state.active holds a non-IPv4 entry: ${JSON.stringify(ip)}`);
  }
  return normalizeState({ version: STATE_VERSION, missing: missing as Record<string, number>, active: active as string[] });
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
