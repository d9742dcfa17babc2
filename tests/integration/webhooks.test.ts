// Webhook intake: deliveries authenticated per integration and stored before the 2xx, each once however often it
// is redelivered, refused with 401 or 400 (naming the problem) without storing anything, and unified within seconds.
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPagerDutySimulator, type PagerDutySimulator } from '../../connectors/simulators/pagerduty.ts';
import { signUp, type SignedIn } from '../../devkit/app.ts';
import { useApi, waitFor, type TestDatabase } from '../helpers.ts';

const SIGNING_SECRET = 'pd-webhook-signing-secret-0001';

const api = useApi({}, { listen: true, worker: true });
let db: TestDatabase;
let app: FastifyInstance;
let owner: SignedIn;
let pd: PagerDutySimulator;

beforeAll(async () => {
  ({ db, app } = api);
  owner = await signUp(app);
  pd = await startPagerDutySimulator({ count: 20, seed: 3, tokens: { 'u+pd-webhooks-0001': 'user' }, webhookSecrets: [SIGNING_SECRET] });
});

afterAll(async () => {
  await pd?.close();
});

const counts = async (integrationId: string) => {
  const [row] = await db.admin<[{ raw: number; incidents: number }]>`
    select (select count(*)::int from raw_events where integration_id = ${integrationId}) as raw,
           (select count(*)::int from incidents where integration_id = ${integrationId}) as incidents`;
  return row;
};

/** The webhook address as the API shows it, but on the port this test listens on. */
const local = (url: string) => api.local(url);

describe('PagerDuty webhooks', () => {
  let integrationId: string;
  let webhookUrl: string;

  beforeAll(async () => {
    const created = await owner.call({
      method: 'POST',
      url: '/api/integrations',
      payload: { kind: 'pagerduty', name: 'PD webhooks', credentials: { apiKey: 'u+pd-webhooks-0001', baseUrl: pd.url }, webhookSecret: SIGNING_SECRET, backfill: false },
    });
    expect(created.statusCode, created.body).toBe(201);
    integrationId = created.json().integration.id;
    webhookUrl = local(created.json().integration.webhook.url);
    expect(created.json().webhookSecret).toBeUndefined(); // PagerDuty's own secret is never echoed
  });

  it('stores a delivery once however often it is redelivered, and unifies it within seconds', async () => {
    const incident = pd.dataset.incidents.at(-1)!;
    const event = pd.incidentEvent('incident.triggered', incident.id);
    const answers = [];
    for (let i = 0; i < 3; i += 1) answers.push(await pd.sendWebhook(webhookUrl, event, { webhookId: 'delivery-0001' }));
    expect(answers.map((a) => a.status)).toEqual([202, 202, 202]);
    expect(answers.map((a) => JSON.parse(a.body).stored)).toEqual([1, 0, 0]);
    await waitFor('the incident unified', async () => ((await counts(integrationId)).incidents === 1 ? true : undefined), { timeoutMs: 20_000 });
    expect(await counts(integrationId)).toEqual({ raw: 1, incidents: 1 });

    // Acknowledged, then resolved: the same incident moves on, MTTA and MTTR derived.
    await pd.sendWebhook(webhookUrl, pd.acknowledge(incident.id));
    await pd.sendWebhook(webhookUrl, pd.resolve(incident.id));
    const row = await waitFor('resolved', async () => {
      const [r] = await db.admin<[{ status: string; mtta: number | null; mttr: number | null }?]>`
        select status, mtta_seconds as mtta, mttr_seconds as mttr from incidents where integration_id = ${integrationId} and external_id = ${incident.id}`;
      return r?.status === 'resolved' ? r : undefined;
    }, { timeoutMs: 20_000 });
    expect(row.mttr).toBeGreaterThanOrEqual(row.mtta ?? 0);
    expect((await counts(integrationId)).incidents).toBe(1);
  });

  it('answers 401 to a wrong or missing signature and stores nothing', async () => {
    const before = await counts(integrationId);
    const event = pd.incidentEvent('incident.triggered', pd.dataset.incidents[0]!.id);
    const forged = await pd.sendWebhook(webhookUrl, event, { secrets: ['not-the-secret-at-all'] });
    expect(forged.status).toBe(401);
    expect(JSON.parse(forged.body).error.code).toBe('invalid_signature');
    const unsigned = await fetch(webhookUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(event) });
    expect(unsigned.status).toBe(401);
    expect(await counts(integrationId)).toEqual(before);
  });

  it('answers 400 naming the problem for a body that is not a PagerDuty event, and stores nothing', async () => {
    const before = await counts(integrationId);
    const res = await pd.sendWebhook(webhookUrl, { nonsense: true } as never);
    expect(res.status).toBe(400);
    const error = JSON.parse(res.body).error;
    expect(error.code).toBe('invalid_payload');
    expect(error.message).toMatch(/event/i);
    expect(await counts(integrationId)).toEqual(before);
  });

  it('answers 404 for an integration of another account, or none, exactly alike', async () => {
    const other = await signUp(app);
    const elsewhere = webhookUrl.replace(owner.accountId, other.accountId);
    const event = pd.incidentEvent('incident.triggered', pd.dataset.incidents[1]!.id);
    const answers = await Promise.all([pd.sendWebhook(elsewhere, event), pd.sendWebhook(webhookUrl.replace(integrationId, '00000000-0000-4000-8000-000000000000'), event)]);
    expect(answers.map((a) => [a.status, JSON.parse(a.body).error.code])).toEqual([
      [404, 'not_found'],
      [404, 'not_found'],
    ]);
  });
});

