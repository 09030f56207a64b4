import {
  AllocateAddressCommand,
  CreateNetworkInterfaceCommand,
  CreateSecurityGroupCommand,
  CreateSubnetCommand,
  CreateVpcCommand,
  DeleteNetworkInterfaceCommand,
  DescribeAddressesCommand,
  EC2Client,
} from '@aws-sdk/client-ec2';
import {
  CreateListenerCommand,
  CreateLoadBalancerCommand,
  DescribeListenersCommand,
  DescribeTargetHealthCommand,
  ElasticLoadBalancingV2Client,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { DeleteBucketPolicyCommand, GetBucketPolicyCommand, PutBucketPolicyCommand, S3Client } from '@aws-sdk/client-s3';
import type { EnvironmentConfig, RouteConfig } from '../../../config/types';
import { FAKE_CREDENTIALS, TEST_REGION } from '../../support/run-sync';

/** The Availability Zones of the world, in the order the test environment lists them. */
export const ZONES = ['us-east-1a', 'us-east-1b', 'us-east-1c'] as const;

/** The existing estate an environment is written against, created in the emulator with the SDK. */
export interface World {
  readonly vpcId: string;
  /** The NLB's public subnet per zone. */
  readonly publicSubnets: Readonly<Record<string, string>>;
  readonly alb: { readonly arn: string; readonly dnsName: string; readonly securityGroupId: string };
  /** The ALB's listeners by port: 80 (HTTP) and 443. */
  readonly albListeners: Readonly<Record<number, string>>;
  /**
   * The ALB's node addresses, one per ALB subnet: moto runs no nodes, so the world makes what AWS would show of
   * them, a network interface each (described `ELB app/<name>/<id>`), and the DNS stand-in serves them.
   */
  readonly albNodes: readonly string[];
  /** The network interface of each node, by its address. */
  readonly albNodeInterfaces: ReadonlyMap<string, string>;
  /** Elastic IPs that exist before the stack: one attached by id, one adopted by import. */
  readonly existingAddresses: { readonly attached: Address; readonly adopted: Address };
}

export interface Address {
  readonly allocationId: string;
  readonly publicIp: string;
}

export interface Clients {
  readonly ec2: EC2Client;
  readonly elb: ElasticLoadBalancingV2Client;
  readonly s3: S3Client;
}

export function clients(endpoint: string): Clients {
  const config = { region: TEST_REGION, endpoint, credentials: FAKE_CREDENTIALS };
  return {
    ec2: new EC2Client(config),
    elb: new ElasticLoadBalancingV2Client(config),
    s3: new S3Client({ ...config, forcePathStyle: true }),
  };
}

/** Creates a VPC, public subnets in three zones, an internal ALB in two with its security group and listeners, and two Elastic IPs. */
export async function createWorld({ ec2, elb }: Clients): Promise<World> {
  const vpcId = (await ec2.send(new CreateVpcCommand({ CidrBlock: '10.20.0.0/16' }))).Vpc!.VpcId!;
  const subnet = async (cidr: string, zone: string) =>
    (await ec2.send(new CreateSubnetCommand({ VpcId: vpcId, CidrBlock: cidr, AvailabilityZone: zone }))).Subnet!.SubnetId!;
  const publicSubnets: Record<string, string> = {};
  for (const [index, zone] of ZONES.entries()) publicSubnets[zone] = await subnet(`10.20.${index}.0/24`, zone);
  const albSubnets = [await subnet('10.20.10.0/24', ZONES[0]), await subnet('10.20.11.0/24', ZONES[1])];
  const securityGroupId = (await ec2.send(new CreateSecurityGroupCommand({ GroupName: 'app-alb', Description: 'ALB', VpcId: vpcId })))
    .GroupId!;
  const balancer = (
    await elb.send(
      new CreateLoadBalancerCommand({
        Name: 'app',
        Type: 'application',
        Scheme: 'internal',
        Subnets: albSubnets,
        SecurityGroups: [securityGroupId],
      }),
    )
  ).LoadBalancers![0];
  const albListeners: Record<number, string> = {};
  for (const port of [80, 443]) {
    const listener = await elb.send(
      new CreateListenerCommand({
        LoadBalancerArn: balancer.LoadBalancerArn,
        Protocol: 'HTTP',
        Port: port,
        DefaultActions: [
          { Type: 'fixed-response', FixedResponseConfig: { StatusCode: '200', ContentType: 'text/plain', MessageBody: 'ok' } },
        ],
      }),
    );
    albListeners[port] = listener.Listeners![0].ListenerArn!;
  }
  // What ELB creates for each node, and an interface of another ALB whose name starts the same: the listing must
  // take the first ones only.
  const albNodes = ['10.20.10.37', '10.20.11.142'];
  const description = `ELB ${/:loadbalancer\/(app\/.+)$/.exec(balancer.LoadBalancerArn!)![1]}`;
  const albNodeInterfaces = new Map<string, string>();
  for (const [index, ip] of albNodes.entries()) {
    albNodeInterfaces.set(ip, await networkInterface(ec2, albSubnets[index], ip, description));
  }
  await networkInterface(ec2, albSubnets[0], '10.20.10.99', description.replace('app/app/', 'app/app-2/'));
  const allocate = async (): Promise<Address> => {
    const address = await ec2.send(new AllocateAddressCommand({ Domain: 'vpc' }));
    return { allocationId: address.AllocationId!, publicIp: address.PublicIp! };
  };
  return {
    vpcId,
    publicSubnets,
    alb: { arn: balancer.LoadBalancerArn!, dnsName: `internal-${balancer.DNSName!}`, securityGroupId },
    albListeners,
    albNodes,
    albNodeInterfaces,
    existingAddresses: { attached: await allocate(), adopted: await allocate() },
  };
}

async function networkInterface(ec2: EC2Client, subnetId: string, ip: string, description: string): Promise<string> {
  const created = await ec2.send(new CreateNetworkInterfaceCommand({ SubnetId: subnetId, PrivateIpAddress: ip, Description: description }));
  return created.NetworkInterface!.NetworkInterfaceId!;
}

/** A node leaves as ELB removes it: its network interface is deleted. */
export async function removeAlbNode({ ec2 }: Clients, world: World, ip: string): Promise<void> {
  await ec2.send(new DeleteNetworkInterfaceCommand({ NetworkInterfaceId: world.albNodeInterfaces.get(ip)! }));
}

/**
 * The test environment, shaped like the shipped production example without its accelerator
 * (`EMULATOR_GAPS.globalAccelerator` in gaps.ts): three zones (one address attached by id, one adopted, one new),
 * port 80 in ip-sync mode and 443 as an ALB-type target group with a health check and the ALB listener's ARN.
 */
export function environmentOf(world: World, name: string, routes?: readonly RouteConfig[]): EnvironmentConfig {
  const { attached, adopted } = world.existingAddresses;
  return {
    name,
    region: TEST_REGION,
    vpcId: world.vpcId,
    zones: [
      { availabilityZone: ZONES[0], subnetId: world.publicSubnets[ZONES[0]], staticIp: { allocationId: attached.allocationId } },
      {
        availabilityZone: ZONES[1],
        subnetId: world.publicSubnets[ZONES[1]],
        staticIp: { allocationId: adopted.allocationId, adopt: true },
      },
      { availabilityZone: ZONES[2], subnetId: world.publicSubnets[ZONES[2]] },
    ],
    albs: { app: { dnsName: world.alb.dnsName, arn: world.alb.arn, securityGroupId: world.alb.securityGroupId } },
    routes: routes ?? [
      { listenerPort: 80 },
      // The world's listener on 443 speaks HTTP: the route says so (synth would otherwise take HTTPS for 443).
      {
        listenerPort: 443,
        mode: 'alb-target',
        healthCheck: { path: '/health', protocol: 'HTTP' },
        albListenerArn: world.albListeners[443],
      },
    ],
    ingressCidrs: ['198.51.100.0/24'],
    tags: { Environment: name, Service: 'alb-static-ip' },
  };
}

/** Every Elastic IP of the account, by allocation id. */
export async function addresses({
  ec2,
}: Clients): Promise<Map<string, { publicIp: string; associationId?: string; networkInterfaceId?: string }>> {
  const { Addresses = [] } = await ec2.send(new DescribeAddressesCommand({}));
  return new Map(
    Addresses.map((a) => [
      a.AllocationId!,
      { publicIp: a.PublicIp!, associationId: a.AssociationId, networkInterfaceId: a.NetworkInterfaceId },
    ]),
  );
}

/** Each listener of a load balancer: port -> the target group its default action forwards to. */
export async function listenerTargets({ elb }: Clients, loadBalancerArn: string): Promise<Map<number, string>> {
  const { Listeners = [] } = await elb.send(new DescribeListenersCommand({ LoadBalancerArn: loadBalancerArn }));
  return new Map(
    Listeners.map((listener) => {
      const action = listener.DefaultActions!.find((a) => a.Type === 'forward')!;
      return [listener.Port!, action.TargetGroupArn ?? action.ForwardConfig!.TargetGroups![0].TargetGroupArn!];
    }),
  );
}

/** The targets registered in a target group, as `id:port`. */
export async function registeredTargets({ elb }: Clients, targetGroupArn: string): Promise<string[]> {
  const { TargetHealthDescriptions = [] } = await elb.send(new DescribeTargetHealthCommand({ TargetGroupArn: targetGroupArn }));
  return TargetHealthDescriptions.map((d) => `${d.Target!.Id}:${d.Target!.Port}`).sort();
}

/**
 * Runs `body` with the bucket's policy lifted and puts the same policy back after: the one part of the bucket
 * the emulator cannot evaluate (`EMULATOR_GAPS.secureTransportDeny` in gaps.ts). The deployed configuration is
 * untouched, so the next refreshed plan still compares the policy terraform wrote.
 */
export async function withBucketPolicySuspended<T>({ s3 }: Clients, bucket: string, body: () => Promise<T>): Promise<T> {
  const { Policy } = await s3.send(new GetBucketPolicyCommand({ Bucket: bucket }));
  await s3.send(new DeleteBucketPolicyCommand({ Bucket: bucket }));
  try {
    return await body();
  } finally {
    await s3.send(new PutBucketPolicyCommand({ Bucket: bucket, Policy }));
  }
}
