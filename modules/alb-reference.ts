import type { Construct } from 'constructs';
import { DataAwsLb } from '@cdktf/provider-aws/lib/data-aws-lb';
import type { ResolvedAlb } from '../config/defaults';

/** An ALB as the routes use it: DNS name and ARN, literal, token, or looked up by a data source made on first use. */
export class AlbReference {
  private found?: DataAwsLb;

  constructor(
    private readonly scope: Construct,
    public readonly config: ResolvedAlb,
  ) {}

  /** The data source, when a route needed one: the plan then checks what synth could not. */
  get lookup(): DataAwsLb | undefined {
    return this.found;
  }

  dnsName(): string {
    return this.config.dnsName ?? this.lookUp().dnsName;
  }

  arn(): string {
    return this.config.arn ?? this.lookUp().arn;
  }

  private lookUp(): DataAwsLb {
    const { key, name, arn } = this.config;
    return (this.found ??= new DataAwsLb(this.scope, `alb-${key}`, name !== undefined ? { name } : { arn }));
  }
}
