import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { stackCommand, type StackCommandIo, type StackEntry, type StackSource } from '../scripts/stack-command';
import { tempDir } from './support/temp-dir';

const execFileAsync = promisify(execFile);
const PROJECT_ROOT = path.resolve(__dirname, '..');

/** Two stacks that one glob matches, as in an organization that prefixes its environments. */
const STACKS: readonly StackSource[] = [
  { name: 'acme-dev', region: 'eu-west-1' },
  { name: 'acme-prod', region: 'eu-west-1', backend: { type: 's3', bucket: 'state', key: 'prod', region: 'eu-west-1' } },
];
const KNOWN = 'Known stacks: acme-dev, acme-prod';

/** Captures what the command printed and every program it would have run. */
function recordingIo(environments: readonly StackSource[] = STACKS, exitCode = 0) {
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
    await expect(stackCommand([command, 'acme-prod', '--auto-approve'], io)).resolves.toBe(0);
    expect(calls).toEqual([
      {
        command: 'cdktf',
        args: [command, 'acme-prod', '--auto-approve'],
        env: { PATH: '/usr/bin', CHECKPOINT_DISABLE: '1' },
      },
    ]);
  });

  it("passes cdktf's exit code on", async () => {
    const { io } = recordingIo(STACKS, 3);
    await expect(stackCommand(['deploy', 'acme-dev'], io)).resolves.toBe(3);
  });

  it('refuses an unknown stack, listing the known ones, and runs nothing', async () => {
    const { io, calls, err } = recordingIo();
    await expect(stackCommand(['deploy', 'prod'], io)).resolves.toBe(2);
    expect(err.join('\n')).toBe(`unknown stack "prod". ${KNOWN}`);
    expect(calls).toEqual([]);
  });

  // cdktf deploy reads every argument that is not an option as a glob of stacks to deploy.
  it.each([
    [['deploy'], 'deploy needs a stack name'],
    [['diff', '--auto-approve'], 'diff needs a stack name'],
    [['deploy', 'acme-*'], 'deploy takes a stack name, not a pattern: cdktf would deploy all stacks "acme-*" matches'],
    [['diff', 'acme-{dev,prod}'], 'diff takes a stack name, not a pattern'],
    [['deploy', 'acme-dev', 'acme-*'], 'deploy takes one stack at a time, but cdktf would also read "acme-*" as stacks'],
    [['deploy', 'acme-dev', 'acme-prod'], 'deploy takes one stack at a time, but cdktf would also read "acme-prod"'],
    [['deploy', 'acme-dev', 'no-such-stack'], 'but cdktf would also read "no-such-stack" as stacks'],
    [['deploy', 'acme-dev', '--auto-approve', 'acme-?rod'], 'but cdktf would also read "acme-?rod" as stacks'],
    [['diff', 'acme-dev', '--var-file', 'dev.tfvars', 'acme-prod'], 'but cdktf would also read "acme-prod" as stacks'],
    [['deploy', 'acme-dev', '--', '--not-an-option'], 'but cdktf would also read "--not-an-option" as stacks'],
  ])('refuses %j, listing the known stacks, and runs nothing', async (argv, message) => {
    const { io, calls, err } = recordingIo();
    await expect(stackCommand(argv, io)).resolves.toBe(2);
    expect(err.join('\n')).toContain(message);
    expect(err.at(-1)).toMatch(new RegExp(`\\. ${KNOWN}$`));
    expect(calls).toEqual([]);
  });

  it.each([
    [['destroy', 'acme-dev'], 'unknown command "destroy"'],
    [[], 'unknown command ""'],
  ])('refuses %j and runs nothing', async (argv, message) => {
    const { io, calls, err } = recordingIo();
    await expect(stackCommand(argv, io)).resolves.toBe(2);
    expect(err.join('\n')).toContain(message);
    expect(calls).toEqual([]);
  });

  it('passes options on, values included, even a value that names a stack', async () => {
    const { io, calls } = recordingIo();
    const flags = ['--outputs-file', 'acme-prod', '--var-file=acme-*.tfvars', '--parallelism', '2', '--auto-approve'];
    await expect(stackCommand(['deploy', 'acme-dev', ...flags], io)).resolves.toBe(0);
    expect(calls.map(({ args }) => args)).toEqual([['deploy', 'acme-dev', ...flags]]);
  });
});

