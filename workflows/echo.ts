// The echo job: the skeleton's vertical slice, API -> Temporal -> activity -> PostgreSQL, with progress and cancel.
import { ActivityCancellationType, CancellationScope, defineQuery, isCancellation, log, patched, proxyActivities, setHandler } from '@temporalio/workflow';
import type { Activities, WriteEchoResult } from './activity-contract.ts';
import { databaseActivity, longRunningActivity } from './retry.ts';

export interface EchoInput {
  accountId: string;
  jobId: string;
  message: string;
  steps: number;
  stepMs: number;
}

export interface EchoResult extends WriteEchoResult {
  jobId: string;
  message: string;
}

export type EchoPhase = 'starting' | 'writing' | 'completed' | 'failed' | 'cancelled';
export const echoPhaseQuery = defineQuery<EchoPhase>('phase');

export const echoWorkflowId = (accountId: string, jobId: string): string => `echo/${accountId}/${jobId}`;

const db = proxyActivities<Activities>(databaseActivity);
const long = proxyActivities<Activities>(longRunningActivity);
/** Histories from before ECHO_CANCEL_WAITS replay with the old cancellation type (the activity was not awaited). */
const longTryCancel = proxyActivities<Activities>({ ...longRunningActivity, cancellationType: ActivityCancellationType.TRY_CANCEL });
const ECHO_CANCEL_WAITS = 'echo-cancel-waits-for-activity';

export async function echoWorkflow(input: EchoInput): Promise<EchoResult> {
  let phase: EchoPhase = 'starting';
  setHandler(echoPhaseQuery, () => phase);
  const { accountId, jobId } = input;
  const writer = patched(ECHO_CANCEL_WAITS) ? long : longTryCancel;
  try {
    await db.markJobRunning({ accountId, jobId });
    phase = 'writing';
    const written = await writer.writeEcho({ accountId, jobId, message: input.message, steps: input.steps, stepMs: input.stepMs });
    const result: EchoResult = { jobId, message: input.message, ...written };
    // The work is done: a cancel that arrives now must not turn a written job into a cancelled one.
    await CancellationScope.nonCancellable(() => db.finishJob({ accountId, jobId, status: 'completed', result: { ...result } }));
    phase = 'completed';
    return result;
  } catch (err) {
    const cancelled = isCancellation(err);
    phase = cancelled ? 'cancelled' : 'failed';
    log.warn('echo job did not complete', { jobId, phase });
    // Record the outcome even when the workflow itself is being cancelled.
    await CancellationScope.nonCancellable(() =>
      db.finishJob({ accountId, jobId, status: cancelled ? 'cancelled' : 'failed', error: cancelled ? 'cancelled on request' : errorMessage(err) }),
    );
    throw err;
  }
}

function errorMessage(err: unknown): string {
  if (err instanceof Error) return err.cause instanceof Error && err.cause.message ? `${err.message}: ${err.cause.message}` : err.message;
  return String(err);
}
