// Automations (migration 0019): targets (secrets sealed, never read back out except by the worker), runs, their steps
// and outputs, and approvals.
import type { AutomationRunStep, AutomationStepStatus } from '../workflows/activity-contract.ts';
import type { TransactionSql } from './sql.ts';

export type TargetKind = 'lambda' | 'ssh';
export type RunStatus = 'awaiting_approval' | 'approved' | 'running' | 'completed' | 'failed' | 'cancelled' | 'rejected' | 'expired';
export const FINAL_RUN_STATUSES: readonly RunStatus[] = ['completed', 'failed', 'cancelled', 'rejected', 'expired'];

export interface TargetRow {
  id: string;
  accountId: string;
  kind: TargetKind;
  name: string;
  config: Record<string, unknown>;
  hasSecrets: boolean;
  allowPatterns: string[];
  denyPatterns: string[];
  requiredApprovals: number;
  verifiedAt: Date | null;
  verifiedIdentity: string | null;
  verifyError: string | null;
  createdBy: string | null;
  createdAt: Date;
  updatedAt: Date;
}

/** Where a target's sealed secrets belong: a sealed value copied to another row or account does not open. */
export const targetSecretContext = (accountId: string, targetId: string) => `automation_target:${accountId}:${targetId}:secrets`;

const targetColumns = (tx: TransactionSql) => tx`
  id, account_id as "accountId", kind, name, config, secrets is not null as "hasSecrets", allow_patterns as "allowPatterns",
  deny_patterns as "denyPatterns", required_approvals as "requiredApprovals", verified_at as "verifiedAt",
  verified_identity as "verifiedIdentity", verify_error as "verifyError", created_by as "createdBy", created_at as "createdAt",
  updated_at as "updatedAt"`;

export interface NewTarget {
  id: string;
  accountId: string;
  kind: TargetKind;
  name: string;
  config: Record<string, unknown>;
  secrets: Buffer | null;
  allowPatterns: string[];
  denyPatterns: string[];
  requiredApprovals: number;
  createdBy: string;
}

export async function insertTarget(tx: TransactionSql, t: NewTarget): Promise<TargetRow> {
  const [row] = await tx<TargetRow[]>`
    insert into automation_targets (id, account_id, kind, name, config, secrets, allow_patterns, deny_patterns, required_approvals, created_by)
    values (${t.id}, ${t.accountId}, ${t.kind}, ${t.name}, ${tx.json(t.config as never)}, ${t.secrets}, ${t.allowPatterns}, ${t.denyPatterns},
            ${t.requiredApprovals}, ${t.createdBy})
    returning ${targetColumns(tx)}`;
  return row!;
}

export async function getTarget(tx: TransactionSql, accountId: string, id: string): Promise<TargetRow | undefined> {
  const [row] = await tx<TargetRow[]>`select ${targetColumns(tx)} from automation_targets where account_id = ${accountId} and id = ${id} and deleted_at is null`;
  return row;
}

export async function listTargets(tx: TransactionSql, accountId: string): Promise<TargetRow[]> {
  return tx<TargetRow[]>`select ${targetColumns(tx)} from automation_targets where account_id = ${accountId} and deleted_at is null order by created_at, id`;
}

/** The sealed secrets: for the worker only (the API never reads them back). */
export async function getTargetSecrets(tx: TransactionSql, accountId: string, id: string): Promise<Buffer | null | undefined> {
  const [row] = await tx<{ secrets: Buffer | null }[]>`select secrets from automation_targets where account_id = ${accountId} and id = ${id} and deleted_at is null`;
  return row ? row.secrets : undefined;
}

export interface TargetPatch {
  name?: string | undefined;
  config?: Record<string, unknown> | undefined;
  secrets?: Buffer | undefined;
  allowPatterns?: string[] | undefined;
  denyPatterns?: string[] | undefined;
  requiredApprovals?: number | undefined;
}