describe('list', () => {
  const environments: StackSource[] = [
    { name: 'dev', region: 'eu-west-1' },
    { name: 'stage', region: 'eu-west-1', backend: { type: 's3', bucket: 'state', key: 'stage', region: 'eu-west-1' } },
    { name: 'prod', region: 'us-east-1', backend: { type: 'cloud', organization: 'acme', workspace: 'prod' } },
  ];

  it('prints every stack with its region and backend, as JSON for the workflow matrix', async () => {
    const { io, out } = recordingIo(environments);
    await expect(stackCommand(['list', '--json'], io)).resolves.toBe(0);
    expect(JSON.parse(out.join(''))).toEqual([
      { stack: 'dev', region: 'eu-west-1', backend: 'local' },
      { stack: 'stage', region: 'eu-west-1', backend: 's3' },
      { stack: 'prod', region: 'us-east-1', backend: 'cloud' },
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

/** The script itself, on the app's own stacks, with a stand-in cdktf first on PATH. */
describe('the command line', () => {
  const tsx = path.join(PROJECT_ROOT, 'node_modules', '.bin', 'tsx');
  const dir = tempDir('fake-cdktf-');
  const record = path.join(dir, 'calls');
  // Records its arguments and CHECKPOINT_DISABLE, and exits 7.
  fs.writeFileSync(path.join(dir, 'cdktf'), `#!/bin/sh\necho "CHECKPOINT_DISABLE=$CHECKPOINT_DISABLE $*" >> "${record}"\nexit 7\n`, {
    mode: 0o755,
  });
  const env = { PATH: `${dir}:${path.dirname(process.execPath)}:/usr/bin:/bin`, HOME: dir, TMPDIR: dir };
  const script = (...args: string[]) =>
    execFileAsync(tsx, ['scripts/stack-command.ts', ...args], { cwd: PROJECT_ROOT, env }).then(
      () => ({ code: 0, stderr: '' }),
      (error: { code: number; stderr: string }) => error,
    );
  let stacks: string[];

  beforeAll(async () => {
    const { stdout } = await execFileAsync(tsx, ['scripts/stack-command.ts', 'list', '--json'], { cwd: PROJECT_ROOT, env });
    stacks = (JSON.parse(stdout) as StackEntry[]).map(({ stack }) => stack);
    expect(stacks.length).toBeGreaterThan(0);
  });
  beforeEach(() => fs.rmSync(record, { force: true }));

  it('runs cdktf from PATH with the stack and flags, and exits with its code', async () => {
    await expect(script('diff', stacks[0], '--refresh-only')).resolves.toMatchObject({ code: 7 });
    expect(fs.readFileSync(record, 'utf8')).toBe(`CHECKPOINT_DISABLE=1 diff ${stacks[0]} --refresh-only\n`);
  });

  it('refuses a glob after the stack, and never starts cdktf', async () => {
    const glob = `${stacks[0].slice(0, 1)}*`;
    const failure = await script('deploy', stacks[0], glob, '--auto-approve');
    expect(failure).toMatchObject({ code: 2 });
    expect(failure.stderr).toContain(`deploy takes one stack at a time, but cdktf would also read "${glob}" as stacks`);
    expect(failure.stderr).toContain(`Known stacks: ${stacks.join(', ')}`);
    expect(fs.existsSync(record)).toBe(false);
  });

  it('`npm run deploy -- <unknown>` fails listing the known stacks', async () => {
    const failure = await execFileAsync('npm', ['run', '--silent', 'deploy', '--', 'no-such-stack'], {
      cwd: PROJECT_ROOT,
    }).catch((error: { code: number; stderr: string }) => error);
    expect(failure).toMatchObject({ code: 2 });
    expect((failure as { stderr: string }).stderr).toContain(`unknown stack "no-such-stack". Known stacks: ${stacks.join(', ')}`);
  });
});
