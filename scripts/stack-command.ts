import { spawn } from 'node:child_process';
import { constants } from 'node:os';
import type { EnvironmentConfig } from '../config/types';
import { ENVIRONMENTS } from '../config/environments';
import { ENVIRONMENT_DEFAULTS } from '../config/defaults';

/**
 * The per-stack commands: `npm run diff -- <stack>`, `npm run deploy -- <stack> [cdktf flags]` and
 * `npm run stacks [-- --json] [--remote-state]` (what the workflows build their matrix from).
 * The stacks are the environments main.ts synthesizes, so the list cannot drift from the app.
 */

const USAGE = [
  'usage: stack-command.ts diff <stack> [cdktf flags]',
  '       stack-command.ts deploy <stack> [cdktf flags]',
  '       stack-command.ts list [--json] [--remote-state]',
].join('\n');

/** The cdktf commands this wrapper runs against exactly one stack. */
const CDKTF_COMMANDS = ['diff', 'deploy'] as const;

/** Characters that make an argument a glob: cdktf deploys every stack a pattern matches (minimatch). */
const GLOB_CHARACTERS = /[*?[\]{}()!+@]/;

/**
 * The options of cdktf diff and deploy (0.21, its last release) that take the next argument as their value:
 * after the stack, every other argument that is not an option is one more stack to cdktf.
 */
const OPTIONS_WITH_VALUE: ReadonlySet<string> = new Set([
  '--app',
  '-a',
  '--output',
  '-o',
  '--outputs-file',
  '--parallelism',
  '--terraform-parallelism',
  '--var',
  '--var-file',
]);

/** One stack as the workflows see it. */
export interface StackEntry {
  readonly stack: string;
  /** Its AWS region, where CI assumes the deployment role. */
  readonly region: string;
  /** Where its state lives: a `local` file cannot be planned or applied from a CI runner. */
  readonly backend: string;
}

/** What the commands read of an environment. */
export type StackSource = Pick<EnvironmentConfig, 'name' | 'region' | 'backend'>;

/** Runs a program with inherited stdio and resolves to its exit code. */
export type Runner = (command: string, args: readonly string[], env: NodeJS.ProcessEnv) => Promise<number>;

export interface StackCommandIo {
  readonly environments: readonly StackSource[];
  readonly run: Runner;
  readonly out: (line: string) => void;
  readonly err: (line: string) => void;
  readonly env: NodeJS.ProcessEnv;
}

export function stackEntries(environments: readonly StackSource[]): StackEntry[] {
  return environments.map(({ name, region, backend }) => ({
    stack: name,
    region,
    backend: (backend ?? ENVIRONMENT_DEFAULTS.backend).type,
  }));
}

/** Parses the arguments, refuses what is not a known stack, runs cdktf; resolves to the exit code. */
export async function stackCommand(argv: readonly string[], io: StackCommandIo): Promise<number> {
  const [command, ...rest] = argv;
  if (command === 'list') return list(rest, io);
  if (!isCdktfCommand(command)) {
    io.err(`unknown command ${JSON.stringify(command ?? '')}\n${USAGE}`);
    return 2;
  }
  const [stack, ...flags] = rest;
  const refuse = (problem: string): number => {
    io.err(`${problem}. Known stacks: ${io.environments.map(({ name }) => name).join(', ')}`);
    return 2;
  };
  if (stack === undefined || stack.startsWith('-')) {
    io.err(USAGE);
    return refuse(`${command} needs a stack name`);
  }
  if (GLOB_CHARACTERS.test(stack)) {
    const pattern = JSON.stringify(stack);
    return refuse(`${command} takes a stack name, not a pattern: cdktf would ${command} all stacks ${pattern} matches`);
  }
  if (!io.environments.some(({ name }) => name === stack)) return refuse(`unknown stack ${JSON.stringify(stack)}`);
  // One stack per run: any further stack argument would make cdktf act on stacks this check never saw.
  const extraStacks = stackArguments(flags);
  if (extraStacks.length > 0) {
    const extra = extraStacks.map((arg) => JSON.stringify(arg)).join(', ');
    return refuse(`${command} takes one stack at a time, but cdktf would also read ${extra} as stacks`);
  }
  return io.run('cdktf', [command, stack, ...flags], { ...io.env, CHECKPOINT_DISABLE: '1' });
}

/** The arguments cdktf would read as stacks: neither an option nor an option's value; everything after `--`. */
function stackArguments(args: readonly string[]): string[] {
  const stacks: string[] = [];
  for (let i = 0; i < args.length; i += 1) {
    const arg = args[i];
    if (arg === '--') return [...stacks, ...args.slice(i + 1)];
    if (!arg.startsWith('-')) stacks.push(arg);
    else if (OPTIONS_WITH_VALUE.has(arg)) i += 1;
  }
  return stacks;
}

function list(flags: readonly string[], io: StackCommandIo): number {
  const unknown = flags.filter((flag) => flag !== '--json' && flag !== '--remote-state');
  if (unknown.length > 0) {
    io.err(`unknown list flag ${unknown.join(' ')}\n${USAGE}`);
    return 2;
  }
  const entries = stackEntries(io.environments).filter(({ backend }) => !flags.includes('--remote-state') || backend !== 'local');
  if (flags.includes('--json')) io.out(JSON.stringify(entries));
  else entries.forEach(({ stack, region, backend }) => io.out(`${stack}\t${region}\t${backend}`));
  return 0;
}

function isCdktfCommand(command: string | undefined): command is (typeof CDKTF_COMMANDS)[number] {
  return (CDKTF_COMMANDS as readonly (string | undefined)[]).includes(command);
}

const spawnRunner: Runner = (command, args, env) =>
  new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: 'inherit', env });
    child.on('error', (error: NodeJS.ErrnoException) =>
      reject(
        error.code === 'ENOENT' ? new Error(`${command} is not on PATH: run this through npm (npm run deploy -- <stack>) or npx`) : error,
      ),
    );
    // A shell reports death by signal N as exit code 128 + N.
    child.on('exit', (code, signal) => resolve(code ?? 128 + (signal ? constants.signals[signal] : 0)));
  });

if (require.main === module) {
  stackCommand(process.argv.slice(2), {
    environments: ENVIRONMENTS,
    run: spawnRunner,
    out: (line) => console.log(line),
    err: (line) => console.error(line),
    env: process.env,
  }).then(
    (code) => process.exit(code),
    (error: Error) => {
      console.error(error.message);
      process.exit(1);
    },
  );
}
