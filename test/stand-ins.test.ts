/**
 * The stand-ins speak their protocols: the real AWS SDK v3 clients and real DNS packets over UDP talk to them,
 * so the integration scenarios exercise the function's real wire code, not a mock of it.
 */
import * as dgram from 'node:dgram';
import * as net from 'node:net';
import {
  DeregisterTargetsCommand,
  DescribeTargetHealthCommand,
  ElasticLoadBalancingV2Client,
  RegisterTargetsCommand,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { DescribeNetworkInterfacesCommand, EC2Client } from '@aws-sdk/client-ec2';
import { GetObjectCommand, HeadObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import * as dnsPacket from 'dns-packet';
import { createHash } from 'node:crypto';
import { authoritativeServers } from '../lambda/dns/authoritative-servers';
import { nodeAddresses } from '../bench/dns-model';
import { ALB_ANSWER_SIZE, ALB_TTL_SECONDS, startDnsServer, type DnsStandIn } from './support/dns-server';
import { ASSUMED_CREDENTIALS, elbInterfaces, startEc2Server, startStsServer, type Ec2StandIn, type StsStandIn } from './support/ec2-server';
import { startElbv2Server, type Elbv2StandIn } from './support/elbv2-server';
import { startS3Server, type S3StandIn } from './support/s3-server';
import { FAKE_CREDENTIALS, TEST_REGION } from './support/run-sync';

const ALB = 'internal-web-1234567890.us-east-1.elb.amazonaws.com';
const TG = 'arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/static-ip-443/0123456789abcdef';

/** What came back for one UDP query: the decoded response, or nothing within `timeoutMs`. */
async function ask(port: number, name: string, type: 'A' | 'NS' = 'A', timeoutMs = 2_000): Promise<dnsPacket.DecodedPacket | 'timeout'> {
  const socket = dgram.createSocket('udp4');
  try {
    return await new Promise((resolve, reject) => {
      const timer = setTimeout(() => resolve('timeout'), timeoutMs);
      socket.on('error', reject);
      socket.on('message', (message) => {
        clearTimeout(timer);
        resolve(dnsPacket.decode(message));
      });
      socket.send(
        dnsPacket.encode({ type: 'query', id: 4242, flags: dnsPacket.RECURSION_DESIRED, questions: [{ type, name }] }),
        port,
        '127.0.0.1',
      );
    });
  } finally {
    socket.close();
  }
}

/** What came back for one query over TCP (RFC 7766 framing), or 'closed' when the server closed unanswered. */
async function askTcp(port: number, name: string): Promise<dnsPacket.DecodedPacket | 'closed'> {
  const socket = net.connect({ host: '127.0.0.1', port });
  try {
    return await new Promise((resolve, reject) => {
      let received = Buffer.alloc(0);
      socket.on('error', reject);
      socket.on('close', () => resolve('closed'));
      socket.on('data', (chunk: Buffer) => {
        received = Buffer.concat([received, chunk]);
        if (received.length >= 2 && received.length >= 2 + received.readUInt16BE(0))
          resolve(dnsPacket.streamDecode(received) as dnsPacket.DecodedPacket);
      });
      socket.write(
        dnsPacket.streamEncode({ type: 'query', id: 4343, flags: dnsPacket.RECURSION_DESIRED, questions: [{ type: 'A', name }] }),
      );
    });
  } finally {
    socket.destroy();
  }
}

const rcodeOf = (response: dnsPacket.DecodedPacket): number => (response.flags ?? 0) & 0x0f;
const addressesOf = (response: dnsPacket.DecodedPacket | 'timeout'): string[] =>
  response === 'timeout' ? [] : (response.answers ?? []).flatMap((answer) => (answer.type === 'A' ? [answer.data] : []));

describe('DNS stand-in', () => {
  let dns: DnsStandIn;
  const nodes = nodeAddresses(40);
  beforeEach(async () => {
    dns = await startDnsServer({
      name: ALB,
      addresses: nodes,
      nameServers: { 'ns-1.awsdns-01.com': '127.0.0.53', 'ns-2.awsdns-02.net': '127.0.0.54' },
      seed: 7,
    });
  });
  afterEach(() => dns.stop());

  it('answers like an ALB: 8 distinct addresses of N per answer, TTL 60, authoritative, the query id echoed', async () => {
    const response = await ask(dns.port, ALB);
    if (response === 'timeout') throw new Error('no answer');
    const addresses = addressesOf(response);
    expect(response.id).toBe(4242);
    expect(response.flag_aa).toBe(true);
    expect(rcodeOf(response)).toBe(0);
    expect(new Set(addresses).size).toBe(ALB_ANSWER_SIZE);
    expect(addresses.every((ip) => nodes.includes(ip))).toBe(true);
    expect((response.answers ?? []).every((answer) => 'ttl' in answer && answer.ttl === ALB_TTL_SECONDS)).toBe(true);
  });

  it('draws each answer at random, so repeated queries see every node', async () => {
    const seen = new Set<string>();
    for (let i = 0; i < 60; i++) addressesOf(await ask(dns.port, ALB)).forEach((ip) => seen.add(ip));
    expect([...seen].sort()).toEqual([...nodes].sort());
    expect(dns.queries).toHaveLength(60);
  });

  it('answers with every node when the ALB has 8 or fewer, and follows scale-in between queries', async () => {
    dns.setAddresses(nodes.slice(0, 5));
    expect(addressesOf(await ask(dns.port, ALB)).sort()).toEqual(nodes.slice(0, 5).sort());
    dns.setAddresses(['10.9.0.1']);
    expect(addressesOf(await ask(dns.port, ALB))).toEqual(['10.9.0.1']);
  });

  it('serves the zone NS records and their addresses, so authoritative discovery finds the name servers', async () => {
    const servers = await authoritativeServers(ALB, { timeoutMs: 1_000, resolvers: [`127.0.0.1:${dns.port}`] });
    expect(servers).toEqual([
      { host: '127.0.0.53', port: 53 },
      { host: '127.0.0.54', port: 53 },
    ]);
    expect(dns.queries.map((query) => `${query.type} ${query.name}`)).toContain('NS us-east-1.elb.amazonaws.com');
  });

  it('answers NXDOMAIN for names it does not serve', async () => {
    const response = await ask(dns.port, 'nothing.example.com');
    expect(response !== 'timeout' && rcodeOf(response)).toBe(3);
  });

  it('injects SERVFAIL, empty NOERROR answers and drops, for the next k queries only', async () => {
    dns.fail('servfail', { times: 2 });
    dns.fail('empty', { times: 1 });
    const servfails = [await ask(dns.port, ALB), await ask(dns.port, ALB)];
    expect(servfails.map((response) => response !== 'timeout' && rcodeOf(response))).toEqual([2, 2]);
    const empty = await ask(dns.port, ALB);
    expect(empty !== 'timeout' && [rcodeOf(empty), addressesOf(empty)]).toEqual([0, []]);
    expect(addressesOf(await ask(dns.port, ALB))).toHaveLength(ALB_ANSWER_SIZE);

    dns.fail('drop', { times: 1 });
    expect(await ask(dns.port, ALB, 'A', 300)).toBe('timeout');
    expect(dns.queries.map((query) => query.fault)).toEqual(['servfail', 'servfail', 'empty', undefined, 'drop']);
  });

  it('fails a seeded fraction of queries, and only of the operation named', async () => {
    dns.fail('servfail', { fraction: 0.5, operation: 'A' });
    const responses: Awaited<ReturnType<typeof ask>>[] = [];
    for (let i = 0; i < 100; i++) responses.push(await ask(dns.port, ALB));
    const failed = responses.filter((response) => response !== 'timeout' && rcodeOf(response) === 2).length;
    expect(failed).toBeGreaterThan(30);
    expect(failed).toBeLessThan(70);
    const ns = await ask(dns.port, 'us-east-1.elb.amazonaws.com', 'NS');
    expect(ns !== 'timeout' && rcodeOf(ns)).toBe(0);
    dns.clearFaults();
    expect(addressesOf(await ask(dns.port, ALB))).toHaveLength(ALB_ANSWER_SIZE);
  });

  it.each([
    ['nxdomain', 3],
    ['refused', 5],
  ] as const)('injects %s as its response code, still authoritative', async (fault, rcode) => {
    dns.fail(fault, { times: 1 });
    const response = await ask(dns.port, ALB);
    expect(response !== 'timeout' && [rcodeOf(response), response.flag_aa, addressesOf(response)]).toEqual([rcode, true, []]);
    expect(addressesOf(await ask(dns.port, ALB))).toHaveLength(ALB_ANSWER_SIZE);
  });

  it('truncates over UDP (TC set, 3 records) and answers the same question whole over TCP, on the same port', async () => {
    dns.fail('truncate');
    const truncated = await ask(dns.port, ALB);
    expect(truncated !== 'timeout' && [truncated.flag_tc, addressesOf(truncated).length]).toEqual([true, 3]);
    const whole = await askTcp(dns.port, ALB);
    if (whole === 'closed') throw new Error('no answer over TCP');
    expect([whole.id, whole.flag_tc, whole.flag_aa, new Set(addressesOf(whole)).size]).toEqual([4343, false, true, ALB_ANSWER_SIZE]);
    expect(dns.queries.map((query) => [query.transport, query.fault])).toEqual([
      ['udp', 'truncate'],
      ['tcp', undefined],
    ]);
  });

  it('with tcp: false, closes TCP connections unanswered', async () => {
    const udpOnly = await startDnsServer({ name: ALB, addresses: nodes, tcp: false });
    try {
      expect(await askTcp(udpOnly.port, ALB)).toBe('closed');
      expect(addressesOf(await ask(udpOnly.port, ALB))).toHaveLength(ALB_ANSWER_SIZE);
    } finally {
      await udpOnly.stop();
    }
  });

  it('duplicate: 8 records of which one repeats another', async () => {
    dns.fail('duplicate', { times: 1 });
    const addresses = addressesOf(await ask(dns.port, ALB));
    expect([addresses.length, new Set(addresses).size]).toEqual([ALB_ANSWER_SIZE, ALB_ANSWER_SIZE - 1]);
  });

  it('cached: answers like a caching resolver, the same addresses every time and without AA, until cleared', async () => {
    dns.fail('cached');
    const answers = [await ask(dns.port, ALB), await ask(dns.port, ALB), await ask(dns.port, ALB)];
    expect(answers.map((response) => response !== 'timeout' && response.flag_aa)).toEqual([false, false, false]);
    expect(new Set(answers.map((response) => addressesOf(response).sort().join()))).toEqual(
      new Set([addressesOf(answers[0]).sort().join()]),
    );
    expect(addressesOf(answers[0])).toHaveLength(ALB_ANSWER_SIZE);
    dns.clearFaults();
    const fresh = await ask(dns.port, ALB);
    expect(fresh !== 'timeout' && fresh.flag_aa).toBe(true);
  });

  it('holds each answer back by delayMs', async () => {
    const slow = await startDnsServer({ name: ALB, addresses: nodes, delayMs: 1_000 });
    try {
      expect(await ask(slow.port, ALB, 'A', 50)).toBe('timeout');
      expect(addressesOf(await ask(slow.port, ALB, 'A', 5_000))).toHaveLength(ALB_ANSWER_SIZE);
    } finally {
      await slow.stop();
    }
  });
});

describe('S3 stand-in, through the real S3 client', () => {
  const BUCKET = 'sync-state';
  const KEY = `${TG}/${ALB}/state.json`;
  let s3: S3StandIn;
  let client: S3Client;
  beforeEach(async () => {
    s3 = await startS3Server({ buckets: [BUCKET] });
    // No forcePathStyle: with an IP endpoint the SDK addresses buckets path-style by itself, as in the function.
    client = new S3Client({ region: TEST_REGION, endpoint: s3.endpoint, credentials: FAKE_CREDENTIALS, maxAttempts: 1 });
  });
  afterEach(async () => {
    client.destroy();
    await s3.stop();
  });

  const put = (body: string, condition: { IfMatch?: string; IfNoneMatch?: string }) =>
    client.send(new PutObjectCommand({ Bucket: BUCKET, Key: KEY, Body: body, ContentType: 'application/json', ...condition }));
  const errorOf = (promise: Promise<unknown>) =>
    promise.then(
      () => undefined,
      (error: Error & { $metadata: { httpStatusCode?: number } }) => `${error.name} ${error.$metadata.httpStatusCode}`,
    );

  it('answers a missing key with NoSuchKey, the error a first run expects', async () => {
    expect(await errorOf(client.send(new GetObjectCommand({ Bucket: BUCKET, Key: KEY })))).toBe('NoSuchKey 404');
    expect(s3.requests[0]).toMatchObject({ operation: 'GetObject', bucket: BUCKET, key: KEY, status: 404 });
  });

  it('creates with If-None-Match: *, reads back with the quoted-MD5 ETag, and refuses a second create', async () => {
    const body = '{"version":1}';
    const { ETag } = await put(body, { IfNoneMatch: '*' });
    expect(ETag).toBe(`"${createHash('md5').update(body).digest('hex')}"`);
    const read = await client.send(new GetObjectCommand({ Bucket: BUCKET, Key: KEY }));
    expect([await read.Body?.transformToString(), read.ETag]).toEqual([body, ETag]);
    expect((await client.send(new HeadObjectCommand({ Bucket: BUCKET, Key: KEY }))).ETag).toBe(ETag);
    expect(await errorOf(put('{}', { IfNoneMatch: '*' }))).toBe('PreconditionFailed 412');
    expect(s3.getObject(BUCKET, KEY)?.body).toBe(body);
    expect(s3.keys(BUCKET)).toEqual([KEY]);
  });

  it('replaces with If-Match only while the ETag is current, and refuses If-Match on a missing object', async () => {
    const first = s3.putObject(BUCKET, KEY, 'one');
    const { ETag: second } = await put('two', { IfMatch: first });
    expect(await errorOf(put('three', { IfMatch: first }))).toBe('PreconditionFailed 412');
    expect(s3.getObject(BUCKET, KEY)).toEqual({ body: 'two', etag: second });
    expect(await errorOf(client.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'other', Body: 'x', IfMatch: first })))).toBe(
      'PreconditionFailed 412',
    );
    expect(s3.requests.filter((request) => request.operation === 'PutObject').map((request) => request.ifMatch)).toEqual([
      first,
      first,
      first,
    ]);
  });

  it('lets a racing writer land just before a put is judged', async () => {
    const etag = s3.putObject(BUCKET, KEY, 'read by us');
    s3.beforeNextPut(() => s3.putObject(BUCKET, KEY, 'written by another run'));
    expect(await errorOf(put('ours', { IfMatch: etag }))).toBe('PreconditionFailed 412');
    expect(s3.getObject(BUCKET, KEY)?.body).toBe('written by another run');
  });

  it('gates reads: the first answer waits until the second read arrives, each with the state it arrived to', async () => {
    s3.putObject(BUCKET, KEY, 'first');
    s3.gateReads(2);
    const read = () => client.send(new GetObjectCommand({ Bucket: BUCKET, Key: KEY })).then((object) => object.Body!.transformToString());
    const held = read();
    const state = await Promise.race([held, new Promise((resolve) => setTimeout(() => resolve('still held'), 300))]);
    expect(state).toBe('still held');
    s3.putObject(BUCKET, KEY, 'second');
    expect(await Promise.all([held, read()])).toEqual(['first', 'second']);
  });

  it.each([
    ['InternalError', 'InternalError 500'],
    ['AccessDenied', 'AccessDenied 403'],
    ['PreconditionFailed', 'PreconditionFailed 412'],
    ['ConditionalRequestConflict', 'ConditionalRequestConflict 409'],
  ] as const)('injects %s on the operation named, then recovers', async (fault, expected) => {
    s3.putObject(BUCKET, KEY, 'kept');
    s3.fail(fault, { operation: 'PutObject', times: 1 });
    expect(await errorOf(client.send(new GetObjectCommand({ Bucket: BUCKET, Key: KEY })))).toBeUndefined();
    expect(await errorOf(put('new', {}))).toBe(expected);
    expect(s3.getObject(BUCKET, KEY)?.body).toBe('kept');
    expect(await errorOf(put('new', {}))).toBeUndefined();
  });

  it('stalls replies by the latency set, so a client with a request timeout gives up', async () => {
    s3.putObject(BUCKET, KEY, 'kept');
    s3.setLatency(60_000);
    const impatient = new S3Client({
      region: TEST_REGION,
      endpoint: s3.endpoint,
      credentials: FAKE_CREDENTIALS,
      maxAttempts: 1,
      requestHandler: { requestTimeout: 100, throwOnRequestTimeout: true },
    });
    expect(await errorOf(impatient.send(new GetObjectCommand({ Bucket: BUCKET, Key: KEY })))).toMatch(/^TimeoutError/);
    impatient.destroy();
    s3.setLatency(0);
    expect(await errorOf(client.send(new GetObjectCommand({ Bucket: BUCKET, Key: KEY })))).toBeUndefined();
  });

  it.each([
    ['AnswerLost', /socket hang up|ECONNRESET/],
    ['AnswerLate', /requestTimeout/],
  ] as const)('%s: carries the put out, then the client never gets the answer; a retry meets its own write', async (fault, clientError) => {
    const etag = s3.putObject(BUCKET, KEY, 'before');
    s3.fail(fault, { operation: 'PutObject', times: 1 });
    const impatient = new S3Client({
      region: TEST_REGION,
      endpoint: s3.endpoint,
      credentials: FAKE_CREDENTIALS,
      maxAttempts: 1,
      requestHandler: { requestTimeout: 300, throwOnRequestTimeout: true },
    });
    const send = () => impatient.send(new PutObjectCommand({ Bucket: BUCKET, Key: KEY, Body: 'after', IfMatch: etag }));
    await expect(send()).rejects.toThrow(clientError);
    expect(s3.getObject(BUCKET, KEY)?.body).toBe('after');
    expect(await errorOf(send())).toBe('PreconditionFailed 412');
    impatient.destroy();
    expect(s3.requests.map(({ status, fault: met }) => [status, met])).toEqual([
      [200, fault],
      [412, undefined],
    ]);
  });

  it('answers a bucket that does not exist with NoSuchBucket', async () => {
    expect(await errorOf(client.send(new GetObjectCommand({ Bucket: 'elsewhere', Key: KEY })))).toBe('NoSuchBucket 404');
  });
});

