// The dashboard's aggregates: every route takes the incident filter (api/schemas/incident-filter.ts) plus its own knobs.
import { Type } from 'typebox';
import { IncidentFilterQuery } from './incident-filter.ts';
import { DateTime } from './common.ts';
import { ClusteringState, ClusterTrend, TrendWindow } from './clusters.ts';


const BucketQuery = Type.Union([Type.Literal('auto'), Type.Literal('hour'), Type.Literal('day'), Type.Literal('week')], {
  description: 'auto (default): up to 2 days by the hour, up to 90 days by the day, longer by the week; UTC, weeks start on Monday',
});
const BucketName = Type.Union([Type.Literal('hour'), Type.Literal('day'), Type.Literal('week')], { description: 'The bucket used' });
const Buckets = Type.Array(DateTime, { description: 'Start of every bucket from the one holding `from` to the one holding the end of the range, empty ones included; the first and last are cut by the range' });
const Seconds = Type.Union([Type.Number(), Type.Null()], { description: 'Seconds (percentile_cont over the incidents that have the time); null when none has' });
const Range = Type.Object({ from: DateTime, to: DateTime });

export const SummaryQuery = Type.Object({ ...IncidentFilterQuery }, { additionalProperties: false });
export const OverTimeQuery = Type.Object(
  { ...IncidentFilterQuery, groupBy: Type.Optional(Type.Union([Type.Literal('severity'), Type.Literal('source'), Type.Literal('service'), Type.Literal('team'), Type.Literal('status'), Type.Literal('cluster')], { description: 'What the series are (default severity)' })), bucket: Type.Optional(BucketQuery) },
  { additionalProperties: false },
);
export const ResponseTimesQuery = Type.Object({ ...IncidentFilterQuery, bucket: Type.Optional(BucketQuery) }, { additionalProperties: false });
export const TopClustersQuery = Type.Object(
  { ...IncidentFilterQuery, bucket: Type.Optional(BucketQuery), limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 50, default: 10 })) },
  { additionalProperties: false },
);
export const BreakdownQuery = Type.Object(
  { ...IncidentFilterQuery, by: Type.Optional(Type.Union([Type.Literal('service'), Type.Literal('team')], { description: 'Rows per service (default) or per team' })), limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, default: 15 })) },
  { additionalProperties: false },
);
export const HeatmapQuery = Type.Object(
  { ...IncidentFilterQuery, tz: Type.Optional(Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9_+\\-/]+$', description: 'IANA time zone of the hours (default UTC)' })) },
  { additionalProperties: false },
);

const Headline = Type.Object({
  incidents: Type.Integer(),
  open: Type.Integer({ description: 'Not resolved' }),
  highSeverity: Type.Integer({ description: 'P1 and P2' }),
  mttaP50Seconds: Seconds,
  mttrP50Seconds: Seconds,
  mttaP90Seconds: Seconds,
  mttrP90Seconds: Seconds,
  sampled: Type.Boolean({ description: 'The percentiles are of a 1-in-16 sample of the incidents (a range of more than 150,000): estimates, within about 1% at that size' }),
});

export const DashboardSummary = Type.Object({
  range: Range,
  previousRange: Type.Object({ from: DateTime, to: DateTime }, { description: 'The equal-length period right before `range`' }),
  current: Headline,
  previous: Headline,
});

export const IncidentsOverTime = Type.Object({
  bucket: BucketName,
  buckets: Buckets,
  series: Type.Array(
    Type.Object({
      key: Type.Union([Type.String(), Type.Null()], { description: 'The group’s value (a cluster id for clusters); null: not set; `__other__`: every group after the top 8' }),
      label: Type.String({ description: '`(none)` for null, `Other` for `__other__`, a cluster’s name or label' }),
      counts: Type.Array(Type.Integer(), { description: 'One per bucket' }),
    }),
    { description: 'The top 8 groups by count over the range, most first, then Other' },
  ),
});

const Percentiles = Type.Object({ p50: Type.Array(Seconds), p90: Type.Array(Seconds), p95: Type.Array(Seconds) }, { description: 'One value per bucket' });
export const ResponseTimes = Type.Object({ bucket: BucketName, buckets: Buckets, mtta: Percentiles, mttr: Percentiles, sampled: Type.Boolean({ description: 'The percentiles are of a 1-in-16 sample of the incidents (a range of more than 150,000): estimates, within about 1% at that size' }) });

export const TopClusters = Type.Object({
  state: ClusteringState,
  bucket: BucketName,
  buckets: Buckets,
  trendWindow: TrendWindow,
  clusters: Type.Array(
    Type.Object({
      id: Type.String(),
      label: Type.String({ description: 'Its name, else the engine’s label' }),
      count: Type.Integer({ description: 'Incidents in the range (the filter applied)' }),
      previousCount: Type.Integer({ description: 'Incidents in the equal-length period before (the filter applied)' }),
      change: Type.Union([Type.Number(), Type.Null()], { description: 'count / previousCount − 1; null when previousCount is 0. Not a trend: `clusterTrend` is' }),
      rising: Type.Boolean({ description: 'clusterTrend.direction is rising' }),
      trend: Type.Array(Type.Integer(), { description: 'Incidents per bucket of the range (the sparkline)' }),
      clusterTrend: ClusterTrend,
    }),
    { description: 'Rising ones (by the shared trend, which is the pattern’s own: the dashboard’s range and filters do not change it) first, then by count in the range' },
  ),
});

export const Breakdown = Type.Object({
  by: Type.Union([Type.Literal('service'), Type.Literal('team')], { description: 'What the rows are' }),
  rows: Type.Array(
    Type.Object({
      key: Type.Union([Type.String(), Type.Null()], { description: 'null: not set' }),
      label: Type.String({ description: '`(none)` for null' }),
      count: Type.Integer(),
      open: Type.Integer(),
      mttaP50Seconds: Seconds,
      mttrP50Seconds: Seconds,
    }),
    { description: 'Most incidents first' },
  ),
  sampled: Type.Boolean({ description: 'The medians are of a 1-in-16 sample of the incidents (a range of more than 150,000); counts are exact' }),
});

export const Heatmap = Type.Object({
  tz: Type.String(),
  cells: Type.Array(Type.Array(Type.Integer(), { minItems: 24, maxItems: 24 }), { minItems: 7, maxItems: 7, description: 'cells[day][hour]: day 0 = Monday, hours in `tz`' }),
});
