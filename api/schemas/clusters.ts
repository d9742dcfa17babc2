// Clusters: recurring patterns among the account's incidents, their analytics, and feedback on them.
import { Type } from 'typebox';
import { DateTime } from './common.ts';
import { IncidentSummary } from './incidents.ts';

const Trend = Type.Object(
  { direction: Type.String({ description: 'rising, falling or flat' }) },
  { additionalProperties: true, description: 'Mann-Kendall test over incidents per day (with its statistic and p-value)' },
);
const Durations = Type.Union([Type.Object({}, { additionalProperties: true }), Type.Null()], { description: 'Median, p90 and count (seconds)' });

export const ClusterSummary = Type.Object({
  id: Type.String(),
  name: Type.Union([Type.String(), Type.Null()], { description: 'A name a user gave it' }),
  label: Type.String({ description: 'The template with its variable parts summarised' }),
  template: Type.String(),
  size: Type.Integer(),
  firstSeen: Type.Union([DateTime, Type.Null()]),
  lastSeen: Type.Union([DateTime, Type.Null()]),
  trend: Type.Union([Trend, Type.Null()]),
  mtta: Durations,
  mttr: Durations,
});

export const ClusterList = Type.Object({ clusters: Type.Array(ClusterSummary) });
export const ClusterListQuery = Type.Object({ limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, default: 100 })) }, { additionalProperties: false });
export const ClusterParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 200 }) }, { additionalProperties: false });
export const ClusterDetail = Type.Object({
  cluster: Type.Intersect([ClusterSummary, Type.Object({ templates: Type.Array(Type.String()), analytics: Type.Record(Type.String(), Type.Unknown()) })]),
  incidents: Type.Array(IncidentSummary, { description: 'The newest 20' }),
});

export const ClusterFeedbackBody = Type.Union(
  [
    Type.Object({ kind: Type.Literal('rename'), name: Type.String({ minLength: 1, maxLength: 200, pattern: '\\S' }) }, { additionalProperties: false }),
    Type.Object({ kind: Type.Literal('merge'), intoClusterId: Type.String({ minLength: 1, maxLength: 200 }) }, { additionalProperties: false }),
    Type.Object(
      { kind: Type.Literal('split'), template: Type.String({ minLength: 1, maxLength: 500 }), name: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })) },
      { additionalProperties: false },
    ),
    Type.Object({ kind: Type.Literal('not-this-pattern'), incidentId: Type.String({ format: 'uuid' }) }, { additionalProperties: false }),
  ],
  { description: 'Kept and re-applied on every recluster, so it survives the machine’s next opinion' },
);

export const ReclusterStarted = Type.Object({ workflowId: Type.String(), started: Type.Boolean({ description: 'False when one was running already (it will include this)' }) });
