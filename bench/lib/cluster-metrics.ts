// Clustering scores against ground-truth families: adjusted Rand index, homogeneity / completeness / V-measure and
// purity as scikit-learn defines them, LogPAI's grouping accuracy, and a per-family breakdown for tuning reports.

export interface ClusterScores {
  incidents: number;
  families: number;
  clusters: number;
  ari: number;
  homogeneity: number;
  completeness: number;
  vMeasure: number;
  purity: number;
  /** Grouping accuracy (LogPAI): share of incidents whose predicted cluster is exactly their family. */
  ga: number;
}

interface Contingency {
  n: number;
  /** Class (truth) sizes and cluster (predicted) sizes. */
  classSizes: number[];
  clusterSizes: number[];
  /** Non-zero cells: class index, cluster index, count. */
  cells: Array<[number, number, number]>;
}

function contingency(truth: readonly string[], predicted: readonly string[]): Contingency {
  if (truth.length !== predicted.length) throw new Error(`labelings differ in length: ${truth.length} vs ${predicted.length}`);
  const classes = new Map<string, number>();
  const clusters = new Map<string, number>();
  const classSizes: number[] = [];
  const clusterSizes: number[] = [];
  const cellIndex = new Map<number, number>();
  const cells: Array<[number, number, number]> = [];
  // Cell keys need class * K + cluster with K ≥ number of clusters; the label count bounds it.
  const K = truth.length + 1;
  for (let i = 0; i < truth.length; i++) {
    let c = classes.get(truth[i]!);
    if (c === undefined) {
      classes.set(truth[i]!, (c = classSizes.length));
      classSizes.push(0);
    }
    let k = clusters.get(predicted[i]!);
    if (k === undefined) {
      clusters.set(predicted[i]!, (k = clusterSizes.length));
      clusterSizes.push(0);
    }
    classSizes[c]!++;
    clusterSizes[k]!++;
    const key = c * K + k;
    const at = cellIndex.get(key);
    if (at === undefined) {
      cellIndex.set(key, cells.length);
      cells.push([c, k, 1]);
    } else cells[at]![2]++;
  }
  return { n: truth.length, classSizes, clusterSizes, cells };
}

/** Adjusted Rand index, computed from the pair confusion matrix as `sklearn.metrics.adjusted_rand_score` does. */
export function adjustedRandIndex(truth: readonly string[], predicted: readonly string[]): number {
  return ariOf(contingency(truth, predicted));
}

function ariOf({ n, classSizes, clusterSizes, cells }: Contingency): number {
  // Ordered-pair counts can reach 1e11 and their products 1e22: exact in BigInt, not in a double.
  const squares = (values: Iterable<number>) => {
    let sum = 0n;
    for (const v of values) sum += BigInt(v) * BigInt(v);
    return sum;
  };
  const N = BigInt(n);
  const sumCells = squares(cells.map((c) => c[2]));
  const tp = sumCells - N;
  const fp = squares(clusterSizes) - sumCells;
  const fn = squares(classSizes) - sumCells;
  const tn = N * N - fp - fn - sumCells;
  if (fn === 0n && fp === 0n) return 1;
  const numerator = 2n * (tp * tn - fn * fp);
  const denominator = (tp + fn) * (fn + tn) + (tp + fp) * (fp + tn);
  return Number(numerator) / Number(denominator);
}

function entropy(sizes: readonly number[], n: number): number {
  let h = 0;
  for (const size of sizes) if (size > 0) h -= (size / n) * Math.log(size / n);
  return h;
}

/** Homogeneity, completeness and V-measure (beta 1), as `sklearn.metrics.homogeneity_completeness_v_measure`. */
export function homogeneityCompletenessVMeasure(truth: readonly string[], predicted: readonly string[]): { homogeneity: number; completeness: number; vMeasure: number } {
  return hcvOf(contingency(truth, predicted));
}

function hcvOf({ n, classSizes, clusterSizes, cells }: Contingency): { homogeneity: number; completeness: number; vMeasure: number } {
  if (n === 0) return { homogeneity: 1, completeness: 1, vMeasure: 1 };
  const entropyC = entropy(classSizes, n);
  const entropyK = entropy(clusterSizes, n);
  let mi = 0;
  if (classSizes.length > 1 && clusterSizes.length > 1) {
    for (const [c, k, count] of cells) mi += (count / n) * Math.log((n * count) / (classSizes[c]! * clusterSizes[k]!));
    mi = Math.max(0, mi);
  }
  const homogeneity = entropyC === 0 ? 1 : mi / entropyC;
  const completeness = entropyK === 0 ? 1 : mi / entropyK;
  const vMeasure = homogeneity + completeness === 0 ? 0 : (2 * homogeneity * completeness) / (homogeneity + completeness);
  return { homogeneity, completeness, vMeasure };
}

/** Purity: each predicted cluster counts its most frequent family; the sum over the incidents. */
export function purity(truth: readonly string[], predicted: readonly string[]): number {
  return purityOf(contingency(truth, predicted));
}

