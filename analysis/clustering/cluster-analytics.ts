// Per-cluster analytics: size, first/last seen, incidents per day, trend, spikes, MTTA/MTTR, top services, label.
import { nameCluster, type LabelSlot } from './cluster-label.ts';
import { incidentText, type ClusterIncident, type IncidentAssignment } from './cluster-model.ts';
import { splitTokens } from './masking.ts';
import { resolveClusteringSettings, type ClusteringSettingsOverrides } from './settings.ts';
import { detectSpikes, quantile, type SpikeOptions } from './time-series.ts';
import { clusterTrend, trendWindow, type ClusterTrend, type TrendWindow } from './trend.ts';

export interface DurationStats {
  /** Incidents the duration is known for. */
  count: number;
  medianSeconds: number;
  p90Seconds: number;
}

export interface ClusterSpike {
  /** UTC day, YYYY-MM-DD. */
  day: string;
  count: number;
  baseline: number;
  score: number;
  method: 'robust-z' | 'poisson';
}

export interface ClusterAnalytics {
  clusterId: string;
  /** A readable name: the most readable of its common templates, entities in braces ("High CPU on {host}"). */
  label: string;
  /** The name's slots with their commonest values ("web-01, web-07 and 12 more"). */
  labelSlots: LabelSlot[];
  /** The template the name was made from. */
  template: string;
  size: number;
  firstSeen?: string;
  lastSeen?: string;
  /** Every UTC day of the analysis window, zeros included. */
  incidentsPerDay: Array<{ day: string; count: number }>;
  /** The shared trend definition (trend.ts): the last 28 full days before `now` against the 28 before. */
  trend: ClusterTrend;
  spikes: ClusterSpike[];
  /** Created → acknowledged. */
  mtta: DurationStats | null;
  /** Created → resolved. */
  mttr: DurationStats | null;
  topServices: Array<{ service: string; count: number }>;
}

export interface AnalyticsOptions {
  /** End of the analysis window (ISO-8601); the latest incident when omitted. */
  now?: string;
  /** Length of the window in days, ending at `now`; it never starts before the first incident of the data. */
  windowDays?: number;
  /** The account's settings: which text the label is built from. */
  settings?: ClusteringSettingsOverrides;
  spikes?: Partial<SpikeOptions>;
  topServices?: number;
}

const DAY_MS = 86_400_000;

/**
 * Days a cluster's analytics cover (incidents per day, services, teams, MTTA/MTTR): the last 90 UTC days, today
 * included, never before the account's first incident. Sizes and first/last seen are over all time.
 */
export const ANALYTICS_WINDOW_DAYS = 90;

/** The analytics window at `now` for an account whose first incident was at `dataSince` (null: none yet). */
export function analyticsWindow(now: number | string | Date, dataSince: number | string | Date | null): { from: string; to: string; days: number } {
  const today = dayStart(new Date(now).getTime());
  const earliest = today - (ANALYTICS_WINDOW_DAYS - 1) * DAY_MS;
  const from = dataSince === null ? today : Math.min(today, Math.max(earliest, dayStart(new Date(dataSince).getTime())));
  return { from: new Date(from).toISOString(), to: new Date(today + DAY_MS).toISOString(), days: Math.round((today + DAY_MS - from) / DAY_MS) };
}

/** Analytics for every cluster in `assignments`, largest cluster first. */
export function analyseClusters(
  incidents: readonly ClusterIncident[],
  assignments: readonly IncidentAssignment[],
  options: AnalyticsOptions = {},
): ClusterAnalytics[] {
  const settings = resolveClusteringSettings(options.settings);
  const byId = new Map(incidents.map((incident) => [incident.id, incident]));
  const members = new Map<string, Array<{ incident: ClusterIncident; template: string }>>();
  for (const assignment of assignments) {
    const incident = byId.get(assignment.incidentId);
    if (incident === undefined) continue;
    let list = members.get(assignment.clusterId);
    if (list === undefined) members.set(assignment.clusterId, (list = []));
    list.push({ incident, template: assignment.template });
  }

  let earliest = Infinity;
  let latest = -Infinity;
  for (const incident of incidents) {
    const t = parseTime(incident.createdAt);
    if (t === undefined) continue;
    earliest = Math.min(earliest, t);
    latest = Math.max(latest, t);
  }
  const end = options.now !== undefined ? (parseTime(options.now) ?? latest) : latest;
  const windowDays = options.windowDays ?? ANALYTICS_WINDOW_DAYS;
  const firstDay = Number.isFinite(end) ? Math.max(dayStart(end) - (windowDays - 1) * DAY_MS, dayStart(earliest)) : NaN;
  const lastDay = Number.isFinite(end) ? dayStart(end) : NaN;

  const trendDays = trendWindow(Number.isFinite(end) ? end : 0, Number.isFinite(earliest) ? earliest : null);
  const results: ClusterAnalytics[] = [];
  for (const [clusterId, list] of members) {
    results.push(analyseCluster(clusterId, list, firstDay, lastDay, trendDays, settings, options));
  }
  return results.sort((a, b) => b.size - a.size || (a.clusterId < b.clusterId ? -1 : 1));
}

