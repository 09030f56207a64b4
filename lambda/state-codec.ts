import { compareIps, isIpv4 } from './ip';
import type { SyncState, TargetKey } from './types';

/**
 * The state format this code writes. Version 1 (counts by IP, no writer) is still read; any other version is
 * unreadable, never guessed at.
 */
export const STATE_VERSION = 2 as const;

/** The fields each readable version has, besides `version`. */
const FIELDS: Readonly<Record<number, readonly string[]>> = { 1: ['missing', 'active'], [STATE_VERSION]: ['writer', 'missing', 'active'] };

/** The state of a target group that has never been synced. */
export const EMPTY_STATE: SyncState = { missing: {}, active: [] };

/** A state object as stored: the state, and the run that wrote it (unknown for version 1). */
export interface StoredState {
  readonly state: SyncState;
  readonly writer?: string;
}

/** A state object that exists but cannot be trusted. */
export class StateFormatError extends Error {
  override readonly name = 'StateFormatError';
}

export function targetKey(ip: string, port: number): TargetKey {
  return `${ip}:${port}`;
}

/** Address order, then port order. */
export function compareTargetKeys(a: TargetKey, b: TargetKey): number {
  const [ipA, portA] = splitKey(a);
  const [ipB, portB] = splitKey(b);
  return compareIps(ipA, ipB) || portA - portB;
}

function splitKey(key: TargetKey): [string, number] {
  const colon = key.lastIndexOf(':');
  return [key.slice(0, colon), Number(key.slice(colon + 1))];
}

function isTargetKey(key: string): boolean {
  const [ip, port] = splitKey(key);
  return isIpv4(ip) && key.endsWith(`:${port}`) && Number.isInteger(port) && port >= 1 && port <= 65535;
}

/** Sorted keys and IPs: equal states encode to equal text, and diffs of the object stay readable. */
export function normalizeState(state: SyncState): SyncState {
  const keys = Object.keys(state.missing).sort(compareTargetKeys);
  return {
    missing: Object.fromEntries(keys.map((key) => [key, state.missing[key]])),
    active: [...new Set(state.active)].sort(compareIps),
  };
}

/** The object's text, naming the run that writes it, so a run can tell its own write from another run's. */
export function encodeState(state: SyncState, writer: string): string {
  return `${JSON.stringify({ version: STATE_VERSION, writer, ...normalizeState(state) }, null, 2)}\n`;
}

/** Same counters and active IPs, whoever wrote them. */
export function sameState(a: SyncState, b: SyncState): boolean {
  return JSON.stringify(normalizeState(a)) === JSON.stringify(normalizeState(b));
}

/**
 * Parses and strictly validates a state object; anything unexpected throws StateFormatError saying what.
 * Version 1 counted absent IPs and registered them on ALB_LISTENER only, so its counts become those of the IPs'
 * targets on `listenerPort`; a target of such an IP on another port starts from zero, which can only delay it.
 */
export function decodeState(text: string, listenerPort: number): StoredState {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new StateFormatError(`state is not JSON: ${(error as Error).message}`);
  }
  if (!isRecord(parsed)) throw new StateFormatError('state is not a JSON object');
  const { version, ...fields } = parsed;
  const expected = FIELDS[version as number];
  if (!Number.isInteger(version) || !expected) {
    throw new StateFormatError(`state version is ${JSON.stringify(version)}, expected one of ${Object.keys(FIELDS).join(', ')}`);
  }
  const unknown = Object.keys(fields).filter((name) => !expected.includes(name));
  if (unknown.length > 0) throw new StateFormatError(`state has unknown fields: ${unknown.join(', ')}`);
  const { writer, missing, active } = fields;
  if (version === STATE_VERSION && (typeof writer !== 'string' || writer === '')) {
    throw new StateFormatError(`state.writer is not a non-empty string: ${JSON.stringify(writer)}`);
  }

  if (!isRecord(missing)) throw new StateFormatError('state.missing is not an object');
  const counts: Record<TargetKey, number> = {};
  for (const [key, count] of Object.entries(missing)) {
    if (version === 1 && !isIpv4(key))
      throw new StateFormatError(`state.missing has a key that is not an IPv4 address: ${JSON.stringify(key)}`);
    if (version !== 1 && !isTargetKey(key))
      throw new StateFormatError(`state.missing has a key that is not <IPv4>:<port>: ${JSON.stringify(key)}`);
    if (!Number.isSafeInteger(count) || (count as number) < 0) {
      throw new StateFormatError(`state.missing[${key}] is not a non-negative integer: ${JSON.stringify(count)}`);
    }
    counts[version === 1 ? targetKey(key, listenerPort) : key] = count as number;
  }
  if (!Array.isArray(active)) throw new StateFormatError('state.active is not an array');
  for (const ip of active) {
    if (typeof ip !== 'string' || !isIpv4(ip)) throw new StateFormatError(`state.active holds a non-IPv4 entry: ${JSON.stringify(ip)}`);
  }
  const state = normalizeState({ missing: counts, active: active as string[] });
  return version === 1 ? { state } : { state, writer: writer as string };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
