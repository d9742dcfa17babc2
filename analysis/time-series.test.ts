import { describe, expect, it } from 'vitest';
import { detectSpikes, mannKendall, normalCdf, poissonUpperTail, quantile } from './time-series.ts';

/** Roughly standard-normal noise from a seeded mulberry32 generator: the same series on every run. */
function seededNoise(seed: number): () => number {
  let a = seed >>> 0;
  const uniform = (): number => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return () => uniform() + uniform() + uniform() + uniform() - 2;
}

describe('trend (Mann-Kendall with Sen’s slope)', () => {
  const noise = seededNoise(7);
  const days = 60;

  it('calls a noisy rising series rising, with the slope it was built with', () => {
    const series = Array.from({ length: days }, (_, d) => Math.max(0, Math.round(5 + 0.3 * d + noise() * 3)));
    const trend = mannKendall(series);
    expect(trend.direction).toBe('rising');
    expect(trend.pValue).toBeLessThan(0.001);
    expect(trend.slopePerDay).toBeGreaterThan(0.2);
    expect(trend.slopePerDay).toBeLessThan(0.4);
  });

  it('calls a noisy flat series flat', () => {
    const series = Array.from({ length: days }, () => Math.max(0, Math.round(10 + noise() * 3)));
    const trend = mannKendall(series);
    expect(trend.direction).toBe('flat');
    expect(trend.pValue).toBeGreaterThan(0.05);
    expect(Math.abs(trend.slopePerDay)).toBeLessThan(0.1);
  });

  it('calls a noisy falling series falling', () => {
    const series = Array.from({ length: days }, (_, d) => Math.max(0, Math.round(30 - 0.4 * d + noise() * 3)));
    const trend = mannKendall(series);
    expect(trend.direction).toBe('falling');
    expect(trend.slopePerDay).toBeLessThan(-0.3);
  });

  it('is not fooled by one large value in a flat series (a ratio of two halves would be)', () => {
    const series = Array.from({ length: days }, (_, d) => (d === days - 1 ? 200 : 3 + (d % 3)));
    expect(mannKendall(series).direction).toBe('flat');
  });

  it('refuses to judge a series that is too short', () => {
    expect(mannKendall([1, 2, 3]).direction).toBe('insufficient-data');
  });

  it('matches the textbook S, tie-corrected variance and p-value', () => {
    // 21 pairs, one tie: S = 20; Var = (7*6*19 - 2*1*9)/18 = 43.33; z = (20 - 1)/sqrt(Var) = 2.886
    const trend = mannKendall([1, 2, 2, 3, 4, 5, 6]);
    expect(trend.s).toBe(20);
    expect(trend.z).toBeCloseTo(2.886, 3);
    expect(trend.pValue).toBeCloseTo(0.0039, 4);
    expect(trend.slopePerDay).toBe(1);
    expect(normalCdf(1.96)).toBeCloseTo(0.975, 4);
  });
});

describe('spikes against the cluster’s own baseline', () => {
  const noise = seededNoise(11);

  it('finds a burst in a noisy series with a robust z-score', () => {
    const series = Array.from({ length: 40 }, (_, d) => (d === 30 ? 60 : Math.max(0, Math.round(10 + noise() * 3))));
    const spikes = detectSpikes(series);
    expect(spikes.map((s) => s.index)).toEqual([30]);
    expect(spikes[0]).toMatchObject({ count: 60, method: 'robust-z' });
  });

  it('finds a burst after quiet days with the Poisson tail', () => {
    const series = Array.from({ length: 20 }, (_, d) => (d === 15 ? 8 : d % 7 === 0 ? 1 : 0));
    const spikes = detectSpikes(series);
    expect(spikes.map((s) => s.index)).toEqual([15]);
    expect(spikes[0]!.method).toBe('poisson');
  });

  it('finds none in a steady noisy series', () => {
    const series = Array.from({ length: 60 }, () => Math.max(0, Math.round(10 + noise() * 2)));
    expect(detectSpikes(series)).toEqual([]);
  });

  it('ignores small counts however unusual', () => {
    expect(detectSpikes([0, 0, 0, 0, 0, 0, 0, 0, 2])).toEqual([]);
  });

  it('computes tails and quantiles exactly on small cases', () => {
    expect(poissonUpperTail(1, 2)).toBeCloseTo(1 - Math.exp(-2), 10);
    expect(quantile([1, 2, 3, 4], 0.5)).toBe(2.5);
    expect(quantile([10, 20, 30, 40, 50, 60, 70, 80, 90, 100], 0.9)).toBe(91);
  });
});
