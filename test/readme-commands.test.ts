import * as fs from 'node:fs';
import * as path from 'node:path';

const ROOT = path.join(__dirname, '..');
const read = (file: string) => fs.readFileSync(path.join(ROOT, file), 'utf8');
const SCRIPTS: Record<string, string> = JSON.parse(read('package.json')).scripts;

/** The lines of every ```sh block of a Markdown text. */
function shellLines(markdown: string): string[] {
  return [...markdown.matchAll(/^```sh\n([\s\S]*?)^```/gm)].flatMap((m) => m[1].split('\n').map((l) => l.trim()));
}

/** README.md, CONTRIBUTING.md, UPGRADING.md and docs/*.md. */
function documentation(): string[] {
  return ['README.md', 'CONTRIBUTING.md', 'UPGRADING.md', ...fs.readdirSync(path.join(ROOT, 'docs')).map((f) => `docs/${f}`)].filter((f) =>
    f.endsWith('.md'),
  );
}

describe("the README's commands for a fresh machine", () => {
  it('synthesizes the example environments and runs every tier, each after a clean install', () => {
    expect(shellLines(read('README.md'))).toEqual(expect.arrayContaining(['npm ci && npm run synth', 'npm ci && npm run test:all']));
  });

  it('are what CI runs: .ci/run installs with npm ci, then runs test:all', () => {
    const commands = read('.ci/run')
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l !== '' && !l.startsWith('#'));
    const install = commands.indexOf('npm ci');
    expect(install).toBeGreaterThanOrEqual(0);
    expect(commands.indexOf('npm run test:all')).toBeGreaterThan(install);
  });

  it('run every tier: test:all lints, type-checks, then runs the fast, Terraform and emulator tiers in that order', () => {
    const steps = SCRIPTS['test:all'].split('&&').map((s) => s.trim());
    const tiers = ['npm run lint', 'npm run typecheck', 'npm test', 'npm run test:terraform', 'npm run test:deploy'].map((t) =>
      steps.indexOf(t),
    );
    expect(tiers.every((at) => at >= 0)).toBe(true);
    expect([...tiers].sort((a, b) => a - b)).toEqual(tiers);
  });

  it('lint runs the linter and checks the formatting of every file', () => {
    expect(SCRIPTS.lint.split('&&').map((s) => s.trim())).toEqual(expect.arrayContaining(['eslint .', 'prettier --check .']));
  });
});

describe('npm scripts named in the documentation', () => {
  it.each(documentation())('%s names only scripts package.json has', (file) => {
    const named = [...read(file).matchAll(/\bnpm run ([\w:-]+)/g)].map((m) => m[1]);
    expect(named.filter((script) => !(script in SCRIPTS))).toEqual([]);
  });
});
