// Reclustering an account: the full engine over all its incidents, keeping cluster ids stable and what users said.
// Started daily by the Schedule `recluster/<account>`, on demand (`recluster/<account>/now`: API, feedback), by the
// unification when too many new incidents fit no known cluster (drift), and when an import (a backfill, a CSV upload)
// has been unified.
import { CancellationScope, defineQuery, patched, proxyActivities, setHandler } from '@temporalio/workflow';
import type { Activities, ReclusterAccountResult } from './activity-contract.ts';
import { databaseActivity } from './retry.ts';

export interface ReclusterInput {
  accountId: string;
  /** Why it runs: schedule, request, feedback, drift, import (shown to operators, and on the clusters pages). */
  reason?: string;
}
export type ReclusterResult = ReclusterAccountResult;

export type ReclusterPhase = 'clustering' | 'completed';
export const reclusterPhaseQuery = defineQuery<ReclusterPhase>('phase');

export const reclusterScheduleId = (accountId: string) => `recluster/${accountId}`;
export const reclusterNowWorkflowId = (accountId: string) => `recluster/${accountId}/now`;

// CPU-bound (1M incidents take about 10 s of clustering, plus reading and writing): a generous limit, a few attempts.
// The clustering runs in a worker thread, so the worker's event loop heartbeats every 2 s throughout (it used to hold
// the loop, which needed a 3-minute heartbeat timeout): a worker that dies mid-recluster is noticed in 30 s. Not less:
// a false timeout costs the whole computation again, and 30 s is still far below the 20-minute start-to-close.
const { reclusterAccount } = proxyActivities<Activities>({
  startToCloseTimeout: '20 minutes',
  heartbeatTimeout: '30 seconds',
  retry: { initialInterval: '5 seconds', backoffCoefficient: 2, maximumAttempts: 3 },
});
const { finishRecluster } = proxyActivities<Activities>(databaseActivity);

export async function reclusterWorkflow(input: ReclusterInput): Promise<ReclusterResult> {
  let phase: ReclusterPhase = 'clustering';
  setHandler(reclusterPhaseQuery, () => phase);
  try {
    const result = await reclusterAccount({ accountId: input.accountId, ...(input.reason ? { reason: input.reason } : {}) });
    phase = 'completed';
    return result;
  } catch (err) {
    // Every attempt failed: the clusters pages stop saying "computing…" and say it failed (histories from before
    // this have no such step).
    if (patched(RECLUSTER_RECORDS_FAILURE)) {
      await CancellationScope.nonCancellable(() => finishRecluster({ accountId: input.accountId, error: failureMessage(err) }));
    }
    throw err;
  }
}

const RECLUSTER_RECORDS_FAILURE = 'recluster-records-failure';

function failureMessage(err: unknown): string {
  const cause = (err as { cause?: unknown }).cause;
  if (cause instanceof Error && cause.message) return cause.message;
  return err instanceof Error ? err.message : String(err);
}
