// What the clusters pages and the dashboard's top-clusters widget say about a pattern, computed the same way for all
// three: counts read from `incidents` at request time (db/cluster-analytics.ts), the one trend definition
// (analysis/trend.ts), and the clustering's state, so a page can say "computing…" instead of numbers about to change.
import { analyticsWindow, clusterTrend, detectSpikes, patternTemplate, trendWindow, type ClusterTrend, type TrendWindow } from '../analysis/index.ts';
import {
  accountDataSince,
  clusterDailyCounts,
  clusterResponseTimes,
  clusterServicesAndTeams,
  clusterTotals,
  daysOf,
  type Durations,
} from '../db/cluster-analytics.ts';
import { listClusters, type ClusterLabelSlot, type ClusterRow } from '../db/clusters.ts';
import { readClusteringState, type ClusteringState } from '../db/clustering-state.ts';
import { clusterBucketCounts, clusterCountsInRange, withDashboardTransaction, type Bucket, type RangedFilter } from '../db/dashboard.ts';
import type { Sql, TransactionSql } from '../db/sql.ts';

/** Services and teams listed on a cluster's page. */
const TOP_BREAKDOWN = 8;
/** Every cluster row an account has (a few hundred at most: the engine's patterns); the list ranks them by live size. */
const ALL_CLUSTERS = 100_000;

export interface AnalyticsRange {
  from: string;
  to: string;
  days: number;
}

export interface ClusterFacts {
  id: string;
  name: string | null;
  /** The computed name in words; `labelSlots` its slots' commonest values. */
  label: string;
  labelSlots: ClusterLabelSlot[];
  /** The naming template as people read and write it (`High CPU on {host} ({percent})`). */
  template: string;
  /** All time. */
  size: number;
  firstSeen: string | null;
  lastSeen: string | null;
  /** The shared trend (analysis/trend.ts). */
  trend: ClusterTrend;
  /** Incidents in the analytics window. */
  windowCount: number;
  mtta: Durations | null;
  mttr: Durations | null;
}

/** The account's two windows at `now`: analytics (90 days) and trend (28 full days against the 28 before). */
export async function accountWindows(tx: TransactionSql, accountId: string, now: Date): Promise<{ analytics: AnalyticsRange; trend: TrendWindow }> {
  const since = await accountDataSince(tx, accountId);
  return { analytics: analyticsWindow(now, since), trend: trendWindow(now, since) };
}

const range = (r: { from: string; to: string }) => ({ from: new Date(r.from), to: new Date(r.to) });

/** Each cluster's trend at `now` (every cluster in `ids`; one without incidents in the windows is steady at 0). */
export async function clusterTrends(tx: TransactionSql, accountId: string, now: Date, ids: readonly string[]): Promise<{ window: TrendWindow; trends: Map<string, ClusterTrend> }> {
  const { trend: window } = await accountWindows(tx, accountId, now);
  const daily = ids.length > 0 && window.days > 0 ? await clusterDailyCounts(tx, accountId, { from: new Date(window.baselineFrom), to: new Date(window.recentTo) }, ids) : new Map<string, Map<number, number>>();
  return { window, trends: new Map(ids.map((id) => [id, clusterTrend(window, (day) => daily.get(id)?.get(day) ?? 0)])) };
}

/** Response times of this many clusters' incidents or more are computed on two connections at once (halves by size). */
const SPLIT_RESPONSE_TIMES_ABOVE = 20_000;

/**
 * The clusters with incidents, largest first (at most `limit`), each with its facts and its incidents per day of the
 * analytics window (one count per day, oldest first), and the clustering's state. The sizes come first; then the
 * daily counts and the response times (most of the time at 1M incidents: every duration of 90 days sorted, cluster by
 * cluster) at once, on connections of their own, the response times split in two halves of about equal size.
 */
