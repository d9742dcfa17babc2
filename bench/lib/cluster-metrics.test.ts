import { describe, expect, it } from 'vitest';
import { adjustedRandIndex, familyBreakdown, groupingAccuracy, homogeneityCompletenessVMeasure, purity, scoreClustering } from './cluster-metrics.ts';

const chars = (s: string) => [...s];

/**
 * Expected values from scikit-learn 1.9.1 (`adjusted_rand_score`, `homogeneity_completeness_v_measure`, purity from
 * `contingency_matrix(...).max(axis=0).sum() / n`), computed once on these labelings. Grouping accuracy is not in
 * scikit-learn: its expected values come from a direct Python transcription of LogPAI's definition.
 */
const CASES: Array<{ name: string; truth: string[]; predicted: string[]; ari: number; h: number; c: number; v: number; purity: number; ga: number }> = [
  { name: 'split and merge', truth: chars('aaabbb'), predicted: chars('xxyyzz'), ari: 0.24242424242424243, h: 0.6666666666666669, c: 0.420619835714305, v: 0.5158037429793889, purity: 0.8333333333333334, ga: 0 },
  { name: 'perfect under renaming', truth: chars('aabbcc'), predicted: chars('zzxxyy'), ari: 1, h: 1, c: 1, v: 1, purity: 1, ga: 1 },
  { name: 'everything in one cluster', truth: chars('aabbcc'), predicted: chars('kkkkkk'), ari: 0, h: 0, c: 1, v: 0, purity: 0.3333333333333333, ga: 0 },
  { name: 'every incident alone', truth: chars('aabbcc'), predicted: chars('uvwxyz'), ari: 0, h: 1.0000000000000002, c: 0.6131471927654586, v: 0.7601875334318687, purity: 1, ga: 0 },
  { name: 'one family, split', truth: chars('aaaa'), predicted: chars('ppqq'), ari: 0, h: 1, c: 0, v: 0, purity: 1, ga: 0 },
  { name: 'exact and mixed clusters', truth: chars('aaabbbccdd'), predicted: chars('1112223343'), ari: 0.782608695652174, h: 0.8602254409666873, c: 0.8944848187749362, v: 0.877020685776326, purity: 0.9, ga: 0.6 },
  {
    name: 'forty random labels',
    truth: chars('cbdaaeaceaebaaddabaedaeabeaeedabaebcdbea'),
    predicted: chars('4246510445120450404135436234322161561042'),
    ari: 0.008492685332310559,
    h: 0.2601888165341856,
    c: 0.20554371389903206,
    v: 0.2296604689205794,
    purity: 0.475,
    ga: 0,
  },
];

describe('cluster metrics match scikit-learn', () => {
  for (const k of CASES) {
    it(`scores "${k.name}" as scikit-learn does`, () => {
      expect(adjustedRandIndex(k.truth, k.predicted)).toBeCloseTo(k.ari, 12);
      const hcv = homogeneityCompletenessVMeasure(k.truth, k.predicted);
      expect(hcv.homogeneity).toBeCloseTo(k.h, 12);
      expect(hcv.completeness).toBeCloseTo(k.c, 12);
      expect(hcv.vMeasure).toBeCloseTo(k.v, 12);
      expect(purity(k.truth, k.predicted)).toBeCloseTo(k.purity, 12);
      expect(groupingAccuracy(k.truth, k.predicted)).toBeCloseTo(k.ga, 12);
    });
  }

  it('gives the same scores whatever names the labels have', () => {
    const renamed = CASES[6]!.predicted.map((p) => `cluster-${p}`);
    expect(adjustedRandIndex(CASES[6]!.truth, renamed)).toBeCloseTo(CASES[6]!.ari, 12);
  });

  it('keeps ARI exact on large pair counts', () => {
    // 300k incidents in 3 equal families, each family its own cluster except 1,000 moved: pair counts near 1e11.
    const n = 300_000;
    const truth = Array.from({ length: n }, (_, i) => String(i % 3));
    const predicted = truth.map((t, i) => (i < 1000 ? String((Number(t) + 1) % 3) : t));
    const ari = adjustedRandIndex(truth, predicted);
    expect(ari).toBeGreaterThan(0.98);
    expect(ari).toBeLessThan(1);
  });
});

describe('scoreClustering', () => {
  const truth = chars('aaabbbccdd');
  const predicted = chars('1112223343');

  it('reports counts and every score for all incidents', () => {
    const scores = scoreClustering(truth, predicted);
    expect(scores).toMatchObject({ incidents: 10, families: 4, clusters: 4 });
    expect(scores.ari).toBeCloseTo(0.782608695652174, 12);
    expect(scores.ga).toBeCloseTo(0.6, 12);
  });

  it('restricts the partition scores to the masked incidents but keeps grouping accuracy strict', () => {
    const mask = truth.map((t) => t === 'c' || t === 'd');
    const scores = scoreClustering(truth, predicted, mask);
    expect(scores).toMatchObject({ incidents: 4, families: 2, clusters: 2 });
    // scikit-learn on truth "ccdd", predicted "3343".
    expect(scores.ari).toBeCloseTo(0, 12);
    expect(scores.homogeneity).toBeCloseTo(0.31127812445913283, 12);
    expect(scores.completeness).toBeCloseTo(0.3836885465963443, 12);
    expect(scores.vMeasure).toBeCloseTo(0.34371101848545077, 12);
    expect(scores.ga).toBe(0);
  });

  it('counts a masked family wrong when its cluster also holds unmasked incidents', () => {
    // Family c alone among the masked incidents, but its cluster also holds an unmasked a.
    const t = chars('aacc');
    const p = chars('1122').map((x, i) => (i === 1 ? '2' : x));
    const mask = t.map((x) => x === 'c');
    expect(groupingAccuracy(t, p, mask)).toBe(0);
    expect(scoreClustering(t, p, mask).homogeneity).toBe(1);
  });
});

describe('familyBreakdown', () => {
  it('lists split and mixed families first, with the families they share clusters with', () => {
    const rows = familyBreakdown(chars('aaabbbccdd'), chars('1112223343'));
    expect(rows.map((r) => r.family)).toEqual(['d', 'c', 'a', 'b']);
    expect(rows[0]).toEqual({ family: 'd', size: 2, clusters: 2, largestShare: 0.5, largestClusterPurity: 1 / 3, sharedWith: [{ family: 'c', incidents: 2 }] });
    expect(rows[1]).toMatchObject({ family: 'c', clusters: 1, largestShare: 1, largestClusterPurity: 2 / 3, sharedWith: [{ family: 'd', incidents: 1 }] });
    expect(rows[2]).toMatchObject({ family: 'a', clusters: 1, largestShare: 1, largestClusterPurity: 1, sharedWith: [] });
  });

  it('restricts the rows to the given families', () => {
    const rows = familyBreakdown(chars('aaabbbccdd'), chars('1112223343'), new Set(['a', 'c']));
    expect(rows.map((r) => r.family)).toEqual(['c', 'a']);
  });
});
