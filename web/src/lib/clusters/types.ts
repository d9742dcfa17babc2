// Shapes of the clusters API's answers (api/schemas/clusters.ts): the clustering's state, the shared trend and the
// windows every page states.
import type { IncidentListItem } from '#lib/incidents/types.ts';

export type ClusteringState =
  | { status: 'computing'; reason: 'first-import' | 'recluster'; since: string | null; reclusteredAt: string | null }
  | { status: 'ready'; reclusteredAt: string | null; failed: { at: string; error: string } | null };

export type TrendDirection = 'rising' | 'falling' | 'steady' | 'insufficient-data';

export interface ClusterTrend {
  direction: TrendDirection;
  days: number;
  recent: { from: string; to: string; count: number };
  baseline: { from: string; to: string; count: number };
  change: number | null;
  pValue: number;
  test: 'mann-whitney-u';
  alpha: number;
}

export interface TrendWindow {
  days: number;
  baselineFrom: string;
  recentFrom: string;
  recentTo: string;
}

export interface AnalyticsWindow {
  from: string;
  to: string;
  days: number;
}

export interface DurationStats {
  count: number;
  medianSeconds: number;
  p90Seconds: number;
}

/** One slot of a pattern's name ({host}) with its commonest values. */
export interface LabelSlot {
  name: string;
  values: { value: string; count: number }[];
  distinct: number;
}

export interface ClusterSummary {
  id: string;
  name: string | null;
  label: string;
  labelSlots: LabelSlot[];
  template: string;
  size: number;
  firstSeen: string | null;
  lastSeen: string | null;
  trend: ClusterTrend;
  windowCount: number;
  mtta: DurationStats | null;
  mttr: DurationStats | null;
}

export interface ClusterList {
  state: ClusteringState;
  window: AnalyticsWindow;
  trendWindow: TrendWindow;
  clusters: (ClusterSummary & { perDay: number[] })[];
}

export interface ClusterDetail {
  state: ClusteringState;
  window: AnalyticsWindow;
  trendWindow: TrendWindow;
  cluster: ClusterSummary & {
    templates: string[];
    analytics: {
      incidentsPerDay: { day: string; count: number }[];
      spikes: { day: string; count: number; baseline: number; score: number; method: string }[];
      topServices: { service: string | null; count: number }[];
      topTeams: { team: string | null; count: number }[];
    };
  };
  incidents: IncidentListItem[];
}
