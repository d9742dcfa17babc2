// The incident filter in a URL: the same parameter names as the API (from, to, service, team, source, severity,
// status, cluster, integration, novelty, q; lists as repeated keys), so a page's URL can be passed to the API as it is.
import type { ReadonlyURLSearchParams } from '$app/state';

export const LIST_KEYS = ['service', 'team', 'source', 'severity', 'status', 'cluster', 'integration', 'novelty'] as const;
export type ListKey = (typeof LIST_KEYS)[number];
export const FILTER_KEYS = ['from', 'to', ...LIST_KEYS, 'q'] as const;
export type FilterKey = (typeof FILTER_KEYS)[number];

export type IncidentFilterParams = { from?: string; to?: string; q?: string } & Record<ListKey, string[]>;

export const emptyFilter = (): IncidentFilterParams => ({ service: [], team: [], source: [], severity: [], status: [], cluster: [], integration: [], novelty: [] });

/** The filter a URL names (unknown parameters ignored; blank values dropped). */
export function readFilter(params: ReadonlyURLSearchParams): IncidentFilterParams {
  const filter = emptyFilter();
  for (const key of LIST_KEYS) filter[key] = [...new Set(params.getAll(key).map((v) => v.trim()).filter(Boolean))];
  for (const key of ['from', 'to', 'q'] as const) {
    const value = params.get(key)?.trim();
    if (value) filter[key] = value;
  }
  return filter;
}

export const isEmptyFilter = (filter: IncidentFilterParams) =>
  !filter.from && !filter.to && !filter.q && LIST_KEYS.every((key) => filter[key].length === 0);

/**
 * `base` with its filter replaced by `filter`; other parameters stay (a sort, a saved view's id) except `reset`
 * (by default the page cursor: a new filter starts at the first page).
 */
export function writeFilter(filter: IncidentFilterParams, base: ReadonlyURLSearchParams = new URLSearchParams(), reset: readonly string[] = ['cursor']): URLSearchParams {
  const params = new URLSearchParams(base.toString());
  for (const key of [...FILTER_KEYS, ...reset]) params.delete(key);
  if (filter.from) params.set('from', filter.from);
  if (filter.to) params.set('to', filter.to);
  for (const key of LIST_KEYS) for (const value of filter[key]) params.append(key, value);
  if (filter.q) params.set('q', filter.q);
  return params;
}

/** Only the filter (and `extra` keys such as sort or cursor) from a page's URL: the query string for the API. */
export function apiQuery(params: ReadonlyURLSearchParams, extra: readonly string[] = []): URLSearchParams {
  const query = new URLSearchParams();
  for (const [key, value] of params) if (((FILTER_KEYS as readonly string[]).includes(key) || extra.includes(key)) && value.trim()) query.append(key, value);
  return query;
}

/** `?a=b` or '' for an empty query. */
export const search = (params: ReadonlyURLSearchParams) => (params.size > 0 ? `?${params}` : '');

export const PRESETS = [
  { id: '24h', label: 'Last 24 hours', ms: 86_400_000 },
  { id: '7d', label: 'Last 7 days', ms: 7 * 86_400_000 },
  { id: '30d', label: 'Last 30 days', ms: 30 * 86_400_000 },
  { id: '90d', label: 'Last 90 days', ms: 90 * 86_400_000 },
] as const;
export type PresetId = (typeof PRESETS)[number]['id'];

/**
 * A preset as absolute times: a shared link or a reload shows the same incidents, where "the last 7 days" would move.
 * `to` is the next whole minute, so the incidents of the current minute are in.
 */
export function presetRange(id: PresetId, now: number = Date.now()): { from: string; to: string } {
  const preset = PRESETS.find((p) => p.id === id)!;
  const to = Math.ceil(now / 60_000) * 60_000;
  return { from: new Date(to - preset.ms).toISOString(), to: new Date(to).toISOString() };
}

/** The preset a range still stands for: its length, ending within the last hour. */
export function matchPreset(from: string | undefined, to: string | undefined, now: number = Date.now()): PresetId | null {
  if (!from || !to) return null;
  const start = Date.parse(from);
  const end = Date.parse(to);
  if (!Number.isFinite(start) || !Number.isFinite(end) || Math.abs(now - end) > 3_600_000) return null;
  return PRESETS.find((p) => Math.abs(end - start - p.ms) < 60_000)?.id ?? null;
}

const pad = (n: number) => String(n).padStart(2, '0');
/** An ISO time as a datetime-local input's value, in the browser's zone ('' when not a time). */
export function toLocalInput(iso: string | undefined): string {
  const at = iso ? new Date(iso) : null;
  if (!at || Number.isNaN(at.getTime())) return '';
  return `${at.getFullYear()}-${pad(at.getMonth() + 1)}-${pad(at.getDate())}T${pad(at.getHours())}:${pad(at.getMinutes())}`;
}

/** A datetime-local input's value (the browser's zone) as ISO, or undefined when blank or not a time. */
export function fromLocalInput(value: string): string | undefined {
  if (!value) return undefined;
  const at = new Date(value);
  return Number.isNaN(at.getTime()) ? undefined : at.toISOString();
}

/** A short description of a range for headings: "Last 7 days", "3 Mar 10:00 – 4 Mar 10:00", "since 3 Mar". */
export function describeRange(from: string | undefined, to: string | undefined, now: number = Date.now()): string {
  const preset = matchPreset(from, to, now);
  if (preset) return PRESETS.find((p) => p.id === preset)!.label;
  const fmt = (iso: string) => new Date(iso).toLocaleString(undefined, { day: 'numeric', month: 'short', hour: '2-digit', minute: '2-digit' });
  if (from && to) return `${fmt(from)} – ${fmt(to)}`;
  if (from) return `since ${fmt(from)}`;
  if (to) return `before ${fmt(to)}`;
  return 'All time';
}