export async function listClusterFacts(
  sql: Sql,
  accountId: string,
  now: Date,
  limit: number,
): Promise<{ state: ClusteringState; window: AnalyticsRange; trendWindow: TrendWindow; clusters: (ClusterFacts & { perDay: number[] })[] }> {
  const first = await withDashboardTransaction(sql, accountId, async (tx) => ({
    rows: await listClusters(tx, accountId, ALL_CLUSTERS),
    windows: await accountWindows(tx, accountId, now),
    totals: await clusterTotals(tx, accountId),
    state: await readClusteringState(tx, accountId),
  }));
  const { windows, totals } = first;
  const shown = first.rows
    .filter((r) => totals.has(r.id))
    .sort((a, b) => totals.get(b.id)!.size - totals.get(a.id)!.size || (a.id < b.id ? -1 : 1))
    .slice(0, limit);
  const ids = shown.map((r) => r.id);
  const within = range(windows.analytics);
  // Halves of about equal size (by all-time size): the larger clusters alternate between them.
  const halves: [string[], string[]] = [[], []];
  const weight = [0, 0];
  for (const id of ids) {
    const side = weight[0]! <= weight[1]! ? 0 : 1;
    halves[side].push(id);
    weight[side]! += totals.get(id)!.size;
  }
  const split = weight[0]! + weight[1]! >= SPLIT_RESPONSE_TIMES_ABOVE;
  const timesOf = (part: readonly string[]) => withDashboardTransaction(sql, accountId, (tx) => clusterResponseTimes(tx, accountId, within, part));
  const [daily, ...times] = await Promise.all([
    // The analytics window holds the trend's days (both end before tomorrow); whole days count the same whatever range asked.
    ids.length > 0 ? withDashboardTransaction(sql, accountId, (tx) => clusterDailyCounts(tx, accountId, within, ids)) : new Map<string, Map<number, number>>(),
    ...(split ? halves.map(timesOf) : [timesOf(ids)]),
  ]);
  const responseTimes = new Map(times.flatMap((m) => [...m]));
  const days = daysOf(within);
  return {
    state: first.state,
    window: windows.analytics,
    trendWindow: windows.trend,
    clusters: shown.map((row) => {
      const counts = daily.get(row.id);
      const perDay = days.map((day) => counts?.get(day) ?? 0);
      return {
        ...facts(row, totals.get(row.id)!, clusterTrend(windows.trend, (day) => counts?.get(day) ?? 0), perDay, responseTimes.get(row.id)),
        perDay,
      };
    }),
  };
}

/** One cluster's facts and analytics: per day (with spikes), services and teams, over the analytics window. */
export async function clusterDetailFacts(tx: TransactionSql, accountId: string, row: ClusterRow, now: Date) {
  const windows = await accountWindows(tx, accountId, now);
  const within = range(windows.analytics);
  const totals = (await clusterTotals(tx, accountId, [row.id])).get(row.id) ?? { size: 0, firstSeen: null, lastSeen: null };
  const counts = (await clusterDailyCounts(tx, accountId, within, [row.id])).get(row.id);
  const days = daysOf(within);
  const perDay = days.map((day) => counts?.get(day) ?? 0);
  const times = await clusterResponseTimes(tx, accountId, within, [row.id]);
  const { services, teams } = await clusterServicesAndTeams(tx, accountId, row.id, within, TOP_BREAKDOWN);
  const dayName = (day: number) => new Date(day).toISOString().slice(0, 10);
  return {
    window: windows.analytics,
    trendWindow: windows.trend,
    cluster: facts(row, totals, clusterTrend(windows.trend, (day) => counts?.get(day) ?? 0), perDay, times.get(row.id)),
    analytics: {
      incidentsPerDay: days.map((day, i) => ({ day: dayName(day), count: perDay[i]! })),
      spikes: detectSpikes(perDay).map((s) => ({ day: dayName(days[s.index]!), count: s.count, baseline: s.baseline, score: s.score, method: s.method })),
      topServices: services,
      topTeams: teams,
    },
  };
}

function facts(row: ClusterRow, totals: { size: number; firstSeen: string | null; lastSeen: string | null }, trend: ClusterTrend, perDay: readonly number[], times: { mtta: Durations | null; mttr: Durations | null } | undefined): ClusterFacts {
  return {
    id: row.id,
    name: row.name,
    label: row.label,
    labelSlots: row.labelSlots,
    template: patternTemplate(row.template),
    size: totals.size,
    firstSeen: totals.firstSeen,
    lastSeen: totals.lastSeen,
    trend,
    windowCount: perDay.reduce((a, b) => a + b, 0),
    mtta: times?.mtta ?? null,
    mttr: times?.mttr ?? null,
  };
}

/**
 * The dashboard's top clusters: those with incidents in the range (the filter applied), the rising ones (by the shared
 * trend, which ignores the dashboard's range and filters: it is the pattern's own) first, then by count in the range.
 */
export async function topClustersWithTrends(tx: TransactionSql, accountId: string, filter: RangedFilter, bucket: Bucket, limit: number, now: Date) {
  const inRange = await clusterCountsInRange(tx, accountId, filter);
  const { window, trends } = await clusterTrends(tx, accountId, now, inRange.map((c) => c.id));
  const rising = (id: string) => trends.get(id)!.direction === 'rising';
  const chosen = inRange.sort((a, b) => Number(rising(b.id)) - Number(rising(a.id)) || b.count - a.count || (a.id < b.id ? -1 : 1)).slice(0, limit);
  const { buckets, counts } = await clusterBucketCounts(tx, accountId, filter, bucket, chosen.map((c) => c.id));
  return {
    buckets,
    trendWindow: window,
    clusters: chosen.map((c) => ({
      ...c,
      change: c.previousCount > 0 ? c.count / c.previousCount - 1 : null,
      rising: rising(c.id),
      trend: counts.get(c.id)!,
      clusterTrend: trends.get(c.id)!,
    })),
  };
}
