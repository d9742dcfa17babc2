// `npm start`: brings up PostgreSQL (or PGlite), Temporal, a PagerDuty simulator, the worker, the API and the web
// server, one line each.
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { childEnv, loadConfig, type Config } from '../config.ts';
import type { PagerDutySimulator } from '../connectors/simulators/pagerduty.ts';
import { migrate } from '../db/migrate.ts';
import { createSql, pingDatabase } from '../db/sql.ts';
import { markEmailVerified } from '../db/users.ts';
import { resolveTemporalCli, startDevServer, waitForTemporal } from '../temporal/dev-server.ts';
import { mainTaskQueue } from '../temporal/task-queues.ts';
import { DEMO_PAGERDUTY_NAME, loadDemoPagerDutyState, portOf, saveDemoPagerDutyState, startDemoPagerDuty, type DemoPagerDutyState } from './lib/demo-pagerduty.ts';
import { spawnChild, stopChild, waitFor, type Child } from '../devkit/processes.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const config = (() => {
  try {
    return loadConfig();
  } catch (err) {
    // A wrong setting names its variable; a stack trace would only hide that.
    console.error(`✘ ${err instanceof Error ? err.message : String(err)}`);
    process.exit(2);
  }
})();
const logDir = join(config.dataDir, 'logs');
const children: Child[] = [];
/** Everything started, in order (the children and the in-process PagerDuty simulator): stopped in reverse. */
const parts: { name: string; stop(): Promise<void> }[] = [];
/** The web build is not a part of the platform (its end is no failure), but Ctrl-C must stop it too. */
const builds: Child[] = [];
let stopping = false;

const color = process.stdout.isTTY ? (code: number, s: string) => `\x1b[${code}m${s}\x1b[0m` : (_: number, s: string) => s;
const ok = (part: string, text: string) => console.log(`${color(32, '✔')} ${part.padEnd(9)} ${text}`);
const info = (text: string) => console.log(color(2, `  ${text}`));

function tail(file: string, lines = 15): string {
  try {
    return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

async function assertPortFree(port: number, variable: string): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    const server = createServer();
    server.once('error', () => reject(new Error(`port ${port} is in use: stop what uses it or set ${variable} to another port`)));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve()));
  });
}

/** Every child is tracked from the moment it exists, so Ctrl-C during start-up stops it too. */
function track(child: Child): Child {
  children.push(child);
  parts.push({ name: child.name, stop: () => stopChild(child, 15_000) });
  watch(child);
  return child;
}

function nodeChild(name: string, script: string, env: Record<string, string>): Child {
  return track(
    spawnChild({
      name,
      command: process.execPath,
      args: [join(ROOT, script)],
      env,
      cwd: ROOT,
      logFile: join(logDir, `${name}.log`),
      detached: true,
    }),
  );
}

/** A part that dies while we are running takes the platform down, with its log's last lines on screen. */
function watch(child: Child): void {
  void child.exited.then((code) => {
    if (stopping) return;
    console.error(`\n${color(31, '✘')} ${child.name} exited (${code}); last lines of ${join(logDir, `${child.name}.log`)}:\n${tail(join(logDir, `${child.name}.log`))}`);
    void shutdown(1);
  });
}

const exitedEarly = (child: Child) => () => (child.hasExited() ? `${child.name} exited; see ${join(logDir, `${child.name}.log`)}` : undefined);

async function httpOk(url: string): Promise<true | undefined> {
  const res = await fetch(url, { signal: AbortSignal.timeout(2_000) });
  return res.ok ? true : undefined;
}

function newestMtime(path: string): number {
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  let newest = stat.mtimeMs;
  for (const entry of readdirSync(path)) newest = Math.max(newest, newestMtime(join(path, entry)));
  return newest;
}

