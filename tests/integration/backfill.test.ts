// History import through the real PagerDuty wire format (the simulator), the real worker process and PostgreSQL:
// exactly once, also when the worker is killed mid-backfill; rate limits honoured; a revoked token stops the
// import with the error on the integration; credentials in no response, log or workflow history.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPagerDutySimulator, type PagerDutySimulator } from '../../connectors/simulators/pagerduty.ts';
import type { Config } from '../../config.ts';
import { stopChild, type Child } from '../../devkit/processes.ts';
import { connectTemporal, type TemporalClient } from '../../temporal/client.ts';
import { backfillProgressQuery, backfillWorkflowId, syncScheduleId } from '../../workflows/index.ts';
import { buildApp } from '../../api/app.ts';
import { secretBoxOf } from '../../db/secret-box.ts';
import { buildTestApp, signUp, TEST_JWT_SECRET, type SignedIn } from '../../devkit/app.ts';
import { createTestDatabase, spawnWorkerProcess, testConfig, waitFor, waitForPoller as waitForPollerOf, type TestDatabase } from '../helpers.ts';

const TOKEN = 'u+pd-simulator-token-0001';
const RESULTS = join(import.meta.dirname, '../../test-results');

let db: TestDatabase;
let config: Config;
let temporal: TemporalClient;
let app: FastifyInstance;
let owner: SignedIn;
let pd: PagerDutySimulator;
const workers: Child[] = [];

function spawnWorker(name: string): Child {
  const child = spawnWorkerProcess(config, name, { LOG_LEVEL: 'info' });
  workers.push(child);
  return child;
}

const waitForPoller = (prefix: string) => waitForPollerOf(temporal, config, prefix);

const HISTORY_END = Date.parse('2026-11-01T00:00:00Z');

beforeAll(async () => {
  db = await createTestDatabase();
  config = testConfig(db.url);
  temporal = await connectTemporal({ address: config.temporal.address!, namespace: config.temporal.namespace });
  app = await buildTestApp(config, db.sql, temporal);
  owner = await signUp(app);
  pd = await startPagerDutySimulator({ count: 5000, seed: 7, end: HISTORY_END, days: 90, tokens: { [TOKEN]: 'user' } });
});

afterAll(async () => {
  for (const w of workers) await stopChild(w, 5_000);
  await app?.close();
  await temporal?.close();
  await pd?.close();
  await db?.drop();
});

const connect = (payload: Record<string, unknown>) => owner.call({ method: 'POST', url: '/api/integrations', payload });
const history = { since: new Date(HISTORY_END - 91 * 86_400_000).toISOString(), until: new Date(HISTORY_END + 86_400_000).toISOString() };

const jobOf = async (integrationId: string) => (await owner.call({ method: 'GET', url: `/api/integrations/${integrationId}` })).json().integration.backfill;

