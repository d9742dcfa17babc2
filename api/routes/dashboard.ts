// The dashboard's aggregates: headline numbers, incidents over time, response times, top clusters, breakdown and the
// hour-of-week heatmap, each over the incident list's filter (the last 30 days unless the query says otherwise).
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import {
  BUCKET_MS,
  MAX_BUCKETS,
  breakdown,
  bucketStart,
  dashboardSummary,
  heatmap,
  incidentsOverTime,
  pickBucket,
  previousRange,
  responseTimes,
  withDashboardTransaction,
  type Bucket,
  type RangedFilter,
} from '../../db/dashboard.ts';
import { topClustersWithTrends } from '../cluster-analytics.ts';
import { readClusteringState } from '../../db/clustering-state.ts';
import type { AppDeps } from '../deps.ts';
import { AppError } from '../errors.ts';
import { commonErrors, ErrorResponse } from '../schemas/common.ts';
import {
  Breakdown,
  BreakdownQuery,
  DashboardSummary,
  Heatmap,
  HeatmapQuery,
  IncidentsOverTime,
  OverTimeQuery,
  ResponseTimes,
  ResponseTimesQuery,
  SummaryQuery,
  TopClusters,
  TopClustersQuery,
} from '../schemas/dashboard.ts';
import { toIncidentFilter, type IncidentFilterParams } from '../schemas/incident-filter.ts';

const errors = { ...commonErrors, 401: ErrorResponse, 403: ErrorResponse };
const DEFAULT_RANGE_MS = 30 * BUCKET_MS.day;
const EARLIEST = Date.parse('0001-01-01T00:00:00Z');
const LATEST = Date.parse('9999-12-31T23:59:59.999Z');

/** The list's filter with the dashboard's default range: up to now, 30 days long. */
function rangedFilter(query: IncidentFilterParams): RangedFilter {
  const filter = toIncidentFilter(query);
  const to = filter.to ?? new Date();
  const from = filter.from ?? new Date(to.getTime() - DEFAULT_RANGE_MS);
  if (from >= to) {
    const field = filter.from ? 'from' : 'to';
    throw new AppError(400, 'invalid_query', `query.${field} leaves an empty range (the other end defaults to ${filter.from ? 'now' : '30 days before'})`, [
      { field, in: 'query', message: `query.${field} must leave a range that is not empty` },
    ]);
  }
  // The comparison period before the range must be a date PostgreSQL reads back (a year from 1 to 9999), or a
  // range thousands of years long fails in the database (found by `npm run drill:fuzz`).
  if (from.getTime() - (to.getTime() - from.getTime()) < EARLIEST || to.getTime() > LATEST) {
    throw new AppError(400, 'invalid_query', 'query.from and query.to span too far: the range and the equal period before it must lie within the years 1 to 9999', [
      { field: filter.from ? 'from' : 'to', in: 'query', message: 'the range and the period before it must lie within the years 1 to 9999' },
    ]);
  }
  return { ...filter, from, to };
}

function chooseBucket(filter: RangedFilter, requested: Bucket | 'auto' | undefined): Bucket {
  const bucket = pickBucket(filter, requested ?? 'auto');
  const count = Math.ceil((filter.to.getTime() - bucketStart(filter.from, bucket).getTime()) / BUCKET_MS[bucket]);
  if (count > MAX_BUCKETS) {
    throw new AppError(400, 'invalid_query', `query.bucket ${bucket} gives ${count} buckets for this range (at most ${MAX_BUCKETS}); choose a larger bucket or auto`, [
      { field: 'bucket', in: 'query', message: `query.bucket gives more than ${MAX_BUCKETS} buckets for this range` },
    ]);
  }
  return bucket;
}

const badZone = (tz: string) =>
  new AppError(400, 'invalid_query', `query.tz ${JSON.stringify(tz)} is not a known IANA time zone`, [{ field: 'tz', in: 'query', message: 'query.tz is not a known time zone' }]);

function checkZone(tz: string): string {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
  } catch {
    throw badZone(tz);
  }
  return tz;
}

const iso = (d: Date) => d.toISOString();
const rangeView = (r: { from: Date; to: Date }) => ({ from: iso(r.from), to: iso(r.to) });

