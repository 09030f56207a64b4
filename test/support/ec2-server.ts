/**
 * A stand-in for the EC2 Query API's DescribeNetworkInterfaces (Version 2016-11-15) and STS's AssumeRole
 * (2011-06-15) on 127.0.0.1: POST form-encoded, XML answers in each API's namespace, interfaces in memory.
 * Like EC2, a `description` filter matches the whole, case-sensitive description with `*`, `?` and `[...]`
 * wildcards, pages hold at most MaxResults (and the stand-in's page size), and an unknown filter is refused.
 * Each request records the access key that signed it, so a test sees whose credentials listed the interfaces.
 */
import { randomUUID } from 'node:crypto';
import { createRng } from '../../bench/rng';
import { FaultPlan, listenHttp, xmlText, type FaultOptions, type HttpReply, type HttpRequest } from './stand-in';

export const EC2_API = { version: '2016-11-15', namespace: 'http://ec2.amazonaws.com/doc/2016-11-15/' } as const;
export const STS_API = { version: '2011-06-15', namespace: 'https://sts.amazonaws.com/doc/2011-06-15/' } as const;

/** EC2 errors by code, with the status EC2 answers them with. */
export const EC2_ERRORS = {
  RequestLimitExceeded: { status: 503, message: 'Request limit exceeded.' },
  UnauthorizedOperation: {
    status: 403,
    message:
      'You are not authorized to perform this operation. User: arn:aws:sts::123456789012:assumed-role/alb-ip-sync/fn is not authorized ' +
      'to perform: ec2:DescribeNetworkInterfaces because no identity-based policy allows the ec2:DescribeNetworkInterfaces action',
  },
  InternalError: { status: 500, message: 'An internal error has occurred' },
  InvalidParameterValue: { status: 400, message: 'The filter is invalid' },
  InvalidAction: { status: 400, message: 'The action is not valid for this web service' },
  InvalidNextToken: { status: 400, message: 'The specified token is invalid' },
} as const;
export type Ec2ErrorCode = keyof typeof EC2_ERRORS;
/** Faults to inject. `operation`: `DescribeNetworkInterfaces` (first pages) or `DescribeNetworkInterfaces.NextPage`. */
export type Ec2Fault = Extract<Ec2ErrorCode, 'RequestLimitExceeded' | 'UnauthorizedOperation' | 'InternalError'>;
/** The operation name faults on continuation pages match. */
export const NEXT_PAGE = 'DescribeNetworkInterfaces.NextPage';

/** One network interface as the stand-in holds it. */
export interface StandInInterface {
  readonly id: string;
  readonly description: string;
  readonly vpcId: string;
  readonly privateIp: string;
  readonly ipv6?: string;
}

export interface Ec2RequestRecord {
  readonly action: string;
  readonly filters: Readonly<Record<string, readonly string[]>>;
  readonly nextToken?: string;
  /** The access key id of the request's signature. */
  readonly accessKeyId?: string;
  readonly status: number;
  readonly errorCode?: string;
}

export interface Ec2StandIn {
  readonly endpoint: string;
  readonly requests: readonly Ec2RequestRecord[];
  /** Replaces every interface. */
  setInterfaces(interfaces: readonly StandInInterface[]): void;
  /** The most interfaces one page holds, below any MaxResults asked. @default 1000 */
  setPageSize(size: number): void;
  fail(fault: Ec2Fault, options?: FaultOptions): void;
  clearFaults(): void;
  stop(): Promise<void>;
}

/** Interfaces ELB would create for an ALB or NLB (`kind/name/id` of its ARN) at these addresses. */
export function elbInterfaces(balancer: string, ips: readonly string[], vpcId = 'vpc-0a1b2c3d'): StandInInterface[] {
  return ips.map((ip) => ({
    id: `eni-${balancer.replace(/\W/g, '').slice(-6)}${ip.replace(/\./g, '')}`,
    description: `ELB ${balancer}`,
    vpcId,
    privateIp: ip,
  }));
}

class ApiError extends Error {
  constructor(
    readonly code: Ec2ErrorCode,
    message?: string,
  ) {
    super(message ?? EC2_ERRORS[code].message);
  }
}

