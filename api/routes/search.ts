// One search box over runbooks and past incidents, and the runbook re-index job (start it, follow its progress).
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { WorkflowExecutionAlreadyStartedError, WorkflowNotFoundError } from '@temporalio/client';
import { appendAudit } from '../../db/audit.ts';
import { countRunbooks } from '../../db/runbook-chunks.ts';
import { runbookRatingBoosts } from '../../db/runbook-drafts.ts';
import { withAccount } from '../../db/tenancy.ts';
import { embedderForAccount, runbookIndexFor } from '../../search/index.ts';
import { searchIncidents, searchRunbooks } from '../../search/runbook-search.ts';
import { mainTaskQueue } from '../../temporal/task-queues.ts';
import { reindexProgressQuery, reindexRunbooksWorkflow, reindexRunbooksWorkflowId, type ReindexProgress } from '../../workflows/index.ts';
import { AccountIdKey, KindKey } from '../../workflows/search-attributes.ts';
import type { AppDeps } from '../deps.ts';
import { AppError } from '../errors.ts';
import { auditActor } from '../plugins/authentication.ts';
import { commonErrors, ErrorResponse } from '../schemas/common.ts';
import { ReindexStarted, ReindexStatus, SearchQuery, SearchResult } from '../schemas/search.ts';
import { TEMPORAL_DEADLINE_MS, temporalFailure } from './jobs.ts';

const errors = { ...commonErrors, 401: ErrorResponse, 403: ErrorResponse, 503: ErrorResponse };

const STATUS: Record<string, 'running' | 'completed' | 'failed' | 'cancelled' | 'terminated' | 'timed_out'> = {
  RUNNING: 'running',
  CONTINUED_AS_NEW: 'running',
  COMPLETED: 'completed',
  FAILED: 'failed',
  CANCELLED: 'cancelled',
  TERMINATED: 'terminated',
  TIMED_OUT: 'timed_out',
};

export const searchRoutes: FastifyPluginAsyncTypebox<{ deps: AppDeps }> = async (app, { deps }) => {
  const { sql, temporal, config } = deps;
  const withDeadline = <T>(fn: () => Promise<T>) => temporal.connection.withDeadline(Date.now() + TEMPORAL_DEADLINE_MS, fn);

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

  app.post(
    '/api/runbooks/reindex',
    {
      config: { access: 'runbooks:write' },
      schema: {
        tags: ['runbooks'],
        summary: 'Rebuild the account’s runbook index (after a model or settings change, or to catch up runbooks left behind)',
        description: 'Starts the workflow `runbook-index/<account>`; while one runs, answers with that one (`started: false`).',
        response: { 202: ReindexStarted, ...errors },
      },
    },
    async (request, reply) => {
      const accountId = request.accountId;
      const workflowId = reindexRunbooksWorkflowId(accountId);
      let started = true;
      try {
        await withDeadline(() =>
          temporal.client.workflow.start(reindexRunbooksWorkflow, {
            workflowId,
            taskQueue: mainTaskQueue(config),
            args: [{ accountId }],
            typedSearchAttributes: [
              { key: AccountIdKey, value: accountId },
              { key: KindKey, value: 'runbook-index' },
            ],
          }),
        );
      } catch (err) {
        if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw temporalFailure(err);
        started = false;
      }
      if (started) {
        await withAccount(sql, accountId, (tx) =>
          appendAudit(tx, accountId, { action: 'runbook.reindex_started', actor: auditActor(request), target: { type: 'workflow', id: workflowId }, details: {} }),
        );
      }
      return reply.status(202).send({ workflowId, started });
    },
  );

  app.get(
    '/api/runbooks/reindex',
    {
      config: { access: 'runbooks:read' },
      schema: { tags: ['runbooks'], summary: 'The latest re-index: its status and progress, and how many runbooks the index is behind on now', response: { 200: ReindexStatus, ...errors } },
    },
    async (request) => {
      const accountId = request.accountId;
      const workflowId = reindexRunbooksWorkflowId(accountId);
      const counts = await withAccount(sql, accountId, (tx) => countRunbooks(tx, accountId));
      const none = { workflowId, status: 'none' as const, phase: null, total: counts.total, indexed: counts.total - counts.behind, failed: 0, behind: counts.behind };
      try {
        const handle = temporal.client.workflow.getHandle(workflowId);
        const description = await withDeadline(() => handle.describe());
        const status = STATUS[description.status.name] ?? 'failed';
        let progress: ReindexProgress | undefined;
        if (status === 'running') {
          // A query needs a worker to answer; with none polling (down, or not yet started) the status still answers.
          progress = await withDeadline(() => handle.query(reindexProgressQuery)).catch(() => undefined);
        }
        else if (status === 'completed') progress = { phase: 'completed', ...(await withDeadline(() => handle.result())) };
        return { workflowId, status, phase: progress?.phase ?? null, total: progress?.total ?? counts.total, indexed: progress?.indexed ?? 0, failed: progress?.failed ?? 0, behind: counts.behind };
      } catch (err) {
        if (err instanceof WorkflowNotFoundError) return none;
        throw temporalFailure(err);
      }
    },
  );
};
