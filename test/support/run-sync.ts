/**
 * Runs the deployed file, dist/lambda/index.js, once per call in a fresh Node process (a cold start), with no
 * environment but what the test passes, against the stand-ins on 127.0.0.1.
 */
import { execFile } from 'node:child_process';
import * as path from 'node:path';
import { SYNC_BUNDLE } from '../../modules/lambda-bundle';
import { startDnsServer, type DnsServerOptions, type DnsStandIn } from './dns-server';
import { elbInterfaces, startEc2Server, startStsServer, type Ec2StandIn, type StandInInterface, type StsStandIn } from './ec2-server';
import { startElbv2Server, type Elbv2RequestRecord, type Elbv2StandIn } from './elbv2-server';
import { startS3Server, type S3Object, type S3StandIn } from './s3-server';
import type { JsonObject } from './json';

export const TEST_REGION = 'us-east-1';
export const FAKE_CREDENTIALS = { accessKeyId: 'test', secretAccessKey: 'test' } as const;

/** The bundle's path, exactly as the stack zips it. */
export const BUNDLE_FILE = path.join(SYNC_BUNDLE.outdir, SYNC_BUNDLE.file);

/** Marks the line the runner prints with the handler's outcome, apart from the function's own output. */
const OUTCOME_MARK = '@@sync-outcome@@';
/** A run still going after this is a hang: the function bounds every call far below it. */
const RUN_LIMIT_MS = 60_000;

export interface RunOptions {
  /** What the context's getRemainingTimeInMillis starts from, like the function's timeout. @default 55000 */
  readonly remainingMs?: number;
}

/** One invocation, as the test sees it. */
export interface SyncRun {
  /** True when the handler resolved; false when it threw. */
  readonly ok: boolean;
  /** What the handler resolved to. */
  readonly result?: unknown;
  /** The message of the error the handler threw. */
  readonly error?: string;
  /** Every stdout line that is a JSON object, in order (the summary line with its EMF metrics among them). */
  readonly logLines: readonly Record<string, unknown>[];
  readonly stdout: string;
  readonly stderr: string;
}

/** The runner: requires the bundle and calls `handler({}, context)` once, like the Lambda runtime. */
const runner = (remainingMs: number): string =>
  `
const { handler } = require(${JSON.stringify(BUNDLE_FILE)});
const deadline = Date.now() + ${remainingMs};
const context = {
  awsRequestId: 'integration-' + process.pid,
  functionName: 'alb-ip-sync',
  getRemainingTimeInMillis: () => deadline - Date.now(),
};
const finish = (outcome) => process.stdout.write('\\n' + ${JSON.stringify(OUTCOME_MARK)} + JSON.stringify(outcome) + ` +
  `'\\n', () => process.exit(0));
Promise.resolve()
  .then(() => handler({}, context))
  .then((result) => finish({ ok: true, result }), (error) => finish({ ok: false, error: String(error && error.message) }));
`;

/** Invokes the bundle once with exactly `env` as its environment. */
export function runSync(env: Readonly<Record<string, string>>, options: RunOptions = {}): Promise<SyncRun> {
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      ['-e', runner(options.remainingMs ?? 55_000)],
      { env: { ...env }, timeout: RUN_LIMIT_MS, maxBuffer: 16 * 1024 * 1024 },
      (failure, stdout, stderr) => {
        const marked = stdout.split('\n').find((line) => line.startsWith(OUTCOME_MARK));
        if (!marked) {
          reject(
            new Error(
              `the sync process ended without an outcome (${failure?.message ?? 'no error'})\nstdout:\n${stdout}\nstderr:\n${stderr}`,
            ),
          );
          return;
        }
        const outcome = JSON.parse(marked.slice(OUTCOME_MARK.length)) as { ok: boolean; result?: unknown; error?: string };
        const logLines = stdout
          .split('\n')
          .filter((line) => line.startsWith('{'))
          .map((line) => JSON.parse(line) as Record<string, unknown>);
        resolve({ ...outcome, logLines, stdout, stderr });
      },
    );
  });
}

/** Invokes the bundle against `world` and fails the test, with the run's output, unless the handler succeeded. */
export async function syncOk(world: StandIns, overrides?: Readonly<Record<string, string>>, options?: RunOptions): Promise<SyncRun> {
  const run = await runSync(world.env(overrides), options);
  if (!run.ok) throw new Error(`sync failed: ${run.error}\n${run.stdout}\n${run.stderr}`);
  return run;
}

/** The run's summary: its one structured log line. Fails the test unless there is exactly one. */
export function summaryOf(run: SyncRun): JsonObject {
  if (run.logLines.length !== 1) throw new Error(`expected one JSON log line, got ${run.logLines.length}:\n${run.stdout}`);
  return run.logLines[0];
}

