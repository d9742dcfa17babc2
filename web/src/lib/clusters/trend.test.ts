import { describe, expect, it } from 'vitest';
import { computingText, trendChange, trendDefinition, trendWord } from './trend';
import type { ClusterTrend } from './types';

const trend = (recent: number, baseline: number): ClusterTrend => ({
  direction: 'rising',
  days: 28,
  recent: { from: '', to: '', count: recent },
  baseline: { from: '', to: '', count: baseline },
  change: baseline > 0 ? recent / baseline - 1 : null,
  pValue: 0.01,
  test: 'mann-whitney-u',
  alpha: 0.05,
});

describe('the trend in words', () => {
  it('states the change with the counts behind it', () => {
    expect(trendChange(trend(41, 11))).toBe('+273% (41 vs 11)');
    expect(trendChange(trend(5, 10))).toBe('−50% (5 vs 10)');
    expect(trendChange(trend(6, 6))).toBe('±0% (6 vs 6)');
    expect(trendChange(trend(4, 0))).toBe('new (4 vs 0)');
    expect(trendChange(trend(0, 0))).toBe('none in either window');
  });

  it('names the direction and the window', () => {
    expect(trendWord('steady')).toBe('Steady');
    expect(trendWord('insufficient-data')).toBe('Not enough history');
    expect(trendDefinition({ days: 28 })).toMatch(/^Trend: the last 28 full days against the 28 before \(UTC days, today not included\)/);
  });

  it('says why the patterns are computing, or nothing when they are ready', () => {
    expect(computingText({ status: 'computing', reason: 'first-import', since: null, reclusteredAt: null })).toMatch(/first import/);
    expect(computingText({ status: 'ready', reclusteredAt: null, failed: null })).toBeNull();
  });
});
