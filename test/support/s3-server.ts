/**
 * An S3-compatible server on 127.0.0.1, path-style (`/<bucket>/<key>`, as the SDK addresses an IP endpoint):
 * GetObject, HeadObject and PutObject with conditional writes (If-Match, If-None-Match: *), objects in memory.
 */
import { createHash, randomUUID } from 'node:crypto';
import { createRng } from '../../bench/rng';
import { FaultPlan, listenHttp, xmlText, type FaultOptions, type HttpReply, type HttpRequest } from './stand-in';

/** Errors S3 answers with, by code. */
export const S3_ERRORS = {
  NoSuchKey: { status: 404, message: 'The specified key does not exist.' },
  NoSuchBucket: { status: 404, message: 'The specified bucket does not exist' },
  PreconditionFailed: { status: 412, message: 'At least one of the pre-conditions you specified did not hold' },
  ConditionalRequestConflict: {
    status: 409,
    message: 'A conflicting conditional operation is currently in progress against this resource. Please try again.',
  },
  AccessDenied: { status: 403, message: 'Access Denied' },
  InternalError: { status: 500, message: 'We encountered an internal error. Please try again.' },
  NotImplemented: { status: 501, message: 'A header or operation you provided implies functionality that is not implemented' },
} as const;

export type S3ErrorCode = keyof typeof S3_ERRORS;
/**
 * Faults to inject (`operation`: GetObject, HeadObject or PutObject). An error code answers with that error and
 * changes nothing. `AnswerLost` and `AnswerLate` carry the request out (a put is stored), then close the
 * connection without an answer, or hold the answer back LATE_ANSWER_MS, past any client's timeout: the client
 * cannot tell whether its request took effect, and its SDK sends it again.
 */
export type S3Fault =
  | Extract<S3ErrorCode, 'InternalError' | 'AccessDenied' | 'PreconditionFailed' | 'ConditionalRequestConflict'>
  | 'AnswerLost'
  | 'AnswerLate';

/** How long an `AnswerLate` answer is held: far longer than any run may take. */
export const LATE_ANSWER_MS = 600_000;

export interface S3ServerOptions {
  /** Buckets that exist; any other answers NoSuchBucket. */
  readonly buckets: readonly string[];
  /** Every reply waits this long. @default 0 */
  readonly latencyMs?: number;
  /** Seeds fractional faults. @default 1 */
  readonly seed?: number;
}

export interface S3Object {
  readonly body: string;
  /** Quoted MD5 of the body, as S3 reports a single-part object's ETag. */
  readonly etag: string;
}

/** An object operation, as a request names it. */
interface ObjectCall {
  readonly operation: string;
  readonly bucket: string;
  readonly key: string;
  readonly ifMatch?: string;
  readonly ifNoneMatch?: string;
}

/** One request as the server saw it. */
export interface S3RequestRecord extends ObjectCall {
  /** The status answered, or that would have been for a request whose answer was lost or held back. */
  readonly status: number;
  /** The fault this request met, if any. */
  readonly fault?: S3Fault;
}

export interface S3StandIn {
  readonly endpoint: string;
  readonly port: number;
  /** Every request received, in order. */
  readonly requests: readonly S3RequestRecord[];
  fail(fault: S3Fault, options?: FaultOptions): void;
  clearFaults(): void;
  /** Holds every later reply back this long. */
  setLatency(ms: number): void;
  /** Holds the answers to the next `count` GetObject requests until all of them have arrived: readers that overlap for sure. */
  gateReads(count: number): void;
  /** Runs `write` just before the next PutObject is judged, as another writer racing it would. */
  beforeNextPut(write: () => void): void;
  /** Writes an object directly (no request recorded); returns its ETag. */
  putObject(bucket: string, key: string, body: string): string;
  getObject(bucket: string, key: string): S3Object | undefined;
  /** Keys in `bucket`, sorted. */
  keys(bucket: string): string[];
  stop(): Promise<void>;
}

const etagOf = (body: string): string => `"${createHash('md5').update(body).digest('hex')}"`;

/** The object operations served, by HTTP method. */
const OPERATIONS: Readonly<Record<string, string>> = { GET: 'GetObject', HEAD: 'HeadObject', PUT: 'PutObject' };
const OPERATIONS_BY_NAME = new Set(Object.values(OPERATIONS));

