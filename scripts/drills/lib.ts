// What every reliability drill needs: a throwaway PostgreSQL it can stop and restart, a Temporal dev server on a fixed
// port (optionally persisted), the API and the worker as real processes it can SIGKILL and restart, a signed-in
// owner, a bounded load runner, and the writer of the drill's own section of docs/reliability.md.
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, platform, release, totalmem } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { Connection } from '@temporalio/client';
import { childEnv } from '../../config.ts';
import { migrate } from '../../db/migrate.ts';
import { createSql, type Sql } from '../../db/sql.ts';
import { markEmailVerified } from '../../db/users.ts';
import { resolveTemporalCli, startDevServer, type DevServer } from '../../temporal/dev-server.ts';
import { ensureSearchAttributes } from '../../temporal/search-attributes.ts';
import { spawnChild, stopChild, waitFor, type Child } from '../../devkit/processes.ts';
import { freePort } from '../../devkit/ports.ts';
import { createPostgresCluster } from '../../devkit/postgres-server.ts';

export { waitFor };

export const ROOT = resolve(import.meta.dirname, '../..');
export const RELIABILITY_DOC = join(ROOT, 'docs/reliability.md');
/** The drills' fixed secrets: nothing real is sealed or signed with them. */
export const DRILL_JWT_SECRET = 'drill-secret-that-is-long-enough-for-hs256-0123456789';
export const DRILL_MASTER_KEY = '00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff';

export const log = (line: string) => console.log(`[${new Date().toISOString().slice(11, 23)}] ${line}`);

/**
 * Clean-up in reverse order, run once: at the end, on an error, and on Ctrl-C / SIGTERM (then the drill exits 130).
 * Every process a drill starts is registered here the moment it exists.
 */
export class Cleanup {
  private readonly steps: { name: string; run: () => Promise<unknown> | unknown }[] = [];
  private done: Promise<void> | undefined;

  constructor() {
    for (const signal of ['SIGINT', 'SIGTERM'] as const) {
      process.once(signal, () => {
        log(`${signal}: stopping everything`);
        void this.run().finally(() => process.exit(130));
      });
    }
  }

  add(name: string, run: () => Promise<unknown> | unknown): void {
    this.steps.push({ name, run });
  }

  run(): Promise<void> {
    this.done ??= (async () => {
      for (const step of this.steps.reverse()) {
        try {
          await step.run();
        } catch (err) {
          log(`clean-up of ${step.name} failed: ${err instanceof Error ? err.message : String(err)}`);
        }
      }
    })();
    return this.done;
  }
}

/** A folder for this drill's logs (test-results/drills/<name>), emptied at the start. */
export function drillLogDir(name: string): string {
  const dir = join(ROOT, 'test-results', 'drills', name);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  return dir;
}

