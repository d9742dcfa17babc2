import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startOpsgenieSimulator, type OpsgenieSimulator } from '../simulators/opsgenie.ts';
import type { UnifiedIncident } from '../types.ts';
import { mergeUnified } from '../unified.ts';
import { alertToUnified, createOpsgenieConnector, opsgenieIncidentToUnified, parseOpsgenieWebhook, type OgAlert, type OpsgenieRaw } from './index.ts';
import type { OgAlertLog, OgAlertNote, OgIncident } from './wire.ts';

const fixture = <T>(name: string): T => JSON.parse(readFileSync(resolve(import.meta.dirname, 'fixtures', name), 'utf8')) as T;
const fixtureText = (name: string) => readFileSync(resolve(import.meta.dirname, 'fixtures', name), 'utf8');
const END = Date.parse('2025-06-01T00:00:00Z');
const DAY = 86_400_000;

describe('Opsgenie mapping', () => {
  const alert = fixture<{ data: OgAlert }>('alert.json').data;
  const logs = fixture<{ data: OgAlertLog[] }>('alert-logs.json').data;
  const notes = fixture<{ data: OgAlertNote[] }>('alert-notes.json').data;
  const teams = Object.fromEntries(fixture<{ data: { id: string; name: string }[] }>('teams-list.json').data.map((t) => [t.id, t.name]));

  it('maps a closed alert with its logs and notes, priority P1..P5 kept as is', () => {
    const unified = alertToUnified(alert, logs, notes, teams);
    expect(unified).toMatchObject({
      kind: 'incident',
      source: 'opsgenie',
      externalId: '70413a06-38d6-4c85-92b8-5ebc900d42e2',
      title: 'Replication lag 412s on pg-replica-2',
      description: 'Streaming replication on pg-replica-2 is 412 seconds behind the primary.',
      service: 'postgres-primary',
      team: 'Data',
      teamId: '8418d193-2dab-4490-b331-8c02cdd196b7',
      severity: 'P2',
      severityOriginal: 'P2',
      status: 'resolved',
      createdAt: '2025-03-05T02:09:51.502Z',
      acknowledgedAt: '2025-03-05T02:19:55.514Z',
      resolvedAt: '2025-03-05T03:02:40.288Z',
      assignees: ['greta.lind@example.com'],
      dedupKey: 'event_573',
      tags: ['replication-lag', 'service:postgres-primary', 'env:prod'],
    });
    expect(unified.labels).toMatchObject({ host: 'pg-replica-2', region: 'eu-west-1', entity: 'pg-replica-2', source: 'CloudWatch', priority: 'P2', tinyId: '1791' });
    expect(unified.timeline.map((e) => [e.type, e.actor, e.message])).toEqual([
      ['triggered', 'CloudWatch', 'Alert created via CloudWatch'],
      ['acknowledged', 'greta.lind@example.com', 'Alert acknowledged via web'],
      ['assigned', 'greta.lind@example.com', 'Assigned ownership of the alert to hiro.tanaka@example.com'],
      ['note', 'hiro.tanaka@example.com', 'Vacuum on the orders table was blocking replay; cancelled it.'],
      ['resolved', 'greta.lind@example.com', 'Alert closed via web'],
    ]);
  });

  it('maps an open, unacknowledged list item (no details) from its report alone', () => {
    const item = fixture<{ data: OgAlert[] }>('alerts-list.json').data[1]!;
    const unified = alertToUnified(item);
    expect(unified).toMatchObject({ status: 'triggered', severity: 'P1', teamId: 'b3f1d9a4-6c2e-4a8b-9d0f-1e2c3b4a5d6e', assignees: [], dedupKey: 'checkout-api/http-5xx' });
    expect(unified.acknowledgedAt).toBeUndefined();
    expect(unified.service).toBeUndefined();
    expect(unified.timeline).toEqual([{ type: 'triggered', at: '2025-03-05T04:31:00.007Z', id: 'created' }]);
  });

  it('maps Incident API records', () => {
    const incident = fixture<{ data: OgIncident[] }>('incidents-list.json').data[0]!;
    expect(opsgenieIncidentToUnified(incident, teams)).toMatchObject({ status: 'resolved', severity: 'P1', service: 'checkout-api', teamId: 'b3f1d9a4-6c2e-4a8b-9d0f-1e2c3b4a5d6e', resolvedAt: '2025-03-05T05:48:03.512Z' });
  });

  it('turns webhook actions into incidents (create, acknowledge, close) and changes (notes), folded in any order', () => {
    const connector = createOpsgenieConnector();
    const records = ['create', 'acknowledge', 'add-note', 'close'].map((name) => {
      const parsed = parseOpsgenieWebhook({ 'x-webhook-token': 't0ken' }, fixtureText(`webhook-${name}.json`), 't0ken');
      if (!parsed.ok) throw new Error(parsed.message);
      return connector.toUnified(parsed.events[0]!.raw);
    });
    expect(records.map((r) => r.kind)).toEqual(['incident', 'incident', 'change', 'incident']);
    expect(records[0]).toMatchObject({ createdAt: '2025-03-05T04:31:00.007Z', team: 'Payments', service: 'checkout-api', severity: 'P1', status: 'triggered' });
    const folded = [3, 2, 0, 1].reduce<UnifiedIncident | undefined>((stored, i) => mergeUnified(stored, records[i]!) ?? stored, undefined)!;
    expect(folded).toMatchObject({ status: 'resolved', acknowledgedAt: '2025-03-05T04:37:01.730Z', resolvedAt: '2025-03-05T04:52:05.904Z' });
    // The note came before the incident was stored, so it waits; applied afterwards it lands in the timeline.
    const withNote = mergeUnified(folded, records[2]!)!;
    expect(withNote.timeline.map((e) => e.type)).toEqual(['triggered', 'acknowledged', 'note', 'resolved']);
  });
});

