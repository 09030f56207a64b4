import type { EnvironmentConfig } from './types';

/**
 * The example environments `cdktf synth` builds on a fresh clone. The ids are made up but well-formed:
 * replace them with your VPC's and ALB's before deploying.
 */
export const EXAMPLE_ENVIRONMENTS: readonly EnvironmentConfig[] = [
  {
    // The smallest useful environment: every default (ports 80 and 443, open to the internet).
    name: 'staging',
    region: 'eu-west-1',
    vpcId: 'vpc-0a1b2c3d4e5f60718',
    publicSubnetIds: ['subnet-0a1b2c3d4e5f60001', 'subnet-0a1b2c3d4e5f60002'],
    alb: { dnsName: 'internal-app-staging-1234567890.eu-west-1.elb.amazonaws.com' },
    tags: { Environment: 'staging', Service: 'alb-static-ip' },
  },
  {
    // Everything set: three AZs, the ALB's security group opened to the NLB, an alarm topic, tuned sync.
    name: 'production',
    region: 'eu-west-1',
    vpcId: 'vpc-0b2c3d4e5f6071829',
    publicSubnetIds: ['subnet-0b2c3d4e5f6070001', 'subnet-0b2c3d4e5f6070002', 'subnet-0b2c3d4e5f6070003'],
    alb: {
      dnsName: 'internal-app-production-987654321.eu-west-1.elb.amazonaws.com',
      securityGroupId: 'sg-0c3d4e5f607182930',
    },
    ports: [80, 443],
    ingressCidrs: ['0.0.0.0/0'],
    tags: { Environment: 'production', Service: 'alb-static-ip', CostCenter: 'platform' },
    sync: { maxLookupsPerInvocation: 200, invocationsBeforeDeregistration: 3, maxDeregistrationPercent: 50 },
    alarmTopicArn: 'arn:aws:sns:eu-west-1:123456789012:platform-alerts',
    lambdaRuntime: 'nodejs22.x',
  },
];
