import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { parse } from 'yaml';
import type { EnvironmentConfig } from '../config/types';
import { EXAMPLE_ENVIRONMENTS } from '../config/environments';
import { stackCommand, type StackEntry } from '../scripts/stack-command';

const execFileAsync = promisify(execFile);
const PROJECT_ROOT = path.resolve(__dirname, '..');
const SCRIPTS: Record<string, string> = JSON.parse(
  fs.readFileSync(path.join(PROJECT_ROOT, 'package.json'), 'utf8')
).scripts;

interface Step {
  readonly id?: string;
  readonly name?: string;
  readonly uses?: string;
  readonly run?: string;
  readonly if?: string;
  readonly with?: Record<string, string>;
  readonly env?: Record<string, string>;
  readonly 'working-directory'?: string;
}
interface Job {
  readonly needs?: string | string[];
  readonly if?: string;
  readonly environment?: string;
  readonly permissions?: Record<string, string>;
  readonly strategy?: { matrix: { include: string } };
  readonly concurrency?: { group: string; 'cancel-in-progress': boolean };
  readonly steps: Step[];
}
interface Workflow {
  readonly on: Record<string, { branches?: string[] } | null>;
  readonly permissions?: Record<string, string>;
  readonly jobs: Record<string, Job>;
}

function load(file: string): { text: string; workflow: Workflow } {
  const text = fs.readFileSync(path.join(PROJECT_ROOT, '.github', 'workflows', file), 'utf8');
  return { text, workflow: parse(text) as Workflow };
}

const WORKFLOWS = { plan: load('plan.yml'), apply: load('apply.yml') } as const;
const allSteps = (workflow: Workflow): Step[] => Object.values(workflow.jobs).flatMap((job) => job.steps);

/** The job that fans out per stack, and the step of the job it needs that lists the stacks. */
function matrixJob(workflow: Workflow): { job: Job; listing: Step } {
  const [job] = Object.values(workflow.jobs).filter((candidate) => candidate.strategy?.matrix);
  const match = /^\$\{\{ fromJSON\(needs\.([\w-]+)\.outputs\.([\w-]+)\) \}\}$/.exec(job.strategy!.matrix.include);
  expect(match).not.toBeNull();
  const [, needed, output] = match!;
  expect([job.needs].flat()).toContain(needed);
  const listing = workflow.jobs[needed].steps.find((step) => step.id === output);
  expect(listing?.run).toBeDefined();
  return { job, listing: listing! };
}

/** Runs a step's shell line as Actions would and returns what it wrote to $GITHUB_OUTPUT. */
async function runOutputStep(step: Step): Promise<Record<string, string>> {
  const outputFile = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'gh-output-')), 'output');
  await execFileAsync('bash', ['-e', '-c', step.run!], {
    cwd: PROJECT_ROOT,
    env: { ...process.env, GITHUB_OUTPUT: outputFile },
  });
  return Object.fromEntries(
    fs
      .readFileSync(outputFile, 'utf8')
      .trim()
      .split('\n')
      .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)])
  );
}

