// Shapes of the dashboard's API answers and of saved views (the API contract of issue 6).
import type { ClusteringState, ClusterTrend, TrendWindow } from '#lib/clusters/types.ts';

export type Bucket = 'hour' | 'day' | 'week';
export type BucketOption = 'auto' | Bucket;
export type GroupBy = 'severity' | 'source' | 'service' | 'team' | 'status' | 'cluster';
export type BreakdownBy = 'service' | 'team';
export type WidgetRange = 'inherit' | '24h' | '7d' | '30d' | '90d';
export type WidgetType = 'headline' | 'incidents-over-time' | 'response-times' | 'top-clusters' | 'new-patterns' | 'breakdown' | 'heatmap';
export type WidgetSize = 'small' | 'medium' | 'large' | 'full';

export interface WidgetOptions {
  groupBy?: GroupBy;
  by?: BreakdownBy;
  bucket?: BucketOption;
  range?: WidgetRange;
}

export interface Widget {
  id: string;
  type: WidgetType;
  size: WidgetSize;
  options: WidgetOptions;
}

export interface View {
  id: string;
  name: string;
  page: 'dashboard' | 'incidents';
  filters: Record<string, string | string[]>;
  layout: Widget[] | null;
  shared: boolean;
  isDefault: boolean;
  mine: boolean;
  createdBy: { id: string; email: string };
  updatedAt: string;
}

export interface Range {
  from: string;
  to: string;
}

export interface Headline {
  incidents: number;
  open: number;
  highSeverity: number;
  mttaP50Seconds: number | null;
  mttrP50Seconds: number | null;
  mttaP90Seconds: number | null;
  mttrP90Seconds: number | null;
  /** Percentiles of a 1-in-16 sample (ranges of more than 150,000 incidents): estimates. */
  sampled?: boolean;
}

export interface Summary {
  range: Range;
  previousRange: Range;
  current: Headline;
  previous: Headline;
}

export interface OverTime {
  bucket: Bucket;
  buckets: string[];
  series: { key: string | null; label: string; counts: number[] }[];
}

export interface Percentiles {
  p50: (number | null)[];
  p90: (number | null)[];
  p95: (number | null)[];
}

export interface ResponseTimes {
  bucket: Bucket;
  buckets: string[];
  mtta: Percentiles;
  mttr: Percentiles;
  sampled?: boolean;
}

export interface TopCluster {
  id: string;
  label: string;
  /** In the range, the filter applied. */
  count: number;
  previousCount: number;
  change: number | null;
  /** clusterTrend.direction is rising. */
  rising: boolean;
  /** Incidents per bucket of the range (the sparkline). */
  trend: number[];
  /** The shared trend: the pattern's own, whatever the range and filter. */
  clusterTrend: ClusterTrend;
}

export interface TopClusters {
  state: ClusteringState;
  bucket: Bucket;
  buckets: string[];
  trendWindow: TrendWindow;
  clusters: TopCluster[];
}

export interface BreakdownRow {
  key: string | null;
  label: string;
  count: number;
  open: number;
  mttaP50Seconds: number | null;
  mttrP50Seconds: number | null;
}

export interface Breakdown {
  by: BreakdownBy;
  rows: BreakdownRow[];
  sampled?: boolean;
}

export interface Heatmap {
  tz: string;
  cells: number[][];
}

/** GET /api/incident-novelty: incidents per new-pattern label and the patterns that appeared or came back. */
export interface NewPatterns {
  range: Range;
  counts: { new: number; back: number; rare: number; known: number; pending: number };
  patterns: {
    pattern: { id: string; name: string | null };
    novelty: 'new' | 'back';
    incidentId: string;
    at: string;
    quietDays: number | null;
    incidents: number;
  }[];
}

export interface WidgetDataByType {
  headline: Summary;
  'incidents-over-time': OverTime;
  'response-times': ResponseTimes;
  'top-clusters': TopClusters;
  'new-patterns': NewPatterns;
  breakdown: Breakdown;
  heatmap: Heatmap;
}

/** What the page's load streams for one widget: its data and the exact range it was asked for, or why it failed. */
export type WidgetResult<T extends WidgetType = WidgetType> =
  | { ok: true; data: WidgetDataByType[T]; range: Range }
  | { ok: false; error: string; status: number };
