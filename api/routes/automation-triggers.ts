// Automation triggers: schedules (each backed by a Temporal Schedule `automation-schedule/<account>/<id>`, whose
// action creates the run in the creator's name and starts its workflow) and event rules (matched during unification;
// see activities/automation-triggers.ts). Managing them needs `automations:targets`; an auto-run rule additionally an
// owner or admin, and a runbook whose every step is read-only.
import { randomUUID } from 'node:crypto';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { ScheduleNotFoundError, ScheduleOverlapPolicy, type ScheduleOptions } from '@temporalio/client';
import { readOnlyThroughout, withPolicy } from '../../analysis/runbooks/automation-policy.ts';
import { appendAudit } from '../../db/audit.ts';
import {
  deleteRule,
  deleteSchedule,
  getRule,
  getSchedule,
  insertRule,
  insertSchedule,
  listFirings,
  listRules,
  listSchedules,
  namesFor,
  loadRunInputs,
  updateRule,
  updateSchedule,
  type RuleRow,
  type ScheduleRow,
} from '../../db/automation-triggers.ts';
import { clusterNames, patternRefs } from '../../db/cluster-names.ts';
import type { TransactionSql } from '../../db/sql.ts';
import { withAccount } from '../../db/tenancy.ts';
import { mainTaskQueue } from '../../temporal/task-queues.ts';
import { automationScheduleId, automationScheduleWorkflow } from '../../workflows/index.ts';
import { AccountIdKey, KindKey } from '../../workflows/search-attributes.ts';
import type { AppDeps } from '../deps.ts';
import { AppError, notFound } from '../errors.ts';
import { auditActor } from '../plugins/authentication.ts';
import {
  CreateRuleBody,
  CreateScheduleBody,
  RuleEnvelope,
  RuleIdParams,
  RuleList,
  ScheduleEnvelope,
  ScheduleIdParams,
  ScheduleList,
  UpdateRuleBody,
  UpdateScheduleBody,
} from '../schemas/automation-triggers.ts';
import { commonErrors, ErrorResponse } from '../schemas/common.ts';
import { TEMPORAL_DEADLINE_MS, temporalFailure } from './jobs.ts';

/** gRPC's INVALID_ARGUMENT: Temporal's answer to a cron expression or time zone it cannot read. */
const GRPC_INVALID_ARGUMENT = 3;
const errors = { ...commonErrors, 401: ErrorResponse, 403: ErrorResponse, 404: ErrorResponse, 409: ErrorResponse, 503: ErrorResponse };
const DEFAULT_COOLDOWN_SECONDS = 1800;
const AUTO_RUN_ROLES = ['owner', 'admin'];

const bad = (field: string, message: string) => new AppError(400, 'invalid_body', message, [{ field, in: 'body', message: `body.${field} ${message}` }]);

const CRON_MACROS = new Set(['@yearly', '@annually', '@monthly', '@weekly', '@daily', '@midnight', '@hourly']);
const CRON_FIELDS: [string, number, number, Record<string, number>?][] = [
  ['minute', 0, 59],
  ['hour', 0, 23],
  ['day of month', 1, 31],
  ['month', 1, 12, Object.fromEntries(['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'].map((m, i) => [m, i + 1]))],
  ['day of week', 0, 7, Object.fromEntries(['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'].map((d, i) => [d, i]))],
];

/** Why a cron expression is not one Temporal reads as we document it (5 fields, or a macro), or null. */
export function cronProblem(expression: string): string | null {
  const text = expression.trim().toLowerCase();
  if (CRON_MACROS.has(text)) return null;
  const fields = text.split(/\s+/);
  if (fields.length !== 5) return `“${expression}” has ${fields.length} fields; a cron expression has 5 (minute hour day-of-month month day-of-week)`;
  for (const [i, field] of fields.entries()) {
    const [name, min, max, names] = CRON_FIELDS[i]!;
    const value = (v: string) => (names && v in names ? names[v]! : /^\d+$/.test(v) ? Number(v) : NaN);
    for (const part of field.split(',')) {
      const m = /^(\*|[a-z0-9]+(?:-[a-z0-9]+)?)(?:\/(\d+))?$/.exec(part);
      if (!m) return `“${expression}”: the ${name} field “${field}” is not valid`;
      if (m[2] !== undefined && Number(m[2]) < 1) return `“${expression}”: a step in the ${name} field must be at least 1`;
      if (m[1] === '*') continue;
      const [from, to] = m[1]!.split('-').map(value);
      if ([from, to ?? from].some((v) => Number.isNaN(v) || v! < min || v! > max)) return `“${expression}”: the ${name} field allows ${min}–${max}`;
      if (to !== undefined && to < from!) return `“${expression}”: the range in the ${name} field runs backwards`;
    }
  }
  return null;
}

