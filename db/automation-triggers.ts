// Automation triggers (migration 0020): schedules (each mirrored by a Temporal Schedule), event rules, and the rules'
// firings (an outbox written in the unification transaction). Also the one place a run is planned from a runbook
// and a target (policy evaluated as the API's create route does), for runs no person requested directly.
import { getTarget, insertRun, type TargetRow } from './automations.ts';
import { getRunbook, getRunbookVersion, type StoredStep } from './runbooks.ts';
import type { TransactionSql } from './sql.ts';

export interface ScheduleRow {
  id: string;
  accountId: string;
  name: string;
  runbookId: string;
  runbookVersion: number | null;
  targetId: string;
  cron: string[];
  timeZone: string;
  dryRun: boolean;
  enabled: boolean;
  lastFiredAt: Date | null;
  lastRunId: string | null;
  lastError: string | null;
  createdBy: string | null;
  createdAt: Date;
  updatedAt: Date;
}

const scheduleColumns = (tx: TransactionSql) => tx`
  id, account_id as "accountId", name, runbook_id as "runbookId", runbook_version as "runbookVersion", target_id as "targetId",
  cron, time_zone as "timeZone", dry_run as "dryRun", enabled, last_fired_at as "lastFiredAt", last_run_id as "lastRunId",
  last_error as "lastError", created_by as "createdBy", created_at as "createdAt", updated_at as "updatedAt"`;

export interface NewSchedule {
  id: string;
  accountId: string;
  name: string;
  runbookId: string;
  runbookVersion: number | null;
  targetId: string;
  cron: string[];
  timeZone: string;
  dryRun: boolean;
  enabled: boolean;
  createdBy: string;
}

export async function insertSchedule(tx: TransactionSql, s: NewSchedule): Promise<ScheduleRow> {
  const [row] = await tx<ScheduleRow[]>`
    insert into automation_schedules (id, account_id, name, runbook_id, runbook_version, target_id, cron, time_zone, dry_run, enabled, created_by)
    values (${s.id}, ${s.accountId}, ${s.name}, ${s.runbookId}, ${s.runbookVersion}, ${s.targetId}, ${s.cron}, ${s.timeZone}, ${s.dryRun}, ${s.enabled}, ${s.createdBy})
    returning ${scheduleColumns(tx)}`;
  return row!;
}

export async function getSchedule(tx: TransactionSql, accountId: string, id: string): Promise<ScheduleRow | undefined> {
  const [row] = await tx<ScheduleRow[]>`select ${scheduleColumns(tx)} from automation_schedules where account_id = ${accountId} and id = ${id}`;
  return row;
}

export async function listSchedules(tx: TransactionSql, accountId: string): Promise<ScheduleRow[]> {
  return tx<ScheduleRow[]>`select ${scheduleColumns(tx)} from automation_schedules where account_id = ${accountId} order by created_at, id`;
}

export interface SchedulePatch {
  name?: string | undefined;
  runbookId?: string | undefined;
  /** null: the current version. */
  runbookVersion?: number | null | undefined;
  targetId?: string | undefined;
  cron?: string[] | undefined;
  timeZone?: string | undefined;
  dryRun?: boolean | undefined;
  enabled?: boolean | undefined;
}

export async function updateSchedule(tx: TransactionSql, accountId: string, id: string, p: SchedulePatch): Promise<ScheduleRow | undefined> {
  const [row] = await tx<ScheduleRow[]>`
    update automation_schedules set
      name = coalesce(${p.name ?? null}, name),
      runbook_id = coalesce(${p.runbookId ?? null}::uuid, runbook_id),
      runbook_version = case when ${p.runbookVersion !== undefined} then ${p.runbookVersion ?? null}::integer else runbook_version end,
      target_id = coalesce(${p.targetId ?? null}::uuid, target_id),
      cron = coalesce(${p.cron ?? null}::text[], cron),
      time_zone = coalesce(${p.timeZone ?? null}, time_zone),
      dry_run = coalesce(${p.dryRun ?? null}::boolean, dry_run),
      enabled = coalesce(${p.enabled ?? null}::boolean, enabled),
      updated_at = now()
    where account_id = ${accountId} and id = ${id}
    returning ${scheduleColumns(tx)}`;
  return row;
}

export async function deleteSchedule(tx: TransactionSql, accountId: string, id: string): Promise<ScheduleRow | undefined> {
  const [row] = await tx<ScheduleRow[]>`delete from automation_schedules where account_id = ${accountId} and id = ${id} returning ${scheduleColumns(tx)}`;
  return row;
}

