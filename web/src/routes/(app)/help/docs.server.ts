// The product's documentation (the repository's docs/*.md), read at run time for the Help pages. Only files found by
// listing docs/ are served, by name, so a request can never reach another path.
import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DOCS_DIR } from '$app/env/private';

export interface DocEntry {
  /** `architecture`, `integrations/pagerduty`: the path under docs/ without `.md`, as used in /help/<name>. */
  name: string;
  title: string;
  summary: string;
}

const NAME = /^[a-z0-9][a-z0-9-]*(\/[a-z0-9][a-z0-9-]*)?$/;

/** The docs folder: DOCS_DIR, or the repository's docs/ found upwards from this server (built or not) or the cwd. */
export function docsDir(): string | null {
  if (DOCS_DIR) return existsSync(DOCS_DIR) ? resolve(DOCS_DIR) : null;
  for (const start of [dirname(fileURLToPath(import.meta.url)), process.cwd()]) {
    let dir = start;
    for (;;) {
      if (existsSync(join(dir, 'docs', 'README.md'))) return join(dir, 'docs');
      const parent = dirname(dir);
      if (parent === dir) break;
      dir = parent;
    }
  }
  return null;
}

function describe(name: string, text: string): DocEntry {
  const title = /^#\s+(.+)$/m.exec(text)?.[1]?.trim() ?? name;
  // The first paragraph after the title that is prose, not a table, code or a heading.
  const prose = text
    .split(/\n\s*\n/)
    .map((block) => block.trim())
    .filter((block) => block && !/^(#|\||```|<|-|\*|>)/.test(block));
  // A paragraph that only introduces a list ("What you get:") says little on its own.
  const paragraph = prose.find((block) => !block.endsWith(':')) ?? prose[0];
  const summary = (paragraph ?? '').replace(/\s+/g, ' ').replace(/`|\*\*|\[([^\]]*)\]\([^)]*\)/g, (_, link: string | undefined) => link ?? '');
  return { name, title, summary: summary.length > 220 ? `${summary.slice(0, 217)}…` : summary };
}

/** Every document, README first (as "Overview"), then the others by name; subfolders one level deep. */
export async function listDocs(dir: string): Promise<DocEntry[]> {
  const names: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    if (entry.isFile() && entry.name.endsWith('.md')) names.push(entry.name.slice(0, -3).toLowerCase() === 'readme' ? 'readme' : entry.name.slice(0, -3));
    else if (entry.isDirectory()) {
      for (const sub of await readdir(join(dir, entry.name), { withFileTypes: true })) {
        if (sub.isFile() && sub.name.endsWith('.md')) names.push(`${entry.name}/${sub.name.slice(0, -3).toLowerCase() === 'readme' ? 'readme' : sub.name.slice(0, -3)}`);
      }
    }
  }
  const served = names.filter((name) => NAME.test(name));
  const docs = await Promise.all(served.map(async (name) => describe(name, await readFile(fileOf(dir, name), 'utf8'))));
  return docs.sort((a, b) => (a.name === 'readme' ? -1 : b.name === 'readme' ? 1 : a.name.localeCompare(b.name)));
}

function fileOf(dir: string, name: string): string {
  const file = name.endsWith('readme') ? name.replace(/readme$/, 'README') : name;
  return join(dir, `${file}.md`);
}

/** One document's text, or null when no listed document has that name. */
export async function readDoc(dir: string, name: string): Promise<{ entry: DocEntry; text: string } | null> {
  if (!NAME.test(name)) return null;
  const docs = await listDocs(dir);
  const entry = docs.find((d) => d.name === name);
  if (!entry) return null;
  return { entry, text: await readFile(fileOf(dir, name), 'utf8') };
}

/** `clustering.md#x` seen from `integrations/pagerduty` → `/help/clustering#x`; null for anything not a document. */
export function helpHref(from: string, href: string): string | null {
  if (/^[a-z]+:|^\/\/|^#/i.test(href)) return href;
  const [path, hash] = href.split('#') as [string, string | undefined];
  if (!path.endsWith('.md')) return null;
  const parts = [...from.split('/').slice(0, -1), ...path.slice(0, -3).split('/')];
  const resolved: string[] = [];
  for (const part of parts) {
    if (part === '..') resolved.pop();
    else if (part !== '.' && part !== '') resolved.push(part);
  }
  const name = resolved.join('/').replace(/(^|\/)README$/i, '$1readme');
  return `/help/${name}${hash ? `#${hash}` : ''}`;
}
