import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPagerDutySimulator, type PagerDutySimulator } from '../simulators/pagerduty.ts';
import { ConnectorError, type UnifiedIncident } from '../types.ts';
import { mergeUnified } from '../unified.ts';
import { createPagerDutyConnector, incidentToUnified, parsePagerDutyWebhook, signPagerDutyBody, type PagerDutyCursor, type PagerDutyRaw, type PdIncident, type PdLogEntry } from './index.ts';

const fixture = <T>(name: string): T => JSON.parse(readFileSync(resolve(import.meta.dirname, 'fixtures', name), 'utf8')) as T;
const fixtureText = (name: string) => readFileSync(resolve(import.meta.dirname, 'fixtures', name), 'utf8');
const END = Date.parse('2025-06-01T00:00:00Z');
const DAY = 86_400_000;

describe('PagerDuty webhooks v3', () => {
  const body = fixtureText('webhook-incident-triggered.json');
  const secret = 'whsec-current';

  it('accepts a body signed with the secret and dedupes on X-Webhook-Id', () => {
    const result = parsePagerDutyWebhook({ 'X-PagerDuty-Signature': signPagerDutyBody(body, secret), 'X-Webhook-Id': 'delivery-1' }, Buffer.from(body), secret);
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.events).toHaveLength(1);
    expect(result.events[0]!.eventId).toBe('delivery-1');
    expect(result.events[0]!.raw).toMatchObject({ type: 'webhook_event', event: { event_type: 'incident.triggered' } });
  });

  it('falls back to event.id when X-Webhook-Id is missing', () => {
    const result = parsePagerDutyWebhook({ 'x-pagerduty-signature': signPagerDutyBody(body, secret) }, body, secret);
    expect(result.ok && result.events[0]!.eventId).toBe('01DEN8JQSH5HVUP9Z6W3X1Y2Z3');
  });

  it('accepts any of several v1= signatures while PagerDuty rotates its secret', () => {
    const header = `v1=${'0'.repeat(64)}, ${signPagerDutyBody(body, secret)}`;
    expect(parsePagerDutyWebhook({ 'x-pagerduty-signature': header }, body, secret).ok).toBe(true);
  });

  it('accepts the new or the old secret while the integration rotates its own', () => {
    const signedWithOld = signPagerDutyBody(body, 'whsec-old');
    expect(parsePagerDutyWebhook({ 'x-pagerduty-signature': signedWithOld }, body, ['whsec-new', 'whsec-old']).ok).toBe(true);
    expect(parsePagerDutyWebhook({ 'x-pagerduty-signature': signedWithOld }, body, ['whsec-new']).ok).toBe(false);
  });

  it('rejects a webhook whose signature does not match', () => {
    const result = parsePagerDutyWebhook({ 'x-pagerduty-signature': signPagerDutyBody(body, 'someone-else') }, body, secret);
    expect(result).toMatchObject({ ok: false, reason: 'signature' });
  });

  it('rejects a tampered body', () => {
    const tampered = body.replace('Disk pressure on batch-node-17', 'Disk pressure on batch-node-18');
    const result = parsePagerDutyWebhook({ 'x-pagerduty-signature': signPagerDutyBody(body, secret) }, tampered, secret);
    expect(result).toMatchObject({ ok: false, reason: 'signature' });
  });

  it('rejects a webhook without X-PagerDuty-Signature, or with no v1= value in it', () => {
    expect(parsePagerDutyWebhook({}, body, secret)).toMatchObject({ ok: false, reason: 'unauthenticated' });
    expect(parsePagerDutyWebhook({ 'x-pagerduty-signature': 'v0=abc' }, body, secret)).toMatchObject({ ok: false, reason: 'signature' });
  });

  it('rejects everything when no secret is configured', () => {
    expect(parsePagerDutyWebhook({ 'x-pagerduty-signature': signPagerDutyBody(body, '') }, body, '')).toMatchObject({ ok: false, reason: 'signature' });
  });

  it('reports a signed but unreadable body as malformed', () => {
    const broken = '{"event": ';
    expect(parsePagerDutyWebhook({ 'x-pagerduty-signature': signPagerDutyBody(broken, secret) }, broken, secret)).toMatchObject({ ok: false, reason: 'malformed' });
  });

  it('accepts events about other resources with no events, so PagerDuty does not disable the subscription', () => {
    const other = fixtureText('webhook-service-updated.json');
    expect(parsePagerDutyWebhook({ 'x-pagerduty-signature': signPagerDutyBody(other, secret) }, other, secret)).toEqual({ ok: true, events: [] });
  });
});

