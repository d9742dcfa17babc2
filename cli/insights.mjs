#!/usr/bin/env node
// The `insights` bin. It runs scripts/insights.ts from an ES module bundle that esbuild (tsx's own dependency) makes on
// the first run and again whenever one of the bundled source files changes, so `npx insights` needs no build step and
// does not compile TypeScript on every run. Without esbuild or a writable cache it loads the source through tsx.
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const entry = join(root, 'scripts/insights.ts');
const cache = join(root, 'node_modules/.cache/insights-cli');
const bundle = join(cache, 'insights.mjs');
const manifest = join(cache, 'manifest.json');
/** Bump when the build options change, so older bundles are rebuilt. */
const BUILD = 'esm-node20-1';

/** A digest of the build options and of every bundled source file's content: the bundle is current while it holds. */
function digest(inputs) {
  const hash = createHash('sha256').update(`${BUILD}\0${process.version}\0`);
  for (const input of inputs) hash.update(`${input}\0`).update(readFileSync(join(root, input))).update('\0');
  return hash.digest('hex');
}

function currentBundle() {
  try {
    const { key, inputs } = JSON.parse(readFileSync(manifest, 'utf8'));
    return digest(inputs) === key ? bundle : undefined;
  } catch {
    return undefined;
  }
}

function loadEsbuild() {
  for (const from of [import.meta.url, createRequire(import.meta.url).resolve('tsx/package.json')]) {
    try {
      return createRequire(from)('esbuild');
    } catch {
      // Not resolvable from here: try next to tsx, which depends on it.
    }
  }
  return undefined;
}

/** Builds the bundle (written to temporary files, then renamed, so concurrent runs never see half a file). */
function build() {
  const esbuild = loadEsbuild();
  if (esbuild === undefined) return undefined;
  const result = esbuild.buildSync({
    entryPoints: [entry],
    absWorkingDir: root,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    packages: 'external',
    outfile: bundle,
    sourcemap: 'linked',
    metafile: true,
    write: false,
    logLevel: 'silent',
  });
  const inputs = Object.keys(result.metafile.inputs).sort();
  mkdirSync(cache, { recursive: true });
  const suffix = `.${process.pid}.tmp`;
  for (const file of result.outputFiles) {
    writeFileSync(file.path + suffix, file.contents);
    renameSync(file.path + suffix, file.path);
  }
  writeFileSync(manifest + suffix, JSON.stringify({ key: digest(inputs), inputs }));
  renameSync(manifest + suffix, manifest);
  return bundle;
}

async function loadCli() {
  let path = currentBundle();
  if (path === undefined) {
    try {
      path = build();
    } catch {
      // No bundle this time (no esbuild, a read-only or broken cache): the source runs through tsx.
      path = undefined;
    }
  }
  if (path !== undefined) return import(pathToFileURL(path).href);
  const { tsImport } = await import('tsx/esm/api');
  return tsImport('../scripts/insights.ts', import.meta.url);
}

const { runInsights } = await loadCli();
process.exitCode = await runInsights(process.argv.slice(2));