/** A change to config or secrets clears the verification: it proved the old ones. */
export async function updateTarget(tx: TransactionSql, accountId: string, id: string, p: TargetPatch): Promise<TargetRow | undefined> {
  const reverify = p.config !== undefined || p.secrets !== undefined;
  const [row] = await tx<TargetRow[]>`
    update automation_targets set
      name = coalesce(${p.name ?? null}, name),
      config = coalesce(${p.config === undefined ? null : tx.json(p.config as never)}::jsonb, config),
      secrets = coalesce(${p.secrets ?? null}::bytea, secrets),
      allow_patterns = coalesce(${p.allowPatterns ?? null}::text[], allow_patterns),
      deny_patterns = coalesce(${p.denyPatterns ?? null}::text[], deny_patterns),
      required_approvals = coalesce(${p.requiredApprovals ?? null}::integer, required_approvals),
      verified_at = case when ${reverify} then null else verified_at end,
      verified_identity = case when ${reverify} then null else verified_identity end,
      updated_at = now()
    where account_id = ${accountId} and id = ${id} and deleted_at is null
    returning ${targetColumns(tx)}`;
  return row;
}

export async function recordTargetVerification(tx: TransactionSql, accountId: string, id: string, outcome: { identity: string } | { error: string }): Promise<void> {
  if ('identity' in outcome) {
    await tx`update automation_targets set verified_at = now(), verified_identity = ${outcome.identity}, verify_error = null where account_id = ${accountId} and id = ${id}`;
  } else {
    await tx`update automation_targets set verified_at = null, verified_identity = null, verify_error = ${outcome.error} where account_id = ${accountId} and id = ${id}`;
  }
}

/** Soft: runs keep naming their target; the secrets are wiped at once. */
export async function deleteTarget(tx: TransactionSql, accountId: string, id: string): Promise<boolean> {
  const rows = await tx`update automation_targets set deleted_at = now(), secrets = null where account_id = ${accountId} and id = ${id} and deleted_at is null returning id`;
  return rows.length > 0;
}

export interface RunRow {
  id: string;
  accountId: string;
  runbookId: string;
  runbookVersion: number;
  runbookTitle: string;
  targetId: string;
  targetName: string;
  requestedBy: string | null;
  trigger: 'manual' | 'schedule' | 'event';
  incidentId: string | null;
  status: RunStatus;
  dryRun: boolean;
  requiredApprovals: number;
  expiresAt: Date;
  workflowId: string;
  summary: Record<string, unknown>;
  createdAt: Date;
  updatedAt: Date;
  startedAt: Date | null;
  finishedAt: Date | null;
  /** The destructive step that waits for its own approval now (null: none). */
  awaitingStep: number | null;
}

/**
 * The destructive step a running run waits on for its own approval (null: none): nothing runs and the next pending
 * step is an allowed destructive one that nobody approved yet. The workflow pauses exactly there.
 */
const awaitingStepOf = (tx: TransactionSql) => tx`
  case when r.status = 'running' and not exists (select 1 from automation_run_steps x where x.run_id = r.id and x.status = 'running') then (
    select s.index from automation_run_steps s
    where s.run_id = r.id and s.status = 'pending' and s.destructive and s.denied_reason is null
      and s.index = (select min(p.index) from automation_run_steps p where p.run_id = r.id and p.status = 'pending')
      and not exists (select 1 from automation_approvals a where a.run_id = r.id and a.step_index = s.index and a.decision = 'approve')
  ) end`;

const runColumns = (tx: TransactionSql) => tx`
  r.id, r.account_id as "accountId", r.runbook_id as "runbookId", r.runbook_version as "runbookVersion",
  coalesce(v.title, '') as "runbookTitle", r.target_id as "targetId", t.name as "targetName", r.requested_by as "requestedBy",
  r.trigger, r.incident_id as "incidentId", r.status, r.dry_run as "dryRun", r.required_approvals as "requiredApprovals",
  r.expires_at as "expiresAt", r.workflow_id as "workflowId", r.summary, r.created_at as "createdAt", r.updated_at as "updatedAt",
  r.started_at as "startedAt", r.finished_at as "finishedAt", ${awaitingStepOf(tx)} as "awaitingStep"`;

const runFrom = (tx: TransactionSql) => tx`
  automation_runs r
  join automation_targets t on t.id = r.target_id
  left join runbook_versions v on v.runbook_id = r.runbook_id and v.version = r.runbook_version`;

/** A step as a run is created with it: the runbook step and the policy's verdict (denied steps start skipped). */
export type NewRunStep = Pick<AutomationRunStep, 'index' | 'title' | 'command' | 'risk' | 'destructive' | 'deniedReason'>;

export interface NewRun {
  id: string;
  accountId: string;
  runbookId: string;
  runbookVersion: number;
  targetId: string;
  requestedBy: string;
  trigger: 'manual' | 'schedule' | 'event';
  incidentId: string | null;
  dryRun: boolean;
  requiredApprovals: number;
  expiresAt: Date;
  workflowId: string;
  steps: NewRunStep[];
}

