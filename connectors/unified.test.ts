import { describe, expect, it } from 'vitest';
import { applyImportSettings, dropFields, matchesImportFilters } from './filters.ts';
import type { UnifiedIncident, UnifiedIncidentChange } from './types.ts';
import { mergeUnified, severityFromWord, toIso } from './unified.ts';

const incident: UnifiedIncident = {
  kind: 'incident',
  source: 'pagerduty',
  externalId: 'Q1',
  title: 'High CPU on ip-10-2-3-4 (94%)',
  description: 'CPU above 85% for 10 minutes',
  service: 'checkout-api',
  serviceId: 'PSVC1',
  team: 'Payments',
  teamId: 'PTEAM1',
  severity: 'P2',
  severityOriginal: 'P2',
  status: 'resolved',
  createdAt: '2025-03-04T09:00:00.000Z',
  acknowledgedAt: '2025-03-04T09:05:00.000Z',
  resolvedAt: '2025-03-04T10:00:00.000Z',
  observedAt: '2025-03-04T10:00:00.000Z',
  assignees: ['Chen Wei'],
  tags: ['cpu'],
  url: 'https://acme.pagerduty.com/incidents/Q1',
  labels: { urgency: 'high', priority: 'P2' },
  timeline: [
    { type: 'triggered', at: '2025-03-04T09:00:00.000Z' },
    { type: 'assigned', at: '2025-03-04T09:00:00.000Z', message: 'Chen Wei' },
    { type: 'note', at: '2025-03-04T09:30:00.000Z', actor: 'Chen Wei', message: 'rolled back' },
    { type: 'resolved', at: '2025-03-04T10:00:00.000Z' },
  ],
};

describe('unified helpers', () => {
  it('normalises severity words from every tool to P1..P5', () => {
    expect(['critical', 'SEV-1', 'p1', 'High', 'error', 'Warning', 'minor', 'info', 'none'].map(severityFromWord)).toEqual(['P1', 'P1', 'P1', 'P2', 'P2', 'P3', 'P4', 'P5', 'P5']);
    expect(severityFromWord('purple')).toBeUndefined();
  });

  it('reads ISO strings, epoch seconds, milliseconds and nanoseconds', () => {
    const iso = '2025-03-04T09:12:44.000Z';
    expect([toIso('2025-03-04T10:12:44+01:00'), toIso(1741079564), toIso('1741079564000'), toIso(1741079564000000000), toIso('2025-03-04 09:12:44')]).toEqual([iso, iso, iso, iso, iso]);
    expect(toIso('soon')).toBeUndefined();
    expect(toIso('')).toBeUndefined();
  });

  it('lets the newer record win, keeps fields the newer one lacks, and reopening clears resolvedAt', () => {
    const reopened: UnifiedIncident = { ...incident, description: undefined, status: 'triggered', resolvedAt: undefined, observedAt: '2025-03-04T11:00:00.000Z', labels: {}, timeline: [{ type: 'reopened', at: '2025-03-04T11:00:00.000Z' }] };
    const merged = mergeUnified(incident, reopened)!;
    expect(merged).toMatchObject({ status: 'triggered', description: 'CPU above 85% for 10 minutes', acknowledgedAt: '2025-03-04T09:05:00.000Z', labels: { urgency: 'high' } });
    expect(merged.resolvedAt).toBeUndefined();
    expect(merged.timeline.at(-1)!.type).toBe('reopened');
    const stale = { ...incident, status: 'acknowledged' as const, observedAt: '2025-03-04T09:06:00.000Z' };
    expect(mergeUnified(incident, stale)!.status).toBe('resolved');
  });

  it('applies a change to the stored incident and keeps each timeline event once', () => {
    const change: UnifiedIncidentChange = { kind: 'change', source: 'pagerduty', externalId: 'Q1', observedAt: '2025-03-04T09:31:00.000Z', timeline: [{ type: 'note', at: '2025-03-04T09:31:00.000Z', message: 'second note', id: 'N2' }] };
    const once = mergeUnified(incident, change)!;
    expect(mergeUnified(once, change)!.timeline).toHaveLength(5);
    expect(mergeUnified(undefined, change)).toBeUndefined();
  });
});

describe('import filters and field dropping', () => {
  it('matches services and teams by id or name, urgencies, priorities and statuses', () => {
    expect(matchesImportFilters(incident, { services: ['PSVC1'] })).toBe(true);
    expect(matchesImportFilters(incident, { services: ['Checkout-API'] })).toBe(true);
    expect(matchesImportFilters(incident, { teams: ['Data'] })).toBe(false);
    expect(matchesImportFilters(incident, { urgencies: ['low'] })).toBe(false);
    expect(matchesImportFilters(incident, { priorities: ['P1', 'P2'], statuses: ['resolved'] })).toBe(true);
    expect(matchesImportFilters(incident, { statuses: ['triggered'] })).toBe(false);
    expect(matchesImportFilters(incident, { services: [] })).toBe(true);
  });

  it('drops notes from the timeline, descriptions and assignees on request', () => {
    const dropped = dropFields(incident, ['notes', 'description', 'assignees']);
    expect(dropped.description).toBeUndefined();
    expect(dropped.assignees).toEqual([]);
    expect(dropped.timeline.map((e) => e.type)).toEqual(['triggered', 'assigned', 'resolved']);
    expect(dropped.timeline[1]!.message).toBeUndefined();
    expect(incident.timeline).toHaveLength(4);
  });

  it('filters incidents and keeps changes, whose incident was filtered on import', () => {
    const change: UnifiedIncidentChange = { kind: 'change', source: 'pagerduty', externalId: 'Q9', observedAt: incident.observedAt, timeline: [] };
    const kept = applyImportSettings([incident, { ...incident, externalId: 'Q2', team: 'Data', teamId: 'PTEAM2' }, change], { filters: { teams: ['Payments'] }, drop: ['url'] });
    expect(kept.map((r) => r.externalId)).toEqual(['Q1', 'Q9']);
    expect(kept[0]!.url).toBeUndefined();
  });
});
