// Unification: an account's raw events → unified incidents, in batches until the queue is empty. Runs on the
// account's Schedule (`unify/<account>`, every 15 minutes) and on demand: intake and backfills signal-with-start the
// workflow `unify/<account>/now`, whose `more` signal makes a running unification go round once more. An import that
// has finished (a backfill, a CSV upload) sends `import-finished` instead: once its events are unified, a recluster
// starts.
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import {
  ParentClosePolicy,
  WorkflowIdReusePolicy,
  continueAsNew,
  defineQuery,
  defineSignal,
  getExternalWorkflowHandle,
  patched,
  proxyActivities,
  setHandler,
  startChild,
  workflowInfo,
} from '@temporalio/workflow';
import type { Activities } from './activity-contract.ts';
import { AccountIdKey, KindKey } from './search-attributes.ts';
import { reclusterNowWorkflowId, reclusterWorkflow } from './recluster.ts';
import { databaseActivity } from './retry.ts';
import { startRuleRuns } from './automation-triggers.ts';

export interface UnifyInput {
  accountId: string;
  /** An import finished (its last events are queued): recluster once the queue is empty. */
  importFinished?: boolean;
}

export interface UnifyResult {
  processed: number;
  incidents: number;
  orphans: number;
  batches: number;
  assigned?: number;
  /** Days of the dashboard's rollups recomputed after the batches. */
  rollupDays?: number;
  /** A recluster was started because of drift (or because the account had none yet). */
  reclusterStarted?: boolean;
  /** Runs started for event rules' firings (automation triggers). */
  ruleRunsStarted?: number;
}

/** New raw events arrived: look at the queue again before finishing. */
export const unifyMoreSignal = defineSignal('more');
/** An import finished: look at the queue again, and recluster once it is empty. */
export const unifyImportFinishedSignal = defineSignal('import-finished');
export const unifyProgressQuery = defineQuery<UnifyResult>('progress');

export const unifyScheduleId = (accountId: string) => `unify/${accountId}`;
export const unifyNowWorkflowId = (accountId: string) => `unify/${accountId}/now`;

/**
 * Raw events per transaction: large enough for set-based SQL to pay off (and for an incident's trigger and resolve to
 * meet in one batch and be written once: 21,000 raw events/s against 19,300 at 2,000, bench/unify.ts), small enough
 * to keep locks short (about a quarter of a second).
 */
export const UNIFY_BATCH = 5000;

// The batch heartbeats every 2 s while its transaction runs: a worker that dies mid-batch is noticed in 10 s, not
// 2 minutes (meanwhile the account's unification waits: the lock and the queue are per account). It was 30 s while a
// recluster on the same worker held the event loop for its clustering (about 10 s at 1M incidents); the clustering now
// runs in a worker thread (activities/worker-thread.ts) and the loop stays free (measured: docs/clustering.md).
const UNIFY_HEARTBEAT_TIMEOUT = '10 seconds';
const { unifyBatch } = proxyActivities<Activities>({ ...databaseActivity, startToCloseTimeout: '2 minutes', heartbeatTimeout: UNIFY_HEARTBEAT_TIMEOUT });
// A year's backfill refreshes ~365 days in steps of 31, each a few hundred milliseconds at 1M incidents; it heartbeats
// like the batches.
const { refreshIncidentRollups } = proxyActivities<Activities>({ ...databaseActivity, startToCloseTimeout: '10 minutes', heartbeatTimeout: UNIFY_HEARTBEAT_TIMEOUT });