/** What the schedule's last firing did: the run it created, or why it started nothing. */
export async function recordScheduleFiring(tx: TransactionSql, accountId: string, id: string, outcome: { runId: string } | { error: string }): Promise<void> {
  await tx`
    update automation_schedules set last_fired_at = now(),
      last_run_id = ${'runId' in outcome ? outcome.runId : null}, last_error = ${'error' in outcome ? outcome.error : null}
    where account_id = ${accountId} and id = ${id}`;
}

export type RuleReason = 'new' | 'reopened';

export interface RuleRow {
  id: string;
  accountId: string;
  name: string;
  enabled: boolean;
  clusterIds: string[];
  services: string[];
  severities: string[];
  /** New-pattern labels the incident must have on arrival (db/incident-novelty.ts); empty: any. */
  novelties: string[];
  onNew: boolean;
  onReopened: boolean;
  runbookId: string;
  targetId: string;
  cooldownSeconds: number;
  autoRun: boolean;
  dryRun: boolean;
  lastError: string | null;
  createdBy: string | null;
  createdAt: Date;
  updatedAt: Date;
}

const ruleColumns = (tx: TransactionSql) => tx`
  id, account_id as "accountId", name, enabled, cluster_ids as "clusterIds", services, severities, novelties, on_new as "onNew",
  on_reopened as "onReopened", runbook_id as "runbookId", target_id as "targetId", cooldown_seconds as "cooldownSeconds",
  auto_run as "autoRun", dry_run as "dryRun", last_error as "lastError", created_by as "createdBy", created_at as "createdAt",
  updated_at as "updatedAt"`;

export interface NewRule {
  id: string;
  accountId: string;
  name: string;
  enabled: boolean;
  clusterIds: string[];
  services: string[];
  severities: string[];
  novelties: string[];
  onNew: boolean;
  onReopened: boolean;
  runbookId: string;
  targetId: string;
  cooldownSeconds: number;
  autoRun: boolean;
  dryRun: boolean;
  createdBy: string;
}

export async function insertRule(tx: TransactionSql, r: NewRule): Promise<RuleRow> {
  const [row] = await tx<RuleRow[]>`
    insert into automation_rules (id, account_id, name, enabled, cluster_ids, services, severities, novelties, on_new, on_reopened, runbook_id,
                                  target_id, cooldown_seconds, auto_run, dry_run, created_by)
    values (${r.id}, ${r.accountId}, ${r.name}, ${r.enabled}, ${r.clusterIds}, ${r.services}, ${r.severities}, ${r.novelties}::text[], ${r.onNew}, ${r.onReopened},
            ${r.runbookId}, ${r.targetId}, ${r.cooldownSeconds}, ${r.autoRun}, ${r.dryRun}, ${r.createdBy})
    returning ${ruleColumns(tx)}`;
  return row!;
}

export async function getRule(tx: TransactionSql, accountId: string, id: string): Promise<RuleRow | undefined> {
  const [row] = await tx<RuleRow[]>`select ${ruleColumns(tx)} from automation_rules where account_id = ${accountId} and id = ${id}`;
  return row;
}

export async function listRules(tx: TransactionSql, accountId: string): Promise<RuleRow[]> {
  return tx<RuleRow[]>`select ${ruleColumns(tx)} from automation_rules where account_id = ${accountId} order by created_at, id`;
}

export type RulePatch = Partial<Omit<NewRule, 'id' | 'accountId' | 'createdBy'>>;

export async function updateRule(tx: TransactionSql, accountId: string, id: string, p: RulePatch): Promise<RuleRow | undefined> {
  const [row] = await tx<RuleRow[]>`
    update automation_rules set
      name = coalesce(${p.name ?? null}, name),
      enabled = coalesce(${p.enabled ?? null}::boolean, enabled),
      cluster_ids = coalesce(${p.clusterIds ?? null}::text[], cluster_ids),
      services = coalesce(${p.services ?? null}::text[], services),
      severities = coalesce(${p.severities ?? null}::text[], severities),
      novelties = coalesce(${p.novelties ?? null}::text[], novelties),
      on_new = coalesce(${p.onNew ?? null}::boolean, on_new),
      on_reopened = coalesce(${p.onReopened ?? null}::boolean, on_reopened),
      runbook_id = coalesce(${p.runbookId ?? null}::uuid, runbook_id),
      target_id = coalesce(${p.targetId ?? null}::uuid, target_id),
      cooldown_seconds = coalesce(${p.cooldownSeconds ?? null}::integer, cooldown_seconds),
      auto_run = coalesce(${p.autoRun ?? null}::boolean, auto_run),
      dry_run = coalesce(${p.dryRun ?? null}::boolean, dry_run),
      updated_at = now()
    where account_id = ${accountId} and id = ${id}
    returning ${ruleColumns(tx)}`;
  return row;
}

export async function deleteRule(tx: TransactionSql, accountId: string, id: string): Promise<boolean> {
  return (await tx`delete from automation_rules where account_id = ${accountId} and id = ${id} returning id`).length > 0;
}

