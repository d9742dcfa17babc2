// The echo job across every layer: API -> Temporal -> real worker -> PostgreSQL, plus the API's error contract.
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Config } from '../../config.ts';
import { listEchoMessages } from '../../db/jobs.ts';
import { connectTemporal, type TemporalClient } from '../../temporal/client.ts';
import { withAccount } from '../../db/tenancy.ts';
import { buildTestApp, signUp, type SignedIn } from '../../devkit/app.ts';
import { createTestDatabase, startWorker, testConfig, waitFor, type RunningWorker, type TestDatabase } from '../helpers.ts';

let db: TestDatabase;
let config: Config;
let temporal: TemporalClient;
let worker: RunningWorker;
let app: FastifyInstance;
let user: SignedIn;

beforeAll(async () => {
  db = await createTestDatabase();
  config = testConfig(db.url);
  temporal = await connectTemporal({ address: config.temporal.address!, namespace: config.temporal.namespace });
  worker = await startWorker(config, db.sql);
  app = await buildTestApp(config, db.sql, temporal);
  user = await signUp(app, { accountName: 'Jobs test' });
});

afterAll(async () => {
  await app?.close();
  await worker?.stop();
  await temporal?.close();
  await db?.drop();
});

async function countJobs(): Promise<number> {
  const [row] = await db.admin<[{ n: number }]>`select count(*)::int as n from jobs`;
  return row.n;
}

async function jobWhen(id: string, done: (job: { status: string; progress: { done: number } }) => boolean) {
  return waitFor(`job ${id}`, async () => {
    const res = await user.call({ method: 'GET', url: `/api/jobs/${id}` });
    const body = res.json();
    return done(body.job) ? body : undefined;
  }, { timeoutMs: 60_000, intervalMs: 200 });
}

