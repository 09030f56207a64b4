/**
 * A team's CDKTF app as test/package/consumer.test.ts builds it from scratch: the packed package installed from its
 * tarball beside the app's own cdktf, constructs and AWS provider, nothing else. Its stack has its own provider
 * (an assumed role, default tags), backend and ALB; the front doors, with a Global Accelerator, sit inside it.
 *
 *   CDKTF_OUTDIR=<outdir> node main.js   # after tsc: writes <outdir>/stacks/team-edge
 */
import { App, S3Backend, TerraformOutput, TerraformStack } from 'cdktf';
import type { Construct } from 'constructs';
import { Lb } from '@cdktf/provider-aws/lib/lb';
import { AwsProvider } from '@cdktf/provider-aws/lib/provider';
import { StaticIpFrontDoors, type EnvironmentConfig } from 'alb-static-ip';

const VPC_ID = 'vpc-0f1e2d3c4b5a69788';

class TeamEdgeStack extends TerraformStack {
  constructor(scope: Construct, id: string) {
    super(scope, id);
    new AwsProvider(this, 'aws', {
      region: 'eu-west-1',
      assumeRole: [{ roleArn: 'arn:aws:iam::123456789012:role/team-deploy' }],
      defaultTags: [{ tags: { Team: 'edge' } }],
    });
    new S3Backend(this, { bucket: 'team-terraform-state', key: 'edge.tfstate', region: 'eu-west-1' });
    const alb = new Lb(this, 'alb', {
      name: 'team',
      internal: true,
      loadBalancerType: 'application',
      subnets: ['subnet-0f1e2d3c4b5a60011', 'subnet-0f1e2d3c4b5a60012'],
    });
    const environment: EnvironmentConfig = {
      name: 'team-edge',
      region: 'eu-west-1',
      vpcId: VPC_ID,
      zones: [
        { availabilityZone: 'eu-west-1a', subnetId: 'subnet-0f1e2d3c4b5a60001' },
        { availabilityZone: 'eu-west-1b', subnetId: 'subnet-0f1e2d3c4b5a60002' },
      ],
      albs: { team: { dnsName: alb.dnsName, arn: alb.arn } },
      routes: [{ listenerPort: 443 }],
      frontDoors: { globalAccelerator: {} },
    };
    const edge = new StaticIpFrontDoors(this, 'edge', { environment });
    new TerraformOutput(this, 'static_ips', { value: edge.staticIpAddresses });
  }
}

const app = new App();
new TeamEdgeStack(app, 'team-edge');
app.synth();