describe('Alertmanager and generic webhooks', () => {
  it('takes Alertmanager notifications with the bearer secret shown once at connect time', async () => {
    const created = await owner.call({ method: 'POST', url: '/api/integrations', payload: { kind: 'alertmanager', name: 'Prometheus' } });
    expect(created.statusCode, created.body).toBe(201);
    const { integration, webhookSecret } = created.json();
    expect(webhookSecret).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(JSON.stringify((await owner.call({ method: 'GET', url: `/api/integrations/${integration.id}` })).json())).not.toContain(webhookSecret);
    const payload = {
      version: '4',
      groupKey: '{}:{alertname="DiskPressure"}',
      truncatedAlerts: 0,
      status: 'firing',
      receiver: 'insights',
      groupLabels: { alertname: 'DiskPressure' },
      commonLabels: { alertname: 'DiskPressure', severity: 'warning' },
      commonAnnotations: {},
      externalURL: 'http://alertmanager:9093',
      alerts: [
        {
          status: 'firing',
          labels: { alertname: 'DiskPressure', severity: 'warning', instance: 'batch-node-17', job: 'node' },
          annotations: { summary: 'Disk pressure on batch-node-17' },
          startsAt: '2026-11-25T10:00:00Z',
          endsAt: '0001-01-01T00:00:00Z',
          generatorURL: 'http://prometheus:9090/graph',
          fingerprint: 'a1b2c3d4e5f60718',
        },
      ],
    };
    const post = (secret: string) =>
      fetch(local(integration.webhook.url), { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${secret}` }, body: JSON.stringify(payload) });
    expect((await post('wrong-secret')).status).toBe(401);
    expect((await post(webhookSecret)).status).toBe(202);
    const incident = await waitFor('the alert unified', async () => {
      const [row] = await db.admin<[{ title: string; severity: string; service: string; status: string }?]>`
        select title, severity, service, status from incidents where integration_id = ${integration.id}`;
      return row;
    }, { timeoutMs: 20_000 });
    expect(incident).toEqual({ title: 'Disk pressure on batch-node-17', severity: 'P3', service: 'node', status: 'triggered' });
  });

  it('maps a generic JSON webhook with the integration’s field mapping, and names an unmapped field', async () => {
    const created = await owner.call({
      method: 'POST',
      url: '/api/integrations',
      payload: {
        kind: 'webhook',
        name: 'Homegrown alerts',
        settings: { mapping: { fields: { externalId: 'id', title: 'summary', createdAt: 'time', severity: 'level', service: 'app' }, severityMap: { red: 'P1' } } },
      },
    });
    expect(created.statusCode, created.body).toBe(201);
    const { integration, webhookSecret } = created.json();
    const send = (body: unknown) =>
      fetch(local(integration.webhook.url), { method: 'POST', headers: { 'content-type': 'application/json', 'x-webhook-token': webhookSecret }, body: JSON.stringify(body) });
    expect((await send({ id: 'h-1', summary: 'Checkout latency above 2 s', time: '2026-11-25T09:00:00Z', level: 'red', app: 'checkout' })).status).toBe(202);
    const bad = await send({ id: 'h-2', time: '2026-11-25T09:00:00Z' });
    expect(bad.status).toBe(400);
    expect(JSON.stringify(await bad.json())).toContain('title');
    const row = await waitFor('unified', async () => {
      const [r] = await db.admin<[{ title: string; severity: string; service: string }?]>`select title, severity, service from incidents where integration_id = ${integration.id}`;
      return r;
    }, { timeoutMs: 20_000 });
    expect(row).toEqual({ title: 'Checkout latency above 2 s', severity: 'P1', service: 'checkout' });
    expect((await counts(integration.id)).raw).toBe(1);
  });

  it('stores an event whose text PostgreSQL cannot hold (a NUL, a lone surrogate), with those characters replaced', async () => {
    const created = await owner.call({
      method: 'POST',
      url: '/api/integrations',
      payload: { kind: 'webhook', name: 'Odd bytes', settings: { mapping: { fields: { externalId: 'id', title: 'summary', createdAt: 'time', service: 'app' } } } },
    });
    expect(created.statusCode, created.body).toBe(201);
    const { integration, webhookSecret } = created.json();
    const body = JSON.stringify({ id: 'nul-1', summary: 'Disk \u0000full on \ud800db-1', time: '2026-11-25T09:00:00Z', app: 'storage' });
    const res = await fetch(local(integration.webhook.url), { method: 'POST', headers: { 'content-type': 'application/json', 'x-webhook-token': webhookSecret }, body });
    expect(res.status, await res.clone().text()).toBe(202);
    const row = await waitFor('unified', async () => {
      const [r] = await db.admin<[{ title: string }?]>`select title from incidents where integration_id = ${integration.id}`;
      return r;
    }, { timeoutMs: 20_000 });
    expect(row.title).toBe('Disk \ufffdfull on \ufffddb-1');
  });

  it('refuses a generic webhook without a usable mapping at connect time, naming the field', async () => {
    const res = await owner.call({ method: 'POST', url: '/api/integrations', payload: { kind: 'webhook', name: 'No mapping' } });
    expect(res.statusCode).toBe(400);
    expect(res.json().error.details[0].field).toBe('settings.mapping');
  });
});