const FILTERS = new Set(['description']);

export async function startEc2Server(
  options: { readonly interfaces?: readonly StandInInterface[]; readonly seed?: number } = {},
): Promise<Ec2StandIn> {
  const faults = new FaultPlan<Ec2Fault>(createRng(options.seed ?? 1));
  const requests: Ec2RequestRecord[] = [];
  let interfaces = [...(options.interfaces ?? [])];
  let pageSize = 1000;

  const describe = (form: URLSearchParams, filters: Record<string, string[]>): string => {
    const unknown = Object.keys(filters).filter((name) => !FILTERS.has(name));
    if (unknown.length > 0) throw new ApiError('InvalidParameterValue', `The filter '${unknown[0]}' is invalid`);
    const patterns = (filters.description ?? []).map(globPattern);
    const matching = interfaces.filter((found) => patterns.length === 0 || patterns.some((pattern) => pattern.test(found.description)));
    const start = form.has('NextToken') ? Number(form.get('NextToken')!.replace(/^page-/, '')) : 0;
    if (!Number.isSafeInteger(start) || start < 0) throw new ApiError('InvalidNextToken');
    const size = Math.min(pageSize, Number(form.get('MaxResults') ?? 1000));
    const page = matching.slice(start, start + size);
    const next = start + size < matching.length ? `<nextToken>page-${start + size}</nextToken>` : '';
    return `<networkInterfaceSet>${page.map(describeInterface).join('')}</networkInterfaceSet>${next}`;
  };

  const handle = (request: HttpRequest): HttpReply => {
    const form = new URLSearchParams(request.body.toString('utf-8'));
    const action = form.get('Action') ?? '';
    const filters = requestedFilters(form);
    const nextToken = form.get('NextToken') ?? undefined;
    const accessKeyId = /Credential=([^/]+)\//.exec(String(request.headers.authorization ?? ''))?.[1];
    let reply: HttpReply;
    let errorCode: string | undefined;
    try {
      if (action !== 'DescribeNetworkInterfaces' || form.get('Version') !== EC2_API.version) throw new ApiError('InvalidAction');
      const fault = faults.draw(nextToken === undefined ? action : NEXT_PAGE);
      if (fault !== undefined) throw new ApiError(fault);
      const body =
        `<${action}Response xmlns="${EC2_API.namespace}"><requestId>${randomUUID()}</requestId>` +
        `${describe(form, filters)}</${action}Response>`;
      reply = { status: 200, headers: { 'content-type': 'text/xml' }, body };
    } catch (error) {
      if (!(error instanceof ApiError)) throw error;
      errorCode = error.code;
      const body =
        `<Response><Errors><Error><Code>${error.code}</Code><Message>${xmlText(error.message)}</Message></Error>` +
        `</Errors><RequestID>${randomUUID()}</RequestID></Response>`;
      reply = { status: EC2_ERRORS[error.code].status, headers: { 'content-type': 'text/xml' }, body };
    }
    requests.push({ action, filters, nextToken, accessKeyId, status: reply.status, errorCode });
    return reply;
  };

  const listener = await listenHttp(handle);
  return {
    endpoint: listener.endpoint,
    requests,
    setInterfaces: (next) => {
      interfaces = [...next];
    },
    setPageSize: (size) => {
      pageSize = size;
    },
    fail: (fault, faultOptions) => faults.add(fault, faultOptions),
    clearFaults: () => faults.clear(),
    stop: () => listener.close(),
  };
}

/** `Filter.N.Name` and its `Filter.N.Value.M`, in N order. */
function requestedFilters(form: URLSearchParams): Record<string, string[]> {
  const filters: Record<string, string[]> = {};
  for (let n = 1; form.has(`Filter.${n}.Name`); n++) {
    const values: string[] = [];
    for (let m = 1; form.has(`Filter.${n}.Value.${m}`); m++) values.push(form.get(`Filter.${n}.Value.${m}`)!);
    filters[form.get(`Filter.${n}.Name`)!] = values;
  }
  return filters;
}

