// In-product feedback: any member rates the page they are on (with words and context if they like); owners and
// admins read what was sent.
import { randomUUID } from 'node:crypto';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { insertFeedback, listFeedback } from '../../db/feedback.ts';
import { withAccount } from '../../db/tenancy.ts';
import type { AppDeps } from '../deps.ts';
import { AppError } from '../errors.ts';
import { commonErrors, ErrorResponse } from '../schemas/common.ts';
import { CreatedFeedback, CreateFeedbackBody, FeedbackPage, FeedbackQuery, MAX_CONTEXT_BYTES } from '../schemas/feedback.ts';

const errors = { ...commonErrors, 401: ErrorResponse, 403: ErrorResponse };

export const feedbackRoutes: FastifyPluginAsyncTypebox<{ deps: AppDeps }> = async (app, { deps }) => {
  const { sql } = deps;

  app.post(
    '/api/feedback',
    {
      config: { access: 'feedback:create' },
      schema: { tags: ['feedback'], summary: 'Send feedback about a page: a rating from 1 to 5, optional text and context', body: CreateFeedbackBody, response: { 201: CreatedFeedback, ...errors } },
    },
    async (request, reply) => {
      const { rating, text, page, context } = request.body;
      if (context && Buffer.byteLength(JSON.stringify(context)) > MAX_CONTEXT_BYTES) {
        const message = `body.context is larger than ${MAX_CONTEXT_BYTES / 1024} KB as JSON`;
        throw new AppError(400, 'invalid_body', message, [{ field: 'context', in: 'body', message }]);
      }
      const id = randomUUID();
      await withAccount(sql, request.accountId, (tx) =>
        insertFeedback(tx, { id, accountId: request.accountId, userId: request.caller!.userId, rating, text: text?.trim() || null, page, context: context ?? null }),
      );
      return reply.status(201).send({ id });
    },
  );

  app.get(
    '/api/feedback',
    {
      config: { access: 'feedback:read' },
      schema: { tags: ['feedback'], summary: 'The feedback members sent, newest first', querystring: FeedbackQuery, response: { 200: FeedbackPage, ...errors } },
    },
    async (request) => {
      const limit = request.query.limit ?? 50;
      const rows = await withAccount(sql, request.accountId, (tx) => listFeedback(tx, request.accountId, { limit, ...(request.query.before ? { before: request.query.before } : {}) }));
      return {
        feedback: rows.map((f) => ({
          id: f.id,
          rating: f.rating,
          text: f.text,
          page: f.page,
          context: f.context,
          user: { id: f.userId, email: f.userEmail },
          createdAt: f.createdAt.toISOString(),
        })),
        nextBefore: rows.length === limit ? rows.at(-1)!.id : null,
      };
    },
  );
};
