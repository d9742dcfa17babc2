// The dashboard's aggregates, computed in PostgreSQL over the same filter as the incident list (db/incident-filter.ts),
// so that every number on a chart is the count of the list it drills down to. Counts come from the rollups where one
// can answer (db/incident-rollups.ts: exact, whole clean days) and from `incidents` otherwise. Buckets are UTC hours,
// days and weeks starting on Monday; percentiles are percentile_cont (interpolated) over mtta_seconds / mttr_seconds,
// of every incident in the range, or of the 1-in-16 sample when the range holds more than SAMPLE_ABOVE (`sampled`).
import { countedIncidents, countInRange, SAMPLE_ABOVE, sampleCondition, type RollupDimension } from './incident-rollups.ts';
import { incidentConditions, type IncidentFilter } from './incident-filter.ts';
import type { Sql, TransactionSql } from './sql.ts';
import { withAccount } from './tenancy.ts';

export type Bucket = 'hour' | 'day' | 'week';
export type GroupBy = 'severity' | 'source' | 'service' | 'team' | 'status' | 'cluster';
export type BreakdownBy = 'service' | 'team';

/** A filter whose range is always set (the dashboard defaults it; the list does not). */
export type RangedFilter = IncidentFilter & { from: Date; to: Date };

const HOUR_MS = 3_600_000;
export const BUCKET_MS: Record<Bucket, number> = { hour: HOUR_MS, day: 24 * HOUR_MS, week: 7 * 24 * HOUR_MS };
const STRIDE: Record<Bucket, string> = { hour: '1 hour', day: '1 day', week: '7 days' };
/** A Monday at midnight UTC: date_bin's origin, so that week buckets start on Mondays (and days and hours at :00). */
const ORIGIN = new Date('2000-01-03T00:00:00Z');
/** More buckets than a chart can show: refused, so that `bucket=hour` over ten years is not a 90,000-point answer. */
export const MAX_BUCKETS = 2000;

const GROUP_COLUMNS: Record<GroupBy, RollupDimension> = { severity: 'severity', source: 'source', service: 'service', team: 'team', status: 'status', cluster: 'cluster_id' };
export const TOP_GROUPS = 8;
export const OTHER_KEY = '__other__';
export const NONE_LABEL = '(none)';

/** `auto`: up to two days by the hour, up to 90 days by the day, longer by the week. */
export function pickBucket(range: { from: Date; to: Date }, requested: Bucket | 'auto'): Bucket {
  if (requested !== 'auto') return requested;
  const length = range.to.getTime() - range.from.getTime();
  return length <= 2 * BUCKET_MS.day ? 'hour' : length <= 90 * BUCKET_MS.day ? 'day' : 'week';
}

/** The start of the bucket that holds `at`. */
export function bucketStart(at: Date, bucket: Bucket): Date {
  const size = BUCKET_MS[bucket];
  const offset = (((at.getTime() - ORIGIN.getTime()) % size) + size) % size;
  return new Date(at.getTime() - offset);
}

/** Every bucket from the one holding `from` to the one holding the last instant before `to`, empty ones included. */
export function bucketStarts(range: { from: Date; to: Date }, bucket: Bucket): Date[] {
  const starts: Date[] = [];
  for (let at = bucketStart(range.from, bucket).getTime(); at < range.to.getTime(); at += BUCKET_MS[bucket]) starts.push(new Date(at));
  return starts;
}

/** The equal-length period right before the range. */
export function previousRange(range: { from: Date; to: Date }): { from: Date; to: Date } {
  return { from: new Date(2 * range.from.getTime() - range.to.getTime()), to: range.from };
}

/**
 * The account's tenant transaction for aggregates. Without JIT compilation: these statements cross PostgreSQL's JIT
 * cost threshold at 1M incidents, and compiling them took longer than running them (1.2 s instead of 0.26 s). With
 * 64 MB per sort: the percentiles sort a range's durations, which spilled to disk at the default 4 MB.
 */
