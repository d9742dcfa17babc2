// Incremental sync of one integration, on its Schedule (`sync/<account>/<integration>`, every few minutes): fetch
// what changed since the watermark, then nudge the unification. A refused token marks the integration in error;
// later runs then skip it until a person gives it working credentials, instead of failing every few minutes.
import { ApplicationFailure } from '@temporalio/common';
import { proxyActivities } from '@temporalio/workflow';
import type { Activities, SyncChangesResult } from './activity-contract.ts';
import { databaseActivity, FailureType, longRunningActivity } from './retry.ts';
import { nudgeUnify } from './unify.ts';

export interface SyncInput {
  accountId: string;
  integrationId: string;
}
export type SyncResult = SyncChangesResult;

export const syncScheduleId = (accountId: string, integrationId: string) => `sync/${accountId}/${integrationId}`;

const db = proxyActivities<Activities>(databaseActivity);
// A sync that cannot finish within its own interval is retried by the next scheduled run instead.
const fetching = proxyActivities<Activities>({ ...longRunningActivity, startToCloseTimeout: '10 minutes', heartbeatTimeout: '1 minute', retry: { ...longRunningActivity.retry, maximumAttempts: 3 } });

export async function syncWorkflow(input: SyncInput): Promise<SyncResult> {
  try {
    const result = await fetching.syncChanges(input);
    if (result.stored > 0) await nudgeUnify(input.accountId);
    return result;
  } catch (err) {
    const cause = (err as { cause?: unknown }).cause;
    if (cause instanceof ApplicationFailure && cause.type === FailureType.auth) {
      await db.markIntegrationError({ ...input, error: cause.message });
    }
    throw err;
  }
}
