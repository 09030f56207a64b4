import * as fs from 'node:fs';
import * as path from 'node:path';
import { anchorsOf, headingAnchor, linkProblems, linksOf } from './support/markdown-links';
import { tempDir } from './support/temp-dir';

const ROOT = path.join(__dirname, '..');

/** The documentation a reader follows links through: the landing page, the guides, the contributor's and upgrade notes. */
function documentation(): string[] {
  const docs = (dir: string): string[] =>
    fs.readdirSync(path.join(ROOT, dir), { withFileTypes: true }).flatMap((entry) => {
      const file = path.posix.join(dir, entry.name);
      if (entry.isDirectory()) return docs(file);
      return entry.name.endsWith('.md') ? [file] : [];
    });
  return ['README.md', 'CONTRIBUTING.md', 'UPGRADING.md', ...docs('docs')];
}

describe("the project's documentation", () => {
  it('has the landing page, the contributor guide and an index of docs/', () => {
    expect(documentation()).toEqual(expect.arrayContaining(['README.md', 'CONTRIBUTING.md', 'UPGRADING.md', 'docs/README.md']));
  });

  it.each(documentation())('%s: every relative link resolves, and nothing links outside the repository', (file) => {
    expect(linkProblems(ROOT, file)).toEqual([]);
  });

  it('links every page of docs/ from the index', () => {
    const index = fs.readFileSync(path.join(ROOT, 'docs', 'README.md'), 'utf8');
    const linked = new Set(linksOf(index).map((l) => l.target.split('#')[0]));
    const pages = documentation().filter((f) => f.startsWith('docs/') && f !== 'docs/README.md');
    expect(pages.filter((page) => !linked.has(path.posix.relative('docs', page)))).toEqual([]);
  });
});

describe('the link check', () => {
  function repo(files: Record<string, string>): string {
    const root = tempDir('docs-links-');
    for (const [file, text] of Object.entries(files)) {
      fs.mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
      fs.writeFileSync(path.join(root, file), text);
    }
    return root;
  }

  it('accepts links to files, folders and headings, relative to the linking file', () => {
    const root = repo({
      'README.md': '# Title\n\n[guide](docs/guide.md#the-ip-sync-mode-dns), [code](src/), [self](#title), [up](docs/guide.md#notes-1)\n',
      'docs/guide.md': '# Guide\n\n## The `ip-sync` mode: DNS\n\n## Notes\n\n## Notes\n\n[back](../README.md#title)\n',
      'src/main.ts': '',
    });
    expect([...linkProblems(root, 'README.md'), ...linkProblems(root, 'docs/guide.md')]).toEqual([]);
  });

  it('names a missing file, a missing heading, and a path that leaves the repository', () => {
    const root = repo({
      'README.md': '# Title\n\nSee [a](docs/gone.md), [b](docs/guide.md#nowhere), [c](#title), [d](../outside.md), [e](/etc/hosts).\n',
      'docs/guide.md': '# Guide\n',
    });
    expect(linkProblems(root, 'README.md')).toEqual([
      'README.md:3: docs/gone.md: no such file (docs/gone.md)',
      'README.md:3: docs/guide.md#nowhere: docs/guide.md has no heading #nowhere',
      'README.md:3: ../outside.md leaves the repository; link relative to README.md',
      'README.md:3: /etc/hosts leaves the repository; link relative to README.md',
    ]);
  });

  it('refuses links and bare URLs outside the repository in prose, and ignores code', () => {
    const root = repo({
      'README.md': [
        '# Title',
        'A [guide](https://example.com/guide) and <a href="mailto:a@example.com">mail</a>.',
        'Read https://example.com/raw and www.example.com too.',
        '`curl https://example.com/in-code` is a command.',
        '```sh',
        'curl https://example.com/in-a-block',
        '```',
      ].join('\n'),
    });
    expect(linkProblems(root, 'README.md')).toEqual([
      'README.md:3: links outside the repository: https://example.com/raw',
      'README.md:3: links outside the repository: www.example.com',
      'README.md:2: links outside the repository: https://example.com/guide',
      'README.md:2: links outside the repository: mailto:a@example.com',
    ]);
  });

  it('derives heading anchors as GitHub does', () => {
    expect(headingAnchor("Migrating from AWS's reference function (or trussworks' module), keeping the addresses")).toBe(
      'migrating-from-awss-reference-function-or-trussworks-module-keeping-the-addresses',
    );
    expect(headingAnchor('IAM, per `ip-sync` route')).toBe('iam-per-ip-sync-route');
    expect(headingAnchor('Protection: what happens when a change would release an address')).toBe(
      'protection-what-happens-when-a-change-would-release-an-address',
    );
    expect([...anchorsOf('# A\n<a id="kept"></a>\n## A\n```\n# not a heading\n```\n')]).toEqual(['a', 'kept', 'a-1']);
  });
});
