import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { Evaluator, Lexer, Parser, data } from '@actions/expressions';
import type { FunctionDefinition } from '@actions/expressions/funcs/info';
import { truthy } from '@actions/expressions/result';
import { convertWorkflowTemplate, NoOperationTraceWriter, parseWorkflow } from '@actions/workflow-parser';
import { parse } from 'yaml';
import { stackCommand, type StackEntry, type StackSource } from '../scripts/stack-command';
import { MINIMAL } from './fixtures/environments';
import { synthesize } from './support/synth';
import { tempDir } from './support/temp-dir';
import type { JsonObject } from './support/json';

const execFileAsync = promisify(execFile);
const PROJECT_ROOT = path.resolve(__dirname, '..');
const SCRIPTS: Record<string, string> = JSON.parse(fs.readFileSync(path.join(PROJECT_ROOT, 'package.json'), 'utf8')).scripts;

interface Step {
  readonly id?: string;
  readonly name?: string;
  readonly uses?: string;
  readonly run?: string;
  readonly if?: string;
  readonly with?: Record<string, string | boolean | number>;
  readonly env?: Record<string, string>;
  readonly 'working-directory'?: string;
}
interface Job {
  readonly env?: Record<string, string>;
  readonly needs?: string | string[];
  readonly if?: string;
  readonly environment?: string;
  readonly permissions?: Record<string, string>;
  readonly strategy?: { matrix: { include: string } };
  readonly concurrency?: { group: string; 'cancel-in-progress': boolean };
  readonly steps: Step[];
}
interface Workflow {
  readonly env?: Record<string, string>;
  readonly on: Record<string, { branches?: string[] } | null>;
  readonly permissions?: Record<string, string>;
  readonly jobs: Record<string, Job>;
}

function load(file: string): { file: string; text: string; workflow: Workflow } {
  const text = fs.readFileSync(path.join(PROJECT_ROOT, '.github', 'workflows', file), 'utf8');
  return { file, text, workflow: parse(text) as Workflow };
}

const WORKFLOWS = { plan: load('plan.yml'), apply: load('apply.yml') } as const;
const allSteps = (workflow: Workflow): Step[] => Object.values(workflow.jobs).flatMap((job) => job.steps);
const needsOf = (job: Job): string[] => (job.needs === undefined ? [] : [job.needs].flat());
const usesAction = (step: Step, action: string): boolean => step.uses?.startsWith(`${action}@`) ?? false;
const CREDENTIALS_ACTION = 'aws-actions/configure-aws-credentials';

/** A step that synthesizes the app (the tests synthesize too): cdktf may run `terraform version` on the way. */
const SYNTHESIZES = /\bnpm (test|run (synth|deploy|diff))\b/;

/** Running the project's code or its dependencies: a checkout followed by any of these, or these alone. */
const RUNS_PROJECT_CODE = /\b(npm|npx|node|tsx|yarn|pnpm|cdktf)\b/;
const GUARD_STEP = 'Refuse a configuration that could run code';

/** Whether a job checks out the repository (for a pull request, its head) or runs npm, node or the like. */
const runsProjectCode = (job: Job): boolean =>
  job.steps.some((step) => usesAction(step, 'actions/checkout') || RUNS_PROJECT_CODE.test(step.run ?? ''));
/** Whether a job can reach a credential: a secret anywhere in it, or an OIDC token. */
const holdsCredential = (job: Job): boolean => /\bsecrets\./.test(JSON.stringify(job)) || job.permissions?.['id-token'] === 'write';

/** The guard step's script, run as actions/github-script runs it, on a stack folder; returns its error, if any. */
async function runGuard(script: string, stackDir: string): Promise<string | undefined> {
  const saved = process.env.STACK_DIR;
  process.env.STACK_DIR = stackDir;
  const log = jest.spyOn(console, 'log').mockImplementation(() => undefined);
  try {
    const AsyncFunction = Object.getPrototypeOf(async () => undefined).constructor;
    await new AsyncFunction('require', script)(require);
    return undefined;
  } catch (error) {
    return (error as Error).message;
  } finally {
    log.mockRestore();
    if (saved === undefined) delete process.env.STACK_DIR;
    else process.env.STACK_DIR = saved;
  }
}

/** Every error GitHub's own workflow parser finds in a workflow file. */
async function githubParserErrors(file: string, content: string): Promise<string[]> {
  const result = parseWorkflow({ name: file, content }, new NoOperationTraceWriter());
  const template = await convertWorkflowTemplate(result.context, result.value!);
  const errors = [
    ...result.context.errors.getErrors().map((error) => error.message),
    ...(template.errors ?? []).map((error) => error.Message),
  ];
  return [...new Set(errors)];
}

