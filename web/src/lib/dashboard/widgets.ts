// The dashboard's widget registry (what each widget is called, which options it takes, which API answers it), the
// default layout, and the compact form a layout takes in the URL while it is being edited.
import type { BreakdownBy, BucketOption, GroupBy, Widget, WidgetOptions, WidgetPath, WidgetRange, WidgetSize, WidgetType } from './types';

export const WIDGET_TYPES: readonly WidgetType[] = ['headline', 'incidents-over-time', 'response-times', 'top-clusters', 'new-patterns', 'breakdown', 'heatmap'];
export const SIZES: readonly WidgetSize[] = ['small', 'medium', 'large', 'full'];
export const GROUP_BYS: readonly GroupBy[] = ['severity', 'source', 'service', 'team', 'status', 'cluster'];
export const BREAKDOWN_BYS: readonly BreakdownBy[] = ['service', 'team'];
export const BUCKETS: readonly BucketOption[] = ['auto', 'hour', 'day', 'week'];
export const RANGES: readonly WidgetRange[] = ['inherit', '24h', '7d', '30d', '90d'];
export const MAX_WIDGETS = 24;

export const SIZE_LABELS: Record<WidgetSize, string> = { small: 'Small', medium: 'Medium', large: 'Large', full: 'Full width' };
export const RANGE_LABELS: Record<WidgetRange, string> = { inherit: 'Dashboard range', '24h': 'Last 24 hours', '7d': 'Last 7 days', '30d': 'Last 30 days', '90d': 'Last 90 days' };
export const GROUP_LABELS: Record<GroupBy, string> = { severity: 'Severity', source: 'Source', service: 'Service', team: 'Team', status: 'Status', cluster: 'Cluster' };
export const BUCKET_LABELS: Record<BucketOption, string> = { auto: 'Automatic', hour: 'Hour', day: 'Day', week: 'Week' };

interface WidgetSpec {
  /** What the widget is, in the list of widgets to add. */
  name: string;
  title: (options: WidgetOptions) => string;
  description: string;
  defaultSize: WidgetSize;
  defaults: WidgetOptions;
  /** Which options the widget reads (the editor offers only these). */
  takes: readonly (keyof WidgetOptions)[];
  /** The API path and query (without the filter) that answers it. */
  endpoint: (options: WidgetOptions) => { path: WidgetPath; query: Record<string, string> };
}

export const WIDGETS: Record<WidgetType, WidgetSpec> = {
  headline: {
    name: 'Headline numbers',
    title: () => 'Headline numbers',
    description: 'Incidents, open, high severity, MTTA and MTTR against the previous period',
    defaultSize: 'full',
    defaults: { range: 'inherit' },
    takes: ['range'],
    endpoint: () => ({ path: '/api/dashboard/summary', query: {} }),
  },
  'incidents-over-time': {
    name: 'Incidents over time',
    title: (o) => `Incidents over time by ${GROUP_LABELS[o.groupBy ?? 'severity'].toLowerCase()}`,
    description: 'Stacked counts per hour, day or week',
    defaultSize: 'full',
    defaults: { groupBy: 'severity', bucket: 'auto', range: 'inherit' },
    takes: ['groupBy', 'bucket', 'range'],
    endpoint: (o) => ({ path: '/api/dashboard/incidents-over-time', query: { groupBy: o.groupBy ?? 'severity', bucket: o.bucket ?? 'auto' } }),
  },
  'response-times': {
    name: 'Response times (MTTA, MTTR)',
    title: () => 'Time to acknowledge and resolve',
    description: 'MTTA and MTTR percentiles (p50, p90, p95)',
    defaultSize: 'medium',
    defaults: { bucket: 'auto', range: 'inherit' },
    takes: ['bucket', 'range'],
    endpoint: (o) => ({ path: '/api/dashboard/response-times', query: { bucket: o.bucket ?? 'auto' } }),
  },
  'top-clusters': {
    name: 'Top clusters',
    title: () => 'Top clusters',
    description: 'Recurring patterns with their trend, rising ones first',
    defaultSize: 'medium',
    defaults: { range: 'inherit' },
    takes: ['range'],
    endpoint: () => ({ path: '/api/dashboard/top-clusters', query: { limit: '10' } }),
  },
  'new-patterns': {
    name: 'New and returning patterns',
    title: () => 'New and returning patterns',
    description: 'Patterns seen for the first time, or back after more than 30 days quiet, and how many incidents were rare',
    defaultSize: 'full',
    defaults: { range: 'inherit' },
    takes: ['range'],
    endpoint: () => ({ path: '/api/incident-novelty', query: { limit: '8' } }),
  },
  breakdown: {
    name: 'Breakdown by service or team',
    title: (o) => `Incidents by ${o.by ?? 'service'}`,
    description: 'Counts, open incidents and response times per service or team',
    defaultSize: 'medium',
    defaults: { by: 'service', range: 'inherit' },
    takes: ['by', 'range'],
    endpoint: (o) => ({ path: '/api/dashboard/breakdown', query: { by: o.by ?? 'service', limit: '15' } }),
  },
  heatmap: {
    name: 'Hour-of-week heatmap',
    title: () => 'Hour of week',
    description: 'When incidents start, by weekday and hour (UTC)',
    defaultSize: 'full',
    defaults: { range: 'inherit' },
    takes: ['range'],
    endpoint: () => ({ path: '/api/dashboard/heatmap', query: { tz: 'UTC' } }),
  },
};

