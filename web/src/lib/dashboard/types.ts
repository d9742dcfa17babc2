// The dashboard's API answers and saved views, named from the generated schema (#lib/api), and what its widgets add.
import type { Answer } from '#lib/api/index.ts';

export type View = Answer<'/api/views', 'get'>['views'][number];
export type Widget = NonNullable<View['layout']>[number];
export type WidgetType = Widget['type'];
export type WidgetSize = Widget['size'];
export type WidgetOptions = Widget['options'];
export type GroupBy = NonNullable<WidgetOptions['groupBy']>;
export type BreakdownBy = NonNullable<WidgetOptions['by']>;
export type BucketOption = NonNullable<WidgetOptions['bucket']>;
export type WidgetRange = NonNullable<WidgetOptions['range']>;

export type Summary = Answer<'/api/dashboard/summary', 'get'>;
export type Range = Summary['range'];
export type Headline = Summary['current'];
export type OverTime = Answer<'/api/dashboard/incidents-over-time', 'get'>;
export type Bucket = OverTime['bucket'];
export type ResponseTimes = Answer<'/api/dashboard/response-times', 'get'>;
export type Percentiles = ResponseTimes['mtta'];
export type TopClusters = Answer<'/api/dashboard/top-clusters', 'get'>;
export type TopCluster = TopClusters['clusters'][number];
export type Breakdown = Answer<'/api/dashboard/breakdown', 'get'>;
export type BreakdownRow = Breakdown['rows'][number];
export type Heatmap = Answer<'/api/dashboard/heatmap', 'get'>;
/** GET /api/incident-novelty: incidents per new-pattern label and the patterns that appeared or came back. */
export type NewPatterns = Answer<'/api/incident-novelty', 'get'>;

/** The API route that answers each widget. */
export interface WidgetPaths {
  headline: '/api/dashboard/summary';
  'incidents-over-time': '/api/dashboard/incidents-over-time';
  'response-times': '/api/dashboard/response-times';
  'top-clusters': '/api/dashboard/top-clusters';
  'new-patterns': '/api/incident-novelty';
  breakdown: '/api/dashboard/breakdown';
  heatmap: '/api/dashboard/heatmap';
}
export type WidgetPath = WidgetPaths[WidgetType];
export type WidgetDataByType = { [T in WidgetType]: Answer<WidgetPaths[T], 'get'> };

/** What the page's load streams for one widget: its data and the exact range it was asked for, or why it failed. */
export type WidgetResult<T extends WidgetType = WidgetType> =
  | { ok: true; data: WidgetDataByType[T]; range: Range }
  | { ok: false; error: string; status: number };
