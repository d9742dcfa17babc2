// Automation runs: a runbook run on a target, the policy checked, approvals through the run workflow's update (whose
// validator's refusal comes back as 403/409), cancel through workflow cancellation, and the preview of a run.
import { randomUUID } from 'node:crypto';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { WorkflowUpdateFailedError } from '@temporalio/client';
import { withPolicy } from '../../analysis/runbooks/automation-policy.ts';
import { appendAudit } from '../../db/audit.ts';
import { countPendingApprovals, getRun, listApprovals, listRuns, listRunSteps, type RunRow } from '../../db/automations.ts';
import type { TransactionSql } from '../../db/sql.ts';
import { withAccount } from '../../db/tenancy.ts';
import { approveAutomationRunUpdate, automationRunWorkflow, automationRunWorkflowId, rejectAutomationRunUpdate } from '../../workflows/index.ts';
import { enqueueApprovalRequests } from '../../db/automation-notifications.ts';
import { insertPlannedRun, loadRunInputs } from '../../db/automation-triggers.ts';
import type { AppDeps } from '../deps.ts';
import { deliverEmails } from '../email-delivery.ts';
import { AppError, notFound } from '../errors.ts';
import { allows } from '../permissions.ts';
import { auditActor, type Caller } from '../plugins/authentication.ts';
import { CreateRunBody, DecisionBody, PendingApprovals, PreviewRunBody, RunDetail, RunList, RunListQuery, RunParams, RunPreview } from '../schemas/automation-runs.ts';
import { commonErrors, ErrorResponse } from '../schemas/common.ts';
import { startAccountWorkflow, TEMPORAL_DEADLINE_MS, temporalFailure } from '../workflow-starts.ts';

const errors = { ...commonErrors, 401: ErrorResponse, 403: ErrorResponse, 404: ErrorResponse, 409: ErrorResponse, 503: ErrorResponse };
/** An approval runs a database activity inside the update: more than a plain Temporal call. */
const UPDATE_DEADLINE_MS = 15_000;
const DEFAULT_EXPIRY_SECONDS = 3600;

