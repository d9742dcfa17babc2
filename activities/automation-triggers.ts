// Runs no person requested directly: a schedule's firing and an event rule's firings become run rows (the policy
// evaluated as for a person's request, requested in the name of the schedule's or rule's creator, who therefore
// cannot approve them), audited with the schedule or rule as the actor. Also the matching of rules against the
// incidents a unification batch created or re-opened, inside that batch's transaction.
import { randomUUID } from 'node:crypto';
import { Context } from '@temporalio/activity';
import type { IncidentKey } from '../db/incidents.ts';
import { appendAudit, type AuditActor } from '../db/audit.ts';
import { memberRole } from '../db/automations.ts';
import { enqueueApprovalRequests, type ApprovalRequestNotice } from '../db/automation-notifications.ts';
import {
  getRule,
  getSchedule,
  insertPlannedRun,
  lockPendingFirings,
  markFiringsStarted,
  loadRunInputs,
  recordRuleError,
  recordRuleFirings,
  recordScheduleFiring,
  setFiringRun,
  skipFiring,
  type RuleReason,
} from '../db/automation-triggers.ts';
import { readOnlyThroughout, withPolicy } from '../analysis/runbooks/automation-policy.ts';
import type { Sql, TransactionSql } from '../db/sql.ts';
import { withAccount } from '../db/tenancy.ts';
import { automationRunWorkflowId, automationScheduleId } from '../workflows/ids.ts';
import type {
  CreateScheduledRunInput,
  CreateScheduledRunResult,
  MarkRuleFiringsStartedInput,
  PrepareRuleRunsInput,
  PrepareRuleRunsResult,
  StartableAutomationRun,
} from '../workflows/activity-contract.ts';

/** Links in approval emails when the worker was not told where the web app is (`npm start`'s address). */
const DEFAULT_WEB_ORIGIN = 'http://localhost:3000';

/** How long a triggered run waits for its approvals (as a person's request without a chosen window). */
export const TRIGGERED_RUN_EXPIRY_SECONDS = 3600;
/** A "new" incident older than this (a backfill importing history) fires nothing. */
export const NEW_INCIDENT_MAX_AGE_MS = 24 * 3600 * 1000;

export const scheduleActor = (name: string): AuditActor => ({ userId: null, label: `schedule ${name}` });
export const ruleActor = (name: string): AuditActor => ({ userId: null, label: `rule ${name}` });

/** The run as stored (a retried activity returns it again rather than creating another). */
async function startableRun(tx: TransactionSql, accountId: string, runId: string): Promise<StartableAutomationRun | undefined> {
  const [row] = await tx<{ requestedBy: string | null; requiredApprovals: number; expiresAt: Date; dryRun: boolean; status: string }[]>`
    select requested_by as "requestedBy", required_approvals as "requiredApprovals", expires_at as "expiresAt", dry_run as "dryRun", status
    from automation_runs where account_id = ${accountId} and id = ${runId}`;
  if (!row) return undefined;
  return { accountId, runId, requestedBy: row.requestedBy ?? '', requiredApprovals: row.requiredApprovals, expiresAt: row.expiresAt.toISOString(), dryRun: row.dryRun };
}

/** Why the creator can no longer be the requester (gone, or no longer a member), or null. */
async function creatorGone(tx: TransactionSql, accountId: string, createdBy: string | null): Promise<string | null> {
  if (!createdBy) return 'the person who created it no longer exists';
  if (!(await memberRole(tx, accountId, createdBy))) return 'the person who created it is no longer a member';
  return null;
}

/**
 * The unification batch's candidates: incidents the batch created (and not already resolved, nor older than a day:
 * a backfill importing history fires nothing) and incidents it re-opened (stored resolved, merged not resolved).
 */
export function firingCandidate(stored: { status: string } | undefined, merged: { status: string; createdAt: string }, now: number): RuleReason | null {
  if (!stored) return merged.status !== 'resolved' && now - Date.parse(merged.createdAt) <= NEW_INCIDENT_MAX_AGE_MS ? 'new' : null;
  return stored.status === 'resolved' && merged.status !== 'resolved' ? 'reopened' : null;
}

