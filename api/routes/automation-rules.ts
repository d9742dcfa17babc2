// Automation event rules: matched during unification (see activities/automation-triggers.ts), a matching incident
// requests a run. Managing them needs `automations:targets`; an auto-run rule additionally an owner or admin, and a
// runbook whose every step is read-only.
import { randomUUID } from 'node:crypto';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { readOnlyThroughout } from '../../analysis/runbooks/automation-policy.ts';
import { appendAudit } from '../../db/audit.ts';
import { deleteRule, getRule, insertRule, listFirings, listRules, namesFor, updateRule, type RuleRow } from '../../db/automation-triggers.ts';
import { clusterNames, patternRefs } from '../../db/cluster-names.ts';
import type { TransactionSql } from '../../db/sql.ts';
import { withAccount } from '../../db/tenancy.ts';
import { checkRunRefs, invalidField } from '../automation-trigger-checks.ts';
import type { AppDeps } from '../deps.ts';
import { AppError, notFound } from '../errors.ts';
import { auditActor } from '../plugins/authentication.ts';
import { CreateRuleBody, RuleEnvelope, RuleIdParams, RuleList, UpdateRuleBody } from '../schemas/automation-rules.ts';
import { commonErrors, ErrorResponse } from '../schemas/common.ts';

const errors = { ...commonErrors, 401: ErrorResponse, 403: ErrorResponse, 404: ErrorResponse, 409: ErrorResponse, 503: ErrorResponse };
const DEFAULT_COOLDOWN_SECONDS = 1800;
const AUTO_RUN_ROLES = ['owner', 'admin'];

export const automationRuleRoutes: FastifyPluginAsyncTypebox<{ deps: AppDeps }> = async (app, { deps }) => {
  const { sql } = deps;

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
    const plan = await checkRunRefs(tx, accountId, { runbookId: p.runbookId, version: null, targetId: p.targetId });
    if (!readOnlyThroughout(plan.policy)) {
      const steps = plan.policy.steps.filter((s) => s.risk !== 'read-only').map((s) => s.index + 1);
      throw invalidField('autoRun', `is refused: step${steps.length === 1 ? '' : 's'} ${steps.join(', ')} of the runbook ${steps.length === 1 ? 'is' : 'are'} not read-only, so its runs must be approved`);
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
      if (body.onNew === false && !body.onReopened) throw invalidField('onNew', 'and onReopened are both off: the rule would never fire');
      const rule = await withAccount(sql, accountId, async (tx) => {
        await checkRunRefs(tx, accountId, { runbookId: body.runbookId, version: null, targetId: body.targetId });
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
        if ((body.onNew ?? existing.onNew) === false && !(body.onReopened ?? existing.onReopened)) throw invalidField('onNew', 'and onReopened are both off: the rule would never fire');
        const moved = next.runbookId !== existing.runbookId || next.targetId !== existing.targetId;
        if (moved) await checkRunRefs(tx, accountId, { ...next, version: null });
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