describe('ELBv2 stand-in, through the real ELBv2 client', () => {
  const OTHER_TG = 'arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/static-ip-80/fedcba9876543210';
  let elb: Elbv2StandIn;
  let client: ElasticLoadBalancingV2Client;
  beforeEach(async () => {
    elb = await startElbv2Server({ targetGroups: { [TG]: 443, [OTHER_TG]: 80 } });
    client = new ElasticLoadBalancingV2Client({
      region: TEST_REGION,
      endpoint: elb.endpoint,
      credentials: FAKE_CREDENTIALS,
      maxAttempts: 1,
    });
  });
  afterEach(async () => {
    client.destroy();
    await elb.stop();
  });

  const describeTargets = async (arn = TG) =>
    (await client.send(new DescribeTargetHealthCommand({ TargetGroupArn: arn }))).TargetHealthDescriptions?.map(
      ({ Target, TargetHealth }) => ({
        ...Target,
        state: TargetHealth?.State,
      }),
    );
  const errorOf = (promise: Promise<unknown>) =>
    promise.then(
      () => undefined,
      (error: Error & { $metadata: { httpStatusCode?: number } }) => `${error.name} ${error.$metadata.httpStatusCode}: ${error.message}`,
    );

  it('registers idempotently, and DescribeTargetHealth reports Id, Port, AvailabilityZone and State as the SDK parses them', async () => {
    await client.send(
      new RegisterTargetsCommand({
        TargetGroupArn: TG,
        Targets: [
          { Id: '10.0.1.5', Port: 443 },
          { Id: '10.0.2.6', Port: 443, AvailabilityZone: 'all' },
        ],
      }),
    );
    await client.send(new RegisterTargetsCommand({ TargetGroupArn: TG, Targets: [{ Id: '10.0.1.5', Port: 443 }] }));
    expect(await describeTargets()).toEqual([
      { Id: '10.0.1.5', Port: 443, AvailabilityZone: 'us-east-1b', state: 'initial' },
      { Id: '10.0.2.6', Port: 443, AvailabilityZone: 'all', state: 'initial' },
    ]);
    expect(await describeTargets(OTHER_TG)).toEqual([]);
    expect(elb.requests[0]).toMatchObject({
      action: 'RegisterTargets',
      targetGroupArn: TG,
      targets: [
        { id: '10.0.1.5', port: 443 },
        { id: '10.0.2.6', port: 443, availabilityZone: 'all' },
      ],
      status: 200,
    });
  });

  it('deregisters only a target named with its port; a wrong port or unknown target succeeds and changes nothing', async () => {
    elb.addTargets(TG, [
      { ip: '10.0.1.5', port: 443, availabilityZone: 'us-east-1a' },
      { ip: '10.0.1.6', port: 8443, availabilityZone: 'us-east-1b' },
    ]);
    await client.send(
      new DeregisterTargetsCommand({
        TargetGroupArn: TG,
        Targets: [
          { Id: '10.0.1.6', Port: 443 },
          { Id: '10.0.9.9', Port: 443 },
        ],
      }),
    );
    expect(elb.targets(TG).map((target) => target.ip)).toEqual(['10.0.1.5', '10.0.1.6']);
    await client.send(
      new DeregisterTargetsCommand({ TargetGroupArn: TG, Targets: [{ Id: '10.0.1.6', Port: 8443, AvailabilityZone: 'us-east-1b' }] }),
    );
    expect(elb.targets(TG)).toEqual([{ ip: '10.0.1.5', port: 443, availabilityZone: 'us-east-1a', health: 'healthy' }]);
  });

  it('answers an unknown target group with TargetGroupNotFound', async () => {
    const unknown = TG.replace('0123456789abcdef', 'aaaaaaaaaaaaaaaa');
    expect(await errorOf(describeTargets(unknown))).toMatch(/^TargetGroupNotFoundException 400: /);
  });

  it.each([
    ['Throttling', /^Throttling 400: Rate exceeded$/],
    ['TargetGroupNotFound', /^TargetGroupNotFoundException 400: /],
    ['InternalFailure', /500/],
  ] as const)('injects %s in the Query error format, for the next k calls', async (fault, expected) => {
    elb.fail(fault, { times: 2, operation: 'DescribeTargetHealth' });
    expect(await errorOf(describeTargets())).toMatch(expected);
    expect(
      await errorOf(client.send(new RegisterTargetsCommand({ TargetGroupArn: TG, Targets: [{ Id: '10.0.1.5', Port: 443 }] }))),
    ).toBeUndefined();
    expect(await errorOf(describeTargets())).toMatch(expected);
    expect(await errorOf(describeTargets())).toBeUndefined();
    expect(elb.requests.map((request) => request.errorCode)).toEqual([fault, undefined, fault, undefined]);
  });

  it('lets the SDK retry through throttling', async () => {
    const retrying = new ElasticLoadBalancingV2Client({
      region: TEST_REGION,
      endpoint: elb.endpoint,
      credentials: FAKE_CREDENTIALS,
      maxAttempts: 3,
      retryMode: 'adaptive',
    });
    elb.fail('Throttling', { times: 2 });
    await retrying.send(new DescribeTargetHealthCommand({ TargetGroupArn: TG }));
    retrying.destroy();
    expect(elb.requests.map((request) => request.status)).toEqual([400, 400, 200]);
  });

  it('stalls a call on request, so a client with a request timeout retries it', async () => {
    const impatient = new ElasticLoadBalancingV2Client({
      region: TEST_REGION,
      endpoint: elb.endpoint,
      credentials: FAKE_CREDENTIALS,
      maxAttempts: 2,
      requestHandler: { requestTimeout: 100, throwOnRequestTimeout: true },
    });
    elb.fail('Stall', { times: 1 });
    await impatient.send(new DescribeTargetHealthCommand({ TargetGroupArn: TG }));
    impatient.destroy();
    expect(elb.requests.map((request) => request.action)).toEqual(['DescribeTargetHealth', 'DescribeTargetHealth']);
  });

  it('rejects the addresses set, naming each one in the request, and registers nothing of that request', async () => {
    elb.rejectTargets(['10.0.1.6', '10.0.1.8']);
    const register = (ids: string[]) =>
      client.send(new RegisterTargetsCommand({ TargetGroupArn: TG, Targets: ids.map((Id) => ({ Id, Port: 443 })) }));
    expect(await errorOf(register(['10.0.1.5', '10.0.1.6', '10.0.1.7', '10.0.1.8']))).toMatch(
      /^InvalidTargetException 400: .*'10\.0\.1\.6', '10\.0\.1\.8'$/,
    );
    expect(elb.targets(TG)).toEqual([]);
    expect(await errorOf(register(['10.0.1.5', '10.0.1.7']))).toBeUndefined();
    elb.rejectTargets(['10.0.1.9'], { named: false });
    expect(await errorOf(register(['10.0.1.9']))).not.toContain('10.0.1.9');
    expect(elb.requests.map((request) => request.targets.length)).toEqual([4, 2, 1]);
  });

  it(
    'refuses a registration that would go above the target limit ' + 'with TooManyTargets; registering again adds nothing and passes',
    async () => {
      elb.setTargetLimit(2);
      const register = (ids: string[]) =>
        client.send(new RegisterTargetsCommand({ TargetGroupArn: TG, Targets: ids.map((Id) => ({ Id, Port: 443 })) }));
      expect(await errorOf(register(['10.0.1.5', '10.0.1.6', '10.0.1.7']))).toMatch(/^TooManyTargetsException 400: /);
      expect(elb.targets(TG)).toEqual([]);
      expect(await errorOf(register(['10.0.1.5', '10.0.1.6']))).toBeUndefined();
      expect(await errorOf(register(['10.0.1.6']))).toBeUndefined();
      expect(await errorOf(register(['10.0.1.7']))).toMatch(/^TooManyTargetsException/);
    },
  );

  it('sets the health of one port of an IP, or of every port', async () => {
    elb.addTargets(
      TG,
      [443, 8443].map((port) => ({ ip: '10.0.1.5', port, availabilityZone: 'us-east-1a' })),
      'initial',
    );
    elb.setHealth(TG, '10.0.1.5', 'healthy', 443);
    expect(elb.targets(TG).map((target) => target.health)).toEqual(['healthy', 'initial']);
    elb.setHealth(TG, '10.0.1.5', 'unhealthy');
    expect(elb.targets(TG).map((target) => target.health)).toEqual(['unhealthy', 'unhealthy']);
  });

  it('rejects a target that is not an IPv4 address', async () => {
    expect(
      await errorOf(client.send(new RegisterTargetsCommand({ TargetGroupArn: TG, Targets: [{ Id: 'i-0123456789abcdef0' }] }))),
    ).toMatch(/^ValidationError 400/);
    expect(elb.targets(TG)).toEqual([]);
  });
});

