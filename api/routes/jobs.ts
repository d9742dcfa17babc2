// Jobs: start the echo job (a workflow whose activity writes to PostgreSQL), list jobs, show one, cancel one.
import { randomUUID } from 'node:crypto';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { WorkflowNotFoundError, type WorkflowExecutionDescription } from '@temporalio/client';
import { finishJob, getJob, insertJob, listJobs, type JobRow } from '../../db/jobs.ts';
import { withAccount } from '../../db/tenancy.ts';
import { echoWorkflow, echoWorkflowId, type EchoInput } from '../../workflows/index.ts';
import type { AppDeps } from '../deps.ts';
import { AppError, notFound, serviceUnavailable } from '../errors.ts';
import { commonErrors, ErrorResponse } from '../schemas/common.ts';
import { EchoJobBody, Job, JobDetail, JobEnvelope, JobList, JobListQuery, JobParams } from '../schemas/jobs.ts';
import { jobView } from '../views.ts';
import { startAccountWorkflow, TEMPORAL_DEADLINE_MS, temporalFailure } from '../workflow-starts.ts';

const FINAL = new Set(['completed', 'failed', 'cancelled']);
const CLOSED_WITHOUT_BOOKKEEPING: Record<string, 'failed' | 'cancelled'> = {
  TERMINATED: 'failed',
  TIMED_OUT: 'failed',
  FAILED: 'failed',
  CANCELLED: 'cancelled',
};
/** A queued job whose workflow Temporal has never heard of after this long will never start. */
const NEVER_STARTED_AFTER_MS = 60_000;

