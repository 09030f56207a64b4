import { GetObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { decodeState, encodeState, type StoredState } from './state-codec';
import type { StateRead } from './types';

/** Where one sync keeps its state. */
export interface StateLocation {
  readonly bucket: string;
  readonly key: string;
}

/**
 * The state key: under the target group ARN, so two ports (two target groups) sharing a bucket never touch
 * each other's object, and under the ALB name, so pointing a target group at another ALB starts afresh.
 */
export function stateKey(targetGroupArn: string, albDnsName: string): string {
  return `${targetGroupArn}/${albDnsName}/state.json`;
}

/** What a conditional write needs to know about the object it replaces. */
export type WriteCondition = { readonly kind: 'found'; readonly etag: string } | { readonly kind: 'absent' };

/**
 * Reads the state. Only "no such key" is a first run; every other failure is unreadable, never guessed past.
 * `listenerPort` (ALB_LISTENER) is what version-1 objects, which counted IPs, are read with.
 */
export async function readState(
  s3: S3Client,
  location: StateLocation,
  listenerPort: number,
  abortSignal?: AbortSignal,
): Promise<StateRead> {
  let text: string;
  let etag: string | undefined;
  try {
    const object = await s3.send(new GetObjectCommand({ Bucket: location.bucket, Key: location.key }), { abortSignal });
    etag = object.ETag;
    text = (await object.Body?.transformToString('utf-8')) ?? '';
  } catch (error) {
    if ((error as Error).name === 'NoSuchKey') return { kind: 'absent' };
    return { kind: 'unreadable', reason: `reading s3://${location.bucket}/${location.key} failed: ${describeError(error)}` };
  }
  if (!etag) return { kind: 'unreadable', reason: `s3://${location.bucket}/${location.key} came without an ETag to write against` };
  try {
    return { kind: 'found', ...decodeState(text, listenerPort), etag };
  } catch (error) {
    return { kind: 'unreadable', reason: `s3://${location.bucket}/${location.key}: ${(error as Error).message}` };
  }
}

/**
 * Writes the state only if nobody else wrote since it was read: If-Match on the ETag read, If-None-Match on a
 * first write. A write that did not take effect shows as `conflict` (412, or 409 for a race S3 saw in flight):
 * usually another run wrote first, and the caller re-reads and re-decides instead of overwriting that run's
 * counters. But when S3 carried out this write and its answer was lost or late, the SDK's retry meets this very
 * write and also answers 412: the object read back then names this run as its writer. Any other failure throws.
 */
export async function writeState(
  s3: S3Client,
  location: StateLocation,
  { state, writer }: Required<StoredState>,
  condition: WriteCondition,
  abortSignal?: AbortSignal,
): Promise<'written' | 'conflict'> {
  try {
    await s3.send(
      new PutObjectCommand({
        Bucket: location.bucket,
        Key: location.key,
        Body: encodeState(state, writer),
        ContentType: 'application/json',
        ...(condition.kind === 'found' ? { IfMatch: condition.etag } : { IfNoneMatch: '*' }),
      }),
      { abortSignal },
    );
    return 'written';
  } catch (error) {
    const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
    if (status === 412 || status === 409) return 'conflict';
    throw new Error(`writing s3://${location.bucket}/${location.key} failed: ${describeError(error)}`, { cause: error });
  }
}

/** `Name: message (HTTP status)`, as far as the error tells. */
export function describeError(error: unknown): string {
  const { name, message, $metadata } = error as Error & { $metadata?: { httpStatusCode?: number } };
  const status = $metadata?.httpStatusCode;
  return `${name}: ${message}${status ? ` (HTTP ${status})` : ''}`;
}
