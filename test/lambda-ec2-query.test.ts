import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Sha256 } from '@smithy/core/checksum';
import { HttpRequest } from '@smithy/core/protocols';
import { SignatureV4 } from '@smithy/signature-v4';
import {
  describeInterfacesForm,
  ec2Endpoint,
  ec2InterfaceQuery,
  Ec2Error,
  parseEc2Error,
  parseInterfacesPage,
  regionalEndpoint,
  type Ec2CallLimits,
} from '../lambda/ec2-query';
import { SYNC_BUNDLE } from '../modules/lambda-bundle';
import { elbInterfaces, startEc2Server, type Ec2StandIn } from './support/ec2-server';
import { listenHttp, type HttpListener, type HttpRequest as ReceivedRequest } from './support/stand-in';

const DESCRIPTION = 'ELB app/web/0123456789abcdef';
const NAMESPACE = 'xmlns="http://ec2.amazonaws.com/doc/2016-11-15/"';
const CREDENTIALS = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret', sessionToken: 'session-token' } as const;
/** Short bounds, so a stalled call or spent retries end the test quickly. */
const LIMITS: Ec2CallLimits = { connectionTimeoutMs: 500, requestTimeoutMs: 300, maxAttempts: 2 };

/** An interface as EC2 itself answers it: attachment, groups, tags, an association, two private addresses, one IPv6. */
const REAL_ITEM =
  `
  <item>
    <networkInterfaceId>eni-0a1b2c3d4e5f60718</networkInterfaceId>
    <subnetId>subnet-0a1b2c3d</subnetId>
    <vpcId>vpc-0a1b2c3d</vpcId>
    <availabilityZone>eu-west-1a</availabilityZone>
    <description>${DESCRIPTION}</description>
    <ownerId>123456789012</ownerId>
    <requesterId>amazon-elb</requesterId>
    <requesterManaged>true</requesterManaged>
    <status>in-use</status>
    <macAddress>02:1a:2b:3c:4d:5e</macAddress>
    <privateIpAddress>10.0.1.17</privateIpAddress>
    <privateDnsName>ip-10-0-1-17.eu-west-1.compute.internal</privateDnsName>
    <sourceDestCheck>true</sourceDestCheck>
    <groupSet><item><groupId>sg-0a1b2c3d</groupId><groupName>web-alb</groupName></item></groupSet>
    <attachment><attachmentId>ela-attach-0a1b2c3d</attachmentId><instanceOwnerId>amazon-elb</instanceOwnerId>` +
  `<deviceIndex>1</deviceIndex><status>attached</status><deleteOnTermination>false</deleteOnTermination></attachment>
    <association><publicIp>203.0.113.7</publicIp><publicDnsName/><ipOwnerId>amazon</ipOwnerId></association>
    <tagSet/>
    <privateIpAddressesSet>
      ` +
  `<item><privateIpAddress>10.0.1.17</privateIpAddress><privateDnsName>ip-10-0-1-17.eu-west-1.compute.internal</privateDnsName>` +
  `<primary>true</primary><association><publicIp>203.0.113.7</publicIp></association></item>
      <item><privateIpAddress>10.0.1.18</privateIpAddress><primary>false</primary></item>
    </privateIpAddressesSet>
    <ipv6AddressesSet><item><ipv6Address>2001:db8::17</ipv6Address></item></ipv6AddressesSet>
    <interfaceType>interface</interfaceType>
  </item>`;
const answer = (items: string, rest = ''): string =>
  `<?xml version="1.0" encoding="UTF-8"?>\n<DescribeNetworkInterfacesResponse ${NAMESPACE}>\n` +
  `  <requestId>59dbff89-35bd-4eac-99ed-be587EXAMPLE</requestId>\n` +
  `  <networkInterfaceSet>${items}</networkInterfaceSet>${rest}\n</DescribeNetworkInterfacesResponse>`;

