// Killing the worker process mid-job and starting another completes the job exactly once, resuming from its checkpoint;
// a unification batch on a killed worker is taken up again within its heartbeat timeout; so is a recluster (whose
// clustering runs in a worker thread, so the worker's heartbeats go on while it computes).
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Config } from '../../config.ts';
import { getJob, listEchoMessages } from '../../db/jobs.ts';
import { stopChild, type Child } from '../../devkit/processes.ts';
import { connectTemporal, type TemporalClient } from '../../temporal/client.ts';
import { withAccount } from '../../db/tenancy.ts';
import { encodeTimeoutType } from '@temporalio/common';
import { reclusterNowWorkflowId, unifyNowWorkflowId } from '../../workflows/index.ts';
import { expectClusterMatchesIncidents } from '../cluster-checks.ts';
import { buildTestApp, signUp, type SignedIn } from '../../devkit/app.ts';
import { createTestDatabase, spawnWorkerProcess, testConfig, waitFor, waitForPoller as waitForPollerOf, type TestDatabase } from '../helpers.ts';

let db: TestDatabase;
let config: Config;
let temporal: TemporalClient;
let app: FastifyInstance;
let user: SignedIn;
const workers: Child[] = [];

function spawnWorker(name: string): Child {
  const child = spawnWorkerProcess(config, name);
  workers.push(child);
  return child;
}

const waitForPoller = (prefix: string) => waitForPollerOf(temporal, config, prefix);

beforeAll(async () => {
  db = await createTestDatabase();
  config = testConfig(db.url);
  temporal = await connectTemporal({ address: config.temporal.address!, namespace: config.temporal.namespace });
  app = await buildTestApp(config, db.sql, temporal);
  user = await signUp(app);
});

afterAll(async () => {
  for (const w of workers) await stopChild(w, 5_000);
  await app?.close();
  await temporal?.close();
  await db?.drop();
});

it('completes a job exactly once when its worker is killed mid-activity and a new worker starts', async () => {
  const first = spawnWorker('worker-restart-first');
  await waitForPoller(`worker-${first.process.pid}@`);

  const res = await user.call({ method: 'POST', url: '/api/jobs/echo', payload: { message: 'survives a crash', steps: 24, stepMs: 250 } });
  expect(res.statusCode).toBe(202);
  const { job } = res.json();

  // Let the activity checkpoint a few steps (heartbeats go out at most every second), then kill its worker
  // without any chance to clean up.
  await waitFor('progress', async () => ((await withAccount(db.sql, user.accountId, (tx) => getJob(tx, user.accountId, job.id)))!.progressDone >= 8 ? true : undefined), { timeoutMs: 30_000, intervalMs: 50 });
  first.process.kill('SIGKILL');
  await first.exited;
  const atKill = (await withAccount(db.sql, user.accountId, (tx) => getJob(tx, user.accountId, job.id)))!;
  expect(atKill.status).toBe('running');
  expect(await withAccount(db.sql, user.accountId, (tx) => listEchoMessages(tx, user.accountId, job.id))).toHaveLength(0);

  const second = spawnWorker('worker-restart-second');
  const finished = await waitFor('the job to complete on the new worker', async () => {
    const row = (await withAccount(db.sql, user.accountId, (tx) => getJob(tx, user.accountId, job.id)))!;
    return row.status === 'completed' || row.status === 'failed' ? row : undefined;
  }, { timeoutMs: 90_000, intervalMs: 200 });

  expect(finished.status).toBe('completed');
  expect(finished.attempts).toBe(2);
  const result = finished.result as { attempt: number; resumedFrom: number; inserted: boolean };
  expect(result.attempt).toBe(2);
  // The second attempt resumed from the first one's last heartbeat, not from zero.
  expect(result.resumedFrom).toBeGreaterThan(0);
  expect(result.resumedFrom).toBeLessThanOrEqual(atKill.progressDone);
  const rows = await withAccount(db.sql, user.accountId, (tx) => listEchoMessages(tx, user.accountId, job.id));
  expect(rows).toHaveLength(1);
  expect(rows[0]!.writtenBy).toMatch(new RegExp(`^worker-${second.process.pid}@`));

  await temporal.client.workflow.getHandle(job.workflowId).result(); // the row is written just before the workflow closes
  const description = await temporal.client.workflow.getHandle(job.workflowId).describe();
  expect(description.status.name).toBe('COMPLETED');
  // One workflow run, one activity completion: nothing ran twice.
  const history = await temporal.client.workflow.getHandle(job.workflowId).fetchHistory();
  const completedActivities = (history.events ?? []).filter((e) => e.activityTaskCompletedEventAttributes).length;
  expect(completedActivities).toBe(3); // markJobRunning, writeEcho, finishJob
});

