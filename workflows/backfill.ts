// Backfill: an integration's history, page by page, into raw events; progress is a query (and the job row), a
// crashed worker's activity resumes from its last heartbeat, a cancel stops it, a refused token stops it with the
// error shown on the integration. The unification is nudged as pages land, so incidents appear while it runs; when the
// backfill ends it is told the import finished, and reclusters once the last page is unified (an account's first
// recluster waits for that).
import { ApplicationFailure } from '@temporalio/common';
import { CancellationScope, continueAsNew, defineQuery, isCancellation, patched, proxyActivities, setHandler, workflowInfo } from '@temporalio/workflow';
import type { Activities } from './activity-contract.ts';
import { databaseActivity, FailureType, longRunningActivity } from './retry.ts';
import { nudgeUnify } from './unify.ts';

export interface BackfillInput {
  accountId: string;
  integrationId: string;
  jobId: string;
  since: string;
  until: string;
  /** Set by continue-as-new: where the previous run stopped. */
  cursor?: unknown;
  fetched?: number;
  stored?: number;
  filtered?: number;
}

export interface BackfillProgress {
  phase: 'starting' | 'fetching' | 'completed' | 'failed' | 'cancelled';
  fetched: number;
  stored: number;
  filtered: number;
  /** 0..1 of the history window. */
  progress: number;
  estimatedTotal?: number;
  window?: { start: string; end: string };
  error?: string;
}

export type BackfillResult = BackfillProgress;

export const backfillProgressQuery = defineQuery<BackfillProgress>('progress');
export const backfillWorkflowId = (accountId: string, integrationId: string) => `backfill/${accountId}/${integrationId}`;

/** Pages per activity call, and its time budget: progress moves at least this often. */
const PAGES_PER_CALL = 5;
const MS_PER_CALL = 20_000;

const db = proxyActivities<Activities>(databaseActivity);
// The activity heartbeats every 2 s whatever a page costs; a worker silent for 10 s is taken as dead.
const fetching = proxyActivities<Activities>({ ...longRunningActivity, heartbeatTimeout: '10 seconds' });

export async function backfillWorkflow(input: BackfillInput): Promise<BackfillResult> {
  const { accountId, integrationId, jobId } = input;
  const state: BackfillProgress = { phase: 'starting', fetched: input.fetched ?? 0, stored: input.stored ?? 0, filtered: input.filtered ?? 0, progress: 0 };
  setHandler(backfillProgressQuery, () => state);
  let cursor = input.cursor;
  try {
    if (input.cursor === undefined) await db.markJobRunning({ accountId, jobId });
    state.phase = 'fetching';
    for (;;) {
      const page = await fetching.backfillPages({
        accountId,
        integrationId,
        jobId,
        since: input.since,
        until: input.until,
        ...(cursor === undefined ? {} : { cursor }),
        fetchedBefore: state.fetched,
        maxPages: PAGES_PER_CALL,
        maxMs: MS_PER_CALL,
      });
      cursor = page.cursor;
      state.fetched = page.fetched;
      state.stored += page.stored;
      state.filtered += page.filtered;
      state.progress = page.progress;
      if (page.estimatedTotal !== undefined) state.estimatedTotal = page.estimatedTotal;
      if (page.window) state.window = page.window;
      else delete state.window;
      if (page.stored > 0) await nudgeUnify(accountId);
      if (page.done) break;
      if (workflowInfo().continueAsNewSuggested || workflowInfo().historyLength > 2_000) {
        await continueAsNew<typeof backfillWorkflow>({ ...input, cursor, fetched: state.fetched, stored: state.stored, filtered: state.filtered });
      }
    }
    state.phase = 'completed';
    state.progress = 1;
    const result = { ...state };
    await CancellationScope.nonCancellable(() => db.finishJob({ accountId, jobId, status: 'completed', result: { ...result } }));
    // After the job is final (the batches stop holding the first recluster back). Histories from before have no such step.
    if (patched(BACKFILL_END_RECLUSTERS)) await nudgeUnify(accountId, { importFinished: true });
    return result;
  } catch (err) {
    const cancelled = isCancellation(err);
    state.phase = cancelled ? 'cancelled' : 'failed';
    state.error = cancelled ? 'cancelled on request' : failureMessage(err);
    await CancellationScope.nonCancellable(async () => {
      // Credentials the tool refuses need a person: the integration shows why and stops syncing until they act.
      if (failureType(err) === FailureType.auth) await db.markIntegrationError({ accountId, integrationId, error: state.error! });
      await db.finishJob({ accountId, jobId, status: cancelled ? 'cancelled' : 'failed', error: state.error });
      // What it stored before stopping is clustered as a finished import's would be.
      if (state.stored > 0 && patched(BACKFILL_END_RECLUSTERS)) await nudgeUnify(accountId, { importFinished: true });
    });
    throw err;
  }
}

const BACKFILL_END_RECLUSTERS = 'backfill-end-reclusters';

function failureType(err: unknown): string | undefined {
  const cause = (err as { cause?: unknown }).cause;
  return cause instanceof ApplicationFailure ? cause.type ?? undefined : err instanceof ApplicationFailure ? err.type ?? undefined : undefined;
}

function failureMessage(err: unknown): string {
  const cause = (err as { cause?: unknown }).cause;
  if (cause instanceof Error && cause.message) return cause.message;
  return err instanceof Error ? err.message : String(err);
}