export async function unifyWorkflow(input: UnifyInput): Promise<UnifyResult> {
  const result: UnifyResult = { processed: 0, incidents: 0, orphans: 0, batches: 0, assigned: 0 };
  let reclusterDue = false;
  let importFinished = input.importFinished ?? false;
  let more = true;
  setHandler(unifyMoreSignal, () => {
    more = true;
  });
  setHandler(unifyImportFinishedSignal, () => {
    more = true;
    importFinished = true;
  });
  setHandler(unifyProgressQuery, () => result);
  for (;;) {
    while (more) {
      more = false;
      for (;;) {
        const batch = await unifyBatch({ accountId: input.accountId, limit: UNIFY_BATCH });
        result.processed += batch.processed;
        result.incidents += batch.incidents;
        result.orphans += batch.orphans;
        result.batches += 1;
        result.assigned = (result.assigned ?? 0) + (batch.assigned ?? 0);
        reclusterDue ||= batch.reclusterDue ?? false;
        if (batch.processed < UNIFY_BATCH) break;
        // A very long queue (a large backfill): carry on in a fresh run before the history grows large.
        if (workflowInfo().continueAsNewSuggested) await continueAsNew<typeof unifyWorkflow>(importFinished ? { ...input, importFinished } : input);
      }
    }
    // The dashboard's rollups catch up with what the batches changed (they are exact meanwhile: db/incident-rollups.ts).
    // Histories from before the rollups have no such step; they replay as they ran.
    if (patched(UNIFY_REFRESHES_ROLLUPS)) {
      result.rollupDays = (result.rollupDays ?? 0) + (await refreshIncidentRollups({ accountId: input.accountId })).days;
    }
    // Event rules' pending firings (written by the batches, or left by a unification that crashed) become runs.
    // Histories from before automation triggers have no such step; they replay as they ran.
    if (patched(UNIFY_STARTS_RULE_RUNS)) {
      const started = await startRuleRuns(input.accountId);
      if (started > 0) result.ruleRunsStarted = (result.ruleRunsStarted ?? 0) + started;
    }
    if (more) continue;
    // A finished import's events are all unified now: recluster (the first recluster of an account waited for it:
    // its batches report none due while a backfill runs). Histories from before have no such step.
    if (importFinished && patched(UNIFY_RECLUSTERS_AFTER_IMPORT)) {
      result.reclusterStarted = (await startRecluster(input.accountId, 'import')) || result.reclusterStarted;
      importFinished = false;
      reclusterDue = false;
    }
    // Histories from before online assignment have no such step; they replay as they ran.
    if (reclusterDue && patched(UNIFY_STARTS_RECLUSTER)) {
      result.reclusterStarted = (await startRecluster(input.accountId, 'drift')) || result.reclusterStarted;
      reclusterDue = false;
    }
    // A `more` that arrived during the refresh or the recluster's start is for events the batches have not seen:
    // finishing now would drop it (a backfill's last page then waited for the next Schedule), so go round again.
    if (!more) break;
  }
  return result;
}

const UNIFY_STARTS_RECLUSTER = 'unify-starts-recluster-on-drift';
const UNIFY_REFRESHES_ROLLUPS = 'unify-refreshes-dashboard-rollups';
const UNIFY_STARTS_RULE_RUNS = 'unify-starts-rule-runs';
const UNIFY_RECLUSTERS_AFTER_IMPORT = 'unify-reclusters-after-import';

/** Starts the account's on-demand recluster unless one is running; true when this call started it. */
export async function startRecluster(accountId: string, reason: string): Promise<boolean> {
  try {
    await startChild(reclusterWorkflow, {
      workflowId: reclusterNowWorkflowId(accountId),
      args: [{ accountId, reason }],
      parentClosePolicy: ParentClosePolicy.ABANDON,
      workflowIdReusePolicy: WorkflowIdReusePolicy.ALLOW_DUPLICATE,
      typedSearchAttributes: [
        { key: AccountIdKey, value: accountId },
        { key: KindKey, value: 'recluster' },
      ],
    });
    return true;
  } catch (err) {
    if (err instanceof WorkflowExecutionAlreadyStartedError) return false;
    throw err;
  }
}

/**
 * From another workflow (a backfill): start the account's on-demand unification, or tell the running one to look
 * again; with `importFinished`, also to recluster once it has unified what is queued. The unification outlives the caller.
 */
export async function nudgeUnify(accountId: string, options: { importFinished?: boolean } = {}): Promise<void> {
  const workflowId = unifyNowWorkflowId(accountId);
  // A running unification may be finishing: its last look at the queue can predate our events, and then the
  // signal finds it closed. Starting a fresh one covers that; three rounds cover a start racing a finish twice.
  for (let round = 0; round < 3; round += 1) {
    try {
      await startChild(unifyWorkflow, {
        workflowId,
        args: [options.importFinished ? { accountId, importFinished: true } : { accountId }],
        typedSearchAttributes: [
          { key: AccountIdKey, value: accountId },
          { key: KindKey, value: 'unify' },
        ],
        parentClosePolicy: ParentClosePolicy.ABANDON,
        workflowIdReusePolicy: WorkflowIdReusePolicy.ALLOW_DUPLICATE,
      });
      return;
    } catch (err) {
      if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
    }
    try {
      await getExternalWorkflowHandle(workflowId).signal(options.importFinished ? unifyImportFinishedSignal : unifyMoreSignal);
      return;
    } catch {
      // Closed between the start attempt and the signal: go round and start a new one.
    }
  }
}