export async function insertRun(tx: TransactionSql, r: NewRun): Promise<void> {
  await tx`
    insert into automation_runs (id, account_id, runbook_id, runbook_version, target_id, requested_by, trigger, incident_id, dry_run,
                                 required_approvals, expires_at, workflow_id)
    values (${r.id}, ${r.accountId}, ${r.runbookId}, ${r.runbookVersion}, ${r.targetId}, ${r.requestedBy}, ${r.trigger}, ${r.incidentId},
            ${r.dryRun}, ${r.requiredApprovals}, ${r.expiresAt}, ${r.workflowId})`;
  if (r.steps.length === 0) return;
  await tx`
    insert into automation_run_steps (account_id, run_id, index, title, command, risk, destructive, denied_reason, status)
    select ${r.accountId}, ${r.id}, s.index, s.title, s.command, s.risk, s.destructive, s."deniedReason",
           case when s."deniedReason" is null then 'pending' else 'skipped' end
    from jsonb_to_recordset(${tx.json(r.steps as never)}::jsonb)
      as s(index integer, title text, command text, risk text, destructive boolean, "deniedReason" text)`;
}

export async function getRun(tx: TransactionSql, accountId: string, id: string): Promise<RunRow | undefined> {
  const [row] = await tx<RunRow[]>`select ${runColumns(tx)} from ${runFrom(tx)} where r.account_id = ${accountId} and r.id = ${id}`;
  return row;
}

/** Runs newest first; with `viewerId`, each says whether that person already decided on the run (`decidedByMe`). */
export async function listRuns(
  tx: TransactionSql,
  accountId: string,
  f: { status?: RunStatus | undefined; limit: number; viewerId?: string },
): Promise<(RunRow & { decidedByMe: boolean })[]> {
  return tx<(RunRow & { decidedByMe: boolean })[]>`
    select ${runColumns(tx)},
      ${f.viewerId ? tx`exists (select 1 from automation_approvals a where a.run_id = r.id and a.user_id = ${f.viewerId} and a.step_index is null)` : tx`false`} as "decidedByMe"
    from ${runFrom(tx)}
    where r.account_id = ${accountId} ${f.status ? tx`and r.status = ${f.status}` : tx``}
    order by r.created_at desc, r.id desc limit ${f.limit}`;
}

/**
 * Runs waiting for an approval `userId` may give (not their own): the run's own approval, or a destructive step that
 * waits for its own (nothing runs, the next pending step is an allowed destructive one nobody approved yet, as the run
 * detail's `awaitingStep`). The badge.
 */
export async function countPendingApprovals(tx: TransactionSql, accountId: string, userId: string): Promise<number> {
  const [row] = await tx<{ n: number }[]>`
    select count(*)::int as n from (
      select r.status, r.id, ${awaitingStepOf(tx)} as awaiting from automation_runs r
      where r.account_id = ${accountId} and r.status in ('awaiting_approval', 'running') and r.expires_at > now()
        and r.requested_by is distinct from ${userId}
    ) w
    where (w.status = 'awaiting_approval'
        and not exists (select 1 from automation_approvals a where a.run_id = w.id and a.user_id = ${userId} and a.step_index is null))
      or (w.awaiting is not null
        and not exists (select 1 from automation_approvals a where a.run_id = w.id and a.user_id = ${userId} and a.step_index = w.awaiting))`;
  return row!.n;
}

/** Moves a run to a status; returns false when it already reached a final one (nothing changes then). */
export async function setRunStatus(tx: TransactionSql, accountId: string, id: string, status: RunStatus, summary?: Record<string, unknown>): Promise<boolean> {
  const final = FINAL_RUN_STATUSES.includes(status);
  const rows = await tx`
    update automation_runs set status = ${status}, updated_at = now(),
      started_at = case when ${status} = 'running' then coalesce(started_at, now()) else started_at end,
      finished_at = case when ${final} then now() else finished_at end,
      summary = coalesce(${summary === undefined ? null : tx.json(summary as never)}::jsonb, summary)
    where account_id = ${accountId} and id = ${id} and status not in ('completed', 'failed', 'cancelled', 'rejected', 'expired')
    returning id`;
  return rows.length > 0;
}

