// The layout is the architecture: each folder may import only what shared/conventions.md allows, and workflows
// bundle for Temporal's sandbox. A broken boundary fails here instead of waiting for a reviewer.
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { builtinModules } from 'node:module';
import { join, relative, resolve, dirname } from 'node:path';
import { bundleWorkflowCode } from '@temporalio/worker';
import { describe, expect, it } from 'vitest';
import { WORKFLOWS_PATH } from '../temporal/worker.ts';

const ROOT = resolve(import.meta.dirname, '..');
const SERVER_FOLDERS = ['workflows', 'activities', 'connectors', 'analysis', 'db', 'search', 'api', 'temporal', 'observability'] as const;

/** Which top-level folders (or root files) each folder may import from; its own folder is always allowed. */
const ALLOWED: Record<string, string[]> = {
  workflows: ['analysis'],
  analysis: [],
  connectors: [],
  activities: ['db', 'connectors', 'analysis', 'search', 'observability', 'config.ts', 'workflows/activity-contract.ts', 'workflows/retry.ts', 'workflows/ids.ts'],
  db: ['config.ts'],
  // The runbook index: vector stores and embeddings behind one interface (search/types.ts), used by api and activities.
  search: ['db', 'analysis', 'observability', 'config.ts'],
  api: ['db', 'search', 'observability', 'temporal/client.ts', 'temporal/task-queues.ts', 'temporal/search-attributes.ts', 'temporal/schedules.ts', 'analysis', 'config.ts', 'workflows', 'connectors'],
  temporal: ['workflows', 'activities', 'db', 'observability', 'config.ts', 'devkit/processes.ts'],
  // Metrics, traces, error reporting and log redaction shared by the API, the worker and the activities.
  observability: ['analysis', 'config.ts'],
  // Local infrastructure shared by scripts/, bench/, temporal/dev-server.ts and tests/: the API in-process (app.ts), and
  // the Lambda stand-in, which runs the reference function.
  devkit: ['api', 'db', 'config.ts', 'temporal/client.ts', 'deploy/lambda/handler.mjs'],
};

/** Folders whose imports are checked against ALLOWED: the server's, and the infrastructure the others share. */
const LAYERED_FOLDERS = [...SERVER_FOLDERS, 'devkit'] as const;

/**
 * The rooms of analysis/ by subject, and which other rooms each may import; the modules at analysis/'s top (redaction,
 * the public index) are shared, and a room may use them but not the index that re-exports the rooms.
 */
const ANALYSIS_ROOMS: Record<string, string[]> = {
  'analysis/clustering': [],
  // Runbook retrieval embeds text with the clustering's masker, so `ip-10-0-0-1` and `ip-10-9-8-7` agree there too.
  'analysis/runbooks': ['analysis/clustering'],
};

/**
 * Pure type modules a folder may `import type` from (erased at run time, so no code of theirs runs in it) although it
 * may not import their folder: the one declaration of a record the folder stores. db/ stores the unified incident that
 * connectors/ produce and the run step that an automation run's workflow and activities exchange; a second, hand-kept
 * declaration in db/ is how the two disagreed.
 */
const TYPES_FROM: Record<string, string[]> = {
  db: ['connectors/types.ts', 'workflows/activity-contract.ts'],
};

/** npm packages a folder must not use: workflows run in a sandbox, analysis and connectors stay pure. */
const FORBIDDEN_PACKAGES: Record<string, RegExp> = {
  workflows: /^(?!@temporalio\/(workflow|common)$).*/,
  analysis: /^(postgres|@temporalio\/|fastify|@fastify\/)/,
  connectors: /^(postgres|@temporalio\/|fastify|@fastify\/)/,
  search: /^(@temporalio\/|fastify|@fastify\/)/,
};

function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  let entries: string[];
  try {
    entries = readdirSync(dir);
  } catch {
    return out;
  }
  for (const entry of entries) {
    const path = join(dir, entry);
    if (entry === 'node_modules' || entry === 'fixtures') continue;
    if (statSync(path).isDirectory()) out.push(...sourceFiles(path));
    else if (/\.(ts|svelte)$/.test(entry) && !entry.endsWith('.test.ts') && !entry.endsWith('.d.ts')) out.push(path);
  }
  return out;
}

function importsOf(file: string): { specifier: string; typeOnly: boolean }[] {
  const text = readFileSync(file, 'utf8');
  const found: { specifier: string; typeOnly: boolean }[] = [];
  const pattern = /(?:^|\n)\s*(import|export)\s+(type\s+)?(?:[^'"]*?\sfrom\s+)?['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g;
  for (const m of text.matchAll(pattern)) found.push({ specifier: (m[3] ?? m[4])!, typeOnly: Boolean(m[2]) });
  return found;
}

/** Every source file under `dir`, tests included (not dependencies, build output or local data). */
function everyFile(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir)) {
    if (['node_modules', '.git', '.svelte-kit', 'build', '.data', '.tools', 'test-results'].includes(entry)) continue;
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) out.push(...everyFile(path));
    else if (/\.(ts|mts|mjs|js|svelte)$/.test(entry)) out.push(path);
  }
  return out;
}