async function buildWebIfStale(): Promise<void> {
  const web = join(ROOT, 'web');
  const output = join(web, 'build', 'index.js');
  const sources = ['src', 'static', 'svelte.config.js', 'vite.config.ts', 'package.json'].map((p) => join(web, p)).filter(existsSync);
  if (existsSync(output) && Math.max(...sources.map(newestMtime)) <= statSync(output).mtimeMs) return;
  info('building the web app (first start or changed sources) ...');
  const build = spawnChild({ name: 'web-build', command: 'npm', args: ['run', 'build', '--workspace', 'web'], cwd: ROOT, logFile: join(logDir, 'web-build.log'), env: childEnv({}, { withoutSecrets: true }), detached: true });
  builds.push(build);
  const code = await build.exited;
  if (stopping) return;
  if (code !== 0) throw new Error(`the web build failed (${code}):\n${tail(join(logDir, 'web-build.log'))}`);
}

async function startDatabase(): Promise<string> {
  if (config.database.url) {
    const sql = createSql(config.database.url, { max: 1 });
    try {
      const version = await waitFor('PostgreSQL at DATABASE_URL', () => pingDatabase(sql), { timeoutMs: 30_000, intervalMs: 500 });
      ok('postgres', `${redactUrl(config.database.url)} (PostgreSQL ${version}, from DATABASE_URL)`);
    } finally {
      await sql.end();
    }
    return config.database.url;
  }
  await assertPortFree(config.database.embeddedPort, 'PGLITE_PORT');
  const child = nodeChild('postgres', 'db/embedded.ts', childEnv({}, { withoutSecrets: true }));
  const url = `postgres://postgres:postgres@127.0.0.1:${config.database.embeddedPort}/postgres`;
  const sql = createSql(url, { max: 1 });
  try {
    await waitFor('the embedded database', () => pingDatabase(sql), { timeoutMs: 60_000, intervalMs: 300, abortIf: exitedEarly(child) });
  } finally {
    await sql.end();
  }
  ok('postgres', `${url}  (embedded PGlite + pgvector, data in ${join(config.dataDir, 'pglite')})`);
  return url;
}

async function startTemporal(): Promise<{ address: string; uiUrl: string | undefined }> {
  if (config.temporal.address) {
    await waitForTemporal(config.temporal.address, 30_000);
    ok('temporal', `${config.temporal.address}  namespace ${config.temporal.namespace} (from TEMPORAL_ADDRESS)${config.temporal.uiUrl ? `  Web UI ${config.temporal.uiUrl}` : ''}`);
    return { address: config.temporal.address, uiUrl: config.temporal.uiUrl };
  }
  await assertPortFree(config.temporal.devServerPort, 'TEMPORAL_PORT');
  await assertPortFree(config.temporal.uiPort, 'TEMPORAL_UI_PORT');
  const cliPath = resolveTemporalCli({ explicitPath: config.temporal.cliPath, searchPath: config.searchPath, toolsDir: config.toolsDir, install: true, log: info });
  const server = await startDevServer({
    cliPath,
    port: config.temporal.devServerPort,
    uiPort: config.temporal.uiPort,
    dbFile: join(config.dataDir, 'temporal', 'temporal.db'),
    namespace: config.temporal.namespace,
    logFile: join(logDir, 'temporal.log'),
    detached: true,
    env: childEnv({}, { withoutSecrets: true }),
    onSpawn: track,
  });
  ok('temporal', `${server.address}  Web UI ${server.uiUrl}  (temporal server start-dev, data in ${join(config.dataDir, 'temporal')})`);
  // An explicit TEMPORAL_UI_URL (say, behind a proxy) wins over the local address for links in the product.
  return { address: server.address, uiUrl: config.temporal.uiUrl ?? server.uiUrl };
}

function redactUrl(raw: string): string {
  const url = new URL(raw);
  if (url.password) url.password = '***';
  return url.toString();
}

async function shutdown(code: number): Promise<never> {
  if (stopping) return new Promise<never>(() => {});
  stopping = true;
  console.log('\nstopping ... (Ctrl-C again to kill at once)');
  for (const build of builds) await stopChild(build, 5_000);
  // Reverse order: the web and the API first, the databases last, so nothing loses its backend mid-request.
  for (const part of [...parts].reverse()) {
    await part.stop().catch((err: unknown) => info(`${part.name} did not stop cleanly: ${err instanceof Error ? err.message : String(err)}`));
    info(`${part.name} stopped`);
  }
  process.exit(code);
}

