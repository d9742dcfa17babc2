// One search box over runbooks and past incidents.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { runbookRatingBoosts } from '../../db/runbook-drafts.ts';
import { withAccount } from '../../db/tenancy.ts';
import { embedderForAccount, runbookIndexFor } from '../../search/index.ts';
import { searchIncidents, searchRunbooks } from '../../search/runbook-search.ts';
import type { AppDeps } from '../deps.ts';
import { AppError } from '../errors.ts';
import { commonErrors, ErrorResponse } from '../schemas/common.ts';
import { SearchQuery, SearchResult } from '../schemas/search.ts';

const errors = { ...commonErrors, 401: ErrorResponse, 403: ErrorResponse, 503: ErrorResponse };

export const searchRoutes: FastifyPluginAsyncTypebox<{ deps: AppDeps }> = async (app, { deps }) => {
  const { sql, config } = deps;

  app.get(
    '/api/search',
    {
      // incidents:read is held by exactly the same roles (docs/permissions.md); one declared permission per route.
      config: { access: 'runbooks:read' },
      schema: {
        tags: ['search'],
        summary: 'Search runbooks (by meaning and by words) and past incidents with one text; each hit says why it was found',
        querystring: SearchQuery,
        response: { 200: SearchResult, ...errors },
      },
    },
    async (request) => {
      const { q, limit = 10 } = request.query;
      const text = q.trim();
      if (text === '') {
        throw new AppError(400, 'invalid_query', 'query.q must contain something to search for', [{ field: 'q', in: 'query', message: 'query.q is empty' }]);
      }
      const kinds = new Set((request.query.kinds ?? 'runbooks,incidents').split(','));
      const accountId = request.accountId;
      const index = await runbookIndexFor(config, sql);
      const embedder = await embedderForAccount(config, sql, accountId);
      // Ratings feed ranking: a runbook people voted up (directly, or as the draft it was saved from) ranks higher.
      const boosts = await withAccount(sql, accountId, (tx) => runbookRatingBoosts(tx, accountId));
      const runbooks = kinds.has('runbooks') ? await searchRunbooks({ sql, index, embedder }, undefined, accountId, text, { topK: limit, boosts }) : [];
      const incidents = kinds.has('incidents') ? await searchIncidents({ sql }, undefined, accountId, text, { limit }) : [];
      return {
        runbooks: runbooks.map((h) => ({
          id: h.runbookId,
          title: h.title,
          version: h.version,
          score: h.score,
          boost: h.boost,
          why: h.chunks[0] ? { kind: 'chunk' as const, text: h.chunks[0].text } : { kind: 'title' as const, text: h.title },
          chunks: h.chunks.map((c) => ({ id: c.id, text: c.text, score: c.score, version: c.version })),
        })),
        incidents: incidents.map((i) => ({ ...i, why: { kind: 'title' as const, text: i.title } })),
        index: index.kind,
        embeddingModel: embedder.model,
      };
    },
  );
};
