// The incident filter as query parameters, shared by the incident list, its CSV export and every dashboard aggregate:
// a view's URL (`/incidents?service=api&severity=P1&from=...`) carries the same names to the API unchanged. Lists are
// repeated keys (`severity=P1&severity=P2`).
import { Type, type Static } from 'typebox';
import type { IncidentFilter } from '../../db/incident-filter.ts';
import { AppError } from '../errors.ts';
import { DateTime, Uuid } from './common.ts';

const Names = (description: string) => Type.Array(Type.String({ minLength: 1, maxLength: 200 }), { maxItems: 50, description });

export const IncidentFilterQuery = {
  from: Type.Optional(Type.String({ ...DateTime, description: 'Created at or after (ISO 8601)' })),
  to: Type.Optional(Type.String({ ...DateTime, description: 'Created before (ISO 8601)' })),
  service: Type.Optional(Names('Services (repeat the key for several; `__none__` for incidents with none)')),
  team: Type.Optional(Names('Teams (`__none__`: with none)')),
  source: Type.Optional(Names('Tools: pagerduty, opsgenie, alertmanager, webhook, csv')),
  severity: Type.Optional(Type.Array(Type.Union([Type.Literal('P1'), Type.Literal('P2'), Type.Literal('P3'), Type.Literal('P4'), Type.Literal('P5')]), { maxItems: 5, description: 'P1 … P5' })),
  status: Type.Optional(Type.Array(Type.Union([Type.Literal('triggered'), Type.Literal('acknowledged'), Type.Literal('resolved')]), { maxItems: 3, description: 'triggered, acknowledged, resolved' })),
  cluster: Type.Optional(Names('Cluster ids (`__none__`: in no cluster yet)')),
  integration: Type.Optional(Type.Array(Uuid, { maxItems: 50, description: 'Integration ids' })),
  novelty: Type.Optional(
    Type.Array(Type.Union([Type.Literal('new'), Type.Literal('back'), Type.Literal('rare'), Type.Literal('known'), Type.Literal('pending')]), {
      maxItems: 5,
      description: 'New-pattern labels: new (a pattern never seen before), back (after more than 30 days quiet), rare (at most 5% of the last 30 days), known; pending: not labelled yet (in no cluster)',
    }),
  ),
  q: Type.Optional(Type.String({ maxLength: 200, description: 'Words in the title' })),
};
const FilterObject = Type.Object(IncidentFilterQuery);
export type IncidentFilterParams = Static<typeof FilterObject>;

/** The parsed query as the database's filter; a range that ends before it starts is refused, naming both fields. */
export function toIncidentFilter(query: IncidentFilterParams): IncidentFilter {
  const from = query.from ? new Date(query.from) : undefined;
  const to = query.to ? new Date(query.to) : undefined;
  if (from && to && from >= to) {
    throw new AppError(400, 'invalid_query', 'query.from must be before query.to', [
      { field: 'from', in: 'query', message: 'query.from must be before query.to' },
    ]);
  }
  return {
    ...(from ? { from } : {}),
    ...(to ? { to } : {}),
    ...(query.service ? { services: query.service } : {}),
    ...(query.team ? { teams: query.team } : {}),
    ...(query.source ? { sources: query.source } : {}),
    ...(query.severity ? { severities: query.severity } : {}),
    ...(query.status ? { statuses: query.status } : {}),
    ...(query.cluster ? { clusterIds: query.cluster } : {}),
    ...(query.integration ? { integrationIds: query.integration } : {}),
    ...(query.novelty ? { novelties: query.novelty } : {}),
    ...(query.q ? { q: query.q } : {}),
  };
}
