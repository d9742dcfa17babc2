// Generating one runbook draft: gather and redact the context, ask the model for structured steps (a malformed reply
// is retried once with the reason, then the draft fails), validate with the risk rules, store. Started by the API for
// a new draft and for each refinement (a new draft in the same conversation).
import { CancellationScope, defineQuery, isCancellation, proxyActivities, setHandler } from '@temporalio/workflow';
import type { Activities } from './activity-contract.ts';
import { databaseActivity, NON_RETRYABLE_FAILURE_TYPES } from './retry.ts';

export interface RunbookGenerationInput {
  accountId: string;
  draftId: string;
}

export interface RunbookGenerationResult {
  status: 'completed' | 'failed' | 'cancelled';
  mode: 'llm' | 'retrieval' | null;
  steps?: number;
  error?: string;
}

export type RunbookGenerationStage = 'gathering' | 'redacting' | 'generating' | 'validating' | 'stored';

/** What the query shows while the draft is being made: where it is and what it has so far. */
export interface RunbookGenerationState {
  status: 'running' | 'completed' | 'failed' | 'cancelled';
  stage: RunbookGenerationStage;
  mode: 'llm' | 'retrieval' | null;
  /** Model calls made (2 after a malformed first reply). */
  attempts: number;
  runbooks: number;
  incidents: number;
  steps: number | null;
  error: string | null;
}

export const runbookGenerationStateQuery = defineQuery<RunbookGenerationState>('state');

export const runbookGenerationWorkflowId = (accountId: string, draftId: string) => `runbook/${accountId}/${draftId}`;

const { finishRunbookDraft } = proxyActivities<Activities>(databaseActivity);
// Gathering may call the embeddings endpoint: an outage there fails the draft after a few tries instead of hanging it.
// It heartbeats while it works (30 s without one: its worker died).
const { prepareRunbookDraft } = proxyActivities<Activities>({ ...databaseActivity, startToCloseTimeout: '2 minutes', heartbeatTimeout: '30 seconds', retry: { ...databaseActivity.retry, maximumAttempts: 5 } });

// A model call is costly and slow: a few attempts for outages, heartbeats so a crashed worker is noticed in seconds.
const { generateRunbookSteps } = proxyActivities<Activities>({
  startToCloseTimeout: '3 minutes',
  heartbeatTimeout: '10 seconds',
  retry: { initialInterval: '2 seconds', backoffCoefficient: 2, maximumInterval: '30 seconds', maximumAttempts: 3, nonRetryableErrorTypes: NON_RETRYABLE_FAILURE_TYPES },
});

export async function runbookGenerationWorkflow(input: RunbookGenerationInput): Promise<RunbookGenerationResult> {
  const { accountId, draftId } = input;
  const state: RunbookGenerationState = { status: 'running', stage: 'gathering', mode: null, attempts: 0, runbooks: 0, incidents: 0, steps: null, error: null };
  setHandler(runbookGenerationStateQuery, () => state);
  const fail = async (error: string): Promise<RunbookGenerationResult> => {
    await finishRunbookDraft({ accountId, draftId, status: 'failed', error });
    Object.assign(state, { status: 'failed', error });
    return { status: 'failed', mode: state.mode, error };
  };
  try {
    const prepared = await prepareRunbookDraft({ accountId, draftId });
    Object.assign(state, { mode: prepared.mode, runbooks: prepared.runbooks, incidents: prepared.incidents, stage: prepared.done ? 'stored' : 'redacting' });
    if (prepared.done) {
      state.status = 'completed';
      return { status: 'completed', mode: prepared.mode };
    }
    state.stage = 'generating';
    state.attempts = 1;
    let result = await generateRunbookSteps({ accountId, draftId });
    if (!result.valid && !result.closed) {
      state.attempts = 2;
      result = await generateRunbookSteps({ accountId, draftId, previousError: result.error ?? 'invalid reply' });
    }
    if (result.closed) return { status: 'cancelled', mode: state.mode };
    if (!result.valid) return await fail(`the model's reply was invalid twice; last: ${result.error}`);
    Object.assign(state, { status: 'completed', stage: 'stored', steps: result.steps ?? null });
    return { status: 'completed', mode: state.mode, steps: result.steps ?? 0 };
  } catch (err) {
    if (isCancellation(err)) {
      await CancellationScope.nonCancellable(() => finishRunbookDraft({ accountId, draftId, status: 'cancelled' }));
      state.status = 'cancelled';
      throw err;
    }
    // An activity failure arrives wrapped: its cause says what went wrong.
    const cause = (err as { cause?: Error }).cause;
    return await fail(cause?.message ?? (err as Error).message);
  }
}