describe('EC2 and STS stand-ins, through the real clients', () => {
  let ec2: Ec2StandIn;
  let sts: StsStandIn;
  beforeEach(async () => {
    ec2 = await startEc2Server({
      interfaces: [
        ...elbInterfaces('app/web/0123456789abcdef', ['10.0.0.1', '10.0.0.2', '10.0.0.3']),
        ...elbInterfaces('app/web-2/0123456789abcdef', ['10.0.0.4']),
        ...elbInterfaces('net/web/0123456789abcdef', ['10.0.0.5']),
      ],
    });
    sts = await startStsServer();
  });
  afterEach(() => Promise.all([ec2.stop(), sts.stop()]));
  const client = () => new EC2Client({ region: TEST_REGION, endpoint: ec2.endpoint, credentials: FAKE_CREDENTIALS, maxAttempts: 1 });
  const listed = async (description: string, maxResults?: number, nextToken?: string) =>
    client().send(
      new DescribeNetworkInterfacesCommand({
        Filters: [{ Name: 'description', Values: [description] }],
        MaxResults: maxResults,
        NextToken: nextToken,
      }),
    );

  test('matches a description filter as a whole, case-sensitive, with wildcards, as EC2 does', async () => {
    const ips = async (description: string) => ((await listed(description)).NetworkInterfaces ?? []).map((found) => found.PrivateIpAddress);
    expect(await ips('ELB app/web/0123456789abcdef')).toEqual(['10.0.0.1', '10.0.0.2', '10.0.0.3']);
    expect(await ips('ELB app/web*')).toEqual(['10.0.0.1', '10.0.0.2', '10.0.0.3', '10.0.0.4']);
    expect(await ips('ELB ???/web/*')).toEqual(['10.0.0.1', '10.0.0.2', '10.0.0.3', '10.0.0.5']);
    expect(await ips('elb app/web/0123456789abcdef')).toEqual([]);
  });

  test('pages by MaxResults and its token, and its faults reach the client as EC2 error codes', async () => {
    ec2.setPageSize(2);
    const first = await listed('ELB app/web/0123456789abcdef', 5);
    expect(first.NetworkInterfaces).toHaveLength(2);
    const second = await listed('ELB app/web/0123456789abcdef', 5, first.NextToken);
    expect([second.NetworkInterfaces?.map((found) => found.PrivateIpAddress), second.NextToken]).toEqual([['10.0.0.3'], undefined]);
    ec2.fail('RequestLimitExceeded', { times: 1 });
    await expect(listed('ELB app/web/0123456789abcdef')).rejects.toMatchObject({ name: 'RequestLimitExceeded' });
    ec2.fail('UnauthorizedOperation', { times: 1 });
    await expect(listed('ELB app/web/0123456789abcdef')).rejects.toMatchObject({ name: 'UnauthorizedOperation' });
  });

  test('STS hands out credentials for a role, and AccessDenied for a denied one', async () => {
    const stsClient = new STSClient({ region: TEST_REGION, endpoint: sts.endpoint, credentials: FAKE_CREDENTIALS, maxAttempts: 1 });
    const role = 'arn:aws:iam::210987654321:role/discovery';
    const { Credentials } = await stsClient.send(new AssumeRoleCommand({ RoleArn: role, RoleSessionName: 'test' }));
    expect(Credentials?.AccessKeyId).toBe(ASSUMED_CREDENTIALS.accessKeyId);
    sts.deny(role);
    await expect(stsClient.send(new AssumeRoleCommand({ RoleArn: role, RoleSessionName: 'test' }))).rejects.toMatchObject({
      name: 'AccessDenied',
    });
    expect(sts.assumed).toEqual([role, role]);
  });
});