export async function listRunSteps(tx: TransactionSql, accountId: string, runId: string): Promise<AutomationRunStep[]> {
  return tx<AutomationRunStep[]>`
    select index, title, command, risk, destructive, denied_reason as "deniedReason", status, stdout, stderr, exit_code as "exitCode",
           truncated, already_ran as "alreadyRan", error, started_at as "startedAt", finished_at as "finishedAt"
    from automation_run_steps where account_id = ${accountId} and run_id = ${runId} order by index`;
}

export async function markStepRunning(tx: TransactionSql, accountId: string, runId: string, index: number): Promise<void> {
  await tx`update automation_run_steps set status = 'running', started_at = coalesce(started_at, now())
           where account_id = ${accountId} and run_id = ${runId} and index = ${index}`;
}

/** A running step's output so far (already redacted and capped); a finished step's stored result is never touched. */
export async function recordStepOutputSoFar(tx: TransactionSql, accountId: string, runId: string, index: number, partial: { stdout: string; stderr: string }): Promise<void> {
  await tx`update automation_run_steps set stdout = ${partial.stdout}, stderr = ${partial.stderr}
           where account_id = ${accountId} and run_id = ${runId} and index = ${index} and status = 'running'`;
}

/** How a step ended; what is left out is stored as null (false for the flags), a denial reason kept when given none. */
export interface StepOutcome extends Partial<Pick<AutomationRunStep, 'stdout' | 'stderr' | 'exitCode' | 'truncated' | 'alreadyRan' | 'error' | 'deniedReason'>> {
  status: Extract<AutomationStepStatus, 'succeeded' | 'failed' | 'skipped' | 'cancelled'>;
}

export async function finishStep(tx: TransactionSql, accountId: string, runId: string, index: number, o: StepOutcome): Promise<void> {
  await tx`
    update automation_run_steps set status = ${o.status}, stdout = ${o.stdout ?? null}, stderr = ${o.stderr ?? null},
      exit_code = ${o.exitCode ?? null}, truncated = ${o.truncated ?? false}, already_ran = ${o.alreadyRan ?? false},
      error = ${o.error ?? null}, denied_reason = coalesce(${o.deniedReason ?? null}, denied_reason), finished_at = now()
    where account_id = ${accountId} and run_id = ${runId} and index = ${index}`;
}

/** Steps never started when the run ended (cancelled, expired, rejected, failed): recorded as cancelled. */
export async function cancelPendingSteps(tx: TransactionSql, accountId: string, runId: string): Promise<number> {
  const rows = await tx`update automation_run_steps set status = 'cancelled', finished_at = now()
                        where account_id = ${accountId} and run_id = ${runId} and status = 'pending' returning index`;
  return rows.length;
}

export interface ApprovalRow {
  stepIndex: number | null;
  userId: string;
  decision: 'approve' | 'reject';
  comment: string | null;
  createdAt: Date;
}

/** One decision per user per run (or step): false when this user decided already. */
export async function insertApproval(
  tx: TransactionSql,
  a: { accountId: string; runId: string; stepIndex: number | null; userId: string; decision: 'approve' | 'reject'; comment: string | null },
): Promise<boolean> {
  const rows = await tx`
    insert into automation_approvals (account_id, run_id, step_index, user_id, decision, comment)
    values (${a.accountId}, ${a.runId}, ${a.stepIndex}, ${a.userId}, ${a.decision}, ${a.comment})
    on conflict (run_id, coalesce(step_index, -1), user_id) do nothing returning id`;
  return rows.length > 0;
}

export async function listApprovals(tx: TransactionSql, accountId: string, runId: string): Promise<ApprovalRow[]> {
  return tx<ApprovalRow[]>`
    select step_index as "stepIndex", user_id as "userId", decision, comment, created_at as "createdAt"
    from automation_approvals where account_id = ${accountId} and run_id = ${runId} order by created_at, id`;
}

/** The member's role and approver grant now (null: no longer a member): the activity re-checks an approver against them. */
export async function memberRole(tx: TransactionSql, accountId: string, userId: string): Promise<{ role: string; approver: boolean } | null> {
  const [row] = await tx<{ role: string; approver: boolean }[]>`select role, approver from memberships where account_id = ${accountId} and user_id = ${userId}`;
  return row ?? null;
}

export async function userLabel(tx: TransactionSql, userId: string | null): Promise<string> {
  if (!userId) return 'automation';
  const [row] = await tx<{ email: string }[]>`select email from users where id = ${userId}`;
  return row?.email ?? 'a former user';
}
