// An automation run: the policy decides which steps may be sent, other people approve (an update with a validator,
// so a bad approval is refused synchronously and never enters history), an approval window that expires, steps one
// at a time (destructive ones can wait for their own approval), cancel at any point, every transition audited by the
// activities. A target's verify call runs here too, so the API never talks to customer infrastructure itself.
import { ApplicationFailure } from '@temporalio/common';
import { CancellationScope, condition, defineQuery, defineUpdate, isCancellation, patched, proxyActivities, setHandler, workflowInfo } from '@temporalio/workflow';
import { APPROVAL_REFUSED_ROLE, mayApprove } from '../analysis/runbooks/automation-policy.ts';
import type { Activities, AutomationRunStep, AutomationStepPlan, VerifyAutomationTargetResult } from './activity-contract.ts';
import { AUTOMATION_TASK_QUEUE_SUFFIX, automationStepActivity, automationVerifyActivity, databaseActivity } from './retry.ts';

export interface AutomationRunInput {
  accountId: string;
  runId: string;
  /** Who asked: they may not approve their own run. */
  requestedBy: string;
  /** 0 only for an auto-run an admin allowed (read-only steps, by an event rule): it runs without waiting. */
  requiredApprovals: number;
  /** ISO-8601: approvals after this are refused and the run ends as expired, nothing executed. */
  expiresAt: string;
  dryRun: boolean;
}

export type AutomationRunStatus = 'awaiting_approval' | 'approved' | 'running' | 'completed' | 'failed' | 'cancelled' | 'rejected' | 'expired';

export interface AutomationRunState {
  status: AutomationRunStatus;
  approvals: { userId: string; decision: 'approve' | 'reject'; stepIndex: number | null }[];
  /** A destructive step waiting for its own approval. */
  awaitingStep: number | null;
  steps: Pick<AutomationRunStep, 'index' | 'status' | 'exitCode'>[];
  expiresAt: string;
}

export type AutomationRunResult = AutomationRunState;

export interface ApprovalInput {
  userId: string;
  /** The approver's role as the API saw it; the validator re-checks it and the activity re-checks the database. */
  role: string;
  /** The membership's approver grant as the API saw it (responders approve only with it); re-checked like the role. */
  approver?: boolean;
  /** The destructive step this approval is for; absent for the run's approval. */
  stepIndex?: number;
  comment?: string;
  /** Set by the API (its request id); an operator's `temporal workflow update execute` leaves it out. */
  requestId?: string;
}

export const automationRunStateQuery = defineQuery<AutomationRunState>('state');
export const approveAutomationRunUpdate = defineUpdate<AutomationRunState, [ApprovalInput]>('approve');
export const rejectAutomationRunUpdate = defineUpdate<AutomationRunState, [ApprovalInput]>('reject');
export { automationRunWorkflowId } from './ids.ts';

export interface VerifyAutomationTargetWorkflowInput {
  accountId: string;
  targetId: string;
}
export const verifyAutomationTargetWorkflowId = (accountId: string, targetId: string) => `verify-target/${accountId}/${targetId}`;

const db = proxyActivities<Activities>(databaseActivity);
const legacySteps = proxyActivities<Activities>(automationStepActivity);
const legacyVerifying = proxyActivities<Activities>(automationVerifyActivity);

/**
 * Steps and verify calls go to the automation task queue (its own workers, its own credentials). Asked right before
 * the first such activity, so a run that was waiting for approval when this shipped moves too; histories recorded
 * before the patch replay with the activities on the workflow's own queue.
 */
function automationActivities(options: typeof automationStepActivity, legacy: Activities): Activities {
  if (!patched('automation-task-queue')) return legacy;
  return proxyActivities<Activities>({ ...options, taskQueue: `${workflowInfo().taskQueue}${AUTOMATION_TASK_QUEUE_SUFFIX}` });
}

