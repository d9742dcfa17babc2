// Whether an account's clustering can be read as it is, or is being computed: its first import is still running (no
// recluster has run, and the first one waits for the import), or a recluster is computing. Pages show "computing…"
// meanwhile instead of numbers about to change. Tenant rows: every function takes a tenant transaction.
import type { TransactionSql } from './sql.ts';

/**
 * A recluster marked as running longer ago than this is taken as gone (its workflow terminated by an operator, say):
 * a recluster's activity is 20 minutes at most an attempt, and each attempt marks its own start again.
 */
export const RECLUSTER_MARK_MAX_AGE_MINUTES = 60;
/** A backfill whose job row has not moved for this long no longer holds the first recluster back. */
export const IMPORT_STALE_MINUTES = 60;

export type ClusteringState =
  | {
      status: 'computing';
      /** `first-import`: no clustering yet, and the first waits for the account's first import; `recluster`: one is computing. */
      reason: 'first-import' | 'recluster';
      /** When the recluster started (or was requested); null for `first-import`, and for a first recluster not started yet. */
      since: string | null;
      /** The last recluster that finished; null before the first. */
      reclusteredAt: string | null;
    }
  | {
      status: 'ready';
      reclusteredAt: string | null;
      /** The last recluster that failed for good, when none has succeeded since. */
      failed: { at: string; error: string } | null;
    };

const iso = (at: Date | null) => (at ? at.toISOString() : null);

/** A recluster starts (an attempt of its activity, or the API starting one on request). */
export async function markReclusterStarted(tx: TransactionSql, accountId: string, reason: string): Promise<void> {
  await tx`
    insert into clustering_state (account_id, recluster_started_at, recluster_reason) values (${accountId}, now(), ${reason})
    on conflict (account_id) do update set recluster_started_at = now(), recluster_reason = excluded.recluster_reason`;
}

/** The recluster's result is written (in the same transaction): nothing is computing, and no failure stands. */
export async function markReclusterFinished(tx: TransactionSql, accountId: string): Promise<void> {
  await tx`
    update clustering_state set recluster_started_at = null, recluster_reason = null, recluster_failed_at = null, recluster_error = null
    where account_id = ${accountId}`;
}

/** The recluster failed for good (its workflow gave up): nothing is computing; the failure is shown until the next succeeds. */
export async function markReclusterFailed(tx: TransactionSql, accountId: string, error: string): Promise<void> {
  await tx`
    insert into clustering_state (account_id, recluster_failed_at, recluster_error) values (${accountId}, now(), ${error.slice(0, 1000)})
    on conflict (account_id) do update set recluster_started_at = null, recluster_reason = null, recluster_failed_at = now(), recluster_error = excluded.recluster_error`;
}

/** `exists (...)`: a backfill of the account is importing history (its job is queued or running, and moved within the hour). */
const importing = (tx: TransactionSql, accountId: string) => tx`
  exists (
    select 1 from jobs j
    where j.account_id = ${accountId} and j.kind = 'backfill' and j.status in ('queued', 'running')
      and j.updated_at > now() - make_interval(mins => ${IMPORT_STALE_MINUTES})
  )`;

/** A backfill of the account is importing history: the account's first recluster waits for it. */
export async function importRunning(tx: TransactionSql, accountId: string): Promise<boolean> {
  const [row] = await tx<[{ running: boolean }]>`select ${importing(tx, accountId)} as running`;
  return row.running;
}

/** The account's clustering state, as the clusters pages and the dashboard show it. */
export async function readClusteringState(tx: TransactionSql, accountId: string): Promise<ClusteringState> {
  const [row] = await tx<[{ reclusteredAt: Date | null; startedAt: Date | null; failedAt: Date | null; error: string | null; clustered: boolean; unclustered: boolean; importing: boolean }]>`
    select m.reclustered_at as "reclusteredAt",
           case when s.recluster_started_at > now() - make_interval(mins => ${RECLUSTER_MARK_MAX_AGE_MINUTES}) then s.recluster_started_at end as "startedAt",
           s.recluster_failed_at as "failedAt", s.recluster_error as error,
           m.account_id is not null as clustered,
           m.account_id is null and exists (select 1 from incidents i where i.account_id = ${accountId} and i.cluster_id is null) as unclustered,
           m.account_id is null and ${importing(tx, accountId)} as importing
    from (select 1) one
    left join cluster_models m on m.account_id = ${accountId}
    left join clustering_state s on s.account_id = ${accountId}`;
  const reclusteredAt = iso(row.reclusteredAt);
  if (row.startedAt) return { status: 'computing', reason: 'recluster', since: iso(row.startedAt), reclusteredAt };
  // No clustering yet: while the first import runs the first recluster waits for it; after it (or with incidents from
  // webhooks alone) the first recluster is about to start, unless one failed.
  if (!row.clustered && row.importing) return { status: 'computing', reason: 'first-import', since: null, reclusteredAt };
  if (!row.clustered && row.unclustered && !row.failedAt) return { status: 'computing', reason: 'recluster', since: null, reclusteredAt };
  return { status: 'ready', reclusteredAt, failed: row.failedAt ? { at: row.failedAt.toISOString(), error: row.error ?? 'failed' } : null };
}