it('retries a unification batch whose worker died within the batch’s heartbeat timeout, not its 2-minute start-to-close', { timeout: 120_000 }, async () => {
  // Only this test's workers poll from here on.
  for (const w of workers.splice(0)) await stopChild(w, 5_000);
  const first = spawnWorker('unify-restart-first');
  await waitForPoller(`worker-${first.process.pid}@`);
  const created = await user.call({ method: 'POST', url: '/api/integrations', payload: { kind: 'csv', name: 'Unify crash', settings: { mapping: { fields: { externalId: 'Ticket', title: 'Summary', createdAt: 'Opened' } } } } });
  expect(created.statusCode, created.body).toBe(201);
  const integrationId = created.json().integration.id;

  // The batch blocks on the account's unification lock, held here, so the worker is surely inside it when killed.
  let release!: () => void;
  const released = new Promise<void>((r) => (release = r));
  let locked!: () => void;
  const isLocked = new Promise<void>((r) => (locked = r));
  const holder = db.admin.begin(async (tx) => {
    await tx`select pg_advisory_xact_lock(hashtextextended(${`unify:${user.accountId}`}, 0))`;
    locked();
    await released;
  });
  try {
    await isLocked;
    const csv = 'Ticket,Summary,Opened\r\nU-1,Disk full on db-7,2026-11-20T09:00:00Z\r\n';
    const uploaded = await user.call({ method: 'POST', url: `/api/integrations/${integrationId}/import`, headers: { 'content-type': 'text/csv' }, payload: csv });
    expect(uploaded.statusCode, uploaded.body).toBe(202);
    const handle = temporal.client.workflow.getHandle(unifyNowWorkflowId(user.accountId));
    await waitFor('the batch started on the first worker', async () => {
      const pending = (await handle.describe().catch(() => undefined))?.raw.pendingActivities ?? [];
      return pending.some((a) => a.activityType?.name === 'unifyBatch' && a.lastWorkerIdentity?.startsWith(`worker-${first.process.pid}@`) && Number(a.state) === 2) ? true : undefined;
    }, { timeoutMs: 30_000, intervalMs: 100 });
    first.process.kill('SIGKILL');
    await first.exited;
  } finally {
    release();
    await holder;
  }

  const second = spawnWorker('unify-restart-second');
  await waitFor('the incident unified by the second worker', async () => {
    const [{ n }] = await db.admin<[{ n: number }]>`select count(*)::int as n from incidents where integration_id = ${integrationId}`;
    return n === 1 ? true : undefined;
  }, { timeoutMs: 90_000, intervalMs: 200 });
  // A retried attempt's events are written when it completes, just after its commit: wait for the workflow's end.
  await temporal.client.workflow.getHandle(unifyNowWorkflowId(user.accountId)).result();
  const history = await temporal.client.workflow.getHandle(unifyNowWorkflowId(user.accountId)).fetchHistory();
  const events = history.events ?? [];
  // The dead worker's attempt ended on the heartbeat timeout; the next attempt ran on the second worker.
  const timedOut = events.filter((e) => e.activityTaskTimedOutEventAttributes).map((e) => e.activityTaskTimedOutEventAttributes!.failure?.timeoutFailureInfo?.timeoutType);
  const retried = events.filter((e) => e.activityTaskStartedEventAttributes && e.activityTaskStartedEventAttributes.attempt! > 1);
  expect(timedOut.length + retried.length).toBeGreaterThan(0);
  for (const e of retried) expect(e.activityTaskStartedEventAttributes!.lastFailure?.timeoutFailureInfo?.timeoutType).toBe(encodeTimeoutType('HEARTBEAT'));
  for (const type of timedOut) expect(type).toBe(encodeTimeoutType('HEARTBEAT'));
  expect(second.process.exitCode).toBeNull();
});