describe('describeInterfacesForm', () => {
  test('is the Query form the SDK posts: action, version, the exact description filter, the page size, the token', () => {
    const form = new URLSearchParams(describeInterfacesForm({ description: DESCRIPTION, maxResults: 1000, nextToken: 'tok/en+=' }));
    expect([...form.entries()]).toEqual([
      ['Action', 'DescribeNetworkInterfaces'],
      ['Version', '2016-11-15'],
      ['Filter.1.Name', 'description'],
      ['Filter.1.Value.1', DESCRIPTION],
      ['MaxResults', '1000'],
      ['NextToken', 'tok/en+='],
    ]);
  });

  test('a first page carries no NextToken', () => {
    expect(new URLSearchParams(describeInterfacesForm({ description: DESCRIPTION, maxResults: 5 })).has('NextToken')).toBe(false);
  });
});

describe('parseInterfacesPage', () => {
  test("reads EC2's answer: id, description, VPC, every private address (primary first) and the IPv6 ones", () => {
    expect(parseInterfacesPage(answer(REAL_ITEM))).toEqual({
      interfaces: [
        {
          id: 'eni-0a1b2c3d4e5f60718',
          description: DESCRIPTION,
          vpcId: 'vpc-0a1b2c3d',
          privateIps: ['10.0.1.17', '10.0.1.18'],
          ipv6: ['2001:db8::17'],
        },
      ],
      nextToken: undefined,
    });
  });

  test('an empty set, written either way, is no interface', () => {
    expect(parseInterfacesPage(answer('')).interfaces).toEqual([]);
    expect(
      parseInterfacesPage(
        `<DescribeNetworkInterfacesResponse ${NAMESPACE}><requestId>r</requestId><networkInterfaceSet/>` +
          `</DescribeNetworkInterfacesResponse>`,
      ),
    ).toEqual({ interfaces: [], nextToken: undefined });
  });

  test('several items and the page token; an interface without the address set falls back to its primary address', () => {
    const bare =
      '<item><networkInterfaceId>eni-2</networkInterfaceId><vpcId>vpc-0a1b2c3d</vpcId>' +
      '<description/><privateIpAddress>10.0.2.9</privateIpAddress></item>';
    const page = parseInterfacesPage(answer(REAL_ITEM + bare, '<nextToken>eyJ2IjoiMiIsImMiOiJ0b2tlbiJ9</nextToken>'));
    expect(page.nextToken).toBe('eyJ2IjoiMiIsImMiOiJ0b2tlbiJ9');
    expect(page.interfaces.map((found) => found.id)).toEqual(['eni-0a1b2c3d4e5f60718', 'eni-2']);
    expect(page.interfaces[1]).toEqual({ id: 'eni-2', description: '', vpcId: 'vpc-0a1b2c3d', privateIps: ['10.0.2.9'], ipv6: [] });
  });

  test('XML entities in a description are decoded, so the exact comparison with the ALB sees the real text', () => {
    const item = '<item><networkInterfaceId>eni-3</networkInterfaceId><description>ELB app/a&amp;b/1</description></item>';
    expect(parseInterfacesPage(answer(item)).interfaces[0].description).toBe('ELB app/a&b/1');
  });

  test('an answer without a networkInterfaceSet is an error, not an empty listing', () => {
    expect(() =>
      parseInterfacesPage(`<DescribeNetworkInterfacesResponse ${NAMESPACE}><requestId>r</requestId></DescribeNetworkInterfacesResponse>`),
    ).toThrow(/holds no networkInterfaceSet/);
    expect(() => parseInterfacesPage('<html>proxy error</html>')).toThrow(/holds no networkInterfaceSet/);
  });
});

describe('parseEc2Error', () => {
  test("EC2's error answer gives an error named by its code, with its message and request id", () => {
    const body =
      '<?xml version="1.0" encoding="UTF-8"?>\n<Response><Errors><Error><Code>UnauthorizedOperation</Code><Message>You ' +
      'are not authorized to perform this operation.</Message></Error></Errors><RequestID>ab12-cd34</RequestID></Response>';
    const error = parseEc2Error(403, body);
    expect(error).toBeInstanceOf(Ec2Error);
    expect(error).toMatchObject({
      name: 'UnauthorizedOperation',
      message: 'You are not authorized to perform this operation.',
      $metadata: { httpStatusCode: 403, requestId: 'ab12-cd34' },
    });
  });

  test('a body that is no EC2 error (a proxy, an empty 503) is an UnknownError naming the status and the body', () => {
    expect(parseEc2Error(502, '<html>Bad Gateway</html>')).toMatchObject({
      name: 'UnknownError',
      message: 'HTTP 502 without an EC2 error: <html>Bad Gateway</html>',
      $metadata: { httpStatusCode: 502 },
    });
    expect(parseEc2Error(503, '')).toMatchObject({ name: 'UnknownError', message: 'HTTP 503 without an EC2 error: (empty body)' });
    expect(parseEc2Error(500, 'not xml <')).toMatchObject({ name: 'UnknownError' });
  });
});

