import { describe, expect, it } from 'vitest';
import { createWebhookConnector, validateMapping, type FieldMapping } from './index.ts';

const mapping: FieldMapping = {
  records: 'incidents',
  eventId: 'event_id',
  fields: {
    externalId: '/id',
    title: 'summary',
    description: 'details.text',
    service: 'tags.service',
    severity: 'level',
    status: 'state',
    createdAt: 'opened_at',
    resolvedAt: 'closed_at',
    assignees: 'people',
    url: 'link',
  },
  labels: { region: 'tags.region' },
  severityMap: { red: 'P1', amber: 'P3' },
  statusMap: { 'in flight': 'acknowledged' },
};

const body = (incidents: unknown[]) => JSON.stringify({ incidents });
const record = {
  event_id: 'evt-1',
  id: 'INC-7',
  summary: 'Checkout latency p99 3100ms',
  details: { text: 'p99 above SLO for 10 minutes' },
  tags: { service: 'checkout-api', region: 'eu-west-1' },
  level: 'RED',
  state: 'in flight',
  opened_at: 1741079564,
  people: [{ name: 'Chen Wei' }, 'dana.okafor@example.com'],
  link: 'https://status.example.com/INC-7',
};

describe('generic JSON webhook', () => {
  const connector = createWebhookConnector(mapping);

  it('maps records through JSON pointers, dotted paths and value maps', () => {
    const result = connector.parseWebhook({ authorization: 'Bearer tok' }, body([record]), 'tok');
    if (!result.ok) throw new Error(result.message);
    expect(result.events[0]!.eventId).toBe('evt-1');
    expect(connector.toUnified(result.events[0]!.raw)).toEqual({
      kind: 'incident',
      source: 'webhook',
      externalId: 'INC-7',
      title: 'Checkout latency p99 3100ms',
      description: 'p99 above SLO for 10 minutes',
      service: 'checkout-api',
      severity: 'P1',
      severityOriginal: 'RED',
      status: 'acknowledged',
      createdAt: '2025-03-04T09:12:44.000Z',
      observedAt: '2025-03-04T09:12:44.000Z',
      assignees: ['Chen Wei', 'dana.okafor@example.com'],
      tags: [],
      url: 'https://status.example.com/INC-7',
      labels: { region: 'eu-west-1' },
      timeline: [{ type: 'triggered', at: '2025-03-04T09:12:44.000Z' }],
    });
  });

  it('reports which field failed and where', () => {
    const bad = { ...record, level: 'purple', opened_at: 'yesterday', id: undefined };
    const result = connector.parseWebhook({ 'x-webhook-token': 'tok' }, body([record, bad]), 'tok');
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.reason).toBe('malformed');
    expect(result.message).toMatch(/^record 1: /);
    expect(result.details).toEqual([
      { field: 'externalId', path: '/id', message: 'is missing or empty' },
      { field: 'createdAt', path: 'opened_at', message: 'is not a date/time: "yesterday"' },
      { field: 'severity', path: 'level', message: 'has no mapping for "purple" (add it to severityMap)' },
    ]);
  });

  it('hashes the record for an event id when the payload has none', () => {
    const plain = createWebhookConnector({ fields: { externalId: 'id', title: 'summary', createdAt: 'opened_at' } });
    const a = plain.parseWebhook({ 'x-webhook-token': 't' }, JSON.stringify({ id: 1, summary: 'x', opened_at: '2025-01-01T00:00:00Z' }), 't');
    const b = plain.parseWebhook({ 'x-webhook-token': 't' }, JSON.stringify({ opened_at: '2025-01-01T00:00:00Z', summary: 'x', id: 1 }), 't');
    expect(a.ok && b.ok && a.events[0]!.eventId === b.events[0]!.eventId && a.events[0]!.eventId.startsWith('sha256:')).toBe(true);
  });

  it('rejects a missing or wrong token', () => {
    expect(connector.parseWebhook({}, body([record]), 'tok')).toMatchObject({ ok: false, reason: 'unauthenticated' });
    expect(connector.parseWebhook({ 'x-webhook-token': 'nope' }, body([record]), 'tok')).toMatchObject({ ok: false, reason: 'signature' });
    expect(connector.parseWebhook({ 'x-webhook-token': 'tok' }, '{"incidents": {}}', 'tok')).toMatchObject({ ok: false, reason: 'malformed', details: [{ field: 'records' }] });
  });

  it('validates a mapping before it is saved', () => {
    expect(validateMapping(mapping)).toEqual([]);
    expect(validateMapping({ fields: { title: 'a', priority: 'b', createdAt: '' }, severityMap: { x: 'P9' }, statusMap: { y: 'closed' } })).toEqual([
      { field: 'priority', message: 'is not a unified field (one of externalId, title, description, service, team, severity, status, createdAt, acknowledgedAt, resolvedAt, updatedAt, assignees, tags, url, dedupKey)' },
      { field: 'createdAt', message: 'must be a non-empty path' },
      { field: 'externalId', message: 'must be mapped' },
      { field: 'createdAt', message: 'must be mapped' },
      { field: 'severityMap', path: 'x', message: 'maps to "P9", not one of P1, P2, P3, P4, P5' },
      { field: 'statusMap', path: 'y', message: 'maps to "closed", not one of triggered, acknowledged, resolved' },
    ]);
  });
});