/** A second Ctrl-C while stopping: kill what is left (the `exit` handler does) and go. */
function onSignal(): void {
  if (stopping) process.exit(130);
  void shutdown(0);
}

async function main(config: Config): Promise<void> {
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(signal, onSignal);
  // Last resort if this process dies of an error: leave no child behind.
  process.on('exit', () => {
    for (const child of [...builds, ...children]) child.signal('SIGKILL');
  });
  console.log(`Incident Insights, data in ${config.dataDir}, logs in ${logDir}`);

  if (config.worker.healthPort === 0) throw new Error('WORKER_HEALTH_PORT=0 turns off the health endpoint that `npm start` waits on; pick a port');
  for (const [port, variable] of [[config.worker.healthPort, 'WORKER_HEALTH_PORT'], [config.api.port, 'API_PORT'], [config.web.port, 'WEB_PORT']] as const) {
    await assertPortFree(port, variable);
  }
  const [databaseUrl, temporal] = await Promise.all([startDatabase(), startTemporal()]);
  const sql = createSql(databaseUrl, { max: 1, applicationName: 'incident-insights-start' });
  try {
    const result = await migrate(sql);
    info(`database schema at version ${result.current}${result.applied.length ? ` (applied ${result.applied.join(', ')})` : ''}`);
  } finally {
    await sql.end();
  }

  const env = childEnv({
    DATABASE_URL: databaseUrl,
    JWT_SECRET: persistentSecret(config.secrets.jwtSecret, 'jwt-secret', () => randomBytes(48).toString('base64url')),
    INSIGHTS_MASTER_KEY: persistentSecret(config.secrets.masterKey, 'master-key', () => randomBytes(32).toString('base64')),
    TEMPORAL_ADDRESS: temporal.address,
    ...(temporal.uiUrl ? { TEMPORAL_UI_URL: temporal.uiUrl } : {}),
  });
  // Before the worker: a history import the last run left unfinished resumes as soon as the worker is up.
  const pagerduty = await startPagerDuty();
  const webBuild = buildWebIfStale();
  // Awaited below; a failure meanwhile must stop the platform with its message, not crash as unhandled.
  webBuild.catch(() => {});

  const worker = nodeChild('worker', 'temporal/worker.ts', env);
  // Readiness: every worker of the process polls (liveness, /healthz, answers while it is still starting).
  const workerHealth = `http://127.0.0.1:${config.worker.healthPort}/readyz`;
  await waitFor('the worker', () => httpOk(workerHealth), { timeoutMs: 120_000, intervalMs: 300, abortIf: exitedEarly(worker) });
  ok('worker', `task queue ${mainTaskQueue(config)}  health ${workerHealth}`);

  const api = nodeChild('api', 'api/server.ts', env);
  const apiUrl = `http://127.0.0.1:${config.api.port}`;
  await waitFor('the API', () => httpOk(`${apiUrl}/api/livez`), { timeoutMs: 60_000, intervalMs: 300, abortIf: exitedEarly(api) });
  ok('api', `${apiUrl}  OpenAPI ${apiUrl}/docs  health ${apiUrl}/api/health`);

  await webBuild;
  const web = spawnChild({
    name: 'web',
    command: process.execPath,
    args: [join(ROOT, 'web', 'build', 'index.js')],
    cwd: ROOT,
    logFile: join(logDir, 'web.log'),
    detached: true,
    env: childEnv({ HOST: config.web.host, PORT: String(config.web.port), ORIGIN: config.web.origin, API_URL: apiUrl }, { withoutSecrets: true }),
  });
  track(web);
  const webUrl = `http://127.0.0.1:${config.web.port}`;
  await waitFor('the web server', () => httpOk(webUrl), { timeoutMs: 60_000, intervalMs: 300, abortIf: exitedEarly(web) });
  ok('web', webUrl);

  const demo = await seedDemo(apiUrl, databaseUrl, pagerduty);
  await waitFor('all parts healthy', () => httpOk(`${apiUrl}/api/health`), { timeoutMs: 90_000, intervalMs: 500 });
  console.log(`\n${color(1, 'Ready')}: open ${webUrl}  (Ctrl-C stops everything)`);
  if (demo) console.log(`  sign in as ${demo.email} with password ${demo.password}  (kept in ${join(config.dataDir, 'demo-credentials.json')})`);
}