describe('endpoint selection', () => {
  const saved = { ...process.env };
  let configDir: string;
  beforeAll(() => {
    configDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ec2-query-config-'));
  });
  afterAll(() => fs.rmSync(configDir, { recursive: true, force: true }));
  beforeEach(() => {
    for (const name of Object.keys(process.env)) if (name.startsWith('AWS_')) delete process.env[name];
    // No shared config but the test's own.
    process.env.AWS_CONFIG_FILE = path.join(configDir, 'none');
    process.env.AWS_SHARED_CREDENTIALS_FILE = path.join(configDir, 'none');
  });
  afterEach(() => {
    process.env = { ...saved };
  });

  test.each([
    ['us-east-1', 'https://ec2.us-east-1.amazonaws.com/'],
    ['eu-west-1', 'https://ec2.eu-west-1.amazonaws.com/'],
    ['cn-north-1', 'https://ec2.cn-north-1.amazonaws.com.cn/'],
    ['cn-northwest-1', 'https://ec2.cn-northwest-1.amazonaws.com.cn/'],
    ['us-gov-west-1', 'https://ec2.us-gov-west-1.amazonaws.com/'],
  ])('the regional endpoint of %s is %s, in its partition', async (region, url) => {
    expect(regionalEndpoint(region).href).toBe(url);
    expect((await ec2Endpoint(region)).href).toBe(url);
  });

  test('AWS_ENDPOINT_URL_EC2 wins over AWS_ENDPOINT_URL, which wins over the regional endpoint', async () => {
    process.env.AWS_ENDPOINT_URL = 'http://127.0.0.1:4566';
    expect((await ec2Endpoint('eu-west-1')).href).toBe('http://127.0.0.1:4566/');
    process.env.AWS_ENDPOINT_URL_EC2 = 'http://127.0.0.1:5000';
    expect((await ec2Endpoint('eu-west-1')).href).toBe('http://127.0.0.1:5000/');
  });

  test("the shared config's endpoint_url counts too, and AWS_IGNORE_CONFIGURED_ENDPOINT_URLS turns every configured one off", async () => {
    process.env.AWS_CONFIG_FILE = path.join(configDir, 'config');
    fs.writeFileSync(process.env.AWS_CONFIG_FILE, '[default]\nendpoint_url = http://127.0.0.1:6000\n');
    expect((await ec2Endpoint('eu-west-1')).href).toBe('http://127.0.0.1:6000/');
    process.env.AWS_ENDPOINT_URL_EC2 = 'http://127.0.0.1:5000';
    process.env.AWS_IGNORE_CONFIGURED_ENDPOINT_URLS = 'true';
    expect((await ec2Endpoint('eu-west-1')).href).toBe('https://ec2.eu-west-1.amazonaws.com/');
  });
});

