// Online assignment: new incidents join the clusters of the account's last recluster model as they are unified, in
// microseconds; what fits none counts as drift. Run by every unification batch, and by a recluster right after it
// saved its model, for the incidents unified while it was computing.
import { assignIncident, loadClusterModel, readableTemplate, type ClusterIncident, type ClusterModelState } from '../analysis/index.ts';
import { addUnmatched, assignIncidents, countIntoClusters, getClusterModel, unclusteredIncidents } from '../db/clusters.ts';
import { importRunning } from '../db/clustering-state.ts';
import { hasUnclusteredIncidents } from '../db/incidents.ts';
import { labelIncidentNovelty } from '../db/incident-novelty.ts';
import type { TransactionSql } from '../db/sql.ts';

type Tx = TransactionSql;

export const toClusterIncident = (row: { id: string; title: string; description: string | null; service: string | null; source: string; createdAt: string; acknowledgedAt: string | null; resolvedAt: string | null }): ClusterIncident => ({
  id: row.id,
  title: row.title,
  description: row.description,
  service: row.service,
  source: row.source,
  createdAt: row.createdAt,
  acknowledgedAt: row.acknowledgedAt,
  resolvedAt: row.resolvedAt,
});

/** New incidents per batch the online assignment places (the batch's own, at most). */
const ASSIGN_LIMIT = 5000;
/** A recluster is due when this share of the incidents since the last one fit no cluster it knew (and at least 20). */
export const DRIFT_SHARE = 0.2;
const DRIFT_MINIMUM = 20;

/**
 * Online assignment: each new incident joins a cluster of the last recluster's model, in microseconds. Incidents
 * that fit none (a new template) start clusters of their own and count as drift; without a model yet (a new account)
 * the first recluster is due as soon as there are incidents, unless a backfill is importing: then the first recluster
 * waits for it (its end starts one: workflows/backfill.ts), instead of clustering the first pages alone.
 */
export async function assignOnline(tx: Tx, accountId: string): Promise<{ assigned: number; reclusterDue: boolean }> {
  const stored = await getClusterModel(tx, accountId);
  // No model yet: nothing to assign with; the first recluster is due once there is anything to cluster. (An
  // existence probe: the oldest unclustered incident would sort them all, on every batch of a first import.)
  if (!stored) return { assigned: 0, reclusterDue: (await hasUnclusteredIncidents(tx, accountId)) && !(await importRunning(tx, accountId)) };
  const pending = await unclusteredIncidents(tx, accountId, ASSIGN_LIMIT);
  if (pending.length === 0) return { assigned: 0, reclusterDue: false };
  const model = loadClusterModel(stored.state as ClusterModelState);
  const known = new Set([...model.templates.values()].map((t) => t.clusterId));
  const assignments = pending.map((row) => assignIncident(model, toClusterIncident(row)));
  const unmatched = assignments.filter((a) => !known.has(a.clusterId)).length;
  const placed = assignments.map((a) => ({ incidentId: a.incidentId, clusterId: a.clusterId, template: a.template }));
  await assignIncidents(tx, accountId, placed);
  // A pattern met for the first time is named in words at once (`High CPU on {host}`), never by its template.
  await countIntoClusters(tx, accountId, placed.map((a) => ({ ...a, label: readableTemplate(a.template) })));
  await addUnmatched(tx, accountId, unmatched);
  // New-pattern labels, before the batch's event rules read them (db/incident-novelty.ts).
  await labelIncidentNovelty(tx, accountId);
  const drift = stored.unmatchedSince + unmatched;
  return { assigned: assignments.length, reclusterDue: drift >= Math.max(DRIFT_MINIMUM, DRIFT_SHARE * stored.incidents) };
}
