// The dashboard's filter from the URL, each widget's effective range, and the drill-down links to /incidents: a link
// carries the dashboard's filter, the element's own filter (intersected, so a chart never widens what it shows) and
// the element's time window, so the list counts exactly the incidents the element counted.
import type { ReadonlyURLSearchParams } from '$app/state';
import type { Bucket, Range, WidgetRange } from './types';

/** The incident filter's URL parameters, named as the API names them. */
export const FILTER_KEYS = ['from', 'to', 'service', 'team', 'source', 'severity', 'status', 'cluster', 'integration', 'novelty', 'q'] as const;
export type FilterKey = (typeof FILTER_KEYS)[number];
const LIST_KEYS: readonly FilterKey[] = ['service', 'team', 'source', 'severity', 'status', 'cluster', 'integration', 'novelty'];

/** Filter values by key: lists for the repeatable keys, one value for from, to and q. */
export type Filter = Partial<Record<FilterKey, string[]>>;

export const DEFAULT_RANGE_DAYS = 30;
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const RANGE_MS: Record<Exclude<WidgetRange, 'inherit'>, number> = { '24h': DAY, '7d': 7 * DAY, '30d': 30 * DAY, '90d': 90 * DAY };
const BUCKET_MS: Record<Bucket, number> = { hour: HOUR, day: DAY, week: 7 * DAY };

export function readFilter(params: ReadonlyURLSearchParams): Filter {
  const filter: Filter = {};
  for (const key of FILTER_KEYS) {
    const values = params.getAll(key).map((v) => v.trim()).filter(Boolean);
    if (values.length) filter[key] = LIST_KEYS.includes(key) ? [...new Set(values)] : [values[0]];
  }
  return filter;
}

export function hasFilter(params: ReadonlyURLSearchParams): boolean {
  return FILTER_KEYS.some((key) => params.has(key));
}

/** A saved view's filters (URL parameters) as a filter. */
export function filterFromRecord(record: Record<string, string | string[]>): Filter {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(record)) for (const v of Array.isArray(value) ? value : [value]) params.append(key, v);
  return readFilter(params);
}

export function filterToRecord(filter: Filter): Record<string, string | string[]> {
  const record: Record<string, string | string[]> = {};
  for (const key of FILTER_KEYS) {
    const values = filter[key];
    if (values?.length) record[key] = LIST_KEYS.includes(key) ? values : values[0];
  }
  return record;
}

export function appendFilter(params: URLSearchParams, filter: Filter, omit: readonly FilterKey[] = []): URLSearchParams {
  for (const key of FILTER_KEYS) if (!omit.includes(key)) for (const v of filter[key] ?? []) params.append(key, v);
  return params;
}

/** The dashboard's range: the URL's from/to, or the last 30 days up to `now` (the API's default, made explicit so that
 * every widget and every drill-down link uses the same instant). */
export function dashboardRange(filter: Filter, now: Date): Range {
  const to = filter.to?.[0] ? new Date(filter.to[0]) : now;
  const from = filter.from?.[0] ? new Date(filter.from[0]) : new Date(to.getTime() - DEFAULT_RANGE_DAYS * DAY);
  return { from: validOr(from, new Date(to.getTime() - DEFAULT_RANGE_DAYS * DAY)).toISOString(), to: validOr(to, now).toISOString() };
}

const validOr = (date: Date, fallback: Date) => (Number.isNaN(date.getTime()) ? fallback : date);

/** A widget's own range: the dashboard's, or the last 24 h / 7 / 30 / 90 days up to `now`. */
export function widgetRange(range: WidgetRange | undefined, dashboard: Range, now: Date): Range {
  if (!range || range === 'inherit') return dashboard;
  return { from: new Date(now.getTime() - RANGE_MS[range]).toISOString(), to: now.toISOString() };
}

/** The part of `range` a bucket starting at `start` covers (the first and last buckets are cut by the range). */
export function bucketWindow(start: string, bucket: Bucket, range: Range): Range {
  const s = new Date(start).getTime();
  const from = Math.max(s, new Date(range.from).getTime());
  const to = Math.min(s + BUCKET_MS[bucket], new Date(range.to).getTime());
  return { from: new Date(from).toISOString(), to: new Date(to).toISOString() };
}

/** What an element narrows to, on top of the dashboard's filter; a null value cannot be expressed as a URL filter. */
export type ElementFilter = Partial<Record<Exclude<FilterKey, 'from' | 'to' | 'q'>, string[]>>;

/**
 * The incident list behind a chart element. Keys the element sets are intersected with the dashboard's (a bar for
 * service "api" under a filter of "api, web" lists "api"); from/to are the element's window; `sort` orders the list.
 */
export function drillDownHref(base: Filter, element: ElementFilter, window: Range, sort?: string): string {
  const params = new URLSearchParams();
  params.set('from', window.from);
  params.set('to', window.to);
  for (const key of FILTER_KEYS) {
    if (key === 'from' || key === 'to') continue;
    const own = key === 'q' ? undefined : element[key];
    const current = base[key];
    let values = current ?? [];
    if (own) {
      const intersection = current ? own.filter((v) => current.includes(v)) : own;
      // An empty intersection means the element counted nothing; the element's own values then show that nothing.
      values = intersection.length ? intersection : own;
    }
    for (const v of values) params.append(key, v);
  }
  if (sort) params.set('sort', sort);
  return `/incidents?${params}`;
}

/** Statuses that count as open (not resolved). */
export const OPEN_STATUSES = ['triggered', 'acknowledged'];
/** Severities the headline counts as high. */
export const HIGH_SEVERITIES = ['P1', 'P2'];
