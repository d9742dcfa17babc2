// Runs started by a schedule or an event rule. A schedule's Temporal Schedule (`automation-schedule/<account>/<id>`)
// starts automationScheduleWorkflow, which creates the run row and starts the run's workflow as an abandoned child;
// the unification starts the runs of pending rule firings the same way (startRuleRuns). A run's workflow id
// `run/<account>/<run>` is fixed, so a retry that finds it started (or finished) starts nothing twice.
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import { ParentClosePolicy, WorkflowIdReusePolicy, proxyActivities, startChild, uuid4 } from '@temporalio/workflow';
import type { Activities, StartableAutomationRun } from './activity-contract.ts';
import { automationRunWorkflow } from './automation-run.ts';
import { automationRunWorkflowId } from './ids.ts';
import { emailDeliveryWorkflow, emailWorkflowId } from './email.ts';
import { databaseActivity } from './retry.ts';
import { AccountIdKey, KindKey } from './search-attributes.ts';

export interface AutomationScheduleInput {
  accountId: string;
  scheduleId: string;
}

export interface AutomationScheduleResult {
  runId?: string;
  /** Why nothing started. */
  skipped?: string;
}

export { automationScheduleId } from './ids.ts';

/** Firings turned into runs per activity call. */
export const RULE_RUNS_BATCH = 20;

const db = proxyActivities<Activities>(databaseActivity);

/** Starts the delivery of approval requests as abandoned children (the outbox sweep starts any that did not start). */
async function deliverApprovalRequests(emailIds: readonly string[]): Promise<void> {
  for (const emailId of emailIds) {
    try {
      await startChild(emailDeliveryWorkflow, {
        workflowId: emailWorkflowId(emailId),
        args: [{ emailId }],
        parentClosePolicy: ParentClosePolicy.ABANDON,
        typedSearchAttributes: [{ key: KindKey, value: 'email' }],
      });
    } catch (err) {
      if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
    }
  }
}

/** Starts a run's workflow as an abandoned child; false when it was started before (a retry, a replayed start). */
export async function startAutomationRun(run: StartableAutomationRun): Promise<boolean> {
  try {
    await startChild(automationRunWorkflow, {
      workflowId: automationRunWorkflowId(run.accountId, run.runId),
      args: [{ accountId: run.accountId, runId: run.runId, requestedBy: run.requestedBy, requiredApprovals: run.requiredApprovals, expiresAt: run.expiresAt, dryRun: run.dryRun }],
      parentClosePolicy: ParentClosePolicy.ABANDON,
      // A run that already finished must not run again under the same id.
      workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
      typedSearchAttributes: [
        { key: AccountIdKey, value: run.accountId },
        { key: KindKey, value: 'automation-run' },
      ],
    });
    await deliverApprovalRequests(run.emailIds ?? []);
    return true;
  } catch (err) {
    if (err instanceof WorkflowExecutionAlreadyStartedError) return false;
    throw err;
  }
}

/** One firing of a schedule: the run row (or why not), then the run's workflow. */
export async function automationScheduleWorkflow(input: AutomationScheduleInput): Promise<AutomationScheduleResult> {
  // Deterministic in the workflow: a retried activity is given the same id and finds the run it created.
  const runId = uuid4();
  const created = await db.createScheduledRun({ ...input, runId });
  if (!created.run) return { skipped: created.skipped ?? 'nothing to run' };
  await startAutomationRun(created.run);
  return { runId: created.run.runId };
}

/** The account's pending rule firings → runs, started, then marked; returns how many runs were started now. */
export async function startRuleRuns(accountId: string): Promise<number> {
  let started = 0;
  for (;;) {
    const { runs, taken } = await db.prepareRuleRuns({ accountId, limit: RULE_RUNS_BATCH });
    for (const run of runs) if (await startAutomationRun(run)) started += 1;
    if (runs.length > 0) await db.markRuleFiringsStarted({ accountId, firingIds: runs.map((r) => r.runId) });
    if (taken < RULE_RUNS_BATCH) return started;
  }
}