describe.each(Object.entries(WORKFLOWS))('%s.yml', (_, { text, workflow }) => {
  it('parses as a workflow with jobs and read-only default permissions', () => {
    expect(Object.keys(workflow.jobs).length).toBeGreaterThan(0);
    expect(workflow.permissions).toEqual({ contents: 'read' });
  });

  it('references no long-lived AWS keys', () => {
    expect(text).not.toMatch(/aws[_-]?(access[_-]?key|secret|session[_-]?token)/i);
  });

  it('gets AWS credentials only by assuming a role through OIDC, in jobs allowed an id-token', () => {
    const jobs = Object.values(workflow.jobs).filter((job) =>
      job.steps.some((step) => step.uses?.startsWith('aws-actions/configure-aws-credentials@'))
    );
    expect(jobs.length).toBeGreaterThan(0);
    for (const job of jobs) {
      expect(job.permissions).toMatchObject({ 'id-token': 'write' });
      const step = job.steps.find((s) => s.uses?.startsWith('aws-actions/configure-aws-credentials@'))!;
      expect(Object.keys(step.with!).sort()).toEqual(['aws-region', 'role-to-assume']);
      expect(step.with!['role-to-assume']).toMatch(/^\$\{\{ vars\.AWS_\w+_ROLE_ARN \}\}$/);
    }
  });

  it('runs only npm scripts that package.json defines, after npm ci', () => {
    for (const job of Object.values(workflow.jobs)) {
      const runs = job.steps.map((step) => step.run ?? '');
      const npmIndex = runs.findIndex((run) => /\bnpm (run|test)\b/.test(run));
      if (npmIndex >= 0) expect(runs.slice(0, npmIndex)).toContain('npm ci');
    }
    const scripts = allSteps(workflow).flatMap((step) =>
      [...(step.run ?? '').matchAll(/\bnpm (?:run (?:--\S+ )*([\w:-]+)|(test))\b/g)].map(([, run, test]) => run ?? test)
    );
    expect(scripts.length).toBeGreaterThan(0);
    for (const script of scripts) expect(Object.keys(SCRIPTS)).toContain(script);
  });

  it('pins every action to a major version or a commit', () => {
    for (const step of allSteps(workflow).filter((s) => s.uses)) {
      expect(step.uses).toMatch(/^[\w-]+\/[\w-]+@(v\d+|[0-9a-f]{40})$/);
    }
  });

  it('fans out one job per stack from the stack listing of the app itself', async () => {
    const { listing } = matrixJob(workflow);
    const { stacks } = await runOutputStep(listing);
    const listed = (JSON.parse(stacks) as StackEntry[]).map(({ stack }) => stack);
    const expected = EXAMPLE_ENVIRONMENTS.filter(
      ({ backend }) => !listing.run!.includes('--remote-state') || (backend !== undefined && backend.type !== 'local')
    ).map(({ name }) => name);
    expect(listed).toEqual(expected);
  });
});

