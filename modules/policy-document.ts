/** An IAM policy statement, typed so the synthesized JSON can be read back and asserted in tests. */
export interface PolicyStatement {
  readonly Sid: string;
  readonly Effect: 'Allow' | 'Deny';
  readonly Principal?: '*' | { readonly Service: string };
  readonly Action: string | readonly string[];
  /** Left out in trust policies, where IAM rejects it. */
  readonly Resource?: string | readonly string[];
  readonly Condition?: Readonly<Record<string, Readonly<Record<string, string>>>>;
}

/**
 * A policy document as a JSON string. Resource references (tokens) inside it resolve to Terraform
 * interpolations, so the synthesized policy stays plain JSON that a reviewer reads as-is in the plan.
 */
export function policyDocument(statements: readonly PolicyStatement[]): string {
  return JSON.stringify({ Version: '2012-10-17', Statement: statements });
}
