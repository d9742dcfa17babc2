// New and returning patterns in a range (the dashboard widget): the incidents labelled new, back, rare, known or
// pending under the incident filter, and per pattern its latest new or returning incident. The labels themselves are
// computed on arrival (db/incident-novelty.ts); the incident list filters by them (`novelty=`).
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { noveltySummary } from '../../db/incident-novelty.ts';
import { withAccount } from '../../db/tenancy.ts';
import type { AppDeps } from '../deps.ts';
import { AppError } from '../errors.ts';
import { commonErrors, ErrorResponse } from '../schemas/common.ts';
import { toIncidentFilter } from '../schemas/incident-filter.ts';
import { IncidentNoveltyQuery, IncidentNoveltySummary } from '../schemas/incident-novelty.ts';

const errors = { ...commonErrors, 401: ErrorResponse, 403: ErrorResponse };
const DAY_MS = 86_400_000;
const DEFAULT_RANGE_MS = 30 * DAY_MS;

export const incidentNoveltyRoutes: FastifyPluginAsyncTypebox<{ deps: AppDeps }> = async (app, { deps }) => {
  const { sql } = deps;

  app.get(
    '/api/incident-novelty',
    {
      config: { access: 'incidents:read' },
      schema: {
        tags: ['incidents'],
        summary: 'New and returning patterns in a range: incidents per new-pattern label, and the patterns that appeared or came back',
        querystring: IncidentNoveltyQuery,
        response: { 200: IncidentNoveltySummary, ...errors },
      },
    },
    async (request) => {
      const filter = toIncidentFilter(request.query);
      const to = filter.to ?? new Date();
      const from = filter.from ?? new Date(to.getTime() - DEFAULT_RANGE_MS);
      if (from >= to) {
        const field = filter.from ? 'from' : 'to';
        throw new AppError(400, 'invalid_query', `query.${field} leaves an empty range (the other end defaults to ${filter.from ? 'now' : '30 days before'})`, [
          { field, in: 'query', message: `query.${field} must leave a range that is not empty` },
        ]);
      }
      const summary = await withAccount(sql, request.accountId, (tx) => noveltySummary(tx, request.accountId, { ...filter, from, to }, request.query.limit ?? 10));
      return {
        range: { from: from.toISOString(), to: to.toISOString() },
        counts: summary.counts,
        patterns: summary.patterns.map((p) => ({
          pattern: { id: p.clusterId, name: p.name },
          novelty: p.novelty,
          incidentId: p.incidentId,
          at: p.at.toISOString(),
          quietDays: p.previousAt ? Math.floor((p.at.getTime() - p.previousAt.getTime()) / DAY_MS) : null,
          incidents: p.incidents,
        })),
      };
    },
  );
};