export const dashboardRoutes: FastifyPluginAsyncTypebox<{ deps: AppDeps }> = async (app, { deps }) => {
  const { sql } = deps;

  app.get(
    '/api/dashboard/summary',
    { config: { access: 'incidents:read' }, schema: { tags: ['dashboard'], summary: 'Headline numbers of the range and of the period before it', querystring: SummaryQuery, response: { 200: DashboardSummary, ...errors } } },
    async (request) => {
      const filter = rangedFilter(request.query);
      const { current, previous } = await dashboardSummary(sql, request.accountId, filter);
      return { range: rangeView(filter), previousRange: rangeView(previousRange(filter)), current, previous };
    },
  );

  app.get(
    '/api/dashboard/incidents-over-time',
    { config: { access: 'incidents:read' }, schema: { tags: ['dashboard'], summary: 'Incidents per bucket, one series per group (top 8, then Other)', querystring: OverTimeQuery, response: { 200: IncidentsOverTime, ...errors } } },
    async (request) => {
      const filter = rangedFilter(request.query);
      const bucket = chooseBucket(filter, request.query.bucket);
      const { buckets, series } = await withDashboardTransaction(sql, request.accountId, (tx) => incidentsOverTime(tx, request.accountId, filter, request.query.groupBy ?? 'severity', bucket));
      return { bucket, buckets: buckets.map(iso), series };
    },
  );

  app.get(
    '/api/dashboard/response-times',
    { config: { access: 'incidents:read' }, schema: { tags: ['dashboard'], summary: 'MTTA and MTTR percentiles (p50, p90, p95) per bucket of creation', querystring: ResponseTimesQuery, response: { 200: ResponseTimes, ...errors } } },
    async (request) => {
      const filter = rangedFilter(request.query);
      const bucket = chooseBucket(filter, request.query.bucket);
      const { buckets, mtta, mttr, sampled } = await withDashboardTransaction(sql, request.accountId, (tx) => responseTimes(tx, request.accountId, filter, bucket));
      return { bucket, buckets: buckets.map(iso), mtta, mttr, sampled };
    },
  );

  app.get(
    '/api/dashboard/top-clusters',
    {
      config: { access: 'incidents:read' },
      schema: { tags: ['dashboard'], summary: 'Clusters with incidents in the range: rising ones (the shared trend) first, then by count', querystring: TopClustersQuery, response: { 200: TopClusters, ...errors } },
    },
    async (request) => {
      const filter = rangedFilter(request.query);
      const bucket = chooseBucket(filter, request.query.bucket);
      return withDashboardTransaction(sql, request.accountId, async (tx) => {
        const { buckets, trendWindow, clusters } = await topClustersWithTrends(tx, request.accountId, filter, bucket, request.query.limit ?? 10, new Date());
        return { state: await readClusteringState(tx, request.accountId), bucket, buckets: buckets.map(iso), trendWindow, clusters };
      });
    },
  );

  app.get(
    '/api/dashboard/breakdown',
    { config: { access: 'incidents:read' }, schema: { tags: ['dashboard'], summary: 'Incidents per service or team: count, open, median MTTA and MTTR', querystring: BreakdownQuery, response: { 200: Breakdown, ...errors } } },
    async (request) => {
      const filter = rangedFilter(request.query);
      const by = request.query.by ?? 'service';
      const { rows, sampled } = await withDashboardTransaction(sql, request.accountId, (tx) => breakdown(tx, request.accountId, filter, by, request.query.limit ?? 15));
      return { by, rows, sampled };
    },
  );

  app.get(
    '/api/dashboard/heatmap',
    { config: { access: 'incidents:read' }, schema: { tags: ['dashboard'], summary: 'Incidents per hour of the week (Monday first) in a time zone', querystring: HeatmapQuery, response: { 200: Heatmap, ...errors } } },
    async (request) => {
      const filter = rangedFilter(request.query);
      const tz = checkZone(request.query.tz ?? 'UTC');
      try {
        return { tz, cells: await withDashboardTransaction(sql, request.accountId, (tx) => heatmap(tx, request.accountId, filter, tz)) };
      } catch (err) {
        // A zone Node knows and this PostgreSQL's time zone database does not (22023: invalid_parameter_value).
        if ((err as { code?: string }).code === '22023') throw badZone(tz);
        throw err;
      }
    },
  );
};
