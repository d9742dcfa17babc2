// Automation schedules: each backed by a Temporal Schedule `automation-schedule/<account>/<id>`, whose action creates
// the run in the creator's name and starts its workflow. Managing them needs `automations:targets`.
import { randomUUID } from 'node:crypto';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { ScheduleNotFoundError, ScheduleOverlapPolicy, type ScheduleOptions } from '@temporalio/client';
import { appendAudit } from '../../db/audit.ts';
import { deleteSchedule, getSchedule, insertSchedule, listSchedules, namesFor, updateSchedule, type ScheduleRow } from '../../db/automation-triggers.ts';
import type { TransactionSql } from '../../db/sql.ts';
import { withAccount } from '../../db/tenancy.ts';
import { automationScheduleId, automationScheduleWorkflow } from '../../workflows/index.ts';
import { checkCron, checkRunRefs, checkTimeZone, invalidField } from '../automation-trigger-checks.ts';
import type { AppDeps } from '../deps.ts';
import { notFound } from '../errors.ts';
import { auditActor } from '../plugins/authentication.ts';
import { CreateScheduleBody, ScheduleEnvelope, ScheduleIdParams, ScheduleList, UpdateScheduleBody } from '../schemas/automation-schedules.ts';
import { commonErrors, ErrorResponse } from '../schemas/common.ts';
import { accountWorkflowOptions, searchAttributesOf, TEMPORAL_DEADLINE_MS, temporalFailure } from '../workflow-starts.ts';

/** gRPC's INVALID_ARGUMENT: Temporal's answer to a cron expression or time zone it cannot read. */
const GRPC_INVALID_ARGUMENT = 3;
const errors = { ...commonErrors, 401: ErrorResponse, 403: ErrorResponse, 404: ErrorResponse, 409: ErrorResponse, 503: ErrorResponse };

export const automationScheduleRoutes: FastifyPluginAsyncTypebox<{ deps: AppDeps }> = async (app, { deps }) => {
  const { sql, config, temporal } = deps;

  const scheduleOptions = (accountId: string, row: ScheduleRow): ScheduleOptions => ({
    scheduleId: automationScheduleId(accountId, row.id),
    spec: { cronExpressions: row.cron, timezone: row.timeZone },
    action: {
      type: 'startWorkflow',
      workflowType: automationScheduleWorkflow,
      ...accountWorkflowOptions(config, { workflowId: automationScheduleId(accountId, row.id), accountId, kind: 'automation-schedule' }),
      args: [{ accountId, scheduleId: row.id }],
    },
    // The action only creates the run and starts its workflow (abandoned): it takes a second, so SKIP never drops a
    // firing in practice; runs themselves may overlap (each waits for its own approval).
    policies: { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: '10 minutes' },
    state: { paused: !row.enabled, note: row.enabled ? undefined : 'created paused' },
    memo: { purpose: `Automation schedule “${row.name}” (see docs/automations.md)` },
    typedSearchAttributes: searchAttributesOf({ accountId }),
  });

  /** Temporal calls with a deadline; a cron or time zone the server refuses is the caller's 400, naming the field. */
  const onTemporal = async <T>(fn: () => Promise<T>): Promise<T> => {
    try {
      return await temporal.connection.withDeadline(Date.now() + TEMPORAL_DEADLINE_MS * 3, fn);
    } catch (err) {
      const code = (err as { code?: number; cause?: { code?: number } }).code ?? (err as { cause?: { code?: number } }).cause?.code;
      if (code === GRPC_INVALID_ARGUMENT) {
        const message = (err as Error).message;
        throw invalidField(/time ?zone|location/i.test(message) ? 'timeZone' : 'cron', `was refused by Temporal: ${message}`);
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
        await checkRunRefs(tx, accountId, { runbookId: body.runbookId, version: body.runbookVersion ?? null, targetId: body.targetId });
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
          await checkRunRefs(tx, accountId, { runbookId: body.runbookId ?? existing.runbookId, version: body.runbookVersion === undefined ? existing.runbookVersion : body.runbookVersion, targetId: body.targetId ?? existing.targetId });
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
};
