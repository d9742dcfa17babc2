import { describe, expect, it } from 'vitest';
import { clusterTrend, mannWhitneyU, TREND, trendDays, trendWindow } from './trend.ts';

const DAY = 86_400_000;
const now = Date.UTC(2026, 9, 31, 15, 30); // mid-afternoon: today (Oct 31) is not part of the trend
const today = Date.UTC(2026, 9, 31);

/** Poisson-ish counts from a seeded generator: the same series on every run. */
function seeded(seed: number) {
  let a = seed >>> 0;
  const uniform = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return (mean: number) => {
    // Knuth's method: fine for the small means used here.
    let k = 0;
    let p = 1;
    const limit = Math.exp(-mean);
    for (;;) {
      p *= uniform();
      if (p <= limit) return k;
      k += 1;
    }
  };
}

/** A trend over 56 days whose daily counts come from `count(dayIndex)` (0 = the oldest baseline day). */
function trendOf(count: (index: number) => number) {
  const window = trendWindow(now, today - 365 * DAY);
  const days = trendDays(window);
  return clusterTrend(window, (day) => count(days.indexOf(day)));
}

describe('the trend window', () => {
  it('is the 28 full UTC days before today against the 28 before them', () => {
    expect(trendWindow(now, today - 365 * DAY)).toEqual({
      days: 28,
      baselineFrom: new Date(today - 56 * DAY).toISOString(),
      recentFrom: new Date(today - 28 * DAY).toISOString(),
      recentTo: new Date(today).toISOString(),
    });
  });

  it('never reaches before the account’s first incident: both windows shrink equally', () => {
    const window = trendWindow(now, today - 20 * DAY + 5 * 3_600_000);
    expect(window.days).toBe(10);
    expect(window.baselineFrom).toBe(new Date(today - 20 * DAY).toISOString());
    expect(trendWindow(now, null).days).toBe(0);
  });

  it('says insufficient data under 7 days a window, whatever the counts', () => {
    const window = trendWindow(now, today - 12 * DAY);
    expect(window.days).toBe(6);
    expect(clusterTrend(window, () => 5).direction).toBe('insufficient-data');
  });
});

describe('the trend test (Mann-Whitney U on daily counts)', () => {
  it('calls a pattern that doubled for four weeks rising, with the change in words the pages show', () => {
    const poisson = seeded(3);
    const trend = trendOf((i) => poisson(i < 28 ? 2 : 4));
    expect(trend.direction).toBe('rising');
    expect(trend.pValue).toBeLessThan(0.01);
    expect(trend.change!).toBeGreaterThan(0.5);
    expect(trend.recent.count + trend.baseline.count).toBeGreaterThan(100);
  });

  it('calls a pattern that halved falling', () => {
    const poisson = seeded(5);
    expect(trendOf((i) => poisson(i < 28 ? 6 : 3)).direction).toBe('falling');
  });

  it('calls a pattern with the same rate in both windows steady', () => {
    let steady = 0;
    for (let seed = 1; seed <= 40; seed++) {
      const poisson = seeded(seed);
      if (trendOf(() => poisson(3)).direction === 'steady') steady += 1;
    }
    // α = 0.05: about 2 in 40 steady series are called a trend by chance; far more would be a broken test.
    expect(steady).toBeGreaterThanOrEqual(35);
  });

  it('is not flipped by one storm day, where a ratio of the two totals says +263%', () => {
    const trend = trendOf((i) => (i === 50 ? 40 : i % 2)); // one incident every other day, and a storm of 40
    expect(trend.change!).toBeGreaterThan(2.5);
    expect(trend.direction).toBe('steady');
  });

  it('calls a rare pattern that appeared steady until it recurs on enough days', () => {
    expect(trendOf((i) => (i >= 28 && i < 31 ? 1 : 0)).direction).toBe('steady');
    expect(trendOf((i) => (i >= 28 && i % 5 === 0 ? 1 : 0)).direction).toBe('rising');
    expect(trendOf(() => 0)).toMatchObject({ direction: 'steady', change: null, pValue: 1 });
  });

  it('matches the textbook U, tie-corrected variance and p-value', () => {
    // a = [3, 4, 5], b = [1, 2, 3]: ranks 1, 2, 3.5, 3.5, 5, 6; R_a = 14.5, U = 8.5; ties (t = 2) give
    // Var = 9/12 · (7 − 6/30) = 5.1; z = (8.5 − 4.5 − 0.5) / √5.1 = 1.5498; p = 0.1212.
    const result = mannWhitneyU([3, 4, 5], [1, 2, 3]);
    expect(result.u).toBe(8.5);
    expect(result.z).toBeCloseTo(1.5498, 3);
    expect(result.pValue).toBeCloseTo(0.1212, 3);
    expect(mannWhitneyU([1, 1, 1], [1, 1, 1]).pValue).toBe(1);
    expect(TREND).toEqual({ days: 28, minDays: 7, alpha: 0.05 });
  });
});