describe('ec2InterfaceQuery against the EC2 stand-in', () => {
  const saved = process.env.AWS_ENDPOINT_URL_EC2;
  let ec2: Ec2StandIn;
  beforeEach(async () => {
    ec2 = await startEc2Server({ interfaces: elbInterfaces('app/web/0123456789abcdef', ['10.0.1.1', '10.0.1.2', '10.0.1.3']) });
    process.env.AWS_ENDPOINT_URL_EC2 = ec2.endpoint;
  });
  afterEach(async () => {
    process.env.AWS_ENDPOINT_URL_EC2 = saved;
    if (saved === undefined) delete process.env.AWS_ENDPOINT_URL_EC2;
    await ec2.stop();
  });
  const query = (credentials = jest.fn(async () => CREDENTIALS)) => ({
    credentials,
    describe: ec2InterfaceQuery({ region: 'eu-west-1', credentials, limits: LIMITS }),
  });

  test('lists one page, then the next by its token, signed with the credentials (fetched once)', async () => {
    ec2.setPageSize(2);
    const { credentials, describe } = query();
    const first = await describe({ description: DESCRIPTION, maxResults: 1000 });
    expect(first.interfaces.map((found) => found.privateIps[0])).toEqual(['10.0.1.1', '10.0.1.2']);
    const second = await describe({ description: DESCRIPTION, maxResults: 1000, nextToken: first.nextToken });
    expect(second).toEqual({
      interfaces: [expect.objectContaining({ privateIps: ['10.0.1.3'], vpcId: 'vpc-0a1b2c3d' })],
      nextToken: undefined,
    });
    expect(ec2.requests).toEqual([
      expect.objectContaining({
        action: 'DescribeNetworkInterfaces',
        filters: { description: [DESCRIPTION] },
        nextToken: undefined,
        accessKeyId: CREDENTIALS.accessKeyId,
        status: 200,
      }),
      expect.objectContaining({ nextToken: first.nextToken, accessKeyId: CREDENTIALS.accessKeyId, status: 200 }),
    ]);
    expect(credentials).toHaveBeenCalledTimes(1);
  });

  test('throttling is retried with back-off; past maxAttempts it surfaces as RequestLimitExceeded', async () => {
    const { describe } = query();
    ec2.fail('RequestLimitExceeded', { times: 1 });
    expect((await describe({ description: DESCRIPTION, maxResults: 1000 })).interfaces).toHaveLength(3);
    expect(ec2.requests.map((request) => request.errorCode)).toEqual(['RequestLimitExceeded', undefined]);

    ec2.fail('RequestLimitExceeded');
    await expect(describe({ description: DESCRIPTION, maxResults: 1000 })).rejects.toMatchObject({
      name: 'RequestLimitExceeded',
      message: 'Request limit exceeded.',
      $metadata: { httpStatusCode: 503 },
    });
    expect(ec2.requests).toHaveLength(2 + LIMITS.maxAttempts);
  });

  test('a 500 is retried; an access denial is not, and keeps its code and message', async () => {
    const { describe } = query();
    ec2.fail('InternalError', { times: 1 });
    await expect(describe({ description: DESCRIPTION, maxResults: 1000 })).resolves.toMatchObject({ interfaces: expect.any(Array) });
    expect(ec2.requests).toHaveLength(2);

    ec2.fail('UnauthorizedOperation');
    const denied = describe({ description: DESCRIPTION, maxResults: 1000 });
    await expect(denied).rejects.toBeInstanceOf(Ec2Error);
    await expect(denied).rejects.toMatchObject({
      name: 'UnauthorizedOperation',
      message: expect.stringContaining('ec2:DescribeNetworkInterfaces'),
    });
    expect(ec2.requests).toHaveLength(3);
  });

  test('a credential provider that fails fails the call with its own error, before any request', async () => {
    const { describe } = query(jest.fn(async () => Promise.reject(new Error('no role'))));
    await expect(describe({ description: DESCRIPTION, maxResults: 1000 })).rejects.toThrow('no role');
    expect(ec2.requests).toEqual([]);
  });
});

