// The incident and facet answers the incident pages read, named from the generated schema (#lib/api), and the list's
// choices; clusters: #lib/clusters/types.
import type { Answer, Query } from '#lib/api/index.ts';

export const SEVERITIES = ['P1', 'P2', 'P3', 'P4', 'P5'] as const;
export const STATUSES = ['triggered', 'acknowledged', 'resolved'] as const;

/** The list's orders, as the API names them. */
export type IncidentSort = NonNullable<Query<'/api/incidents', 'get'>['sort']>;
export const SORTS: readonly IncidentSort[] = ['-created', 'created', '-severity', '-mttr', '-mtta'];

export type IncidentListPage = Answer<'/api/incidents', 'get'>;
export type IncidentListItem = IncidentListPage['incidents'][number];
export type IncidentDetail = Answer<'/api/incidents/{id}', 'get'>;
export type TimelineEntry = IncidentDetail['timeline'][number];
export type Facets = Answer<'/api/incidents/facets', 'get'>;
export type FacetValue = Facets['services'][number];