describe('POST /api/jobs/echo', () => {
  it('starts a workflow whose activity writes one row to PostgreSQL, and reports the job completed', async () => {
    const res = await user.call({ method: 'POST', url: '/api/jobs/echo', payload: { message: 'hello, world', steps: 3, stepMs: 50 } });
    expect(res.statusCode).toBe(202);
    const { job } = res.json();
    expect(job).toMatchObject({ kind: 'echo', status: 'queued', workflowId: `echo/${user.accountId}/${job.id}`, input: { message: 'hello, world', steps: 3, stepMs: 50 } });
    expect(res.headers.location).toBe(`/api/jobs/${job.id}`);
    expect(job.temporalUiUrl).toBe(`http://127.0.0.1:8233/namespaces/default/workflows/${encodeURIComponent(job.workflowId)}`);

    const detail = await jobWhen(job.id, (j) => j.status === 'completed');
    expect(detail.job).toMatchObject({ progress: { done: 3, total: 3 }, attempts: 1, error: null });
    expect(detail.job.result).toMatchObject({ message: 'hello, world', attempt: 1, inserted: true });
    // The row is written just before the workflow closes: wait for the workflow's own end before asking for it.
    await temporal.client.workflow.getHandle(job.workflowId).result();
    expect((await temporal.client.workflow.getHandle(job.workflowId).describe()).status.name).toBe('COMPLETED');
    const rows = await withAccount(db.sql, user.accountId, (tx) => listEchoMessages(tx, user.accountId, job.id));
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ message: 'hello, world', accountId: user.accountId, attempt: 1 });

    const listed = await user.call({ method: 'GET', url: '/api/jobs?kind=echo&limit=5' });
    expect(listed.json().jobs[0].id).toBe(job.id);
  });

  it('tags the workflow with search attributes, so operators can find it by account and kind', async () => {
    const res = await user.call({ method: 'POST', url: '/api/jobs/echo', payload: { message: 'findable', steps: 0 } });
    const { job } = res.json();
    await jobWhen(job.id, (j) => j.status === 'completed');
    const found = await waitFor('the workflow in visibility', async () => {
      for await (const wf of temporal.client.workflow.list({ query: `AccountId = "${user.accountId}" AND Kind = "echo" AND WorkflowId = "${job.workflowId}"` })) return wf;
      return undefined;
    }, { timeoutMs: 20_000, intervalMs: 300 });
    expect(found.type).toBe('echoWorkflow');
    expect(found.taskQueue).toBe(config.temporal.taskQueue);
  });

  it('rejects a missing message with 400 in the common error format, naming the field, and writes nothing', async () => {
    const before = await countJobs();
    const res = await user.call({ method: 'POST', url: '/api/jobs/echo', payload: { steps: 2 } });
    expect(res.statusCode).toBe(400);
    const body = res.json();
    expect(body.error).toMatchObject({ code: 'invalid_body', details: [{ field: 'message', in: 'body' }] });
    expect(body.error.message).toContain('body.message is required');
    expect(body.error.requestId).toBe(res.headers['x-request-id']);
    expect(await countJobs()).toBe(before);
  });

  it('does not coerce types in a body: a number for the message is refused, naming the field', async () => {
    const before = await countJobs();
    const res = await user.call({ method: 'POST', url: '/api/jobs/echo', payload: { message: 5, steps: 'many' } });
    expect(res.statusCode).toBe(400);
    const fields = res.json().error.details.map((d: { field: string }) => d.field).sort();
    expect(fields).toEqual(['message', 'steps']);
    expect(await countJobs()).toBe(before);
  });

  it('refuses unknown fields, out-of-range numbers and an empty message', async () => {
    const cases = [
      [{ message: 'x', extra: true }, 'extra', 'is not a known field'],
      [{ message: 'x', steps: 5000 }, 'steps', 'must be <= 1000'],
      [{ message: '' }, 'message', 'must NOT have fewer than 1 characters'],
    ] as const;
    for (const [payload, field, text] of cases) {
      const res = await user.call({ method: 'POST', url: '/api/jobs/echo', payload });
      expect(res.statusCode).toBe(400);
      expect(res.json().error.details).toEqual([{ field, in: 'body', message: `body.${field} ${text}` }]);
    }
  });

  it('answers a body that is not JSON with 415 and one over 1 MiB with 413, in the common format', async () => {
    const text = await user.call({ method: 'POST', url: '/api/jobs/echo', headers: { 'content-type': 'text/plain' }, payload: 'hello' });
    expect(text.statusCode).toBe(415);
    expect(text.json().error.code).toBe('unsupported_media_type');
    const huge = await user.call({ method: 'POST', url: '/api/jobs/echo', payload: { message: 'x'.repeat(1024 * 1024 + 10) } });
    expect(huge.statusCode).toBe(413);
    expect(huge.json().error.code).toBe('body_too_large');
  });

  it('answers malformed JSON with invalid_json', async () => {
    const res = await user.call({ method: 'POST', url: '/api/jobs/echo', headers: { 'content-type': 'application/json' }, payload: '{"message": ' });
    expect(res.statusCode).toBe(400);
    expect(res.json().error.code).toBe('invalid_json');
  });
});

