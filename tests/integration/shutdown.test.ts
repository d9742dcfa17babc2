// Graceful shutdown of real processes: SIGTERM to the API lets an in-flight request finish while new ones are refused;
// SIGTERM to a worker stops its polling, lets the in-flight activity finish on it, and then it exits.
import { request as httpRequest, type ClientRequest, type IncomingMessage } from 'node:http';
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { childEnv, type Config } from '../../config.ts';
import { getJob, listEchoMessages } from '../../db/jobs.ts';
import { withAccount } from '../../db/tenancy.ts';
import { spawnChild, stopChild, type Child } from '../../devkit/processes.ts';
import { connectTemporal, type TemporalClient } from '../../temporal/client.ts';
import { freePort } from '../../devkit/ports.ts';
import { TEST_JWT_SECRET, TEST_MASTER_KEY, buildTestApp, signUp, type SignedIn } from '../../devkit/app.ts';
import { createTestDatabase, spawnWorkerProcess, startWorker, testConfig, waitFor, waitForPoller, type RunningWorker, type TestDatabase } from '../helpers.ts';

let db: TestDatabase;
let config: Config;
let temporal: TemporalClient;
let app: FastifyInstance;
let user: SignedIn;
const children: Child[] = [];
let spare: RunningWorker | undefined;

beforeAll(async () => {
  db = await createTestDatabase();
  config = testConfig(db.url);
  temporal = await connectTemporal({ address: config.temporal.address!, namespace: config.temporal.namespace });
  app = await buildTestApp(config, db.sql, temporal);
  user = await signUp(app);
});

afterAll(async () => {
  for (const c of children) await stopChild(c, 5_000);
  await spare?.stop();
  await app?.close();
  await temporal?.close();
  await db?.drop();
});

/** GET on a fresh connection: the status, or the connection error's code (ECONNREFUSED once the listener closed). */
function probe(url: string): Promise<number | string> {
  return new Promise((done) => {
    const req = httpRequest(url, { agent: false, headers: { connection: 'close' } }, (res) => {
      res.resume();
      res.on('end', () => done(res.statusCode ?? 0));
    });
    req.on('error', (err: NodeJS.ErrnoException) => done(err.code ?? err.message));
    req.end();
  });
}

function logOf(file: string): string {
  return existsSync(file) ? readFileSync(file, 'utf8') : '';
}

it('lets an in-flight API request finish after SIGTERM while new connections are refused, then exits 0', async () => {
  const port = await freePort();
  const logFile = resolve('test-results', `shutdown-api-${port}.log`);
  const api = spawnChild({
    name: 'shutdown-api',
    command: process.execPath,
    args: [resolve('api', 'server.ts')],
    env: childEnv({
      NODE_ENV: 'test',
      LOG_LEVEL: 'info',
      DATABASE_URL: config.database.url!,
      TEMPORAL_ADDRESS: config.temporal.address!,
      TEMPORAL_TASK_QUEUE: config.temporal.taskQueue,
      API_HOST: '127.0.0.1',
      API_PORT: String(port),
      JWT_SECRET: TEST_JWT_SECRET,
      INSIGHTS_MASTER_KEY: TEST_MASTER_KEY,
    }),
    logFile,
  });
  children.push(api);
  const base = `http://127.0.0.1:${port}`;
  await waitFor('the API to be ready', async () => ((await probe(`${base}/api/readyz`)) === 200 ? true : undefined), {
    timeoutMs: 90_000,
    intervalMs: 200,
    abortIf: () => (api.hasExited() ? 'the API exited' : undefined),
  });

  // A sign-in whose body is only half sent: the request is in flight when SIGTERM arrives.
  const body = JSON.stringify({ email: 'nobody@example.com', password: 'not-the-password-at-all' });
  const requestId = `shutdown-${port}`;
  let req: ClientRequest;
  const answered = new Promise<{ status: number; body: string }>((done, fail) => {
    req = httpRequest(`${base}/api/auth/signin`, {
      method: 'POST',
      agent: false,
      headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), 'x-request-id': requestId },
    });
    req.on('response', (res: IncomingMessage) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (text += c));
      res.on('end', () => done({ status: res.statusCode ?? 0, body: text }));
    });
    req.on('error', fail);
  });
  req!.write(body.slice(0, 10));
  // The API has the request (Fastify logs it on arrival) before it is told to stop.
  await waitFor('the API to receive the request', () => (logOf(logFile).includes(requestId) ? true : undefined), { timeoutMs: 10_000, intervalMs: 20 });

  api.signal('SIGTERM');
  await waitFor('the API to start closing', () => (/"msg":"closing"/.test(logOf(logFile)) ? true : undefined), { timeoutMs: 10_000, intervalMs: 20 });
  // New connections are refused once the listener is closed (readiness probes fail with them).
  const refused = await waitFor('new connections to be refused', async () => {
    const r = await probe(`${base}/api/livez`);
    return r === 'ECONNREFUSED' || r === 503 ? r : undefined;
  }, { timeoutMs: 10_000, intervalMs: 50 });
  expect(['ECONNREFUSED', 503]).toContain(refused);
  expect(api.hasExited()).toBe(false);

  // The rest of the body: the request is answered by its route (a refused sign-in), not by a shutdown error.
  req!.end(body.slice(10));
  const res = await answered;
  expect(res.status).toBe(401);
  expect(JSON.parse(res.body)).toMatchObject({ error: { code: expect.any(String) } });
  expect(await api.exited).toBe(0);
});