export function withDashboardTransaction<T>(sql: Sql, accountId: string, fn: (tx: TransactionSql) => Promise<T>): Promise<T> {
  return withAccount(sql, accountId, async (tx) => {
    await tx`select set_config('jit', 'off', true), set_config('work_mem', '64MB', true)`;
    return fn(tx);
  });
}

const scope = (tx: TransactionSql, accountId: string, filter: IncidentFilter) => tx`i.account_id = ${accountId} ${incidentConditions(tx, filter, 'i')}`;
const binOf = (tx: TransactionSql, bucket: Bucket, column = 'i.created_at') => tx`date_bin(${STRIDE[bucket]}::interval, ${tx(column as never)}, ${ORIGIN}::timestamptz)`;
/** Counted incidents (db/incident-rollups.ts), straight from `incidents` when buckets are finer than the rollups' days. */
const countedFor = (tx: TransactionSql, accountId: string, filter: RangedFilter, dims: RollupDimension[], bucket: Bucket) =>
  countedIncidents(tx, accountId, filter, dims, bucket === 'hour' ? 'exact' : 'day');
const indexOf = (starts: readonly Date[], bucket: Bucket) => (at: Date) => Math.round((at.getTime() - starts[0]!.getTime()) / BUCKET_MS[bucket]);
/** The filter without its range, for queries that bound `created_at` per period or per bucket themselves. */
const unranged = ({ from: _from, to: _to, ...rest }: IncidentFilter): IncidentFilter => rest;
/** Seconds to the millisecond: percentile_cont interpolates in float8, and 276.00000000000006 helps nobody. */
const seconds = (v: unknown): number | null => (v === null || v === undefined ? null : Math.round(Number(v) * 1000) / 1000);

export interface Headline {
  incidents: number;
  open: number;
  highSeverity: number;
  mttaP50Seconds: number | null;
  mttrP50Seconds: number | null;
  mttaP90Seconds: number | null;
  mttrP90Seconds: number | null;
  /** The percentiles are of the 1-in-16 sample (the period holds more than SAMPLE_ABOVE incidents). */
  sampled: boolean;
}

/** Whether a range's percentiles read the sample: by its exact count, which the rollups give cheaply. */
async function isSampled(tx: TransactionSql, accountId: string, filter: RangedFilter): Promise<boolean> {
  return (await countInRange(tx, accountId, filter)) > SAMPLE_ABOVE;
}

/**
 * Headline numbers of the range and of the equal-length period before it: counts (from the rollups), then each
 * period's percentiles in a transaction of its own, both at once: the sorts behind exact percentiles are most of a
 * 30-day summary's time, and two connections halve it.
 */
export async function dashboardSummary(sql: Sql, accountId: string, filter: RangedFilter): Promise<{ current: Headline; previous: Headline }> {
  const periods = [filter, { ...filter, ...previousRange(filter) }];
  const counts = await withDashboardTransaction(sql, accountId, (tx) => tx<{ p: number; incidents: number; open: number; high: number }[]>`
    ${periods
      .map((period, p) => tx`
        select ${p}::int as p, coalesce(sum(c.n), 0)::int as incidents,
               coalesce(sum(c.n) filter (where c.status <> 'resolved'), 0)::int as open,
               coalesce(sum(c.n) filter (where c.severity in ('P1', 'P2')), 0)::int as high
        from (${countedIncidents(tx, accountId, period, ['status', 'severity'])}) c`)
      .reduce((acc, part) => tx`${acc} union all ${part}`)}`);
  const headlines = await Promise.all(
    periods.map(async (period, p): Promise<Headline> => {
      const count = counts.find((c) => c.p === p)!;
      const sampled = count.incidents > SAMPLE_ABOVE;
      const [row] = await withDashboardTransaction(sql, accountId, (tx) => tx<[{ mtta: number[] | null; mttr: number[] | null }]>`
        select percentile_cont(array[0.5, 0.9]) within group (order by i.mtta_seconds) as mtta,
               percentile_cont(array[0.5, 0.9]) within group (order by i.mttr_seconds) as mttr
        from incidents i
        where ${scope(tx, accountId, period)} ${sampled ? sampleCondition(tx, 'i') : tx``}`);
      return {
        incidents: count.incidents,
        open: count.open,
        highSeverity: count.high,
        mttaP50Seconds: seconds(row.mtta?.[0]),
        mttrP50Seconds: seconds(row.mttr?.[0]),
        mttaP90Seconds: seconds(row.mtta?.[1]),
        mttrP90Seconds: seconds(row.mttr?.[1]),
        sampled,
      };
    }),
  );
  return { current: headlines[0]!, previous: headlines[1]! };
}

