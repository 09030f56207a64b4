import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import * as http from 'node:http';
import * as net from 'node:net';
import { terraformAvailability, terraformRequired, type ProviderMirror } from '../../support/terraform';

/**
 * moto_server, an AWS emulator, on a free loopback port: one per test file, so files never share a world.
 */

export interface Moto {
  /** `http://127.0.0.1:<port>`: every emulated service answers there. */
  readonly endpoint: string;
  stop(): Promise<void>;
}

/** How long moto_server (a Python process importing every backend) may take to answer its first request. */
const START_LIMIT_MS = 60_000;

export async function startMoto(): Promise<Moto> {
  const port = await freePort();
  const child = spawn('moto_server', ['-H', '127.0.0.1', '-p', String(port)], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (chunk) => (stderr = (stderr + chunk).slice(-4000)));
  const endpoint = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + START_LIMIT_MS;
  while (!(await answers(endpoint))) {
    if (child.exitCode !== null || Date.now() > deadline) {
      child.kill();
      throw new Error(`moto_server did not answer on ${endpoint} (exit ${child.exitCode}):\n${stderr}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  return { endpoint, stop: () => stopChild(child) };
}

function answers(endpoint: string): Promise<boolean> {
  return new Promise((resolve) => {
    const request = http.get(`${endpoint}/moto-api/`, (response) => {
      response.resume();
      resolve(true);
    });
    request.on('error', () => resolve(false));
    request.setTimeout(2000, () => request.destroy());
  });
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });
}

function motoAvailable(): boolean {
  try {
    execFileSync('moto_server', ['--help'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/**
 * Declares tests that apply stacks into moto with real terraform: they run where moto_server, terraform and the
 * provider mirror are found; elsewhere they are skipped with the reason, unless CI=true (or REQUIRE_TERRAFORM=1)
 * turns that into a failure naming what is missing.
 */
export function describeWithEmulator(title: string, body: (mirror: ProviderMirror) => void): void {
  const terraform = terraformAvailability();
  const missing = [...(motoAvailable() ? [] : ['moto_server is not on PATH']), ...(terraform.available ? [] : [terraform.reason])];
  if (terraform.available && missing.length === 0) {
    describe(title, () => body(terraform.mirror));
  } else if (terraformRequired) {
    test(`${title}: moto_server, terraform and the provider mirror are available (CI=true or REQUIRE_TERRAFORM=1)`, () => {
      throw new Error(`the emulator tier is required here, but ${missing.join(' and ')}`);
    });
  } else {
    console.warn(`Skipping "${title}": ${missing.join(' and ')}. CI=true or REQUIRE_TERRAFORM=1 makes this a failure.`);
    describe.skip(title, () => test('needs moto_server and terraform', () => undefined));
  }
}
