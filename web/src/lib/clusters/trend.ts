// The shared trend in words, the same on the clusters list, the cluster page and the dashboard's top clusters: its
// direction, its change with the counts behind it, and the window it compares.
import type { ClusteringState, ClusterTrend, TrendDirection, TrendWindow } from './types';

export const trendWord = (direction: TrendDirection | undefined) =>
  direction === 'rising' ? 'Rising' : direction === 'falling' ? 'Falling' : direction === 'steady' ? 'Steady' : 'Not enough history';

export const trendArrow = (direction: TrendDirection | undefined) => (direction === 'rising' ? '▲' : direction === 'falling' ? '▼' : direction === 'steady' ? '→' : '·');

/** "+263% (41 vs 11)", "new (4 vs 0)", "no change (6 vs 6)". */
export function trendChange(trend: ClusterTrend): string {
  const counts = `${trend.recent.count.toLocaleString('en')} vs ${trend.baseline.count.toLocaleString('en')}`;
  if (trend.change === null) return trend.recent.count > 0 ? `new (${counts})` : 'none in either window';
  const pct = Math.round(trend.change * 100);
  return `${pct > 0 ? '+' : pct < 0 ? '−' : '±'}${Math.abs(pct)}% (${counts})`;
}

/** The window, in words: "the last 28 full days against the 28 before". */
export function trendWindowText(window: Pick<TrendWindow, 'days'>): string {
  if (window.days === 0) return 'the last 28 full days against the 28 before (no history yet)';
  return `the last ${window.days} full days against the ${window.days} before`;
}

/** One sentence naming the definition, for a page's footnote. */
export function trendDefinition(window: Pick<TrendWindow, 'days'>): string {
  return `Trend: ${trendWindowText(window)} (UTC days, today not included), by a Mann–Whitney test on incidents per day: rising or falling when p < 0.05, steady otherwise.`;
}

/** The text a page shows while the patterns are computed (null when they are ready). */
export function computingText(state: ClusteringState): string | null {
  if (state.status !== 'computing') return null;
  if (state.reason === 'first-import') return 'The first import is still running: patterns are computed when it has finished.';
  return state.reclusteredAt ? 'A recluster is computing the patterns again: the numbers below change when it finishes.' : 'The first patterns are being computed.';
}
