import { createHash } from 'node:crypto';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createClients } from '../lambda/clients';
import { decodeState, encodeState, StateFormatError } from '../lambda/state-codec';
import { readState, stateKey, writeState, type StateLocation } from '../lambda/state';
import type { SyncState } from '../lambda/types';

const ARN_80 = 'arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/prod-80/0123456789abcdef';
const ARN_443 = 'arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/prod-443/fedcba9876543210';
const ALB = 'internal-app-123.eu-west-1.elb.amazonaws.com';
const STATE: SyncState = { version: 1, missing: { '10.0.0.10': 2, '10.0.0.9': 1 }, active: ['10.0.1.1', '10.0.0.2'] };

describe('state codec', () => {
  test('encodes canonically: sorted, so equal states give equal text', () => {
    const text = encodeState(STATE);
    expect(JSON.parse(text)).toEqual({ version: 1, missing: { '10.0.0.9': 1, '10.0.0.10': 2 }, active: ['10.0.0.2', '10.0.1.1'] });
    expect(Object.keys(JSON.parse(text).missing)).toEqual(['10.0.0.9', '10.0.0.10']);
    expect(encodeState({ ...STATE, active: [...STATE.active].reverse() })).toBe(text);
  });

  test('decodes what it encodes', () => {
    expect(decodeState(encodeState(STATE))).toEqual(decodeState(encodeState(decodeState(encodeState(STATE)))));
    expect(decodeState(encodeState(STATE)).missing).toEqual(STATE.missing);
  });

  test.each([
    ['{"version":1,', 'not JSON'],
    ['[]', 'not a JSON object'],
    ['{"version":2,"missing":{},"active":[]}', 'version is 2'],
    ['{"missing":{},"active":[]}', 'version is undefined'],
    ['{"version":1,"missing":{},"active":[],"extra":1}', 'unknown fields: extra'],
    ['{"version":1,"missing":[],"active":[]}', 'state.missing is not an object'],
    ['{"version":1,"missing":{"10.0.0.1":-1},"active":[]}', 'not a non-negative integer'],
    ['{"version":1,"missing":{"10.0.0.1":1.5},"active":[]}', 'not a non-negative integer'],
    ['{"version":1,"missing":{"10.0.0.1":"2"},"active":[]}', 'not a non-negative integer'],
    ['{"version":1,"missing":{"alb-node":1},"active":[]}', 'not an IPv4 address'],
    ['{"version":1,"missing":{},"active":"10.0.0.1"}', 'state.active is not an array'],
    ['{"version":1,"missing":{},"active":["10.0.0.256"]}', 'non-IPv4 entry'],
  ])('rejects %s: %s', (text, reason) => {
    expect(() => decodeState(text)).toThrow(StateFormatError);
    expect(() => decodeState(text)).toThrow(reason);
  });

  test('two ports on one bucket keep separate keys under their target group ARNs', () => {
    expect(stateKey(ARN_80, ALB)).toBe(`${ARN_80}/${ALB}/state.json`);
    expect(stateKey(ARN_80, ALB)).not.toBe(stateKey(ARN_443, ALB));
  });
});

/** Just enough of S3 on 127.0.0.1: path-style GET and PUT with If-Match / If-None-Match, and injected faults. */
interface Fault {
  readonly status: number;
  readonly code: string;
}
function startS3() {
  const objects = new Map<string, { body: string; etag: string }>();
  const faults: Fault[] = [];
  const requests: { method: string; path: string; ifMatch?: string; ifNoneMatch?: string }[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const path = decodeURIComponent(new URL(req.url!, 'http://x').pathname);
      const ifMatch = req.headers['if-match'] as string | undefined;
      const ifNoneMatch = req.headers['if-none-match'] as string | undefined;
      requests.push({ method: req.method!, path, ifMatch, ifNoneMatch });
      const fail = ({ status, code }: Fault) => {
        res.writeHead(status, { 'content-type': 'application/xml' });
        res.end(`<?xml version="1.0" encoding="UTF-8"?><Error><Code>${code}</Code><Message>${code}</Message></Error>`);
      };
      const fault = faults.shift();
      if (fault) return fail(fault);
      const current = objects.get(path);
      if (req.method === 'GET') {
        if (!current) return fail({ status: 404, code: 'NoSuchKey' });
        res.writeHead(200, { etag: current.etag, 'content-type': 'application/json' });
        return res.end(current.body);
      }
      if ((ifMatch && ifMatch !== current?.etag) || (ifNoneMatch === '*' && current)) return fail({ status: 412, code: 'PreconditionFailed' });
      const body = Buffer.concat(chunks).toString();
      const etag = `"${createHash('md5').update(body).digest('hex')}"`;
      objects.set(path, { body, etag });
      res.writeHead(200, { etag });
      res.end();
    });
  });
  return { server, objects, faults, requests };
}

