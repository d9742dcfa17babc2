import { describe, expect, it } from 'vitest';
import { bucketWindow, dashboardRange, drillDownHref, readFilter, widgetRange } from './filters';
import { occurrences } from './format';

const params = (href: string) => new URL(href, 'http://x').searchParams;

describe('drill-down links', () => {
  it('carry the dashboard filter, the element filter and the element window under the API names', () => {
    const base = readFilter(new URLSearchParams('team=core&q=disk&from=2026-01-01T00:00:00.000Z&to=2026-02-01T00:00:00.000Z'));
    const href = drillDownHref(base, { severity: ['P1'] }, { from: '2026-01-05T00:00:00.000Z', to: '2026-01-06T00:00:00.000Z' });
    const p = params(href);
    expect(href.startsWith('/incidents?')).toBe(true);
    expect(p.get('from')).toBe('2026-01-05T00:00:00.000Z');
    expect(p.get('to')).toBe('2026-01-06T00:00:00.000Z');
    expect(p.getAll('team')).toEqual(['core']);
    expect(p.getAll('severity')).toEqual(['P1']);
    expect(p.get('q')).toBe('disk');
  });

  it('intersect an element value with the dashboard list instead of widening it', () => {
    const base = readFilter(new URLSearchParams('service=api&service=web&status=resolved'));
    const p = params(drillDownHref(base, { service: ['api'], status: ['triggered', 'acknowledged'] }, { from: 'a', to: 'b' }));
    expect(p.getAll('service')).toEqual(['api']);
    // Nothing open among resolved incidents: the element counted zero and its own values list zero too.
    expect(p.getAll('status')).toEqual(['triggered', 'acknowledged']);
  });

  it('add a sort when the element asks for one', () => {
    expect(params(drillDownHref({}, {}, { from: 'a', to: 'b' }, '-mttr')).get('sort')).toBe('-mttr');
  });
});

describe('ranges and buckets', () => {
  const range = { from: '2026-03-01T10:30:00.000Z', to: '2026-03-04T08:00:00.000Z' };

  it('cut the first and the last bucket to the range', () => {
    expect(bucketWindow('2026-03-01T00:00:00.000Z', 'day', range)).toEqual({ from: range.from, to: '2026-03-02T00:00:00.000Z' });
    expect(bucketWindow('2026-03-02T00:00:00.000Z', 'day', range)).toEqual({ from: '2026-03-02T00:00:00.000Z', to: '2026-03-03T00:00:00.000Z' });
    expect(bucketWindow('2026-03-04T00:00:00.000Z', 'day', range)).toEqual({ from: '2026-03-04T00:00:00.000Z', to: range.to });
    expect(bucketWindow('2026-02-23T00:00:00.000Z', 'week', range)).toEqual({ from: range.from, to: '2026-03-02T00:00:00.000Z' });
  });

  it('default to the 30 days before now, and a widget range overrides the dashboard range', () => {
    const now = new Date('2026-03-31T12:00:00.000Z');
    const dashboard = dashboardRange({}, now);
    expect(dashboard).toEqual({ from: '2026-03-01T12:00:00.000Z', to: '2026-03-31T12:00:00.000Z' });
    expect(widgetRange('inherit', range, now)).toBe(range);
    expect(widgetRange('7d', range, now)).toEqual({ from: '2026-03-24T12:00:00.000Z', to: now.toISOString() });
  });

  it('list every hour of a heatmap cell inside the range, newest first', () => {
    // 2026-03-02 is a Monday.
    const hours = occurrences(0, 9, '2026-03-01T00:00:00.000Z', '2026-03-17T09:30:00.000Z');
    expect(hours).toEqual([
      { from: '2026-03-16T09:00:00.000Z', to: '2026-03-16T10:00:00.000Z' },
      { from: '2026-03-09T09:00:00.000Z', to: '2026-03-09T10:00:00.000Z' },
      { from: '2026-03-02T09:00:00.000Z', to: '2026-03-02T10:00:00.000Z' },
    ]);
    // A range ending inside the hour cuts it.
    expect(occurrences(0, 9, '2026-03-01T00:00:00.000Z', '2026-03-16T09:30:00.000Z')[0]).toEqual({ from: '2026-03-16T09:00:00.000Z', to: '2026-03-16T09:30:00.000Z' });
  });
});