/** The jobs a job needs, and the jobs those need, and so on. */
function upstreamJobs(workflow: Workflow, name: string): string[] {
  return needsOf(workflow.jobs[name]).flatMap((needed) => [needed, ...upstreamJobs(workflow, needed)]);
}

/** The job that fans out per stack, and the step of the job it needs that lists the stacks. */
function matrixJob(workflow: Workflow, name: string): { job: Job; listing: Step } {
  const job = workflow.jobs[name];
  const match = /^\$\{\{ fromJSON\(needs\.([\w-]+)\.outputs\.([\w-]+)\) \}\}$/.exec(job.strategy!.matrix.include);
  expect(match).not.toBeNull();
  const [, needed, output] = match!;
  expect(needsOf(job)).toContain(needed);
  const listing = workflow.jobs[needed].steps.find((step) => step.id === output);
  expect(listing?.run).toBeDefined();
  return { job, listing: listing! };
}

/** Runs a step's shell lines as Actions would (bash -e), in `cwd`, with `env` on top of this process's. */
async function runStep(step: Step, env: Record<string, string>, cwd = PROJECT_ROOT): Promise<void> {
  await execFileAsync('bash', ['-e', '-c', step.run!], { cwd, env: { ...process.env, ...env } });
}

/** Runs a step's shell line and returns what it wrote to $GITHUB_OUTPUT. */
async function runOutputStep(step: Step): Promise<Record<string, string>> {
  const outputFile = path.join(tempDir('gh-output-'), 'output');
  await runStep(step, { GITHUB_OUTPUT: outputFile });
  return Object.fromEntries(
    fs
      .readFileSync(outputFile, 'utf8')
      .trim()
      .split('\n')
      .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]),
  );
}

/** Evaluates a condition with GitHub's expression language, `${{ }}` or bare, as an `if:` is. */
function evaluate(condition: string, contexts: Record<string, unknown>, functions: FunctionDefinition[]): boolean {
  const source = condition.replace(/^\$\{\{([\s\S]*)\}\}$/, '$1');
  const expression = new Parser(new Lexer(source).lex().tokens, Object.keys(contexts), functions).parse();
  const context = JSON.parse(JSON.stringify(contexts), data.reviver) as data.Dictionary;
  const byName = new Map(functions.map((fn) => [fn.name.toLowerCase(), fn]));
  return truthy(new Evaluator(expression, context, byName).evaluate());
}

/**
 * Which jobs of a pull-request run would run, as GitHub decides it: in order of `needs`, each job's `if`
 * evaluated against the event, with `success() &&` in front unless it calls a status function; a job that runs
 * is taken to succeed, with `stacks` as its output.
 */
function jobsThatRun(workflow: Workflow, event: { headRepository: string; stacks: string }): string[] {
  const results: Record<string, 'success' | 'skipped'> = {};
  const github = {
    repository: 'acme/alb-static-ip',
    event_name: 'pull_request',
    event: { pull_request: { number: 7, head: { repo: { full_name: event.headRepository } } } },
  };
  const pending = Object.keys(workflow.jobs);
  while (pending.length > 0) {
    const index = pending.findIndex((name) => needsOf(workflow.jobs[name]).every((needed) => needed in results));
    expect(index).toBeGreaterThanOrEqual(0);
    const [name] = pending.splice(index, 1);
    const job = workflow.jobs[name];
    const needed = needsOf(job);
    const status = (fnName: string, value: boolean): FunctionDefinition => ({
      name: fnName,
      minArgs: 0,
      maxArgs: 0,
      call: () => new data.BooleanData(value),
    });
    const allSucceeded = needed.every((other) => results[other] === 'success');
    const functions = [status('success', allSucceeded), status('failure', false), status('cancelled', false), status('always', true)];
    const condition = job.if ?? 'success()';
    const guarded = /\b(success|failure|cancelled|always)\(\)/.test(condition)
      ? condition
      : `success() && (${condition.replace(/^\$\{\{([\s\S]*)\}\}$/, '$1')})`;
    const needs = Object.fromEntries(needed.map((other) => [other, { result: results[other], outputs: { stacks: event.stacks } }]));
    results[name] = evaluate(guarded, { github, needs, vars: {}, secrets: {} }, functions) ? 'success' : 'skipped';
  }
  return Object.keys(results).filter((name) => results[name] === 'success');
}

