// Unification: raw events waiting in an account's queue → unified incidents. One batch per transaction: lock the
// account's unification, read the batch, merge each incident's records with its stored version (locked), upsert the
// results in one statement, and mark the batch done. Run twice, it changes nothing the second time.
import { mergeUnified } from '../connectors/unified.ts';
import type { UnifiedIncident, UnifiedRecord } from '../connectors/types.ts';
import { incidentKeyString, lockIncidents, upsertIncidents, type IncidentKey, type StoredIncident } from '../db/incidents.ts';
import { markRawEventsUnified, pendingRawEvents } from '../db/raw-events.ts';
import type { Sql } from '../db/sql.ts';
import { withAccount } from '../db/tenancy.ts';
import type { UnifyBatchInput, UnifyBatchResult } from '../workflows/activity-contract.ts';

export interface UnifyActivityDeps {
  sql: Sql;
}

export function createUnifyActivities(deps: UnifyActivityDeps) {
  return {
    async unifyBatch({ accountId, limit }: UnifyBatchInput): Promise<UnifyBatchResult> {
      return withAccount(deps.sql, accountId, (tx) => unifyInTransaction(tx, accountId, limit));
    },
  };
}

type Tx = Parameters<Parameters<typeof withAccount>[2]>[0];

export async function unifyInTransaction(tx: Tx, accountId: string, limit: number): Promise<UnifyBatchResult> {
  // One unification per account at a time: two batches merging into the same incident would lose one's records.
  await tx`select pg_advisory_xact_lock(hashtextextended(${`unify:${accountId}`}, 0))`;
  const events = await pendingRawEvents(tx, accountId, limit);
  if (events.length === 0) return { processed: 0, incidents: 0, orphans: 0 };

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
  const merged: StoredIncident[] = [];
  let orphans = 0;
  for (const [id, group] of byIncident) {
    let incident: UnifiedIncident | undefined = stored.get(id) as unknown as UnifiedIncident | undefined;
    for (const record of group.records) {
      const next = mergeUnified(incident, record);
      if (next) incident = next;
      else orphans += 1;
    }
    // `source` and the ids come from the key: a record cannot move an incident to another integration.
    if (incident) merged.push({ ...(incident as unknown as StoredIncident), ...group.key, kind: 'incident' });
  }
  const written = await upsertIncidents(tx, accountId, merged);
  await markRawEventsUnified(tx, accountId, events.map((e) => e.id));
  return { processed: events.length, incidents: written, orphans };
}