/** In the unification transaction, after the upsert and the online assignment (so cluster ids are known). */
export async function recordFiringsForBatch(tx: TransactionSql, accountId: string, candidates: readonly { key: IncidentKey; reason: RuleReason }[]): Promise<number> {
  if (candidates.length === 0) return 0;
  if ((await tx`select 1 from automation_rules where account_id = ${accountId} and enabled limit 1`).length === 0) return 0;
  const keys = candidates.map((c) => ({ integration_id: c.key.integrationId, source: c.key.source, external_id: c.key.externalId }));
  const found = await tx<{ id: string; integrationId: string | null; source: string; externalId: string }[]>`
    select i.id, i.integration_id as "integrationId", i.source, i.external_id as "externalId"
    from jsonb_to_recordset(${tx.json(keys as never)}) as k(integration_id uuid, source text, external_id text)
    cross join lateral (
      select id, integration_id, source, external_id from incidents
      where account_id = ${accountId} and integration_id is not distinct from k.integration_id and source = k.source and external_id = k.external_id
      limit 1
    ) i`;
  const reasonOf = new Map(candidates.map((c) => [`${c.key.integrationId ?? ''}\u0000${c.key.source}\u0000${c.key.externalId}`, c.reason]));
  const resolved = found.map((f) => ({ incidentId: f.id, reason: reasonOf.get(`${f.integrationId ?? ''}\u0000${f.source}\u0000${f.externalId}`)! })).filter((c) => c.reason);
  return recordRuleFirings(tx, accountId, resolved, randomUUID);
}

/**
 * A Temporal Schedule whose row is gone (its account deleted, or a delete whose Temporal call failed after the
 * commit) removes itself; one created within the last minute is left alone (its row may not be committed yet).
 */
async function deleteOrphanSchedule(accountId: string, scheduleId: string): Promise<void> {
  try {
    const handle = Context.current().client.schedule.getHandle(automationScheduleId(accountId, scheduleId));
    const described = await handle.describe();
    if (Date.now() - described.info.createdAt.getTime() > 60_000) await handle.delete();
  } catch {
    // Gone already, or Temporal busy: the next firing tries again.
  }
}

