import * as fs from 'node:fs';
import * as path from 'node:path';
import { SYNC_VARIABLES } from '../../../lambda/environment';
import { startDnsServer, type DnsStandIn } from '../../support/dns-server';
import { FAKE_CREDENTIALS, runSync, TEST_REGION, type SyncRun } from '../../support/run-sync';
import type { Deployment } from './deployment';
import { withBucketPolicySuspended, type Clients, type World } from './world';
import type { JsonObject } from '../../support/json';

/** A resource instance as the state file records it. */
interface StateInstance {
  readonly attributes: JsonObject;
  create_before_destroy?: boolean;
}

interface StateFile {
  serial: number;
  readonly resources: { readonly type: string; readonly mode: string; readonly instances: StateInstance[] }[];
}

const stateFileOf = (deployment: Deployment) => path.join(deployment.dir, 'terraform.tfstate');
const readState = (deployment: Deployment): StateFile => JSON.parse(fs.readFileSync(stateFileOf(deployment), 'utf8'));

/** The managed instances of a type in the deployment's state file. */
export function stateInstances(deployment: Deployment, type: string): StateInstance[] {
  return readState(deployment)
    .resources.filter((r) => r.mode === 'managed' && r.type === type)
    .flatMap((r) => r.instances);
}

/** The managed resources of a type in the deployment's state file, as the emulator returned them. */
export function deployedResources(deployment: Deployment, type: string): JsonObject[] {
  return stateInstances(deployment, type).map((instance) => instance.attributes);
}

/** Makes the state what an older release left: no `create_before_destroy` recorded for resources of `type`. */
export function forgetCreateBeforeDestroy(deployment: Deployment, type: string): void {
  const state = readState(deployment);
  for (const resource of state.resources.filter((r) => r.type === type)) {
    for (const instance of resource.instances) delete instance.create_before_destroy;
  }
  state.serial += 1;
  fs.writeFileSync(stateFileOf(deployment), JSON.stringify(state, null, 2));
}

/**
 * The built bundle (dist/lambda/index.js), run as each deployed sync function: with the variables the stack set on
 * the function, as the emulator stored them, and only the endpoints, credentials and DNS server replaced (the DNS
 * stand-in serves the ALB's nodes, which moto does not run).
 */
export class DeployedSync {
  private constructor(
    private readonly clients: Clients,
    private readonly endpoint: string,
    readonly dns: DnsStandIn,
  ) {}

  static async start(clients: Clients, endpoint: string, world: World): Promise<DeployedSync> {
    const dns = await startDnsServer({ name: world.alb.dnsName, addresses: world.albNodes });
    return new DeployedSync(clients, endpoint, dns);
  }

  /** The deployed function of the sync of this route (its NLB listener port), by its function name's suffix. */
  functionOf(deployment: Deployment, listenerPort: number): JsonObject {
    const found = deployedResources(deployment, 'aws_lambda_function').filter((f) =>
      f.function_name.endsWith(`-alb-ip-sync-${listenerPort}`),
    );
    if (found.length !== 1) throw new Error(`expected one deployed sync function for port ${listenerPort}, found ${found.length}`);
    return found[0];
  }

  /** Runs the bundle once as the deployed function of the route; fails unless the handler succeeded. */
  async run(deployment: Deployment, listenerPort: number): Promise<SyncRun> {
    const variables = this.functionOf(deployment, listenerPort).environment[0].variables as Record<string, string>;
    const run = await withBucketPolicySuspended(this.clients, variables[SYNC_VARIABLES.bucket], () =>
      runSync({
        ...variables,
        [SYNC_VARIABLES.dnsServers]: `127.0.0.1:${this.dns.port}`,
        AWS_REGION: TEST_REGION,
        AWS_ACCESS_KEY_ID: FAKE_CREDENTIALS.accessKeyId,
        AWS_SECRET_ACCESS_KEY: FAKE_CREDENTIALS.secretAccessKey,
        AWS_EC2_METADATA_DISABLED: 'true',
        AWS_ENDPOINT_URL_S3: this.endpoint,
        AWS_ENDPOINT_URL_ELASTIC_LOAD_BALANCING_V2: this.endpoint,
        // Interface discovery (DISCOVERY=interfaces) lists the ALB's network interfaces here.
        AWS_ENDPOINT_URL_EC2: this.endpoint,
      }),
    );
    if (!run.ok) throw new Error(`the deployed sync of port ${listenerPort} failed: ${run.error}\n${run.stdout}\n${run.stderr}`);
    return run;
  }

  /** Every deployed sync function's route port. */
  ports(deployment: Deployment): number[] {
    return deployedResources(deployment, 'aws_lambda_function').map((f) => Number(/-alb-ip-sync-(\d+)$/.exec(f.function_name)![1]));
  }

  stop(): Promise<void> {
    return this.dns.stop();
  }
}
