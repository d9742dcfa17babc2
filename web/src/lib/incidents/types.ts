// Shapes of the incident and facet responses the incident pages read (the API contract of issue 6); clusters: #lib/clusters/types.

export const SEVERITIES = ['P1', 'P2', 'P3', 'P4', 'P5'] as const;
export const STATUSES = ['triggered', 'acknowledged', 'resolved'] as const;

/** The list's orders, as the API names them. */
export const SORTS = ['-created', 'created', '-severity', '-mttr', '-mtta'] as const;
export type IncidentSort = (typeof SORTS)[number];

export interface IncidentListItem {
  id: string;
  integrationId: string | null;
  source: string;
  externalId: string;
  title: string;
  service: string | null;
  team: string | null;
  severity: string;
  status: string;
  createdAt: string;
  acknowledgedAt: string | null;
  resolvedAt: string | null;
  mttaSeconds: number | null;
  mttrSeconds: number | null;
  url: string | null;
  clusterId?: string | null;
  clusterLabel?: string | null;
  /** new, back, rare, known; null while pending (#lib/incidents/novelty). */
  novelty?: string | null;
  patternPreviousAt?: string | null;
}

export interface IncidentListPage {
  incidents: IncidentListItem[];
  nextCursor: string | null;
}

export interface TimelineEntry {
  type: string;
  at: string;
  actor?: string | null;
  message?: string | null;
}

export interface IncidentDetail extends IncidentListItem {
  description: string | null;
  serviceId: string | null;
  teamId: string | null;
  severityOriginal: string | null;
  assignees: unknown;
  tags: unknown;
  dedupKey: string | null;
  labels: unknown;
  observedAt: string | null;
  firstUnifiedAt: string | null;
  updatedAt: string | null;
  timeline: TimelineEntry[];
  rawEvents: { id: string | number; eventKey: string | null; receivedAt: string; payload: unknown }[];
  /** Its pattern; `label` null when the pattern no longer exists. */
  cluster: { id: string; label: string | null; size: number } | null;
  similar: IncidentListItem[];
}

export interface FacetValue {
  value: string;
  count: number;
}

export interface Facets {
  services: FacetValue[];
  teams: FacetValue[];
  sources: FacetValue[];
  severities: FacetValue[];
  statuses: FacetValue[];
  novelties?: FacetValue[];
  clusters: { id: string; label: string; count: number }[];
}
