import { isIPv6 } from 'node:net';
import { Token } from 'cdktf';
import { z } from 'zod';
import { isIpv4, isPublicIpv4 } from '../lambda/ip';
import { AWS_FORMATS, PORT_RANGE, TAG_LIMITS, isPort, tagProblem, type AwsFormat } from '../shared/aws-formats';

/**
 * The kinds of field the configuration schema is built from. Each carries its own messages, written to follow the
 * field's path: `vpcId "vpc-1" is not a VPC id (...)`, `routes[0].listenerPort is required: a port (1-65535)`.
 * A Terraform token (a value from the user's own code) passes every literal rule: Terraform checks it at plan time.
 */

const json = (value: unknown): string => JSON.stringify(value);

/** A literal string to check at synth; a Terraform token is checked at plan time instead. */
export function literal(value: unknown): value is string {
  return typeof value === 'string' && !Token.isUnresolved(value);
}

/** `is required: <what>` for a missing value, `<value> is not <what>` for a wrong one. */
function expecting(what: string, required: string = what) {
  return (issue: { readonly input?: unknown }): string =>
    issue.input === undefined ? `is required: ${required}` : `${json(issue.input)} is not ${what}`;
}

/** A string in one of the AWS formats; `required` says what the field is when it is missing. */
export function awsId(format: AwsFormat, required?: string) {
  const { pattern, description } = AWS_FORMATS[format];
  return text(description, (value) => pattern.test(value), required);
}

/** A string `valid` accepts (tokens pass), described as `what` in messages. */
export function text(what: string, valid: (value: string) => boolean, required?: string) {
  const error = expecting(what, required);
  return z
    .string({ error })
    .refine((value) => Token.isUnresolved(value) || valid(value), { error })
    .meta({ format: what });
}

export const PORT_DESCRIPTION = `a port (${PORT_RANGE.min}-${PORT_RANGE.max})`;

/** A TCP port, 1-65535 (or a number token). */
export function port() {
  const error = expecting(PORT_DESCRIPTION);
  return z
    .number({ error })
    .refine((value) => Token.isUnresolved(value) || isPort(value), { error })
    .meta({ format: PORT_DESCRIPTION });
}

export function flag() {
  return z.boolean({
    error: (issue) => (issue.input === undefined ? 'is required: true or false' : `${json(issue.input)} must be true or false`),
  });
}

export function choice<const T extends readonly [string, ...string[]]>(values: T) {
  return z.enum(values, { error: (issue) => `${json(issue.input)} is not one of ${values.join(', ')}` });
}

/** An integer in 1..max. */
export function positiveInteger(max: number) {
  return z
    .number({ error: (issue) => `${json(issue.input)} must be a positive integer` })
    .refine((value) => Number.isInteger(value) && value >= 1, {
      error: (issue) => `${issue.input} must be a positive integer`,
      abort: true,
    })
    .refine((value) => value <= max, { error: (issue) => `${issue.input} must be at most ${max}` });
}

/** A non-empty list without duplicates; `required` says what the list is when a required one is missing. */
export function list<T extends z.ZodType>(item: T, required?: string) {
  const error = 'must list at least one entry';
  return z
    .array(item, { error: (issue) => (issue.input === undefined && required ? `is required: ${required}` : error) })
    .min(1, { error })
    .superRefine((values, context) => {
      values.forEach((value, i) => {
        if (typeof value !== 'object' && values.indexOf(value) !== i) {
          context.addIssue({ code: 'custom', path: [i], input: value, message: `${json(value)} is a duplicate` });
        }
      });
    });
}

/** A record whose keys are the user's own (tags): checked against AWS's tag limits. */
export function tagMap() {
  return z
    .record(z.string(), z.string({ error: `value must be a string of at most ${TAG_LIMITS.valueLength.max} characters` }), {
      error: 'must be an object of key: value',
    })
    .superRefine((tags, context) => {
      for (const [key, value] of Object.entries(tags)) {
        const problem = tagProblem(key, value);
        if (problem) context.addIssue({ code: 'custom', path: [key], input: value, message: problem });
      }
    });
}

/** A public IPv4 address, as an Elastic IP or a BYOIP accelerator address must be. */
export function publicIpv4() {
  return z.string({ error: (issue) => `${json(issue.input)} is not an IPv4 address` }).superRefine((ip, context) => {
    if (Token.isUnresolved(ip)) return;
    const problem = !isIpv4(ip) ? 'is not an IPv4 address' : isPublicIpv4(ip) ? undefined : 'is not a public IPv4 address';
    if (problem) context.addIssue({ code: 'custom', input: ip, message: `${json(ip)} ${problem}` });
  });
}

/** Canonical IPv4 CIDRs only: AWS stores the network address, so `10.0.0.1/8` would plan a change on every run. */
export function ipv4CidrProblem(cidr: string): string | undefined {
  const match = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/.exec(cidr);
  if (!match) return 'is not an IPv4 CIDR (a.b.c.d/n)';
  const octets = match.slice(1, 5).map(Number);
  const prefixLength = Number(match[5]);
  if (octets.some((octet) => octet > 255) || prefixLength > 32) return 'is not an IPv4 CIDR (a.b.c.d/n)';
  const address = octets.reduce((acc, octet) => acc * 256 + octet, 0);
  const hostBits = 2 ** (32 - prefixLength);
  if (address % hostBits !== 0) {
    const network = address - (address % hostBits);
    const dotted = [24, 16, 8, 0].map((shift) => Math.floor(network / 2 ** shift) % 256).join('.');
    return `has host bits set (did you mean ${dotted}/${prefixLength}?)`;
  }
  return undefined;
}

/** An IPv6 CIDR in AWS's own spelling (lower case). Whether the NLB takes IPv6 is the environment's rule. */
export function ipv6CidrProblem(cidr: string): string | undefined {
  const [address, prefix, ...rest] = cidr.split('/');
  const prefixLength = Number(prefix);
  if (rest.length > 0 || !isIPv6(address) || !/^\d{1,3}$/.test(prefix ?? '') || prefixLength > 128)
    return 'is not an IPv6 CIDR (e.g. 2001:db8::/32)';
  if (cidr !== cidr.toLowerCase()) return `must be lower case, as AWS stores it (${cidr.toLowerCase()})`;
  return undefined;
}

/** A CIDR: IPv4 only, or IPv4 and IPv6 (a dual-stack NLB's clients). */
export function cidr(ipv6: boolean) {
  return z.string({ error: (issue) => `${json(issue.input)} is not an IPv4 CIDR (a.b.c.d/n)` }).superRefine((value, context) => {
    if (Token.isUnresolved(value)) return;
    const problem = ipv6 && value.includes(':') ? ipv6CidrProblem(value) : ipv4CidrProblem(value);
    if (problem) context.addIssue({ code: 'custom', input: value, message: `${json(value)} ${problem}` });
  });
}

/**
 * For a rule between an object's fields: it runs once each field is well formed (by default zod would run it
 * beside an unknown key's issue, reporting one mistake twice).
 */
export const WHEN_WELL_FORMED = { when: (payload: { readonly issues: readonly unknown[] }) => payload.issues.length === 0 } as const;

/** Documentation of a field: what it is and, when it is not a value the schema fills in, what it defaults to. */
export interface FieldDoc {
  readonly description: string;
  /** How the default reads in the reference, when it depends on other fields. */
  readonly default?: string;
}

/** Attaches a field's documentation (read back by the configuration reference). */
export function doc<T extends z.ZodType>(schema: T, description: string, defaultText?: string): T {
  return schema.meta(defaultText === undefined ? { description } : { description, default: defaultText });
}