describe('PagerDuty mapping', () => {
  const list = fixture<{ incidents: PdIncident[] }>('incidents-list.json');
  const log = fixture<{ log_entries: PdLogEntry[] }>('incident-log-entries.json');

  it('maps a resolved incident with its log entries to a unified incident with a timeline', () => {
    const unified = incidentToUnified(list.incidents[0]!, log.log_entries);
    expect(unified).toEqual({
      kind: 'incident',
      source: 'pagerduty',
      externalId: 'Q2KWQD4ZUPXE9L',
      title: 'High CPU on ip-10-2-3-4 (94%)',
      description: 'High CPU on ip-10-2-3-4 (94%)',
      service: 'checkout-api',
      serviceId: 'PIJ90N7',
      team: 'Payments',
      teamId: 'PQ9K7I8',
      severity: 'P2',
      severityOriginal: 'P2',
      status: 'resolved',
      createdAt: '2025-03-04T09:12:44.000Z',
      acknowledgedAt: '2025-03-04T09:20:13.000Z',
      resolvedAt: '2025-03-04T10:03:10.000Z',
      observedAt: '2025-03-04T10:03:10.000Z',
      assignees: ['Chen Wei'],
      tags: [],
      url: 'https://acme.pagerduty.com/incidents/Q2KWQD4ZUPXE9L',
      dedupKey: 'a6f1c0e2b8d94f4e9e0f3e5c2b7d1a90',
      labels: { urgency: 'high', priority: 'P2', incident_number: '4211', escalation_policy: 'Payments on-call' },
      timeline: [
        { type: 'triggered', at: '2025-03-04T09:12:44.000Z', actor: 'checkout-api', id: 'R2D3KUBRK8KTJ3U4Q0GC8VKSQ0', message: 'Triggered through the API.' },
        { type: 'assigned', at: '2025-03-04T09:12:44.000Z', actor: 'checkout-api', id: 'R3B5N7M9K1J3H5G7F9D1S3A5Q7', message: 'Chen Wei' },
        { type: 'acknowledged', at: '2025-03-04T09:20:13.000Z', actor: 'Chen Wei', id: 'R7Y5X3W1V9U7T5S3R1Q9P7O5N3' },
        { type: 'note', at: '2025-03-04T09:41:55.000Z', actor: 'Chen Wei', id: 'R1KZ3B7V0F9WQ2N4H6J8L0P2R4', message: 'Rolled back the 09:05 deploy, CPU is dropping.' },
        { type: 'resolved', at: '2025-03-04T10:03:10.000Z', actor: 'Chen Wei', id: 'R9TPDQ8C1O5NVW8N9Z0JX5A7GI', message: 'Resolved by Chen Wei.' },
      ],
    });
  });

  it('maps urgency when there is no priority, and derives a timeline without log entries', () => {
    const unified = incidentToUnified(list.incidents[1]!);
    expect(unified).toMatchObject({ severity: 'P4', severityOriginal: 'low', status: 'acknowledged', assignees: ['Ada Fernandes'], acknowledgedAt: '2025-03-04T11:52:31.000Z', team: 'Platform' });
    expect(unified.resolvedAt).toBeUndefined();
    expect(unified.timeline.map((e) => e.type)).toEqual(['triggered', 'acknowledged']);
  });

  it('reads priorities named like SEV-1 and falls back on urgency for unknown names', () => {
    const incident = list.incidents[0]!;
    expect(incidentToUnified({ ...incident, priority: { ...incident.priority!, name: 'SEV-1', summary: 'SEV-1' } })).toMatchObject({ severity: 'P1', severityOriginal: 'SEV-1' });
    expect(incidentToUnified({ ...incident, priority: { ...incident.priority!, name: 'Business hours', summary: 'Business hours' } })).toMatchObject({ severity: 'P2', severityOriginal: 'Business hours' });
  });

  it('folds the webhook events of one incident into the incident, in any arrival order', () => {
    const connector = createPagerDutyConnector();
    const records = ['triggered', 'acknowledged', 'annotated', 'reassigned', 'resolved'].map((name) => {
      const raw: PagerDutyRaw = { type: 'webhook_event', event: fixture<{ event: never }>(`webhook-incident-${name}.json`).event };
      return connector.toUnified(raw);
    });
    const fold = (order: number[]) => order.reduce<UnifiedIncident | undefined>((stored, i) => mergeUnified(stored, records[i]!) ?? stored, undefined);
    const inOrder = fold([0, 1, 2, 3, 4])!;
    expect(inOrder).toMatchObject({
      externalId: 'Q0XG3ZJ4R2RBNY',
      status: 'resolved',
      severity: 'P3',
      severityOriginal: 'P3',
      acknowledgedAt: '2025-03-04T11:52:31.402Z',
      resolvedAt: '2025-03-04T12:31:44.015Z',
      assignees: [],
      dedupKey: 'batch-node-17/DiskPressure',
    });
    expect(inOrder.timeline.map((e) => `${e.type}:${e.actor ?? ''}:${e.message ?? ''}`)).toEqual([
      'triggered::',
      'acknowledged:Ada Fernandes:',
      'note:Ada Fernandes:Cleared old logs from /var/log, disk back to 60%.',
      'assigned:Ada Fernandes:Bruno Keller',
      'resolved:Bruno Keller:',
    ]);
    // The note arrives before the incident: the change has nothing to apply to until the incident is stored.
    expect(mergeUnified(undefined, records[2]!)).toBeUndefined();
    const shuffled = fold([4, 0, 3, 1]);
    expect(shuffled).toMatchObject({ status: 'resolved', resolvedAt: '2025-03-04T12:31:44.015Z', acknowledgedAt: '2025-03-04T11:52:31.402Z' });
  });
});

