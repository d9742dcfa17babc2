// Shared test plumbing: a fresh database per file, a config pointing at the test servers, a worker, polling.
import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { DefaultLogger, NativeConnection, Runtime, bundleWorkflowCode, type Worker, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, inject } from 'vitest';
import { connectTemporal, listWorkflowPollers, type TemporalClient } from '../temporal/client.ts';
import { childEnv, loadConfig, type Config } from '../config.ts';
import { migrate } from '../db/migrate.ts';
import { secretBoxOf } from '../db/secret-box.ts';
import { createSql, type Sql } from '../db/sql.ts';
import { ensureSearchAttributes } from '../temporal/search-attributes.ts';
import { WORKFLOWS_PATH, createAutomationWorker, createWorker } from '../temporal/worker.ts';
import { buildTestApp, emailedToken, signUp, TEST_JWT_SECRET, TEST_MASTER_KEY, type SignedIn } from '../devkit/app.ts';
import { spawnChild, waitFor, type Child } from '../devkit/processes.ts';

export { waitFor };

// Workers in tests log warnings and errors only (state changes at INFO drown the test output).
Runtime.install({ logger: new DefaultLogger('WARN') });

export interface TestDatabase {
  url: string;
  /** As the application connects: the database's owner, not a superuser, so row-level security applies. */
  sql: Sql;
  /** A superuser on the same database: for assertions that must see every row, whatever the policies say. */
  admin: Sql;
  drop(): Promise<void>;
}

/** A new, migrated database on the test server, so test files never see each other's rows. */
export async function createTestDatabase(options: { migrate?: boolean } = {}): Promise<TestDatabase> {
  const appUrl = new URL(inject('databaseUrl'));
  const name = `insights_test_${randomBytes(6).toString('hex')}`;
  const server = createSql(inject('adminDatabaseUrl'), { max: 1 });
  await server`create database ${server(name)} owner ${server(decodeURIComponent(appUrl.username) || 'postgres')}`;
  appUrl.pathname = `/${name}`;
  const adminUrl = new URL(inject('adminDatabaseUrl'));
  adminUrl.pathname = `/${name}`;
  const sql = createSql(appUrl.toString(), { max: 10, applicationName: 'insights-test' });
  const admin = createSql(adminUrl.toString(), { max: 2, applicationName: 'insights-test-admin' });
  if (options.migrate ?? true) await migrate(sql);
  return {
    url: appUrl.toString(),
    sql,
    admin,
    async drop() {
      await sql.end({ timeout: 5 });
      await admin.end({ timeout: 5 });
      await server`drop database if exists ${server(name)} with (force)`;
      await server.end();
    },
  };
}

/** A config for the test servers, with a task queue of its own so parallel files never steal each other's tasks. */
export function testConfig(databaseUrl: string, env: Record<string, string> = {}): Config {
  return loadConfig({
    NODE_ENV: 'test',
    DATABASE_URL: databaseUrl,
    TEMPORAL_ADDRESS: inject('temporalAddress'),
    TEMPORAL_TASK_QUEUE: `test-${randomBytes(4).toString('hex')}`,
    TEMPORAL_UI_URL: 'http://127.0.0.1:8233',
    WORKER_HEALTH_PORT: '0',
    JWT_SECRET: TEST_JWT_SECRET,
    INSIGHTS_MASTER_KEY: TEST_MASTER_KEY,
    // Test files sign many users up from one address; the limit itself has its own test.
    SIGNUP_RATE_LIMIT_PER_MINUTE: '10000',
    ...env,
  });
}

mkdirSync(resolve('test-results'), { recursive: true });

type MemberRole = 'admin' | 'responder' | 'viewer';

/** A new owner with a new member of the given role in the owner's account, joined by invitation. */
export async function joinedTeam(app: FastifyInstance, db: TestDatabase, role: MemberRole): Promise<{ owner: SignedIn; member: SignedIn }> {
  const owner = await signUp(app);
  return { owner, member: await invitedMember(app, db, owner, role) };
}

/** A new owner with one member of each role in the owner's account, joined by invitation. */
export async function fullTeam(app: FastifyInstance, db: TestDatabase): Promise<{ owner: SignedIn } & Record<MemberRole, SignedIn>> {
  const owner = await signUp(app);
  const members = {} as Record<MemberRole, SignedIn>;
  for (const role of ['admin', 'responder', 'viewer'] as const) members[role] = await invitedMember(app, db, owner, role);
  return { owner, ...members };
}

/** A new user who joins the owner's account with the role, by invitation (the member's session is then in it). */
async function invitedMember(app: FastifyInstance, db: TestDatabase, owner: SignedIn, role: MemberRole): Promise<SignedIn> {
  const member = await signUp(app);
  const invite = await owner.call({ method: 'POST', url: '/api/invitations', payload: { email: member.email, role } });
  if (invite.statusCode !== 201) throw new Error(`invitation failed: ${invite.statusCode} ${invite.body}`);
  const accepted = await member.call({ method: 'POST', url: '/api/invitations/accept', payload: { token: await emailedToken(db.admin, member.email, '/invitations/accept') } });
  if (accepted.statusCode !== 200) throw new Error(`accepting failed: ${accepted.statusCode} ${accepted.body}`);
  return { ...member, accountId: owner.accountId };
}