describe('jobs API', () => {
  it('answers 404 for an unknown job and 400 naming the parameter for a malformed id', async () => {
    const missing = await user.call({ method: 'GET', url: '/api/jobs/7b0fbc64-5b43-4a5f-9d1c-1d3e0f6d2a11' });
    expect(missing.statusCode).toBe(404);
    expect(missing.json().error.code).toBe('not_found');
    const malformed = await user.call({ method: 'GET', url: '/api/jobs/not-a-uuid' });
    expect(malformed.statusCode).toBe(400);
    expect(malformed.json().error).toMatchObject({ code: 'invalid_params', details: [{ field: 'id', in: 'params' }] });
  });

  it('rejects a bad query parameter by name', async () => {
    const res = await user.call({ method: 'GET', url: '/api/jobs?limit=0' });
    expect(res.statusCode).toBe(400);
    expect(res.json().error).toMatchObject({ code: 'invalid_query', details: [{ field: 'limit', in: 'query' }] });
  });

  it('cancels a running job: the activity stops before writing, and nothing lands after the job says cancelled', async () => {
    const res = await user.call({ method: 'POST', url: '/api/jobs/echo', payload: { message: 'cancelled', steps: 12, stepMs: 500 } });
    const { job } = res.json();
    await jobWhen(job.id, (j) => j.progress.done >= 3);
    const cancel = await user.call({ method: 'POST', url: `/api/jobs/${job.id}/cancel` });
    expect(cancel.statusCode).toBe(202);
    const detail = await jobWhen(job.id, (j) => j.status === 'cancelled');
    expect(detail.job.error).toBe('cancelled on request');
    expect(detail.job.progress.done).toBeLessThan(12);
    // The row is written just before the workflow closes.
    await expect(temporal.client.workflow.getHandle(job.workflowId).result()).rejects.toThrow();
    expect((await temporal.client.workflow.getHandle(job.workflowId).describe()).status.name).toBe('CANCELLED');

    // The workflow waited for the activity to stop before it recorded the cancellation, so nothing can land later.
    const history = await temporal.client.workflow.getHandle(job.workflowId).fetchHistory();
    const events = history.events ?? [];
    const activityCancelled = events.findIndex((e) => e.activityTaskCanceledEventAttributes);
    const lastScheduled = events.findLastIndex((e) => e.activityTaskScheduledEventAttributes);
    expect(activityCancelled).toBeGreaterThan(-1);
    expect(activityCancelled).toBeLessThan(lastScheduled); // finishJob(cancelled) was scheduled after the activity stopped
    expect(await withAccount(db.sql, user.accountId, (tx) => listEchoMessages(tx, user.accountId, job.id))).toHaveLength(0);

    const again = await user.call({ method: 'POST', url: `/api/jobs/${job.id}/cancel` });
    expect(again.statusCode).toBe(409);
    expect(again.json().error.code).toBe('job_finished');
  });

  it('keeps a job consistent when a cancel arrives as it finishes: written and completed, or neither', async () => {
    const res = await user.call({ method: 'POST', url: '/api/jobs/echo', payload: { message: 'late cancel', steps: 6, stepMs: 150 } });
    const { job } = res.json();
    await jobWhen(job.id, (j) => j.progress.done >= 5);
    await user.call({ method: 'POST', url: `/api/jobs/${job.id}/cancel` });
    const detail = await jobWhen(job.id, (j) => j.status === 'completed' || j.status === 'cancelled');
    const rows = await withAccount(db.sql, user.accountId, (tx) => listEchoMessages(tx, user.accountId, job.id));
    const workflowStatus = await temporal.client.workflow.getHandle(job.workflowId).result().then(() => 'COMPLETED', () => 'CANCELLED');
    if (detail.job.status === 'completed') {
      expect([rows.length, workflowStatus]).toEqual([1, 'COMPLETED']);
    } else {
      expect([rows.length, workflowStatus]).toEqual([0, 'CANCELLED']);
    }
  });

  it('completes a job whose steps are longer than the heartbeat timeout (it heartbeats within each step)', async () => {
    const res = await user.call({ method: 'POST', url: '/api/jobs/echo', payload: { message: 'slow steps', steps: 1, stepMs: 5_500 } });
    const { job } = res.json();
    const detail = await jobWhen(job.id, (j) => j.status === 'completed' || j.status === 'failed');
    expect(detail.job.status).toBe('completed');
    expect(detail.job.attempts).toBe(1); // no heartbeat timeout, no retry
  });

  it('marks a job failed when an operator terminates its workflow, and refuses to cancel it afterwards', async () => {
    const res = await user.call({ method: 'POST', url: '/api/jobs/echo', payload: { message: 'terminated', steps: 200, stepMs: 100 } });
    const { job } = res.json();
    await jobWhen(job.id, (j) => j.status === 'running');
    await temporal.client.workflow.getHandle(job.workflowId).terminate('operator drill');
    const detail = await jobWhen(job.id, (j) => j.status === 'failed');
    expect(detail.workflow.status).toBe('TERMINATED');
    expect(detail.job.error).toBe('the workflow was terminated in Temporal');
    const cancel = await user.call({ method: 'POST', url: `/api/jobs/${job.id}/cancel` });
    expect(cancel.statusCode).toBe(409);
    expect(cancel.json().error.code).toBe('job_finished');
  });

  it('answers an unknown route with 404 in the common error format', async () => {
    const res = await user.call({ method: 'GET', url: '/api/nope' });
    expect(res.statusCode).toBe(404);
    expect(res.json().error).toMatchObject({ code: 'route_not_found', message: 'No route GET /api/nope' });
  });

  it('keeps a sane caller request id and echoes it back', async () => {
    const res = await user.call({ method: 'GET', url: '/api/jobs', headers: { 'x-request-id': 'trace-abc.123' } });
    expect(res.headers['x-request-id']).toBe('trace-abc.123');
    const odd = await user.call({ method: 'GET', url: '/api/jobs', headers: { 'x-request-id': 'bad id with spaces\n' } });
    expect(odd.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
  });
});

describe('failures on our side', () => {
  it('answer 500 with a generic message and a request id, never the internal cause', async () => {
    const { createSql } = await import('../../db/sql.ts');
    const deadSql = createSql('postgres://nobody:secret-password@127.0.0.1:1/none', { max: 1 });
    const broken = await buildTestApp(config, deadSql, temporal);
    try {
      const res = await broken.inject({ method: 'GET', url: '/api/jobs', headers: { authorization: `Bearer ${user.token}` } });
      expect(res.statusCode).toBe(500);
      const { error } = res.json();
      expect(error.code).toBe('internal');
      expect(error.requestId).toBe(res.headers['x-request-id']);
      expect(res.body).not.toMatch(/ECONNREFUSED|127\.0\.0\.1|secret-password|nobody/);
    } finally {
      await broken.close();
      await deadSql.end({ timeout: 1 });
    }
  });
});

describe('GET /api/health', () => {
  it('reports PostgreSQL, Temporal and the worker healthy', async () => {
    const res = await user.call({ method: 'GET', url: '/api/health' });
    const body = res.json();
    expect(res.statusCode, JSON.stringify(body)).toBe(200);
    expect(body.status).toBe('ok');
    expect(body.checks.postgres).toMatchObject({ status: 'ok' });
    expect(body.checks.temporal).toMatchObject({ status: 'ok' });
    expect(body.checks.worker).toMatchObject({ status: 'ok', detail: `1 worker polling ${config.temporal.taskQueue}` });
    expect(body.temporal).toMatchObject({ namespace: 'default', taskQueue: config.temporal.taskQueue });
  });

  it('reports 503 and names the missing worker when no worker polls the task queue', async () => {
    const lonely = await buildTestApp(testConfig(db.url), db.sql, temporal);
    try {
      const res = await lonely.inject({ method: 'GET', url: '/api/health' });
      expect(res.statusCode).toBe(503);
      const body = res.json();
      expect(body.status).toBe('degraded');
      expect(body.checks.worker.status).toBe('down');
      expect(body.checks.worker.error).toMatch(/no worker is polling task queue test-/);
      expect(body.checks.postgres.status).toBe('ok');
    } finally {
      await lonely.close();
    }
  });
});

describe('authorization', () => {
  it('refuses a route that declares no access, so nothing is open by omission', async () => {
    const extra = await buildTestApp(config, db.sql, temporal);
    try {
      expect(() => extra.get('/api/forgotten', async () => 'open')).toThrow('route GET /api/forgotten declares no access');
      expect(() => extra.get('/api/typo', { config: { access: 'jobs:everything' as never } }, async () => 'open')).toThrow(/declares no access/);
    } finally {
      await extra.close();
    }
  });
});

describe('OpenAPI', () => {
  it('serves the document at /docs/json with every route and a browsable page at /docs', async () => {
    const doc = await user.call({ method: 'GET', url: '/docs/json' });
    expect(doc.statusCode).toBe(200);
    const spec = doc.json();
    expect(spec.openapi).toBe('3.1.0');
    expect(Object.keys(spec.paths)).toEqual(expect.arrayContaining(['/api/health', '/api/jobs/echo', '/api/jobs', '/api/jobs/{id}', '/api/jobs/{id}/cancel']));
    expect(spec.paths['/api/jobs/echo'].post.requestBody.content['application/json'].schema.required).toEqual(['message']);
    const page = await user.call({ method: 'GET', url: '/docs/' });
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-type']).toContain('text/html');
  });
});