describe('Opsgenie webhook authentication', () => {
  const body = fixtureText('webhook-create.json');

  it('accepts the integration token in X-Webhook-Token or as a bearer token', () => {
    expect(parseOpsgenieWebhook({ 'X-Webhook-Token': 's3cret' }, body, 's3cret').ok).toBe(true);
    expect(parseOpsgenieWebhook({ authorization: 'Bearer s3cret' }, body, 's3cret').ok).toBe(true);
  });

  it('rejects a wrong token, and a delivery without one', () => {
    expect(parseOpsgenieWebhook({ 'x-webhook-token': 'guess' }, body, 's3cret')).toMatchObject({ ok: false, reason: 'signature' });
    expect(parseOpsgenieWebhook({}, body, 's3cret')).toMatchObject({ ok: false, reason: 'unauthenticated' });
  });

  it('dedupes redeliveries on alert, action and update time', () => {
    const a = parseOpsgenieWebhook({ 'x-webhook-token': 's' }, body, 's');
    const b = parseOpsgenieWebhook({ 'x-webhook-token': 's' }, body, 's');
    expect(a.ok && b.ok && a.events[0]!.eventId === b.events[0]!.eventId).toBe(true);
    const ack = parseOpsgenieWebhook({ 'x-webhook-token': 's' }, fixtureText('webhook-acknowledge.json'), 's');
    expect(a.ok && ack.ok && a.events[0]!.eventId !== ack.events[0]!.eventId).toBe(true);
  });

  it('reports a body that is not an Opsgenie payload as malformed', () => {
    expect(parseOpsgenieWebhook({ 'x-webhook-token': 's' }, '{"hello":"world"}', 's')).toMatchObject({ ok: false, reason: 'malformed' });
  });
});