/** The ALB, target group and bucket most scenarios use. */
export const SCENARIO = {
  albDnsName: 'internal-web-1234567890.us-east-1.elb.amazonaws.com',
  listenerPort: 443,
  targetGroupArn: 'arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/static-ip-443/0123456789abcdef',
  bucket: 'alb-static-ip-sync-state',
  albArn: 'arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/app/web/0123456789abcdef',
  /** The `kind/name/id` of the ALB's ARN: its interfaces are described `ELB app/web/0123456789abcdef`. */
  albInterfaceName: 'app/web/0123456789abcdef',
} as const;

/** The key the contract's example derives from the target group ARN and the ALB name. */
export const stateKeyOf = (targetGroupArn: string, albDnsName: string = SCENARIO.albDnsName): string =>
  `${targetGroupArn}/${albDnsName}/state.json`;

export interface StandIns {
  readonly dns: DnsStandIn;
  readonly s3: S3StandIn;
  readonly elb: Elbv2StandIn;
  readonly ec2: Ec2StandIn;
  readonly sts: StsStandIn;
  /** The environment a deployed function would have, pointed at the stand-ins, with `overrides` on top. */
  env(overrides?: Readonly<Record<string, string>>): Record<string, string>;
  /** Every request any stand-in received. */
  requestCount(): number;
  /** The ELBv2 calls of `action` that succeeded, in order. */
  elbCalls(action: string): Elbv2RequestRecord[];
  /** IPs registered in the target group, in address order. @default the scenario's target group */
  registeredIps(targetGroupArn?: string): string[];
  /** The state object as stored, or undefined. @default the scenario's key */
  stateObject(key?: string): S3Object | undefined;
  /** The stored state, parsed (null when there is none). @default the scenario's key */
  state(key?: string): JsonObject;
  stop(): Promise<void>;
}

export interface StandInOptions {
  /** The ALB's nodes. */
  readonly addresses: readonly string[];
  /** Target groups that exist: ARN -> port. @default the scenario's 443 target group */
  readonly targetGroups?: Readonly<Record<string, number>>;
  readonly dns?: Partial<DnsServerOptions>;
  /** The network interfaces EC2 lists. @default the ALB's, one per address of `addresses` */
  readonly interfaces?: readonly StandInInterface[];
}

export async function startStandIns(options: StandInOptions): Promise<StandIns> {
  const dns = await startDnsServer({ name: SCENARIO.albDnsName, addresses: options.addresses, ...options.dns });
  const s3 = await startS3Server({ buckets: [SCENARIO.bucket] });
  const elb = await startElbv2Server({ targetGroups: options.targetGroups ?? { [SCENARIO.targetGroupArn]: SCENARIO.listenerPort } });
  const ec2 = await startEc2Server({ interfaces: options.interfaces ?? elbInterfaces(SCENARIO.albInterfaceName, options.addresses) });
  const sts = await startStsServer();
  return {
    dns,
    s3,
    elb,
    ec2,
    sts,
    env: (overrides = {}) => ({
      AWS_REGION: TEST_REGION,
      AWS_ACCESS_KEY_ID: FAKE_CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: FAKE_CREDENTIALS.secretAccessKey,
      AWS_EC2_METADATA_DISABLED: 'true',
      AWS_ENDPOINT_URL_S3: s3.endpoint,
      AWS_ENDPOINT_URL_ELASTIC_LOAD_BALANCING_V2: elb.endpoint,
      AWS_ENDPOINT_URL_EC2: ec2.endpoint,
      AWS_ENDPOINT_URL_STS: sts.endpoint,
      DNS_SERVERS: `127.0.0.1:${dns.port}`,
      ALB_DNS_NAME: SCENARIO.albDnsName,
      ALB_LISTENER: String(SCENARIO.listenerPort),
      NLB_TG_ARN: SCENARIO.targetGroupArn,
      S3_BUCKET: SCENARIO.bucket,
      ...overrides,
    }),
    requestCount: () => dns.queries.length + s3.requests.length + elb.requests.length + ec2.requests.length + sts.assumed.length,
    elbCalls: (action) => elb.requests.filter((request) => request.action === action && request.status === 200),
    registeredIps: (arn = SCENARIO.targetGroupArn) => elb.targets(arn).map((target) => target.ip),
    stateObject: (key = stateKeyOf(SCENARIO.targetGroupArn)) => s3.getObject(SCENARIO.bucket, key),
    state: (key = stateKeyOf(SCENARIO.targetGroupArn)) => JSON.parse(s3.getObject(SCENARIO.bucket, key)?.body ?? 'null'),
    stop: async () => {
      await Promise.all([dns.stop(), s3.stop(), elb.stop(), ec2.stop(), sts.stop()]);
    },
  };
}
