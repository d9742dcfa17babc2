// The dashboard's rollups (migration 0018): incident counts per UTC day over a few dimensions (and per quarter hour for
// the heatmap), refreshed from `incidents` for the days a write marked dirty, and read together with `incidents` so an
// aggregate is exact whatever was refreshed: clean whole days from a rollup, dirty days and the range's partial days
// from `incidents`, in one statement. Also the 1-in-16 sample that long ranges take their percentiles from.
import { incidentConditions, type IncidentFilter } from './incident-filter.ts';
import type { Sql, TransactionSql } from './sql.ts';
import { withAccount } from './tenancy.ts';

/** A dimension a rollup can keep: the incident's column name. */
export type RollupDimension = 'severity' | 'source' | 'service' | 'team' | 'status' | 'cluster_id';

interface RollupSpec {
  table: string;
  /** `quarter_hour` rows carry `at` (the quarter hour) beside `day`. */
  grain: 'day' | 'quarter_hour';
  dims: readonly RollupDimension[];
}

/** Smallest first: a query reads the first one that keeps every dimension it filters or groups by. */
const ROLLUPS: readonly RollupSpec[] = [
  { table: 'incident_rollup_quarter_hour', grain: 'quarter_hour', dims: [] },
  { table: 'incident_rollup_daily_status', grain: 'day', dims: ['severity', 'status'] },
  { table: 'incident_rollup_daily_cluster', grain: 'day', dims: ['cluster_id'] },
  { table: 'incident_rollup_daily_service', grain: 'day', dims: ['service', 'team', 'status'] },
  { table: 'incident_rollup_daily', grain: 'day', dims: ['severity', 'source', 'service', 'team', 'status'] },
];

const DAY_MS = 86_400_000;
/** date_bin's origin everywhere in the dashboard: a Monday at midnight UTC. */
const ORIGIN = new Date('2000-01-03T00:00:00Z');

/** Percentiles over more incidents than this read the 1-in-16 sample (≥ 9,000 durations; p95 within ~1%). */
export const SAMPLE_ABOVE = 150_000;
export const SAMPLE_RATE = 16;

/** The sample's condition, exactly as the partial index `incidents_sample_idx` states it (so the planner uses it). */
export const sampleCondition = (tx: TransactionSql, alias: string) => tx`and ${tx(`${alias}.id` as never)} < '10000000-0000-0000-0000-000000000000'::uuid`;

/** The dimensions a filter narrows by, or null when a rollup cannot answer it (title search, integrations, new-pattern labels). */
function filterDimensions(filter: IncidentFilter): RollupDimension[] | null {
  if (filter.q || (filter.integrationIds?.length ?? 0) > 0 || (filter.novelties?.length ?? 0) > 0) return null;
  const dims: RollupDimension[] = [];
  if (filter.services?.length) dims.push('service');
  if (filter.teams?.length) dims.push('team');
  if (filter.sources?.length) dims.push('source');
  if (filter.severities?.length) dims.push('severity');
  if (filter.statuses?.length) dims.push('status');
  if (filter.clusterIds?.length) dims.push('cluster_id');
  return dims;
}

const dayFloor = (at: Date) => new Date(at.getTime() - ((((at.getTime() - ORIGIN.getTime()) % DAY_MS) + DAY_MS) % DAY_MS));
const dayCeil = (at: Date) => {
  const floor = dayFloor(at);
  return floor.getTime() === at.getTime() ? floor : new Date(floor.getTime() + DAY_MS);
};

/** Which rollup answers `dims` over the filter, and over which whole days; null: count `incidents` directly. */
export function planCounts(filter: IncidentFilter & { from: Date; to: Date }, dims: readonly RollupDimension[], grain: 'day' | 'quarter_hour'): { table: string; grain: RollupSpec['grain']; from: Date; to: Date } | null {
  const narrowing = filterDimensions(filter);
  if (narrowing === null) return null;
  const needed = new Set([...dims, ...narrowing]);
  const spec = ROLLUPS.find((r) => (grain === 'quarter_hour' ? r.grain === 'quarter_hour' : true) && [...needed].every((d) => r.dims.includes(d)));
  if (!spec) return null;
  const from = dayCeil(filter.from);
  const to = dayFloor(filter.to);
  return from < to ? { table: spec.table, grain: spec.grain, from, to } : null;
}

/**
 * A relation `(at, <dims>, n)` whose `n` summed over any grouping of `dims` (and of `at` by day or coarser; by quarter
 * hour for grain `quarter_hour`; by anything for `exact`, which reads `incidents` only) is the number of the
 * account's incidents matching the filter in `[from, to)`.
 */
