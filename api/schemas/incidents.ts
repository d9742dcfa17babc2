// Unified incidents: the filtered, sortable list, its count, CSV export and facets, and one incident in detail.
import { Type, type Static, type TSchema } from 'typebox';
import { INCIDENT_SORTS } from '../../db/incidents.ts';
import type { Novelty as NoveltyLabel } from '../../db/incident-novelty.ts';
import { DateTime, Uuid } from './common.ts';
import { IncidentFilterQuery } from './incident-filter.ts';

// Spelled out (not mapped from INCIDENT_SORTS) so the handlers' types keep the literals; the check below keeps them equal.
export const IncidentSort = Type.Union(
  [Type.Literal('-created'), Type.Literal('created'), Type.Literal('-severity'), Type.Literal('-mttr'), Type.Literal('-mtta')],
  { description: '-created (newest first, the default), created, -severity (P1 first, then newest), -mttr / -mtta (longest first, unset last)' },
);

type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const sortsAgree: Same<Static<typeof IncidentSort>, (typeof INCIDENT_SORTS)[number]> = true;
void sortsAgree;

// Kept so that links and scripts written before the shared filter (`integrationId=`) still work; `integration` is the name.
const LegacyIntegrationId = Type.Optional(Type.Union([Uuid, Type.Array(Uuid, { maxItems: 50 })], { description: 'Deprecated: use `integration`' }));

export const IncidentListQuery = Type.Object(
  {
    ...IncidentFilterQuery,
    integrationId: LegacyIntegrationId,
    sort: Type.Optional(IncidentSort),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200, default: 50 })),
    cursor: Type.Optional(Type.String({ maxLength: 400, description: 'The previous page’s `nextCursor` (with the same sort)' })),
  },
  { additionalProperties: false },
);
export type IncidentListQuery = Static<typeof IncidentListQuery>;

export const IncidentFilterOnlyQuery = Type.Object({ ...IncidentFilterQuery, integrationId: LegacyIntegrationId }, { additionalProperties: false });
export const IncidentExportQuery = Type.Object(
  { ...IncidentFilterQuery, integrationId: LegacyIntegrationId, sort: Type.Optional(IncidentSort) },
  { additionalProperties: false },
);

const Nullable = <T extends TSchema>(schema: T, options: { description?: string } = {}) => Type.Union([schema, Type.Null()], options);

export const Novelty = Type.Union([Type.Literal('new'), Type.Literal('back'), Type.Literal('rare'), Type.Literal('known')], {
  description:
    'Its pattern as it arrived: new (no earlier incident of it), back (none in the 30 days before it), rare (at most 5% of the account’s incidents of those 30 days), known; null: pending (in no cluster yet). See docs/clustering.md',
});
const noveltiesAgree: Same<Static<typeof Novelty>, NoveltyLabel> = true;
void noveltiesAgree;

export const IncidentSummary = Type.Object({
  id: Uuid,
  integrationId: Nullable(Uuid),
  source: Type.String(),
  externalId: Type.String(),
  title: Type.String(),
  service: Nullable(Type.String()),
  team: Nullable(Type.String()),
  severity: Type.String(),
  status: Type.String(),
  createdAt: DateTime,
  acknowledgedAt: Nullable(DateTime),
  resolvedAt: Nullable(DateTime),
  mttaSeconds: Nullable(Type.Integer()),
  mttrSeconds: Nullable(Type.Integer()),
  url: Nullable(Type.String()),
  clusterId: Nullable(Type.String()),
  clusterLabel: Nullable(Type.String({ description: 'The name a user gave the cluster, else its label; null when it is in no cluster or its cluster no longer exists' })),
  novelty: Nullable(Novelty),
  patternPreviousAt: Nullable(Type.String({ ...DateTime, description: 'The latest earlier incident of its pattern: with `back`, the quiet period is `createdAt` − this; null for a new pattern or while pending' })),
});
export const IncidentPage = Type.Object({
  incidents: Type.Array(IncidentSummary),
  nextCursor: Type.Union([Type.String(), Type.Null()], { description: 'Pass as `cursor` (with the same filter and sort) for the next page; null on the last' }),
});
export const IncidentCount = Type.Object({ count: Type.Integer() });

const FacetValues = Type.Array(Type.Object({ value: Type.String(), count: Type.Integer() }));
export const IncidentFacets = Type.Object(
  {
    services: FacetValues,
    teams: FacetValues,
    sources: FacetValues,
    severities: FacetValues,
    statuses: FacetValues,
    novelties: Type.Array(Type.Object({ value: Type.String({ description: 'new, back, rare, known, or pending' }), count: Type.Integer() })),
    clusters: Type.Array(Type.Object({ id: Type.String(), label: Type.String(), count: Type.Integer() })),
  },
  { description: 'The 100 most frequent values of each field; a field is counted under every filter but its own' },
);

export const IncidentParams = Type.Object({ id: Uuid }, { additionalProperties: false });

export const IncidentDetail = Type.Intersect([
  IncidentSummary,
  Type.Object({
    description: Nullable(Type.String()),
    serviceId: Nullable(Type.String()),
    teamId: Nullable(Type.String()),
    severityOriginal: Nullable(Type.String({ description: 'The tool’s own urgency or priority' })),
    assignees: Type.Array(Type.String()),
    tags: Type.Array(Type.String()),
    dedupKey: Nullable(Type.String()),
    labels: Type.Record(Type.String(), Type.String()),
    observedAt: DateTime,
    firstUnifiedAt: DateTime,
    updatedAt: DateTime,
    timeline: Type.Array(
      Type.Object({ type: Type.String(), at: Type.String(), actor: Type.Optional(Type.String()), message: Type.Optional(Type.String()) }),
      { description: 'Triggered, acknowledged, notes, resolved, … oldest first' },
    ),
    rawEvents: Type.Array(
      Type.Object({
        id: Type.String(),
        eventKey: Type.String(),
        receivedAt: DateTime,
        payload: Type.Unknown({ description: 'What the tool sent; null when the integration drops fields' }),
      }),
      { description: 'The newest 50 deliveries about this incident' },
    ),
    cluster: Nullable(
      Type.Object({
        id: Type.String(),
        label: Nullable(Type.String({ description: 'The name a user gave the pattern, else its label; null: the pattern no longer exists' })),
        size: Type.Integer(),
      }),
      { description: 'The pattern it follows; null while it is in no cluster' },
    ),
    similar: Type.Array(IncidentSummary, { description: 'Up to 10 other incidents of its cluster, newest first' }),
  }),
]);