describe('Opsgenie connector against the simulator', () => {
  let us: OpsgenieSimulator;
  let eu: OpsgenieSimulator;
  const connector = () => createOpsgenieConnector({ hosts: { us: us.url, eu: eu.url } });

  beforeAll(async () => {
    us = await startOpsgenieSimulator({ count: 400, end: END, days: 60, seed: 5, keys: { 'og-us-key': 'full', 'og-read-key': 'read' } });
    eu = await startOpsgenieSimulator({ count: 10, end: END, days: 60, seed: 6, keys: { 'og-eu-key': 'full' }, accountName: 'acme-eu' });
  });
  afterAll(async () => {
    await us.close();
    await eu.close();
  });

  it('verifies a key on its region and reads the account', async () => {
    expect(await connector().verify({ apiKey: 'og-us-key', region: 'us' })).toMatchObject({ name: 'acme', details: { region: 'us', plan: 'Enterprise', access: 'configuration' } });
    expect(await connector().verify({ apiKey: 'og-eu-key', region: 'eu' })).toMatchObject({ name: 'acme-eu', details: { region: 'eu' } });
  });

  it('says when a key belongs to the other region', async () => {
    const error = await connector().verify({ apiKey: 'og-eu-key', region: 'us' }).catch((e: unknown) => e);
    expect(error).toMatchObject({ kind: 'auth' });
    expect((error as Error).message).toMatch(/belongs to Opsgenie's EU instance .*choose region "eu"/);
  });

  it('explains a wrong key with the 401 and the region hint', async () => {
    const error = await connector().verify({ apiKey: 'nope', region: 'us' }).catch((e: unknown) => e);
    expect(error).toMatchObject({ kind: 'auth', status: 401 });
    expect((error as Error).message).toMatch(/rejected the API key .*Could not authenticate.*region/);
  });

  it('verifies a read-only key through the alerts it can read', async () => {
    expect(await connector().verify({ apiKey: 'og-read-key', region: 'us' })).toMatchObject({ details: { access: 'read' } });
  });

  it('pages all alerts by creation window with details, logs and notes', async () => {
    const before = us.requests.length;
    const items: OpsgenieRaw[] = [];
    let last;
    for await (const page of connector().listIncidents({ apiKey: 'og-us-key', region: 'us' }, { since: new Date(END - 60 * DAY).toISOString(), until: new Date(END).toISOString() })) {
      items.push(...page.items);
      last = page;
    }
    expect(items).toHaveLength(400);
    expect(new Set(items.map((r) => (r.type === 'alert' ? r.alert.id : ''))).size).toBe(400);
    expect(last!.progress).toBe(1);
    const search = us.requests.slice(before).filter((r) => r.path === '/v2/alerts');
    for (const call of search) {
      const q = new Map(call.query);
      expect(q.get('query')).toMatch(/^createdAt > \d+ AND createdAt < \d+$/);
      expect(q.get('sort')).toBe('createdAt');
      expect(q.get('order')).toBe('asc');
      expect(Number(q.get('limit'))).toBeLessThanOrEqual(100);
      expect(call.headers['authorization']).toBe('GenieKey og-us-key');
    }
    const withNotes = items.find((r) => r.type === 'alert' && (r.notes?.length ?? 0) > 0)!;
    const unified = createOpsgenieConnector().toUnified(withNotes) as UnifiedIncident;
    const simulated = us.dataset.incidents.find((i) => us.alertId(i) === unified.externalId)!;
    expect(unified).toMatchObject({ title: simulated.title, description: simulated.description, severity: simulated.priority, team: us.dataset.teams.find((t) => t.id === simulated.teamId)!.name });
    expect(unified.service).toBe(us.dataset.services.find((s) => s.id === simulated.serviceId)!.name);
    expect(unified.timeline.filter((e) => e.type === 'note').map((e) => e.message)).toEqual(simulated.notes.map((n) => n.text));
  });

  it('filters on team, priority and status, and on service after fetching details', async () => {
    const payments = us.dataset.teams.find((t) => t.name === 'Payments')!;
    const service = us.dataset.services.find((s) => s.name === 'checkout-api')!;
    const items: OpsgenieRaw[] = [];
    const filters = { teams: ['Payments'], priorities: ['P1', 'P2'], statuses: ['resolved' as const], services: ['checkout-api'] };
    for await (const page of connector().listIncidents({ apiKey: 'og-us-key' }, { since: new Date(END - 60 * DAY).toISOString(), until: new Date(END).toISOString(), filters, timeline: false })) items.push(...page.items);
    const expected = us.dataset.incidents.filter((i) => i.teamId === payments.id && i.serviceId === service.id && (i.priority === 'P1' || i.priority === 'P2') && i.status === 'resolved');
    expect(items.map((r) => (r.type === 'alert' ? r.alert.id : '')).sort()).toEqual(expected.map((i) => us.alertId(i)).sort());
  });

  it('reads the Incident API when the connector is set to incidents', async () => {
    const items: OpsgenieRaw[] = [];
    for await (const page of createOpsgenieConnector({ hosts: { us: us.url, eu: eu.url }, resource: 'incidents' }).listIncidents({ apiKey: 'og-us-key' }, { since: new Date(END - 60 * DAY).toISOString(), until: new Date(END).toISOString() })) items.push(...page.items);
    expect(items.length).toBe(us.dataset.incidents.filter((i) => i.priority === 'P1' || i.priority === 'P2').length);
    expect(items.every((r) => r.type === 'incident')).toBe(true);
  });

  it('waits out throttling (429 with X-RateLimit-Period-In-Sec) and retries a 500', async () => {
    const sleeps: number[] = [];
    const c = createOpsgenieConnector({ hosts: { us: us.url, eu: eu.url }, transport: { sleep: async (ms) => void sleeps.push(ms) } });
    us.rateLimitNext({ times: 1, periodSeconds: 3 });
    us.failNext({ status: 500, path: '/v2/alerts/' });
    let count = 0;
    for await (const page of c.listIncidents({ apiKey: 'og-us-key' }, { since: new Date(END - 60 * DAY).toISOString(), until: new Date(END).toISOString(), timeline: false })) count += page.items.length;
    expect(count).toBe(400);
    expect(sleeps[0]).toBe(3000);
    expect(sleeps).toHaveLength(2);
  });

  it('offers teams and P1..P5 for the import set-up; a read-only key gets no teams rather than an error', async () => {
    const full = await connector().importChoices({ apiKey: 'og-us-key' });
    expect(full.teams.map((t) => t.name).sort()).toEqual(['Data', 'Payments', 'Platform', 'Search']);
    expect(full.priorities.map((p) => p.id)).toEqual(['P1', 'P2', 'P3', 'P4', 'P5']);
    expect((await connector().importChoices({ apiKey: 'og-read-key' })).teams).toEqual([]);
  });

  it('delivers webhook payloads with the token header', async () => {
    const { createServer } = await import('node:http');
    let delivered: { headers: Record<string, string | string[] | undefined>; body: string } | undefined;
    const receiver = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        delivered = { headers: req.headers, body: Buffer.concat(chunks).toString('utf8') };
        res.writeHead(200).end();
      });
    });
    await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
    try {
      const open = us.dataset.incidents.find((i) => i.status !== 'resolved')!;
      const payload = us.closeAlert(us.alertId(open), { at: END - 1000 });
      await us.sendWebhook(`http://127.0.0.1:${(receiver.address() as { port: number }).port}/`, payload, { token: 'hook-token' });
      const parsed = parseOpsgenieWebhook(delivered!.headers, delivered!.body, 'hook-token');
      expect(parsed.ok).toBe(true);
      if (parsed.ok) expect(createOpsgenieConnector().toUnified(parsed.events[0]!.raw)).toMatchObject({ status: 'resolved', resolvedAt: new Date(END - 1000).toISOString(), externalId: us.alertId(open) });
    } finally {
      await new Promise((r) => receiver.close(r));
    }
  });
});
