/**
 * Embedding the front doors in a team's own CDKTF stack: the team's provider and backend, and an ALB its own
 * code creates, handed over as Terraform tokens. Synthesized, validated and planned by test/terraform/examples.test.ts.
 *
 * A team installs the package (`npm install <path or URL of alb-static-ip-<version>.tgz>`, or a git URL) beside
 * the cdktf, constructs and @cdktf/provider-aws its app already has, and imports from 'alb-static-ip'; this example
 * imports the sources it is tested with. test/package/ builds such an app from the packed package.
 * With a Global Accelerator, its us-west-2 provider takes the settings of the stack's AWS provider (assumed role,
 * default tags, profile, ...): make that provider before the front doors, or pass `providerConfig`.
 *
 *   npx tsx examples/embedded/main.ts   # writes cdktf.out/stacks/shop-edge
 */
import { App, S3Backend, TerraformOutput, TerraformStack } from 'cdktf';
import type { Construct } from 'constructs';
import { Lb } from '@cdktf/provider-aws/lib/lb';
import { LbListener } from '@cdktf/provider-aws/lib/lb-listener';
import { AwsProvider } from '@cdktf/provider-aws/lib/provider';
import { SecurityGroup } from '@cdktf/provider-aws/lib/security-group';
import { StaticIpFrontDoors } from '../../index';

const VPC_ID = 'vpc-0f1e2d3c4b5a69788';
const PRIVATE_SUBNETS = ['subnet-0f1e2d3c4b5a60011', 'subnet-0f1e2d3c4b5a60012'];

/** The team's stack: everything but the front doors is theirs. */
export class ShopEdgeStack extends TerraformStack {
  constructor(scope: Construct, id: string) {
    super(scope, id);
    new AwsProvider(this, 'aws', { region: 'eu-west-1', defaultTags: [{ tags: { Team: 'shop' } }] });
    new S3Backend(this, { bucket: 'shop-terraform-state', key: 'edge.tfstate', region: 'eu-west-1' });

    // The team's internal ALB, made in the same apply: its DNS name, ARN and listener are tokens here.
    const albGroup = new SecurityGroup(this, 'alb-sg', { name: 'shop-alb', vpcId: VPC_ID });
    const alb = new Lb(this, 'alb', {
      name: 'shop',
      internal: true,
      loadBalancerType: 'application',
      subnets: PRIVATE_SUBNETS,
      securityGroups: [albGroup.id],
    });
    const https = new LbListener(this, 'alb-https', {
      loadBalancerArn: alb.arn,
      port: 443,
      protocol: 'HTTP',
      defaultAction: [{ type: 'fixed-response', fixedResponse: { contentType: 'text/plain', statusCode: '200' } }],
    });

    const edge = new StaticIpFrontDoors(this, 'edge', {
      environment: {
        name: 'shop-edge',
        region: 'eu-west-1',
        vpcId: VPC_ID,
        zones: [
          { availabilityZone: 'eu-west-1a', subnetId: 'subnet-0f1e2d3c4b5a60001' },
          { availabilityZone: 'eu-west-1b', subnetId: 'subnet-0f1e2d3c4b5a60002' },
        ],
        albs: { shop: { dnsName: alb.dnsName, arn: alb.arn, securityGroupId: albGroup.id } },
        routes: [
          // The client IP reaches the ALB: an ALB-type target group, attached once the listener exists.
          // Its health check speaks the listener's protocol: HTTP here, on 443 (synth assumes HTTPS there otherwise).
          { listenerPort: 443, mode: 'alb-target', albListenerArn: https.arn, healthCheck: { protocol: 'HTTP' } },
          // Port mapping needs ip-sync: 8443 on the static IPs to the ALB's 443.
          { listenerPort: 8443, albPort: 443 },
        ],
      },
    });
    new TerraformOutput(this, 'static_ips', { value: edge.staticIpAddresses });
  }
}

if (require.main === module) {
  const app = new App();
  new ShopEdgeStack(app, 'shop-edge');
  app.synth();
}
