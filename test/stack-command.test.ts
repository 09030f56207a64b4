import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import type { EnvironmentConfig } from '../config/types';
import { EXAMPLE_ENVIRONMENTS } from '../config/environments';
import { stackCommand, type StackCommandIo } from '../scripts/stack-command';

const execFileAsync = promisify(execFile);
const PROJECT_ROOT = path.resolve(__dirname, '..');
const KNOWN = EXAMPLE_ENVIRONMENTS.map(({ name }) => name);

/** Captures what the command printed and every program it would have run. */
function recordingIo(environments: readonly EnvironmentConfig[] = EXAMPLE_ENVIRONMENTS, exitCode = 0) {
  const calls: { command: string; args: readonly string[]; env: NodeJS.ProcessEnv }[] = [];
  const out: string[] = [];
  const err: string[] = [];
  const io: StackCommandIo = {
    environments,
    run: async (command, args, env) => {
      calls.push({ command, args, env });
      return exitCode;
    },
    out: (line) => out.push(line),
    err: (line) => err.push(line),
    env: { PATH: '/usr/bin', CHECKPOINT_DISABLE: '0' },
  };
  return { io, calls, out, err };
}

describe('diff and deploy', () => {
  it.each(['diff', 'deploy'])('%s runs cdktf for the one named stack with CHECKPOINT_DISABLE=1', async (command) => {
    const { io, calls } = recordingIo();
    await expect(stackCommand([command, KNOWN[1], '--auto-approve'], io)).resolves.toBe(0);
    expect(calls).toEqual([
      {
        command: 'cdktf',
        args: [command, KNOWN[1], '--auto-approve'],
        env: { PATH: '/usr/bin', CHECKPOINT_DISABLE: '1' },
      },
    ]);
  });

  it("passes cdktf's exit code on", async () => {
    const { io } = recordingIo(EXAMPLE_ENVIRONMENTS, 3);
    await expect(stackCommand(['deploy', KNOWN[0]], io)).resolves.toBe(3);
  });

  it('refuses an unknown stack, listing the known ones, and runs nothing', async () => {
    const { io, calls, err } = recordingIo();
    await expect(stackCommand(['deploy', 'prod'], io)).resolves.toBe(2);
    expect(err.join('\n')).toBe(`unknown stack "prod": known stacks are ${KNOWN.join(', ')}`);
    expect(calls).toEqual([]);
  });

  it.each([
    [['deploy'], 'deploy needs a stack name: one of'],
    [['diff', '--auto-approve'], 'diff needs a stack name: one of'],
    [['deploy', KNOWN[0], KNOWN[1]], 'deploy takes one stack at a time'],
    [['destroy', KNOWN[0]], 'unknown command "destroy"'],
    [[], 'unknown command ""'],
  ])('refuses %j and runs nothing', async (argv, message) => {
    const { io, calls, err } = recordingIo();
    await expect(stackCommand(argv, io)).resolves.toBe(2);
    expect(err.join('\n')).toContain(message);
    expect(calls).toEqual([]);
  });
});

describe('list', () => {
  const environments: EnvironmentConfig[] = [
    { ...EXAMPLE_ENVIRONMENTS[0], name: 'dev' },
    {
      ...EXAMPLE_ENVIRONMENTS[0],
      name: 'stage',
      backend: { type: 's3', bucket: 'state', key: 'stage', region: 'eu-west-1' },
    },
    { ...EXAMPLE_ENVIRONMENTS[0], name: 'prod', backend: { type: 'cloud', organization: 'acme', workspace: 'prod' } },
  ];

  it('prints every stack with its region and backend, as JSON for the workflow matrix', async () => {
    const { io, out } = recordingIo(environments);
    await expect(stackCommand(['list', '--json'], io)).resolves.toBe(0);
    expect(JSON.parse(out.join(''))).toEqual([
      { stack: 'dev', region: 'eu-west-1', backend: 'local' },
      { stack: 'stage', region: 'eu-west-1', backend: 's3' },
      { stack: 'prod', region: 'eu-west-1', backend: 'cloud' },
    ]);
  });

  it('--remote-state leaves out the stacks whose state is a local file', async () => {
    const { io, out } = recordingIo(environments);
    await stackCommand(['list', '--json', '--remote-state'], io);
    expect(JSON.parse(out.join('')).map(({ stack }: { stack: string }) => stack)).toEqual(['stage', 'prod']);
  });

  it('refuses an unknown flag', async () => {
    const { io, err } = recordingIo(environments);
    await expect(stackCommand(['list', '--yaml'], io)).resolves.toBe(2);
    expect(err.join('\n')).toContain('unknown list flag --yaml');
  });
});

describe('the command line', () => {
  /** A stand-in cdktf that records its arguments and CHECKPOINT_DISABLE, and exits 7. */
  function fakeCdktf(): { dir: string; record: string } {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fake-cdktf-'));
    const record = path.join(dir, 'calls');
    fs.writeFileSync(
      path.join(dir, 'cdktf'),
      `#!/bin/sh\necho "CHECKPOINT_DISABLE=$CHECKPOINT_DISABLE $*" >> "${record}"\nexit 7\n`,
      { mode: 0o755 }
    );
    return { dir, record };
  }

  it('runs cdktf from PATH with the stack and flags, and exits with its code', async () => {
    const { dir, record } = fakeCdktf();
    const tsx = path.join(PROJECT_ROOT, 'node_modules', '.bin', 'tsx');
    const env = { PATH: `${dir}:${path.dirname(process.execPath)}:/usr/bin:/bin`, HOME: os.tmpdir() };
    const failure = await execFileAsync(tsx, ['scripts/stack-command.ts', 'diff', KNOWN[0], '--refresh-only'], {
      cwd: PROJECT_ROOT,
      env,
    }).catch((error: { code: number }) => error);
    expect(failure).toMatchObject({ code: 7 });
    expect(fs.readFileSync(record, 'utf8')).toBe(`CHECKPOINT_DISABLE=1 diff ${KNOWN[0]} --refresh-only\n`);
  });

  it('`npm run deploy -- <unknown>` fails listing the known stacks', async () => {
    const failure = await execFileAsync('npm', ['run', '--silent', 'deploy', '--', 'no-such-stack'], {
      cwd: PROJECT_ROOT,
    }).catch((error: { code: number; stderr: string }) => error);
    expect(failure).toMatchObject({ code: 2 });
    expect((failure as { stderr: string }).stderr).toContain(
      `unknown stack "no-such-stack": known stacks are ${KNOWN.join(', ')}`
    );
  });
});
