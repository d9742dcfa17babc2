// Automation runs' side effects: the policy re-checked against the target's current patterns, approvals re-checked
// against the database, one step sent to the target (idempotency key `<run>.<index>`, output capped and redacted),
// every transition written to the audit log, and a target's read-only verify call.
import { Context } from '@temporalio/activity';
import { APPROVAL_REFUSED_ROLE, evaluatePolicy, mayApprove } from '../analysis/runbooks/automation-policy.ts';
import { createRedactor, type Redactor } from '../analysis/redaction.ts';
import type { StepRisk, TargetType } from '../analysis/runbooks/runbook-types.ts';
import { appendAudit, type AuditAction, type AuditActor } from '../db/audit.ts';
import {
  cancelPendingSteps,
  finishStep,
  getRun,
  getTarget,
  getTargetSecrets,
  insertApproval,
  listRunSteps,
  markStepRunning,
  memberRole,
  recordStepOutputSoFar,
  recordTargetVerification,
  setRunStatus,
  targetSecretContext,
  userLabel,
  type RunRow,
  type TargetRow,
} from '../db/automations.ts';
import type { SecretBox } from '../db/secret-box.ts';
import type { Sql, TransactionSql } from '../db/sql.ts';
import { withAccount } from '../db/tenancy.ts';
import type {
  AutomationRunPlan,
  AutomationRunRef,
  RecordAutomationApprovalInput,
  RecordAutomationApprovalResult,
  RunAutomationStepInput,
  RunAutomationStepResult,
  TransitionAutomationRunInput,
  VerifyAutomationTargetInput,
  VerifyAutomationTargetResult,
} from '../workflows/activity-contract.ts';
import { createExecutor, ExecutorError, type CommandExecutor, type TargetConfig, type TargetSecrets } from './executors/index.ts';
import { invalid, notFound, unavailable } from './failures.ts';
import { AUTOMATION_FINAL_STATES, automationRunsFinished } from '../observability/metrics.ts';

export interface AutomationActivityDeps {
  sql: Sql;
  /** Absent without INSIGHTS_MASTER_KEY: then no target's secrets can be opened. */
  secretBox: SecretBox | undefined;
}

/** A step's command may run this long on the target. */
export const STEP_TIMEOUT_SECONDS = 300;
/** stdout and stderr are each kept up to this many bytes. */
export const MAX_OUTPUT_BYTES = 64 * 1024;
/** Well inside the step activity's heartbeat timeout (workflows/retry.ts), so a dead worker is noticed in seconds. */
const HEARTBEAT_MS = 2_000;
const STEP_ATTEMPTS = 3;

const WORKFLOW_ACTOR: AuditActor = { userId: null, label: 'automation run' };

const TRANSITION_AUDIT: Partial<Record<TransitionAutomationRunInput['status'], AuditAction>> = {
  running: 'automation_run.started',
  completed: 'automation_run.completed',
  failed: 'automation_run.failed',
  cancelled: 'automation_run.cancelled',
  expired: 'automation_run.expired',
};

/** The cancel request in the calling workflow's history: its identity and reason, as Temporal recorded them. */
async function cancelRequestOfThisWorkflow(): Promise<{ identity: string; reason: string } | undefined> {
  try {
    const ctx = Context.current();
    const execution = ctx.info.workflowExecution;
    if (!execution) return undefined;
    const history = await ctx.client.workflow.getHandle(execution.workflowId, execution.runId).fetchHistory();
    const requested = history.events?.find((e) => e.workflowExecutionCancelRequestedEventAttributes)?.workflowExecutionCancelRequestedEventAttributes;
    return requested ? { identity: requested.identity ?? '', reason: requested.cause ?? '' } : undefined;
  } catch {
    // The audit entry is written either way; only who asked stays unknown.
    return undefined;
  }
}

