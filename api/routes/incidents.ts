// Unified incidents: the filtered list a keyset page at a time in any of its sorts, its count, a streamed CSV export,
// the facets behind the filter dropdowns, and one incident with its timeline, raw payloads and cluster.
import type { Readable } from 'node:stream';
import type { FastifyBaseLogger } from 'fastify';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { SEVERITIES, type IncidentFilter } from '../../db/incident-filter.ts';
import {
  countMatchingIncidents,
  getIncident,
  incidentFacets,
  INCIDENT_SORTS,
  listIncidentRawEvents,
  listIncidents,
  positionOf,
  streamIncidents,
  type IncidentListRow,
  type IncidentPosition,
  type IncidentSort,
} from '../../db/incidents.ts';
import type { Sql } from '../../db/sql.ts';
import { withAccount } from '../../db/tenancy.ts';
import type { AppDeps } from '../deps.ts';
import { csvCell, streamFromAccount } from '../export-stream.ts';
import { AppError, notFound } from '../errors.ts';
import { commonErrors, ErrorResponse } from '../schemas/common.ts';
import { toIncidentFilter, type IncidentFilterParams } from '../schemas/incident-filter.ts';
import {
  IncidentCount,
  IncidentDetail,
  IncidentExportQuery,
  IncidentFacets,
  IncidentFilterOnlyQuery,
  IncidentListQuery,
  IncidentPage,
  IncidentParams,
} from '../schemas/incidents.ts';

const errors = { ...commonErrors, 401: ErrorResponse, 403: ErrorResponse };
const RAW_EVENTS = 50;
const SIMILAR = 10;

/** The shared filter, plus the list's old `integrationId=` spelling. */
function filterOf(query: IncidentFilterParams & { integrationId?: string | string[] | undefined }): IncidentFilter {
  const filter = toIncidentFilter(query);
  if (query.integrationId === undefined) return filter;
  return { ...filter, integrationIds: [...(filter.integrationIds ?? []), ...[query.integrationId].flat()] };
}

const summaryView = (r: IncidentListRow) => ({
  id: r.id,
  integrationId: r.integrationId,
  source: r.source,
  externalId: r.externalId,
  title: r.title,
  service: r.service,
  team: r.team,
  severity: r.severity,
  status: r.status,
  createdAt: r.createdAt.toISOString(),
  acknowledgedAt: r.acknowledgedAt?.toISOString() ?? null,
  resolvedAt: r.resolvedAt?.toISOString() ?? null,
  mttaSeconds: r.mttaSeconds,
  mttrSeconds: r.mttrSeconds,
  url: r.url,
  clusterId: r.clusterId,
  clusterLabel: r.clusterLabel,
  novelty: r.novelty,
  patternPreviousAt: r.patternPreviousAt,
});

// A cursor is the sort it was made for and the last row's key; opaque to clients, checked here field by field, since
// it arrives from outside and ends up in SQL parameters.
const encodeCursor = (sort: IncidentSort, p: IncidentPosition) =>
  Buffer.from(JSON.stringify([sort, p.createdAt, p.id, ...(p.severity !== undefined ? [p.severity] : p.seconds !== undefined ? [p.seconds] : [])])).toString('base64url');

const EXACT_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

function decodeCursor(cursor: string, sort: IncidentSort): IncidentPosition {
  const refuse = (why: string): never => {
    throw new AppError(400, 'invalid_query', `query.cursor ${why}`, [{ field: 'cursor', in: 'query', message: `query.cursor ${why}` }]);
  };
  let parts: unknown;
  try {
    parts = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    return refuse('is not one this API gave out');
  }
  if (!Array.isArray(parts) || !INCIDENT_SORTS.includes(parts[0])) return refuse('is not one this API gave out');
  const [madeFor, createdAt, id, extra] = parts as [IncidentSort, unknown, unknown, unknown];
  if (madeFor !== sort) return refuse(`was made for sort=${madeFor}, not sort=${sort}: start again from the first page`);
  if (typeof createdAt !== 'string' || !EXACT_TIME.test(createdAt) || Number.isNaN(Date.parse(createdAt))) return refuse('is not one this API gave out');
  if (typeof id !== 'string' || !UUID.test(id)) return refuse('is not one this API gave out');
  if (sort === '-severity') {
    if (!SEVERITIES.includes(extra as never) || parts.length !== 4) return refuse('is not one this API gave out');
    return { createdAt, id, severity: extra as IncidentPosition['severity'] };
  }
  if (sort === '-mttr' || sort === '-mtta') {
    const valid = extra === null || (Number.isInteger(extra) && (extra as number) >= 0 && (extra as number) <= 2_147_483_647);
    if (!valid || parts.length !== 4) return refuse('is not one this API gave out');
    return { createdAt, id, seconds: extra as number | null };
  }
  if (parts.length !== 3) return refuse('is not one this API gave out');
  return { createdAt, id };
}

const CSV_COLUMNS = [
  'id', 'createdAt', 'title', 'service', 'team', 'severity', 'status', 'source', 'integrationId', 'externalId', 'acknowledgedAt',
  'resolvedAt', 'mttaSeconds', 'mttrSeconds', 'clusterId', 'clusterLabel', 'url', 'novelty', 'patternPreviousAt',
] as const;

const csvLine = (r: IncidentListRow) => {
  const view = summaryView(r);
  return `${CSV_COLUMNS.map((c) => csvCell(view[c])).join(',')}\r\n`;
};

