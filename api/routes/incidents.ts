// Unified incidents: newest first, keyset-paginated, filtered by integration, tool, status and words in the title.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { listIncidents, type IncidentListRow } from '../../db/incidents.ts';
import { withAccount } from '../../db/tenancy.ts';
import type { AppDeps } from '../deps.ts';
import { AppError } from '../errors.ts';
import { commonErrors, ErrorResponse } from '../schemas/common.ts';
import { IncidentListQuery, IncidentPage } from '../schemas/integrations.ts';

const encodeCursor = (row: IncidentListRow) => Buffer.from(JSON.stringify([row.createdAt.toISOString(), row.id])).toString('base64url');

function decodeCursor(cursor: string): { createdAt: Date; id: string } {
  try {
    const [createdAt, id] = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as [string, string];
    const at = new Date(createdAt);
    if (Number.isNaN(at.getTime()) || typeof id !== 'string' || !/^[0-9a-f-]{36}$/.test(id)) throw new Error('bad cursor');
    return { createdAt: at, id };
  } catch {
    throw new AppError(400, 'invalid_query', 'The cursor is not one this API gave out', [{ field: 'cursor', in: 'query', message: 'query.cursor is not valid' }]);
  }
}

export const incidentRoutes: FastifyPluginAsyncTypebox<{ deps: AppDeps }> = async (app, { deps }) => {
  app.get(
    '/api/incidents',
    {
      config: { access: 'incidents:read' },
      schema: { tags: ['incidents'], summary: 'Unified incidents, newest first', querystring: IncidentListQuery, response: { 200: IncidentPage, 401: ErrorResponse, 403: ErrorResponse, ...commonErrors } },
    },
    async (request) => {
      const q = request.query;
      const limit = q.limit ?? 50;
      const rows = await withAccount(deps.sql, request.accountId, (tx) =>
        listIncidents(tx, request.accountId, {
          limit,
          ...(q.cursor ? { after: decodeCursor(q.cursor) } : {}),
          ...(q.integrationId ? { integrationId: q.integrationId } : {}),
          ...(q.source ? { source: q.source } : {}),
          ...(q.status ? { status: q.status } : {}),
          ...(q.q ? { search: q.q } : {}),
        }),
      );
      return {
        incidents: rows.map((r) => ({
          ...r,
          createdAt: r.createdAt.toISOString(),
          acknowledgedAt: r.acknowledgedAt?.toISOString() ?? null,
          resolvedAt: r.resolvedAt?.toISOString() ?? null,
        })),
        nextCursor: rows.length === limit ? encodeCursor(rows.at(-1)!) : null,
      };
    },
  );
};
