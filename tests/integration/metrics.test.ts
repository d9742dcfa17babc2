// Prometheus metrics: the API's /metrics (behind METRICS_TOKEN) and a real worker process's /metrics on its health
// port (with the Temporal SDK's own worker metrics appended), scraped after a webhook, its unification, a recluster
// and an automation run on a real OpenSSH server; the Grafana dashboard names only metrics the app exports.
import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { insightsMetricNames } from '../../observability/metrics.ts';
import { stopChild, type Child } from '../../devkit/processes.ts';
import { freePort } from '../../devkit/ports.ts';
import { fullTeam, spawnWorkerProcess, useApi, waitFor } from '../helpers.ts';
import { startSshd, type TestSshd } from '../servers/sshd.ts';

const TOKEN = `metrics-${randomBytes(12).toString('hex')}`;
const api = useApi({ METRICS_TOKEN: TOKEN }, { listen: true });
let team: Awaited<ReturnType<typeof fullTeam>>;
let sshd: TestSshd;
let worker: Child;
let workerUrl: string;
/** The worker's scrape, for the dashboard's Temporal SDK panels. */
let workerScrape = '';

/** Every metric the issue asks for: request, webhook, backfill/sync, unify, recluster, LLM and automation metrics. */
const EXPECTED = [
  'insights_http_requests_total',
  'insights_http_request_duration_seconds',
  'insights_http_request_errors_total',
  'insights_webhook_deliveries_total',
  'insights_webhook_refused_total',
  'insights_webhook_events_total',
  'insights_backfill_pages_total',
  'insights_backfill_incidents_imported_total',
  'insights_sync_runs_total',
  'insights_sync_incidents_imported_total',
  'insights_sync_lag_seconds',
  'insights_unify_batch_size',
  'insights_unify_batch_duration_seconds',
  'insights_unify_events_processed_total',
  'insights_unify_incidents_written_total',
  'insights_recluster_duration_seconds',
  'insights_llm_calls_total',
  'insights_llm_call_duration_seconds',
  'insights_llm_failures_total',
  'insights_automation_runs_finished_total',
  'insights_automation_runs',
  'insights_automation_pending_approvals',
];

beforeAll(async () => {
  const port = await freePort();
  worker = spawnWorkerProcess(api.config, 'metrics-worker', { WORKER_HEALTH_PORT: String(port), METRICS_TOKEN: TOKEN });
  workerUrl = `http://127.0.0.1:${port}`;
  team = await fullTeam(api.app, api.db);
  sshd = await startSshd();
  await waitFor('the worker is ready', async () => ((await fetch(`${workerUrl}/readyz`).catch(() => undefined))?.ok ? true : undefined), { timeoutMs: 90_000, intervalMs: 300 });
}, 150_000);

afterAll(async () => {
  if (worker) await stopChild(worker, 10_000);
  await sshd?.stop();
});

