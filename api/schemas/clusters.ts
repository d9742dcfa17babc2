// Clusters: recurring patterns among the account's incidents, their analytics, and feedback on them.
import { Type, type TSchema } from 'typebox';
import { DateTime } from './common.ts';
import { IncidentSummary } from './incidents.ts';

const Nullable = <T extends TSchema>(schema: T, options: { description?: string } = {}) => Type.Union([schema, Type.Null()], options);

export const ClusteringState = Type.Union(
  [
    Type.Object({
      status: Type.Literal('computing'),
      reason: Type.Union([Type.Literal('first-import'), Type.Literal('recluster')], {
        description: 'first-import: nothing is clustered yet and the first recluster waits for the account’s first import to finish; recluster: a recluster is computing (or about to start)',
      }),
      since: Nullable(DateTime, { description: 'When the recluster started or was requested; null for first-import, or a first recluster about to start' }),
      reclusteredAt: Nullable(DateTime, { description: 'When the last recluster finished; null before the first' }),
    }),
    Type.Object({
      status: Type.Literal('ready'),
      reclusteredAt: Nullable(DateTime, { description: 'When the last recluster finished; null before the first (no incidents yet)' }),
      failed: Nullable(Type.Object({ at: DateTime, error: Type.String() }), { description: 'The last recluster failed for good and none has succeeded since' }),
    }),
  ],
  { description: 'Whether the patterns can be read as they are. While computing, pages show “computing…” instead of numbers that are about to change' },
);

const Period = (description: string) => Type.Object({ from: DateTime, to: DateTime, count: Type.Integer({ description: 'Incidents of the pattern in [from, to)' }) }, { description });
export const ClusterTrend = Type.Object(
  {
    direction: Type.Union([Type.Literal('rising'), Type.Literal('falling'), Type.Literal('steady'), Type.Literal('insufficient-data')], {
      description: 'rising or falling when the test finds the recent days differ (p < alpha), steady otherwise; insufficient-data with under 7 days a window',
    }),
    days: Type.Integer({ description: 'Days in each window: 28, fewer when the account’s history is shorter than 56 days' }),
    recent: Period('The last `days` full UTC days before today'),
    baseline: Period('The `days` days before those'),
    change: Nullable(Type.Number(), { description: 'recent.count / baseline.count − 1; null when the baseline had none' }),
    pValue: Type.Number({ description: 'Two-sided p-value of the test' }),
    test: Type.Literal('mann-whitney-u', { description: 'Mann-Whitney U on the daily counts of the two windows (tie-corrected normal approximation)' }),
    alpha: Type.Number({ description: 'The significance level: 0.05' }),
  },
  { description: 'The one trend definition every page uses (docs/clustering.md “Analytics”): the last 28 full days against the 28 before, by a Mann-Whitney U test on incidents per day' },
);

export const TrendWindow = Type.Object(
  {
    days: Type.Integer({ description: 'Days in each window; 0 without history' }),
    baselineFrom: DateTime,
    recentFrom: DateTime,
    recentTo: DateTime,
  },
  { description: 'The windows every trend of this answer compares (today is not part of them)' },
);

export const AnalyticsWindow = Type.Object(
  { from: DateTime, to: DateTime, days: Type.Integer() },
  { description: 'The UTC days incidents per day, MTTA/MTTR, services and teams cover: the last 90, today included, never before the account’s first incident' },
);

const Durations = Nullable(
  Type.Object({ count: Type.Integer({ description: 'Incidents the time is known for' }), medianSeconds: Type.Number(), p90Seconds: Type.Number() }),
  { description: 'Over the incidents of the analytics window; null when none has the time' },
);

export const ClusterSummary = Type.Object({
  id: Type.String(),
  name: Nullable(Type.String(), { description: 'A name a user gave it' }),
  label: Type.String({ description: 'Its name in words, entities in braces: "High CPU on {host} (88–99%)"; never a placeholder token' }),
  labelSlots: Type.Array(
    Type.Object({
      name: Type.String({ description: 'The word in braces: host, queue, percent…' }),
      values: Type.Array(Type.Object({ value: Type.String(), count: Type.Integer() }), { description: 'Its commonest values, most first (3 at most)' }),
      distinct: Type.Integer({ description: 'How many different values it took' }),
    }),
    { description: 'The name’s slots with their commonest values ("web-01, web-07 and 12 more"); empty until the first recluster names the pattern' },
  ),
  template: Type.String({ description: 'The template it is named by, as people read and write it (a split pattern may use it as it is)' }),
  size: Type.Integer({ description: 'Its incidents, all time (counted now: online placements included)' }),
  firstSeen: Nullable(DateTime),
  lastSeen: Nullable(DateTime),
  trend: ClusterTrend,
  windowCount: Type.Integer({ description: 'Its incidents in the analytics window' }),
  mtta: Durations,
  mttr: Durations,
});

export const ClusterList = Type.Object({
  state: ClusteringState,
  window: AnalyticsWindow,
  trendWindow: TrendWindow,
  clusters: Type.Array(
    Type.Intersect([ClusterSummary, Type.Object({ perDay: Type.Array(Type.Integer(), { description: 'Incidents per UTC day of `window`, oldest first' }) })]),
    { description: 'Clusters with incidents, largest first' },
  ),
});
export const ClusterListQuery = Type.Object({ limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, default: 100 })) }, { additionalProperties: false });
export const ClusterParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 200 }) }, { additionalProperties: false });
export const ClusterDetail = Type.Object({
  state: ClusteringState,
  window: AnalyticsWindow,
  trendWindow: TrendWindow,
  cluster: Type.Intersect([
    ClusterSummary,
    Type.Object({
      templates: Type.Array(Type.String(), { description: 'Its templates, most incidents first, as people read and write them' }),
      analytics: Type.Object({
        incidentsPerDay: Type.Array(Type.Object({ day: Type.String({ description: 'YYYY-MM-DD (UTC)' }), count: Type.Integer() }), { description: 'Every day of `window`, zeros included' }),
        spikes: Type.Array(
          Type.Object({
            day: Type.String(),
            count: Type.Integer(),
            baseline: Type.Number({ description: 'Median of the 28 days before' }),
            score: Type.Number(),
            method: Type.Union([Type.Literal('robust-z'), Type.Literal('poisson')]),
          }),
          { description: 'Days that stand out from the pattern’s own previous 28' },
        ),
        topServices: Type.Array(Type.Object({ service: Nullable(Type.String(), { description: 'null: incidents without a service' }), count: Type.Integer() }), { description: 'In the analytics window, most first (8 at most)' }),
        topTeams: Type.Array(Type.Object({ team: Nullable(Type.String(), { description: 'null: incidents without a team' }), count: Type.Integer() }), { description: 'In the analytics window, most first (8 at most)' }),
      }),
    }),
  ]),
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

export const ReclusterStarted = Type.Object({
  workflowId: Type.String(),
  started: Type.Boolean({ description: 'False when one was running already (it will include this)' }),
  state: ClusteringState,
});
export const ClusteringStateResponse = Type.Object({ state: ClusteringState });
