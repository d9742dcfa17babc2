// Cluster analytics read from `incidents` when asked, so every incident in a cluster counts at once, including those
// the unification placed online since the last recluster: sizes and first/last seen over all time, incidents per day,
// services, teams and MTTA/MTTR over a range. Counts come from the rollups where one can answer (exact: clean whole
// days; dirty and partial days from `incidents`, db/incident-rollups.ts); the rest from `incidents_cluster_idx`, whose
// entries carry service, team and the durations (an index-only scan of the cluster's own incidents).
import { countedIncidents } from './incident-rollups.ts';
import type { TransactionSql } from './sql.ts';

export interface Durations {
  /** Incidents the duration is known for. */
  count: number;
  medianSeconds: number;
  p90Seconds: number;
}

export interface ClusterTotals {
  size: number;
  firstSeen: string | null;
  lastSeen: string | null;
}

const DAY_MS = 86_400_000;
const iso = (at: Date | null) => (at ? at.toISOString() : null);

/** When the account's history starts (its first incident); null without incidents. Trends never reach before it. */
export async function accountDataSince(tx: TransactionSql, accountId: string): Promise<Date | null> {
  const [row] = await tx<[{ since: Date | null }]>`select min(created_at) as since from incidents where account_id = ${accountId}`;
  return row.since;
}

/**
 * Each cluster's incidents over all time, with its first and last; clusters without incidents are left out. Sizes
 * from the per-cluster rollup (clean days) and `incidents` (dirty days); first and last from two index probes each.
 */
export async function clusterTotals(tx: TransactionSql, accountId: string, ids?: readonly string[]): Promise<Map<string, ClusterTotals>> {
  const only = (alias: string) => (ids ? tx`and ${tx(`${alias}.cluster_id` as never)} = any(${ids as string[]}::text[])` : tx`and ${tx(`${alias}.cluster_id` as never)} is not null`);
  const rows = await tx<{ id: string; size: number; firstSeen: Date | null; lastSeen: Date | null }[]>`
    with sizes as (
      select c.cluster_id as id, sum(c.n)::int as size from (
        select r.cluster_id, r.n from incident_rollup_daily_cluster r
        where r.account_id = ${accountId} ${only('r')}
          and not exists (select 1 from incident_rollup_dirty d where d.account_id = ${accountId} and d.day = r.day)
        union all
        select i.cluster_id, 1
        from (
          -- The day's end as a column of its own: under row-level security only leakproof conditions reach the index
          -- (db/incident-rollups.ts says why).
          select d.day, d.day + interval '1 day' as until from incident_rollup_dirty d where d.account_id = ${accountId} offset 0
        ) d
        join incidents i on i.account_id = ${accountId} and i.created_at >= d.day and i.created_at < d.until
        where true ${only('i')}
      ) c
      group by 1
    )
    select s.id, s.size, f.at as "firstSeen", l.at as "lastSeen"
    from sizes s
    cross join lateral (select i.created_at as at from incidents i where i.account_id = ${accountId} and i.cluster_id = s.id order by i.created_at asc limit 1) f
    cross join lateral (select i.created_at as at from incidents i where i.account_id = ${accountId} and i.cluster_id = s.id order by i.created_at desc limit 1) l
    where s.size > 0`;
  return new Map(rows.map((r) => [r.id, { size: r.size, firstSeen: iso(r.firstSeen), lastSeen: iso(r.lastSeen) }]));
}

/**
 * Incidents per UTC day (midnight, in ms) of each cluster created in `[from, to)`, from the per-cluster rollup where
 * it is clean. Days without incidents are absent.
 */