export interface Series {
  key: string | null;
  label: string;
  counts: number[];
}

/** Incidents per bucket of each of the top 8 groups (by count over the range), the rest summed as "Other". */
export async function incidentsOverTime(tx: TransactionSql, accountId: string, filter: RangedFilter, groupBy: GroupBy, bucket: Bucket): Promise<{ buckets: Date[]; series: Series[] }> {
  const buckets = bucketStarts(filter, bucket);
  const dimension = GROUP_COLUMNS[groupBy];
  // Ranked in SQL so that an account with thousands of services still sends back at most nine rows per bucket.
  const rows = await tx<{ b: Date; k: string | null; top: boolean; rank: number; n: number }[]>`
    with g as (
      select ${binOf(tx, bucket, 'c.at')} as b, ${tx(`c.${dimension}` as never)} as k, sum(c.n)::int as n
      from (${countedFor(tx, accountId, filter, [dimension], bucket)}) c
      group by 1, 2
    ), w as (
      select b, k, n, sum(n) over (partition by k) as total from g
    ), r as (
      select b, k, n, dense_rank() over (order by total desc, k nulls last) as rank from w
    )
    select b, case when rank <= ${TOP_GROUPS} then k end as k, rank <= ${TOP_GROUPS} as top, min(rank)::int as rank, sum(n)::int as n
    from r group by 1, 2, 3`;
  const index = indexOf(buckets, bucket);
  const groups = new Map<string, { key: string | null; rank: number; counts: number[] }>();
  for (const row of rows) {
    const id = row.top ? `k:${row.k ?? ''}:${row.k === null}` : OTHER_KEY;
    let group = groups.get(id);
    if (!group) groups.set(id, (group = { key: row.top ? row.k : OTHER_KEY, rank: row.top ? row.rank : Number.MAX_SAFE_INTEGER, counts: buckets.map(() => 0) }));
    group.counts[index(row.b)]! += row.n;
  }
  const ordered = [...groups.values()].sort((a, b) => a.rank - b.rank);
  const labels = groupBy === 'cluster' ? await clusterLabels(tx, accountId, ordered.map((g) => g.key).filter((k): k is string => k !== null && k !== OTHER_KEY)) : new Map<string, string>();
  return {
    buckets,
    series: ordered.map((g) => ({
      key: g.key,
      label: g.key === OTHER_KEY ? 'Other' : g.key === null ? NONE_LABEL : (labels.get(g.key) ?? g.key),
      counts: g.counts,
    })),
  };
}

/** A cluster's label as people see it: the name someone gave it, else the engine's label. */
async function clusterLabels(tx: TransactionSql, accountId: string, ids: readonly string[]): Promise<Map<string, string>> {
  if (ids.length === 0) return new Map();
  const rows = await tx<{ id: string; label: string }[]>`
    select id, coalesce(name, label) as label from clusters where account_id = ${accountId} and id = any(${ids as string[]}::text[])`;
  return new Map(rows.map((r) => [r.id, r.label]));
}

export interface Percentiles {
  p50: (number | null)[];
  p90: (number | null)[];
  p95: (number | null)[];
}

/**
 * MTTA and MTTR percentiles per bucket of created_at. One lateral subquery per bucket reads its slice of the index and
 * sorts only that slice: grouping the whole range first sorted every row by bucket (on disk at 1M rows).
 */
