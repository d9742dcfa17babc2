// The runbook re-index job: start it (the workflow `runbook-index/<account>`), follow its status and progress.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { WorkflowNotFoundError } from '@temporalio/client';
import { appendAudit } from '../../db/audit.ts';
import { countRunbooks } from '../../db/runbook-chunks.ts';
import { withAccount } from '../../db/tenancy.ts';
import { reindexProgressQuery, reindexRunbooksWorkflow, reindexRunbooksWorkflowId, type ReindexProgress } from '../../workflows/index.ts';
import type { AppDeps } from '../deps.ts';
import { auditActor } from '../plugins/authentication.ts';
import { commonErrors, ErrorResponse } from '../schemas/common.ts';
import { ReindexStarted, ReindexStatus } from '../schemas/runbooks-reindex.ts';
import { startAccountWorkflow, TEMPORAL_DEADLINE_MS, temporalFailure } from '../workflow-starts.ts';

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

export const runbooksReindexRoutes: FastifyPluginAsyncTypebox<{ deps: AppDeps }> = async (app, { deps }) => {
  const { sql, temporal } = deps;
  const withDeadline = <T>(fn: () => Promise<T>) => temporal.connection.withDeadline(Date.now() + TEMPORAL_DEADLINE_MS, fn);

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
      const { started } = await startAccountWorkflow(deps, reindexRunbooksWorkflow, { workflowId, accountId, kind: 'runbook-index', args: [{ accountId }] });
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