describe('PagerDuty connector against the simulator', () => {
  let sim: PagerDutySimulator;
  const credentials = () => ({ apiKey: 'pd-test-token', baseUrl: sim.url });

  beforeAll(async () => {
    sim = await startPagerDutySimulator({ count: 600, end: END, days: 90, seed: 7, tokens: { 'pd-test-token': 'user', 'pd-account-key': 'account', 'pd-restricted': 'restricted' } });
  });
  afterAll(() => sim.close());

  async function collect(connector = createPagerDutyConnector(), options: Partial<Parameters<ReturnType<typeof createPagerDutyConnector>['listIncidents']>[1]> = {}) {
    const pages = [];
    for await (const page of connector.listIncidents(credentials(), { since: new Date(END - 90 * DAY).toISOString(), until: new Date(END).toISOString(), ...options })) pages.push(page);
    return pages;
  }

  it('verifies a user key, an account-level key, and explains a key that lacks access', async () => {
    const connector = createPagerDutyConnector();
    const user = await connector.verify(credentials());
    expect(user.details).toMatchObject({ keyType: 'user', teams: 'true' });
    expect(user.name).toContain(sim.dataset.users[0]!.name);
    const account = await connector.verify({ apiKey: 'pd-account-key', baseUrl: sim.url });
    expect(account).toMatchObject({ name: 'PagerDuty account (account-level API key)', details: { keyType: 'account' } });
    const restricted = await connector.verify({ apiKey: 'pd-restricted', baseUrl: sim.url }).catch((e: unknown) => e);
    expect(restricted).toMatchObject({ kind: 'auth', status: 403 });
    expect((restricted as Error).message).toMatch(/accepted the API key but refused \/incidents.*lacks access/);
  });

  it('answers 401 for a wrong or revoked key with a message that says so', async () => {
    const connector = createPagerDutyConnector();
    const wrong = await connector.verify({ apiKey: 'nope', baseUrl: sim.url }).catch((e: unknown) => e);
    expect(wrong).toBeInstanceOf(ConnectorError);
    expect(wrong).toMatchObject({ kind: 'auth', status: 401 });
    expect((wrong as Error).message).toMatch(/rejected the API key \(Authentication failed \(code 2006\)\)/);
    sim.addToken('pd-soon-revoked', 'user');
    await connector.verify({ apiKey: 'pd-soon-revoked', baseUrl: sim.url });
    sim.revokeToken('pd-soon-revoked');
    await expect(connector.verify({ apiKey: 'pd-soon-revoked', baseUrl: sim.url })).rejects.toMatchObject({ kind: 'auth', status: 401 });
  });

  it('pages every incident once, in windows, with log entries for the timeline', async () => {
    const before = sim.requests.length;
    const pages = await collect();
    const ids = pages.flatMap((p) => p.items.map((raw) => (raw.type === 'incident' ? raw.incident.id : '')));
    expect(ids).toHaveLength(600);
    expect(new Set(ids).size).toBe(600);
    expect(pages.at(-1)!.next).toBeUndefined();
    expect(pages.at(-1)!.progress).toBe(1);
    expect(pages.map((p) => p.progress)).toEqual([...pages.map((p) => p.progress)].sort((a, b) => a - b));
    const listCalls = sim.requests.slice(before).filter((r) => r.path === '/incidents');
    expect(listCalls.length).toBeGreaterThanOrEqual(3);
    for (const call of listCalls) {
      const q = new Map(call.query);
      expect(Number(q.get('limit'))).toBe(100);
      expect(q.get('total')).toBe('true');
      expect(Date.parse(q.get('until')!) - Date.parse(q.get('since')!)).toBeLessThanOrEqual(30 * DAY);
      expect(call.headers['accept']).toBe('application/vnd.pagerduty+json;version=2');
      expect(call.headers['authorization']).toBe('Token token=pd-test-token');
    }
    const connector = createPagerDutyConnector();
    const withNote = pages.flatMap((p) => p.items).find((raw) => raw.type === 'incident' && raw.log_entries?.some((e) => e.type === 'annotate_log_entry'))!;
    const unified = connector.toUnified(withNote) as UnifiedIncident;
    const simulated = sim.dataset.incidents.find((i) => i.id === unified.externalId)!;
    expect(unified.timeline.filter((e) => e.type === 'note').map((e) => e.message)).toEqual(simulated.notes.map((n) => n.text));
    expect(unified.title).toBe(simulated.title);
    expect(unified.createdAt).toBe(new Date(simulated.createdAt).toISOString());
  });

  it('resumes from a checkpointed cursor (plain JSON) without gaps or repeats', async () => {
    const connector = createPagerDutyConnector();
    const range = { since: new Date(END - 90 * DAY).toISOString(), until: new Date(END).toISOString(), timeline: false };
    const seen: string[] = [];
    let checkpoint: string | undefined;
    for await (const page of connector.listIncidents(credentials(), range)) {
      seen.push(...page.items.map((raw) => (raw.type === 'incident' ? raw.incident.id : '')));
      checkpoint = JSON.stringify(page.next);
      if (seen.length >= 250) break;
    }
    const cursor = JSON.parse(checkpoint!) as PagerDutyCursor;
    for await (const page of connector.listIncidents(credentials(), { ...range, cursor })) seen.push(...page.items.map((raw) => (raw.type === 'incident' ? raw.incident.id : '')));
    expect(seen).toHaveLength(600);
    expect(new Set(seen).size).toBe(600);
  });

  it('sends service, team, urgency and status filters to PagerDuty and applies priorities itself', async () => {
    const service = sim.dataset.services.find((s) => s.name === 'checkout-api')!;
    const before = sim.requests.length;
    const pages = await collect(createPagerDutyConnector(), { timeline: false, filters: { services: [service.id], statuses: ['resolved'], urgencies: ['high'], priorities: ['P1', 'P2'] } });
    const unified = pages.flatMap((p) => p.items).map((raw) => incidentToUnified((raw as Extract<PagerDutyRaw, { type: 'incident' }>).incident));
    const expected = sim.dataset.incidents.filter((i) => i.serviceId === service.id && i.status === 'resolved' && i.urgency === 'high' && (i.priority === 'P1' || i.priority === 'P2'));
    expect(unified.map((u) => u.externalId).sort()).toEqual(expected.map((i) => i.id).sort());
    const query = new Map(sim.requests.slice(before).find((r) => r.path === '/incidents')!.query);
    expect(query.get('service_ids[]')).toBe(service.id);
    expect(query.get('statuses[]')).toBe('resolved');
  });

  it('waits out a 429 for as long as PagerDuty says, then carries on', async () => {
    const sleeps: number[] = [];
    const connector = createPagerDutyConnector({ transport: { sleep: async (ms) => void sleeps.push(ms) } });
    sim.rateLimitNext({ times: 2, resetSeconds: 4 });
    const pages = await collect(connector, { timeline: false });
    expect(pages.flatMap((p) => p.items)).toHaveLength(600);
    expect(sleeps).toEqual([4000, 4000]);
  });

  it('retries a 500 and a 503 from PagerDuty', async () => {
    const sleeps: number[] = [];
    const connector = createPagerDutyConnector({ transport: { sleep: async (ms) => void sleeps.push(ms) } });
    sim.failNext({ status: 500, path: '/incidents' });
    sim.failNext({ status: 503, path: '/incidents' });
    const pages = await collect(connector, { timeline: false });
    expect(pages.flatMap((p) => p.items)).toHaveLength(600);
    expect(sleeps).toHaveLength(2);
  });

  it('lists services, teams and priorities for the import set-up', async () => {
    const choices = await createPagerDutyConnector().importChoices(credentials());
    expect(choices.services.map((s) => s.name).sort()).toEqual(sim.dataset.services.map((s) => s.name).sort());
    expect(choices.teams.map((t) => t.name).sort()).toEqual(['Data', 'Payments', 'Platform', 'Search']);
    expect(choices.priorities.map((p) => p.name)).toEqual(['P1', 'P2', 'P3', 'P4', 'P5']);
    expect(choices.urgencies).toEqual(['high', 'low']);
  });

  it('delivers signed webhooks that the connector verifies', async () => {
    const { createServer } = await import('node:http');
    const received: { headers: Record<string, string | string[] | undefined>; body: string }[] = [];
    const receiver = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        received.push({ headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
        res.writeHead(202).end();
      });
    });
    await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
    try {
      const port = (receiver.address() as { port: number }).port;
      const open = sim.dataset.incidents.find((i) => i.status === 'triggered')!;
      const event = sim.acknowledge(open.id, { at: END - 60_000 });
      const sent = await sim.sendWebhook(`http://127.0.0.1:${port}/hooks/pagerduty`, event, { secrets: ['old-secret', 'new-secret'] });
      expect(sent.status).toBe(202);
      const delivery = received[0]!;
      const result = parsePagerDutyWebhook(delivery.headers, Buffer.from(delivery.body), 'new-secret');
      expect(result.ok && result.events[0]!.eventId).toBe(sent.webhookId);
      const unified = result.ok ? createPagerDutyConnector().toUnified(result.events[0]!.raw) : undefined;
      expect(unified).toMatchObject({ kind: 'incident', externalId: open.id, status: 'acknowledged', acknowledgedAt: new Date(END - 60_000).toISOString() });
    } finally {
      await new Promise((r) => receiver.close(r));
    }
  });
});