describe('state in S3 (real SDK against a stand-in on 127.0.0.1)', () => {
  const s3Stub = startS3();
  const location: StateLocation = { bucket: 'state-bucket', key: stateKey(ARN_443, ALB) };
  const objectPath = `/${location.bucket}/${location.key}`;
  let s3: ReturnType<typeof createClients>['s3'];

  beforeAll(async () => {
    await new Promise<void>((resolve) => s3Stub.server.listen(0, '127.0.0.1', resolve));
    const { port } = s3Stub.server.address() as AddressInfo;
    Object.assign(process.env, {
      AWS_ENDPOINT_URL_S3: `http://127.0.0.1:${port}`,
      AWS_ACCESS_KEY_ID: 'test',
      AWS_SECRET_ACCESS_KEY: 'test',
      AWS_EC2_METADATA_DISABLED: 'true',
    });
    s3 = createClients('eu-west-1').s3;
  });
  afterAll(() => new Promise<void>((resolve) => s3Stub.server.close(() => resolve())));
  beforeEach(() => {
    s3Stub.objects.clear();
    s3Stub.faults.length = 0;
    s3Stub.requests.length = 0;
  });

  test('no object is a first run; the first write is If-None-Match, path-style on an IP endpoint', async () => {
    expect(await readState(s3, location)).toEqual({ kind: 'absent' });
    expect(await writeState(s3, location, STATE, { kind: 'absent' })).toBe('written');
    expect(s3Stub.requests.map(({ method, path, ifNoneMatch }) => ({ method, path, ifNoneMatch }))).toEqual([
      { method: 'GET', path: objectPath, ifNoneMatch: undefined },
      { method: 'PUT', path: objectPath, ifNoneMatch: '*' },
    ]);
  });

  test('reads back what was written with its ETag, and the next write is If-Match on it', async () => {
    await writeState(s3, location, STATE, { kind: 'absent' });
    const read = await readState(s3, location);
    expect(read).toEqual({ kind: 'found', state: decodeState(encodeState(STATE)), etag: s3Stub.objects.get(objectPath)!.etag });
    const etag = read.kind === 'found' ? read.etag : '';
    expect(await writeState(s3, location, { ...STATE, missing: {} }, { kind: 'found', etag })).toBe('written');
    expect(s3Stub.requests.at(-1)).toMatchObject({ method: 'PUT', ifMatch: etag });
  });

  test('another run having written first is a conflict, and its counters stay', async () => {
    await writeState(s3, location, STATE, { kind: 'absent' });
    const theirs = s3Stub.objects.get(objectPath);
    expect(await writeState(s3, location, { ...STATE, missing: {} }, { kind: 'found', etag: '"stale"' })).toBe('conflict');
    expect(await writeState(s3, location, { ...STATE, missing: {} }, { kind: 'absent' })).toBe('conflict');
    expect(s3Stub.objects.get(objectPath)).toEqual(theirs);
  });

  test('a 409 ConditionalRequestConflict is a conflict too', async () => {
    s3Stub.faults.push({ status: 409, code: 'ConditionalRequestConflict' });
    expect(await writeState(s3, location, STATE, { kind: 'absent' })).toBe('conflict');
  });

  test('any other write failure throws, naming the object', async () => {
    s3Stub.faults.push({ status: 403, code: 'AccessDenied' });
    await expect(writeState(s3, location, STATE, { kind: 'absent' })).rejects.toThrow(/writing s3:\/\/state-bucket\/.*AccessDenied/);
  });

  test.each([
    [{ status: 403, code: 'AccessDenied' }, 'AccessDenied'],
    [{ status: 404, code: 'NoSuchBucket' }, 'NoSuchBucket'],
  ])('a read failing with %p is unreadable, not a first run', async (fault, reason) => {
    s3Stub.faults.push(fault);
    const read = await readState(s3, location);
    expect(read).toEqual({ kind: 'unreadable', reason: expect.stringContaining(reason) });
  });

  test('a read failing with 500 is retried, then unreadable', async () => {
    s3Stub.faults.push(...Array.from({ length: 3 }, () => ({ status: 500, code: 'InternalError' })));
    const read = await readState(s3, location);
    expect(read).toEqual({ kind: 'unreadable', reason: expect.stringContaining('InternalError') });
    expect(s3Stub.requests).toHaveLength(3);
  });

  test('a 500 that clears on retry still reads the state', async () => {
    await writeState(s3, location, STATE, { kind: 'absent' });
    s3Stub.faults.push({ status: 500, code: 'InternalError' });
    expect((await readState(s3, location)).kind).toBe('found');
  });

  test('an object that does not parse is unreadable, saying why', async () => {
    s3Stub.objects.set(objectPath, { body: '{"version":1,"missing":{"10.0.0.1":-3},"active":[]}', etag: '"x"' });
    expect(await readState(s3, location)).toEqual({ kind: 'unreadable', reason: expect.stringContaining('not a non-negative integer') });
  });
});
