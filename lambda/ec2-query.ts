/**
 * EC2's DescribeNetworkInterfaces as one signed Query call, put together from the SDK's own parts that the bundle
 * already holds for its S3, ELB and STS clients: the SigV4 signer, the Node HTTP handler, the retry strategy and
 * its error classification, the configured-endpoint lookup, the partition table and the XML parser.
 * `@aws-sdk/client-ec2` does the same, but carries a schema of every EC2 shape: 545 KB of a 969 KB bundle.
 * The parsing below is pure; `ec2InterfaceQuery` does the I/O.
 */
import { partition } from '@aws-sdk/core/client';
import { parseXML } from '@aws-sdk/xml-builder';
import { doesIdentityRequireRefresh, isIdentityExpired, memoizeIdentityProvider } from '@smithy/core';
import { Sha256 } from '@smithy/core/checksum';
import { resolveEndpointConfig } from '@smithy/core/endpoints';
import { HttpRequest } from '@smithy/core/protocols';
import { AdaptiveRetryStrategy, isServerError, isThrottlingError, isTransientError } from '@smithy/core/retry';
import { parseUrl } from '@smithy/core/transport';
import { NodeHttpHandler, streamCollector } from '@smithy/node-http-handler';
import { SignatureV4 } from '@smithy/signature-v4';
import type { AwsCredentialIdentityProvider, RetryErrorType, SdkError, StandardRetryToken } from '@smithy/types';
import type { ListedInterface } from './interfaces';

/** The API as the SDK's EC2 client names it: signing name, service id (AWS_ENDPOINT_URL_EC2) and version. */
export const EC2_API = { signingName: 'ec2', serviceId: 'EC2', version: '2016-11-15' } as const;

/** One page asked for: interfaces whose description is exactly `description`. */
export interface DescribeInterfacesInput {
  readonly description: string;
  readonly maxResults: number;
  readonly nextToken?: string;
}

/** One page of the answer, in the shape the discovery reads. */
export interface InterfacesPage {
  readonly interfaces: readonly ListedInterface[];
  readonly nextToken?: string;
}

/** An error EC2 answered, named by its code (`UnauthorizedOperation`, `RequestLimitExceeded`...) as the SDK names it. */
export class Ec2Error extends Error {
  /** Read by the SDK's retry classification: 5xx is transient, 429 throttling. */
  readonly $metadata: { readonly httpStatusCode: number; readonly requestId?: string };
  constructor(code: string, message: string, httpStatusCode: number, requestId?: string) {
    super(message);
    this.name = code;
    this.$metadata = { httpStatusCode, requestId };
  }
}

/** The POST form body of one page, parameters as the SDK's EC2 Query serializer sends them. Pure. */
export function describeInterfacesForm(input: DescribeInterfacesInput): string {
  const form = new URLSearchParams({
    Action: 'DescribeNetworkInterfaces',
    Version: EC2_API.version,
    'Filter.1.Name': 'description',
    'Filter.1.Value.1': input.description,
    MaxResults: String(input.maxResults),
  });
  if (input.nextToken !== undefined) form.set('NextToken', input.nextToken);
  return form.toString();
}

/** Reads a DescribeNetworkInterfaces answer: `<networkInterfaceSet><item>...` and `<nextToken>`. Pure. */
export function parseInterfacesPage(xml: string): InterfacesPage {
  const answer = field(parseXML(xml), 'DescribeNetworkInterfacesResponse');
  const set = field(answer, 'networkInterfaceSet');
  if (set === undefined) throw new Error(`the DescribeNetworkInterfaces answer holds no networkInterfaceSet: ${xml.slice(0, 200)}`);
  return { interfaces: items(set).map(listedInterface), nextToken: text(field(answer, 'nextToken')) || undefined };
}

/** The error an EC2 answer of this status holds (`<Response><Errors><Error><Code>`), or an UnknownError naming the status. Pure. */
export function parseEc2Error(httpStatusCode: number, body: string): Ec2Error {
  let response: unknown;
  try {
    response = field(parseXML(body), 'Response');
  } catch {
    response = undefined;
  }
  const error = items(field(response, 'Errors'), 'Error')[0];
  const code = text(field(error, 'Code'));
  if (!code)
    return new Ec2Error(
      'UnknownError',
      `HTTP ${httpStatusCode} without an EC2 error: ${body.slice(0, 200) || '(empty body)'}`,
      httpStatusCode,
    );
  return new Ec2Error(code, text(field(error, 'Message')) ?? code, httpStatusCode, text(field(response, 'RequestID')));
}

/** EC2's regional endpoint, in the region's partition (`amazonaws.com.cn` in China). Pure. */
export function regionalEndpoint(region: string): URL {
  return new URL(`https://ec2.${region}.${partition(region).dnsSuffix}`);
}

/**
 * Where EC2 calls go: AWS_ENDPOINT_URL_EC2, else AWS_ENDPOINT_URL, else the shared config's `endpoint_url`
 * (unless AWS_IGNORE_CONFIGURED_ENDPOINT_URLS), all read by the SDK's own lookup; else the regional endpoint.
 */