export const automationRunRoutes: FastifyPluginAsyncTypebox<{ deps: AppDeps }> = async (app, { deps }) => {
  const { sql, config, temporal } = deps;

  const runView = (row: RunRow) => ({
    id: row.id,
    runbookId: row.runbookId,
    runbookVersion: row.runbookVersion,
    runbookTitle: row.runbookTitle,
    targetId: row.targetId,
    targetName: row.targetName,
    requestedBy: row.requestedBy,
    trigger: row.trigger,
    incidentId: row.incidentId,
    status: row.status,
    dryRun: row.dryRun,
    requiredApprovals: row.requiredApprovals,
    expiresAt: row.expiresAt.toISOString(),
    workflowId: row.workflowId,
    summary: row.summary,
    createdAt: row.createdAt.toISOString(),
    startedAt: row.startedAt?.toISOString() ?? null,
    finishedAt: row.finishedAt?.toISOString() ?? null,
  });

  const runDetail = async (tx: TransactionSql, accountId: string, id: string) => {
    const run = await getRun(tx, accountId, id);
    if (!run) throw notFound('automation run', id);
    const steps = (await listRunSteps(tx, accountId, id)).map((s) => ({ ...s, startedAt: s.startedAt?.toISOString() ?? null, finishedAt: s.finishedAt?.toISOString() ?? null }));
    const approvals = (await listApprovals(tx, accountId, id)).map((a) => ({ ...a, createdAt: a.createdAt.toISOString() }));
    return { run: runView(run), steps, approvals, awaitingStep: run.awaitingStep };
  };

  app.get(
    '/api/automation-runs',
    { config: { access: 'automations:read' }, schema: { tags: ['automations'], summary: 'Runs, newest first', querystring: RunListQuery, response: { 200: RunList, ...errors } } },
    async (request) => ({
      runs: (
        await withAccount(sql, request.accountId, (tx) =>
          listRuns(tx, request.accountId, { status: request.query.status, limit: request.query.limit ?? 50, viewerId: request.caller!.userId }),
        )
      ).map((row) => ({ ...runView(row), decidedByMe: row.decidedByMe, awaitingStep: row.awaitingStep })),
    }),
  );

  app.get(
    '/api/automation-runs/pending-approvals',
    { config: { access: 'automations:read' }, schema: { tags: ['automations'], summary: 'How many runs wait for an approval you may give (the badge)', response: { 200: PendingApprovals, ...errors } } },
    async (request) => {
      const account = request.caller!.account;
      // Nothing waits for someone who may not approve: their badge stays empty.
      if (!account || !allows(account, 'automations:approve') || request.caller!.viaToken) return { pending: 0 };
      return { pending: await withAccount(sql, request.accountId, (tx) => countPendingApprovals(tx, request.accountId, request.caller!.userId)) };
    },
  );

  app.get(
    '/api/automation-runs/:id',
    { config: { access: 'automations:read' }, schema: { tags: ['automations'], summary: 'A run with its steps, outputs (redacted) and approvals', params: RunParams, response: { 200: RunDetail, ...errors } } },
    async (request) => withAccount(sql, request.accountId, (tx) => runDetail(tx, request.accountId, request.params.id)),
  );

  app.post(
    '/api/automation-runs',
    {
      config: { access: 'automations:run' },
      schema: {
        tags: ['automations'],
        summary: 'Request a run of a runbook on a target: the policy is applied, then it waits for approval by others',
        body: CreateRunBody,
        response: { 201: RunDetail, ...errors },
      },
    },
    async (request, reply) => {
      const { accountId } = request;
      const body = request.body;
      const userId = request.caller!.userId;
      const runId = randomUUID();
      const workflowId = automationRunWorkflowId(accountId, runId);
      const expiresAt = new Date(Date.now() + (body.expiresInSeconds ?? DEFAULT_EXPIRY_SECONDS) * 1000);
      const created = await withAccount(sql, accountId, async (tx) => {
        const loaded = await loadRunInputs(tx, accountId, { runbookId: body.runbookId, version: body.version ?? null, targetId: body.targetId });
        const plan = loaded.ok ? withPolicy(loaded) : loaded;
        if (!plan.ok) throw notFound(plan.missing, plan.missing === 'runbook version' ? String(body.version) : plan.missing === 'runbook' ? body.runbookId : body.targetId);
        // Row-level security hides other accounts' incidents; the foreign key alone would accept their ids.
        if (body.incidentId && (await tx`select 1 from incidents where account_id = ${accountId} and id = ${body.incidentId}`).length === 0) throw notFound('incident', body.incidentId);
        const requiredApprovals = plan.target.requiredApprovals;
        await insertPlannedRun(tx, plan, {
          id: runId,
          accountId,
          runbookId: body.runbookId,
          requestedBy: userId,
          trigger: 'manual',
          incidentId: body.incidentId ?? null,
          dryRun: body.dryRun ?? false,
          requiredApprovals,
          expiresAt,
          workflowId,
        });
        await appendAudit(tx, accountId, {
          action: 'automation_run.requested',
          actor: auditActor(request),
          target: { type: 'automation_run', id: runId },
          details: { runbookId: body.runbookId, runbookVersion: plan.runbookVersion, targetId: plan.target.id, dryRun: body.dryRun ?? false, denied: plan.policy.denied, ...(body.incidentId ? { incidentId: body.incidentId } : {}) },
        });
        const emailIds = await enqueueApprovalRequests(tx, {
          accountId,
          runId,
          requestedBy: userId,
          requesterLabel: auditActor(request).label,
          runbookTitle: plan.runbookTitle,
          targetName: plan.target.name,
          expiresAt,
          dryRun: body.dryRun ?? false,
          webOrigin: config.web.origin,
        });
        return { requiredApprovals, emailIds };
      }).catch((err: unknown) => {
        if ((err as { code?: string }).code === '23503') throw new AppError(404, 'not_found', 'The incident was not found');
        throw err;
      });
      try {
        // A new run id: no workflow runs with it already.
        await startAccountWorkflow(deps, automationRunWorkflow, {
          workflowId,
          accountId,
          kind: 'automation-run',
          args: [{ accountId, runId, requestedBy: userId, requiredApprovals: created.requiredApprovals, expiresAt: expiresAt.toISOString(), dryRun: body.dryRun ?? false }],
        });
      } catch (failure) {
        await withAccount(sql, accountId, (tx) => tx`update automation_runs set status = 'failed', finished_at = now(), summary = ${tx.json({ error: 'the workflow did not start' })} where id = ${runId}`);
        throw failure;
      }
      await deliverEmails(deps, created.emailIds, request.log);
      reply.code(201);
      return withAccount(sql, accountId, (tx) => runDetail(tx, accountId, runId));
    },
  );

  const decide = async (decision: 'approve' | 'reject', accountId: string, caller: Caller, runId: string, body: DecisionBody, requestId: string) => {
    // An approval is a person's judgement: a machine's token may request runs, never approve them.
    if (caller.viaToken) throw new AppError(403, 'approval_refused', 'API tokens may not approve or reject runs: a person must');
    const run = await withAccount(sql, accountId, (tx) => getRun(tx, accountId, runId));
    if (!run) throw notFound('automation run', runId);
    const handle = temporal.client.workflow.getHandle(run.workflowId);
    const args = { userId: caller.userId, role: caller.account?.role ?? 'viewer', approver: caller.account?.approver ?? false, requestId, ...(body.stepIndex === undefined ? {} : { stepIndex: body.stepIndex }), ...(body.comment ? { comment: body.comment } : {}) };
    try {
      await temporal.connection.withDeadline(Date.now() + UPDATE_DEADLINE_MS, () => handle.executeUpdate(decision === 'approve' ? approveAutomationRunUpdate : rejectAutomationRunUpdate, { args: [args] }));
    } catch (err) {
      if (err instanceof WorkflowUpdateFailedError) {
        const reason = err.cause?.message ?? err.message;
        const forbidden = /requester|approver grant/.test(reason);
        throw new AppError(forbidden ? 403 : 409, 'approval_refused', reason);
      }
      if ((err as { name?: string }).name === 'WorkflowNotFoundError') throw new AppError(409, 'approval_refused', `the run is ${run.status.replace('_', ' ')}: it waits for no approval`);
      throw temporalFailure(err);
    }
    return withAccount(sql, accountId, (tx) => runDetail(tx, accountId, run.id));
  };

  for (const decision of ['approve', 'reject'] as const) {
    app.post(
      `/api/automation-runs/:id/${decision}`,
      {
        config: { access: 'automations:approve' },
        schema: {
          tags: ['automations'],
          summary: decision === 'approve' ? 'Approve a run (or its waiting destructive step); not your own' : 'Reject a run (or its waiting destructive step): nothing more runs',
          params: RunParams,
          body: DecisionBody,
          response: { 200: RunDetail, ...errors },
        },
      },
      async (request) => decide(decision, request.accountId, request.caller!, request.params.id, request.body, request.id),
    );
  }

  app.post(
    '/api/automation-runs/:id/cancel',
    { config: { access: 'automations:run' }, schema: { tags: ['automations'], summary: 'Cancel a run: steps not started are cancelled, a running one finishes and is recorded', params: RunParams, response: { 202: RunDetail, ...errors } } },
    async (request, reply) => {
      const { accountId } = request;
      const run = await withAccount(sql, accountId, (tx) => getRun(tx, accountId, request.params.id));
      if (!run) throw notFound('automation run', request.params.id);
      if (['completed', 'failed', 'cancelled', 'rejected', 'expired'].includes(run.status)) throw new AppError(409, 'run_finished', `The run is ${run.status} already`);
      const actor = auditActor(request);
      try {
        // The reason names the person: the run's `automation_run.cancelled` entry quotes it from the history.
        await temporal.connection.withDeadline(Date.now() + TEMPORAL_DEADLINE_MS, () =>
          temporal.client.workflowService.requestCancelWorkflowExecution({
            namespace: temporal.client.options.namespace,
            workflowExecution: { workflowId: run.workflowId },
            identity: 'incident-insights-api',
            reason: `requested by ${actor.label} (API request ${request.id})`,
            requestId: randomUUID(),
          }),
        );
      } catch (err) {
        throw temporalFailure(err);
      }
      await withAccount(sql, accountId, (tx) =>
        appendAudit(tx, accountId, { action: 'automation_run.cancel_requested', actor, target: { type: 'automation_run', id: run.id }, details: { status: run.status } }),
      );
      reply.code(202);
      return withAccount(sql, accountId, (tx) => runDetail(tx, accountId, run.id));
    },
  );

  // What a run would do, before it is requested: the same policy evaluation as the create route, nothing stored.
  app.post(
    '/api/automation-runs/preview',
    { config: { access: 'automations:read' }, schema: { tags: ['automations'], summary: 'Preview a run: each step’s risk and policy outcome on a target, and the approvals needed', body: PreviewRunBody, response: { 200: RunPreview, ...errors } } },
    async (request) => {
      const { accountId } = request;
      const body = request.body;
      return withAccount(sql, accountId, async (tx) => {
        const loaded = await loadRunInputs(tx, accountId, { runbookId: body.runbookId, version: body.version ?? null, targetId: body.targetId });
        const plan = loaded.ok ? withPolicy(loaded) : loaded;
        if (!plan.ok) throw notFound(plan.missing, plan.missing === 'runbook version' ? String(body.version) : plan.missing === 'runbook' ? body.runbookId : body.targetId);
        return {
          runbookId: body.runbookId,
          version: plan.runbookVersion,
          targetId: plan.target.id,
          requiredApprovals: plan.target.requiredApprovals,
          steps: plan.steps.map((s, i) => {
            const d = plan.policy.steps[i]!;
            return { index: i, title: s.title, command: s.command, risk: d.risk, destructive: d.destructive, allowed: d.allowed, reason: d.allowed ? null : d.reason ?? 'denied', needsOwnApproval: d.needsOwnApproval };
          }),
        };
      });
    },
  );
};
