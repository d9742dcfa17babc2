// Re-indexing an account's runbooks: clear its index, then index every runbook in pages (started from the API, e.g.
// after the embedding model or the account's LLM settings changed, or to catch up runbooks an index failure left behind).
import { continueAsNew, defineQuery, proxyActivities, setHandler } from '@temporalio/workflow';
import type { Activities } from './activity-contract.ts';
import { longRunningActivity, NON_RETRYABLE_FAILURE_TYPES } from './retry.ts';

export interface ReindexRunbooksInput {
  accountId: string;
  /** Set by continueAsNew: where the previous run stopped and what it counted. */
  resume?: { afterId: string | null; total: number; indexed: number; failed: number };
}

export interface ReindexRunbooksResult {
  total: number;
  indexed: number;
  failed: number;
}

export type ReindexPhase = 'clearing' | 'indexing' | 'completed';
export interface ReindexProgress extends ReindexRunbooksResult {
  phase: ReindexPhase;
}
export const reindexProgressQuery = defineQuery<ReindexProgress>('progress');

export const reindexRunbooksWorkflowId = (accountId: string) => `runbook-index/${accountId}`;

const PAGE_SIZE = 50;
/** Pages per run before continueAsNew keeps the history short (an account with many thousand runbooks). */
const PAGES_PER_RUN = 100;

// It heartbeats while it works (30 s without one: its worker died).
const { clearRunbookIndex } = proxyActivities<Activities>({
  startToCloseTimeout: '2 minutes',
  heartbeatTimeout: '30 seconds',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute', nonRetryableErrorTypes: NON_RETRYABLE_FAILURE_TYPES },
});
const { indexRunbookPage } = proxyActivities<Activities>(longRunningActivity);

export async function reindexRunbooksWorkflow(input: ReindexRunbooksInput): Promise<ReindexRunbooksResult> {
  const progress: ReindexProgress = { phase: 'clearing', total: input.resume?.total ?? 0, indexed: input.resume?.indexed ?? 0, failed: input.resume?.failed ?? 0 };
  setHandler(reindexProgressQuery, () => progress);
  let afterId = input.resume?.afterId ?? null;
  if (!input.resume) progress.total = (await clearRunbookIndex({ accountId: input.accountId })).total;
  progress.phase = 'indexing';
  for (let page = 0; ; page++) {
    if (page === PAGES_PER_RUN) {
      await continueAsNew<typeof reindexRunbooksWorkflow>({ accountId: input.accountId, resume: { afterId, total: progress.total, indexed: progress.indexed, failed: progress.failed } });
    }
    const result = await indexRunbookPage({ accountId: input.accountId, afterId, pageSize: PAGE_SIZE });
    progress.indexed += result.indexed;
    progress.failed += result.failed;
    afterId = result.lastId;
    if (result.done) break;
  }
  progress.phase = 'completed';
  // Runbooks created while the re-index ran may push indexed past the count taken at the start.
  return { total: Math.max(progress.total, progress.indexed + progress.failed), indexed: progress.indexed, failed: progress.failed };
}
