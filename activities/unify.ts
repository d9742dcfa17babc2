// Unification: raw events waiting in an account's queue → unified incidents. One batch per transaction: lock the
// account's unification, read the batch, merge each incident's records with its stored version (locked), upsert the
// results in one statement; taking the batch off the queue commits with them. Run twice, it changes nothing the second time.
import { mergeUnified } from '../connectors/unified.ts';
import type { UnifiedIncident, UnifiedRecord } from '../connectors/types.ts';
import { incidentKeyString, lockIncidents, upsertIncidents, type IncidentKey, type StoredIncident } from '../db/incidents.ts';
import { takeQueuedRawEvents } from '../db/raw-events.ts';
import type { Sql } from '../db/sql.ts';
import { assignOnline } from './online-assignment.ts';
import { withAccount } from '../db/tenancy.ts';
import { refreshIncidentRollups } from '../db/incident-rollups.ts';
import type { RefreshIncidentRollupsInput, RefreshIncidentRollupsResult, UnifyBatchInput, UnifyBatchResult } from '../workflows/activity-contract.ts';
import { withKeepAlive } from './keep-alive.ts';
import { firingCandidate, recordFiringsForBatch } from './automation-triggers.ts';
import type { RuleReason } from '../db/automation-triggers.ts';
import { unifyBatchDuration, unifyBatchSize, unifyEvents, unifyIncidents } from '../observability/metrics.ts';

export interface UnifyActivityDeps {
  sql: Sql;
}

export function createUnifyActivities(deps: UnifyActivityDeps) {
  return {
    async unifyBatch({ accountId, limit }: UnifyBatchInput): Promise<UnifyBatchResult> {
      const started = performance.now();
      // A batch is one transaction; heartbeats while it runs let a dead worker's batch be retried within seconds.
      const result = await withKeepAlive(() => withAccount(deps.sql, accountId, (tx) => unifyInTransaction(tx, accountId, limit)));
      // Counted once committed: a rolled-back batch is still queued and will be counted when it succeeds.
      if (result.processed > 0) {
        unifyBatchSize.observe(result.processed);
        unifyBatchDuration.observe((performance.now() - started) / 1000);
        unifyEvents.inc(result.processed);
        unifyIncidents.inc(result.incidents);
      }
      return result;
    },
    /** The dashboard's rollups for the days the batches (or anything else) changed; a month of days per transaction. */
    async refreshIncidentRollups({ accountId }: RefreshIncidentRollupsInput): Promise<RefreshIncidentRollupsResult> {
      // A month of days per transaction, each a heartbeat with the days so far (repeated while the next one runs).
      return withKeepAlive((heartbeat) => refreshIncidentRollups(deps.sql, accountId, heartbeat));
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
    group.records.push(event.record);
    byIncident.set(id, group);
  }

  const stored = await lockIncidents(tx, accountId, [...byIncident.values()].map((g) => g.key));
  const merged: (StoredIncident & { id?: string })[] = [];
  // Incidents this batch creates or re-opens: event rules match them after the upsert (automation triggers).
  const candidates: { key: IncidentKey; reason: RuleReason }[] = [];
  const now = Date.now();
  let orphans = 0;
  for (const [id, group] of byIncident) {
    const row = stored.get(id);
    let incident: UnifiedIncident | undefined = row;
    for (const record of group.records) {
      const next = mergeUnified(incident, record);
      if (next) incident = next;
      else orphans += 1;
    }
    // `source` and the ids come from the key: a record cannot move an incident to another integration.
    // The stored row's id (from the lock, not the merge) makes its merged version an update of that row.
    if (incident) {
      merged.push({ ...incident, ...group.key, kind: 'incident', ...(row ? { id: row.id } : {}) });
      const reason = firingCandidate(row, incident, now);
      if (reason) candidates.push({ key: group.key, reason });
    }
  }
  const written = await upsertIncidents(tx, accountId, merged);
  const assigned = await assignOnline(tx, accountId);
  // The firings commit with the incidents (an outbox): a crash loses neither; the workflow starts their runs.
  const firings = await recordFiringsForBatch(tx, accountId, candidates);
  return { processed: taken, incidents: written, orphans, ...assigned, ...(firings > 0 ? { firings } : {}) };
}