it('finishes a recluster whose worker is SIGKILLed during it on the next worker, with every pattern counted right', { timeout: 150_000 }, async () => {
  const handle = temporal.client.workflow.getHandle(reclusterNowWorkflowId(user.accountId));
  // The previous test's CSV upload was an import: its recluster finishes first, on the workers that are still there.
  await handle.result().catch(() => undefined);
  for (const w of workers.splice(0)) await stopChild(w, 5_000);
  // Incidents of a few patterns, none clustered yet.
  const titles = (i: number) => [`Disk pressure on batch-node-${i % 40}`, `High CPU on web-${i % 25} (9${i % 10}%)`, `Replication lag on pg-replica-${i % 3} is ${i % 90}s`][i % 3]!;
  await db.admin`
    insert into incidents (account_id, source, external_id, title, service, team, severity, status, created_at, acknowledged_at, resolved_at, observed_at)
    select ${user.accountId}, 'webhook', 'rc-' || g, t.title, 'svc-' || (g % 4), 'team-' || (g % 2), 'P3', 'resolved',
           now() - g * interval '37 minutes', now() - g * interval '37 minutes' + (g % 50) * interval '1 minute', now() - g * interval '37 minutes' + interval '2 hours', now()
    from generate_series(1, 300) g
    join lateral (select (${db.admin.json(Array.from({ length: 300 }, (_, i) => titles(i + 1)) as never)}::jsonb ->> (g - 1)) as title) t on true`;

  const first = spawnWorker('recluster-restart-first');
  await waitForPoller(`worker-${first.process.pid}@`);
  // The recluster's write waits on its lock, held here, so the worker is surely inside the recluster when killed.
  let release!: () => void;
  const released = new Promise<void>((r) => (release = r));
  let locked!: () => void;
  const isLocked = new Promise<void>((r) => (locked = r));
  const holder = db.admin.begin(async (tx) => {
    await tx`select pg_advisory_xact_lock(hashtextextended(${`recluster:${user.accountId}`}, 0))`;
    locked();
    await released;
  });
  try {
    await isLocked;
    const started = await user.call({ method: 'POST', url: '/api/clusters/recluster' });
    expect(started.statusCode, started.body).toBe(202);
    expect(started.json().started).toBe(true);
    await waitFor('the recluster writing on the first worker', async () => {
      const pending = (await handle.describe().catch(() => undefined))?.raw.pendingActivities ?? [];
      const onFirst = pending.some((a) => a.activityType?.name === 'reclusterAccount' && a.lastWorkerIdentity?.startsWith(`worker-${first.process.pid}@`));
      const [{ n }] = await db.admin<[{ n: number }]>`select count(*)::int as n from pg_stat_activity where application_name = 'incident-insights-recluster' and wait_event_type = 'Lock'`;
      return onFirst && n > 0 ? true : undefined;
    }, { timeoutMs: 60_000, intervalMs: 100 });
    first.process.kill('SIGKILL');
    await first.exited;
    expect((await user.call({ method: 'GET', url: '/api/clusters/state' })).json().state).toMatchObject({ status: 'computing', reason: 'recluster' });
  } finally {
    release();
    await holder;
  }

  const second = spawnWorker('recluster-restart-second');
  const result = await handle.result();
  const [{ total }] = await db.admin<[{ total: number }]>`select count(*)::int as total from incidents where account_id = ${user.accountId}`;
  expect(total).toBeGreaterThanOrEqual(300); // with the earlier test's incident
  expect(result.incidents).toBe(total);
  const history = await handle.fetchHistory();
  const retried = (history.events ?? []).filter((e) => e.activityTaskStartedEventAttributes && e.activityTaskStartedEventAttributes.attempt! > 1);
  expect(retried).toHaveLength(1);
  expect(retried[0]!.activityTaskStartedEventAttributes!.lastFailure?.timeoutFailureInfo?.timeoutType).toBe(encodeTimeoutType('HEARTBEAT'));
  expect(retried[0]!.activityTaskStartedEventAttributes!.identity).toMatch(new RegExp(`^worker-${second.process.pid}@`));

  // Every incident is in a pattern, and each pattern's numbers are those of its incidents.
  const state = (await user.call({ method: 'GET', url: '/api/clusters/state' })).json().state;
  expect(state).toMatchObject({ status: 'ready', failed: null });
  const list = (await user.call({ method: 'GET', url: '/api/clusters?limit=500' })).json();
  expect(list.clusters.reduce((n: number, c: { size: number }) => n + c.size, 0)).toBe(total);
  const [{ unclustered }] = await db.admin<[{ unclustered: number }]>`select count(*) filter (where cluster_id is null)::int as unclustered from incidents where account_id = ${user.accountId}`;
  expect(unclustered).toBe(0);
  for (const cluster of list.clusters.slice(0, 3)) await expectClusterMatchesIncidents(user, db.admin, cluster.id);
});
