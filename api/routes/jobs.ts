// Jobs: start the echo job (a workflow whose activity writes to PostgreSQL), list jobs, show one, cancel one.
import { randomUUID } from 'node:crypto';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { WorkflowNotFoundError } from '@temporalio/client';
import { finishJob, getJob, insertJob, listJobs, type JobRow } from '../../db/jobs.ts';
import { mainTaskQueue } from '../../temporal/task-queues.ts';
import { echoWorkflow, echoWorkflowId, type EchoInput } from '../../workflows/index.ts';
import { AccountIdKey, KindKey } from '../../workflows/search-attributes.ts';
import type { AppDeps } from '../deps.ts';
import { AppError, notFound, serviceUnavailable } from '../errors.ts';
import { commonErrors, ErrorResponse } from '../schemas/common.ts';
import { EchoJobBody, Job, JobDetail, JobEnvelope, JobList, JobListQuery, JobParams } from '../schemas/jobs.ts';

const FINAL = new Set(['completed', 'failed', 'cancelled']);
const CLOSED_WITHOUT_BOOKKEEPING: Record<string, 'failed' | 'cancelled'> = {
  TERMINATED: 'failed',
  TIMED_OUT: 'failed',
  FAILED: 'failed',
  CANCELLED: 'cancelled',
};

export function workflowUiUrl(uiUrl: string | undefined, namespace: string, workflowId: string): string | undefined {
  return uiUrl ? `${uiUrl}/namespaces/${encodeURIComponent(namespace)}/workflows/${encodeURIComponent(workflowId)}` : undefined;
}

export const jobRoutes: FastifyPluginAsyncTypebox<{ deps: AppDeps }> = async (app, { deps }) => {
  const { sql, temporal, config } = deps;

  const toJob = (row: JobRow): Job => {
    const temporalUiUrl = workflowUiUrl(config.temporal.uiUrl, temporal.namespace, row.workflowId);
    return {
      id: row.id,
      kind: row.kind,
      status: row.status,
      workflowId: row.workflowId,
      input: row.input,
      result: row.result,
      error: row.error,
      progress: { done: row.progressDone, total: row.progressTotal },
      attempts: row.attempts,
      createdAt: row.createdAt.toISOString(),
      updatedAt: row.updatedAt.toISOString(),
      completedAt: row.completedAt ? row.completedAt.toISOString() : null,
      ...(temporalUiUrl ? { temporalUiUrl } : {}),
    };
  };

  /**
   * A workflow that closed without its own bookkeeping (terminated by an operator, timed out) leaves its job row
   * non-final; Temporal's word is final then, so the row follows it.
   */
  const reconcile = async (row: JobRow, workflowStatus: string): Promise<JobRow> => {
    if (FINAL.has(row.status)) return row;
    const status = CLOSED_WITHOUT_BOOKKEEPING[workflowStatus];
    if (!status) return row;
    await finishJob(sql, row.id, { status, error: `the workflow was ${workflowStatus.toLowerCase().replace('_', ' ')} in Temporal` });
    return (await getJob(sql, row.accountId, row.id)) ?? row;
  };

  app.post(
    '/api/jobs/echo',
    {
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
      const row = await insertJob(sql, {
        id,
        accountId,
        kind: 'echo',
        workflowId,
        input: { message: input.message, steps: input.steps, stepMs: input.stepMs },
      });
      try {
        await temporal.client.workflow.start(echoWorkflow, {
          workflowId,
          taskQueue: mainTaskQueue(config),
          args: [input],
          typedSearchAttributes: [
            { key: AccountIdKey, value: accountId },
            { key: KindKey, value: 'echo' },
          ],
        });
      } catch (err) {
        await finishJob(sql, id, { status: 'failed', error: 'could not start the workflow: Temporal is unavailable' });
        throw serviceUnavailable('temporal', err);
      }
      request.log.info({ jobId: id, workflowId }, 'echo job started');
      return reply.status(202).header('location', `/api/jobs/${id}`).send({ job: toJob(row) });
    },
  );

  app.get(
    '/api/jobs',
    {
      schema: {
        tags: ['jobs'],
        summary: 'List jobs, newest first',
        querystring: JobListQuery,
        response: { 200: JobList, ...commonErrors },
      },
    },
    async (request) => {
      const rows = await listJobs(sql, request.accountId, {
        ...(request.query.kind ? { kind: request.query.kind } : {}),
        limit: request.query.limit ?? 20,
      });
      return { jobs: rows.map(toJob) };
    },
  );

  app.get(
    '/api/jobs/:id',
    {
      schema: {
        tags: ['jobs'],
        summary: 'A job with its workflow’s status in Temporal',
        params: JobParams,
        response: { 200: JobDetail, 404: ErrorResponse, ...commonErrors },
      },
    },
    async (request) => {
      let row = await getJob(sql, request.accountId, request.params.id);
      if (!row) throw notFound('job', request.params.id);
      let workflow: { status: string; runId: string; historyLength: number } | null = null;
      try {
        const description = await temporal.client.workflow.getHandle(row.workflowId).describe();
        workflow = { status: description.status.name, runId: description.runId, historyLength: description.historyLength };
        row = await reconcile(row, description.status.name);
      } catch (err) {
        // The job's row is the source of truth for the UI; Temporal's view is extra detail when it answers.
        if (!(err instanceof WorkflowNotFoundError)) request.log.warn({ err, jobId: row.id }, 'could not describe the job’s workflow');
      }
      return { job: toJob(row), workflow };
    },
  );

  app.post(
    '/api/jobs/:id/cancel',
    {
      schema: {
        tags: ['jobs'],
        summary: 'Ask a running job to stop',
        description: 'Requests cancellation of the workflow; the job turns `cancelled` once its activity notices.',
        params: JobParams,
        response: { 202: JobEnvelope, 404: ErrorResponse, 409: ErrorResponse, ...commonErrors, 503: ErrorResponse },
      },
    },
    async (request, reply) => {
      let row = await getJob(sql, request.accountId, request.params.id);
      if (!row) throw notFound('job', request.params.id);
      if (FINAL.has(row.status)) throw new AppError(409, 'job_finished', `job ${row.id} is already ${row.status}`);
      const handle = temporal.client.workflow.getHandle(row.workflowId);
      try {
        // Temporal accepts a cancel request for a closed workflow too, so look first.
        const { status } = await handle.describe();
        if (status.name !== 'RUNNING') {
          row = await reconcile(row, status.name);
          throw new AppError(409, 'job_finished', `job ${row.id} is already ${row.status} (workflow ${status.name.toLowerCase()})`);
        }
        await handle.cancel();
      } catch (err) {
        if (err instanceof AppError) throw err;
        if (err instanceof WorkflowNotFoundError) throw new AppError(409, 'job_finished', `job ${row.id} has no running workflow`);
        throw serviceUnavailable('temporal', err);
      }
      return reply.status(202).send({ job: toJob(row) });
    },
  );
};