describe('PagerDuty at scale', () => {
  it('splits a window holding 10,000 or more incidents so offset + limit stays within 10,000', async () => {
    const sim = await startPagerDutySimulator({ count: 10_250, end: END, days: 2, seed: 3 });
    try {
      const connector = createPagerDutyConnector();
      const ids = new Set<string>();
      for await (const page of connector.listIncidents({ apiKey: 'pd-test-token', baseUrl: sim.url }, { since: new Date(END - 2 * DAY).toISOString(), until: new Date(END).toISOString(), timeline: false })) {
        for (const raw of page.items) if (raw.type === 'incident') ids.add(raw.incident.id);
      }
      expect(ids.size).toBe(10_250);
      const lists = sim.requests.filter((r) => r.path === '/incidents');
      expect(lists.every((r) => r.status === 200)).toBe(true);
      expect(lists.every((r) => Number(new Map(r.query).get('offset')) + Number(new Map(r.query).get('limit')) <= 10_000)).toBe(true);
    } finally {
      await sim.close();
    }
  }, 60_000);

  it('pages 5,000 incidents with their log entries in a few seconds', async () => {
    const sim = await startPagerDutySimulator({ count: 5000, end: END, days: 120, seed: 11 });
    try {
      const started = performance.now();
      let count = 0;
      const connector = createPagerDutyConnector({ logConcurrency: 8 });
      for await (const page of connector.listIncidents({ apiKey: 'pd-test-token', baseUrl: sim.url }, { since: new Date(END - 120 * DAY).toISOString(), until: new Date(END).toISOString() })) {
        count += page.items.length;
      }
      expect(count).toBe(5000);
      // About 3 s on an idle machine; the bound leaves room for a busy CI runner.
      expect(performance.now() - started).toBeLessThan(20_000);
    } finally {
      await sim.close();
    }
  }, 60_000);
});
