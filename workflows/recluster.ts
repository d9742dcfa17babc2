// Reclustering an account: the full engine over all its incidents, keeping cluster ids stable and what users said.
// Started daily by the Schedule `recluster/<account>`, on demand (`recluster/<account>/now`: API, feedback), and by
// the unification when too many new incidents fit no known cluster (drift).
import { defineQuery, proxyActivities, setHandler } from '@temporalio/workflow';
import type { Activities, ReclusterAccountResult } from './activity-contract.ts';

export interface ReclusterInput {
  accountId: string;
  /** Why it runs: schedule, request, feedback, drift (shown to operators). */
  reason?: string;
}
export type ReclusterResult = ReclusterAccountResult;

export type ReclusterPhase = 'clustering' | 'completed';
export const reclusterPhaseQuery = defineQuery<ReclusterPhase>('phase');

export const reclusterScheduleId = (accountId: string) => `recluster/${accountId}`;
export const reclusterNowWorkflowId = (accountId: string) => `recluster/${accountId}/now`;

// CPU-bound and in one piece (1M incidents take about 10 s): a generous limit, a few attempts. It heartbeats while it
// reads and writes (the clustering itself holds the event loop), so a worker that dies mid-recluster is noticed in
// 3 minutes instead of 20; 3 minutes is far beyond the clustering's own time at 1M incidents.
const { reclusterAccount } = proxyActivities<Activities>({
  startToCloseTimeout: '20 minutes',
  heartbeatTimeout: '3 minutes',
  retry: { initialInterval: '5 seconds', backoffCoefficient: 2, maximumAttempts: 3 },
});

export async function reclusterWorkflow(input: ReclusterInput): Promise<ReclusterResult> {
  let phase: ReclusterPhase = 'clustering';
  setHandler(reclusterPhaseQuery, () => phase);
  const result = await reclusterAccount({ accountId: input.accountId });
  phase = 'completed';
  return result;
}
