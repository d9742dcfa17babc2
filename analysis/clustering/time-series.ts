// Statistics on a cluster's daily incident counts: spikes against the cluster's own trailing baseline (robust z-score
// on median/MAD, or a Poisson tail when the baseline has no spread), and the helpers the trend test (trend.ts) uses.

/** Standard normal CDF via the Abramowitz-Stegun 7.1.26 erf approximation (error below 1.5e-7). */
export function normalCdf(x: number): number {
  const t = 1 / (1 + 0.3275911 * (Math.abs(x) / Math.SQRT2));
  const poly = t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))));
  const erf = 1 - poly * Math.exp(-(x * x) / 2);
  return x >= 0 ? (1 + erf) / 2 : (1 - erf) / 2;
}

export interface Spike {
  /** Index of the day in the series. */
  index: number;
  count: number;
  /** Median of the trailing baseline. */
  baseline: number;
  /** Robust z-score, or -log10 of the Poisson tail probability. */
  score: number;
  method: 'robust-z' | 'poisson';
}

export interface SpikeOptions {
  /** Days before a day that form its baseline. */
  baselineDays: number;
  /** Fewer baseline days than this and the day is not judged. */
  minBaselineDays: number;
  /** Modified z-score (Iglewicz-Hoaglin) above which a day is a spike. */
  robustZ: number;
  /** Poisson tail probability below which a day is a spike, when the baseline has no spread (MAD = 0). */
  poissonP: number;
  /** A spike needs at least this many incidents that day. */
  minCount: number;
}

export const SPIKE_DEFAULTS: SpikeOptions = Object.freeze({
  baselineDays: 28,
  minBaselineDays: 7,
  robustZ: 3.5,
  poissonP: 0.001,
  minCount: 3,
});

/** Days whose count stands out from the same cluster's preceding days. */
export function detectSpikes(series: readonly number[], options: Partial<SpikeOptions> = {}): Spike[] {
  const o = { ...SPIKE_DEFAULTS, ...options };
  const spikes: Spike[] = [];
  for (let i = o.minBaselineDays; i < series.length; i++) {
    const count = series[i]!;
    if (count < o.minCount) continue;
    const baseline = series.slice(Math.max(0, i - o.baselineDays), i);
    const med = median(baseline);
    if (count <= med) continue;
    const mad = median(baseline.map((x) => Math.abs(x - med)));
    if (mad > 0) {
      const score = (0.6745 * (count - med)) / mad;
      if (score > o.robustZ) spikes.push({ index: i, count, baseline: med, score, method: 'robust-z' });
    } else {
      // A flat baseline (often all zeros) has no spread to scale by; ask how unlikely the count is at its mean rate.
      const mean = baseline.reduce((a, b) => a + b, 0) / baseline.length;
      const lambda = Math.max(mean, 1 / o.baselineDays);
      const p = poissonUpperTail(count, lambda);
      if (p < o.poissonP) spikes.push({ index: i, count, baseline: med, score: -Math.log10(Math.max(p, 1e-300)), method: 'poisson' });
    }
  }
  return spikes;
}

/** P(X >= k) for X ~ Poisson(lambda). */
export function poissonUpperTail(k: number, lambda: number): number {
  if (k <= 0) return 1;
  let term = Math.exp(-lambda);
  let below = term;
  for (let i = 1; i < k; i++) {
    term *= lambda / i;
    below += term;
  }
  return Math.max(0, 1 - below);
}

export function median(values: readonly number[]): number {
  return quantile(values, 0.5);
}

/** Linear-interpolation quantile (the usual "type 7"); NaN for no values. */
export function quantile(values: readonly number[], q: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = Float64Array.from(values).sort();
  const position = (sorted.length - 1) * q;
  const lower = Math.floor(position);
  const upper = Math.ceil(position);
  return sorted[lower]! + (sorted[upper]! - sorted[lower]!) * (position - lower);
}
