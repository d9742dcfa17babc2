// Automations: targets (secrets sealed and write-only; verified on save by the worker, so the API never talks to
// customer infrastructure itself) and runs of a runbook on a target (the policy checked, approvals through the run
// workflow's update, whose validator's refusal comes back as 403/409, cancel through workflow cancellation).
import { randomUUID } from 'node:crypto';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { WorkflowFailedError, WorkflowUpdateFailedError } from '@temporalio/client';
import { InvalidPatternError, validatePatterns, withPolicy } from '../../analysis/runbooks/automation-policy.ts';
import { appendAudit } from '../../db/audit.ts';
import {
  countPendingApprovals,
  deleteTarget,
  getRun,
  getTarget,
  insertTarget,
  listApprovals,
  listRuns,
  listRunSteps,
  listTargets,
  targetSecretContext,
  updateTarget,
  type RunRow,
  type TargetRow,
} from '../../db/automations.ts';
import type { TransactionSql } from '../../db/sql.ts';
import { withAccount } from '../../db/tenancy.ts';
import { mainTaskQueue } from '../../temporal/task-queues.ts';
import {
  approveAutomationRunUpdate,
  automationRunWorkflow,
  automationRunWorkflowId,
  rejectAutomationRunUpdate,
  verifyAutomationTargetWorkflow,
  verifyAutomationTargetWorkflowId,
} from '../../workflows/index.ts';
import type { VerifyAutomationTargetResult } from '../../workflows/activity-contract.ts';
import { AccountIdKey, KindKey } from '../../workflows/search-attributes.ts';
import { enqueueApprovalRequests } from '../../db/automation-notifications.ts';
import { insertPlannedRun, loadRunInputs } from '../../db/automation-triggers.ts';
import type { AppDeps } from '../deps.ts';
import { deliverEmails } from '../email-delivery.ts';
import { AppError, notFound } from '../errors.ts';
import { allows } from '../permissions.ts';
import { auditActor, type Caller } from '../plugins/authentication.ts';
import {
  CreateRunBody,
  CreateTargetBody,
  DecisionBody,
  IdParams,
  PendingApprovals,
  PreviewRunBody,
  RunDetail,
  RunPreview,
  RunList,
  RunListQuery,
  TargetEnvelope,
  TargetList,
  UpdateTargetBody,
} from '../schemas/automations.ts';
import { commonErrors, ErrorResponse } from '../schemas/common.ts';
import { TEMPORAL_DEADLINE_MS, temporalFailure } from './jobs.ts';

const errors = { ...commonErrors, 401: ErrorResponse, 403: ErrorResponse, 404: ErrorResponse, 409: ErrorResponse, 503: ErrorResponse };
/** How long a save waits for the worker's verify call. */
const VERIFY_WAIT_MS = 20_000;
/** An approval runs a database activity inside the update: more than a plain Temporal call. */
const UPDATE_DEADLINE_MS = 15_000;
const DEFAULT_EXPIRY_SECONDS = 3600;

