// What was sent to a language model on the account's behalf (already redacted), newest first.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { listLlmRequests } from '../../db/runbook-drafts.ts';
import { withAccount } from '../../db/tenancy.ts';
import type { AppDeps } from '../deps.ts';
import { commonErrors, ErrorResponse } from '../schemas/common.ts';
import { LlmRequestList, LlmRequestQuery } from '../schemas/llm-requests.ts';

const errors = { ...commonErrors, 401: ErrorResponse, 403: ErrorResponse };

export const llmRequestRoutes: FastifyPluginAsyncTypebox<{ deps: AppDeps }> = async (app, { deps }) => {
  const { sql } = deps;

  app.get(
    '/api/llm-requests',
    {
      config: { access: 'llm:manage' },
      schema: {
        tags: ['runbooks'],
        summary: 'What was sent to a model (already redacted), newest first',
        querystring: LlmRequestQuery,
        response: { 200: LlmRequestList, ...errors },
      },
    },
    async (request) => {
      const q = request.query;
      const requests = await withAccount(sql, request.accountId, (tx) => listLlmRequests(tx, request.accountId, { limit: q.limit ?? 25, draftId: q.draftId, before: q.before }));
      return { requests };
    },
  );
};
