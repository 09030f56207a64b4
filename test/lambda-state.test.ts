import { AWS_CALL_LIMITS, createClients } from '../lambda/clients';
import { decodeState, encodeState, normalizeState, sameState, StateFormatError } from '../lambda/state-codec';
import { readState, stateKey, writeState, type StateLocation } from '../lambda/state';
import type { SyncState } from '../lambda/types';
import { startS3Server, type S3StandIn } from './support/s3-server';

const ARN_80 = 'arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/prod-80/0123456789abcdef';
const ARN_443 = 'arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/prod-443/fedcba9876543210';
const ALB = 'internal-app-123.eu-west-1.elb.amazonaws.com';
const PORT = 443;
const STATE: SyncState = { missing: { '10.0.0.10:443': 2, '10.0.0.9:8443': 4, '10.0.0.9:443': 1 }, active: ['10.0.1.1', '10.0.0.2'] };

describe('state codec', () => {
  test('encodes canonically, naming its writer: sorted by address then port, so equal states give equal text', () => {
    const text = encodeState(STATE, 'run-1');
    expect(JSON.parse(text)).toEqual({
      version: 2,
      writer: 'run-1',
      missing: { '10.0.0.9:443': 1, '10.0.0.9:8443': 4, '10.0.0.10:443': 2 },
      active: ['10.0.0.2', '10.0.1.1'],
    });
    expect(Object.keys(JSON.parse(text).missing)).toEqual(['10.0.0.9:443', '10.0.0.9:8443', '10.0.0.10:443']);
    expect(encodeState({ ...STATE, active: [...STATE.active].reverse() }, 'run-1')).toBe(text);
  });

  test('decodes what it encodes, with the writer', () => {
    expect(decodeState(encodeState(STATE, 'run-1'), PORT)).toEqual({ state: normalizeState(STATE), writer: 'run-1' });
    expect(decodeState(encodeState(STATE, 'run-1'), PORT).state.missing).toEqual(STATE.missing);
  });

  test('two states with the same counters are the same, whoever wrote them', () => {
    expect(sameState(decodeState(encodeState(STATE, 'a'), PORT).state, decodeState(encodeState(STATE, 'b'), PORT).state)).toBe(true);
    expect(sameState(STATE, { ...STATE, missing: { ...STATE.missing, '10.0.0.9:443': 2 } })).toBe(false);
  });

  test("reads version 1, whose counts by IP become those of the IPs' targets on ALB_LISTENER, with no writer", () => {
    const v1 = '{"version":1,"missing":{"10.0.0.10":2,"10.0.0.9":1},"active":["10.0.0.2"]}';
    expect(decodeState(v1, 8080)).toEqual({ state: { missing: { '10.0.0.9:8080': 1, '10.0.0.10:8080': 2 }, active: ['10.0.0.2'] } });
  });

  test.each([
    ['{"version":2,', 'not JSON'],
    ['[]', 'not a JSON object'],
    ['{"version":3,"writer":"r","missing":{},"active":[]}', 'version is 3, expected one of 1, 2'],
    ['{"version":"2","writer":"r","missing":{},"active":[]}', 'version is "2"'],
    ['{"missing":{},"active":[]}', 'version is undefined'],
    ['{"version":2,"writer":"r","missing":{},"active":[],"extra":1}', 'unknown fields: extra'],
    ['{"version":1,"writer":"r","missing":{},"active":[]}', 'unknown fields: writer'],
    ['{"version":2,"missing":{},"active":[]}', 'state.writer is not a non-empty string: undefined'],
    ['{"version":2,"writer":"","missing":{},"active":[]}', 'state.writer is not a non-empty string'],
    ['{"version":2,"writer":"r","missing":[],"active":[]}', 'state.missing is not an object'],
    ['{"version":2,"writer":"r","missing":{"10.0.0.1:443":-1},"active":[]}', 'not a non-negative integer'],
    ['{"version":2,"writer":"r","missing":{"10.0.0.1:443":1.5},"active":[]}', 'not a non-negative integer'],
    ['{"version":1,"missing":{"10.0.0.1":"2"},"active":[]}', 'not a non-negative integer'],
    ['{"version":2,"writer":"r","missing":{"10.0.0.1":1},"active":[]}', 'not <IPv4>:<port>: "10.0.0.1"'],
    ['{"version":2,"writer":"r","missing":{"10.0.0.1:0":1},"active":[]}', 'not <IPv4>:<port>'],
    ['{"version":2,"writer":"r","missing":{"10.0.0.1:65536":1},"active":[]}', 'not <IPv4>:<port>'],
    ['{"version":2,"writer":"r","missing":{"10.0.0.1:0443":1},"active":[]}', 'not <IPv4>:<port>'],
    ['{"version":2,"writer":"r","missing":{"alb-node:443":1},"active":[]}', 'not <IPv4>:<port>'],
    ['{"version":1,"missing":{"10.0.0.1:443":1},"active":[]}', 'not an IPv4 address'],
    ['{"version":2,"writer":"r","missing":{},"active":"10.0.0.1"}', 'state.active is not an array'],
    ['{"version":2,"writer":"r","missing":{},"active":["10.0.0.256"]}', 'non-IPv4 entry'],
  ])('rejects %s: %s', (text, reason) => {
    expect(() => decodeState(text, PORT)).toThrow(StateFormatError);
    expect(() => decodeState(text, PORT)).toThrow(reason);
  });

  test('two ports on one bucket keep separate keys under their target group ARNs', () => {
    expect(stateKey(ARN_80, ALB)).toBe(`${ARN_80}/${ALB}/state.json`);
    expect(stateKey(ARN_80, ALB)).not.toBe(stateKey(ARN_443, ALB));
  });
});