export const automationRoutes: FastifyPluginAsyncTypebox<{ deps: AppDeps }> = async (app, { deps }) => {
  const { sql, config, temporal } = deps;

  const secretBox = () => {
    if (!deps.secretBox) throw new AppError(503, 'master_key_missing', 'INSIGHTS_MASTER_KEY is not set: target secrets cannot be stored safely, so automations are off');
    return deps.secretBox;
  };

  const checkPatterns = (field: string, patterns: string[] | undefined) => {
    try {
      validatePatterns(patterns ?? []);
    } catch (err) {
      if (err instanceof InvalidPatternError) throw new AppError(400, 'invalid_body', err.message, [{ field, in: 'body', message: err.message }]);
      throw err;
    }
  };

  const checkConfig = (body: { config?: CreateTargetBody['config'] | undefined; secrets?: CreateTargetBody['secrets'] | undefined }) => {
    if (body.config?.kind === 'lambda' && body.config.endpoint && !config.ingestion.allowCustomVendorUrls) {
      throw new AppError(400, 'invalid_body', 'A custom Lambda endpoint is not allowed here', [{ field: 'config.endpoint', in: 'body', message: 'body.config.endpoint is refused (ALLOW_CUSTOM_VENDOR_URLS is off)' }]);
    }
    if (body.config && body.secrets) {
      const sshSecrets = 'privateKey' in body.secrets;
      if ((body.config.kind === 'ssh') !== sshSecrets) throw new AppError(400, 'invalid_body', `These secrets do not fit a ${body.config.kind} target`, [{ field: 'secrets', in: 'body', message: 'body.secrets does not match body.config.kind' }]);
    }
  };

  const targetView = (row: TargetRow) => ({
    id: row.id,
    kind: row.kind,
    name: row.name,
    config: { ...row.config, kind: row.kind } as never,
    hasSecrets: row.hasSecrets,
    allowPatterns: row.allowPatterns,
    denyPatterns: row.denyPatterns,
    requiredApprovals: row.requiredApprovals,
    verifiedAt: row.verifiedAt?.toISOString() ?? null,
    verifiedIdentity: row.verifiedIdentity,
    verifyError: row.verifyError,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  });

  /** The worker's read-only verify call, waited for; an unreachable worker is said, not hidden. */
  const verify = async (accountId: string, targetId: string): Promise<VerifyAutomationTargetResult> => {
    try {
      return await temporal.connection.withDeadline(Date.now() + VERIFY_WAIT_MS, () =>
        temporal.client.workflow.execute(verifyAutomationTargetWorkflow, {
          workflowId: `${verifyAutomationTargetWorkflowId(accountId, targetId)}/${randomUUID()}`,
          taskQueue: mainTaskQueue(config),
          args: [{ accountId, targetId }],
          workflowExecutionTimeout: `${VERIFY_WAIT_MS} ms`,
          typedSearchAttributes: [
            { key: AccountIdKey, value: accountId },
            { key: KindKey, value: 'verify-target' },
          ],
        }),
      );
    } catch (err) {
      if (err instanceof WorkflowFailedError) return { ok: false, errorKind: 'unavailable', error: 'the worker did not finish the verification' };
      return { ok: false, errorKind: 'unavailable', error: `no worker answered within ${VERIFY_WAIT_MS / 1000} s` };
    }
  };

  const targetOf = async (accountId: string, id: string) => {
    const row = await withAccount(sql, accountId, (tx) => getTarget(tx, accountId, id));
    if (!row) throw notFound('automation target', id);
    return row;
  };

  app.get(
    '/api/automation-targets',
    { config: { access: 'automations:read' }, schema: { tags: ['automations'], summary: 'Where runs can execute (never their secrets)', response: { 200: TargetList, ...errors } } },
    async (request) => ({ targets: (await withAccount(sql, request.accountId, (tx) => listTargets(tx, request.accountId))).map(targetView) }),
  );

  app.get(
    '/api/automation-targets/:id',
    { config: { access: 'automations:read' }, schema: { tags: ['automations'], summary: 'One target', params: IdParams, response: { 200: TargetEnvelope, ...errors } } },
    async (request) => ({ target: targetView(await targetOf(request.accountId, request.params.id)) }),
  );

  app.post(
    '/api/automation-targets',
    {
      config: { access: 'automations:targets' },
      schema: {
        tags: ['automations'],
        summary: 'Add a target: secrets sealed (never returned), then verified by the worker with a read-only call',
        body: CreateTargetBody,
        response: { 201: TargetEnvelope, ...errors },
      },
    },
    async (request, reply) => {
      const body = request.body;
      checkConfig(body);
      checkPatterns('allowPatterns', body.allowPatterns);
      checkPatterns('denyPatterns', body.denyPatterns);
      const box = body.secrets ? secretBox() : undefined;
      const { accountId } = request;
      const id = randomUUID();
      const { kind, ...rest } = body.config;
      await withAccount(sql, accountId, async (tx) => {
        await insertTarget(tx, {
          id,
          accountId,
          kind,
          name: body.name,
          config: rest,
          secrets: body.secrets && box ? box.seal(JSON.stringify(body.secrets), targetSecretContext(accountId, id)) : null,
          allowPatterns: body.allowPatterns ?? [],
          denyPatterns: body.denyPatterns ?? [],
          requiredApprovals: body.requiredApprovals ?? 1,
          createdBy: request.caller!.userId,
        });
        await appendAudit(tx, accountId, { action: 'automation_target.created', actor: auditActor(request), target: { type: 'automation_target', id }, details: { kind, name: body.name } });
      });
      const verification = await verify(accountId, id);
      reply.code(201);
      return { target: targetView(await targetOf(accountId, id)), verification };
    },
  );

  app.patch(
    '/api/automation-targets/:id',
    {
      config: { access: 'automations:targets' },
      schema: { tags: ['automations'], summary: 'Change a target; new config or secrets are verified again', params: IdParams, body: UpdateTargetBody, response: { 200: TargetEnvelope, ...errors } },
    },
    async (request) => {
      const { accountId } = request;
      const body = request.body;
      const existing = await targetOf(accountId, request.params.id);
      if (body.config && body.config.kind !== existing.kind) throw new AppError(400, 'invalid_body', 'A target’s kind cannot change', [{ field: 'config.kind', in: 'body', message: 'body.config.kind differs' }]);
      checkConfig({ config: body.config ?? ({ ...existing.config, kind: existing.kind } as never), secrets: body.secrets });
      checkPatterns('allowPatterns', body.allowPatterns);
      checkPatterns('denyPatterns', body.denyPatterns);
      const box = body.secrets ? secretBox() : undefined;
      const configRest = body.config ? (({ kind: _kind, ...rest }) => rest)(body.config) : undefined;
      await withAccount(sql, accountId, async (tx) => {
        await updateTarget(tx, accountId, existing.id, {
          name: body.name,
          config: configRest,
          secrets: body.secrets && box ? box.seal(JSON.stringify(body.secrets), targetSecretContext(accountId, existing.id)) : undefined,
          allowPatterns: body.allowPatterns,
          denyPatterns: body.denyPatterns,
          requiredApprovals: body.requiredApprovals,
        });
        const changed = Object.keys(body).filter((k) => k !== 'secrets');
        await appendAudit(tx, accountId, {
          action: 'automation_target.updated',
          actor: auditActor(request),
          target: { type: 'automation_target', id: existing.id },
          details: { changed, secretsReplaced: body.secrets !== undefined, ...(body.denyPatterns ? { denyPatterns: body.denyPatterns } : {}), ...(body.allowPatterns ? { allowPatterns: body.allowPatterns } : {}) },
        });
      });
      const verification = body.config || body.secrets ? await verify(accountId, existing.id) : undefined;
      return { target: targetView(await targetOf(accountId, existing.id)), ...(verification ? { verification } : {}) };
    },
  );

  app.post(
    '/api/automation-targets/:id/verify',
    { config: { access: 'automations:targets' }, schema: { tags: ['automations'], summary: 'Verify a target again (a read-only call, on the worker)', params: IdParams, response: { 200: TargetEnvelope, ...errors } } },
    async (request) => {
      const existing = await targetOf(request.accountId, request.params.id);
      const verification = await verify(request.accountId, existing.id);
      return { target: targetView(await targetOf(request.accountId, existing.id)), verification };
    },
  );

  app.delete(
    '/api/automation-targets/:id',
    { config: { access: 'automations:targets' }, schema: { tags: ['automations'], summary: 'Delete a target (its secrets wiped; past runs keep naming it)', params: IdParams, response: { 204: { type: 'null' }, ...errors } } },
    async (request, reply) => {
      const { accountId } = request;
      const deleted = await withAccount(sql, accountId, async (tx) => {
        const ok = await deleteTarget(tx, accountId, request.params.id);
        if (ok) await appendAudit(tx, accountId, { action: 'automation_target.deleted', actor: auditActor(request), target: { type: 'automation_target', id: request.params.id } });
        return ok;
      });
      if (!deleted) throw notFound('automation target', request.params.id);
      reply.code(204);
    },
  );

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
    { config: { access: 'automations:read' }, schema: { tags: ['automations'], summary: 'A run with its steps, outputs (redacted) and approvals', params: IdParams, response: { 200: RunDetail, ...errors } } },
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
        await temporal.connection.withDeadline(Date.now() + TEMPORAL_DEADLINE_MS, () =>
          temporal.client.workflow.start(automationRunWorkflow, {
            workflowId,
            taskQueue: mainTaskQueue(config),
            args: [{ accountId, runId, requestedBy: userId, requiredApprovals: created.requiredApprovals, expiresAt: expiresAt.toISOString(), dryRun: body.dryRun ?? false }],
            typedSearchAttributes: [
              { key: AccountIdKey, value: accountId },
              { key: KindKey, value: 'automation-run' },
            ],
          }),
        );
      } catch (err) {
        await withAccount(sql, accountId, (tx) => tx`update automation_runs set status = 'failed', finished_at = now(), summary = ${tx.json({ error: 'the workflow did not start' })} where id = ${runId}`);
        throw temporalFailure(err);
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
          params: IdParams,
          body: DecisionBody,
          response: { 200: RunDetail, ...errors },
        },
      },
      async (request) => decide(decision, request.accountId, request.caller!, request.params.id, request.body, request.id),
    );
  }

  app.post(
    '/api/automation-runs/:id/cancel',
    { config: { access: 'automations:run' }, schema: { tags: ['automations'], summary: 'Cancel a run: steps not started are cancelled, a running one finishes and is recorded', params: IdParams, response: { 202: RunDetail, ...errors } } },
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
