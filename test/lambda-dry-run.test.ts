import { execFile } from 'node:child_process';
import * as os from 'node:os';
import * as path from 'node:path';
import { elbInterfaces } from './support/ec2-server';
import { SCENARIO, startStandIns, syncOk, type StandIns } from './support/run-sync';

const ROOT = path.resolve(__dirname, '..');
const NODES = Array.from({ length: 10 }, (_, i) => `10.0.1.${i + 1}`);
const ARRIVED = ['10.0.2.1', '10.0.2.2'];

/** `npm run sync -- <args>`'s command, in a fresh process with exactly `env` (plus PATH and TMPDIR). */
function runDryRun(args: string[], env: Record<string, string>): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      path.join(ROOT, 'node_modules/.bin/tsx'),
      [path.join(ROOT, 'scripts/dry-run.ts'), ...args],
      { cwd: ROOT, env: { PATH: process.env.PATH ?? '', TMPDIR: os.tmpdir(), ...env }, timeout: 30_000 },
      (error, stdout, stderr) => resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
    );
  });
}

describe('dry-run (npm run sync -- --dry-run) against stand-ins on 127.0.0.1', () => {
  let world: StandIns;
  beforeAll(async () => {
    world = await startStandIns({ addresses: NODES });
  });
  afterAll(() => world.stop());

  test('refuses to run without --dry-run, before touching anything', async () => {
    const run = await runDryRun([], world.env());
    expect(run.code).toBe(2);
    expect(run.stdout).toContain('refusing to run without --dry-run');
    expect(world.requestCount()).toBe(0);
  });

  test('a bad variable is named before any call', async () => {
    const run = await runDryRun(['--dry-run'], world.env({ ALB_LISTENER: 'https' }));
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('ALB_LISTENER must be an integer from 1 to 65535, got "https"');
    expect(world.requestCount()).toBe(0);
  });

  test('prints what the function would register and deregister, and changes nothing', async () => {
    const env = world.env({ INVOCATIONS_BEFORE_DEREGISTRATION: '1' });
    await syncOk(world, env);
    world.dns.setAddresses([...NODES.slice(2), ...ARRIVED]);
    const stateBefore = world.stateObject();
    const writesBefore = world.s3.requests.filter((request) => request.operation === 'PutObject').length;
    const elbChangesBefore = world.elb.requests.filter((request) => request.action !== 'DescribeTargetHealth').length;

    const run = await runDryRun(['--dry-run', '--json'], env);
    expect(run.code).toBe(0);
    const planned = JSON.parse(run.stdout);
    expect(planned.decision.register).toEqual(ARRIVED);
    expect(planned.decision.deregister.map((target: { ip: string }) => target.ip)).toEqual(NODES.slice(0, 2));
    expect(planned.decision.stateChanged).toBe(true);

    expect(world.stateObject()).toEqual(stateBefore);
    expect(world.s3.requests.filter((request) => request.operation === 'PutObject')).toHaveLength(writesBefore);
    expect(world.elb.requests.filter((request) => request.action !== 'DescribeTargetHealth')).toHaveLength(elbChangesBefore);
    expect(world.registeredIps()).toEqual(NODES);
  });

  test('the readable form lists the same plan', async () => {
    const run = await runDryRun(['--dry-run'], world.env({ INVOCATIONS_BEFORE_DEREGISTRATION: '1' }));
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(`would register: ${ARRIVED.join(', ')}`);
    expect(run.stdout).toContain('would deregister: 10.0.1.1:443, 10.0.1.2:443');
  });

  test('with ALB_ARN it shows the source it decides from and the two sets apart, whatever DISCOVERY says', async () => {
    // DNS returns ARRIVED and NODES[2..]; the interfaces are NODES and one node not yet in DNS.
    world.ec2.setInterfaces(elbInterfaces(SCENARIO.albInterfaceName, [...NODES, '10.0.3.1']));
    const byInterfaces = await runDryRun(['--dry-run'], world.env({ DISCOVERY: 'interfaces', ALB_ARN: SCENARIO.albArn }));
    expect(byInterfaces.code).toBe(0);
    expect(byInterfaces.stdout).toContain('decides from: interfaces');
    expect(byInterfaces.stdout).toContain(`interfaces of ${SCENARIO.albArn}: 11 addresses in 1 DescribeNetworkInterfaces calls, clean`);
    expect(byInterfaces.stdout).toContain(`DNS only, no interface of the ALB (should never happen): ${ARRIVED.join(', ')}`);
    expect(byInterfaces.stdout).toContain('interfaces DNS has not shown (nodes being added or drained): 10.0.1.1, 10.0.1.2, 10.0.3.1');
    expect(byInterfaces.stdout).toContain('would register: 10.0.3.1');

    const byDns = await runDryRun(['--dry-run', '--json'], world.env({ ALB_ARN: SCENARIO.albArn }));
    const planned = JSON.parse(byDns.stdout);
    expect(planned.discovery.source).toBe('dns');
    expect(planned.comparison).toMatchObject({
      dnsOnly: ARRIVED,
      interfacesOnly: ['10.0.1.1', '10.0.1.2', '10.0.3.1'],
      interfaces: { source: 'interfaces' },
    });
    expect(planned.decision.register).toEqual(ARRIVED);
  });
});