const scrapeApi = async () => {
  const res = await fetch(`${api.baseUrl}/metrics`, { headers: { authorization: `Bearer ${TOKEN}` } });
  expect(res.status).toBe(200);
  return res.text();
};
const scrapeWorker = async () => {
  const res = await fetch(`${workerUrl}/metrics`, { headers: { authorization: `Bearer ${TOKEN}` } });
  expect(res.status).toBe(200);
  return res.text();
};
/** The value of one sample (`name{labels}`), labels in any order; undefined when absent. */
function sample(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  for (const line of text.split('\n')) {
    const m = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    const have = Object.fromEntries([...(m[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((l) => [l[1], l[2]]));
    if (Object.entries(labels).every(([k, v]) => have[k] === v)) return Number(m[3]);
  }
  return undefined;
}

describe('metrics', () => {
  it('refuses a scrape without the token on the API and the worker', async () => {
    expect((await fetch(`${api.baseUrl}/metrics`)).status).toBe(401);
    expect((await fetch(`${api.baseUrl}/metrics`, { headers: { authorization: 'Bearer wrong' } })).status).toBe(401);
    expect((await fetch(`${workerUrl}/metrics`)).status).toBe(401);
  });

  it('keeps /metrics out of the OpenAPI document', async () => {
    const doc = (api.app as unknown as { swagger(): { paths: Record<string, unknown> } }).swagger();
    expect(Object.keys(doc.paths).length).toBeGreaterThan(10);
    expect(Object.keys(doc.paths)).not.toContain('/metrics');
  });

  it('counts a webhook, its unification, a recluster and an automation run, and finds every metric in the scrapes', async () => {
    // A webhook: one accepted delivery, one refused for its token.
    const wh = await team.owner.call({
      method: 'POST',
      url: '/api/integrations',
      payload: { kind: 'webhook', name: 'Homegrown', settings: { mapping: { fields: { externalId: 'id', title: 'summary', createdAt: 'time', status: 'state', severity: 'level', service: 'app' } } } },
    });
    expect(wh.statusCode, wh.body).toBe(201);
    const hookUrl = api.local(wh.json().integration.webhook.url);
    const event = { id: `ext-${randomBytes(4).toString('hex')}`, summary: 'Disk full on db-1', time: new Date().toISOString(), state: 'triggered', level: 'critical', app: 'db' };
    const sent = await fetch(hookUrl, { method: 'POST', headers: { 'content-type': 'application/json', 'x-webhook-token': wh.json().webhookSecret }, body: JSON.stringify(event) });
    expect(sent.status, await sent.clone().text()).toBe(202);
    const refused = await fetch(hookUrl, { method: 'POST', headers: { 'content-type': 'application/json', 'x-webhook-token': 'not-the-secret' }, body: JSON.stringify(event) });
    expect(refused.status).toBe(401);
    // Its unification, by the worker process.
    await waitFor('the incident is unified', async () => ((await api.db.admin`select 1 from incidents where external_id = ${event.id}`).length > 0 ? true : undefined), { timeoutMs: 60_000, intervalMs: 200 });
    // A recluster on demand.
    const rc = await team.owner.call({ method: 'POST', url: '/api/clusters/recluster' });
    expect(rc.statusCode, rc.body).toBeLessThan(300);

    // An automation run on a real SSH server, approved and completed; a second one left awaiting approval.
    const target = await team.owner.call({
      method: 'POST',
      url: '/api/automation-targets',
      payload: { name: 'Test host', config: { kind: 'ssh', host: sshd.host, port: sshd.port, username: sshd.username, hostKeyFingerprint: sshd.hostKeyFingerprint }, secrets: { privateKey: sshd.privateKey } },
    });
    expect(target.statusCode, target.body).toBe(201);
    const rb = await team.owner.call({ method: 'POST', url: '/api/runbooks', payload: { title: 'Say hello', steps: [{ title: 'Hello', command: 'echo hello', targetType: 'shell', risk: 'read-only', explanation: '' }] } });
    expect(rb.statusCode, rb.body).toBe(201);
    const request = async () => {
      const res = await team.admin.call({ method: 'POST', url: '/api/automation-runs', payload: { runbookId: rb.json().id, targetId: target.json().target.id } });
      expect(res.statusCode, res.body).toBe(201);
      return res.json().run as { id: string };
    };
    const run = await request();
    await request();
    await waitFor('the run can be approved', async () => {
      const res = await team.owner.call({ method: 'POST', url: `/api/automation-runs/${run.id}/approve`, payload: {} });
      return res.statusCode === 200 ? true : undefined;
    }, { timeoutMs: 30_000, intervalMs: 300 });
    await waitFor('the run completed', async () => ((await team.owner.call({ method: 'GET', url: `/api/automation-runs/${run.id}` })).json().run.status === 'completed' ? true : undefined), { timeoutMs: 60_000, intervalMs: 300 });

    const apiText = await scrapeApi();
    expect(sample(apiText, 'insights_http_requests_total', { method: 'POST', route: '/api/webhooks/:accountId/:integrationId', status_class: '2xx' })).toBeGreaterThanOrEqual(1);
    expect(sample(apiText, 'insights_http_request_duration_seconds_count', { method: 'GET', route: '/api/automation-runs/:id' })).toBeGreaterThanOrEqual(1);
    expect(sample(apiText, 'insights_webhook_deliveries_total', { source_kind: 'webhook', outcome: 'accepted' })).toBe(1);
    expect(sample(apiText, 'insights_webhook_events_total', { source_kind: 'webhook', result: 'stored' })).toBe(1);
    expect(sample(apiText, 'insights_webhook_refused_total', { source_kind: 'webhook', reason: 'signature' })).toBe(1);
    expect(sample(apiText, 'insights_automation_runs', { status: 'completed' })).toBeGreaterThanOrEqual(1);
    expect(sample(apiText, 'insights_automation_runs', { status: 'awaiting_approval' })).toBeGreaterThanOrEqual(1);
    expect(sample(apiText, 'insights_automation_pending_approvals')).toBeGreaterThanOrEqual(1);
    expect(sample(apiText, 'process_cpu_user_seconds_total')).toBeGreaterThan(0);
    // Route templates only: no account, integration or run id ever becomes a label.
    for (const id of [team.owner.accountId, wh.json().integration.id, run.id]) expect(apiText).not.toContain(id);

    const workerText = await waitFor('the worker counted the run', async () => {
      const text = await scrapeWorker();
      return sample(text, 'insights_automation_runs_finished_total', { status: 'completed' }) === 1 && (sample(text, 'insights_recluster_duration_seconds_count', { outcome: 'ok' }) ?? 0) >= 1 ? text : undefined;
    }, { timeoutMs: 60_000, intervalMs: 500 });
    // Kept for reading when an assertion fails.
    writeFileSync(resolve('test-results', 'metrics-worker.prom'), workerText);
    writeFileSync(resolve('test-results', 'metrics-api.prom'), apiText);
    workerScrape = workerText;
    expect(sample(workerText, 'insights_unify_events_processed_total')).toBeGreaterThanOrEqual(1);
    expect(sample(workerText, 'insights_unify_batch_size_count')).toBeGreaterThanOrEqual(1);
    expect(sample(workerText, 'insights_unify_batch_duration_seconds_count')).toBeGreaterThanOrEqual(1);
    expect(sample(workerText, 'process_cpu_user_seconds_total')).toBeGreaterThan(0);
    // The Temporal SDK's own worker metrics, from its exporter, in the same scrape.
    expect(workerText).toMatch(/^temporal_\w+/m);
    expect(workerText).not.toContain('Temporal SDK metrics unavailable');
    for (const id of [team.owner.accountId, run.id]) expect(workerText).not.toContain(id);

    // Every metric is declared in both scrapes (those not exercised here carry their HELP and TYPE lines).
    for (const name of EXPECTED) {
      expect(apiText, name).toContain(`# TYPE ${name} `);
      expect(workerText, name).toContain(`# TYPE ${name} `);
    }
  }, 240_000);
});

describe('the Grafana dashboard', () => {
  const dashboard = JSON.parse(readFileSync(resolve('deploy/grafana/incident-insights.json'), 'utf8')) as { panels: { title: string; targets?: { expr: string }[] }[] };
  const exported = new Set(insightsMetricNames());

  it('has panels, each with a query', () => {
    expect(dashboard.panels.length).toBeGreaterThanOrEqual(10);
    for (const panel of dashboard.panels.filter((p) => (p as { type?: string }).type !== 'row')) expect(panel.targets?.length, panel.title).toBeGreaterThan(0);
  });

  it('queries only metrics the app exports (ours, and the Temporal SDK\'s as the worker scrape showed them)', () => {
    expect(workerScrape, 'the scrape test ran first').not.toBe('');
    const named = new Set<string>();
    for (const panel of dashboard.panels) {
      for (const target of panel.targets ?? []) {
        const names = [...target.expr.matchAll(/\b(?:insights|temporal)_[a-z_]+/g)].map((m) => m[0]);
        expect(names.length, `${panel.title}: ${target.expr}`).toBeGreaterThan(0);
        for (const name of names) {
          if (name.startsWith('temporal_')) {
            expect(workerScrape, `${panel.title} names ${name}`).toMatch(new RegExp(`^${name}[{ ]`, 'm'));
            continue;
          }
          const base = name.replace(/_(bucket|sum|count)$/, '');
          expect(exported.has(base), `${panel.title} names ${name}`).toBe(true);
          named.add(base);
        }
      }
    }
    // And every metric we export has a panel.
    for (const name of EXPECTED) expect(named.has(name), `no panel for ${name}`).toBe(true);
  });
});