export const jobRoutes: FastifyPluginAsyncTypebox<{ deps: AppDeps }> = async (app, { deps }) => {
  const { sql, temporal, config } = deps;
  const withDeadline = <T>(fn: () => Promise<T>) => temporal.connection.withDeadline(Date.now() + TEMPORAL_DEADLINE_MS, fn);

  const toJob = (row: JobRow): Job => jobView(row, config, temporal.namespace);

  const settle = async (row: JobRow, outcome: { status: 'failed' | 'cancelled'; error: string }): Promise<JobRow> => {
    return withAccount(sql, row.accountId, async (tx) => {
      await finishJob(tx, row.accountId, row.id, outcome);
      return (await getJob(tx, row.accountId, row.id)) ?? row;
    });
  };

  /**
   * The job as Temporal sees it. A workflow that closed without its own bookkeeping (terminated by an operator,
   * timed out) or never started (the API died between the row and the start) leaves its row non-final; Temporal's
   * word is final then, so the row follows it. When Temporal does not answer, the row is shown as it is.
   */
  const inspect = async (row: JobRow): Promise<{ row: JobRow; workflow: WorkflowExecutionDescription | null }> => {
    let workflow: WorkflowExecutionDescription;
    try {
      workflow = await withDeadline(() => temporal.client.workflow.getHandle(row.workflowId).describe());
    } catch (err) {
      if (!(err instanceof WorkflowNotFoundError)) {
        app.log.warn({ err, jobId: row.id }, 'could not describe the job’s workflow');
        return { row, workflow: null };
      }
      const stale = !FINAL.has(row.status) && Date.now() - row.createdAt.getTime() > NEVER_STARTED_AFTER_MS;
      return { row: stale ? await settle(row, { status: 'failed', error: 'the workflow never started' }) : row, workflow: null };
    }
    const status = CLOSED_WITHOUT_BOOKKEEPING[workflow.status.name];
    if (FINAL.has(row.status) || !status) return { row, workflow };
    const error = `the workflow was ${workflow.status.name.toLowerCase().replace('_', ' ')} in Temporal`;
    return { row: await settle(row, { status, error }), workflow };
  };

  /** After a failed start: did the workflow start anyway (only the answer was lost)? undefined: cannot tell. */
  const workflowExists = async (workflowId: string): Promise<boolean | undefined> => {
    try {
      await withDeadline(() => temporal.client.workflow.getHandle(workflowId).describe());
      return true;
    } catch (err) {
      return err instanceof WorkflowNotFoundError ? false : undefined;
    }
  };

  app.post(
    '/api/jobs/echo',
    {
      config: { access: 'jobs:run' },
      schema: {
        tags: ['jobs'],
        summary: 'Start an echo job',
        description: 'Starts the `echoWorkflow`; its activity works through `steps` heartbeated steps, then writes the message to PostgreSQL exactly once.',
        body: EchoJobBody,
        response: { 202: JobEnvelope, ...commonErrors, 503: ErrorResponse },
      },
    },
    async (request, reply) => {
      const id = randomUUID();
      const accountId = request.accountId;
      const workflowId = echoWorkflowId(accountId, id);
      const input: EchoInput = {
        accountId,
        jobId: id,
        message: request.body.message,
        steps: request.body.steps ?? 5,
        stepMs: request.body.stepMs ?? 400,
      };
      // The row exists before the workflow, so the workflow's activities always find it.
      const row = await withAccount(sql, accountId, (tx) =>
        insertJob(tx, {
          id,
          accountId,
          kind: 'echo',
          workflowId,
          input: { message: input.message, steps: input.steps, stepMs: input.stepMs },
        }),
      );
      try {
        // A new id: no workflow runs with it already.
        await startAccountWorkflow(deps, echoWorkflow, { workflowId, accountId, kind: 'echo', args: [input] });
      } catch (failure) {
        const started = await workflowExists(workflowId);
        if (started !== true) {
          // Not started (or cannot tell: then the job page settles it once Temporal answers again).
          if (started === false) {
            await withAccount(sql, accountId, (tx) => finishJob(tx, accountId, id, { status: 'failed', error: `could not start the workflow: ${(failure as Error).message}` }));
          }
          throw failure;
        }
        request.log.warn({ err: failure, jobId: id }, 'the start answer was lost, but the workflow runs');
      }
      request.log.info({ jobId: id, workflowId }, 'echo job started');
      return reply.status(202).header('location', `/api/jobs/${id}`).send({ job: toJob(row) });
    },
  );

  app.get(
    '/api/jobs',
    {
      config: { access: 'jobs:read' },
      schema: {
        tags: ['jobs'],
        summary: 'List jobs, newest first',
        querystring: JobListQuery,
        response: { 200: JobList, ...commonErrors },
      },
    },
    async (request) => {
      const rows = await withAccount(sql, request.accountId, (tx) =>
        listJobs(tx, request.accountId, {
          ...(request.query.kind ? { kind: request.query.kind } : {}),
          limit: request.query.limit ?? 20,
        }),
      );
      // Unfinished jobs are few; checking them against Temporal keeps a terminated job from showing as running.
      const settled = await Promise.all(rows.map(async (row) => (FINAL.has(row.status) ? row : (await inspect(row)).row)));
      return { jobs: settled.map(toJob) };
    },
  );

  app.get(
    '/api/jobs/:id',
    {
      config: { access: 'jobs:read' },
      schema: {
        tags: ['jobs'],
        summary: 'A job with its workflow’s status in Temporal',
        params: JobParams,
        response: { 200: JobDetail, 404: ErrorResponse, ...commonErrors },
      },
    },
    async (request) => {
      const found = await withAccount(sql, request.accountId, (tx) => getJob(tx, request.accountId, request.params.id));
      if (!found) throw notFound('job', request.params.id);
      const { row, workflow } = await inspect(found);
      return {
        job: toJob(row),
        workflow: workflow ? { status: workflow.status.name, runId: workflow.runId, historyLength: workflow.historyLength } : null,
      };
    },
  );

  app.post(
    '/api/jobs/:id/cancel',
    {
      config: { access: 'jobs:cancel' },
      schema: {
        tags: ['jobs'],
        summary: 'Ask a running job to stop',
        description: 'Requests cancellation of the workflow. The running step stops within a second and the job turns `cancelled`; nothing is written after that. A job that already ended answers 409.',
        params: JobParams,
        response: { 202: JobEnvelope, 404: ErrorResponse, 409: ErrorResponse, ...commonErrors, 503: ErrorResponse },
      },
    },
    async (request, reply) => {
      const found = await withAccount(sql, request.accountId, (tx) => getJob(tx, request.accountId, request.params.id));
      if (!found) throw notFound('job', request.params.id);
      // A history import belongs to its integration, which only owners and admins manage: it is stopped there.
      if (found.kind === 'backfill') {
        throw new AppError(409, 'cancel_from_integration', 'A history import is stopped from its integration (POST /api/integrations/<id>/backfill/cancel)');
      }
      if (FINAL.has(found.status)) throw new AppError(409, 'job_finished', `job ${found.id} is already ${found.status}`);
      // Temporal accepts a cancel request for a closed workflow too, so look first.
      const { row, workflow } = await inspect(found);
      if (FINAL.has(row.status)) throw new AppError(409, 'job_finished', `job ${row.id} is already ${row.status}`);
      if (!workflow) throw serviceUnavailable('temporal', new Error(`no workflow ${row.workflowId} to cancel yet`));
      try {
        await withDeadline(() => temporal.client.workflow.getHandle(row.workflowId).cancel());
      } catch (err) {
        throw temporalFailure(err);
      }
      return reply.status(202).send({ job: toJob(row) });
    },
  );
};
