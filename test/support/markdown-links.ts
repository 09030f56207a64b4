/**
 * The links of the project's Markdown, checked without a network: a relative link must name a file or folder of the
 * repository (and, into a Markdown file, one of its headings), and nothing may link outside the repository.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

/** A link as written, with the line it is on (1-based). */
export interface MarkdownLink {
  readonly target: string;
  readonly line: number;
}

/** What is wrong with one link: `file:line: message`. */
export type LinkProblem = string;

/** A scheme (`https:`, `mailto:`, `file:`) or a protocol-relative `//host`: the target leaves the repository. */
const OUTSIDE_TARGET = /^(?:[a-z][a-z0-9+.-]*:|\/\/)/i;
/** What GitHub turns into a link by itself in prose. */
const BARE_URL = /\b(?:https?|ftp):\/\/\S+|\bwww\.[a-z0-9-]+\.[a-z]\S*/gi;
const INLINE_LINK = /!?\[(?:[^\]\\]|\\.)*\]\(\s*<?([^)\s>]*)>?(?:\s+(?:"[^"]*"|'[^']*'))?\s*\)/g;
const REFERENCE_DEFINITION = /^\s{0,3}\[[^\]]+\]:\s*<?(\S+?)>?(?:\s|$)/;
const HTML_LINK = /\b(?:href|src)\s*=\s*["']([^"']*)["']/gi;
const HTML_ANCHOR = /<a\s[^>]*\b(?:id|name)\s*=\s*["']([^"']+)["']/gi;
const FENCE = /^\s{0,3}(```|~~~)/;

/** Each line, with the lines of fenced code blocks blanked. */
function linesOutsideFences(markdown: string): string[] {
  let fence: string | undefined;
  return markdown.split('\n').map((line) => {
    const opening = FENCE.exec(line)?.[1];
    if (fence !== undefined) {
      if (opening === fence) fence = undefined;
      return '';
    }
    if (opening !== undefined) {
      fence = opening;
      return '';
    }
    return line;
  });
}

/** Each line as prose: fenced blocks blanked, inline code spans removed. */
function proseLines(markdown: string): string[] {
  return linesOutsideFences(markdown).map((line) => line.replace(/(`+)[\s\S]*?\1/g, ''));
}

/** Every link target in the prose of `markdown`: inline links and images, reference definitions, HTML href/src. */
export function linksOf(markdown: string): MarkdownLink[] {
  return proseLines(markdown).flatMap((text, index) => {
    const line = index + 1;
    const targets = [
      ...[...text.matchAll(INLINE_LINK)].map((m) => m[1]),
      ...[...text.matchAll(HTML_LINK)].map((m) => m[1]),
      ...(REFERENCE_DEFINITION.exec(text)?.slice(1, 2) ?? []),
    ];
    return targets.map((target) => ({ target, line }));
  });
}

/** URLs written out in prose, which GitHub links without brackets. */
export function bareUrlsOf(markdown: string): MarkdownLink[] {
  return proseLines(markdown).flatMap((text, index) =>
    [...text.replace(INLINE_LINK, '').matchAll(BARE_URL)].map((m) => ({ target: m[0], line: index + 1 })),
  );
}

/** GitHub's anchor for a heading: lower case, punctuation dropped, spaces to dashes. */
export function headingAnchor(heading: string): string {
  const text = heading
    .replace(/`([^`]*)`/g, '$1')
    .replace(/!?\[([^\]]*)\]\([^)]*\)/g, '$1')
    .replace(/<[^>]+>/g, '');
  return text
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{M}\p{N}\p{Pc}\- ]/gu, '')
    .replace(/ /g, '-');
}

/** The anchors a Markdown file offers: its headings' (repeats numbered as GitHub does) and explicit `<a id>`s. */
export function anchorsOf(markdown: string): Set<string> {
  const anchors = new Set<string>();
  const seen = new Map<string, number>();
  for (const text of linesOutsideFences(markdown)) {
    const heading = /^\s{0,3}#{1,6}\s+(.*?)\s*#*\s*$/.exec(text)?.[1];
    if (heading !== undefined) {
      const base = headingAnchor(heading);
      const count = seen.get(base) ?? 0;
      seen.set(base, count + 1);
      anchors.add(count === 0 ? base : `${base}-${count}`);
    }
    for (const m of text.matchAll(HTML_ANCHOR)) anchors.add(m[1]);
  }
  return anchors;
}

/** Problems of the links in `file` (a path relative to `root`, the repository). */
export function linkProblems(root: string, file: string): LinkProblem[] {
  const markdown = fs.readFileSync(path.join(root, file), 'utf8');
  const at = (line: number) => `${file}:${line}`;
  const outside = bareUrlsOf(markdown).map((l) => `${at(l.line)}: links outside the repository: ${l.target}`);
  const broken = linksOf(markdown).flatMap(({ target, line }): LinkProblem[] => {
    if (target === '') return [`${at(line)}: empty link`];
    if (OUTSIDE_TARGET.test(target)) return [`${at(line)}: links outside the repository: ${target}`];
    const hash = target.indexOf('#');
    const [pathPart, anchor] = hash < 0 ? [target, undefined] : [target.slice(0, hash), decodeURIComponent(target.slice(hash + 1))];
    const resolved =
      pathPart === '' ? path.join(root, file) : path.resolve(path.dirname(path.join(root, file)), decodeURIComponent(pathPart));
    const relative = path.relative(root, resolved);
    if (relative.startsWith('..') || path.isAbsolute(relative) || pathPart.startsWith('/')) {
      return [`${at(line)}: ${target} leaves the repository; link relative to ${file}`];
    }
    if (!fs.existsSync(resolved)) return [`${at(line)}: ${target}: no such file (${relative})`];
    if (anchor === undefined || !resolved.endsWith('.md')) return [];
    return anchorsOf(fs.readFileSync(resolved, 'utf8')).has(anchor)
      ? []
      : [`${at(line)}: ${target}: ${relative} has no heading #${anchor}`];
  });
  return [...outside, ...broken];
}