const DEMO_EMAIL = 'demo@incident-insights.local';

/**
 * The demo account's PagerDuty: a simulator on loopback, in this process, with a generated history that is the same
 * on every start (see scripts/lib/demo-pagerduty.ts). Off where integrations may not name their own API host.
 */
async function startPagerDuty(): Promise<{ simulator: PagerDutySimulator; state: DemoPagerDutyState } | undefined> {
  if (!config.ingestion.allowCustomVendorUrls) {
    info('demo data: no PagerDuty simulator (ALLOW_CUSTOM_VENDOR_URLS is off, so the API would refuse its address)');
    return undefined;
  }
  const state = loadDemoPagerDutyState(config.dataDir);
  const simulator = await startDemoPagerDuty(state);
  parts.push({ name: 'pagerduty', stop: () => simulator.close() });
  const { incidents, start, end } = simulator.dataset;
  const day = (ms: number) => new Date(ms).toISOString().slice(0, 10);
  ok('pagerduty', `${simulator.url}  (simulator: ${incidents.length.toLocaleString('en')} incidents, ${day(start)} to ${day(end)}, for the demo account)`);
  return { simulator, state };
}

/**
 * Demo data on a fresh platform: a demo user (owner of the "Demo team" account) whose password is kept in
 * .data/demo-credentials.json, one echo job, so the first page shows a job and the Temporal UI a workflow, and the
 * PagerDuty simulator connected as an integration, whose history import (a backfill workflow) fills the dashboard.
 */
async function seedDemo(
  apiUrl: string,
  databaseUrl: string,
  pagerduty: { simulator: PagerDutySimulator; state: DemoPagerDutyState } | undefined,
): Promise<{ email: string; password: string } | undefined> {
  const file = join(config.dataDir, 'demo-credentials.json');
  const post = (path: string, body: unknown, token?: string) =>
    fetch(`${apiUrl}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: JSON.stringify(body),
    });
  let credentials: { email: string; password: string };
  let res: Response;
  if (existsSync(file)) {
    credentials = JSON.parse(readFileSync(file, 'utf8')) as { email: string; password: string };
    res = await post('/api/auth/signin', credentials);
    if (!res.ok) {
      info(`demo data: the demo user's sign-in was refused (${res.status}); delete ${file} to make a new one`);
      return undefined;
    }
  } else {
    // Hex: nothing in it a shell or a copy-paste would trip over (base64url can start with '-').
    credentials = { email: DEMO_EMAIL, password: randomBytes(12).toString('hex') };
    res = await post('/api/auth/signup', { ...credentials, name: 'Demo user', accountName: 'Demo team' });
    if (res.status === 409) {
      info(`demo data: ${DEMO_EMAIL} exists but its password is unknown (${file} is gone)`);
      return undefined;
    }
    if (!res.ok) throw new Error(`seeding the demo user failed: ${res.status} ${await res.text()}`);
    writeFileSync(file, `${JSON.stringify(credentials, null, 2)}\n`, { mode: 0o600 });
    // The demo address has no mailbox to open a confirmation link in: confirm it here, so the demo can invite.
    const sql = createSql(databaseUrl, { max: 1, applicationName: 'incident-insights-start' });
    try {
      const user = (await res.clone().json()) as { user: { id: string } };
      await markEmailVerified(sql, user.user.id, DEMO_EMAIL);
    } finally {
      await sql.end();
    }
    info('demo data: created the demo user and the "Demo team" account');
  }
  const { accessToken } = (await res.json()) as { accessToken: string };
  const list = await fetch(`${apiUrl}/api/jobs?limit=1`, { headers: { authorization: `Bearer ${accessToken}` } });
  if (!list.ok) throw new Error(`seeding the demo data: GET /api/jobs answered ${list.status} ${await list.text()}`);
  const { jobs } = (await list.json()) as { jobs: unknown[] };
  if (jobs.length === 0) {
    const started = await post('/api/jobs/echo', { message: 'Hello from Incident Insights', steps: 10, stepMs: 300 }, accessToken);
    if (!started.ok) throw new Error(`seeding the demo job failed: ${started.status} ${await started.text()}`);
    info('demo data: started an echo job');
  }
  // The platform works without it: a refusal is shown, not fatal.
  if (pagerduty) {
    await connectDemoPagerDuty(apiUrl, accessToken, pagerduty.simulator, pagerduty.state).catch((err: unknown) =>
      info(`demo data: could not connect the PagerDuty simulator: ${err instanceof Error ? err.message : String(err)}`),
    );
  }
  return credentials;
}