/** The export from a cursor inside the tenant transaction, a batch at a time and only as fast as the client reads. */
function exportCsv(sql: Sql, accountId: string, filter: IncidentFilter, sort: IncidentSort, log: FastifyBaseLogger): Readable {
  return streamFromAccount(sql, accountId, 'incident', log, async (tx, write) => {
    if (!(await write(`${CSV_COLUMNS.join(',')}\r\n`))) return;
    for await (const rows of streamIncidents(tx, accountId, filter, sort)) {
      if (!(await write(rows.map(csvLine).join('')))) return;
    }
  });
}

export const incidentRoutes: FastifyPluginAsyncTypebox<{ deps: AppDeps }> = async (app, { deps }) => {
  const { sql } = deps;

  app.get(
    '/api/incidents',
    {
      config: { access: 'incidents:read' },
      schema: { tags: ['incidents'], summary: 'Unified incidents matching a filter, a keyset page at a time, in one of five sorts', querystring: IncidentListQuery, response: { 200: IncidentPage, ...errors } },
    },
    async (request) => {
      const q = request.query;
      const sort = q.sort ?? '-created';
      const limit = q.limit ?? 50;
      const filter = filterOf(q);
      const after = q.cursor ? decodeCursor(q.cursor, sort) : undefined;
      // One row more than the page tells whether another page exists, so the last page never links to an empty one.
      const rows = await withAccount(sql, request.accountId, (tx) => listIncidents(tx, request.accountId, { filter, sort, limit: limit + 1, ...(after ? { after } : {}) }));
      const page = rows.slice(0, limit);
      return { incidents: page.map(summaryView), nextCursor: rows.length > limit ? encodeCursor(sort, positionOf(page.at(-1)!, sort)) : null };
    },
  );

  app.get(
    '/api/incidents/count',
    {
      config: { access: 'incidents:read' },
      schema: { tags: ['incidents'], summary: 'How many incidents match a filter', querystring: IncidentFilterOnlyQuery, response: { 200: IncidentCount, ...errors } },
    },
    async (request) => {
      const filter = filterOf(request.query);
      return { count: await withAccount(sql, request.accountId, (tx) => countMatchingIncidents(tx, request.accountId, filter)) };
    },
  );

  app.get(
    '/api/incidents/export.csv',
    {
      config: { access: 'incidents:read' },
      schema: {
        tags: ['incidents'],
        summary: 'Every incident matching a filter as CSV, streamed',
        querystring: IncidentExportQuery,
        response: { 200: { description: 'A header row, then one row per incident (RFC 4180)', content: { 'text/csv': { schema: Type.String() } } }, ...errors },
      },
    },
    async (request, reply) => {
      const sort = request.query.sort ?? '-created';
      const filter = filterOf(request.query);
      const stream = exportCsv(sql, request.accountId, filter, sort, request.log);
      return reply
        .header('content-type', 'text/csv; charset=utf-8')
        .header('content-disposition', `attachment; filename="incidents-${new Date().toISOString().slice(0, 10)}.csv"`)
        .header('cache-control', 'no-store')
        // The schema documents the body as text; Fastify streams a Readable as it is.
        .send(stream as unknown as string);
    },
  );

  app.get(
    '/api/incidents/facets',
    {
      config: { access: 'incidents:read' },
      schema: { tags: ['incidents'], summary: 'The most frequent values of each field among the matching incidents, for filter dropdowns', querystring: IncidentFilterOnlyQuery, response: { 200: IncidentFacets, ...errors } },
    },
    async (request) => {
      const filter = filterOf(request.query);
      return withAccount(sql, request.accountId, (tx) => incidentFacets(tx, request.accountId, filter));
    },
  );

  app.get(
    '/api/incidents/:id',
    {
      config: { access: 'incidents:read' },
      schema: { tags: ['incidents'], summary: 'One incident: its timeline, what the tool sent, its cluster and similar incidents', params: IncidentParams, response: { 200: IncidentDetail, 404: ErrorResponse, ...errors } },
    },
    async (request) =>
      withAccount(sql, request.accountId, async (tx) => {
        const accountId = request.accountId;
        const incident = await getIncident(tx, accountId, request.params.id);
        if (!incident) throw notFound('incident', request.params.id);
        const rawEvents = await listIncidentRawEvents(tx, accountId, incident, RAW_EVENTS);
        const similar = incident.clusterId ? (await listIncidents(tx, accountId, { limit: SIMILAR + 1, clusterId: incident.clusterId })).filter((r) => r.id !== incident.id).slice(0, SIMILAR) : [];
        return {
          ...summaryView(incident),
          description: incident.description,
          serviceId: incident.serviceId,
          teamId: incident.teamId,
          severityOriginal: incident.severityOriginal,
          assignees: incident.assignees,
          tags: incident.tags,
          dedupKey: incident.dedupKey,
          labels: incident.labels,
          observedAt: incident.observedAt.toISOString(),
          firstUnifiedAt: incident.firstUnifiedAt.toISOString(),
          updatedAt: incident.updatedAt.toISOString(),
          timeline: incident.timeline.map((t) => ({ type: t.type, at: t.at, ...(t.actor ? { actor: t.actor } : {}), ...(t.message ? { message: t.message } : {}) })),
          rawEvents: rawEvents.map((e) => ({ id: e.id, eventKey: e.eventKey, receivedAt: e.receivedAt.toISOString(), payload: e.payload ?? null })),
          cluster: incident.clusterId ? { id: incident.clusterId, label: incident.clusterLabel, size: incident.clusterSize ?? 0 } : null,
          similar: similar.map(summaryView),
        };
      }),
  );
};
