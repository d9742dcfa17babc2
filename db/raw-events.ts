// Raw events: what the tools sent, stored once each (the unique key absorbs redeliveries and retried pages), and
// the unification's queue (rows not unified yet).
import type { TransactionSql } from './sql.ts';

export interface NewRawEvent {
  /** The tool's id for this delivery or version: the deduplication key within the integration. */
  eventKey: string;
  /** The incident it is about. */
  externalId: string;
  /** The unified record made of it (plain JSON). */
  record: object;
  /** The tool's payload; null when the integration drops fields. */
  payload: unknown;
}

export interface PendingRawEvent {
  id: string;
  integrationId: string | null;
  source: string;
  externalId: string;
  record: Record<string, unknown>;
}

/** Stores the events that are new; answers how many were (the others were stored before). */
export async function insertRawEvents(
  tx: TransactionSql,
  accountId: string,
  integrationId: string,
  source: string,
  events: readonly NewRawEvent[],
): Promise<number> {
  if (events.length === 0) return 0;
  const rows = events.map((e) => ({ event_key: e.eventKey, external_id: e.externalId, record: e.record, payload: e.payload ?? null }));
  const inserted = await tx`
    insert into raw_events (account_id, integration_id, source, event_key, external_id, record, payload)
    select ${accountId}, ${integrationId}, ${source}, e.event_key, e.external_id, e.record, e.payload
    from jsonb_to_recordset(${tx.json(rows as never)}) as e(event_key text, external_id text, record jsonb, payload jsonb)
    on conflict (integration_id, event_key) do nothing
    returning id`;
  return inserted.length;
}

/** The oldest events not unified yet, in arrival order. */
export async function pendingRawEvents(tx: TransactionSql, accountId: string, limit: number): Promise<PendingRawEvent[]> {
  // The batch's ids first, from the pending index alone (an index-only scan): asked for whole rows in id order, the
  // planner would often walk the primary key instead and step over every event unified before (its statistics still
  // count them as pending during a drain), re-reading the table's head on every batch.
  // "raw_events.id", qualified: a bare "id" names the output column (id::text) and sorts as text ('10' before '9').
  return tx<PendingRawEvent[]>`
    select id::text, integration_id as "integrationId", source, external_id as "externalId", record
    from raw_events
    where account_id = ${accountId} and unified_at is null
      and id = any(array(
        select p.id from raw_events p where p.account_id = ${accountId} and p.unified_at is null order by p.id limit ${limit}))
    order by raw_events.id`;
}

export async function markRawEventsUnified(tx: TransactionSql, accountId: string, ids: readonly string[]): Promise<void> {
  if (ids.length === 0) return;
  await tx`update raw_events set unified_at = now() where account_id = ${accountId} and id = any(${ids as string[]}::bigint[])`;
}

export async function countPendingRawEvents(tx: TransactionSql, accountId: string): Promise<number> {
  const [row] = await tx<[{ n: number }]>`select count(*)::int as n from raw_events where account_id = ${accountId} and unified_at is null`;
  return row.n;
}
