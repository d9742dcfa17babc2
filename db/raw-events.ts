// Raw events: what the tools sent, stored once each (the unique key absorbs redeliveries and retried pages), and
// the unification's queue (rows not unified yet).
import type { SourceKind, UnifiedRecord } from '../connectors/types.ts';
import { storable } from './storable-text.ts';
import type { TransactionSql } from './sql.ts';

export interface NewRawEvent {
  /** The tool's id for this delivery or version: the deduplication key within the integration. */
  eventKey: string;
  /** The incident it is about. */
  externalId: string;
  /** The unified record made of it (plain JSON). */
  record: UnifiedRecord;
  /** The tool's payload; null when the integration drops fields. */
  payload: unknown;
}

export interface PendingRawEvent {
  id: string;
  integrationId: string | null;
  source: SourceKind;
  externalId: string;
  /** As insertRawEvents stored it. */
  record: UnifiedRecord;
}

/** Stores the events that are new and queues them for the unification; answers how many were new. */
export async function insertRawEvents(
  tx: TransactionSql,
  accountId: string,
  integrationId: string,
  source: SourceKind,
  events: readonly NewRawEvent[],
): Promise<number> {
  if (events.length === 0) return 0;
  // A vendor's text with a NUL or a lone surrogate is kept (replaced by U+FFFD), never refused: the event is theirs.
  const rows = events.map((e) => storable({ event_key: e.eventKey, external_id: e.externalId, record: e.record, payload: e.payload ?? null }));
  const queued = await tx`
    with stored as (
      insert into raw_events (account_id, integration_id, source, event_key, external_id, record, payload)
      select ${accountId}, ${integrationId}, ${source}, e.event_key, e.external_id, e.record, e.payload
      from jsonb_to_recordset(${tx.json(rows as never)}) as e(event_key text, external_id text, record jsonb, payload jsonb)
      on conflict (integration_id, event_key) do nothing
      returning id
    )
    insert into unify_queue (account_id, raw_event_id) select ${accountId}, id from stored
    returning 1`;
  return queued.length;
}

/**
 * Takes the oldest queued events off the queue, in arrival order: the caller's transaction merges them, and its
 * rollback puts them back. `taken` counts queue rows, also those whose raw event was deleted with its integration
 * (taken and dropped), so a batch of such rows does not look like the end of the queue.
 */
export async function takeQueuedRawEvents(tx: TransactionSql, accountId: string, limit: number): Promise<{ taken: number; events: PendingRawEvent[] }> {
  // The batch's ids from the queue's primary key (the planner, which may still count a drained queue as full, would
  // otherwise hash the whole queue), then the events by theirs.
  const taken = await tx<{ id: string }[]>`
    delete from unify_queue
    where account_id = ${accountId}
      and raw_event_id = any(array(
        select q.raw_event_id from unify_queue q where q.account_id = ${accountId} order by q.raw_event_id limit ${limit}))
    returning raw_event_id::text as id`;
  if (taken.length === 0) return { taken: 0, events: [] };
  const events = await tx<PendingRawEvent[]>`
    select id::text, integration_id as "integrationId", source, external_id as "externalId", record
    from raw_events
    where id = any(${taken.map((t) => t.id)}::bigint[])
    order by raw_events.id`;
  return { taken: taken.length, events };
}

export async function countQueuedRawEvents(tx: TransactionSql, accountId: string): Promise<number> {
  const [row] = await tx<[{ n: number }]>`select count(*)::int as n from unify_queue where account_id = ${accountId}`;
  return row.n;
}