export async function startS3Server(options: S3ServerOptions): Promise<S3StandIn> {
  const faults = new FaultPlan<S3Fault>(createRng(options.seed ?? 1));
  const buckets = new Map(options.buckets.map((bucket) => [bucket, new Map<string, S3Object>()]));
  const requests: S3RequestRecord[] = [];
  let racingWrite: (() => void) | undefined;
  let readGate: { waiting: number; open: () => void; opened: Promise<void> } | undefined;

  /** What a GetObject answer waits for: nothing, or every read the gate holds. */
  const passGate = (): Promise<void> | undefined => {
    const gate = readGate;
    if (!gate) return undefined;
    gate.waiting -= 1;
    if (gate.waiting === 0) {
      readGate = undefined;
      gate.open();
    }
    return gate.opened;
  };

  const store = (bucket: string, key: string, body: string): S3Object => {
    const object = { body, etag: etagOf(body) };
    buckets.get(bucket)!.set(key, object);
    return object;
  };

  const handle = (request: HttpRequest): HttpReply => {
    const [bucket = '', ...keyParts] = request.url.pathname.slice(1).split('/').map(decodeURIComponent);
    const call: ObjectCall = {
      operation: OPERATIONS[request.method] ?? request.method,
      bucket,
      key: keyParts.join('/'),
      ifMatch: header(request, 'if-match'),
      ifNoneMatch: header(request, 'if-none-match'),
    };
    const served = OPERATIONS_BY_NAME.has(call.operation) && call.key !== '';
    const fault = served && buckets.has(bucket) ? faults.draw(call.operation) : undefined;
    const reply = !served
      ? s3Error('NotImplemented', `${request.method} ${request.url.pathname}`)
      : isErrorCode(fault)
        ? s3Error(fault, call.key)
        : respond(call, request);
    requests.push({ ...call, status: reply.status, ...(fault && { fault }) });
    if (fault === 'AnswerLost') return { ...reply, drop: true };
    return fault === 'AnswerLate' ? { ...reply, delayMs: LATE_ANSWER_MS } : reply;
  };

  const respond = ({ operation, bucket, key, ifMatch, ifNoneMatch }: ObjectCall, request: HttpRequest): HttpReply => {
    const objects = buckets.get(bucket);
    if (!objects) return s3Error('NoSuchBucket', bucket);
    if (operation !== 'PutObject') {
      const object = objects.get(key);
      if (!object) return s3Error('NoSuchKey', key);
      const headers = { etag: object.etag, 'content-type': 'application/json', 'last-modified': new Date().toUTCString() };
      return operation === 'GetObject' ? { status: 200, headers, body: object.body, after: passGate() } : { status: 200, headers };
    }
    const race = racingWrite;
    racingWrite = undefined;
    race?.();
    const current = objects.get(key);
    const conditionHolds =
      (ifMatch === undefined || (current !== undefined && current.etag === ifMatch)) && (ifNoneMatch !== '*' || current === undefined);
    if (!conditionHolds) return s3Error('PreconditionFailed', key);
    const { etag } = store(bucket, key, payload(request).toString('utf-8'));
    return { status: 200, headers: { etag } };
  };

  const listener = await listenHttp(handle, options.latencyMs);
  return {
    endpoint: listener.endpoint,
    port: listener.port,
    requests,
    fail: (fault, faultOptions) => faults.add(fault, faultOptions),
    clearFaults: () => faults.clear(),
    setLatency: listener.setLatency,
    gateReads: (count) => {
      let open = (): void => undefined;
      const opened = new Promise<void>((resolve) => (open = resolve));
      readGate = { waiting: count, open, opened };
    },
    beforeNextPut: (write) => {
      racingWrite = write;
    },
    putObject: (bucket, key, body) => store(bucket, key, body).etag,
    getObject: (bucket, key) => buckets.get(bucket)?.get(key),
    keys: (bucket) => [...(buckets.get(bucket)?.keys() ?? [])].sort(),
    stop: () => listener.close(),
  };
}

const isErrorCode = (fault: S3Fault | undefined): fault is S3ErrorCode & S3Fault => fault !== undefined && fault in S3_ERRORS;

function header(request: HttpRequest, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value.join(',') : value;
}

/**
 * The object's bytes. The SDK may send a body as `aws-chunked` (hex size, CRLF, data, CRLF ..., a zero-size
 * chunk, then trailing checksum headers), so that framing is undone here.
 */
function payload(request: HttpRequest): Buffer {
  if (!/aws-chunked/.test(header(request, 'content-encoding') ?? '')) return request.body;
  const chunks: Buffer[] = [];
  let offset = 0;
  for (;;) {
    const lineEnd = request.body.indexOf('\r\n', offset);
    const size = parseInt(request.body.subarray(offset, lineEnd).toString('ascii').split(';')[0], 16);
    if (lineEnd < 0 || Number.isNaN(size)) throw new Error(`malformed aws-chunked body at byte ${offset}`);
    if (size === 0) return Buffer.concat(chunks);
    chunks.push(request.body.subarray(lineEnd + 2, lineEnd + 2 + size));
    offset = lineEnd + 2 + size + 2;
  }
}

function s3Error(code: S3ErrorCode, resource: string): HttpReply {
  const { status, message } = S3_ERRORS[code];
  const requestId = randomUUID();
  const body =
    '<?xml version="1.0" encoding="UTF-8"?>\n' +
    `<Error><Code>${code}</Code><Message>${xmlText(message)}</Message><Resource>${xmlText(resource)}</Resource>` +
    `<RequestId>${requestId}</RequestId></Error>`;
  return { status, headers: { 'content-type': 'application/xml', 'x-amz-request-id': requestId }, body };
}
