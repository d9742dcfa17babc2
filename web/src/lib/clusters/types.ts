// The clusters API's answers, named from the generated schema (#lib/api): the clustering's state, the shared trend
// and the windows every page states.
import type { Answer } from '#lib/api/index.ts';

export type ClusterList = Answer<'/api/clusters', 'get'>;
export type ClusterDetail = Answer<'/api/clusters/{id}', 'get'>;
export type ClusteringState = ClusterList['state'];
export type TrendWindow = ClusterList['trendWindow'];
export type AnalyticsWindow = ClusterList['window'];

/** A pattern as lists show it; the list's rows add `perDay`, the detail adds its analytics. */
export type ClusterSummary = Omit<ClusterList['clusters'][number], 'perDay'>;
export type ClusterTrend = ClusterSummary['trend'];
export type TrendDirection = ClusterTrend['direction'];
export type DurationStats = NonNullable<ClusterSummary['mtta']>;
/** One slot of a pattern's name ({host}) with its commonest values. */
export type LabelSlot = ClusterSummary['labelSlots'][number];