describe('ec2InterfaceQuery on the wire', () => {
  const saved = process.env.AWS_ENDPOINT_URL_EC2;
  let server: HttpListener;
  let received: ReceivedRequest[];
  let reply: (request: ReceivedRequest) => { status: number; body?: string; delayMs?: number; drop?: boolean };
  beforeAll(async () => {
    server = await listenHttp((request) => {
      received.push(request);
      return reply(request);
    });
  });
  beforeEach(() => {
    received = [];
    reply = () => ({ status: 200, body: answer('') });
    process.env.AWS_ENDPOINT_URL_EC2 = server.endpoint;
  });
  afterAll(async () => {
    process.env.AWS_ENDPOINT_URL_EC2 = saved;
    if (saved === undefined) delete process.env.AWS_ENDPOINT_URL_EC2;
    await server.close();
  });
  const describe = (limits = LIMITS) => ec2InterfaceQuery({ region: 'eu-west-1', credentials: async () => CREDENTIALS, limits });

  test('POSTs the form with a SigV4 signature for ec2 in the region, over exactly the host, headers and body that arrive', async () => {
    await describe()({ description: DESCRIPTION, maxResults: 1000 });
    const [request] = received;
    expect(request.method).toBe('POST');
    expect(request.headers['content-type']).toBe('application/x-www-form-urlencoded');
    expect(request.body.toString()).toBe(describeInterfacesForm({ description: DESCRIPTION, maxResults: 1000 }));
    expect(request.headers['x-amz-security-token']).toBe(CREDENTIALS.sessionToken);
    const authorization = String(request.headers.authorization);
    const date = String(request.headers['x-amz-date']);
    expect(authorization).toMatch(
      new RegExp(
        `^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/${date.slice(0, 8)}/eu-west-1/ec2/aws4_request, ` +
          `SignedHeaders=[a-z0-9;-]*host[a-z0-9;-]*, Signature=[0-9a-f]{64}$`,
      ),
    );

    // Re-signed independently from what arrived, at the same time, the signature is the same: nothing changed on the way.
    const signedHeaders = /SignedHeaders=([^,]+)/.exec(authorization)![1].split(';');
    const arrived = new HttpRequest({
      method: request.method,
      protocol: 'http:',
      hostname: '127.0.0.1',
      port: server.port,
      path: request.url.pathname,
      headers: Object.fromEntries(
        signedHeaders
          .filter((name) => name !== 'x-amz-date' && name !== 'x-amz-security-token')
          .map((name) => [name, String(request.headers[name])]),
      ),
      body: request.body.toString(),
    });
    const signingDate = new Date(
      `${date.slice(0, 4)}-${date.slice(4, 6)}-${date.slice(6, 8)}T${date.slice(9, 11)}:${date.slice(11, 13)}:${date.slice(13, 15)}Z`,
    );
    const again = await new SignatureV4({ service: 'ec2', region: 'eu-west-1', credentials: CREDENTIALS, sha256: Sha256 }).sign(arrived, {
      signingDate,
    });
    expect(again.headers.authorization).toBe(authorization);
  });

  test('a stalled answer fails each attempt at the request timeout, and the call after maxAttempts', async () => {
    reply = () => ({ status: 200, body: answer(''), delayMs: 5_000 });
    await expect(describe()({ description: DESCRIPTION, maxResults: 1000 })).rejects.toMatchObject({ name: 'TimeoutError' });
    expect(received).toHaveLength(LIMITS.maxAttempts);
  });

  test('a dropped connection is retried', async () => {
    let calls = 0;
    reply = () => (calls++ === 0 ? { status: 200, drop: true } : { status: 200, body: answer(REAL_ITEM) });
    expect((await describe()({ description: DESCRIPTION, maxResults: 1000 })).interfaces).toHaveLength(1);
    expect(received).toHaveLength(2);
  });

  test('an aborted call is not retried', async () => {
    reply = () => ({ status: 200, body: answer(''), delayMs: 5_000 });
    const abort = new AbortController();
    const call = describe({ ...LIMITS, requestTimeoutMs: 10_000, maxAttempts: 3 })(
      { description: DESCRIPTION, maxResults: 1000 },
      abort.signal,
    );
    setTimeout(() => abort.abort(), 100);
    await expect(call).rejects.toMatchObject({ name: 'AbortError' });
    expect(received).toHaveLength(1);
  });
});

describe('the deployed bundle', () => {
  test('lists interfaces with this module, not an EC2 SDK client (whose schema of every EC2 shape alone is over 500 KB)', () => {
    const bundle = fs.readFileSync(path.join(SYNC_BUNDLE.outdir, SYNC_BUNDLE.file), 'utf8');
    expect(bundle).toContain('DescribeNetworkInterfaces');
    expect(bundle).not.toContain('com.amazonaws.ec2');
  });
});