describe('plan.yml', () => {
  const { workflow } = WORKFLOWS.plan;
  const { job, listing } = matrixJob(workflow);

  it('runs on pull requests, typechecks and tests before any plan, for every stack', async () => {
    expect(Object.keys(workflow.on)).toEqual(['pull_request']);
    const testJob = workflow.jobs[[job.needs].flat()[0]!];
    expect(testJob.steps.map((step) => step.run)).toContain('npm run typecheck && npm test');
    // Every stack, whatever its backend: a mixed set of environments lists all of them.
    expect(await listedBy(listing, MIXED)).toEqual(['dev', 'stage', 'prod']);
  });

  it('plans each stack in its synthesized folder, with OIDC and pull-request permissions', () => {
    expect(job.permissions).toEqual({ contents: 'read', 'id-token': 'write', 'pull-requests': 'write' });
    const runs = job.steps.map((step) => step.run ?? '');
    expect(runs.indexOf('npm run synth')).toBeGreaterThan(runs.indexOf('npm ci'));
    const plan = job.steps.find((step) => /terraform plan\b/.test(step.run ?? ''))!;
    expect(plan['working-directory']).toBe('cdktf.out/stacks/${{ matrix.stack }}');
    expect(plan.run).toMatch(/terraform init -input=false/);
    expect(plan.run).toMatch(/terraform plan -input=false -no-color/);
    const terraform = job.steps.find((step) => step.uses?.startsWith('hashicorp/setup-terraform@'))!;
    expect(terraform.with!.cli_config_credentials_token).toBe('${{ secrets.TF_API_TOKEN }}');
  });

  describe('the plan comment', () => {
    const step = job.steps.find((s) => s.uses?.startsWith('actions/github-script@'))!;
    const script = step.with!.script;

    it('is posted even when the plan fails, from the file the plan step writes', () => {
      expect(step.if).toBe('${{ !cancelled() }}');
      const writers = job.steps.filter((s) => s.run?.includes('| tee plan.txt'));
      expect(writers.length).toBe(2);
      for (const writer of writers)
        expect(path.join(writer['working-directory']!, 'plan.txt')).toBe(step.env!.PLAN_FILE);
    });

    it('creates one comment per stack and updates it on the next run instead of adding another', async () => {
      const pr = new FakePullRequest([{ id: 1, user: { type: 'User' }, body: 'LGTM <!-- plan:prod --> quoted' }]);
      await pr.runScript(script, { STACK: 'prod', PLAN: 'Plan: 3 to add, 0 to change, 0 to destroy.' });
      await pr.runScript(script, { STACK: 'stage', PLAN: 'No changes.' });
      await pr.runScript(script, {
        STACK: 'prod',
        PLAN: 'Plan: 0 to add, 1 to change, 0 to destroy.',
        OUTCOME: 'failure',
      });
      expect(pr.comments.map(({ id }) => id)).toEqual([1, 2, 3]);
      expect(pr.comments[0].body).toBe('LGTM <!-- plan:prod --> quoted');
      expect(pr.comments[1].body).toMatch(/^<!-- plan:prod -->\n### `prod` \(s3 backend\): plan failed/);
      expect(pr.comments[1].body).toContain('Plan: 0 to add, 1 to change, 0 to destroy.');
      expect(pr.comments[1].body).not.toContain('3 to add');
      expect(pr.comments[2].body).toMatch(/^<!-- plan:stage -->[\s\S]*No changes\./);
    });

    it('cuts a huge plan to fit a comment, keeping its end where the summary is', async () => {
      const pr = new FakePullRequest([]);
      const plan = `${'  + resource line\n'.repeat(10_000)}Plan: 500 to add, 0 to change, 0 to destroy.`;
      await pr.runScript(script, { STACK: 'prod', PLAN: plan });
      const [{ body }] = pr.comments;
      expect(body.length).toBeLessThan(65_536);
      expect(body).toContain('characters cut: full plan in the job log');
      expect(body).toContain('Plan: 500 to add, 0 to change, 0 to destroy.');
    });
  });
});

describe('apply.yml', () => {
  const { workflow } = WORKFLOWS.apply;
  const { job, listing } = matrixJob(workflow);

  it('runs only on pushes to main', () => {
    expect(workflow.on).toEqual({ push: { branches: ['main'] } });
  });

  it('deploys each stack behind the GitHub environment of the same name, one at a time, never cancelled', () => {
    expect(job.environment).toBe('${{ matrix.stack }}');
    expect(job.concurrency).toEqual({ group: 'apply-${{ matrix.stack }}', 'cancel-in-progress': false });
    expect(job.permissions).toEqual({ contents: 'read', 'id-token': 'write' });
    expect(job.steps.at(-1)!.run).toBe('npm run deploy -- ${{ matrix.stack }} --auto-approve');
  });

  it('applies every stack with remote state and none whose state is a local file; skips an empty matrix', async () => {
    expect(await listedBy(listing, MIXED)).toEqual(['stage', 'prod']);
    expect(job.if).toBe(`needs.${[job.needs].flat()[0]}.outputs.stacks != '[]'`);
  });
});

const MIXED: EnvironmentConfig[] = [
  { ...EXAMPLE_ENVIRONMENTS[0], name: 'dev' },
  {
    ...EXAMPLE_ENVIRONMENTS[0],
    name: 'stage',
    backend: { type: 's3', bucket: 'state', key: 'stage', region: 'eu-west-1' },
  },
  { ...EXAMPLE_ENVIRONMENTS[0], name: 'prod', backend: { type: 'cloud', organization: 'acme', workspace: 'prod' } },
];

/** The stacks a listing step's own flags select from these environments. */
async function listedBy(step: Step, environments: readonly EnvironmentConfig[]): Promise<string[]> {
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

interface Comment {
  readonly id: number;
  readonly user: { readonly type: string };
  body: string;
}

/** The part of the GitHub API and of the Actions context the comment script touches, in memory. */
class FakePullRequest {
  constructor(public readonly comments: Comment[]) {}

  async runScript(script: string, input: { STACK: string; PLAN: string; OUTCOME?: string }): Promise<void> {
    const planFile = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'plan-')), 'plan.txt');
    fs.writeFileSync(planFile, input.PLAN);
    const env = { STACK: input.STACK, BACKEND: 's3', PLAN_FILE: planFile, OUTCOME: input.OUTCOME ?? 'success' };
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