export async function recordRuleError(tx: TransactionSql, accountId: string, id: string, error: string | null): Promise<void> {
  await tx`update automation_rules set last_error = ${error} where account_id = ${accountId} and id = ${id}`;
}

export type RunInputs =
  | { ok: true; runbookVersion: number; runbookTitle: string; target: TargetRow; steps: StoredStep[] }
  | { ok: false; reason: string; missing: 'runbook' | 'runbook version' | 'automation target' };

/**
 * What a run of a runbook's version on a target starts from (the caller evaluates the target's policy on the steps:
 * analysis/runbooks/automation-policy.ts `withPolicy`), or the reason when the runbook, version or target is gone.
 */
export async function loadRunInputs(tx: TransactionSql, accountId: string, p: { runbookId: string; version: number | null; targetId: string }): Promise<RunInputs> {
  const runbook = await getRunbook(tx, accountId, p.runbookId);
  if (!runbook) return { ok: false, reason: 'the runbook was deleted', missing: 'runbook' };
  const version = await getRunbookVersion(tx, accountId, p.runbookId, p.version ?? runbook.currentVersion);
  if (!version) return { ok: false, reason: `the runbook has no version ${p.version}`, missing: 'runbook version' };
  const target = await getTarget(tx, accountId, p.targetId);
  if (!target) return { ok: false, reason: 'the target was deleted', missing: 'automation target' };
  return { ok: true, runbookVersion: version.version, runbookTitle: version.title, target, steps: version.steps };
}

/** A run ready to store: its inputs and the policy's outcome per step. */
export interface PlannedRun {
  runbookVersion: number;
  target: { id: string };
  steps: readonly { title: string; command: string }[];
  policy: { steps: readonly { risk: string; destructive: boolean; allowed: boolean; reason?: string | undefined }[] };
}

/**
 * Stores a planned run (and its steps, with the policy's outcome for each) for a person's request, a schedule or an
 * event rule; a run that exists already is left as it is (false).
 */
export async function insertPlannedRun(
  tx: TransactionSql,
  plan: PlannedRun,
  r: { id: string; accountId: string; runbookId: string; requestedBy: string; trigger: 'manual' | 'schedule' | 'event'; incidentId: string | null; dryRun: boolean; requiredApprovals: number; expiresAt: Date; workflowId: string; scheduleId?: string; ruleId?: string },
): Promise<boolean> {
  if ((await tx`select 1 from automation_runs where id = ${r.id}`).length > 0) return false;
  await insertRun(tx, {
    id: r.id,
    accountId: r.accountId,
    runbookId: r.runbookId,
    runbookVersion: plan.runbookVersion,
    targetId: plan.target.id,
    requestedBy: r.requestedBy,
    trigger: r.trigger,
    incidentId: r.incidentId,
    dryRun: r.dryRun,
    requiredApprovals: r.requiredApprovals,
    expiresAt: r.expiresAt,
    workflowId: r.workflowId,
    steps: plan.steps.map((s, i) => {
      const d = plan.policy.steps[i]!;
      return { index: i, title: s.title, command: s.command, risk: d.risk, destructive: d.destructive, deniedReason: d.allowed ? null : d.reason ?? 'denied' };
    }),
  });
  if (r.scheduleId || r.ruleId) await tx`update automation_runs set schedule_id = ${r.scheduleId ?? null}, rule_id = ${r.ruleId ?? null} where id = ${r.id}`;
  return true;
}

export interface FiringCandidate {
  incidentId: string;
  reason: RuleReason;
}

/**
 * Inside the unification transaction: the enabled rules matching each new or re-opened incident (cluster, service,
 * severity, new-pattern label as computed on its arrival; empty = any) become pending firings, unless the rule fired for the same cluster (else service, else
 * incident) within its cooldown; the same cluster is the incident's cluster now, also for a firing made before it had one. The rules are locked, so concurrent transactions cannot both pass a cooldown.
 */