export function checkCron(cron: readonly string[] | undefined): void {
  for (const expression of cron ?? []) {
    const problem = cronProblem(expression);
    if (problem) throw bad('cron', problem);
  }
}

export function checkTimeZone(timeZone: string | undefined): void {
  if (timeZone === undefined) return;
  try {
    new Intl.DateTimeFormat('en', { timeZone });
  } catch {
    throw bad('timeZone', `“${timeZone}” is not an IANA time zone`);
  }
}

export const automationTriggerRoutes: FastifyPluginAsyncTypebox<{ deps: AppDeps }> = async (app, { deps }) => {
  const { sql, config, temporal } = deps;

  const scheduleOptions = (accountId: string, row: ScheduleRow): ScheduleOptions => ({
    scheduleId: automationScheduleId(accountId, row.id),
    spec: { cronExpressions: row.cron, timezone: row.timeZone },
    action: {
      type: 'startWorkflow',
      workflowType: automationScheduleWorkflow,
      workflowId: automationScheduleId(accountId, row.id),
      taskQueue: mainTaskQueue(config),
      args: [{ accountId, scheduleId: row.id }],
      typedSearchAttributes: [
        { key: AccountIdKey, value: accountId },
        { key: KindKey, value: 'automation-schedule' },
      ],
    },
    // The action only creates the run and starts its workflow (abandoned): it takes a second, so SKIP never drops a
    // firing in practice; runs themselves may overlap (each waits for its own approval).
    policies: { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: '10 minutes' },
    state: { paused: !row.enabled, note: row.enabled ? undefined : 'created paused' },
    memo: { purpose: `Automation schedule “${row.name}” (see docs/automations.md)` },
    typedSearchAttributes: [{ key: AccountIdKey, value: accountId }],
  });

  /** Temporal calls with a deadline; a cron or time zone the server refuses is the caller's 400, naming the field. */
  const onTemporal = async <T>(fn: () => Promise<T>): Promise<T> => {
    try {
      return await temporal.connection.withDeadline(Date.now() + TEMPORAL_DEADLINE_MS * 3, fn);
    } catch (err) {
      const code = (err as { code?: number; cause?: { code?: number } }).code ?? (err as { cause?: { code?: number } }).cause?.code;
      if (code === GRPC_INVALID_ARGUMENT) {
        const message = (err as Error).message;
        throw bad(/time ?zone|location/i.test(message) ? 'timeZone' : 'cron', `was refused by Temporal: ${message}`);
      }
      throw temporalFailure(err);
    }
  };

  const nextRunTimes = async (accountId: string, row: ScheduleRow): Promise<string[]> => {
    if (!row.enabled) return [];
    try {
      const described = await temporal.connection.withDeadline(Date.now() + TEMPORAL_DEADLINE_MS, () => temporal.client.schedule.getHandle(automationScheduleId(accountId, row.id)).describe());
      return described.state.paused ? [] : described.info.nextActionTimes.slice(0, 5).map((d) => d.toISOString());
    } catch {
      // Temporal unreachable or the schedule missing: the list still answers, without times.
      return [];
    }
  };

  const scheduleViews = async (tx: TransactionSql, accountId: string, rows: ScheduleRow[]) => {
    const names = await namesFor(tx, accountId, rows.map((r) => r.runbookId), rows.map((r) => r.targetId));
    return Promise.all(
      rows.map(async (row) => ({
        id: row.id,
        name: row.name,
        runbookId: row.runbookId,
        runbookTitle: names.runbooks.get(row.runbookId) ?? null,
        runbookVersion: row.runbookVersion,
        targetId: row.targetId,
        targetName: names.targets.get(row.targetId) ?? null,
        cron: row.cron,
        timeZone: row.timeZone,
        dryRun: row.dryRun,
        enabled: row.enabled,
        temporalScheduleId: automationScheduleId(accountId, row.id),
        nextRunTimes: await nextRunTimes(accountId, row),
        lastFiredAt: row.lastFiredAt?.toISOString() ?? null,
        lastRunId: row.lastRunId,
        lastError: row.lastError,
        createdBy: row.createdBy,
        createdAt: row.createdAt.toISOString(),
        updatedAt: row.updatedAt.toISOString(),
      })),
    );
  };

  const scheduleView = async (accountId: string, id: string) =>
    withAccount(sql, accountId, async (tx) => {
      const row = await getSchedule(tx, accountId, id);
      if (!row) throw notFound('automation schedule', id);
      return (await scheduleViews(tx, accountId, [row]))[0]!;
    });

  /** The runbook (and version) and target exist in this account: a 400 naming the field otherwise. */
  const checkRefs = async (tx: TransactionSql, accountId: string, p: { runbookId: string; version: number | null; targetId: string }) => {
    const loaded = await loadRunInputs(tx, accountId, p);
    const plan = loaded.ok ? withPolicy(loaded) : loaded;
    if (!plan.ok) {
      const field = plan.reason.includes('target') ? 'targetId' : plan.reason.includes('version') ? 'runbookVersion' : 'runbookId';
      throw bad(field, plan.reason.replace(/^the /, 'names a ').replace(' was deleted', ' that does not exist'));
    }
    return plan;
  };

  app.get(
    '/api/automation-schedules',
    { config: { access: 'automations:read' }, schema: { tags: ['automations'], summary: 'Schedules that start runs, with their next run times', response: { 200: ScheduleList, ...errors } } },
    async (request) => ({
      schedules: await withAccount(sql, request.accountId, async (tx) => scheduleViews(tx, request.accountId, await listSchedules(tx, request.accountId))),
    }),
  );

  app.get(
    '/api/automation-schedules/:id',
    { config: { access: 'automations:read' }, schema: { tags: ['automations'], summary: 'One schedule', params: ScheduleIdParams, response: { 200: ScheduleEnvelope, ...errors } } },
    async (request) => ({ schedule: await scheduleView(request.accountId, request.params.id) }),
  );

  app.post(
    '/api/automation-schedules',
    {
      config: { access: 'automations:targets' },
      schema: {
        tags: ['automations'],
        summary: 'Add a schedule: a Temporal Schedule fires at the cron times and requests a run in your name (others approve it)',
        body: CreateScheduleBody,
        response: { 201: ScheduleEnvelope, ...errors },
      },
    },
    async (request, reply) => {
      const { accountId } = request;
      const body = request.body;
      checkCron(body.cron);
      checkTimeZone(body.timeZone);
      const id = randomUUID();
      await withAccount(sql, accountId, async (tx) => {
        await checkRefs(tx, accountId, { runbookId: body.runbookId, version: body.runbookVersion ?? null, targetId: body.targetId });
        const row = await insertSchedule(tx, {
          id,
          accountId,
          name: body.name,
          runbookId: body.runbookId,
          runbookVersion: body.runbookVersion ?? null,
          targetId: body.targetId,
          cron: body.cron,
          timeZone: body.timeZone ?? 'UTC',
          dryRun: body.dryRun ?? false,
          enabled: body.enabled ?? true,
          createdBy: request.caller!.userId,
        });
        await appendAudit(tx, accountId, {
          action: 'automation_schedule.created',
          actor: auditActor(request),
          target: { type: 'automation_schedule', id },
          details: { name: row.name, runbookId: row.runbookId, targetId: row.targetId, cron: row.cron, timeZone: row.timeZone, dryRun: row.dryRun, enabled: row.enabled },
        });
        // Last, inside the transaction: a refused schedule leaves no row behind.
        await onTemporal(() => temporal.client.schedule.create(scheduleOptions(accountId, row)));
      });
      reply.code(201);
      return { schedule: await scheduleView(accountId, id) };
    },
  );

  app.patch(
    '/api/automation-schedules/:id',
    { config: { access: 'automations:targets' }, schema: { tags: ['automations'], summary: 'Change a schedule (its Temporal Schedule follows)', params: ScheduleIdParams, body: UpdateScheduleBody, response: { 200: ScheduleEnvelope, ...errors } } },
    async (request) => {
      const { accountId } = request;
      const body = request.body;
      checkCron(body.cron);
      checkTimeZone(body.timeZone);
      await withAccount(sql, accountId, async (tx) => {
        const existing = await getSchedule(tx, accountId, request.params.id);
        if (!existing) throw notFound('automation schedule', request.params.id);
        if (body.runbookId || body.targetId || body.runbookVersion !== undefined) {
          await checkRefs(tx, accountId, { runbookId: body.runbookId ?? existing.runbookId, version: body.runbookVersion === undefined ? existing.runbookVersion : body.runbookVersion, targetId: body.targetId ?? existing.targetId });
        }
        const row = (await updateSchedule(tx, accountId, existing.id, body))!;
        await appendAudit(tx, accountId, { action: 'automation_schedule.updated', actor: auditActor(request), target: { type: 'automation_schedule', id: row.id }, details: { changed: Object.keys(body), cron: row.cron, timeZone: row.timeZone } });
        const options = scheduleOptions(accountId, row);
        await onTemporal(() =>
          temporal.client.schedule.getHandle(options.scheduleId).update((previous) => ({
            ...previous,
            spec: options.spec,
            action: options.action,
            state: { ...previous.state, paused: !row.enabled },
          })),
        );
      });
      return { schedule: await scheduleView(accountId, request.params.id) };
    },
  );

  for (const change of ['pause', 'resume'] as const) {
    app.post(
      `/api/automation-schedules/:id/${change}`,
      {
        config: { access: 'automations:targets' },
        schema: { tags: ['automations'], summary: change === 'pause' ? 'Pause a schedule (it fires nothing until resumed)' : 'Resume a paused schedule', params: ScheduleIdParams, response: { 200: ScheduleEnvelope, ...errors } },
      },
      async (request) => {
        const { accountId } = request;
        await withAccount(sql, accountId, async (tx) => {
          const existing = await getSchedule(tx, accountId, request.params.id);
          if (!existing) throw notFound('automation schedule', request.params.id);
          await updateSchedule(tx, accountId, existing.id, { enabled: change === 'resume' });
          await appendAudit(tx, accountId, { action: change === 'pause' ? 'automation_schedule.paused' : 'automation_schedule.resumed', actor: auditActor(request), target: { type: 'automation_schedule', id: existing.id }, details: { name: existing.name } });
          const handle = temporal.client.schedule.getHandle(automationScheduleId(accountId, existing.id));
          const note = `${change === 'pause' ? 'paused' : 'resumed'} by ${auditActor(request).label}`;
          await onTemporal(() => (change === 'pause' ? handle.pause(note) : handle.unpause(note)));
        });
        return { schedule: await scheduleView(accountId, request.params.id) };
      },
    );
  }

  app.delete(
    '/api/automation-schedules/:id',
    { config: { access: 'automations:targets' }, schema: { tags: ['automations'], summary: 'Delete a schedule and its Temporal Schedule (runs it started stay)', params: ScheduleIdParams, response: { 204: { type: 'null' }, ...errors } } },
    async (request, reply) => {
      const { accountId } = request;
      await withAccount(sql, accountId, async (tx) => {
        const row = await deleteSchedule(tx, accountId, request.params.id);
        if (!row) throw notFound('automation schedule', request.params.id);
        await appendAudit(tx, accountId, { action: 'automation_schedule.deleted', actor: auditActor(request), target: { type: 'automation_schedule', id: row.id }, details: { name: row.name } });
        await onTemporal(async () => {
          try {
            await temporal.client.schedule.getHandle(automationScheduleId(accountId, row.id)).delete();
          } catch (err) {
            if (!(err instanceof ScheduleNotFoundError)) throw err;
          }
        });
      });
      reply.code(204);
    },
  );

  const ruleViews = async (tx: TransactionSql, accountId: string, rows: RuleRow[]) => {
    const names = await namesFor(tx, accountId, rows.map((r) => r.runbookId), rows.map((r) => r.targetId));
    const patterns = await clusterNames(tx, accountId, rows.flatMap((r) => r.clusterIds));
    return Promise.all(
      rows.map(async (row) => ({
        id: row.id,
        name: row.name,
        enabled: row.enabled,
        clusterIds: row.clusterIds,
        clusters: patternRefs(patterns, row.clusterIds),
        services: row.services,
        severities: row.severities,
        novelties: row.novelties,
        onNew: row.onNew,
        onReopened: row.onReopened,
        runbookId: row.runbookId,
        runbookTitle: names.runbooks.get(row.runbookId) ?? null,
        targetId: row.targetId,
        targetName: names.targets.get(row.targetId) ?? null,
        cooldownSeconds: row.cooldownSeconds,
        autoRun: row.autoRun,
        dryRun: row.dryRun,
        lastError: row.lastError,
        createdBy: row.createdBy,
        createdAt: row.createdAt.toISOString(),
        updatedAt: row.updatedAt.toISOString(),
        recentFirings: (await listFirings(tx, accountId, row.id)).map((f) => ({ id: f.id, incidentId: f.incidentId, reason: f.reason, status: f.status, runId: f.runId, error: f.error, createdAt: f.createdAt.toISOString() })),
      })),
    );
  };

  const ruleView = (tx: TransactionSql, accountId: string, row: RuleRow) => ruleViews(tx, accountId, [row]).then((v) => v[0]!);

  /** Auto-run: an owner's or admin's choice, and only for a runbook whose every step is read-only. */
  const checkAutoRun = async (tx: TransactionSql, accountId: string, role: string | undefined, p: { runbookId: string; targetId: string }) => {
    if (!role || !AUTO_RUN_ROLES.includes(role)) throw new AppError(403, 'forbidden', 'Only owners and admins may let a rule run without approval', [{ field: 'autoRun', in: 'body', message: 'body.autoRun needs the owner or admin role' }]);
    const plan = await checkRefs(tx, accountId, { runbookId: p.runbookId, version: null, targetId: p.targetId });
    if (!readOnlyThroughout(plan.policy)) {
      const steps = plan.policy.steps.filter((s) => s.risk !== 'read-only').map((s) => s.index + 1);
      throw bad('autoRun', `is refused: step${steps.length === 1 ? '' : 's'} ${steps.join(', ')} of the runbook ${steps.length === 1 ? 'is' : 'are'} not read-only, so its runs must be approved`);
    }
  };

  app.get(
    '/api/automation-rules',
    { config: { access: 'automations:read' }, schema: { tags: ['automations'], summary: 'Event rules: incidents that start runs', response: { 200: RuleList, ...errors } } },
    async (request) => ({ rules: await withAccount(sql, request.accountId, async (tx) => ruleViews(tx, request.accountId, await listRules(tx, request.accountId))) }),
  );

  app.get(
    '/api/automation-rules/:id',
    { config: { access: 'automations:read' }, schema: { tags: ['automations'], summary: 'One event rule with its recent firings', params: RuleIdParams, response: { 200: RuleEnvelope, ...errors } } },
    async (request) =>
      withAccount(sql, request.accountId, async (tx) => {
        const row = await getRule(tx, request.accountId, request.params.id);
        if (!row) throw notFound('automation rule', request.params.id);
        return { rule: await ruleView(tx, request.accountId, row) };
      }),
  );

  app.post(
    '/api/automation-rules',
    {
      config: { access: 'automations:targets' },
      schema: {
        tags: ['automations'],
        summary: 'Add an event rule: a matching new or re-opened incident requests a run (in your name), once per cooldown',
        body: CreateRuleBody,
        response: { 201: RuleEnvelope, ...errors },
      },
    },
    async (request, reply) => {
      const { accountId } = request;
      const body = request.body;
      if (body.onNew === false && !body.onReopened) throw bad('onNew', 'and onReopened are both off: the rule would never fire');
      const rule = await withAccount(sql, accountId, async (tx) => {
        await checkRefs(tx, accountId, { runbookId: body.runbookId, version: null, targetId: body.targetId });
        if (body.autoRun) await checkAutoRun(tx, accountId, request.caller!.account?.role, body);
        const row = await insertRule(tx, {
          id: randomUUID(),
          accountId,
          name: body.name,
          enabled: body.enabled ?? true,
          clusterIds: body.clusterIds ?? [],
          services: body.services ?? [],
          severities: body.severities ?? [],
          novelties: body.novelties ?? [],
          onNew: body.onNew ?? true,
          onReopened: body.onReopened ?? false,
          runbookId: body.runbookId,
          targetId: body.targetId,
          cooldownSeconds: body.cooldownSeconds ?? DEFAULT_COOLDOWN_SECONDS,
          autoRun: body.autoRun ?? false,
          dryRun: body.dryRun ?? false,
          createdBy: request.caller!.userId,
        });
        await appendAudit(tx, accountId, {
          action: 'automation_rule.created',
          actor: auditActor(request),
          target: { type: 'automation_rule', id: row.id },
          details: { name: row.name, runbookId: row.runbookId, targetId: row.targetId, autoRun: row.autoRun, clusterIds: row.clusterIds, services: row.services, severities: row.severities, novelties: row.novelties },
        });
        return ruleView(tx, accountId, row);
      });
      reply.code(201);
      return { rule };
    },
  );

  app.patch(
    '/api/automation-rules/:id',
    { config: { access: 'automations:targets' }, schema: { tags: ['automations'], summary: 'Change an event rule', params: RuleIdParams, body: UpdateRuleBody, response: { 200: RuleEnvelope, ...errors } } },
    async (request) => {
      const { accountId } = request;
      const body = request.body;
      const rule = await withAccount(sql, accountId, async (tx) => {
        const existing = await getRule(tx, accountId, request.params.id);
        if (!existing) throw notFound('automation rule', request.params.id);
        const next = { runbookId: body.runbookId ?? existing.runbookId, targetId: body.targetId ?? existing.targetId };
        if ((body.onNew ?? existing.onNew) === false && !(body.onReopened ?? existing.onReopened)) throw bad('onNew', 'and onReopened are both off: the rule would never fire');
        const moved = next.runbookId !== existing.runbookId || next.targetId !== existing.targetId;
        if (moved) await checkRefs(tx, accountId, { ...next, version: null });
        // Turning auto-run on, or pointing an auto-run rule at another runbook or target, is checked again; an edit
        // that leaves both alone (a form sends them all) is not refused for a runbook that changed since: its runs
        // wait for approval then, as each firing re-checks.
        const autoRun = body.autoRun ?? existing.autoRun;
        if (autoRun && ((body.autoRun === true && !existing.autoRun) || moved)) await checkAutoRun(tx, accountId, request.caller!.account?.role, next);
        const row = (await updateRule(tx, accountId, existing.id, body))!;
        await appendAudit(tx, accountId, { action: 'automation_rule.updated', actor: auditActor(request), target: { type: 'automation_rule', id: row.id }, details: { changed: Object.keys(body), autoRun: row.autoRun } });
        return ruleView(tx, accountId, row);
      });
      return { rule };
    },
  );

  app.delete(
    '/api/automation-rules/:id',
    { config: { access: 'automations:targets' }, schema: { tags: ['automations'], summary: 'Delete an event rule (runs it started stay)', params: RuleIdParams, response: { 204: { type: 'null' }, ...errors } } },
    async (request, reply) => {
      const { accountId } = request;
      await withAccount(sql, accountId, async (tx) => {
        const existing = await getRule(tx, accountId, request.params.id);
        if (!existing || !(await deleteRule(tx, accountId, existing.id))) throw notFound('automation rule', request.params.id);
        await appendAudit(tx, accountId, { action: 'automation_rule.deleted', actor: auditActor(request), target: { type: 'automation_rule', id: existing.id }, details: { name: existing.name } });
      });
      reply.code(204);
    },
  );
};