/**
 * An account without integrations gets the simulator connected (which starts its history import; `Ready` does not
 * wait for it). The demo integration already connected gets the simulator's new address when its port was taken.
 */
async function connectDemoPagerDuty(apiUrl: string, accessToken: string, simulator: PagerDutySimulator, state: DemoPagerDutyState): Promise<void> {
  const call = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`${apiUrl}${path}`, {
      method,
      headers: { authorization: `Bearer ${accessToken}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    if (!res.ok) throw new Error(`seeding the demo data: ${method} ${path} answered ${res.status} ${await res.text()}`);
    return res.json() as Promise<unknown>;
  };
  const credentials = { apiKey: state.apiKey, baseUrl: simulator.url };
  const port = portOf(simulator.url);
  const { integrations } = (await call('GET', '/api/integrations')) as { integrations: { id: string; kind: string; name: string }[] };
  if (integrations.length === 0) {
    // From the history's first day (not `days` back from now): the whole history, however long ago it was made.
    const created = (await call('POST', '/api/integrations', { kind: 'pagerduty', name: DEMO_PAGERDUTY_NAME, credentials, settings: { history: { since: new Date(simulator.dataset.start).toISOString() } } })) as {
      integration: { id: string };
    };
    saveDemoPagerDutyState(config.dataDir, { ...state, port, integrationId: created.integration.id });
    info(`demo data: connected the PagerDuty simulator (${simulator.dataset.incidents.length.toLocaleString('en')} incidents); its history import runs in the background (Jobs page)`);
    return;
  }
  // Found by id, or by name if the state file was lost (then its key is new, and the integration needs it).
  const demo = integrations.find((i) => i.id === state.integrationId) ?? integrations.find((i) => i.kind === 'pagerduty' && i.name === DEMO_PAGERDUTY_NAME);
  if (!demo) {
    saveDemoPagerDutyState(config.dataDir, { ...state, port });
    return;
  }
  if (demo.id !== state.integrationId || state.port !== port) {
    await call('PATCH', `/api/integrations/${demo.id}`, { credentials });
    info(`demo data: gave the demo integration the PagerDuty simulator's ${state.port !== port ? `new address ${simulator.url}` : 'key'}`);
  }
  saveDemoPagerDutyState(config.dataDir, { ...state, port, integrationId: demo.id });
}

/**
 * A secret from the environment, or one generated on first start and kept in .data/secrets (mode 0600), so sessions
 * (JWT_SECRET) and stored credentials (INSIGHTS_MASTER_KEY) survive restarts.
 */
function persistentSecret(fromEnv: string | undefined, file: string, generate: () => string): string {
  if (fromEnv) return fromEnv;
  const path = join(config.dataDir, 'secrets', file);
  if (!existsSync(path)) {
    mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
    writeFileSync(path, generate(), { mode: 0o600 });
  }
  return readFileSync(path, 'utf8').trim();
}

main(config).catch((err: unknown) => {
  if (stopping) return; // a part died and was already reported
  console.error(`\n${color(31, '✘')} ${err instanceof Error ? err.message : String(err)}`);
  void shutdown(1);
});