/** The repository paths a file imports by a relative specifier. */
function importTargets(file: string): string[] {
  return importsOf(file)
    .filter(({ specifier }) => specifier.startsWith('.'))
    .map(({ specifier }) => relative(ROOT, resolve(dirname(file), specifier)));
}

function roomViolations(room: string, root: string = ROOT): string[] {
  const bad: string[] = [];
  for (const file of sourceFiles(join(root, room))) {
    for (const { specifier } of importsOf(file)) {
      if (!specifier.startsWith('.')) continue;
      const target = relative(root, resolve(dirname(file), specifier));
      if (!target.startsWith('analysis/') || target.startsWith(`${room}/`)) continue;
      const shared = !target.slice('analysis/'.length).includes('/') && target !== 'analysis/index.ts';
      if (!shared && !ANALYSIS_ROOMS[room]!.some((other) => target.startsWith(`${other}/`))) bad.push(`${relative(root, file)} imports ${target}`);
    }
  }
  return bad;
}

function violations(folder: string, root: string = ROOT): string[] {
  const bad: string[] = [];
  for (const file of sourceFiles(join(root, folder))) {
    const rel = relative(root, file);
    for (const { specifier, typeOnly } of importsOf(file)) {
      if (specifier.startsWith('.')) {
        const target = relative(root, resolve(dirname(file), specifier));
        if (target.startsWith(`${folder}/`)) continue;
        const ok = ALLOWED[folder]!.some((allowed) => target === allowed || target.startsWith(`${allowed}/`));
        const typesOk = typeOnly && (TYPES_FROM[folder] ?? []).includes(target);
        if (!ok && !typesOk) bad.push(`${rel} imports ${target}`);
      } else {
        const bare = specifier.replace(/^node:/, '');
        const isBuiltin = specifier.startsWith('node:') || builtinModules.includes(bare.split('/')[0]!);
        if (folder === 'workflows' && isBuiltin) bad.push(`${rel} imports the Node builtin ${specifier}`);
        const pkg = specifier.startsWith('@') ? specifier.split('/').slice(0, 2).join('/') : specifier.split('/')[0]!;
        const forbidden = FORBIDDEN_PACKAGES[folder];
        if (forbidden && !isBuiltin && forbidden.test(pkg)) bad.push(`${rel} imports the package ${pkg}`);
      }
    }
  }
  return bad;
}