it('lets a worker finish its in-flight activity after SIGTERM, reporting not ready while it drains, then exit 0', async () => {
  const healthPort = await freePort();
  const worker = spawnWorkerProcess(config, 'shutdown-worker', { WORKER_HEALTH_PORT: String(healthPort), WORKER_SHUTDOWN_GRACE_SECONDS: '60' });
  children.push(worker);
  const health = `http://127.0.0.1:${healthPort}`;
  await waitForPoller(temporal, config, `worker-${worker.process.pid}@`);
  expect(await probe(`${health}/readyz`)).toBe(200);
  expect(await probe(`${health}/healthz`)).toBe(200);

  const created = await user.call({ method: 'POST', url: '/api/jobs/echo', payload: { message: 'finishes on its worker', steps: 6, stepMs: 500 } });
  expect(created.statusCode).toBe(202);
  const { job } = created.json();
  const jobRow = () => withAccount(db.sql, user.accountId, (tx) => getJob(tx, user.accountId, job.id));
  await waitFor('the activity to make progress', async () => ((await jobRow())!.progressDone >= 1 ? true : undefined), { timeoutMs: 60_000, intervalMs: 50 });

  worker.signal('SIGTERM');
  // Draining: not ready (no new work should be routed to it), still alive (it must not be killed).
  await waitFor('readiness to fail while draining', async () => ((await probe(`${health}/readyz`)) === 503 ? true : undefined), { timeoutMs: 10_000, intervalMs: 25 });
  const alive = await probe(`${health}/healthz`);
  const progressAtDrain = (await jobRow())!.progressDone;
  expect(await worker.exited).toBe(0);
  // If the worker had exited before the activity finished, liveness could not have answered; it did, or it already
  // finished in the meantime (then the connection is refused, never a 503).
  expect([200, 'ECONNREFUSED']).toContain(alive);
  expect(progressAtDrain).toBeLessThan(6);

  // The activity finished on the stopping worker: its row is written by that worker, in the first attempt.
  const rows = await withAccount(db.sql, user.accountId, (tx) => listEchoMessages(tx, user.accountId, job.id));
  expect(rows).toHaveLength(1);
  expect(rows[0]!.writtenBy).toMatch(new RegExp(`^worker-${worker.process.pid}@`));

  // Another worker takes the rest of the workflow; nothing ran twice.
  spare = await startWorker(config, db.sql, 'shutdown-spare');
  const finished = await waitFor('the job to complete', async () => {
    const row = (await jobRow())!;
    return row.status === 'completed' || row.status === 'failed' ? row : undefined;
  }, { timeoutMs: 60_000, intervalMs: 100 });
  expect(finished.status).toBe('completed');
  expect(finished.attempts).toBe(1);
});