export function createAutomationTriggerActivities(deps: { sql: Sql; webOrigin?: string | undefined }) {
  const { sql } = deps;
  /** The approvers' emails for a run that waits for approval (none for an auto-run). */
  const notifyApprovers = async (tx: TransactionSql, n: Omit<ApprovalRequestNotice, 'webOrigin'>, requiredApprovals: number) =>
    requiredApprovals > 0 ? enqueueApprovalRequests(tx, { ...n, webOrigin: deps.webOrigin ?? DEFAULT_WEB_ORIGIN }) : [];
  return {
    async createScheduledRun({ accountId, scheduleId, runId }: CreateScheduledRunInput): Promise<CreateScheduledRunResult> {
      return withAccount(sql, accountId, async (tx) => {
        const existing = await startableRun(tx, accountId, runId);
        if (existing) return { run: existing };
        const schedule = await getSchedule(tx, accountId, scheduleId);
        if (!schedule) {
          await deleteOrphanSchedule(accountId, scheduleId);
          return { skipped: 'the schedule was deleted' };
        }
        const skip = async (reason: string): Promise<CreateScheduledRunResult> => {
          await recordScheduleFiring(tx, accountId, scheduleId, { error: reason });
          await appendAudit(tx, accountId, { action: 'automation_schedule.skipped', actor: scheduleActor(schedule.name), target: { type: 'automation_schedule', id: scheduleId }, details: { reason } });
          return { skipped: reason };
        };
        const gone = await creatorGone(tx, accountId, schedule.createdBy);
        if (gone) return skip(gone);
        const loaded = await loadRunInputs(tx, accountId, { runbookId: schedule.runbookId, version: schedule.runbookVersion, targetId: schedule.targetId });
        const plan = loaded.ok ? withPolicy(loaded) : loaded;
        if (!plan.ok) return skip(plan.reason);
        const expiresAt = new Date(Date.now() + TRIGGERED_RUN_EXPIRY_SECONDS * 1000);
        await insertPlannedRun(tx, plan, {
          id: runId,
          accountId,
          runbookId: schedule.runbookId,
          requestedBy: schedule.createdBy!,
          trigger: 'schedule',
          incidentId: null,
          dryRun: schedule.dryRun,
          requiredApprovals: plan.target.requiredApprovals,
          expiresAt,
          workflowId: automationRunWorkflowId(accountId, runId),
          scheduleId,
        });
        await appendAudit(tx, accountId, {
          action: 'automation_run.requested',
          actor: scheduleActor(schedule.name),
          subjectUserId: schedule.createdBy,
          target: { type: 'automation_run', id: runId },
          details: { runbookId: schedule.runbookId, runbookVersion: plan.runbookVersion, targetId: plan.target.id, dryRun: schedule.dryRun, denied: plan.policy.denied, scheduleId, trigger: 'schedule' },
        });
        await recordScheduleFiring(tx, accountId, scheduleId, { runId });
        const emailIds = await notifyApprovers(
          tx,
          { accountId, runId, requestedBy: schedule.createdBy, requesterLabel: `The schedule “${schedule.name}”`, runbookTitle: plan.runbookTitle, targetName: plan.target.name, expiresAt, dryRun: schedule.dryRun },
          plan.target.requiredApprovals,
        );
        return { run: { accountId, runId, requestedBy: schedule.createdBy!, requiredApprovals: plan.target.requiredApprovals, expiresAt: expiresAt.toISOString(), dryRun: schedule.dryRun, emailIds } };
      });
    },

    async prepareRuleRuns({ accountId, limit }: PrepareRuleRunsInput): Promise<PrepareRuleRunsResult> {
      return withAccount(sql, accountId, async (tx) => {
        const firings = await lockPendingFirings(tx, accountId, limit);
        const runs: StartableAutomationRun[] = [];
        for (const firing of firings) {
          // Created by an earlier attempt whose start (or marking) did not finish: start it again (the id is fixed).
          const existing = firing.runId ? await startableRun(tx, accountId, firing.runId) : undefined;
          if (existing) {
            runs.push(existing);
            continue;
          }
          const rule = await getRule(tx, accountId, firing.ruleId);
          if (!rule) continue;
          const skip = async (reason: string) => {
            await skipFiring(tx, accountId, firing.id, reason);
            await recordRuleError(tx, accountId, rule.id, reason);
            await appendAudit(tx, accountId, { action: 'automation_rule.skipped', actor: ruleActor(rule.name), target: { type: 'automation_rule', id: rule.id }, details: { reason, incidentId: firing.incidentId, firingId: firing.id } });
          };
          const gone = await creatorGone(tx, accountId, rule.createdBy);
          if (gone) {
            await skip(gone);
            continue;
          }
          const loaded = await loadRunInputs(tx, accountId, { runbookId: rule.runbookId, version: null, targetId: rule.targetId });
          const plan = loaded.ok ? withPolicy(loaded) : loaded;
          if (!plan.ok) {
            await skip(plan.reason);
            continue;
          }
          // Auto-run is re-checked now: the runbook may have gained a step that is not read-only since the rule was saved.
          const autoRun = rule.autoRun && readOnlyThroughout(plan.policy);
          const autoRunRefused = rule.autoRun && !autoRun ? 'the runbook now has steps that are not read-only: the run waits for approval' : undefined;
          const requiredApprovals = autoRun ? 0 : plan.target.requiredApprovals;
          const expiresAt = new Date(Date.now() + TRIGGERED_RUN_EXPIRY_SECONDS * 1000);
          const runId = firing.id;
          await insertPlannedRun(tx, plan, {
            id: runId,
            accountId,
            runbookId: rule.runbookId,
            requestedBy: rule.createdBy!,
            trigger: 'event',
            incidentId: firing.incidentId,
            dryRun: rule.dryRun,
            requiredApprovals,
            expiresAt,
            workflowId: automationRunWorkflowId(accountId, runId),
            ruleId: rule.id,
          });
          await setFiringRun(tx, accountId, firing.id, runId);
          await recordRuleError(tx, accountId, rule.id, autoRunRefused ?? null);
          await appendAudit(tx, accountId, {
            action: 'automation_run.requested',
            actor: ruleActor(rule.name),
            subjectUserId: rule.createdBy,
            target: { type: 'automation_run', id: runId },
            details: {
              runbookId: rule.runbookId,
              runbookVersion: plan.runbookVersion,
              targetId: plan.target.id,
              dryRun: rule.dryRun,
              denied: plan.policy.denied,
              incidentId: firing.incidentId,
              ruleId: rule.id,
              reason: firing.reason,
              trigger: 'event',
              autoRun,
              ...(autoRunRefused ? { autoRunRefused } : {}),
            },
          });
          const emailIds = await notifyApprovers(
            tx,
            { accountId, runId, requestedBy: rule.createdBy, requesterLabel: `The event rule “${rule.name}”`, runbookTitle: plan.runbookTitle, targetName: plan.target.name, expiresAt, dryRun: rule.dryRun },
            requiredApprovals,
          );
          runs.push({ accountId, runId, requestedBy: rule.createdBy!, requiredApprovals, expiresAt: expiresAt.toISOString(), dryRun: rule.dryRun, emailIds });
        }
        return { runs, taken: firings.length };
      });
    },

    async markRuleFiringsStarted({ accountId, firingIds }: MarkRuleFiringsStartedInput): Promise<void> {
      await withAccount(sql, accountId, (tx) => markFiringsStarted(tx, accountId, firingIds));
    },
  };
}
