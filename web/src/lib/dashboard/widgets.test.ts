import { describe, expect, it } from 'vitest';
import { viewFilters, viewParams } from './views';
import { decodeLayout, DEFAULT_LAYOUT, encodeLayout, moveWidget, newWidget, normalizeLayout } from './widgets';

describe('layouts', () => {
  it('survive the trip through the URL unchanged', () => {
    const text = encodeLayout(DEFAULT_LAYOUT);
    expect(decodeLayout(text)).toEqual(DEFAULT_LAYOUT);
    expect(text).not.toMatch(/[{}"]/);
  });

  it('drop unknown widget types and options, and keep ids unique', () => {
    const layout = normalizeLayout([
      { id: 'a', type: 'heatmap', size: 'huge', options: { range: '7d', groupBy: 'team' } },
      { id: 'a', type: 'breakdown', size: 'small', options: { by: 'cluster' } },
      { id: 'b', type: 'pie', size: 'small', options: {} },
    ]);
    expect(layout).toEqual([
      { id: 'a', type: 'heatmap', size: 'full', options: { range: '7d' } },
      { id: 'w1', type: 'breakdown', size: 'small', options: { by: 'service', range: 'inherit' } },
    ]);
  });

  it('move widgets within bounds and name new ones apart from existing ones', () => {
    const ids = (l: { id: string }[]) => l.map((w) => w.id);
    expect(ids(moveWidget(DEFAULT_LAYOUT, 0, 1)).slice(0, 2)).toEqual(['over-time', 'headline']);
    expect(ids(moveWidget(DEFAULT_LAYOUT, 0, -1))).toEqual(ids([...DEFAULT_LAYOUT]));
    expect(newWidget('heatmap', [{ ...DEFAULT_LAYOUT[0], id: 'w1' }]).id).toBe('w2');
  });
});

describe('saved view filters', () => {
  it('keep a preset range as the preset, so a view of the last 7 days stays relative', () => {
    const now = Date.parse('2026-03-31T12:00:00.000Z');
    const params = new URLSearchParams('from=2026-03-24T12:00:00.000Z&to=2026-03-31T12:00:00.000Z&severity=P1&severity=P2&view=x&layout=y');
    const saved = viewFilters(params, now);
    expect(saved).toEqual({ severity: ['P1', 'P2'], range: '7d' });
    const later = viewParams(saved, now + 86_400_000);
    expect(later.get('to')).toBe('2026-04-01T12:00:00.000Z');
    expect(later.get('from')).toBe('2026-03-25T12:00:00.000Z');
    expect(later.getAll('severity')).toEqual(['P1', 'P2']);
  });

  it('keep a custom range as its instants', () => {
    const params = new URLSearchParams('from=2025-01-01T00:00:00.000Z&to=2025-01-03T00:00:00.000Z');
    expect(viewFilters(params, Date.parse('2026-03-31T12:00:00.000Z'))).toEqual({ from: '2025-01-01T00:00:00.000Z', to: '2025-01-03T00:00:00.000Z' });
  });
});