export async function responseTimes(tx: TransactionSql, accountId: string, filter: RangedFilter, bucket: Bucket): Promise<{ buckets: Date[]; mtta: Percentiles; mttr: Percentiles; sampled: boolean }> {
  const buckets = bucketStarts(filter, bucket);
  const sampled = await isSampled(tx, accountId, filter);
  // Each bucket's bounds, clipped to the range, computed here: under row-level security only leakproof conditions
  // reach the index, and \`created_at < b.b + interval\` is not one (each bucket read every incident after it).
  const lows = buckets.map((b) => new Date(Math.max(b.getTime(), filter.from.getTime())).toISOString());
  const highs = buckets.map((b) => new Date(Math.min(b.getTime() + BUCKET_MS[bucket], filter.to.getTime())).toISOString());
  const rows = await tx<{ b: Date; mtta: number[] | null; mttr: number[] | null }[]>`
    select b.b, h.mtta, h.mttr
    from unnest(${buckets.map((b) => b.toISOString())}::timestamptz[], ${lows}::timestamptz[], ${highs}::timestamptz[]) as b(b, lo, hi)
    cross join lateral (
      select percentile_cont(array[0.5, 0.9, 0.95]) within group (order by i.mtta_seconds) as mtta,
             percentile_cont(array[0.5, 0.9, 0.95]) within group (order by i.mttr_seconds) as mttr
      from incidents i
      where ${scope(tx, accountId, unranged(filter))}
        and i.created_at >= b.lo and i.created_at < b.hi
        ${sampled ? sampleCondition(tx, 'i') : tx``}
    ) h`;
  const empty = (): Percentiles => ({ p50: buckets.map(() => null), p90: buckets.map(() => null), p95: buckets.map(() => null) });
  const mtta = empty();
  const mttr = empty();
  const index = indexOf(buckets, bucket);
  for (const row of rows) {
    const i = index(row.b);
    for (const [target, values] of [[mtta, row.mtta], [mttr, row.mttr]] as const) {
      target.p50[i] = seconds(values?.[0]);
      target.p90[i] = seconds(values?.[1]);
      target.p95[i] = seconds(values?.[2]);
    }
  }
  return { buckets, mtta, mttr, sampled };
}

export interface ClusterRangeCount {
  id: string;
  label: string;
  count: number;
  previousCount: number;
}

/**
 * The clusters with incidents in the range (the filter applied), each with its count there and in the equal-length
 * period before. The top-clusters widget ranks them (api/cluster-analytics.ts: the shared trend first, then count).
 */
export async function clusterCountsInRange(tx: TransactionSql, accountId: string, filter: RangedFilter): Promise<ClusterRangeCount[]> {
  const previous = previousRange(filter);
  return tx<ClusterRangeCount[]>`
    with c as (
      select c.cluster_id as id, sum(c.n)::int as n, true as current
      from (${countedIncidents(tx, accountId, filter, ['cluster_id'])}) c
      where c.cluster_id is not null
      group by 1
      union all
      select c.cluster_id, sum(c.n)::int, false
      from (${countedIncidents(tx, accountId, { ...filter, ...previous }, ['cluster_id'])}) c
      where c.cluster_id is not null
      group by 1
    ), t as (
      select id, coalesce(sum(n) filter (where current), 0)::int as count, coalesce(sum(n) filter (where not current), 0)::int as "previousCount"
      from c group by id
    )
    select t.id, coalesce(cl.name, cl.label, t.id) as label, t.count, t."previousCount"
    from t left join clusters cl on cl.account_id = ${accountId} and cl.id = t.id
    where t.count > 0`;
}

/** Incidents per bucket of the range (the filter applied) of each of `ids`, zeros included. */
export async function clusterBucketCounts(tx: TransactionSql, accountId: string, filter: RangedFilter, bucket: Bucket, ids: readonly string[]): Promise<{ buckets: Date[]; counts: Map<string, number[]> }> {
  const buckets = bucketStarts(filter, bucket);
  const counts = new Map(ids.map((id) => [id, buckets.map(() => 0)]));
  if (ids.length === 0) return { buckets, counts };
  const rows = await tx<{ id: string; b: Date; n: number }[]>`
    select c.cluster_id as id, ${binOf(tx, bucket, 'c.at')} as b, sum(c.n)::int as n
    from (${countedFor(tx, accountId, { ...filter, clusterIds: [...ids] }, ['cluster_id'], bucket)}) c
    group by 1, 2`;
  const index = indexOf(buckets, bucket);
  for (const row of rows) {
    const series = counts.get(row.id);
    if (series) series[index(row.b)] = row.n;
  }
  return { buckets, counts };
}