describe('backfill', () => {
  it('imports 5,000 incidents exactly once, although its worker is killed mid-import', { timeout: 300_000 }, async () => {
    const t0 = Date.now();
    const lap = (what: string) => console.log(`[backfill.test] ${what} at ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    const first = spawnWorker('backfill-worker-first');
    await waitForPoller(`worker-${first.process.pid}@`);
    const created = await connect({ kind: 'pagerduty', name: 'PagerDuty (simulated)', credentials: { apiKey: TOKEN, baseUrl: pd.url }, settings: { history } });
    expect(created.statusCode, created.body).toBe(201);
    const { integration, verified } = created.json();
    expect(verified.name).toBeTruthy();
    expect(integration.backfill).toMatchObject({ kind: 'backfill', workflowId: `backfill/${owner.accountId}/${integration.id}` });

    // Mid-import: some pages stored, not all.
    await waitFor('a fifth of the history fetched', async () => ((await jobOf(integration.id)).progress.done >= 1000 ? true : undefined), { timeoutMs: 60_000, intervalMs: 100 });
    // The workflow answers how far it is (a query needs a live worker).
    const progress = await temporal.client.workflow.getHandle(backfillWorkflowId(owner.accountId, integration.id)).query(backfillProgressQuery);
    expect(progress.phase).toBe('fetching');
    expect(progress.fetched).toBeLessThan(5000);
    first.process.kill('SIGKILL');
    lap('killed the first worker');

    const second = spawnWorker('backfill-worker-second');
    await waitForPoller(`worker-${second.process.pid}@`);
    const job = await waitFor('the backfill to complete', async () => {
      const j = await jobOf(integration.id);
      return ['completed', 'failed', 'cancelled'].includes(j.status) ? j : undefined;
    }, { timeoutMs: 120_000, intervalMs: 300 });
    expect(job.status, job.error ?? '').toBe('completed');
    lap('backfill completed');

    // Unified: every incident once.
    await waitFor('all incidents unified', async () => {
      const [{ n }] = await db.admin<[{ n: number }]>`select count(*)::int as n from incidents where account_id = ${owner.accountId}`;
      const [{ pending }] = await db.admin<[{ pending: number }]>`select count(*)::int as pending from unify_queue`;
      return n === 5000 && pending === 0 ? true : undefined;
    }, { timeoutMs: 120_000, intervalMs: 500 });
    lap('all unified');
    const [counts] = await db.admin<[{ incidents: number; distinct: number; raw: number; rawIncidents: number }]>`
      select (select count(*)::int from incidents) as incidents,
             (select count(distinct external_id)::int from incidents) as distinct,
             (select count(*)::int from raw_events) as raw,
             (select count(distinct external_id)::int from raw_events) as "rawIncidents"`;
    expect(counts).toEqual({ incidents: 5000, distinct: 5000, raw: 5000, rawIncidents: 5000 });
    const expected = new Set(pd.dataset.incidents.map((i) => i.id));
    const stored = await db.admin<{ id: string }[]>`select external_id as id from incidents`;
    expect(stored.every((row) => expected.has(row.id))).toBe(true);

    // The unified fields came through, MTTA/MTTR derived.
    const [sample] = await db.admin<[{ title: string; service: string; severity: string; mtta: number | null; timeline: unknown[] }]>`
      select title, service, severity, mtta_seconds as mtta, timeline from incidents where acknowledged_at is not null limit 1`;
    expect(sample.title.length).toBeGreaterThan(5);
    expect(sample.service).toBeTruthy();
    expect(sample.severity).toMatch(/^P[1-5]$/);
    expect(sample.mtta).toBeGreaterThanOrEqual(0);
    expect(sample.timeline.length).toBeGreaterThan(0);

    // Listed through the API, newest first, in pages.
    const page = (await owner.call({ method: 'GET', url: `/api/incidents?limit=100&integrationId=${integration.id}` })).json();
    expect(page.incidents).toHaveLength(100);
    const next = (await owner.call({ method: 'GET', url: `/api/incidents?limit=100&cursor=${page.nextCursor}` })).json();
    expect(next.incidents[0].createdAt <= page.incidents[99].createdAt).toBe(true);
    expect(new Set([...page.incidents, ...next.incidents].map((i: { id: string }) => i.id)).size).toBe(200);
  });

  it('never shows the credentials: not in answers, not in the worker’s log, not in workflow histories', async () => {
    const list = await owner.call({ method: 'GET', url: '/api/integrations' });
    expect(list.statusCode).toBe(200);
    expect(list.body).not.toContain(TOKEN);
    const [integration] = list.json().integrations;
    expect(integration.hasCredentials).toBe(true);
    const history = JSON.stringify(await temporal.client.workflow.getHandle(backfillWorkflowId(owner.accountId, integration.id)).fetchHistory());
    expect(history).not.toContain(TOKEN);
    for (const name of ['backfill-worker-first', 'backfill-worker-second']) expect(readFileSync(join(RESULTS, `${name}.log`), 'utf8')).not.toContain(TOKEN);
    const [{ sealed }] = await db.admin<[{ sealed: Buffer }]>`select credentials as sealed from integrations where id = ${integration.id}`;
    expect(sealed.toString('latin1')).not.toContain(TOKEN);
  });

  it('waits as long as a 429 asks, and retries a 5xx', async () => {
    pd.requests.length = 0;
    pd.rateLimitNext({ times: 1, retryAfterSeconds: 2 });
    pd.failNext({ status: 500, path: '/incidents' });
    const created = await connect({ kind: 'pagerduty', name: 'Rate limited', credentials: { apiKey: TOKEN, baseUrl: pd.url }, settings: { history: { since: new Date(HISTORY_END - 5 * 86_400_000).toISOString(), until: history.until } } });
    expect(created.statusCode, created.body).toBe(201);
    const id = created.json().integration.id;
    const job = await waitFor('the backfill to finish', async () => {
      const j = await jobOf(id);
      return ['completed', 'failed'].includes(j.status) ? j : undefined;
    }, { timeoutMs: 60_000, intervalMs: 300 });
    expect(job.status, job.error ?? '').toBe('completed');
    const times = pd.requests;
    const limited = times.findIndex((r) => r.status === 429);
    expect(limited).toBeGreaterThanOrEqual(0);
    // No request to the tool before the 2 s it asked for had passed.
    expect(times[limited + 1]!.at - times[limited]!.at).toBeGreaterThanOrEqual(1_950);
  });

  it('stops on a revoked token with the reason on the integration, instead of retrying for ever', async () => {
    const token = 'u+pd-token-to-revoke-0002';
    pd.addToken(token, 'user');
    const created = await connect({ kind: 'pagerduty', name: 'Soon revoked', credentials: { apiKey: token, baseUrl: pd.url }, settings: { history }, backfill: false });
    expect(created.statusCode, created.body).toBe(201);
    const id = created.json().integration.id;
    pd.revokeToken(token);
    expect((await owner.call({ method: 'POST', url: `/api/integrations/${id}/backfill`, payload: {} })).statusCode).toBe(202);
    const job = await waitFor('the backfill to fail', async () => {
      const j = await jobOf(id);
      return ['completed', 'failed'].includes(j.status) ? j : undefined;
    }, { timeoutMs: 60_000, intervalMs: 300 });
    expect(job.status).toBe('failed');
    const integration = (await owner.call({ method: 'GET', url: `/api/integrations/${id}` })).json().integration;
    expect(integration.status).toBe('error');
    expect(integration.error).toMatch(/PagerDuty/i);
    // The job row is written by the workflow's last activity; the workflow fails one workflow task later.
    const status = await waitFor('the workflow to fail', async () => {
      const { status } = await temporal.client.workflow.getHandle(backfillWorkflowId(owner.accountId, id)).describe();
      return status.name === 'RUNNING' ? undefined : status.name;
    }, { timeoutMs: 30_000, intervalMs: 200 });
    expect(status).toBe('FAILED');
  });

  it('refuses wrong credentials at connect time, naming the field, and stores nothing', async () => {
    const before = await db.admin<[{ n: number }]>`select count(*)::int as n from integrations`;
    const res = await connect({ kind: 'pagerduty', name: 'Wrong key', credentials: { apiKey: 'u+not-a-known-token', baseUrl: pd.url } });
    expect(res.statusCode).toBe(400);
    expect(res.json().error).toMatchObject({ code: 'credentials_refused', details: [{ field: 'credentials.apiKey' }] });
    const after = await db.admin<[{ n: number }]>`select count(*)::int as n from integrations`;
    expect(after[0].n).toBe(before[0].n);
  });
});

describe('settings and control', () => {
  it('refuses a filter the tool cannot match, naming it, and creates nothing', async () => {
    const res = await connect({ kind: 'opsgenie', name: 'Urgent', credentials: { apiKey: 'og-key-000000', baseUrl: pd.url }, settings: { filters: { urgencies: ['high'] } } });
    expect(res.statusCode).toBe(400);
    expect(res.json().error.details[0].field).toBe('settings.filters.urgencies');
  });

  it('stops a running import when the integration is paused; the jobs API leaves imports to their integration', async () => {
    const created = await connect({ kind: 'pagerduty', name: 'Paused mid-import', credentials: { apiKey: TOKEN, baseUrl: pd.url }, settings: { history } });
    expect(created.statusCode, created.body).toBe(201);
    const { id, backfill } = created.json().integration;
    const viaJobs = await owner.call({ method: 'POST', url: `/api/jobs/${backfill.id}/cancel` });
    expect(viaJobs.statusCode).toBe(409);
    expect(viaJobs.json().error.code).toBe('cancel_from_integration');
    expect((await owner.call({ method: 'POST', url: `/api/integrations/${id}/pause` })).statusCode).toBe(200);
    const job = await waitFor('the import to stop', async () => {
      const j = await jobOf(id);
      return ['completed', 'failed', 'cancelled'].includes(j.status) ? j : undefined;
    }, { timeoutMs: 60_000, intervalMs: 300 });
    // Cancelled, or (on a fast machine) finished before the pause arrived: never left running.
    expect(['cancelled', 'completed']).toContain(job.status);
    const again = await owner.call({ method: 'POST', url: `/api/integrations/${id}/backfill`, payload: {} });
    expect(again.json().error.code).toBe('integration_paused');
  });
});

describe('import settings', () => {
  it('imports only the chosen service and stores no note, and no tool payload, when notes are left out', async () => {
    const service = pd.dataset.services[0]!;
    const created = await connect({
      kind: 'pagerduty',
      name: 'One service, no notes',
      credentials: { apiKey: TOKEN, baseUrl: pd.url },
      settings: { history: { since: new Date(HISTORY_END - 20 * 86_400_000).toISOString(), until: history.until }, filters: { services: [service.id] }, drop: ['notes'] },
    });
    expect(created.statusCode, created.body).toBe(201);
    const id = created.json().integration.id;
    const job = await waitFor('the import', async () => {
      const j = await jobOf(id);
      return ['completed', 'failed'].includes(j.status) ? j : undefined;
    }, { timeoutMs: 90_000, intervalMs: 300 });
    expect(job.status, job.error ?? '').toBe('completed');
    const expected = pd.dataset.incidents.filter((i) => i.serviceId === service.id && i.createdAt >= HISTORY_END - 20 * 86_400_000).length;
    expect(expected).toBeGreaterThan(0);
    await waitFor('unified', async () => {
      const [row] = await db.admin<[{ n: number; pending: number }]>`
        select (select count(*)::int from incidents where integration_id = ${id}) as n,
               (select count(*)::int from unify_queue q join raw_events r on r.id = q.raw_event_id where r.integration_id = ${id}) as pending`;
      return row.n === expected && row.pending === 0 ? true : undefined;
    }, { timeoutMs: 60_000, intervalMs: 300 });
    const [facts] = await db.admin<[{ services: string[]; notes: number; payloads: number }]>`
      select (select array_agg(distinct service_id) from incidents where integration_id = ${id}) as services,
             (select count(*)::int from incidents, jsonb_array_elements(timeline) e where integration_id = ${id} and e->>'type' = 'note') as notes,
             (select count(*)::int from raw_events where integration_id = ${id} and payload is not null) as payloads`;
    expect(facts).toEqual({ services: [service.id], notes: 0, payloads: 0 });
    // The simulator's notes exist: they were left out, not absent.
    const [{ withNotes }] = await db.admin<[{ withNotes: number }]>`
      select count(*)::int as "withNotes" from incidents i, jsonb_array_elements(i.timeline) e
      where i.account_id = ${owner.accountId} and i.integration_id <> ${id} and e->>'type' = 'note'`;
    expect(withNotes).toBeGreaterThan(0);
  });

  it('writes no credential into the API’s own log, even at the most verbose level', async () => {
    const logFile = join(RESULTS, 'backfill-api-trace.log');
    const traced = await buildApp(
      { config, sql: db.sql, temporal, version: 'test', jwtSecret: TEST_JWT_SECRET, secretBox: secretBoxOf(config) },
      { logger: { level: 'trace', file: logFile } },
    );
    try {
      const headers = { authorization: `Bearer ${owner.token}` };
      const created = await traced.inject({ method: 'POST', url: '/api/integrations', headers, payload: { kind: 'pagerduty', name: 'Traced', credentials: { apiKey: TOKEN, baseUrl: pd.url }, backfill: false } });
      expect(created.statusCode, created.body).toBe(201);
      await traced.inject({ method: 'POST', url: '/api/integrations/verify', headers, payload: { kind: 'pagerduty', credentials: { apiKey: TOKEN, baseUrl: pd.url } } });
      await traced.inject({ method: 'GET', url: '/api/integrations', headers });
    } finally {
      await traced.close();
    }
    const log = readFileSync(logFile, 'utf8');
    expect(log).toContain('/api/integrations');
    expect(log).not.toContain(TOKEN);
  });
});

describe('incremental sync', () => {
  it('runs on the integration’s Schedule, brings in what changed in the tool, and pauses with the integration', async () => {
    const live = await startPagerDutySimulator({ count: 60, seed: 21, days: 1, tokens: { [TOKEN]: 'user' } });
    try {
      const created = await connect({ kind: 'pagerduty', name: 'Synced', credentials: { apiKey: TOKEN, baseUrl: live.url }, syncIntervalMinutes: 5, backfill: false });
      expect(created.statusCode, created.body).toBe(201);
      const id = created.json().integration.id;
      const schedule = temporal.client.schedule.getHandle(syncScheduleId(owner.accountId, id));
      const described = await schedule.describe();
      expect(described.spec.intervals?.[0]?.every).toBe(300_000);
      expect(described.state.paused).toBe(false);

      const syncedCount = async () => {
        const [row] = await db.admin<[{ n: number }]>`select count(*)::int as n from incidents where integration_id = ${id}`;
        return row.n;
      };
      await schedule.trigger();
      await waitFor('the recent day synced', async () => ((await syncedCount()) === 60 ? true : undefined), { timeoutMs: 60_000, intervalMs: 500 });
      const watermark = (await owner.call({ method: 'GET', url: `/api/integrations/${id}` })).json().integration.watermark;
      expect(Date.parse(watermark)).toBeGreaterThan(Date.now() - 120_000);

      // Someone resolves an open incident in PagerDuty; the next run brings the change, no duplicate.
      const open = live.dataset.incidents.find((i) => i.status !== 'resolved')!;
      live.resolve(open.id);
      await schedule.trigger();
      await waitFor('the change synced', async () => {
        const [row] = await db.admin<[{ status: string }?]>`select status from incidents where integration_id = ${id} and external_id = ${open.id}`;
        return row?.status === 'resolved' ? true : undefined;
      }, { timeoutMs: 60_000, intervalMs: 500 });
      expect(await syncedCount()).toBe(60);

      expect((await owner.call({ method: 'POST', url: `/api/integrations/${id}/pause` })).statusCode).toBe(200);
      expect((await schedule.describe()).state.paused).toBe(true);
      expect((await owner.call({ method: 'POST', url: `/api/integrations/${id}/resume` })).statusCode).toBe(200);
      expect((await schedule.describe()).state.paused).toBe(false);
      expect((await owner.call({ method: 'DELETE', url: `/api/integrations/${id}?keepData=true` })).statusCode).toBe(204);
      await expect(schedule.describe()).rejects.toThrow();
      // Its incidents stay, the integration is gone from every answer.
      expect(await db.admin`select 1 from incidents where external_id = ${open.id} and integration_id = ${id}`).toHaveLength(1);
      expect((await owner.call({ method: 'GET', url: `/api/integrations/${id}` })).statusCode).toBe(404);
      expect((await owner.call({ method: 'GET', url: `/api/incidents?integrationId=${id}&limit=1` })).json().incidents).toHaveLength(1);
    } finally {
      await live.close();
    }
  });
});