let bundle: Promise<WorkflowBundleWithSourceMap> | undefined;
/** Bundles workflows/ once per test file. */
export function workflowBundle(): Promise<WorkflowBundleWithSourceMap> {
  bundle ??= bundleWorkflowCode({ workflowsPath: WORKFLOWS_PATH, logger: quietLogger });
  return bundle;
}

const quietLogger = { trace() {}, debug() {}, info() {}, warn() {}, error: console.error, log() {} } as never;

export interface RunningWorker {
  worker: Worker;
  stop(): Promise<void>;
}

/**
 * The real worker (real activities, real database) running in this process on the config's task queue, with the
 * config's model endpoint and runbook index as runWorker gives them (none configured: local embeddings, PostgreSQL).
 */
export async function startWorker(config: Config, sql: Sql, identity?: string): Promise<RunningWorker> {
  const connection = await NativeConnection.connect({ address: config.temporal.address! });
  await ensureSearchAttributes(connection, config.temporal.namespace);
  const options = {
    connection,
    namespace: config.temporal.namespace,
    taskQueue: config.temporal.taskQueue,
    sql,
    email: config.email,
    secretBox: secretBoxOf(config),
    search: config,
    webOrigin: config.web.origin,
    workflowBundle: await workflowBundle(),
    ...(identity ? { identity } : {}),
  };
  const worker = await createWorker(options);
  // Automation steps run on their own task queue (WORKER_ROLE=all polls both, as here).
  const automation = await createAutomationWorker(options);
  const running = Promise.all([worker.run(), automation.run()]);
  await waitForState(worker, 'RUNNING');
  await waitForState(automation, 'RUNNING');
  return {
    worker,
    async stop() {
      for (const w of [worker, automation]) if (w.getState() === 'RUNNING') w.shutdown();
      await running;
      await connection.close();
    },
  };
}

async function waitForState(worker: Worker, state: string): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (worker.getState() !== state) {
    if (Date.now() > deadline) throw new Error(`worker never reached ${state} (is ${worker.getState()})`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/**
 * The worker as its own process (`temporal/worker.ts`), as operators run it: tests kill it (SIGKILL) to prove that
 * work survives a crash. Its log goes to test-results/<name>.log.
 */
export function spawnWorkerProcess(config: Config, name: string, env: Record<string, string> = {}): Child {
  return spawnChild({
    name,
    command: process.execPath,
    args: [resolve('temporal', 'worker.ts')],
    env: childEnv({
      NODE_ENV: 'test',
      DATABASE_URL: config.database.url!,
      TEMPORAL_ADDRESS: config.temporal.address!,
      TEMPORAL_TASK_QUEUE: config.temporal.taskQueue,
      WORKER_HEALTH_PORT: '0',
      INSIGHTS_MASTER_KEY: TEST_MASTER_KEY,
      ...env,
    }),
    logFile: resolve('test-results', `${name}.log`),
  });
}

/** Until a worker whose identity starts with `prefix` (`worker-<pid>@`) polls the config's task queue. */
export async function waitForPoller(temporal: TemporalClient, config: Config, prefix: string): Promise<void> {
  await waitFor(`a poller from ${prefix}`, async () => ((await listWorkflowPollers(temporal, config.temporal.taskQueue)).some((p) => p.identity.startsWith(prefix)) ? true : undefined), {
    timeoutMs: 90_000,
    intervalMs: 300,
  });
}

export interface ApiFixture {
  db: TestDatabase;
  config: Config;
  temporal: TemporalClient;
  app: FastifyInstance;
  /** With `listen`: where the API answers on loopback (for clients that need a real socket: webhooks, tools). */
  baseUrl: string;
  /** With `worker`: the real worker on the file's task queue. */
  worker: RunningWorker | undefined;
  /** A URL the API gave out (webhook URLs name the configured public address) on this test's listening port. */
  local(url: string): string;
}

/**
 * A fresh database, a Temporal client and the API for one test file (set up in beforeAll, torn down in afterAll);
 * `listen` also opens a loopback port, `worker` also runs the real worker. Read its fields inside tests and hooks.
 */
export function useApi(env: Record<string, string> = {}, options: { listen?: boolean; worker?: boolean } = {}): ApiFixture {
  const fixture = { baseUrl: '', worker: undefined, local: (url: string) => url.replace(fixture.config.api.publicUrl, fixture.baseUrl) } as unknown as ApiFixture;
  beforeAll(async () => {
    fixture.db = await createTestDatabase();
    fixture.config = testConfig(fixture.db.url, env);
    fixture.temporal = await connectTemporal({ address: fixture.config.temporal.address!, namespace: fixture.config.temporal.namespace });
    fixture.app = await buildTestApp(fixture.config, fixture.db.sql, fixture.temporal);
    if (options.listen) fixture.baseUrl = await fixture.app.listen({ host: '127.0.0.1', port: 0 });
    if (options.worker) fixture.worker = await startWorker(fixture.config, fixture.db.sql);
  });
  afterAll(async () => {
    await fixture.worker?.stop();
    await fixture.app?.close();
    await fixture.temporal?.close();
    await fixture.db?.drop();
  });
  return fixture;
}
