import type { EnvironmentConfig } from './types';

/**
 * Your environments: one stack each. These examples have made-up but well-formed ids, and between them use every
 * mode: replace them with your own (the tests do not read this file, except one generic check that whatever is
 * here validates, synthesizes and plans).
 */
export const ENVIRONMENTS: readonly EnvironmentConfig[] = [
  {
    // The smallest useful environment: two zones, one ALB, ports 80 and 443 in ip-sync mode, open to the internet.
    name: 'staging',
    region: 'eu-west-1',
    vpcId: 'vpc-0a1b2c3d4e5f60718',
    zones: [
      { availabilityZone: 'eu-west-1a', subnetId: 'subnet-0a1b2c3d4e5f60001' },
      { availabilityZone: 'eu-west-1b', subnetId: 'subnet-0a1b2c3d4e5f60002' },
    ],
    albs: { app: { dnsName: 'internal-app-staging-1234567890.eu-west-1.elb.amazonaws.com' } },
    tags: { Environment: 'staging', Service: 'alb-static-ip' },
  },
  {
    // Three zones, both front doors: port 80 in ip-sync mode, 443 as an ALB-type target group (the client IP
    // reaches the ALB), and a Global Accelerator on both; alarms to a topic; tuned sync.
    name: 'production',
    region: 'eu-west-1',
    vpcId: 'vpc-0b2c3d4e5f6071829',
    zones: [
      { availabilityZone: 'eu-west-1a', subnetId: 'subnet-0b2c3d4e5f6070001' },
      { availabilityZone: 'eu-west-1b', subnetId: 'subnet-0b2c3d4e5f6070002' },
      { availabilityZone: 'eu-west-1c', subnetId: 'subnet-0b2c3d4e5f6070003' },
    ],
    albs: {
      app: {
        dnsName: 'internal-app-production-987654321.eu-west-1.elb.amazonaws.com',
        arn: 'arn:aws:elasticloadbalancing:eu-west-1:123456789012:loadbalancer/app/app-production/50dc6c495c0c9188',
        securityGroupId: 'sg-0c3d4e5f607182930',
      },
    },
    routes: [
      { listenerPort: 80 },
      {
        listenerPort: 443,
        mode: 'alb-target',
        healthCheck: { path: '/health' },
        albListenerArn: 'arn:aws:elasticloadbalancing:eu-west-1:123456789012:listener/app/app-production/50dc6c495c0c9188/f2f7dc8efc522ab2',
      },
    ],
    frontDoors: { globalAccelerator: {} },
    tags: { Environment: 'production', Service: 'alb-static-ip', CostCenter: 'platform' },
    sync: { invocationsBeforeDeregistration: 3, maxDeregistrationPercent: 50 },
    alarmTopicArn: 'arn:aws:sns:eu-west-1:123456789012:platform-alerts',
  },
  {
    // Two ALBs behind one set of static IPs from a contiguous IPAM block: the API on 443, and a partner ALB in
    // another VPC (reached over a transit gateway) on 8443, forwarded to its listener on 443.
    name: 'partner-edge',
    region: 'eu-central-1',
    vpcId: 'vpc-0d4e5f60718293a4b',
    zones: [
      { availabilityZone: 'eu-central-1a', subnetId: 'subnet-0d4e5f60718290001' },
      { availabilityZone: 'eu-central-1b', subnetId: 'subnet-0d4e5f60718290002' },
    ],
    staticIps: { pool: { ipamPoolId: 'ipam-pool-0e5f60718293a4b5c', region: 'eu-central-1' } },
    albs: {
      api: { dnsName: 'internal-api-edge-1122334455.eu-central-1.elb.amazonaws.com' },
      partner: {
        dnsName: 'internal-partner-5544332211.eu-central-1.elb.amazonaws.com',
        outsideVpc: { cidrs: ['10.40.0.0/16'] },
      },
    },
    routes: [
      { listenerPort: 443, alb: 'api' },
      { listenerPort: 8443, alb: 'partner', albPort: 443 },
    ],
    ingressCidrs: ['198.51.100.0/24', '203.0.113.0/24'],
    tags: { Environment: 'partner-edge', Service: 'alb-static-ip' },
  },
];