export interface BreakdownRow {
  key: string | null;
  label: string;
  count: number;
  open: number;
  mttaP50Seconds: number | null;
  mttrP50Seconds: number | null;
}

/**
 * Incidents per service or team, most first, with how many are open (counted), and the median MTTA and MTTR of the
 * groups shown: their durations collected in arrays and only those sorted (`percentile_cont ... group by` sorted every
 * incident of the range by the group first: at 1M incidents over a year 6-12 s against 1.5-1.9 s).
 */
export async function breakdown(tx: TransactionSql, accountId: string, filter: RangedFilter, by: BreakdownBy, limit: number): Promise<{ rows: BreakdownRow[]; sampled: boolean }> {
  const groups = await tx<{ k: string | null; count: number; open: number; total: number }[]>`
    select ${tx(`c.${by}` as never)} as k, sum(c.n)::int as count, coalesce(sum(c.n) filter (where c.status <> 'resolved'), 0)::int as open,
           sum(sum(c.n)) over ()::int as total
    from (${countedIncidents(tx, accountId, filter, [by, 'status'])}) c
    group by 1 order by 2 desc, 1 nulls last limit ${limit}`;
  const sampled = (groups[0]?.total ?? 0) > SAMPLE_ABOVE;
  if (groups.length === 0) return { rows: [], sampled };
  const named = groups.map((g) => g.k).filter((k): k is string => k !== null);
  const column = tx(`i.${by}` as never);
  const shown = named.length === groups.length ? tx`${column} = any(${named}::text[])` : tx`(${column} = any(${named}::text[]) or ${column} is null)`;
  const medians = await tx<{ k: string | null; mtta: number | null; mttr: number | null }[]>`
    select t.k,
           (select percentile_cont(0.5) within group (order by v) from unnest(t.mtta) as v) as mtta,
           (select percentile_cont(0.5) within group (order by v) from unnest(t.mttr) as v) as mttr
    from (
      select ${column} as k,
             array_agg(i.mtta_seconds) filter (where i.mtta_seconds is not null) as mtta,
             array_agg(i.mttr_seconds) filter (where i.mttr_seconds is not null) as mttr
      from incidents i where ${scope(tx, accountId, filter)} and ${shown} ${sampled ? sampleCondition(tx, 'i') : tx``}
      group by 1
    ) t`;
  const median = new Map(medians.map((m) => [m.k, m]));
  return {
    rows: groups.map((g) => ({
      key: g.k,
      label: g.k ?? NONE_LABEL,
      count: g.count,
      open: g.open,
      mttaP50Seconds: seconds(median.get(g.k)?.mtta),
      mttrP50Seconds: seconds(median.get(g.k)?.mttr),
    })),
    sampled,
  };
}

/**
 * Incidents per hour of the week in `tz` (day 0 = Monday). Counted per quarter hour of UTC first (every zone's offset
 * is a multiple of 15 minutes), so the zone conversion runs once per quarter hour instead of once per incident.
 */
export async function heatmap(tx: TransactionSql, accountId: string, filter: RangedFilter, tz: string): Promise<number[][]> {
  const rows = await tx<{ d: number; h: number; n: number }[]>`
    select extract(isodow from q.t at time zone ${tz})::int - 1 as d, extract(hour from q.t at time zone ${tz})::int as h, sum(q.n)::int as n
    from (
      select date_bin('15 minutes', c.at, ${ORIGIN}::timestamptz) as t, sum(c.n) as n
      from (${countedIncidents(tx, accountId, filter, [], 'quarter_hour')}) c
      group by 1
    ) q
    group by 1, 2`;
  const cells = Array.from({ length: 7 }, () => Array.from({ length: 24 }, () => 0));
  for (const row of rows) cells[row.d]![row.h] = row.n;
  return cells;
}