export const DEFAULT_LAYOUT: readonly Widget[] = [
  { id: 'headline', type: 'headline', size: 'full', options: { range: 'inherit' } },
  { id: 'over-time', type: 'incidents-over-time', size: 'full', options: { groupBy: 'severity', bucket: 'auto', range: 'inherit' } },
  { id: 'response-times', type: 'response-times', size: 'medium', options: { bucket: 'auto', range: 'inherit' } },
  { id: 'top-clusters', type: 'top-clusters', size: 'medium', options: { range: 'inherit' } },
  { id: 'new-patterns', type: 'new-patterns', size: 'full', options: { range: 'inherit' } },
  { id: 'by-service', type: 'breakdown', size: 'medium', options: { by: 'service', range: 'inherit' } },
  { id: 'by-team', type: 'breakdown', size: 'medium', options: { by: 'team', range: 'inherit' } },
  { id: 'heatmap', type: 'heatmap', size: 'full', options: { range: 'inherit' } },
];

/** A new widget of `type` with an id not used in `layout`. */
export function newWidget(type: WidgetType, layout: readonly Widget[]): Widget {
  const used = new Set(layout.map((w) => w.id));
  let n = 1;
  while (used.has(`w${n}`)) n++;
  return { id: `w${n}`, type, size: WIDGETS[type].defaultSize, options: { ...WIDGETS[type].defaults } };
}

const ID = /^[A-Za-z0-9_-]{1,40}$/;

/** Keeps only what the registry knows: unknown types and options are dropped, ids made unique, at most 24. */
export function normalizeLayout(input: unknown): Widget[] {
  if (!Array.isArray(input)) return [];
  const out: Widget[] = [];
  for (const raw of input) {
    if (out.length >= MAX_WIDGETS) break;
    if (!raw || typeof raw !== 'object') continue;
    const w = raw as Partial<Widget>;
    if (!w.type || !WIDGET_TYPES.includes(w.type)) continue;
    const spec = WIDGETS[w.type];
    const options: WidgetOptions = {};
    const given = (w.options ?? {}) as Record<string, unknown>;
    for (const key of spec.takes) {
      const allowed: readonly string[] = key === 'groupBy' ? GROUP_BYS : key === 'by' ? BREAKDOWN_BYS : key === 'bucket' ? BUCKETS : RANGES;
      const value = typeof given[key] === 'string' && allowed.includes(given[key]) ? given[key] : spec.defaults[key];
      if (value !== undefined) (options as Record<string, string>)[key] = value;
    }
    const id = typeof w.id === 'string' && ID.test(w.id) && !out.some((o) => o.id === w.id) ? w.id : newWidget(w.type, out).id;
    out.push({ id, type: w.type, size: w.size && SIZES.includes(w.size) ? w.size : spec.defaultSize, options });
  }
  return out;
}

// URL form: widgets joined by '|', each `id.type.size` followed by `.key-value` options, e.g.
// `over-time.incidents-over-time.full.groupBy-team.range-7d|heatmap.heatmap.full`. Short and readable in an address bar.
export function encodeLayout(layout: readonly Widget[]): string {
  return layout
    .map((w) => [w.id, w.type, w.size, ...Object.entries(w.options).filter(([, v]) => v !== undefined).map(([k, v]) => `${k}-${v}`)].join('.'))
    .join('|');
}

export function decodeLayout(text: string): Widget[] {
  if (!text) return [];
  return normalizeLayout(
    text.split('|').map((part) => {
      const [id, type, size, ...opts] = part.split('.');
      const options: Record<string, string> = {};
      for (const o of opts) {
        const dash = o.indexOf('-');
        if (dash > 0) options[o.slice(0, dash)] = o.slice(dash + 1);
      }
      return { id, type, size, options };
    }),
  );
}

/** Moves the widget at `index` by `delta` places (within bounds). */
export function moveWidget(layout: readonly Widget[], index: number, delta: number): Widget[] {
  const target = Math.max(0, Math.min(layout.length - 1, index + delta));
  const next = [...layout];
  const [w] = next.splice(index, 1);
  next.splice(target, 0, w);
  return next;
}

export function sameLayout(a: readonly Widget[], b: readonly Widget[]): boolean {
  return encodeLayout(a) === encodeLayout(b);
}