export async function recordRuleFirings(tx: TransactionSql, accountId: string, candidates: readonly FiringCandidate[], newId: () => string): Promise<number> {
  if (candidates.length === 0) return 0;
  const rules = await tx<RuleRow[]>`select ${ruleColumns(tx)} from automation_rules where account_id = ${accountId} and enabled order by id for update`;
  if (rules.length === 0) return 0;
  const reasons = new Map(candidates.map((c) => [c.incidentId, c.reason]));
  const incidents = await tx<{ id: string; service: string | null; severity: string; clusterId: string | null; novelty: string | null }[]>`
    select id, service, severity, cluster_id as "clusterId", novelty from incidents where account_id = ${accountId} and id = any(${[...reasons.keys()]}::uuid[])
    order by created_at, id`;
  let fired = 0;
  for (const incident of incidents) {
    const reason = reasons.get(incident.id)!;
    for (const rule of rules) {
      if (reason === 'new' ? !rule.onNew : !rule.onReopened) continue;
      if (rule.clusterIds.length > 0 && !(incident.clusterId && rule.clusterIds.includes(incident.clusterId))) continue;
      if (rule.services.length > 0 && !(incident.service && rule.services.includes(incident.service))) continue;
      if (rule.severities.length > 0 && !rule.severities.includes(incident.severity)) continue;
      if (rule.novelties.length > 0 && !(incident.novelty && rule.novelties.includes(incident.novelty))) continue;
      const cooldownKey = incident.clusterId ? `cluster:${incident.clusterId}` : incident.service ? `service:${incident.service}` : `incident:${incident.id}`;
      // The same problem is judged by today's clusters: a firing for an incident that had no cluster yet (before the
      // account's first recluster placed it) or whose cluster a recluster has since renamed holds the cooldown for
      // the cluster that incident is in now, so a storm spanning the first recluster still starts one run.
      const recent = await tx`
        select 1 from automation_rule_firings f
        where f.rule_id = ${rule.id} and f.created_at > now() - make_interval(secs => ${rule.cooldownSeconds})
          and (f.cooldown_key = ${cooldownKey}
               or (${incident.clusterId}::text is not null
                   and exists (select 1 from incidents i where i.id = f.incident_id and i.cluster_id = ${incident.clusterId}::text)))
        limit 1`;
      if (recent.length > 0) continue;
      await tx`
        insert into automation_rule_firings (id, account_id, rule_id, incident_id, reason, cooldown_key)
        values (${newId()}, ${accountId}, ${rule.id}, ${incident.id}, ${reason}, ${cooldownKey})`;
      fired += 1;
    }
  }
  return fired;
}

export interface FiringRow {
  id: string;
  ruleId: string;
  incidentId: string;
  reason: RuleReason;
  status: 'pending' | 'started' | 'skipped';
  runId: string | null;
  error: string | null;
  createdAt: Date;
}

const firingColumns = (tx: TransactionSql) => tx`
  id, rule_id as "ruleId", incident_id as "incidentId", reason, status, run_id as "runId", error, created_at as "createdAt"`;

/** Pending firings, oldest first, locked so two unifications of the account never take the same one. */
export async function lockPendingFirings(tx: TransactionSql, accountId: string, limit: number): Promise<FiringRow[]> {
  return tx<FiringRow[]>`
    select ${firingColumns(tx)} from automation_rule_firings where account_id = ${accountId} and status = 'pending'
    order by created_at, id limit ${limit} for update skip locked`;
}

export async function listFirings(tx: TransactionSql, accountId: string, ruleId: string, limit = 20): Promise<FiringRow[]> {
  return tx<FiringRow[]>`select ${firingColumns(tx)} from automation_rule_firings where account_id = ${accountId} and rule_id = ${ruleId} order by created_at desc, id desc limit ${limit}`;
}

export async function setFiringRun(tx: TransactionSql, accountId: string, id: string, runId: string): Promise<void> {
  await tx`update automation_rule_firings set run_id = ${runId} where account_id = ${accountId} and id = ${id}`;
}

export async function skipFiring(tx: TransactionSql, accountId: string, id: string, error: string): Promise<void> {
  await tx`update automation_rule_firings set status = 'skipped', error = ${error}, started_at = now() where account_id = ${accountId} and id = ${id} and status = 'pending'`;
}

export async function markFiringsStarted(tx: TransactionSql, accountId: string, ids: readonly string[]): Promise<number> {
  if (ids.length === 0) return 0;
  const rows = await tx`update automation_rule_firings set status = 'started', started_at = now()
                        where account_id = ${accountId} and id = any(${ids as string[]}::uuid[]) and status = 'pending' returning id`;
  return rows.length;
}

/** Runbook titles and target names for lists (a deleted one is absent). */
export async function namesFor(tx: TransactionSql, accountId: string, runbookIds: readonly string[], targetIds: readonly string[]): Promise<{ runbooks: Map<string, string>; targets: Map<string, string> }> {
  const runbooks = runbookIds.length === 0 ? [] : await tx<{ id: string; title: string }[]>`select id, title from runbooks where account_id = ${accountId} and id = any(${[...runbookIds]}::uuid[])`;
  const targets = targetIds.length === 0 ? [] : await tx<{ id: string; name: string }[]>`select id, name from automation_targets where account_id = ${accountId} and deleted_at is null and id = any(${[...targetIds]}::uuid[])`;
  return { runbooks: new Map(runbooks.map((r) => [r.id, r.title])), targets: new Map(targets.map((t) => [t.id, t.name])) };
}
