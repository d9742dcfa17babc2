// The one trend definition every page uses: a pattern's incidents per day over the last 28 full UTC days against the
// 28 days before them, compared with a Mann-Whitney U test on the daily counts.
//
// Why this test: it asks whether days in the recent window tend to have more (or fewer) incidents than days in the
// baseline, by ranks. One storm day is one rank among 56, so it cannot make a trend on its own (a ratio of the two
// totals flips on it); a real change that lasts a few weeks does. Today is left out: a partial day would always look
// quiet. The windows shrink (equally) when the account's history is shorter than 56 days, down to 7 days each.
import { normalCdf } from './time-series.ts';

export const TREND = Object.freeze({
  /** Days in each window (recent, and the baseline before it). */
  days: 28,
  /** Shorter windows than this (an account with less history) give `insufficient-data`. */
  minDays: 7,
  /** Two-sided significance level of the test. */
  alpha: 0.05,
});

export type ClusterTrendDirection = 'rising' | 'falling' | 'steady' | 'insufficient-data';

/** The days a trend compares: `[baselineFrom, recentFrom)` against `[recentFrom, recentTo)`, whole UTC days. */
export interface TrendWindow {
  /** Days in each window; 0 without any history. */
  days: number;
  baselineFrom: string;
  recentFrom: string;
  /** Midnight UTC of the day `now` falls in: today is not part of the trend. */
  recentTo: string;
}

export interface ClusterTrend {
  direction: ClusterTrendDirection;
  /** Days in each window. */
  days: number;
  recent: { from: string; to: string; count: number };
  baseline: { from: string; to: string; count: number };
  /** recent / baseline − 1; null when the baseline had none. */
  change: number | null;
  /** Two-sided p-value of the Mann-Whitney U test (normal approximation, tie-corrected, continuity-corrected). */
  pValue: number;
  test: 'mann-whitney-u';
  alpha: number;
}

const DAY_MS = 86_400_000;
const dayStart = (ms: number) => Math.floor(ms / DAY_MS) * DAY_MS;
const toMs = (at: number | string | Date) => (typeof at === 'number' ? at : new Date(at).getTime());

/**
 * The windows for a trend computed at `now`, for an account whose data starts at `dataSince` (its first incident;
 * null: none yet). Days before the data started are unknown, not zero, so the windows never reach before it.
 */
export function trendWindow(now: number | string | Date, dataSince: number | string | Date | null): TrendWindow {
  const today = dayStart(toMs(now));
  const available = dataSince === null ? 0 : Math.max(0, Math.round((today - dayStart(toMs(dataSince))) / DAY_MS));
  const days = Math.min(TREND.days, Math.floor(available / 2));
  const iso = (ms: number) => new Date(ms).toISOString();
  return { days, baselineFrom: iso(today - 2 * days * DAY_MS), recentFrom: iso(today - days * DAY_MS), recentTo: iso(today) };
}

/** The UTC days (midnight, in ms) of the two windows, oldest first: the baseline's, then the recent window's. */
export function trendDays(window: TrendWindow): number[] {
  const from = Date.parse(window.baselineFrom);
  return Array.from({ length: 2 * window.days }, (_, i) => from + i * DAY_MS);
}

/** A pattern's trend over `window`, from its incident count on each UTC day (`countOn(midnight in ms)`). */
export function clusterTrend(window: TrendWindow, countOn: (day: number) => number): ClusterTrend {
  const counts = trendDays(window).map((day) => countOn(day));
  const baseline = counts.slice(0, window.days);
  const recent = counts.slice(window.days);
  const sum = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0);
  const recentCount = sum(recent);
  const baselineCount = sum(baseline);
  const enough = window.days >= TREND.minDays;
  const test = enough ? mannWhitneyU(recent, baseline) : { u: 0, z: 0, pValue: 1 };
  const direction: ClusterTrendDirection = !enough ? 'insufficient-data' : test.pValue >= TREND.alpha ? 'steady' : test.z > 0 ? 'rising' : 'falling';
  return {
    direction,
    days: window.days,
    recent: { from: window.recentFrom, to: window.recentTo, count: recentCount },
    baseline: { from: window.baselineFrom, to: window.recentFrom, count: baselineCount },
    change: baselineCount > 0 ? recentCount / baselineCount - 1 : null,
    pValue: test.pValue,
    test: 'mann-whitney-u',
    alpha: TREND.alpha,
  };
}

/**
 * Mann-Whitney U of `a` against `b`: U counts the pairs where a's value is larger (ties count a half); the p-value is
 * two-sided, from the normal approximation with the variance corrected for ties and a continuity correction of 0.5.
 */
export function mannWhitneyU(a: readonly number[], b: readonly number[]): { u: number; z: number; pValue: number } {
  const n1 = a.length;
  const n2 = b.length;
  if (n1 === 0 || n2 === 0) return { u: 0, z: 0, pValue: 1 };
  const all = [...a.map((v) => ({ v, first: true })), ...b.map((v) => ({ v, first: false }))].sort((x, y) => x.v - y.v);
  const n = all.length;
  let rankSumA = 0;
  let tieTerm = 0;
  for (let i = 0; i < n; ) {
    let j = i;
    while (j + 1 < n && all[j + 1]!.v === all[i]!.v) j += 1;
    const rank = (i + j + 2) / 2; // ranks are 1-based: positions i..j share their average
    const t = j - i + 1;
    tieTerm += t * t * t - t;
    for (let k = i; k <= j; k++) if (all[k]!.first) rankSumA += rank;
    i = j + 1;
  }
  const u = rankSumA - (n1 * (n1 + 1)) / 2;
  const mean = (n1 * n2) / 2;
  const variance = ((n1 * n2) / 12) * (n + 1 - tieTerm / (n * (n - 1)));
  const distance = Math.abs(u - mean) - 0.5;
  if (variance <= 0 || distance <= 0) return { u, z: 0, pValue: 1 };
  const z = (Math.sign(u - mean) * distance) / Math.sqrt(variance);
  return { u, z, pValue: Math.min(1, 2 * (1 - normalCdf(Math.abs(z)))) };
}
