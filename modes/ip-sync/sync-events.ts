import { Fn, Token } from 'cdktf';
import { Construct } from 'constructs';
import { CloudwatchEventRule } from '@cdktf/provider-aws/lib/cloudwatch-event-rule';
import { CloudwatchEventTarget } from '@cdktf/provider-aws/lib/cloudwatch-event-target';
import type { LambdaFunction } from '@cdktf/provider-aws/lib/lambda-function';
import { LambdaPermission } from '@cdktf/provider-aws/lib/lambda-permission';

/**
 * What CloudTrail records when Elastic Load Balancing adds or removes an ALB node: an EC2 API call made by ELB's
 * service-linked role. No ELB event says "node added"; these calls are the signal.
 */
export const ALB_INTERFACE_EVENTS = {
  source: 'aws.ec2',
  detailType: 'AWS API Call via CloudTrail',
  eventSource: 'ec2.amazonaws.com',
  create: 'CreateNetworkInterface',
  delete: 'DeleteNetworkInterface',
  serviceLinkedRole: 'AWSServiceRoleForElasticLoadBalancing',
} as const;

const EVENT_RULE_NAME_MAX_LENGTH = 64;

/** A queued event older than the next scheduled run is worth nothing: that run lists the interfaces anyway. */
const EVENT_MAX_AGE_SECONDS = 60;

export interface SyncEventsProps {
  /** Names the rule (`<name>-events`), unique per region and account: the function's name. */
  readonly name: string;
  /** The sync function the events run. */
  readonly function: LambdaFunction;
  /** The ALB's ARN, a literal or a token: `loadbalancer/app/<name>/<id>` is what its interfaces are described by. */
  readonly albArn: string;
}

/**
 * An EventBridge rule that runs a route's sync seconds after Elastic Load Balancing creates an interface of the
 * route's ALB or deletes any interface, beside the one-minute schedule (which stays the reconciler: CloudTrail
 * delivers these events only where a trail logs management events, best effort and with no published latency).
 */
export class SyncEvents extends Construct {
  public readonly rule: CloudwatchEventRule;

  constructor(scope: Construct, id: string, props: SyncEventsProps) {
    super(scope, id);
    const name = `${props.name}-events`;
    if (name.length > EVENT_RULE_NAME_MAX_LENGTH)
      throw new Error(`SyncEvents: rule name "${name}" is longer than ${EVENT_RULE_NAME_MAX_LENGTH} characters`);
    this.rule = new CloudwatchEventRule(this, 'rule', {
      name,
      description: `Runs ${props.name} when Elastic Load Balancing creates or deletes a network interface`,
      eventPattern: albInterfaceEventPattern(props.albArn),
    });
    new CloudwatchEventTarget(this, 'target', {
      rule: this.rule.name,
      targetId: 'sync',
      arn: props.function.arn,
      // EventBridge retries only a failed hand-off to Lambda; Lambda's own queue holds a throttled run (see AlbIpSync).
      retryPolicy: { maximumEventAgeInSeconds: EVENT_MAX_AGE_SECONDS },
    });
    new LambdaPermission(this, 'permission', {
      statementId: 'AllowEventBridgeAlbInterfaceEvents',
      action: 'lambda:InvokeFunction',
      functionName: props.function.functionName,
      principal: 'events.amazonaws.com',
      sourceArn: this.rule.arn,
    });
  }
}

/**
 * Successful interface calls by ELB's service-linked role: a creation described as the ALB's (exact match, so
 * `ELB app/web/…` never matches `ELB app/web-2/…` nor an NLB's `ELB net/…`), or any deletion, which names only
 * the interface id: every ELB interface deleted in the account and region runs the function once.
 */
export function albInterfaceEventPattern(albArn: string): string {
  const events = ALB_INTERFACE_EVENTS;
  const pattern = {
    source: [events.source],
    'detail-type': [events.detailType],
    detail: {
      eventSource: [events.eventSource],
      errorCode: [{ exists: false }],
      userIdentity: { sessionContext: { sessionIssuer: { userName: [events.serviceLinkedRole] } } },
      $or: [
        { eventName: [events.create], requestParameters: { description: [albInterfaceDescription(albArn)] } },
        { eventName: [events.delete] },
      ],
    },
  };
  return Token.isUnresolved(albArn) ? Fn.jsonencode(pattern) : JSON.stringify(pattern);
}

/** `ELB app/<name>/<id>`: how ELB describes every network interface of an ALB, from its ARN. */
export function albInterfaceDescription(albArn: string): string {
  const separator = ':loadbalancer/';
  if (!Token.isUnresolved(albArn)) return `ELB ${albArn.split(separator)[1]}`;
  return Fn.join('', ['ELB ', Fn.element(Fn.split(separator, albArn), 1)]);
}