export async function clusterDailyCounts(tx: TransactionSql, accountId: string, range: { from: Date; to: Date }, ids?: readonly string[]): Promise<Map<string, Map<number, number>>> {
  const filter = { from: range.from, to: range.to, ...(ids ? { clusterIds: [...ids] } : {}) };
  const rows = await tx<{ id: string; day: Date; n: number }[]>`
    select c.cluster_id as id, date_bin('1 day', c.at, timestamptz '2000-01-03 00:00:00+00') as day, sum(c.n)::int as n
    from (${countedIncidents(tx, accountId, filter, ['cluster_id'])}) c
    where c.cluster_id is not null
    group by 1, 2`;
  const out = new Map<string, Map<number, number>>();
  for (const row of rows) {
    let days = out.get(row.id);
    if (!days) out.set(row.id, (days = new Map()));
    days.set(row.day.getTime(), row.n);
  }
  return out;
}

/** Every UTC day (midnight, in ms) from the one holding `from` to the one holding the last instant before `to`. */
export function daysOf(range: { from: Date; to: Date }): number[] {
  const days: number[] = [];
  for (let day = Math.floor(range.from.getTime() / DAY_MS) * DAY_MS; day < range.to.getTime(); day += DAY_MS) days.push(day);
  return days;
}

export interface ResponseTimes {
  mtta: Durations | null;
  mttr: Durations | null;
}

/**
 * MTTA and MTTR (median and p90, percentile_cont) of the incidents of each cluster created in `[from, to)`: one
 * index-only range of `incidents_cluster_idx` per cluster, sorted on its own.
 */
export async function clusterResponseTimes(tx: TransactionSql, accountId: string, range: { from: Date; to: Date }, ids: readonly string[]): Promise<Map<string, ResponseTimes>> {
  if (ids.length === 0) return new Map();
  const rows = await tx<{ id: string; mtta: number[] | null; mttr: number[] | null; ackCount: number; resolveCount: number }[]>`
    select c.id, t.mtta, t.mttr, t.ack_count as "ackCount", t.resolve_count as "resolveCount"
    from unnest(${ids as string[]}::text[]) as c(id)
    cross join lateral (
      select percentile_cont(array[0.5, 0.9]) within group (order by i.mtta_seconds) as mtta,
             percentile_cont(array[0.5, 0.9]) within group (order by i.mttr_seconds) as mttr,
             count(i.mtta_seconds)::int as ack_count, count(i.mttr_seconds)::int as resolve_count
      from incidents i
      where i.account_id = ${accountId} and i.cluster_id = c.id and i.created_at >= ${range.from} and i.created_at < ${range.to}
    ) t`;
  const durations = (values: number[] | null, count: number): Durations | null =>
    values && count > 0 ? { count, medianSeconds: seconds(values[0]!), p90Seconds: seconds(values[1]!) } : null;
  return new Map(rows.map((r) => [r.id, { mtta: durations(r.mtta, r.ackCount), mttr: durations(r.mttr, r.resolveCount) }]));
}

/** Seconds to the millisecond: percentile_cont interpolates in float8. */
const seconds = (v: number) => Math.round(Number(v) * 1000) / 1000;

/** One cluster's incidents in `[from, to)` by service and by team, most first (null: none set), at most `limit` each. */
export async function clusterServicesAndTeams(
  tx: TransactionSql,
  accountId: string,
  clusterId: string,
  range: { from: Date; to: Date },
  limit: number,
): Promise<{ services: { service: string | null; count: number }[]; teams: { team: string | null; count: number }[] }> {
  const rows = await tx<{ service: string | null; team: string | null; n: number }[]>`
    select i.service, i.team, count(*)::int as n
    from incidents i
    where i.account_id = ${accountId} and i.cluster_id = ${clusterId} and i.created_at >= ${range.from} and i.created_at < ${range.to}
    group by 1, 2`;
  const top = <K extends 'service' | 'team'>(key: K) => {
    const counts = new Map<string | null, number>();
    for (const row of rows) counts.set(row[key], (counts.get(row[key]) ?? 0) + row.n);
    return [...counts]
      .sort((a, b) => b[1] - a[1] || (a[0] === null ? 1 : b[0] === null ? -1 : a[0] < b[0] ? -1 : 1))
      .slice(0, limit)
      .map(([value, count]) => ({ [key]: value, count }) as { [P in K]: string | null } & { count: number });
  };
  return { services: top('service'), teams: top('team') };
}