export async function ec2Endpoint(region: string): Promise<URL> {
  const config = resolveEndpointConfig({
    serviceId: EC2_API.serviceId,
    urlParser: parseUrl,
    endpointProvider: () => ({ url: regionalEndpoint(region) }),
  });
  const configured = await config.serviceConfiguredEndpoint?.();
  return configured ? new URL(configured) : config.endpointProvider({}).url;
}

/** How one EC2 call is bounded. */
export interface Ec2CallLimits {
  readonly connectionTimeoutMs: number;
  readonly requestTimeoutMs: number;
  /** Attempts of one page, first included. */
  readonly maxAttempts: number;
}

export interface Ec2QueryProps {
  readonly region: string;
  /** Memoized here like an SDK client's: refreshed 5 minutes before it expires. */
  readonly credentials: AwsCredentialIdentityProvider;
  readonly limits: Ec2CallLimits;
}

/** One page of DescribeNetworkInterfaces from EC2. */
export type DescribeInterfaces = (input: DescribeInterfacesInput, abortSignal?: AbortSignal) => Promise<InterfacesPage>;

/**
 * Signed POSTs to EC2, as the SDK's client sends them: throttling, 5xx and network errors are retried with the
 * SDK's adaptive strategy (back-off, client-side rate limit) within `maxAttempts`; a stalled connection or answer
 * fails the attempt; an abort ends the call.
 */
export function ec2InterfaceQuery(props: Ec2QueryProps): DescribeInterfaces {
  const signer = new SignatureV4({
    service: EC2_API.signingName,
    region: props.region,
    credentials: memoizeIdentityProvider(props.credentials, isIdentityExpired, doesIdentityRequireRefresh)!,
    sha256: Sha256,
  });
  const http = new NodeHttpHandler({
    connectionTimeout: props.limits.connectionTimeoutMs,
    requestTimeout: props.limits.requestTimeoutMs,
    throwOnRequestTimeout: true,
  });
  const retries = new AdaptiveRetryStrategy(async () => props.limits.maxAttempts);
  // Looked up at the first call, as an SDK client does: a failed lookup fails that call, never the function's start.
  let endpoint: Promise<URL> | undefined;

  const attempt = async (body: string, abortSignal?: AbortSignal): Promise<InterfacesPage> => {
    const url = await (endpoint ??= ec2Endpoint(props.region));
    const request = new HttpRequest({
      method: 'POST',
      protocol: url.protocol,
      hostname: url.hostname,
      port: url.port ? Number(url.port) : undefined,
      path: url.pathname,
      headers: { host: url.host, 'content-type': 'application/x-www-form-urlencoded', 'content-length': String(Buffer.byteLength(body)) },
      body,
    });
    const { response } = await http.handle((await signer.sign(request)) as HttpRequest, { abortSignal });
    const text = Buffer.from(await streamCollector(response.body)).toString('utf-8');
    if (response.statusCode < 200 || response.statusCode > 299) throw parseEc2Error(response.statusCode, text);
    return parseInterfacesPage(text);
  };

  return async (input, abortSignal) => {
    const body = describeInterfacesForm(input);
    let token = (await retries.acquireInitialRetryToken('')) as StandardRetryToken;
    for (;;) {
      try {
        const page = await attempt(body, abortSignal);
        retries.recordSuccess(token);
        return page;
      } catch (error) {
        if (abortSignal?.aborted) throw error;
        try {
          // Waits out the back-off; throws once the attempts (or the retry capacity) are spent.
          token = (await retries.refreshRetryTokenForRetry(token, { errorType: retryErrorType(error as SdkError) })) as StandardRetryToken;
        } catch {
          throw error;
        }
      }
    }
  };
}

/** The SDK retry middleware's classification of an error. */
function retryErrorType(error: SdkError): RetryErrorType {
  if (isThrottlingError(error)) return 'THROTTLING';
  if (isTransientError(error)) return 'TRANSIENT';
  return isServerError(error) ? 'SERVER_ERROR' : 'CLIENT_ERROR';
}

/** A child element as parseXML gives it (text, object, or an array when it repeats). */
function field(parent: unknown, name: string): unknown {
  return parent !== null && typeof parent === 'object' ? (parent as Record<string, unknown>)[name] : undefined;
}

/** The `<item>`s of an EC2 list (`<xSet>`): none when empty, one as an object, several as an array. */
function items(set: unknown, name = 'item'): unknown[] {
  const item = field(set, name);
  return item === undefined ? [] : Array.isArray(item) ? item : [item];
}

function text(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

function listedInterface(item: unknown): ListedInterface {
  const addresses = (set: string, name: string): string[] => items(field(item, set)).flatMap((entry) => text(field(entry, name)) || []);
  const privateIps = addresses('privateIpAddressesSet', 'privateIpAddress');
  const primary = text(field(item, 'privateIpAddress'));
  return {
    id: text(field(item, 'networkInterfaceId')) || 'unnamed interface',
    description: text(field(item, 'description')) ?? '',
    vpcId: text(field(item, 'vpcId')) || undefined,
    privateIps: privateIps.length > 0 ? privateIps : primary ? [primary] : [],
    ipv6: addresses('ipv6AddressesSet', 'ipv6Address'),
  };
}
