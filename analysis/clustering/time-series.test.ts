import { describe, expect, it } from 'vitest';
import { detectSpikes, normalCdf, poissonUpperTail, quantile } from './time-series.ts';

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
    expect(normalCdf(1.96)).toBeCloseTo(0.975, 4);
  });
});
