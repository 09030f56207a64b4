import * as http from 'node:http';
import * as net from 'node:net';
import type { PlannedChange } from './deployment';

/**
 * What moto 5.2.1 does not emulate, each visible in its source, and the one attribute each lets an assertion
 * ignore. Everything not named here is compared as AWS would return it.
 */
export const EMULATOR_GAPS = {
  /**
   * elbv2/models.py create_load_balancer and set_subnets keep the subnet of each SubnetMapping, not its AllocationId.
   * Modelled: {@link startAllocationIdKeeper}.
   */
  nlbAllocationIds: 'aws_lb.subnet_mapping[].allocation_id',
  /** lambda/models.py keeps no LoggingConfig: the function reads back with the default (Text, no group). */
  lambdaLoggingConfig: 'aws_lambda_function.logging_config',
  /** ec2 security group rules: a rule's description is read back for CIDR rules only, not for group-referencing ones. */
  groupRuleDescription:
    'aws_vpc_security_group_ingress_rule.description / aws_vpc_security_group_egress_rule.description (group-referencing)',
  /**
   * iam/access_control.py evaluates a bucket policy with no condition keys, and denies whenever a condition does
   * not hold: the state bucket's `aws:SecureTransport` deny refuses every object request, over HTTP or HTTPS.
   * Modelled: the policy is lifted only while the bundle runs, then put back as it was (see suspendBucketPolicy).
   */
  secureTransportDeny: 'aws_s3_bucket_policy.policy (enforcement only, during bundle runs)',
  /**
   * elbv2/models.py names every load balancer `<name>-1.<region>.elb.amazonaws.com`: the test environment prefixes
   * `internal-`, which validation requires, and the DNS stand-in serves that name.
   */
  internalDnsPrefix: 'albs.<key>.dnsName',
  /** No Global Accelerator backend at all: the environments here have no accelerator. */
  globalAccelerator: 'frontDoors.globalAccelerator (not used)',
} as const;

/**
 * The changes of a refreshed plan that the gaps above do not explain: anything but an in-place update of a
 * function's logging_config or of a group-referencing rule's description.
 */
export function unexplainedChanges(changes: readonly PlannedChange[]): PlannedChange[] {
  return changes.filter((change) => {
    if (change.actions.join() !== 'update') return true;
    const only = (attribute: string) => change.changedAttributes.join() === attribute;
    if (change.type === 'aws_lambda_function') return !only('logging_config');
    if (/^aws_vpc_security_group_(ingress|egress)_rule$/.test(change.type)) {
      return !(only('description') && change.before?.referenced_security_group_id);
    }
    return true;
  });
}

/** Where terraform and the SDK reach the emulator: moto behind the allocation-id keeper. */
export interface EmulatorEndpoint {
  readonly endpoint: string;
  stop(): Promise<void>;
}

/**
 * moto drops `SubnetMappings[].AllocationId`, so a refreshed plan would want to put every NLB's Elastic IPs back
 * (an in-place SetSubnets, which moto then parses wrongly). This loopback proxy models that one attribute: it
 * remembers the allocation id per load balancer and subnet from CreateLoadBalancer and SetSubnets requests and
 * writes it into DescribeLoadBalancers answers as `LoadBalancerAddresses`, as ELBv2 does. Every other byte passes
 * through unchanged.
 */
export async function startAllocationIdKeeper(motoEndpoint: string): Promise<EmulatorEndpoint> {
  const target = new URL(motoEndpoint);
  /** `<load balancer name>/<subnet id>` -> allocation id. */
  const allocations = new Map<string, string>();
  const server = http.createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const body = Buffer.concat(chunks);
      const form = isForm(request) ? new URLSearchParams(body.toString('utf8')) : undefined;
      const action = form?.get('Action');
      if (form && (action === 'CreateLoadBalancer' || action === 'SetSubnets')) remember(form, allocations);
      const upstream = http.request(
        { host: target.hostname, port: target.port, method: request.method, path: request.url, headers: request.headers },
        (answer) => {
          const answerChunks: Buffer[] = [];
          answer.on('data', (chunk: Buffer) => answerChunks.push(chunk));
          answer.on('end', () => {
            let payload = Buffer.concat(answerChunks);
            if (action === 'DescribeLoadBalancers' && answer.statusCode === 200) {
              payload = Buffer.from(withAllocationIds(payload.toString('utf8'), allocations), 'utf8');
            }
            const headers = { ...answer.headers, 'content-length': String(payload.length) };
            delete headers['transfer-encoding'];
            response.writeHead(answer.statusCode ?? 502, headers);
            response.end(payload);
          });
        },
      );
      upstream.on('error', (error) => {
        response.writeHead(502);
        response.end(String(error));
      });
      upstream.end(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    stop: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

function isForm(request: http.IncomingMessage): boolean {
  return String(request.headers['content-type'] ?? '').startsWith('application/x-www-form-urlencoded');
}

function remember(form: URLSearchParams, allocations: Map<string, string>): void {
  const name = form.get('Name') ?? /loadbalancer\/(?:app|net)\/([^/]+)\//.exec(form.get('LoadBalancerArn') ?? '')?.[1];
  if (!name) return;
  for (const [key, subnetId] of form) {
    const member = /^SubnetMappings\.member\.(\d+)\.SubnetId$/.exec(key)?.[1];
    if (member === undefined) continue;
    const allocationId = form.get(`SubnetMappings.member.${member}.AllocationId`);
    if (allocationId) allocations.set(`${name}/${subnetId}`, allocationId);
    else allocations.delete(`${name}/${subnetId}`);
  }
}

/** Adds `LoadBalancerAddresses` to each zone of each load balancer with a remembered allocation id. */
function withAllocationIds(xml: string, allocations: ReadonlyMap<string, string>): string {
  return xml.replace(/<member><LoadBalancerArn>[\s\S]*?<\/LoadBalancerName>[\s\S]*?<\/AvailabilityZones>/g, (balancer) => {
    const name = /<LoadBalancerName>([^<]+)<\/LoadBalancerName>/.exec(balancer)?.[1];
    return balancer.replace(/<SubnetId>([^<]+)<\/SubnetId>/g, (subnet, subnetId: string) => {
      const allocationId = allocations.get(`${name}/${subnetId}`);
      return allocationId
        ? `${subnet}<LoadBalancerAddresses><member><AllocationId>${allocationId}</AllocationId></member></LoadBalancerAddresses>`
        : subnet;
    });
  });
}