export async function automationRunWorkflow(input: AutomationRunInput): Promise<AutomationRunResult> {
  const { accountId, runId } = input;
  const ref = { accountId, runId };
  const expiresAtMs = Date.parse(input.expiresAt);
  const state: AutomationRunState = { status: 'awaiting_approval', approvals: [], awaitingStep: null, steps: [], expiresAt: input.expiresAt };
  /** Decisions being recorded: a second one from the same person is refused before the first is written. */
  const deciding = new Set<string>();
  let rejected = false;
  setHandler(automationRunStateQuery, () => state);

  const decisionKey = (userId: string, stepIndex: number | null) => `${userId}/${stepIndex ?? 'run'}`;
  const validate = (a: ApprovalInput) => {
    const stepIndex = a.stepIndex ?? null;
    if (state.status !== 'awaiting_approval' && state.awaitingStep === null) throw new Error(`the run is ${state.status.replace('_', ' ')}: it waits for no approval`);
    if (Date.now() >= expiresAtMs) throw new Error('the approval window has expired');
    if (a.userId === input.requestedBy) throw new Error('the requester may not approve or reject their own run');
    if (!mayApprove(a.role, a.approver)) throw new Error(APPROVAL_REFUSED_ROLE);
    if (state.awaitingStep !== null && stepIndex !== state.awaitingStep) throw new Error(`the run waits for the approval of step ${state.awaitingStep + 1} (pass its stepIndex)`);
    if (state.awaitingStep === null && stepIndex !== null) throw new Error('no step waits for its own approval now');
    const key = decisionKey(a.userId, stepIndex);
    if (deciding.has(key) || state.approvals.some((d) => d.userId === a.userId && d.stepIndex === stepIndex)) throw new Error('you already decided on this');
  };
  const decide = (decision: 'approve' | 'reject') => async (a: ApprovalInput) => {
    const stepIndex = a.stepIndex ?? null;
    const key = decisionKey(a.userId, stepIndex);
    deciding.add(key);
    try {
      const recorded = await db.recordAutomationApproval({
        ...ref,
        userId: a.userId,
        decision,
        ...(stepIndex === null ? {} : { stepIndex }),
        ...(a.comment ? { comment: a.comment } : {}),
        ...(a.requestId ? { requestId: a.requestId } : {}),
      });
      if (!recorded.recorded) throw ApplicationFailure.create({ type: 'ApprovalRefused', message: recorded.refused ?? 'refused', nonRetryable: true });
      // The window may have closed while the database answered: the decision is on record, it changes nothing.
      state.approvals.push({ userId: a.userId, decision, stepIndex });
      if (decision === 'reject') rejected = true;
      return state;
    } finally {
      deciding.delete(key);
    }
  };
  setHandler(approveAutomationRunUpdate, decide('approve'), { validator: validate });
  setHandler(rejectAutomationRunUpdate, decide('reject'), { validator: validate });

  const approvalsFor = (stepIndex: number | null) => state.approvals.filter((d) => d.stepIndex === stepIndex && d.decision === 'approve').length;
  /** Until `fn` holds (true) or the approval window closes (false); a window already closed is not waited on. */
  const withinWindow = async (fn: () => boolean) => {
    const ms = expiresAtMs - Date.now();
    return ms <= 0 ? fn() : condition(fn, ms);
  };
  const summary = () => ({
    dryRun: input.dryRun,
    steps: state.steps.length,
    ...Object.fromEntries(['succeeded', 'failed', 'skipped', 'cancelled'].map((s) => [s, state.steps.filter((x) => x.status === s).length])),
  });
  let steps: Activities | undefined;
  const finish = async (status: 'completed' | 'failed' | 'cancelled' | 'rejected' | 'expired') => {
    state.status = status;
    state.awaitingStep = null;
    for (const s of state.steps) {
      if (s.status === 'pending') s.status = input.dryRun && status === 'completed' ? 'skipped' : 'cancelled';
      else if (s.status === 'running') s.status = status === 'failed' ? 'failed' : 'cancelled';
    }
    await CancellationScope.nonCancellable(() => db.transitionAutomationRun({ ...ref, status, summary: summary(), dryRun: input.dryRun }));
    return state;
  };

  try {
    const plan = await db.planAutomationRun(ref);
    if (plan.closed) return state;
    state.steps = plan.steps.map((s) => ({ index: s.index, status: s.allowed ? 'pending' : 'skipped', exitCode: null }));

    // The run's approvals: enough of them, a rejection, or the window closes. None are needed only for an event rule's
    // auto-run, which an admin enabled for a runbook whose steps are all read-only (checked when the rule fired).
    const decided = input.requiredApprovals === 0 || (await withinWindow(() => rejected || approvalsFor(null) >= input.requiredApprovals));
    if (rejected) return await finish('rejected');
    if (!decided) return await finish('expired');
    state.status = 'approved';
    await db.transitionAutomationRun({ ...ref, status: 'approved' });

    if (input.dryRun) return await finish('completed');

    state.status = 'running';
    await db.transitionAutomationRun({ ...ref, status: 'running' });
    for (const step of plan.steps as AutomationStepPlan[]) {
      // Denied steps are never sent: not even to the activity.
      if (!step.allowed) continue;
      const view = state.steps.find((s) => s.index === step.index)!;
      if (step.needsOwnApproval) {
        state.awaitingStep = step.index;
        const ok = await withinWindow(() => rejected || approvalsFor(step.index) >= 1);
        state.awaitingStep = null;
        if (rejected) return await finish('rejected');
        if (!ok) return await finish('expired');
      }
      view.status = 'running';
      // A running step is allowed to finish (and its result recorded) even when the run is cancelled meanwhile.
      steps ??= automationActivities(automationStepActivity, legacySteps);
      const stepActivities = steps;
      const result = await CancellationScope.nonCancellable(() => stepActivities.runAutomationStep({ ...ref, index: step.index }));
      view.status = result.status;
      view.exitCode = result.exitCode;
      if (CancellationScope.current().consideredCancelled) return await finish('cancelled');
      if (result.status === 'failed') return await finish('failed');
    }
    return await finish('completed');
  } catch (err) {
    if (isCancellation(err)) {
      await finish('cancelled');
      throw err;
    }
    await finish('failed');
    throw err;
  }
}

/** A target's read-only verify call on the worker; the API waits for the answer and shows it. */
export async function verifyAutomationTargetWorkflow(input: VerifyAutomationTargetWorkflowInput): Promise<VerifyAutomationTargetResult> {
  return automationActivities(automationVerifyActivity, legacyVerifying).verifyAutomationTarget(input);
}