export function tail(file: string, lines = 20): string {
  try {
    return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

// ---------------------------------------------------------------------------------------------------------------
// PostgreSQL: Debian's binaries, a throwaway initdb cluster, started and stopped with pg_ctl (so a drill can restart
// it on the same port and data directory).

export interface DrillPostgres {
  port: number;
  /** The cluster's data directory. */
  dataDir: string;
  /** The server's log. */
  logFile: string;
  /** A superuser on the `postgres` database. */
  adminUrl: string;
  /** The application's role (no superuser, so row-level security applies), without a database name yet. */
  appUrl(database: string): string;
  adminUrlOf(database: string): string;
  /** A new database owned by the application's role, migrated. */
  createDatabase(name?: string): Promise<{ name: string; url: string; adminUrl: string }>;
  /** `pg_ctl stop -m fast` (clean) or `-m immediate` (a crash: no checkpoint, recovery on the next start). */
  stop(mode?: 'fast' | 'immediate'): void;
  start(): void;
  /** Stops the server and deletes the cluster. */
  destroy(): void;
}

export async function startDrillPostgres(cleanup: Cleanup, options: { port?: number; maxConnections?: number } = {}): Promise<DrillPostgres> {
  // fsync stays on: the drills crash this server and expect it to recover what it acknowledged.
  const cluster = createPostgresCluster({ port: options.port ?? (await freePort()), maxConnections: options.maxConnections ?? 200, prefix: 'insights-drill-pg-' });
  cleanup.add('postgres', () => cluster.destroy());
  const { port, dataDir, logFile, adminUrl, stop, start, destroy } = cluster;
  const appUrl = (database: string) => `postgres://insights@127.0.0.1:${port}/${database}`;
  const adminUrlOf = (database: string) => `postgres://postgres@127.0.0.1:${port}/${database}`;
  return {
    port,
    dataDir,
    logFile,
    adminUrl,
    appUrl,
    adminUrlOf,
    async createDatabase(name = `insights_drill_${randomBytes(4).toString('hex')}`) {
      const admin = createSql(adminUrl, { max: 1, applicationName: 'insights-drill' });
      try {
        await admin`create database ${admin(name)} owner insights`;
      } finally {
        await admin.end();
      }
      const sql = createSql(appUrl(name), { max: 1, applicationName: 'insights-drill' });
      try {
        await migrate(sql);
      } finally {
        await sql.end();
      }
      return { name, url: appUrl(name), adminUrl: adminUrlOf(name) };
    },
    stop,
    start,
    destroy,
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Temporal: the dev server on a fixed port (so a restart keeps its address), persisted when `dbFile` is given.

export interface DrillTemporal {
  address: string;
  port: number;
  /** SIGTERM (or SIGKILL with `kill: true`) and wait until it is gone. */
  stop(options?: { kill?: boolean }): Promise<void>;
  /** Starts it again on the same port (and db file). */
  start(): Promise<void>;
}

export async function startDrillTemporal(cleanup: Cleanup, options: { logDir: string; dbFile?: string; port?: number }): Promise<DrillTemporal> {
  const cliPath = resolveTemporalCli({ explicitPath: process.env.TEMPORAL_CLI_PATH, searchPath: process.env.PATH, toolsDir: join(ROOT, '.tools'), install: true, log });
  const port = options.port ?? (await freePort());
  let server: DevServer | undefined;
  let starts = 0;
  const start = async () => {
    starts += 1;
    server = await startDevServer({
      cliPath,
      port,
      namespace: 'default',
      logFile: join(options.logDir, `temporal-${starts}.log`),
      ...(options.dbFile ? { dbFile: options.dbFile } : {}),
    });
    const connection = await Connection.connect({ address: server.address });
    try {
      await ensureSearchAttributes(connection, 'default');
    } finally {
      await connection.close();
    }
  };
  const stop = async ({ kill = false } = {}) => {
    if (!server) return;
    const current = server;
    server = undefined;
    if (kill) {
      current.child.signal('SIGKILL');
      await current.child.exited;
    } else await current.stop();
  };
  cleanup.add('temporal', () => stop());
  await start();
  return { address: `127.0.0.1:${port}`, port, stop, start };
}

// ---------------------------------------------------------------------------------------------------------------
// The API and the worker as real processes (node <script>.ts), each on a fixed port, restartable.

export interface DrillProcess {
  name: string;
  /** Where its health endpoint (and, for the API, everything else) answers. */
  url: string;
  /** The current child (undefined while stopped). */
  child(): Child | undefined;
  /** Starts it (a new log file per start) and waits until its health endpoint answers. */
  start(): Promise<void>;
  /** SIGKILL: no drain, no clean-up, as a crash or an OOM kill would. */
  kill(): Promise<void>;
  /** SIGTERM (graceful), SIGKILL after the grace period. */
  stop(graceMs?: number): Promise<void>;
  /** How many times it was started. */
  starts(): number;
}

export interface DrillEnvOptions {
  databaseUrl: string;
  temporalAddress: string;
  taskQueue?: string;
  extra?: Record<string, string>;
}

/** The environment of the drill's API and worker: its database, Temporal, fixed test secrets, quiet logs. */
export function drillEnv(options: DrillEnvOptions): Record<string, string> {
  return childEnv({
    NODE_ENV: 'development',
    LOG_LEVEL: 'warn',
    DATABASE_URL: options.databaseUrl,
    TEMPORAL_ADDRESS: options.temporalAddress,
    TEMPORAL_TASK_QUEUE: options.taskQueue ?? 'drill',
    JWT_SECRET: DRILL_JWT_SECRET,
    INSIGHTS_MASTER_KEY: DRILL_MASTER_KEY,
    SIGNUP_RATE_LIMIT_PER_MINUTE: '10000',
    ALLOW_CUSTOM_VENDOR_URLS: 'true',
    ...options.extra,
  });
}

function drillProcess(cleanup: Cleanup, options: { name: string; script: string; env: Record<string, string>; port: number; healthPath: string; logDir: string; startTimeoutMs?: number }): DrillProcess {
  const url = `http://127.0.0.1:${options.port}`;
  let current: Child | undefined;
  let starts = 0;
  const stop = async (graceMs = 15_000) => {
    const child = current;
    current = undefined;
    if (child) await stopChild(child, graceMs);
  };
  cleanup.add(options.name, () => stop(5_000));
  return {
    name: options.name,
    url,
    child: () => current,
    starts: () => starts,
    async start() {
      if (current && !current.hasExited()) throw new Error(`${options.name} is already running`);
      starts += 1;
      const logFile = join(options.logDir, `${options.name}-${starts}.log`);
      const child = spawnChild({ name: options.name, command: process.execPath, args: [join(ROOT, options.script)], env: options.env, cwd: ROOT, logFile });
      current = child;
      await waitFor(
        `${options.name} at ${url}${options.healthPath}`,
        async () => ((await fetch(`${url}${options.healthPath}`, { signal: AbortSignal.timeout(2_000) })).ok ? true : undefined),
        { timeoutMs: options.startTimeoutMs ?? 120_000, intervalMs: 200, abortIf: () => (child.hasExited() ? `${options.name} exited:\n${tail(logFile)}` : undefined) },
      );
    },
    async kill() {
      const child = current;
      current = undefined;
      if (!child) return;
      child.signal('SIGKILL');
      await child.exited;
    },
    stop,
  };
}

/** The API (api/server.ts) on its own port; healthy when /api/livez answers. */
export async function drillApi(cleanup: Cleanup, options: { env: Record<string, string>; logDir: string; port?: number; name?: string }): Promise<DrillProcess> {
  const port = options.port ?? (await freePort());
  return drillProcess(cleanup, { name: options.name ?? 'api', script: 'api/server.ts', env: { ...options.env, API_HOST: '127.0.0.1', API_PORT: String(port), PUBLIC_API_URL: `http://127.0.0.1:${port}` }, port, healthPath: '/api/livez', logDir: options.logDir });
}

/** A worker (temporal/worker.ts) with its health server on its own port; healthy when /healthz answers. */
export async function drillWorker(cleanup: Cleanup, options: { env: Record<string, string>; logDir: string; port?: number; name?: string }): Promise<DrillProcess> {
  const port = options.port ?? (await freePort());
  return drillProcess(cleanup, { name: options.name ?? 'worker', script: 'temporal/worker.ts', env: { ...options.env, WORKER_HEALTH_HOST: '127.0.0.1', WORKER_HEALTH_PORT: String(port) }, port, healthPath: '/healthz', logDir: options.logDir });
}

// ---------------------------------------------------------------------------------------------------------------
// Users and HTTP.

export interface DrillOwner {
  token: string;
  accountId: string;
  userId: string;
  email: string;
  password: string;
  /** fetch against the API with this owner's bearer token; JSON in and out. */
  call(method: string, path: string, body?: unknown): Promise<{ status: number; json: unknown; text: string }>;
}

/** Signs a new owner up through the API and confirms their address in the database (no mailbox to click in). */
export async function signUpOwner(apiUrl: string, databaseUrl: string, accountName = 'Drill team'): Promise<DrillOwner> {
  const email = `drill-${randomBytes(4).toString('hex')}@example.com`;
  const password = 'a sturdy drill passphrase';
  const res = await fetch(`${apiUrl}/api/auth/signup`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email, password, name: 'Drill owner', accountName }) });
  if (res.status !== 201) throw new Error(`sign-up failed: ${res.status} ${await res.text()}`);
  const body = (await res.json()) as { accessToken: string; user: { id: string }; account: { accountId: string } };
  const sql = createSql(databaseUrl, { max: 1, applicationName: 'insights-drill' });
  try {
    await markEmailVerified(sql, body.user.id, email);
  } finally {
    await sql.end();
  }
  const call = async (method: string, path: string, payload?: unknown) => {
    const r = await fetch(`${apiUrl}${path}`, {
      method,
      headers: { authorization: `Bearer ${body.accessToken}`, ...(payload === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(payload === undefined ? {} : { body: JSON.stringify(payload) }),
    });
    const text = await r.text();
    let json: unknown;
    try {
      json = text ? JSON.parse(text) : undefined;
    } catch {
      json = undefined;
    }
    return { status: r.status, json, text };
  };
  return { token: body.accessToken, accountId: body.account.accountId, userId: body.user.id, email, password, call };
}

export interface LoadOutcome<T> {
  index: number;
  /** HTTP status, or 0 when the request failed without an answer (connection refused or reset, timeout). */
  status: number;
  error?: string;
  ms: number;
  value?: T;
}

/**
 * Runs `send(i)` for i in [0, total) with at most `concurrency` in flight; `onProgress` sees the number finished so
 * far (to kill something mid-way). A send that throws is an outcome with status 0, never a crash of the drill.
 */
export async function runLoad<T = undefined>(options: {
  total: number;
  concurrency: number;
  send: (index: number) => Promise<{ status: number; value?: T }>;
  onProgress?: (finished: number) => void;
}): Promise<LoadOutcome<T>[]> {
  const outcomes: LoadOutcome<T>[] = new Array(options.total);
  let next = 0;
  let finished = 0;
  const lane = async () => {
    for (;;) {
      const index = next++;
      if (index >= options.total) return;
      const started = performance.now();
      try {
        const { status, value } = await options.send(index);
        outcomes[index] = { index, status, ms: performance.now() - started, ...(value === undefined ? {} : { value }) };
      } catch (err) {
        outcomes[index] = { index, status: 0, ms: performance.now() - started, error: errorText(err) };
      }
      finished += 1;
      options.onProgress?.(finished);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, options.concurrency) }, lane));
  return outcomes;
}

export function errorText(err: unknown): string {
  if (err instanceof Error) {
    const cause = (err as { cause?: unknown }).cause;
    const code = cause && typeof cause === 'object' && 'code' in cause ? String((cause as { code: unknown }).code) : undefined;
    return code ?? err.name ?? err.message;
  }
  return String(err);
}

/** Counts outcomes by status (0 = no answer, named by error). */
export function statusCounts(outcomes: readonly LoadOutcome<unknown>[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const o of outcomes) {
    const key = o.status === 0 ? `no answer (${o.error ?? 'error'})` : String(o.status);
    counts[key] = (counts[key] ?? 0) + 1;
  }
  return counts;
}

export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

export async function withSql<T>(url: string, fn: (sql: Sql) => Promise<T>): Promise<T> {
  const sql = createSql(url, { max: 1, applicationName: 'insights-drill' });
  try {
    return await fn(sql);
  } finally {
    await sql.end({ timeout: 5 });
  }
}

// ---------------------------------------------------------------------------------------------------------------
// The report: docs/reliability.md, one section per drill between its markers.

export function machineLine(): string {
  const cpu = cpus()[0]?.model.trim() ?? 'unknown';
  return `${cpu}, ${cpus().length} cores, ${Math.round((totalmem() / 2 ** 30) * 10) / 10} GiB RAM, ${platform()} ${release()}, Node ${process.version}`;
}

export function markdownTable(header: readonly string[], rows: ReadonlyArray<readonly (string | number)[]>): string {
  const line = (cells: readonly (string | number)[]) => `| ${cells.join(' | ')} |`;
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n');
}

const HEADER = `# Reliability drills

Each drill starts the platform's real parts as separate processes (a throwaway PostgreSQL cluster, the Temporal dev
server, the API, a worker), puts load on it, kills one part mid-way and checks that nothing acknowledged was lost or
doubled. Run one with \`npm run drill:<name>\`; it rewrites only its own section below, between its markers, with the
numbers of that run. Logs of the last run are in \`test-results/drills/<name>/\`.
`;

/** Replaces (or appends) drill `name`'s section of docs/reliability.md. */
export function writeReliabilitySection(name: string, markdown: string): void {
  const start = `<!-- drill:${name}:start -->`;
  const end = `<!-- drill:${name}:end -->`;
  const block = `${start}\n${markdown.trim()}\n${end}`;
  const current = existsSync(RELIABILITY_DOC) ? readFileSync(RELIABILITY_DOC, 'utf8') : HEADER;
  const from = current.indexOf(start);
  const to = current.indexOf(end);
  const next = from !== -1 && to > from ? `${current.slice(0, from)}${block}${current.slice(to + end.length)}` : `${current.trimEnd()}\n\n${block}\n`;
  // Written beside and renamed, so an interrupted run (or another drill writing at once) never leaves half a document.
  const temporary = join(dirname(RELIABILITY_DOC), `.reliability.md.${process.pid}.tmp`);
  writeFileSync(temporary, next);
  renameSync(temporary, RELIABILITY_DOC);
}

/** Runs a drill's main with a Cleanup, prints a failure, and exits 0 (passed) or 1 (failed or crashed). */
export function runDrill(name: string, main: (cleanup: Cleanup) => Promise<boolean>): void {
  const cleanup = new Cleanup();
  const started = Date.now();
  // A promise rejected outside main's chain (a restart in a load callback, say) must not leave processes behind.
  process.on('unhandledRejection', (err) => {
    console.error(`drill ${name} crashed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
    void cleanup.run().finally(() => process.exit(1));
  });
  main(cleanup)
    .then(
      async (passed) => {
        await cleanup.run();
        log(`drill ${name} ${passed ? 'PASSED' : 'FAILED'} in ${Math.round((Date.now() - started) / 1000)} s`);
        process.exit(passed ? 0 : 1);
      },
      async (err: unknown) => {
        console.error(`drill ${name} crashed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
        await cleanup.run();
        process.exit(1);
      },
    );
}