export function countedIncidents(tx: TransactionSql, accountId: string, filter: IncidentFilter & { from: Date; to: Date }, dims: readonly RollupDimension[], grain: 'day' | 'quarter_hour' | 'exact' = 'day') {
  const { from: _from, to: _to, ...unranged } = filter;
  // `<time> as at, <alias>.<dim>, ...`: the same columns, in the same order, in every branch of the union.
  const columns = (time: string, alias: string) => dims.reduce((acc, d) => tx`${acc}, ${tx(`${alias}.${d}` as never)}`, tx`${tx(time as never)} as at`);
  const raw = (alias: string) => columns(`${alias}.created_at`, alias);
  const plan = grain === 'exact' ? null : planCounts(filter, dims, grain);
  if (!plan) {
    return tx`
      select ${raw('i')}, 1 as n
      from incidents i where i.account_id = ${accountId} ${incidentConditions(tx, filter, 'i')}`;
  }
  const table = tx(plan.table as never);
  return tx`
    select ${columns(plan.grain === 'quarter_hour' ? 'r.at' : 'r.day', 'r')}, r.n
    from ${table} r
    where r.account_id = ${accountId} and r.day >= ${plan.from} and r.day < ${plan.to} ${incidentConditions(tx, unranged, 'r')}
      and not exists (select 1 from incident_rollup_dirty d where d.account_id = ${accountId} and d.day = r.day)
    union all
    select ${raw('i')}, 1
    from incidents i
    where i.account_id = ${accountId} and i.created_at >= ${filter.from} and i.created_at < ${plan.from} ${incidentConditions(tx, unranged, 'i')}
    union all
    select ${raw('i')}, 1
    from incidents i
    where i.account_id = ${accountId} and i.created_at >= ${plan.to} and i.created_at < ${filter.to} ${incidentConditions(tx, unranged, 'i')}
    union all
    select ${raw('i')}, 1
    from (
      -- The day's end as a column of its own (\`offset 0\` keeps it one): under row-level security only leakproof
      -- conditions reach the index, and \`created_at < d.day + interval\` is not one (it read every later incident).
      select d.day, d.day + interval '1 day' as until from incident_rollup_dirty d
      where d.account_id = ${accountId} and d.day >= ${plan.from} and d.day < ${plan.to} offset 0
    ) d
    join incidents i on i.account_id = ${accountId} and i.created_at >= d.day and i.created_at < d.until
    where true ${incidentConditions(tx, unranged, 'i')}`;
}

/** How many of the account's incidents match the filter in its range (from the smallest rollup that can say). */
export async function countInRange(tx: TransactionSql, accountId: string, filter: IncidentFilter & { from: Date; to: Date }): Promise<number> {
  const [row] = await tx<[{ n: number }]>`select coalesce(sum(c.n), 0)::int as n from (${countedIncidents(tx, accountId, filter, [])}) c`;
  return row.n;
}

/** Days recomputed per transaction: a refresh of a year's backfill commits in steps instead of one long transaction. */
export const REFRESH_DAYS_PER_TRANSACTION = 31;

/**
 * Recomputes up to `limit` of the account's dirty days from `incidents` and clears their marks, in one transaction.
 * A writer that touches one of those days meanwhile waits on its mark (the trigger's `on conflict do update`) until
 * this commits, then marks the day again; so a clean day's rollup always equals its incidents. Returns the days done.
 */
export async function refreshRollupDays(tx: TransactionSql, accountId: string, limit = REFRESH_DAYS_PER_TRANSACTION): Promise<number> {
  const marked = await tx<{ day: Date }[]>`
    delete from incident_rollup_dirty
    where account_id = ${accountId}
      and day in (select day from incident_rollup_dirty where account_id = ${accountId} order by day limit ${limit})
    returning day`;
  if (marked.length === 0) return 0;
  const days = marked.map((m) => m.day.toISOString());
  for (const spec of ROLLUPS) {
    await tx`delete from ${tx(spec.table as never)} where account_id = ${accountId} and day = any(${days}::timestamptz[])`;
  }
  // Each day's end computed here, not in SQL: under row-level security \`created_at < d.day + interval '1 day'\` is not
  // leakproof, so it is no index condition, and each day read every incident after it (3.6 s instead of 0.1 s a month).
  const ends = marked.map((m) => new Date(m.day.getTime() + DAY_MS).toISOString());
  const scope = tx`
    from unnest(${days}::timestamptz[], ${ends}::timestamptz[]) as d(day, until)
    join incidents i on i.account_id = ${accountId} and i.created_at >= d.day and i.created_at < d.until`;
  await tx`
    insert into incident_rollup_daily (account_id, day, severity, source, service, team, status, n)
    select ${accountId}, d.day, i.severity, i.source, i.service, i.team, i.status, count(*) ${scope} group by 2, 3, 4, 5, 6, 7`;
  await tx`
    insert into incident_rollup_daily_status (account_id, day, severity, status, n)
    select ${accountId}, d.day, i.severity, i.status, count(*) ${scope} group by 2, 3, 4`;
  await tx`
    insert into incident_rollup_daily_service (account_id, day, service, team, status, n)
    select ${accountId}, d.day, i.service, i.team, i.status, count(*) ${scope} group by 2, 3, 4, 5`;
  await tx`
    insert into incident_rollup_daily_cluster (account_id, day, cluster_id, n)
    select ${accountId}, d.day, i.cluster_id, count(*) ${scope} group by 2, 3`;
  await tx`
    insert into incident_rollup_quarter_hour (account_id, day, at, n)
    select ${accountId}, d.day, date_bin('15 minutes', i.created_at, ${ORIGIN}::timestamptz), count(*) ${scope} group by 2, 3`;
  return marked.length;
}

/** Refreshes every dirty day of the account, a month of days per transaction; `onProgress` after each (heartbeats). */
export async function refreshIncidentRollups(sql: Sql, accountId: string, onProgress?: (days: number) => void): Promise<{ days: number }> {
  let total = 0;
  for (;;) {
    const done = await withAccount(sql, accountId, (tx) => refreshRollupDays(tx, accountId));
    if (done === 0) return { days: total };
    total += done;
    onProgress?.(total);
  }
}

/** Days whose rollups wait for a refresh (operations: a growing number means refreshes are not running). */
export async function countDirtyDays(tx: TransactionSql, accountId: string): Promise<number> {
  const [row] = await tx<[{ n: number }]>`select count(*)::int as n from incident_rollup_dirty where account_id = ${accountId}`;
  return row.n;
}
