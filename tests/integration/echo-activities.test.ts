// The echo activities alone, in Temporal's mock activity context, against a real PostgreSQL: resume, cancel, refuse.
import { MockActivityEnvironment } from '@temporalio/testing';
import { CancelledFailure } from '@temporalio/common';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createEchoActivities } from '../../activities/echo.ts';
import { getJob, insertJob, listEchoMessages } from '../../db/jobs.ts';
import type { WriteEchoResult } from '../../workflows/activity-contract.ts';
import { withAccount } from '../../db/tenancy.ts';
import { createTestDatabase, type TestDatabase } from '../helpers.ts';

let db: TestDatabase;
let activities: ReturnType<typeof createEchoActivities>;

beforeAll(async () => {
  db = await createTestDatabase();
  activities = createEchoActivities({ sql: db.sql, workerIdentity: 'mock-worker' });
  await db.admin`insert into accounts (id, name) values ('demo', 'Demo'), ('intruder', 'Intruder')`;
});

afterAll(async () => {
  await db?.drop();
});

async function newJob(): Promise<string> {
  const id = crypto.randomUUID();
  await withAccount(db.sql, 'demo', (tx) => insertJob(tx, { id, accountId: 'demo', kind: 'echo', workflowId: `echo/demo/${id}`, input: {} }));
  await activities.markJobRunning({ accountId: 'demo', jobId: id });
  return id;
}

it('resumes from the heartbeat checkpoint of a previous attempt and heartbeats every step', async () => {
  const jobId = await newJob();
  const env = new MockActivityEnvironment({ attempt: 3, heartbeatDetails: { done: 4 } });
  const beats: unknown[] = [];
  env.on('heartbeat', (d: unknown) => beats.push(d));
  const result = await env.run(activities.writeEcho, { accountId: 'demo', jobId, message: 'resumed', steps: 6, stepMs: 5 });
  expect(result).toEqual({ attempt: 3, resumedFrom: 4, inserted: true });
  expect(beats).toContainEqual({ done: 5 });
  expect(beats).toContainEqual({ done: 6 });
  expect(beats).not.toContainEqual({ done: 1 });
  const row = (await withAccount(db.sql, 'demo', (tx) => getJob(tx, 'demo', jobId)))!;
  expect([row.attempts, row.progressDone, row.progressTotal]).toEqual([3, 6, 6]);
});

it('writes the row once: a retry after the write reports it as already there', async () => {
  const jobId = await newJob();
  const input = { accountId: 'demo', jobId, message: 'once', steps: 1, stepMs: 1 };
  const write = (attempt: number) => new MockActivityEnvironment({ attempt }).run(activities.writeEcho, input) as Promise<WriteEchoResult>;
  expect((await write(1)).inserted).toBe(true);
  expect((await write(2)).inserted).toBe(false);
  expect(await withAccount(db.sql, 'demo', (tx) => listEchoMessages(tx, 'demo', jobId))).toHaveLength(1);
});

it('heartbeats within a step that is longer than a heartbeat slice', async () => {
  const jobId = await newJob();
  const env = new MockActivityEnvironment();
  let beats = 0;
  env.on('heartbeat', () => (beats += 1));
  await env.run(activities.writeEcho, { accountId: 'demo', jobId, message: 'long step', steps: 1, stepMs: 2_100 });
  expect(beats).toBeGreaterThanOrEqual(4); // three slices of at most a second, then the step itself
});

it('stops when cancelled and writes nothing', async () => {
  const jobId = await newJob();
  const env = new MockActivityEnvironment();
  const run = env.run(activities.writeEcho, { accountId: 'demo', jobId, message: 'never', steps: 50, stepMs: 50 });
  env.once('heartbeat', () => env.cancel());
  await expect(run).rejects.toBeInstanceOf(CancelledFailure);
  expect(await withAccount(db.sql, 'demo', (tx) => listEchoMessages(tx, 'demo', jobId))).toHaveLength(0);
});

it('refuses to write for a job that is no longer running, without retries', async () => {
  const jobId = await newJob();
  await db.admin`update jobs set status = 'failed' where id = ${jobId}`;
  const failure = await new MockActivityEnvironment().run(activities.writeEcho, { accountId: 'demo', jobId, message: 'late', steps: 0, stepMs: 0 }).catch((e) => e);
  expect(failure).toMatchObject({ type: 'JobClosed', nonRetryable: true });
  await expect(activities.markJobRunning({ accountId: 'demo', jobId })).rejects.toMatchObject({ type: 'JobClosed', nonRetryable: true });
  await expect(activities.markJobRunning({ accountId: 'demo', jobId: crypto.randomUUID() })).rejects.toMatchObject({ type: 'NotFound', nonRetryable: true });
  expect(await withAccount(db.sql, 'demo', (tx) => listEchoMessages(tx, 'demo', jobId))).toHaveLength(0);
});

it('scopes every write by account: another account cannot move or write a job it does not own', async () => {
  const jobId = await newJob();
  await expect(activities.markJobRunning({ accountId: 'intruder', jobId })).rejects.toMatchObject({ type: 'NotFound' });
  const failure = await new MockActivityEnvironment().run(activities.writeEcho, { accountId: 'intruder', jobId, message: 'x', steps: 0, stepMs: 0 }).catch((e) => e);
  expect(failure).toMatchObject({ type: 'JobClosed' });
  await activities.finishJob({ accountId: 'intruder', jobId, status: 'failed', error: 'hijack' });
  expect((await withAccount(db.sql, 'demo', (tx) => getJob(tx, 'demo', jobId)))!.status).toBe('running');
});
