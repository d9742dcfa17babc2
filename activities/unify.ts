// Unification: raw events waiting in an account's queue → unified incidents. One batch per transaction: lock the
// account's unification, read the batch, merge each incident's records with its stored version (locked), upsert the
// results in one statement; taking the batch off the queue commits with them. Run twice, it changes nothing the second time.
import { mergeUnified } from '../connectors/unified.ts';
import type { UnifiedIncident, UnifiedRecord } from '../connectors/types.ts';
import { hasUnclusteredIncidents, incidentKeyString, lockIncidents, upsertIncidents, type IncidentKey, type StoredIncident } from '../db/incidents.ts';
import { takeQueuedRawEvents } from '../db/raw-events.ts';
import { assignIncident, loadClusterModel, type ClusterModelState } from '../analysis/index.ts';
import { addUnmatched, assignIncidents, countIntoClusters, getClusterModel, unclusteredIncidents } from '../db/clusters.ts';
import type { Sql } from '../db/sql.ts';
import { toClusterIncident } from './recluster.ts';
import { withAccount } from '../db/tenancy.ts';
import { refreshIncidentRollups } from '../db/incident-rollups.ts';
import type { RefreshIncidentRollupsInput, RefreshIncidentRollupsResult, UnifyBatchInput, UnifyBatchResult } from '../workflows/activity-contract.ts';
import { Context } from '@temporalio/activity';

export interface UnifyActivityDeps {
  sql: Sql;
}

export function createUnifyActivities(deps: UnifyActivityDeps) {
  return {
    async unifyBatch({ accountId, limit }: UnifyBatchInput): Promise<UnifyBatchResult> {
      return withAccount(deps.sql, accountId, (tx) => unifyInTransaction(tx, accountId, limit));
    },
    /** The dashboard's rollups for the days the batches (or anything else) changed; a month of days per transaction. */
    async refreshIncidentRollups({ accountId }: RefreshIncidentRollupsInput): Promise<RefreshIncidentRollupsResult> {
      return refreshIncidentRollups(deps.sql, accountId, (days) => Context.current().heartbeat(days));
    },
  };
}

type Tx = Parameters<Parameters<typeof withAccount>[2]>[0];

export async function unifyInTransaction(tx: Tx, accountId: string, limit: number): Promise<UnifyBatchResult> {
  // One unification per account at a time: two batches merging into the same incident would lose one's records.
  await tx`select pg_advisory_xact_lock(hashtextextended(${`unify:${accountId}`}, 0))`;
  const { taken, events } = await takeQueuedRawEvents(tx, accountId, limit);
  if (taken === 0) return { processed: 0, incidents: 0, orphans: 0, ...(await assignOnline(tx, accountId)) };

  // Records grouped by incident, in arrival order.
  const byIncident = new Map<string, { key: IncidentKey; records: UnifiedRecord[] }>();
  for (const event of events) {
    const key: IncidentKey = { integrationId: event.integrationId, source: event.source, externalId: event.externalId };
    const id = incidentKeyString(key);
    const group = byIncident.get(id) ?? { key, records: [] };
    group.records.push(event.record as unknown as UnifiedRecord);
    byIncident.set(id, group);
  }

  const stored = await lockIncidents(tx, accountId, [...byIncident.values()].map((g) => g.key));
  const merged: (StoredIncident & { id?: string })[] = [];
  let orphans = 0;
  for (const [id, group] of byIncident) {
    const row = stored.get(id);
    let incident: UnifiedIncident | undefined = row as unknown as UnifiedIncident | undefined;
    for (const record of group.records) {
      const next = mergeUnified(incident, record);
      if (next) incident = next;
      else orphans += 1;
    }
    // `source` and the ids come from the key: a record cannot move an incident to another integration.
    // The stored row's id (from the lock, not the merge) makes its merged version an update of that row.
    if (incident) merged.push({ ...(incident as unknown as StoredIncident), ...group.key, kind: 'incident', ...(row ? { id: row.id } : {}) });
  }
  const written = await upsertIncidents(tx, accountId, merged);
  return { processed: taken, incidents: written, orphans, ...(await assignOnline(tx, accountId)) };
}

/** New incidents per batch the online assignment places (the batch's own, at most). */
const ASSIGN_LIMIT = 5000;
/** A recluster is due when this share of the incidents since the last one fit no cluster it knew (and at least 20). */
export const DRIFT_SHARE = 0.2;
const DRIFT_MINIMUM = 20;

/**
 * Online assignment: each new incident joins a cluster of the last recluster's model, in microseconds. Incidents
 * that fit none (a new template) start clusters of their own and count as drift; without a model yet (a new account)
 * the first recluster is due as soon as there are incidents.
 */
async function assignOnline(tx: Tx, accountId: string): Promise<{ assigned: number; reclusterDue: boolean }> {
  const stored = await getClusterModel(tx, accountId);
  // No model yet: nothing to assign with; the first recluster is due once there is anything to cluster. (An
  // existence probe: the oldest unclustered incident would sort them all, on every batch of a first import.)
  if (!stored) return { assigned: 0, reclusterDue: await hasUnclusteredIncidents(tx, accountId) };
  const pending = await unclusteredIncidents(tx, accountId, ASSIGN_LIMIT);
  if (pending.length === 0) return { assigned: 0, reclusterDue: false };
  const model = loadClusterModel(stored.state as ClusterModelState);
  const known = new Set([...model.templates.values()].map((t) => t.clusterId));
  const assignments = pending.map((row) => assignIncident(model, toClusterIncident(row)));
  const unmatched = assignments.filter((a) => !known.has(a.clusterId)).length;
  const placed = assignments.map((a) => ({ incidentId: a.incidentId, clusterId: a.clusterId, template: a.template }));
  await assignIncidents(tx, accountId, placed);
  await countIntoClusters(tx, accountId, placed);
  await addUnmatched(tx, accountId, unmatched);
  const drift = stored.unmatchedSince + unmatched;
  return { assigned: assignments.length, reclusterDue: drift >= Math.max(DRIFT_MINIMUM, DRIFT_SHARE * stored.incidents) };
}
