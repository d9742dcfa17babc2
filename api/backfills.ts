// The history import of an integration (its backfill workflow, one at a time per integration): the window it
// covers, starting it with its job row, asking it to stop.
import { randomUUID } from 'node:crypto';
import { finishJob, insertJob, type JobRow } from '../db/jobs.ts';
import { withAccount } from '../db/tenancy.ts';
import { backfillWorkflow, backfillWorkflowId } from '../workflows/index.ts';
import type { AppDeps } from './deps.ts';
import { AppError } from './errors.ts';
import type { IntegrationSettings } from './schemas/integrations.ts';
import { startAccountWorkflow, startFailureMessage } from './workflow-starts.ts';

const DEFAULT_HISTORY_DAYS = 90;

export function historyRange(settings: IntegrationSettings | undefined, override?: { since?: string | undefined; until?: string | undefined }) {
  const until = override?.until ?? settings?.history?.until ?? new Date().toISOString();
  const since = override?.since ?? settings?.history?.since ?? new Date(Date.parse(until) - (settings?.history?.days ?? DEFAULT_HISTORY_DAYS) * 86_400_000).toISOString();
  if (Date.parse(since) >= Date.parse(until)) {
    throw new AppError(400, 'invalid_body', 'The history window is empty: `since` must be before `until`', [{ field: 'since', in: 'body', message: 'body.since is not before until' }]);
  }
  return { since, until };
}

/** Asks a running import to stop; its workflow records the cancellation on its job. No import running: nothing. */
export async function cancelBackfill(temporal: AppDeps['temporal'], accountId: string, integrationId: string): Promise<void> {
  await temporal.client.workflow
    .getHandle(backfillWorkflowId(accountId, integrationId))
    .cancel()
    .catch(() => undefined);
}

/** A job row, then the backfill workflow; one backfill per integration at a time. */
export async function startBackfill(deps: Pick<AppDeps, 'sql' | 'temporal' | 'config'>, accountId: string, integrationId: string, range: { since: string; until: string }): Promise<JobRow> {
  const { sql } = deps;
  const jobId = randomUUID();
  const workflowId = backfillWorkflowId(accountId, integrationId);
  const row = await withAccount(sql, accountId, (tx) =>
    insertJob(tx, { id: jobId, accountId, kind: 'backfill', workflowId, input: { integrationId, ...range } }).catch((err: unknown) => {
      if ((err as { code?: string }).code === '23505') throw new AppError(409, 'backfill_running', 'This integration is importing its history already; wait for it or cancel it');
      throw err;
    }),
  );
  let started: boolean;
  try {
    ({ started } = await startAccountWorkflow(deps, backfillWorkflow, { workflowId, accountId, integrationId, kind: 'backfill', args: [{ accountId, integrationId, jobId, ...range }] }));
  } catch (failure) {
    await withAccount(sql, accountId, (tx) => finishJob(tx, accountId, jobId, { status: 'failed', error: `could not start the workflow: ${startFailureMessage(failure)}` }));
    throw failure;
  }
  if (!started) {
    await withAccount(sql, accountId, (tx) => finishJob(tx, accountId, jobId, { status: 'failed', error: 'another backfill of this integration is running' }));
    throw new AppError(409, 'backfill_running', 'This integration is importing its history already');
  }
  return row;
}