export function createAutomationActivities(deps: AutomationActivityDeps) {
  const { sql } = deps;

  const audit = (tx: TransactionSql, run: RunRow, action: AuditAction, actor: AuditActor, details: Record<string, unknown> = {}) =>
    appendAudit(tx, run.accountId, { action, actor, target: { type: 'automation_run', id: run.id }, details: { runbookId: run.runbookId, targetId: run.targetId, ...details } });

  /** The target's opened secrets (never logged, never returned), or a failure a person must fix. */
  const openTarget = async (accountId: string, targetId: string): Promise<{ target: TargetRow; config: TargetConfig; secrets: TargetSecrets }> => {
    const found = await withAccount(sql, accountId, async (tx) => {
      const target = await getTarget(tx, accountId, targetId);
      return target ? { target, sealed: await getTargetSecrets(tx, accountId, targetId) } : undefined;
    });
    if (!found) throw notFound(`automation target ${targetId} no longer exists`);
    let secrets: TargetSecrets = {};
    if (found.sealed) {
      if (!deps.secretBox) throw invalid('INSIGHTS_MASTER_KEY is not set on this worker: it cannot open the target’s secrets');
      secrets = JSON.parse(deps.secretBox.open(found.sealed, targetSecretContext(accountId, targetId))) as TargetSecrets;
    }
    return { target: found.target, config: { ...found.target.config, kind: found.target.kind } as TargetConfig, secrets };
  };

  /** Built-in redaction, after the target's own secret values are replaced wherever the output echoes them. */
  const redactorFor = (secrets: TargetSecrets): Redactor => {
    const builtin = createRedactor();
    const values = Object.values(secrets).filter((v): v is string => typeof v === 'string' && v.length >= 8);
    return (text) => {
      let out = text;
      for (const v of values) out = out.split(v).join('[secret]');
      return builtin(out);
    };
  };

  return {
    async planAutomationRun(input: AutomationRunRef): Promise<AutomationRunPlan> {
      const { accountId, runId } = input;
      return withAccount(sql, accountId, async (tx) => {
        const run = await getRun(tx, accountId, runId);
        if (!run) throw notFound(`automation run ${runId} no longer exists`);
        if (run.status !== 'awaiting_approval') return { steps: [], closed: true };
        const target = await getTarget(tx, accountId, run.targetId);
        if (!target) throw notFound(`automation target ${run.targetId} no longer exists`);
        const stored = await listRunSteps(tx, accountId, runId);
        const decision = evaluatePolicy(
          stored.map((s) => ({ command: s.command, risk: s.risk as StepRisk, targetType: 'shell' as TargetType })),
          { allowPatterns: target.allowPatterns, denyPatterns: target.denyPatterns },
        );
        const steps = stored.map((s, i) => {
          const d = decision.steps[i]!;
          // Denied at request time stays denied, whatever the patterns say now.
          const allowed = d.allowed && s.deniedReason === null;
          return { index: s.index, allowed, destructive: d.destructive || s.destructive, needsOwnApproval: allowed && (d.needsOwnApproval || s.destructive) };
        });
        for (const [i, s] of stored.entries()) {
          if (s.deniedReason === null && !decision.steps[i]!.allowed) {
            await finishStep(tx, accountId, runId, s.index, { status: 'skipped', deniedReason: decision.steps[i]!.reason ?? 'denied' });
          }
        }
        return { steps, closed: false };
      });
    },

    async recordAutomationApproval(input: RecordAutomationApprovalInput): Promise<RecordAutomationApprovalResult> {
      const { accountId, runId, userId, decision } = input;
      return withAccount(sql, accountId, async (tx) => {
        const run = await getRun(tx, accountId, runId);
        if (!run) return { recorded: false, refused: 'the run no longer exists' };
        if (run.requestedBy === userId) return { recorded: false, refused: 'the requester may not approve or reject their own run' };
        const member = await memberRole(tx, accountId, userId);
        if (!member || !mayApprove(member.role, member.approver)) return { recorded: false, refused: APPROVAL_REFUSED_ROLE };
        if (run.expiresAt.getTime() <= Date.now()) return { recorded: false, refused: 'the approval window has expired' };
        const stepIndex = input.stepIndex ?? null;
        const inserted = await insertApproval(tx, { accountId, runId, stepIndex, userId, decision, comment: input.comment ?? null });
        if (!inserted) return { recorded: false, refused: 'you already decided on this' };
        const actor: AuditActor = { userId, label: await userLabel(tx, userId), ...(input.requestId ? { requestId: input.requestId } : {}) };
        await audit(tx, run, decision === 'approve' ? 'automation_run.approved' : 'automation_run.rejected', actor, {
          ...(stepIndex === null ? {} : { stepIndex }),
          ...(input.comment ? { comment: input.comment } : {}),
          // Straight through Temporal (an operator's CLI) or from the product: both are recorded the same way.
          via: input.requestId ? 'api' : 'temporal',
        });
        return { recorded: true };
      });
    },

    async transitionAutomationRun(input: TransitionAutomationRunInput): Promise<void> {
      const { accountId, runId, status } = input;
      // Who asked Temporal to cancel (the API names its user in the reason; an operator's CLI its identity).
      const cancelRequest = status === 'cancelled' ? await cancelRequestOfThisWorkflow() : undefined;
      let finished = false;
      await withAccount(sql, accountId, async (tx) => {
        const run = await getRun(tx, accountId, runId);
        if (!run) throw notFound(`automation run ${runId} no longer exists`);
        // A retried activity finds the transition made: nothing twice, no second audit entry.
        if (run.status === status) return;
        const changed = await setRunStatus(tx, accountId, runId, status, input.summary);
        if (!changed) return;
        finished = (AUTOMATION_FINAL_STATES as readonly string[]).includes(status);
        if (status !== 'approved' && status !== 'running') {
          if (input.dryRun && status === 'completed') {
            await tx`update automation_run_steps set status = 'skipped', error = 'dry run: would have run', finished_at = now()
                     where account_id = ${accountId} and run_id = ${runId} and status = 'pending'`;
          } else {
            await cancelPendingSteps(tx, accountId, runId);
            await tx`update automation_run_steps set status = ${status === 'failed' ? 'failed' : 'cancelled'}, finished_at = now()
                     where account_id = ${accountId} and run_id = ${runId} and status = 'running'`;
          }
        }
        const action = TRANSITION_AUDIT[status];
        if (action) await audit(tx, run, action, WORKFLOW_ACTOR, { ...(input.summary ? { summary: input.summary } : {}), ...(cancelRequest ? { cancelRequest } : {}) });
      });
      // Counted once committed (a transition already made returns early and counts nothing): each run once.
      if (finished) automationRunsFinished.inc({ status });
    },

    async runAutomationStep(input: RunAutomationStepInput): Promise<RunAutomationStepResult> {
      const { accountId, runId, index } = input;
      const loaded = await withAccount(sql, accountId, async (tx) => {
        const run = await getRun(tx, accountId, runId);
        const step = run ? (await listRunSteps(tx, accountId, runId)).find((s) => s.index === index) : undefined;
        return run && step ? { run, step } : undefined;
      });
      if (!loaded) throw notFound(`step ${index} of automation run ${runId} no longer exists`);
      const { run, step } = loaded;
      // A retry after the result was stored: the stored result, nothing sent again.
      if (step.status === 'succeeded' || step.status === 'failed' || step.status === 'skipped') {
        return { status: step.status, exitCode: step.exitCode, alreadyRan: step.alreadyRan, ...(step.error ? { reason: step.error } : {}) };
      }
      if (run.status !== 'running') throw invalid(`automation run ${runId} is ${run.status}: its steps do not run`);

      const record = async (outcome: Parameters<typeof finishStep>[4], details: Record<string, unknown>) =>
        withAccount(sql, accountId, async (tx) => {
          await finishStep(tx, accountId, runId, index, outcome);
          await audit(tx, run, 'automation_run.step_ran', WORKFLOW_ACTOR, { stepIndex: index, status: outcome.status, ...details });
        });

      const { target, config, secrets } = await openTarget(accountId, run.targetId);
      // The patterns as they are now: a deny added after the request still stops the command here.
      const policy = evaluatePolicy([{ command: step.command, risk: step.risk as StepRisk, targetType: 'shell' }], { allowPatterns: target.allowPatterns, denyPatterns: target.denyPatterns });
      if (!policy.steps[0]!.allowed) {
        const reason = policy.steps[0]!.reason ?? 'denied';
        await record({ status: 'skipped', deniedReason: reason, error: reason }, { denied: reason });
        return { status: 'skipped', exitCode: null, alreadyRan: false, reason };
      }

      await withAccount(sql, accountId, (tx) => markStepRunning(tx, accountId, runId, index));
      const ctx = Context.current();
      const beat = setInterval(() => ctx.heartbeat(), HEARTBEAT_MS);
      let executor: CommandExecutor | undefined;
      try {
        executor = createExecutor(config, secrets, { redactor: redactorFor(secrets) });
        const result = await executor.run({
          command: step.command,
          idempotencyKey: `${runId}.${index}`,
          timeoutSeconds: STEP_TIMEOUT_SECONDS,
          maxOutputBytes: MAX_OUTPUT_BYTES,
          // Output so far, for the run page to show while the step runs; the result below replaces it.
          onOutput: (partial) => withAccount(sql, accountId, (tx) => recordStepOutputSoFar(tx, accountId, runId, index, partial)),
        });
        const redact = redactorFor(secrets);
        const succeeded = result.targetError === undefined && result.exitCode === 0;
        const reason = result.targetError !== undefined ? `the target failed: ${redact(result.targetError).text}` : result.exitCode === 0 ? undefined : `exit code ${result.exitCode ?? 'none'}`;
        await record(
          {
            status: succeeded ? 'succeeded' : 'failed',
            stdout: redact(result.stdout).text,
            stderr: redact(result.stderr).text,
            exitCode: result.exitCode,
            truncated: result.truncated,
            alreadyRan: result.alreadyRan,
            error: reason ?? null,
          },
          { exitCode: result.exitCode, alreadyRan: result.alreadyRan, truncated: result.truncated, durationMs: result.durationMs },
        );
        return { status: succeeded ? 'succeeded' : 'failed', exitCode: result.exitCode, alreadyRan: result.alreadyRan, ...(reason ? { reason } : {}) };
      } catch (err) {
        const kind = err instanceof ExecutorError ? err.kind : undefined;
        const message = redactorFor(secrets)((err as Error).message ?? String(err)).text;
        // An outage may pass: retried with the same idempotency key (never a second execution), then recorded.
        if ((kind === 'unavailable' || kind === undefined) && ctx.info.attempt < STEP_ATTEMPTS) throw unavailable(`the target did not answer: ${message}`);
        const error = kind ? `${kind}: ${message}` : message;
        await record({ status: 'failed', error }, { error });
        return { status: 'failed', exitCode: null, alreadyRan: false, reason: error };
      } finally {
        clearInterval(beat);
        await executor?.close().catch(() => undefined);
      }
    },

    async verifyAutomationTarget(input: VerifyAutomationTargetInput): Promise<VerifyAutomationTargetResult> {
      const { accountId, targetId } = input;
      const { config, secrets } = await openTarget(accountId, targetId);
      const executor = createExecutor(config, secrets, { redactor: redactorFor(secrets) });
      let outcome: VerifyAutomationTargetResult;
      try {
        const verified = await executor.verify();
        outcome = { ok: true, identity: verified.identity };
      } catch (err) {
        const kind = err instanceof ExecutorError ? err.kind : 'unavailable';
        outcome = { ok: false, errorKind: kind, error: redactorFor(secrets)((err as Error).message ?? String(err)).text };
      } finally {
        await executor.close().catch(() => undefined);
      }
      await withAccount(sql, accountId, async (tx) => {
        await recordTargetVerification(tx, accountId, targetId, outcome.ok ? { identity: outcome.identity! } : { error: outcome.error! });
        await appendAudit(tx, accountId, {
          action: 'automation_target.verified',
          actor: WORKFLOW_ACTOR,
          target: { type: 'automation_target', id: targetId },
          details: outcome.ok ? { ok: true, identity: outcome.identity } : { ok: false, errorKind: outcome.errorKind },
        });
      });
      return outcome;
    },
  };
}