/** EC2's filter wildcards over the whole value: `*` any run, `?` one character, `[...]` a class. */
function globPattern(value: string): RegExp {
  const source = value
    .replace(/[.+^${}()|\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${source}$`);
}

function describeInterface(found: StandInInterface): string {
  const ipv6 = found.ipv6 ? `<item><ipv6Address>${xmlText(found.ipv6)}</ipv6Address></item>` : '';
  return (
    '<item>' +
    `<networkInterfaceId>${xmlText(found.id)}</networkInterfaceId>` +
    `<vpcId>${xmlText(found.vpcId)}</vpcId>` +
    `<description>${xmlText(found.description)}</description>` +
    '<interfaceType>interface</interfaceType><requesterId>amazon-elb</requesterId>' +
    '<requesterManaged>true</requesterManaged><status>in-use</status>' +
    `<privateIpAddress>${xmlText(found.privateIp)}</privateIpAddress>` +
    `<privateIpAddressesSet><item><privateIpAddress>${xmlText(found.privateIp)}</privateIpAddress><primary>true</primary>` +
    `</item></privateIpAddressesSet>` +
    `<ipv6AddressesSet>${ipv6}</ipv6AddressesSet>` +
    '</item>'
  );
}

/** The credentials an AssumeRole answer hands out. */
export const ASSUMED_CREDENTIALS = {
  accessKeyId: 'ASIAASSUMEDROLE00001',
  secretAccessKey: 'assumed-secret',
  sessionToken: 'assumed-session-token',
} as const;

export interface StsStandIn {
  readonly endpoint: string;
  /** Role ARNs asked for, in order. */
  readonly assumed: readonly string[];
  /** AssumeRole on these roles answers AccessDenied. */
  deny(roleArn: string): void;
  stop(): Promise<void>;
}

export async function startStsServer(): Promise<StsStandIn> {
  const assumed: string[] = [];
  const denied = new Set<string>();
  const listener = await listenHttp((request) => {
    const form = new URLSearchParams(request.body.toString('utf-8'));
    const role = form.get('RoleArn') ?? '';
    assumed.push(role);
    if (form.get('Action') !== 'AssumeRole' || form.get('Version') !== STS_API.version || denied.has(role)) {
      const [code, message] = denied.has(role)
        ? [
            'AccessDenied',
            `User: arn:aws:sts::123456789012:assumed-role/alb-ip-sync/fn is not authorized to perform: sts:AssumeRole on resource: ${role}`,
          ]
        : ['InvalidAction', 'Could not find operation'];
      const body =
        `<ErrorResponse xmlns="${STS_API.namespace}"><Error><Type>` +
        `Sender</Type><Code>${code}</Code><Message>${xmlText(message)}</Message></Error>` +
        `<RequestId>${randomUUID()}</RequestId></ErrorResponse>`;
      return { status: 403, headers: { 'content-type': 'text/xml' }, body };
    }
    const expiration = new Date(Date.now() + 900_000).toISOString();
    const body =
      `<AssumeRoleResponse xmlns="${STS_API.namespace}"><AssumeRoleResult>` +
      `<Credentials><AccessKeyId>${ASSUMED_CREDENTIALS.accessKeyId}</AccessKeyId>` +
      `<SecretAccessKey>${ASSUMED_CREDENTIALS.secretAccessKey}</SecretAccessKey>` +
      `<SessionToken>${ASSUMED_CREDENTIALS.sessionToken}</SessionToken><Expiration>${expiration}</Expiration></Credentials>` +
      `<AssumedRoleUser><Arn>${xmlText(role)}/${xmlText(form.get('RoleSessionName') ?? '')}</Arn><AssumedRoleId>` +
      `AROA0000:session</AssumedRoleId></AssumedRoleUser>` +
      `</AssumeRoleResult><ResponseMetadata><RequestId>${randomUUID()}</RequestId></ResponseMetadata></AssumeRoleResponse>`;
    return { status: 200, headers: { 'content-type': 'text/xml' }, body };
  });
  return {
    endpoint: listener.endpoint,
    assumed,
    deny: (role) => denied.add(role),
    stop: () => listener.close(),
  };
}
