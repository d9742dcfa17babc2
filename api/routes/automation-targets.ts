// Automation targets: where runs execute. Secrets are sealed and write-only; a target is verified on save by the
// worker (a read-only call), so the API never talks to customer infrastructure itself.
import { randomUUID } from 'node:crypto';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { WorkflowFailedError } from '@temporalio/client';
import { InvalidPatternError, validatePatterns } from '../../analysis/runbooks/automation-policy.ts';
import { appendAudit } from '../../db/audit.ts';
import { deleteTarget, getTarget, insertTarget, listTargets, targetSecretContext, updateTarget, type TargetRow } from '../../db/automations.ts';
import { withAccount } from '../../db/tenancy.ts';
import { verifyAutomationTargetWorkflow, verifyAutomationTargetWorkflowId } from '../../workflows/index.ts';
import type { VerifyAutomationTargetResult } from '../../workflows/activity-contract.ts';
import type { AppDeps } from '../deps.ts';
import { AppError, notFound } from '../errors.ts';
import { auditActor } from '../plugins/authentication.ts';
import { CreateTargetBody, TargetEnvelope, TargetList, TargetParams, UpdateTargetBody } from '../schemas/automation-targets.ts';
import { commonErrors, ErrorResponse } from '../schemas/common.ts';
import { startAccountWorkflow } from '../workflow-starts.ts';

const errors = { ...commonErrors, 401: ErrorResponse, 403: ErrorResponse, 404: ErrorResponse, 409: ErrorResponse, 503: ErrorResponse };
/** How long a save waits for the worker's verify call. */
const VERIFY_WAIT_MS = 20_000;

export const automationTargetRoutes: FastifyPluginAsyncTypebox<{ deps: AppDeps }> = async (app, { deps }) => {
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
    const deadline = Date.now() + VERIFY_WAIT_MS;
    try {
      // A fresh id for each verification, so it never finds one running.
      const { handle } = await startAccountWorkflow(deps, verifyAutomationTargetWorkflow, {
        workflowId: `${verifyAutomationTargetWorkflowId(accountId, targetId)}/${randomUUID()}`,
        accountId,
        kind: 'verify-target',
        args: [{ accountId, targetId }],
        workflowExecutionTimeout: `${VERIFY_WAIT_MS} ms`,
        deadlineMs: VERIFY_WAIT_MS,
      });
      return await temporal.connection.withDeadline(deadline, () => handle.result());
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
    { config: { access: 'automations:read' }, schema: { tags: ['automations'], summary: 'One target', params: TargetParams, response: { 200: TargetEnvelope, ...errors } } },
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
      schema: { tags: ['automations'], summary: 'Change a target; new config or secrets are verified again', params: TargetParams, body: UpdateTargetBody, response: { 200: TargetEnvelope, ...errors } },
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
    { config: { access: 'automations:targets' }, schema: { tags: ['automations'], summary: 'Verify a target again (a read-only call, on the worker)', params: TargetParams, response: { 200: TargetEnvelope, ...errors } } },
    async (request) => {
      const existing = await targetOf(request.accountId, request.params.id);
      const verification = await verify(request.accountId, existing.id);
      return { target: targetView(await targetOf(request.accountId, existing.id)), verification };
    },
  );

  app.delete(
    '/api/automation-targets/:id',
    { config: { access: 'automations:targets' }, schema: { tags: ['automations'], summary: 'Delete a target (its secrets wiped; past runs keep naming it)', params: TargetParams, response: { 204: { type: 'null' }, ...errors } } },
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
};
