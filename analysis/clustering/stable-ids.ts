// Keeps cluster ids stable across reclusters: new clusters take the ids of the old ones they share most incidents
// (or, failing that, templates) with; clusters never seen before get an id hashed from their representative template.
import { anchoredClusterId, uniqueClusterId } from './cluster-ids.ts';

/** A cluster of one recluster before it has an id. */
export interface UnnamedCluster {
  /** Indices of its incidents in the recluster's input. */
  members: readonly number[];
  /** Its template texts, most frequent first. */
  templates: readonly string[];
}

export interface PreviousClustering {
  /** The cluster an incident was in after the previous run (and the feedback since), if it existed then. */
  clusterOf(incidentIndex: number): string | undefined;
  /** Template text → the cluster that held it in the previous model. */
  templateOwners: ReadonlyMap<string, string>;
  /** Clusters that merge feedback points into: several new clusters may all take such an id. */
  mergeTargets: ReadonlySet<string>;
}

export const STABLE_ID_CONSTANTS = Object.freeze({
  /**
   * An old id passes to a new cluster when their shared incidents are at least this share of the new cluster's
   * previously-seen incidents or of the old cluster's incidents still present.
   */
  minOverlapShare: 0.5,
});

/** One id per cluster, in the same order; deterministic for the same clusters and the same previous clustering. */
export function assignStableIds(clusters: readonly UnnamedCluster[], previous: PreviousClustering | undefined): string[] {
  const ids: (string | undefined)[] = new Array(clusters.length).fill(undefined);
  const used = new Set<string>();

  if (previous !== undefined) {
    const presentPerOld = new Map<string, number>();
    const overlaps = clusters.map((cluster) => {
      const counts = new Map<string, number>();
      let seen = 0;
      for (const member of cluster.members) {
        const old = previous.clusterOf(member);
        if (old === undefined) continue;
        seen++;
        counts.set(old, (counts.get(old) ?? 0) + 1);
        presentPerOld.set(old, (presentPerOld.get(old) ?? 0) + 1);
      }
      return { counts, seen };
    });
    const candidates: Array<{ cluster: number; old: string; shared: number }> = [];
    overlaps.forEach(({ counts, seen }, cluster) => {
      for (const [old, shared] of counts) {
        const share = Math.max(shared / seen, shared / presentPerOld.get(old)!);
        if (share >= STABLE_ID_CONSTANTS.minOverlapShare) candidates.push({ cluster, old, shared });
      }
    });
    // Largest overlaps first; ties by id and position so the outcome never depends on map iteration order.
    candidates.sort((a, b) => b.shared - a.shared || (a.old < b.old ? -1 : a.old > b.old ? 1 : 0) || a.cluster - b.cluster);
    const considered = new Set<number>();
    for (const { cluster, old } of candidates) {
      if (ids[cluster] !== undefined) continue;
      const first = !considered.has(cluster);
      considered.add(cluster);
      if (!used.has(old)) {
        ids[cluster] = old;
        used.add(old);
      } else if (first && previous.mergeTargets.has(old)) {
        // Users merged clusters into this one: the parts the miner still separates all come back to it.
        ids[cluster] = old;
      }
    }
    // Incidents gone (retention) or never seen: an unchanged template still names its old cluster.
    clusters.forEach((cluster, index) => {
      if (ids[index] !== undefined) return;
      for (const template of cluster.templates) {
        const old = previous.templateOwners.get(template);
        if (old !== undefined && !used.has(old)) {
          ids[index] = old;
          used.add(old);
          return;
        }
      }
    });
  }

  clusters.forEach((cluster, index) => {
    if (ids[index] !== undefined) return;
    const id = uniqueClusterId(anchoredClusterId(cluster.templates[0] ?? ''), used);
    ids[index] = id;
    used.add(id);
  });
  return ids as string[];
}