function analyseCluster(
  clusterId: string,
  list: ReadonlyArray<{ incident: ClusterIncident; template: string }>,
  firstDay: number,
  lastDay: number,
  trendDays: TrendWindow,
  settings: ReturnType<typeof resolveClusteringSettings>,
  options: AnalyticsOptions,
): ClusterAnalytics {
  const byTemplate = new Map<string, Array<{ incident: ClusterIncident }>>();
  for (const member of list) {
    let members = byTemplate.get(member.template);
    if (members === undefined) byTemplate.set(member.template, (members = []));
    members.push(member);
  }
  const name = nameCluster(
    [...byTemplate].map(([template, members]) => ({
      template,
      count: members.length,
      rawTokenLists: (function* () {
        for (const m of members) yield { tokens: splitTokens(incidentText(m.incident, settings)), service: m.incident.service ?? null };
      })(),
    })),
  );
  const { label, template } = name;

  let first: ClusterIncident | undefined;
  let last: ClusterIncident | undefined;
  const perDay = new Map<number, number>();
  const ack: number[] = [];
  const resolve: number[] = [];
  const services = new Map<string, number>();
  for (const { incident } of list) {
    if (incident.service) services.set(incident.service, (services.get(incident.service) ?? 0) + 1);
    const created = parseTime(incident.createdAt);
    if (created === undefined) continue;
    if (first === undefined || created < parseTime(first.createdAt)!) first = incident;
    if (last === undefined || created > parseTime(last.createdAt)!) last = incident;
    const day = dayStart(created);
    perDay.set(day, (perDay.get(day) ?? 0) + 1);
    const acknowledged = parseTime(incident.acknowledgedAt);
    if (acknowledged !== undefined && acknowledged >= created) ack.push((acknowledged - created) / 1000);
    const resolved = parseTime(incident.resolvedAt);
    if (resolved !== undefined && resolved >= created) resolve.push((resolved - created) / 1000);
  }

  const incidentsPerDay: Array<{ day: string; count: number }> = [];
  if (Number.isFinite(firstDay)) {
    for (let day = firstDay; day <= lastDay; day += DAY_MS) {
      incidentsPerDay.push({ day: new Date(day).toISOString().slice(0, 10), count: perDay.get(day) ?? 0 });
    }
  }
  const series = incidentsPerDay.map((d) => d.count);
  const spikes = detectSpikes(series, options.spikes).map((s) => ({
    day: incidentsPerDay[s.index]!.day,
    count: s.count,
    baseline: s.baseline,
    score: s.score,
    method: s.method,
  }));
  const topServices = [...services]
    .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
    .slice(0, options.topServices ?? 5)
    .map(([service, count]) => ({ service, count }));

  const result: ClusterAnalytics = {
    clusterId,
    label,
    labelSlots: name.slots,
    template,
    size: list.length,
    incidentsPerDay,
    trend: clusterTrend(trendDays, (day) => perDay.get(day) ?? 0),
    spikes,
    mtta: durationStats(ack),
    mttr: durationStats(resolve),
    topServices,
  };
  if (first?.createdAt) result.firstSeen = first.createdAt;
  if (last?.createdAt) result.lastSeen = last.createdAt;
  return result;
}

function durationStats(seconds: readonly number[]): DurationStats | null {
  if (seconds.length === 0) return null;
  return { count: seconds.length, medianSeconds: quantile(seconds, 0.5), p90Seconds: quantile(seconds, 0.9) };
}

function parseTime(value: string | null | undefined): number | undefined {
  if (!value) return undefined;
  const t = Date.parse(value);
  return Number.isNaN(t) ? undefined : t;
}

function dayStart(ms: number): number {
  return Math.floor(ms / DAY_MS) * DAY_MS;
}