describe.each(Object.values(WORKFLOWS))('$file', ({ file, text, workflow }) => {
  it("is a valid workflow to GitHub's own parser", async () => {
    expect(await githubParserErrors(file, text)).toEqual([]);
  });

  it('parses as a workflow with jobs and read-only default permissions', () => {
    expect(Object.keys(workflow.jobs).length).toBeGreaterThan(0);
    expect(workflow.permissions).toEqual({ contents: 'read' });
  });

  it('references no long-lived AWS keys', () => {
    expect(text).not.toMatch(/aws[_-]?(access[_-]?key|secret|session[_-]?token)/i);
  });

  it('gets AWS credentials only by assuming a role through OIDC, and only those jobs get an id-token', () => {
    const jobs = Object.values(workflow.jobs).filter((job) => job.steps.some((s) => usesAction(s, CREDENTIALS_ACTION)));
    expect(jobs.length).toBeGreaterThan(0);
    for (const job of Object.values(workflow.jobs)) {
      expect(job.permissions?.['id-token']).toBe(jobs.includes(job) ? 'write' : undefined);
    }
    for (const job of jobs) {
      const step = job.steps.find((s) => usesAction(s, CREDENTIALS_ACTION))!;
      expect(Object.keys(step.with!).sort()).toEqual(['aws-region', 'role-to-assume']);
      expect(step.with!['role-to-assume']).toMatch(/^\$\{\{ vars\.AWS_\w+_ROLE_ARN \}\}$/);
    }
  });

  it('gives each job its own permissions, writing only the id-token or, without running any code, a comment', () => {
    for (const [name, job] of Object.entries(workflow.jobs)) {
      const runsCode = job.steps.some((step) => step.run !== undefined || usesAction(step, 'actions/checkout'));
      const writes = Object.entries(job.permissions ?? {})
        .filter(([, access]) => access === 'write')
        .map(([scope]) => scope);
      expect({ name, declared: job.permissions !== undefined }).toEqual({ name, declared: true });
      expect({ name, writes: writes.filter((scope) => scope !== 'id-token') }).toEqual({
        name,
        writes: runsCode ? [] : writes.filter((scope) => scope === 'pull-requests'),
      });
    }
  });

  it('gives no secret and no OIDC token to a job that checks out or runs the project’s code (a pull request’s, on plan)', () => {
    expect(JSON.stringify(workflow.env ?? {})).not.toMatch(/\bsecrets\./);
    const building = Object.entries(workflow.jobs).filter(([, job]) => runsProjectCode(job));
    expect(building.length).toBeGreaterThan(0);
    for (const [name, job] of building) {
      expect({ job: name, secrets: JSON.stringify(job).match(/\bsecrets\.\w+/g) ?? [], idToken: job.permissions?.['id-token'] }).toEqual({
        job: name,
        secrets: [],
        idToken: undefined,
      });
    }
  });

  it(
    'runs no checkout, npm or node in a job that holds a credential: ' +
      'it takes the synthesized JSON, refused first if it could run code',
    () => {
      const holding = Object.entries(workflow.jobs).filter(([, job]) => holdsCredential(job));
      expect(holding.length).toBeGreaterThan(0);
      for (const [name, job] of holding) {
        expect({ job: name, runsProjectCode: runsProjectCode(job) }).toEqual({ job: name, runsProjectCode: false });
        const steps = job.steps;
        const download = steps.findIndex((step) => usesAction(step, 'actions/download-artifact'));
        const guard = steps.findIndex((step) => step.name === GUARD_STEP);
        const firstCredential = steps.findIndex((step) => /\bsecrets\./.test(JSON.stringify(step)) || usesAction(step, CREDENTIALS_ACTION));
        const firstTerraform = steps.findIndex((step) => /\bterraform\b/.test(step.run ?? ''));
        expect({
          job: name,
          order: [download, guard, firstCredential, firstTerraform].every((i, k, all) => i >= 0 && (k === 0 || i > all[k - 1])),
        }).toEqual({
          job: name,
          order: true,
        });
        expect(steps[guard].env!.STACK_DIR).toBe(`${steps[download].with!.path}/\${{ matrix.stack }}`);
      }
    },
  );

  it('checks out without leaving the token in the working copy', () => {
    const checkouts = allSteps(workflow).filter((step) => usesAction(step, 'actions/checkout'));
    expect(checkouts.length).toBeGreaterThan(0);
    for (const step of checkouts) expect(step.with?.['persist-credentials']).toBe(false);
  });

  it('pins every action to a full commit SHA, with its version in a comment', () => {
    const lines = text.split('\n').filter((line) => /^\s*(- )?uses:/.test(line));
    expect(lines).toHaveLength(allSteps(workflow).filter((step) => step.uses).length);
    for (const line of lines) expect(line).toMatch(/^\s*(- )?uses: [\w.-]+\/[\w.-]+@[0-9a-f]{40} # v\d+\.\d+\.\d+$/);
  });

  it('sets Terraform up before every step that synthesizes', () => {
    const synthesizing = Object.entries(workflow.jobs).flatMap(([name, job]) =>
      job.steps.flatMap((step, index) => (SYNTHESIZES.test(step.run ?? '') ? [{ name, job, step, index }] : [])),
    );
    expect(synthesizing.length).toBeGreaterThan(0);
    for (const { name, job, step, index } of synthesizing) {
      const terraformFirst = job.steps.slice(0, index).some((s) => usesAction(s, 'hashicorp/setup-terraform'));
      expect({ job: name, run: step.run, terraformFirst }).toEqual({ job: name, run: step.run, terraformFirst: true });
    }
  });

  it('type-checks before anything synthesizes (synthesis itself runs the configuration untyped)', () => {
    const TYPECHECK = /\bnpm run typecheck\b/;
    for (const [name, job] of Object.entries(workflow.jobs)) {
      const runs = job.steps.map((step) => step.run ?? '');
      const index = runs.findIndex((run) => SYNTHESIZES.test(run));
      if (index < 0) continue;
      // Earlier in the job (the synthesizing line itself included), or in a job this one waits for.
      const before = [...runs.slice(0, index), runs[index].slice(0, runs[index].search(SYNTHESIZES))].join('\n');
      const upstream = upstreamJobs(workflow, name).flatMap((up) => workflow.jobs[up].steps.map((step) => step.run ?? ''));
      const typechecked = TYPECHECK.test(before) || upstream.some((run) => TYPECHECK.test(run));
      expect({ job: name, typechecked }).toEqual({ job: name, typechecked: true });
    }
  });

  it("fans out one job per stack from the app's own stack listing, written as JSON to $GITHUB_OUTPUT", async () => {
    const fanOut = Object.keys(workflow.jobs).find((name) => workflow.jobs[name].strategy)!;
    const { listing } = matrixJob(workflow, fanOut);
    const { stacks } = await runOutputStep(listing);
    const entries = JSON.parse(stacks) as StackEntry[];
    expect(Array.isArray(entries)).toBe(true);
    for (const entry of entries) {
      expect(entry).toEqual({ stack: expect.any(String), region: expect.any(String), backend: expect.any(String) });
      if (listing.run!.includes('--remote-state')) expect(entry.backend).not.toBe('local');
    }
  });

  it('runs only npm scripts that package.json defines, after npm ci', () => {
    for (const job of Object.values(workflow.jobs)) {
      const runs = job.steps.map((step) => step.run ?? '');
      const npmIndex = runs.findIndex((run) => /\bnpm (run|test)\b/.test(run));
      if (npmIndex >= 0) expect(runs.slice(0, npmIndex)).toContain('npm ci');
    }
    const scripts = allSteps(workflow).flatMap((step) =>
      [...(step.run ?? '').matchAll(/\bnpm (?:run (?:--\S+ )*([\w:-]+)|(test))\b/g)].map(([, run, test]) => run ?? test),
    );
    expect(scripts.length).toBeGreaterThan(0);
    for (const script of scripts) expect(Object.keys(SCRIPTS)).toContain(script);
  });
});

describe('both workflows', () => {
  it('pin each action to the same commit', () => {
    const pins = new Map<string, Set<string>>();
    for (const { workflow } of Object.values(WORKFLOWS)) {
      for (const { uses } of allSteps(workflow).filter((step) => step.uses)) {
        const [action, ref] = uses!.split('@');
        pins.set(action, (pins.get(action) ?? new Set()).add(ref));
      }
    }
    for (const [action, refs] of pins) expect({ action, refs: refs.size }).toEqual({ action, refs: 1 });
  });

  it("GitHub's parser finds what is wrong in a broken workflow (the validity checks above can fail)", async () => {
    const broken = WORKFLOWS.plan.text.replace('runs-on:', 'runs_on:').replace('cancel-in-progress: true', 'cancel-in-progress: maybe');
    const errors = await githubParserErrors('broken.yml', broken);
    expect(errors).toEqual(
      expect.arrayContaining([
        expect.stringContaining("Unexpected value 'runs_on'"),
        expect.stringContaining('Required property is missing: runs-on'),
        expect.stringContaining("Unexpected value 'maybe'"),
      ]),
    );
  });
});

describe('plan.yml', () => {
  const { text, workflow } = WORKFLOWS.plan;
  const { job, listing } = matrixJob(workflow, 'plan');
  const STACKS_OUTPUT = JSON.stringify([{ stack: 'dev', region: 'eu-west-1', backend: 's3' }]);

  it('runs on pull requests, typechecks and tests before any plan, for every stack', async () => {
    expect(Object.keys(workflow.on)).toEqual(['pull_request']);
    const testJob = workflow.jobs[needsOf(job)[0]];
    expect(testJob.steps.map((step) => step.run)).toContain('npm run typecheck && npm test');
    // Every stack, whatever its backend: a mixed set of environments lists all of them.
    expect(await listedBy(listing, MIXED)).toEqual(['dev', 'stage', 'prod']);
  });

  it('plans each stack in the folder the synth job synthesized, with the read-only plan role and the plan-only token', () => {
    expect(job.permissions).toEqual({ 'id-token': 'write' });
    expect(text).not.toContain('AWS_APPLY_ROLE');
    expect(text).not.toContain('TF_API_TOKEN');
    const credentials = allSteps(workflow).filter((step) => usesAction(step, CREDENTIALS_ACTION));
    expect(credentials.map((step) => step.with!['role-to-assume'])).toEqual(['${{ vars.AWS_PLAN_ROLE_ARN }}']);
    // The synth job builds the pull request's code and uploads cdktf.out/stacks; the plan job downloads it.
    const synth = workflow.jobs.synth;
    expect(needsOf(job)).toContain('synth');
    expect(synth.permissions).toEqual({ contents: 'read' });
    const runs = synth.steps.map((step) => step.run ?? '');
    expect(runs.findIndex((run) => run.includes('npm run synth'))).toBeGreaterThan(runs.indexOf('npm ci'));
    const upload = synth.steps.find((step) => usesAction(step, 'actions/upload-artifact'))!;
    const download = job.steps.find((step) => usesAction(step, 'actions/download-artifact'))!;
    expect(upload.with).toMatchObject({ name: download.with!.name, path: 'cdktf.out/stacks' });
    const plan = job.steps.find((step) => /terraform plan\b/.test(step.run ?? ''))!;
    expect(plan['working-directory']).toBe(`${download.with!.path}/\${{ matrix.stack }}`);
    const terraform = job.steps.find((step) => usesAction(step, 'hashicorp/setup-terraform'))!;
    expect(terraform.with!.cli_config_credentials_token).toBe('${{ secrets.TF_PLAN_TOKEN }}');
  });

  it("runs no job with an id-token or a write token for a fork's pull request, and every job for the repository's own", () => {
    const privileged = Object.keys(workflow.jobs).filter((name) => Object.values(workflow.jobs[name].permissions ?? {}).includes('write'));
    expect(privileged.length).toBeGreaterThan(0);
    const fromFork = jobsThatRun(workflow, { headRepository: 'someone/alb-static-ip', stacks: STACKS_OUTPUT });
    expect(fromFork).toEqual(['test']);
    const fromBranch = jobsThatRun(workflow, { headRepository: 'acme/alb-static-ip', stacks: STACKS_OUTPUT });
    expect(fromBranch.sort()).toEqual(Object.keys(workflow.jobs).sort());
    expect(jobsThatRun(workflow, { headRepository: 'acme/alb-static-ip', stacks: '[]' })).toEqual(['test']);
  });

  describe('the plan step', () => {
    const step = job.steps.find((s) => /terraform plan\b/.test(s.run ?? ''))!;

    /** Runs the step against a terraform stand-in that records its arguments; returns the plan command's. */
    async function planArguments(backend: string): Promise<string> {
      const bin = tempDir('fake-terraform-');
      const record = path.join(bin, 'calls');
      fs.writeFileSync(path.join(bin, 'terraform'), `#!/bin/sh\necho "$*" >> "${record}"\necho "Plan: 1 to add"\n`, {
        mode: 0o755,
      });
      const stackDir = tempDir('stack-');
      await runStep(step, { ...step.env, BACKEND: backend, PATH: `${bin}:${process.env.PATH}` }, stackDir);
      expect(fs.readFileSync(path.join(stackDir, 'plan.txt'), 'utf8')).toBe('Plan: 1 to add\n');
      return fs
        .readFileSync(record, 'utf8')
        .split('\n')
        .find((line) => line.startsWith('plan '))!;
    }

    it('plans an S3 stack without taking its lock, so that the plan role only reads the state', async () => {
      expect(step.env?.BACKEND).toBe('${{ matrix.backend }}');
      expect(await planArguments('s3')).toBe('plan -input=false -no-color -lock=false');
      expect(await planArguments('cloud')).toBe('plan -input=false -no-color');
    });
  });

  describe('the plan comment', () => {
    const commentJob = workflow.jobs.comment;
    const keep = job.steps.find((s) => s.name === 'Keep the plan for the comment')!;
    const upload = job.steps.find((s) => usesAction(s, 'actions/upload-artifact'))!;
    const download = commentJob.steps.find((s) => usesAction(s, 'actions/download-artifact'))!;
    const step = commentJob.steps.find((s) => usesAction(s, 'actions/github-script'))!;
    const script = step.with!.script as string;

    it('is posted by a job that runs none of the pull request’s code, with the only write token', () => {
      expect(matrixJob(workflow, 'comment').job).toBe(commentJob);
      expect(commentJob.permissions).toEqual({ 'pull-requests': 'write' });
      expect(commentJob.steps.every((s) => s.run === undefined && !usesAction(s, 'actions/checkout'))).toBe(true);
      expect(needsOf(commentJob)).toContain('plan');
    });

    it('is posted even when the plan fails, from what the plan job kept and passed on', async () => {
      expect(commentJob.if).toContain('!cancelled()');
      for (const s of [keep, upload]) expect(s.if).toBe('${{ !cancelled() }}');
      const writers = job.steps.filter((s) => s.run?.includes('| tee plan.txt'));
      expect(writers.length).toBe(2);
      for (const writer of writers) {
        expect(path.join(writer['working-directory']!, 'plan.txt')).toBe(keep.env!.PLAN_FILE);
      }
      expect(keep.env!.OUTCOME).toBe('${{ job.status }}');
      expect(upload.with!.path).toBe('${{ runner.temp }}/plan');
      expect(download.with!.name).toBe(upload.with!.name);
      expect(download.with!.path).toBe(step.env!.PLAN_DIR);

      // The plan job's step, then the comment job's script on what it kept.
      const runnerTemp = tempDir('runner-temp-');
      const planFile = path.join(tempDir('stack-'), 'plan.txt');
      fs.writeFileSync(planFile, 'Error: No valid credential sources found');
      await runStep(keep, { RUNNER_TEMP: runnerTemp, PLAN_FILE: planFile, OUTCOME: 'failure' });
      const pr = new FakePullRequest([]);
      await pr.runScript(script, 'prod', path.join(runnerTemp, 'plan'));
      expect(pr.comments[0].body).toMatch(/^<!-- plan:prod -->\n### `prod` \(s3 backend\): plan failed/);
      expect(pr.comments[0].body).toContain('Error: No valid credential sources found');
    });

    it('says the plan failed when the plan job passed nothing on', async () => {
      const pr = new FakePullRequest([]);
      await pr.runScript(script, 'prod', path.join(tempDir('plan-'), 'never-downloaded'));
      expect(pr.comments[0].body).toContain('plan failed');
      expect(pr.comments[0].body).toContain('(no output: see the job log)');
    });

    it('creates one comment per stack and updates it on the next run instead of adding another', async () => {
      const pr = new FakePullRequest([{ id: 1, user: { type: 'User' }, body: 'LGTM <!-- plan:prod --> quoted' }]);
      await pr.runScript(script, 'prod', planDir('Plan: 3 to add, 0 to change, 0 to destroy.', 'success'));
      await pr.runScript(script, 'stage', planDir('No changes.', 'success'));
      await pr.runScript(script, 'prod', planDir('Plan: 0 to add, 1 to change, 0 to destroy.', 'failure'));
      expect(pr.comments.map(({ id }) => id)).toEqual([1, 2, 3]);
      expect(pr.comments[0].body).toBe('LGTM <!-- plan:prod --> quoted');
      expect(pr.comments[1].body).toMatch(/^<!-- plan:prod -->\n### `prod` \(s3 backend\): plan failed/);
      expect(pr.comments[1].body).toContain('Plan: 0 to add, 1 to change, 0 to destroy.');
      expect(pr.comments[1].body).not.toContain('3 to add');
      expect(pr.comments[2].body).toMatch(/^<!-- plan:stage -->\n### `stage` \(s3 backend\): plan succeeded[\s\S]*No changes\./);
    });

    it('cuts a huge plan to fit a comment, keeping its end where the summary is', async () => {
      const pr = new FakePullRequest([]);
      const plan = `${'  + resource line\n'.repeat(10_000)}Plan: 500 to add, 0 to change, 0 to destroy.`;
      await pr.runScript(script, 'prod', planDir(plan, 'success'));
      const [{ body }] = pr.comments;
      expect(body.length).toBeLessThan(65_536);
      expect(body).toContain('characters cut: full plan in the job log');
      expect(body).toContain('Plan: 500 to add, 0 to change, 0 to destroy.');
    });
  });
});

describe('apply.yml', () => {
  const { text, workflow } = WORKFLOWS.apply;
  const { job, listing } = matrixJob(workflow, 'apply');

  it('runs only on pushes to main', () => {
    expect(workflow.on).toEqual({ push: { branches: ['main'] } });
  });

  it('deploys each stack behind the GitHub environment of the same name, one at a time, never cancelled', () => {
    expect(job.environment).toBe('${{ matrix.stack }}');
    expect(job.concurrency).toEqual({ group: 'apply-${{ matrix.stack }}', 'cancel-in-progress': false });
    expect(job.permissions).toEqual({ 'id-token': 'write' });
    const apply = job.steps.at(-1)!;
    expect(apply.run).toBe('terraform init -input=false -no-color\nterraform apply -input=false -no-color -auto-approve\n');
    const download = job.steps.find((step) => usesAction(step, 'actions/download-artifact'))!;
    expect(apply['working-directory']).toBe(`${download.with!.path}/\${{ matrix.stack }}`);
    // What it applies is what the stacks job synthesized from main, after type-checking it.
    const stacksJob = workflow.jobs[needsOf(job)[0]];
    expect(stacksJob.steps.map((step) => step.run)).toContain('npm run typecheck && npm run synth');
    const upload = stacksJob.steps.find((step) => usesAction(step, 'actions/upload-artifact'))!;
    expect(upload.with).toMatchObject({ name: download.with!.name, path: 'cdktf.out/stacks' });
  });

  it("assumes the apply role of the stack's environment, never the plan role", () => {
    expect(text).not.toContain('AWS_PLAN_ROLE');
    const credentials = job.steps.filter((step) => usesAction(step, CREDENTIALS_ACTION));
    expect(credentials.map((step) => step.with!['role-to-assume'])).toEqual(['${{ vars.AWS_APPLY_ROLE_ARN }}']);
  });

  it('applies every stack with remote state and none whose state is a local file; skips an empty matrix', async () => {
    expect(await listedBy(listing, MIXED)).toEqual(['stage', 'prod']);
    expect(job.if).toBe(`needs.${needsOf(job)[0]}.outputs.stacks != '[]'`);
  });
});

describe('the guard before terraform runs a synthesized configuration', () => {
  const scripts = Object.values(WORKFLOWS).map(({ workflow }) =>
    Object.values(workflow.jobs).flatMap((job) =>
      job.steps.filter((step) => step.name === GUARD_STEP).map((step) => step.with!.script as string),
    ),
  );
  const [script] = scripts[0];
  const stack = synthesize([{ ...MINIMAL, name: 'guarded' }]).get('guarded')!;

  /** A copy of the synthesized stack with its configuration changed, and optionally a file added. */
  const variant = (change: (json: JsonObject) => void, extraFile?: string): string => {
    const dir = tempDir('guarded-');
    fs.cpSync(stack.dir, dir, { recursive: true });
    const json = JSON.parse(fs.readFileSync(path.join(dir, 'cdk.tf.json'), 'utf8'));
    change(json);
    fs.writeFileSync(path.join(dir, 'cdk.tf.json'), JSON.stringify(json));
    if (extraFile) fs.writeFileSync(path.join(dir, extraFile), 'resource "null_resource" "x" {}\n');
    return dir;
  };
  const firstResource = (json: JsonObject) => {
    const [type, byName] = Object.entries(json.resource as Record<string, JsonObject>)[0];
    const [name, body] = Object.entries(byName)[0];
    return { address: `${type}.${name}`, body };
  };

  it('is the same script in both workflows, once per job that holds credentials', () => {
    expect(scripts.map((list) => list.length)).toEqual([1, 1]);
    expect(scripts[1][0]).toBe(script);
  });

  it('passes the stack as synthesized: aws resources and data sources only', async () => {
    expect(await runGuard(script, stack.dir)).toBeUndefined();
  });

  it.each<[string, (json: JsonObject) => void, RegExp]>([
    [
      'an external data source',
      (json) => (json.data = { ...json.data, external: { probe: { program: ['sh', '-c', 'env'] } } }),
      /data\.external data sources run programs: probe/,
    ],
    [
      'a local-exec provisioner',
      (json) => (firstResource(json).body.provisioner = [{ 'local-exec': { command: 'env' } }]),
      /has a local-exec provisioner/,
    ],
    [
      'a remote-exec provisioner',
      (json) => (firstResource(json).body.provisioner = [{ 'remote-exec': { inline: ['id'] } }]),
      /has a remote-exec provisioner/,
    ],
    [
      'a provider that is not allowlisted',
      (json) => (json.terraform.required_providers.http = { source: 'hashicorp/http', version: '3.4.0' }),
      /provider http \(hashicorp\/http\) is not allowed/,
    ],
    [
      'the aws name for another provider',
      (json) => (json.terraform.required_providers.aws = { source: 'evil/aws', version: '1.0.0' }),
      /provider aws \(evil\/aws\) is not allowed/,
    ],
    [
      'a resource of another provider',
      (json) => (json.resource.null_resource = { x: {} }),
      /null_resource is not a resource type of the aws provider/,
    ],
    ['a module', (json) => (json.module = { remote: { source: 'git::https://example.invalid/x.git' } }), /modules are not allowed: remote/],
  ])('refuses %s, naming it, before anything is planned', async (_, change, problem) => {
    const error = await runGuard(script, variant(change));
    expect(error).toMatch(/is refused, nothing was planned/);
    expect(error).toMatch(problem);
  });

  it('refuses a folder holding any file terraform would read besides the synthesis', async () => {
    expect(
      await runGuard(
        script,
        variant(() => undefined, 'override.tf'),
      ),
    ).toMatch(/override\.tf: not part of a synthesized stack/);
  });
});

const MIXED: StackSource[] = [
  { name: 'dev', region: 'eu-west-1' },
  { name: 'stage', region: 'eu-west-1', backend: { type: 's3', bucket: 'state', key: 'stage', region: 'eu-west-1' } },
  { name: 'prod', region: 'eu-west-1', backend: { type: 'cloud', organization: 'acme', workspace: 'prod' } },
];

/** The stacks a listing step's own flags select from these environments. */
async function listedBy(step: Step, environments: readonly StackSource[]): Promise<string[]> {
  const flags = /npm run --silent stacks -- ([^)]*)\)/.exec(step.run!)![1].trim().split(/\s+/);
  const out: string[] = [];
  const code = await stackCommand(['list', ...flags], {
    environments,
    run: async () => 1,
    out: (line) => out.push(line),
    err: (line) => out.push(line),
    env: {},
  });
  expect(code).toBe(0);
  return (JSON.parse(out.join('')) as StackEntry[]).map(({ stack }) => stack);
}

/** A downloaded plan artifact: the plan text and the plan job's outcome. */
function planDir(plan: string, outcome: string): string {
  const dir = tempDir('plan-');
  fs.writeFileSync(path.join(dir, 'plan.txt'), plan);
  fs.writeFileSync(path.join(dir, 'outcome'), `${outcome}\n`);
  return dir;
}

interface Comment {
  readonly id: number;
  readonly user: { readonly type: string };
  body: string;
}

/** The part of the GitHub API and of the Actions context the comment script touches, in memory. */
class FakePullRequest {
  constructor(public readonly comments: Comment[]) {}

  async runScript(script: string, stack: string, planDirectory: string): Promise<void> {
    const env = { STACK: stack, BACKEND: 's3', PLAN_DIR: planDirectory };
    const saved = Object.fromEntries(Object.keys(env).map((key) => [key, process.env[key]]));
    Object.assign(process.env, env);
    const issues = {
      listComments: Symbol('listComments'),
      createComment: async ({ body }: { body: string }) => {
        this.comments.push({ id: this.comments.length + 1, user: { type: 'Bot' }, body });
      },
      updateComment: async ({ comment_id, body }: { comment_id: number; body: string }) => {
        this.comments.find(({ id }) => id === comment_id)!.body = body;
      },
    };
    const github = {
      rest: { issues },
      paginate: async (method: unknown) => {
        expect(method).toBe(issues.listComments);
        return this.comments.map((comment) => ({ ...comment }));
      },
    };
    const context = {
      serverUrl: 'https://github.com',
      runId: 42,
      repo: { owner: 'acme', repo: 'alb-static-ip' },
      payload: { pull_request: { number: 7, head: { sha: 'abc123' } } },
    };
    try {
      // actions/github-script runs the script as the body of an async function with these arguments.
      const AsyncFunction = Object.getPrototypeOf(async () => undefined).constructor;
      await new AsyncFunction('require', 'github', 'context', script)(require, github, context);
    } finally {
      for (const [key, value] of Object.entries(saved)) {
        if (value === undefined) delete process.env[key];
        else process.env[key] = value;
      }
    }
  }
}