describe('state in S3 (real SDK against the S3 stand-in on 127.0.0.1)', () => {
  const location: StateLocation = { bucket: 'state-bucket', key: stateKey(ARN_443, ALB) };
  let stub: S3StandIn;
  let s3: ReturnType<typeof createClients>['s3'];

  beforeEach(async () => {
    stub = await startS3Server({ buckets: [location.bucket] });
    Object.assign(process.env, {
      AWS_ENDPOINT_URL_S3: stub.endpoint,
      AWS_ACCESS_KEY_ID: 'test',
      AWS_SECRET_ACCESS_KEY: 'test',
      AWS_EC2_METADATA_DISABLED: 'true',
    });
    s3 = createClients('eu-west-1').s3;
  });
  afterEach(() => stub.stop());
  const stored = () => stub.getObject(location.bucket, location.key);
  const requests = () =>
    stub.requests.map(({ operation, bucket, key, ifMatch, ifNoneMatch }) => ({ operation, bucket, key, ifMatch, ifNoneMatch }));

  test('no object is a first run; the first write is If-None-Match', async () => {
    expect(await readState(s3, location, PORT)).toEqual({ kind: 'absent' });
    expect(await writeState(s3, location, { state: STATE, writer: 'run-1' }, { kind: 'absent' })).toBe('written');
    expect(requests()).toEqual([
      { operation: 'GetObject', ...location, ifMatch: undefined, ifNoneMatch: undefined },
      { operation: 'PutObject', ...location, ifMatch: undefined, ifNoneMatch: '*' },
    ]);
  });

  test('reads back what was written with its ETag, and the next write is If-Match on it', async () => {
    await writeState(s3, location, { state: STATE, writer: 'run-1' }, { kind: 'absent' });
    const read = await readState(s3, location, PORT);
    expect(read).toEqual({ kind: 'found', state: normalizeState(STATE), writer: 'run-1', etag: stored()!.etag });
    const etag = read.kind === 'found' ? read.etag : '';
    expect(await writeState(s3, location, { state: { ...STATE, missing: {} }, writer: 'run-2' }, { kind: 'found', etag })).toBe('written');
    expect(requests().at(-1)).toMatchObject({ operation: 'PutObject', ifMatch: etag });
  });

  test('another run having written first is a conflict, and its counters stay', async () => {
    await writeState(s3, location, { state: STATE, writer: 'run-1' }, { kind: 'absent' });
    const theirs = stored();
    expect(await writeState(s3, location, { state: { ...STATE, missing: {} }, writer: 'run-2' }, { kind: 'found', etag: '"stale"' })).toBe(
      'conflict',
    );
    expect(await writeState(s3, location, { state: { ...STATE, missing: {} }, writer: 'run-2' }, { kind: 'absent' })).toBe('conflict');
    expect(stored()).toEqual(theirs);
  });

  test(
    'a write S3 carried out but whose answer was lost: the retry ' + 'meets it as a conflict, and the object read back names its writer',
    async () => {
      stub.fail('AnswerLost', { operation: 'PutObject', times: 1 });
      expect(await writeState(s3, location, { state: STATE, writer: 'run-1' }, { kind: 'absent' })).toBe('conflict');
      expect(stub.requests.map(({ status, fault }) => [status, fault])).toEqual([
        [200, 'AnswerLost'],
        [412, undefined],
      ]);
      expect(await readState(s3, location, PORT)).toMatchObject({ kind: 'found', state: normalizeState(STATE), writer: 'run-1' });
    },
  );

  test('a version-1 object is read, its counts on ALB_LISTENER; the next write replaces it with version 2', async () => {
    stub.putObject(location.bucket, location.key, '{"version":1,"missing":{"10.0.0.9":2},"active":["10.0.0.2"]}');
    const read = await readState(s3, location, PORT);
    expect(read).toEqual({ kind: 'found', state: { missing: { '10.0.0.9:443': 2 }, active: ['10.0.0.2'] }, etag: stored()!.etag });
    expect(await writeState(s3, location, { state: STATE, writer: 'run-1' }, { kind: 'found', etag: stored()!.etag })).toBe('written');
    expect(JSON.parse(stored()!.body)).toMatchObject({ version: 2, writer: 'run-1' });
  });

  test('a 409 ConditionalRequestConflict is a conflict too', async () => {
    stub.fail('ConditionalRequestConflict', { operation: 'PutObject' });
    expect(await writeState(s3, location, { state: STATE, writer: 'run-1' }, { kind: 'absent' })).toBe('conflict');
  });

  test('any other write failure throws, naming the object', async () => {
    stub.fail('AccessDenied', { operation: 'PutObject' });
    await expect(writeState(s3, location, { state: STATE, writer: 'run-1' }, { kind: 'absent' })).rejects.toThrow(
      /writing s3:\/\/state-bucket\/.*AccessDenied/,
    );
  });

  test('a read refused with AccessDenied is unreadable, not a first run', async () => {
    stub.fail('AccessDenied', { operation: 'GetObject' });
    expect(await readState(s3, location, PORT)).toEqual({ kind: 'unreadable', reason: expect.stringContaining('AccessDenied') });
  });

  test('a missing bucket is unreadable, not a first run', async () => {
    expect(await readState(s3, { ...location, bucket: 'no-such-bucket' }, PORT)).toEqual({
      kind: 'unreadable',
      reason: expect.stringContaining('NoSuchBucket'),
    });
  });

  test('a read failing with 500 is retried, then unreadable', async () => {
    stub.fail('InternalError', { operation: 'GetObject' });
    expect(await readState(s3, location, PORT)).toEqual({ kind: 'unreadable', reason: expect.stringContaining('InternalError') });
    expect(stub.requests).toHaveLength(AWS_CALL_LIMITS.maxAttempts);
  });

  test('a 500 that clears on retry still reads the state', async () => {
    await writeState(s3, location, { state: STATE, writer: 'run-1' }, { kind: 'absent' });
    stub.fail('InternalError', { operation: 'GetObject', times: 1 });
    expect((await readState(s3, location, PORT)).kind).toBe('found');
  });

  test('an object that does not parse is unreadable, saying why', async () => {
    stub.putObject(location.bucket, location.key, '{"version":2,"writer":"r","missing":{"10.0.0.1:443":-3},"active":[]}');
    expect(await readState(s3, location, PORT)).toEqual({
      kind: 'unreadable',
      reason: expect.stringContaining('not a non-negative integer'),
    });
  });
});