/** What the checker says of one file (`folder/name.ts`) in a tree of its own. */
function violationsOfOneFile(path: string, text: string): string[] {
  const root = mkdtempSync(join(tmpdir(), 'arch-'));
  try {
    mkdirSync(join(root, dirname(path)), { recursive: true });
    writeFileSync(join(root, path), text);
    return violations(path.split('/')[0]!, root);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

/** One URL resource per route file, small enough to read whole (shared/conventions.md, API). */
const ROUTES = 'api/routes';
const MAX_ROUTE_FILE_LINES = 300;

/** Imports from one file in api/routes/ of another: routes share through named modules (api/views.ts, ...). */
function routeToRouteImports(root: string = ROOT): string[] {
  return sourceFiles(join(root, ROUTES)).flatMap((file) =>
    importsOf(file)
      .filter(({ specifier }) => specifier.startsWith('.'))
      .map(({ specifier }) => relative(root, resolve(dirname(file), specifier)))
      .filter((target) => target.startsWith(`${ROUTES}/`))
      .map((target) => `${relative(root, file)} imports ${target}`),
  );
}

describe('architecture', () => {
  it.each(LAYERED_FOLDERS)('%s/ imports only what its layer may', (folder) => {
    expect(violations(folder)).toEqual([]);
  });

  it.each(Object.keys(ANALYSIS_ROOMS))('%s/ imports only the rooms of analysis/ it may', (room) => {
    expect(readdirSync(join(ROOT, room)).length).toBeGreaterThan(0);
    expect(roomViolations(room)).toEqual([]);
  });

  it('nothing outside tests/ imports tests/ (test plumbing others need lives in devkit/)', () => {
    const bad = everyFile(ROOT)
      .filter((file) => !relative(ROOT, file).startsWith('tests/'))
      .flatMap((file) => importTargets(file).filter((target) => target.startsWith('tests/')).map((target) => `${relative(ROOT, file)} imports ${target}`));
    expect(bad).toEqual([]);
  });

  it('temporal/ does not import scripts/, and devkit/processes.ts, which it may use, imports nothing of ours', () => {
    const fromTemporal = everyFile(join(ROOT, 'temporal')).flatMap((file) =>
      importTargets(file).filter((target) => target.startsWith('scripts/')).map((target) => `${relative(ROOT, file)} imports ${target}`),
    );
    expect(fromTemporal).toEqual([]);
    expect(importTargets(join(ROOT, 'devkit', 'processes.ts'))).toEqual([]);
  });

  it('web/ reaches the server only over HTTP (no imports of server folders)', () => {
    const bad = sourceFiles(join(ROOT, 'web/src')).flatMap((file) =>
      importsOf(file)
        .filter(({ specifier }) => specifier.startsWith('.') && relative(join(ROOT, 'web'), resolve(dirname(file), specifier)).startsWith('..'))
        .map(({ specifier }) => `${relative(ROOT, file)} imports ${specifier}`),
    );
    expect(bad).toEqual([]);
  });

  it('reads process.env only in config.ts', () => {
    const offenders = SERVER_FOLDERS.flatMap((folder) => sourceFiles(join(ROOT, folder)))
      .filter((file) => /process\.env/.test(readFileSync(file, 'utf8')))
      .map((file) => relative(ROOT, file));
    expect(offenders).toEqual([]);
  });

  it('api/routes/ files never import each other (what two routes share lives in a named module)', () => {
    expect(routeToRouteImports()).toEqual([]);
  });

  it(`keeps every file in api/routes/ at ${MAX_ROUTE_FILE_LINES} lines or fewer`, () => {
    const long = sourceFiles(join(ROOT, ROUTES))
      .map((file) => ({ file: relative(ROOT, file), text: readFileSync(file, 'utf8') }))
      .map(({ file, text }) => ({ file, lines: text.split('\n').length - (text.endsWith('\n') ? 1 : 0) }))
      .filter(({ lines }) => lines > MAX_ROUTE_FILE_LINES)
      .map(({ file, lines }) => `${file}: ${lines} lines`);
    expect(long).toEqual([]);
  });

  it('catches a route file importing another (the checker itself works)', () => {
    const root = mkdtempSync(join(tmpdir(), 'arch-'));
    try {
      mkdirSync(join(root, ROUTES), { recursive: true });
      writeFileSync(join(root, ROUTES, 'members.ts'), "import { userView } from './auth.ts';\nimport { AppError } from '../errors.ts';\n");
      writeFileSync(join(root, ROUTES, 'auth.ts'), "export const userView = () => ({});\n");
      expect(routeToRouteImports(root)).toEqual(['api/routes/members.ts imports api/routes/auth.ts']);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  it('catches an import between the rooms of analysis/ the wrong way (the checker itself works)', () => {
    const root = mkdtempSync(join(tmpdir(), 'arch-'));
    try {
      mkdirSync(join(root, 'analysis', 'clustering'), { recursive: true });
      mkdirSync(join(root, 'analysis', 'runbooks'), { recursive: true });
      writeFileSync(join(root, 'analysis', 'clustering', 'bad.ts'), "import type { RunbookStep } from '../runbooks/runbook-types.ts';\nimport { recluster } from '../index.ts';\nimport { createRedactor } from '../redaction.ts';\n");
      writeFileSync(join(root, 'analysis', 'runbooks', 'good.ts'), "import { compileMasker } from '../clustering/masking.ts';\nimport { createRedactor } from '../redaction.ts';\n");
      expect(roomViolations('analysis/clustering', root)).toEqual(['analysis/clustering/bad.ts imports analysis/runbooks/runbook-types.ts', 'analysis/clustering/bad.ts imports analysis/index.ts']);
      expect(roomViolations('analysis/runbooks', root)).toEqual([]);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  it('catches forbidden imports (the checker itself works)', () => {
    expect(
      violationsOfOneFile('workflows/bad.ts', "import { readFile } from 'node:fs';\nimport type { Sql } from '../db/sql.ts';\nimport postgres from 'postgres';\nimport { log } from '@temporalio/workflow';\n"),
    ).toEqual(['workflows/bad.ts imports the Node builtin node:fs', 'workflows/bad.ts imports db/sql.ts', 'workflows/bad.ts imports the package postgres']);
  });

  it('lets db/ import the types of the records it stores, never code', () => {
    expect(
      violationsOfOneFile(
        'db/records.ts',
        "import type { UnifiedIncident } from '../connectors/types.ts';\nimport type { AutomationRunStep } from '../workflows/activity-contract.ts';\n" +
          "import { ConnectorError } from '../connectors/types.ts';\nimport type { Activities } from '../workflows/retry.ts';\nimport type { Connector } from '../connectors/pagerduty/connector.ts';\n",
      ),
    ).toEqual(['db/records.ts imports connectors/types.ts', 'db/records.ts imports workflows/retry.ts', 'db/records.ts imports connectors/pagerduty/connector.ts']);
  });

  it('bundles workflows/ for the Temporal sandbox', async () => {
    const bundle = await bundleWorkflowCode({ workflowsPath: WORKFLOWS_PATH, logger: { trace() {}, debug() {}, info() {}, warn() {}, error() {}, log() {} } as never });
    expect(bundle.code).toContain('echoWorkflow');
  });
});