function purityOf({ n, clusterSizes, cells }: Contingency): number {
  if (n === 0) return 1;
  const best = new Array<number>(clusterSizes.length).fill(0);
  for (const [, k, count] of cells) if (count > best[k]!) best[k] = count;
  return best.reduce((a, b) => a + b, 0) / n;
}

/**
 * Grouping accuracy (LogPAI): an incident is correct when the set of incidents in its predicted cluster is exactly the
 * set of its family. With `mask`, only masked incidents are counted, but clusters and families are taken over all
 * incidents, so a held-out family merged into a tuning cluster is still wrong.
 */
export function groupingAccuracy(truth: readonly string[], predicted: readonly string[], mask?: readonly boolean[]): number {
  const familySize = new Map<string, number>();
  for (const t of truth) familySize.set(t, (familySize.get(t) ?? 0) + 1);
  const members = new Map<string, number[]>();
  predicted.forEach((p, i) => {
    let list = members.get(p);
    if (list === undefined) members.set(p, (list = []));
    list.push(i);
  });
  let correct = 0;
  let counted = 0;
  for (let i = 0; i < truth.length; i++) if (mask === undefined || mask[i]) counted++;
  for (const list of members.values()) {
    const family = truth[list[0]!]!;
    if (familySize.get(family) !== list.length || !list.every((i) => truth[i] === family)) continue;
    for (const i of list) if (mask === undefined || mask[i]) correct++;
  }
  return counted === 0 ? 1 : correct / counted;
}

/**
 * All scores at once. With `mask`, ARI, homogeneity, completeness, V-measure, purity and the cluster count are those of
 * the masked incidents only (both labelings restricted to them); grouping accuracy stays strict (see `groupingAccuracy`).
 */
export function scoreClustering(truth: readonly string[], predicted: readonly string[], mask?: readonly boolean[]): ClusterScores {
  const keep = (i: number) => mask === undefined || mask[i] === true;
  const t = truth.filter((_, i) => keep(i));
  const p = predicted.filter((_, i) => keep(i));
  const table = contingency(t, p);
  return {
    incidents: table.n,
    families: table.classSizes.length,
    clusters: table.clusterSizes.length,
    ari: ariOf(table),
    ...hcvOf(table),
    purity: purityOf(table),
    ga: groupingAccuracy(truth, predicted, mask),
  };
}

export interface FamilyBreakdown {
  family: string;
  size: number;
  /** Predicted clusters holding at least one of its incidents. */
  clusters: number;
  /** Share of the family in its largest cluster (1 = not split). */
  largestShare: number;
  /** Share of that largest cluster that is this family (1 = nothing else mixed in). */
  largestClusterPurity: number;
  /** Other families found in the clusters this family occupies, with how many of their incidents are there, most first. */
  sharedWith: Array<{ family: string; incidents: number }>;
}

/** For each family (or the given ones): how it is split and what it is mixed with, worst first. */
export function familyBreakdown(truth: readonly string[], predicted: readonly string[], families?: ReadonlySet<string>): FamilyBreakdown[] {
  const clusterMembers = new Map<string, Map<string, number>>();
  const familyClusters = new Map<string, Map<string, number>>();
  for (let i = 0; i < truth.length; i++) {
    const f = truth[i]!;
    const k = predicted[i]!;
    let byFamily = clusterMembers.get(k);
    if (byFamily === undefined) clusterMembers.set(k, (byFamily = new Map()));
    byFamily.set(f, (byFamily.get(f) ?? 0) + 1);
    let byCluster = familyClusters.get(f);
    if (byCluster === undefined) familyClusters.set(f, (byCluster = new Map()));
    byCluster.set(k, (byCluster.get(k) ?? 0) + 1);
  }
  const rows: FamilyBreakdown[] = [];
  for (const [family, byCluster] of familyClusters) {
    if (families !== undefined && !families.has(family)) continue;
    let size = 0;
    let largest = '';
    let largestCount = -1;
    for (const [k, count] of byCluster) {
      size += count;
      if (count > largestCount || (count === largestCount && k < largest)) [largest, largestCount] = [k, count];
    }
    const largestTotal = [...clusterMembers.get(largest)!.values()].reduce((a, b) => a + b, 0);
    const shared = new Map<string, number>();
    for (const k of byCluster.keys()) {
      for (const [other, count] of clusterMembers.get(k)!) if (other !== family) shared.set(other, (shared.get(other) ?? 0) + count);
    }
    rows.push({
      family,
      size,
      clusters: byCluster.size,
      largestShare: largestCount / size,
      largestClusterPurity: largestCount / largestTotal,
      sharedWith: [...shared].map(([f, incidents]) => ({ family: f, incidents })).sort((a, b) => b.incidents - a.incidents || (a.family < b.family ? -1 : 1)),
    });
  }
  const quality = (r: FamilyBreakdown) => r.largestShare * r.largestClusterPurity;
  return rows.sort((a, b) => quality(a) - quality(b) || b.size - a.size || (a.family < b.family ? -1 : 1));
}
