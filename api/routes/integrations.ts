// Integrations: connect a ticket tool (credentials verified, sealed, never returned), choose what to import, start
// and follow the history import (a backfill workflow), pause, resume, edit, delete with or without its data.
import { randomBytes, randomUUID } from 'node:crypto';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { restConnectorFor } from '../../connectors/registry.ts';
import { ConnectorError } from '../../connectors/types.ts';
import { appendAudit } from '../../db/audit.ts';
import {
  deleteIntegration,
  getIntegration,
  insertIntegration,
  integrationSecretContext,
  listIntegrations,
  setIntegrationStatus,
  updateIntegration,
  type IntegrationRow,
} from '../../db/integrations.ts';
import type { TransactionSql } from '../../db/sql.ts';
import { withAccount } from '../../db/tenancy.ts';
import { deleteSyncSchedule, ensureAccountSchedules, reconcileSyncSchedule } from '../../temporal/schedules.ts';
import { cancelBackfill, historyRange, startBackfill } from '../backfills.ts';
import type { AppDeps } from '../deps.ts';
import { AppError, notFound } from '../errors.ts';
import { checkCredentialsAllowed, checkFilters, checkMapping, verifyCredentials, VERIFY_TIMEOUT_MS } from '../integration-checks.ts';
import { integrationView } from '../integration-view.ts';
import { auditActor } from '../plugins/authentication.ts';
import { commonErrors, ErrorResponse } from '../schemas/common.ts';
import {
  BackfillBody,
  BackfillStarted,
  CreatedIntegration,
  CreateIntegrationBody,
  DeleteIntegrationQuery,
  IntegrationEnvelope,
  IntegrationList,
  IntegrationParams,
  RotatedSecret,
  UpdateIntegrationBody,
  VerifiedCredentials,
  VerifyCredentialsBody,
  type IntegrationSettings,
} from '../schemas/integrations.ts';
import { jobView } from '../views.ts';

const errors = { ...commonErrors, 401: ErrorResponse, 403: ErrorResponse, 404: ErrorResponse, 409: ErrorResponse, 502: ErrorResponse, 503: ErrorResponse };

export const integrationRoutes: FastifyPluginAsyncTypebox<{ deps: AppDeps }> = async (app, { deps }) => {
  const { sql, config, temporal } = deps;

  const secretBox = () => {
    if (!deps.secretBox) throw new AppError(503, 'master_key_missing', 'INSIGHTS_MASTER_KEY is not set: credentials cannot be stored safely, so integrations are off');
    return deps.secretBox;
  };

  /**
   * The integration's sync Schedule follows the integration (interval, paused or not). A failure here is logged, not
   * fatal: the integration still takes webhooks, and its next change reconciles the Schedule again.
   */
  const syncSchedule = async (row: IntegrationRow, log: { warn: (o: object, m: string) => void }) => {
    if (!restConnectorFor(row.kind)) return;
    await reconcileSyncSchedule(temporal, config, { accountId: row.accountId, integrationId: row.id, intervalMinutes: row.syncIntervalMinutes, status: row.status }).catch((err: unknown) =>
      log.warn({ err, integrationId: row.id }, 'could not update the integration’s sync schedule'),
    );
  };

  const view = (tx: TransactionSql, row: IntegrationRow) => integrationView(deps, tx, row);

  app.get(
    '/api/integrations',
    { config: { access: 'integrations:read' }, schema: { tags: ['integrations'], summary: 'The account’s integrations, with their import status', response: { 200: IntegrationList, ...errors } } },
    async (request) =>
      withAccount(sql, request.accountId, async (tx) => ({ integrations: await Promise.all((await listIntegrations(tx, request.accountId)).map((row) => view(tx, row))) })),
  );

  app.get(
    '/api/integrations/:id',
    { config: { access: 'integrations:read' }, schema: { tags: ['integrations'], summary: 'One integration', params: IntegrationParams, response: { 200: IntegrationEnvelope, ...errors } } },
    async (request) =>
      withAccount(sql, request.accountId, async (tx) => {
        const row = await getIntegration(tx, request.accountId, request.params.id);
        if (!row) throw notFound('integration', request.params.id);
        return { integration: await view(tx, row) };
      }),
  );

  app.post(
    '/api/integrations/verify',
    {
      config: { access: 'integrations:manage' },
      schema: {
        tags: ['integrations'],
        summary: 'Check credentials with the tool and list what can be imported (services, teams, priorities), storing nothing',
        body: VerifyCredentialsBody,
        response: { 200: VerifiedCredentials, ...errors },
      },
    },
    async (request) => {
      checkCredentialsAllowed(config, request.body.credentials);
      const connector = restConnectorFor(request.body.kind);
      if (!connector) throw new AppError(400, 'invalid_body', `${request.body.kind} has no API to verify`, [{ field: 'kind', in: 'body', message: 'body.kind has no credentials' }]);
      const account = (await verifyCredentials(request.body.kind, request.body.credentials))!;
      const choices = await connector.importChoices(request.body.credentials as never, AbortSignal.timeout(VERIFY_TIMEOUT_MS)).catch((err: unknown) => {
        if (err instanceof ConnectorError) throw new AppError(502, 'tool_unavailable', `${request.body.kind} did not list its services: ${err.message}`);
        throw err;
      });
      return { account, choices };
    },
  );

  app.post(
    '/api/integrations',
    {
      config: { access: 'integrations:manage' },
      schema: {
        tags: ['integrations'],
        summary: 'Connect a tool: credentials are verified and sealed, the history import starts, the webhook secret is shown once',
        body: CreateIntegrationBody,
        response: { 201: CreatedIntegration, ...errors },
      },
    },
    async (request, reply) => {
      const box = secretBox();
      const body = request.body;
      const accountId = request.accountId;
      checkCredentialsAllowed(config, body.credentials);
      checkMapping(body.kind, body.settings);
      checkFilters(body.kind, body.settings);
      const range = restConnectorFor(body.kind) ? historyRange(body.settings) : undefined;
      const verified = await verifyCredentials(body.kind, body.credentials);
      const id = randomUUID();
      // PagerDuty signs with the subscription's secret (given); for the others we make the secret they will send.
      const generatedSecret = body.kind === 'pagerduty' ? undefined : randomBytes(32).toString('base64url');
      const webhookSecret = body.webhookSecret ?? generatedSecret;
      const row = await withAccount(sql, accountId, async (tx) => {
        const created = await insertIntegration(tx, {
          id,
          accountId,
          kind: body.kind,
          name: body.name.trim(),
          settings: body.settings ?? {},
          credentials: body.credentials ? box.seal(JSON.stringify(body.credentials), integrationSecretContext(accountId, id, 'credentials')) : null,
          webhookSecret: webhookSecret ? box.seal(webhookSecret, integrationSecretContext(accountId, id, 'webhook_secret')) : null,
          syncIntervalMinutes: body.syncIntervalMinutes ?? 5,
          createdBy: request.caller!.userId,
        });
        await appendAudit(tx, accountId, { action: 'integration.created', actor: auditActor(request), target: { type: 'integration', id }, details: { kind: body.kind, name: created.name } });
        return created;
      });
      await ensureAccountSchedules(temporal, config, accountId).catch((err: unknown) => request.log.warn({ err }, 'could not create the account’s schedules; unification and reclustering run on demand'));
      if (range && body.backfill !== false) {
        // The integration exists from here on: an import that cannot start now shows as failed on it (with the
        // reason) and can be started again, rather than failing the connection and losing the secret shown once.
        await startBackfill(deps, accountId, id, range).catch((err: unknown) => request.log.warn({ err, integrationId: id }, 'the history import did not start'));
      }
      await syncSchedule(row, request.log);
      const integration = await withAccount(sql, accountId, (tx) => view(tx, row));
      request.log.info({ integrationId: id, kind: body.kind }, 'integration connected');
      return reply.status(201).send({ integration, ...(generatedSecret && !body.webhookSecret ? { webhookSecret: generatedSecret } : {}), ...(verified ? { verified } : {}) });
    },
  );

  app.patch(
    '/api/integrations/:id',
    {
      config: { access: 'integrations:manage' },
      schema: { tags: ['integrations'], summary: 'Rename, change what is imported, or replace credentials (verified again)', params: IntegrationParams, body: UpdateIntegrationBody, response: { 200: IntegrationEnvelope, ...errors } },
    },
    async (request) => {
      const accountId = request.accountId;
      const existing = await withAccount(sql, accountId, (tx) => getIntegration(tx, accountId, request.params.id));
      if (!existing) throw notFound('integration', request.params.id);
      const body = request.body;
      checkCredentialsAllowed(config, body.credentials);
      if (body.settings) {
        checkMapping(existing.kind, body.settings);
        checkFilters(existing.kind, body.settings);
      }
      if (body.credentials) await verifyCredentials(existing.kind, body.credentials);
      const box = body.credentials || body.webhookSecret ? secretBox() : undefined;
      return withAccount(sql, accountId, async (tx) => {
        const row = await updateIntegration(tx, accountId, existing.id, {
          ...(body.name ? { name: body.name.trim() } : {}),
          ...(body.settings ? { settings: body.settings } : {}),
          ...(body.syncIntervalMinutes ? { syncIntervalMinutes: body.syncIntervalMinutes } : {}),
          ...(body.credentials ? { credentials: box!.seal(JSON.stringify(body.credentials), integrationSecretContext(accountId, existing.id, 'credentials')) } : {}),
          ...(body.webhookSecret ? { webhookSecret: box!.seal(body.webhookSecret, integrationSecretContext(accountId, existing.id, 'webhook_secret')) } : {}),
        });
        if (!row) throw notFound('integration', request.params.id);
        await syncSchedule(row, request.log);
        await appendAudit(tx, accountId, {
          action: 'integration.updated',
          actor: auditActor(request),
          target: { type: 'integration', id: row.id },
          details: { changed: Object.keys(body).sort() },
        });
        return { integration: await view(tx, row) };
      });
    },
  );

  app.post(
    '/api/integrations/:id/webhook-secret',
    {
      config: { access: 'integrations:manage' },
      schema: { tags: ['integrations'], summary: 'Make a new webhook secret (not for PagerDuty, which signs with its own)', params: IntegrationParams, response: { 200: RotatedSecret, ...errors } },
    },
    async (request) => {
      const box = secretBox();
      const accountId = request.accountId;
      const secret = randomBytes(32).toString('base64url');
      await withAccount(sql, accountId, async (tx) => {
        const existing = await getIntegration(tx, accountId, request.params.id);
        if (!existing) throw notFound('integration', request.params.id);
        if (existing.kind === 'pagerduty') throw new AppError(409, 'signed_by_tool', 'PagerDuty signs with its subscription’s secret: set that as `webhookSecret` instead');
        await updateIntegration(tx, accountId, existing.id, { webhookSecret: box.seal(secret, integrationSecretContext(accountId, existing.id, 'webhook_secret')) });
        await appendAudit(tx, accountId, { action: 'integration.secret_rotated', actor: auditActor(request), target: { type: 'integration', id: existing.id }, details: {} });
      });
      return { webhookSecret: secret };
    },
  );

  for (const [action, status] of [['pause', 'paused'], ['resume', 'active']] as const) {
    app.post(
      `/api/integrations/:id/${action}`,
      {
        config: { access: 'integrations:manage' },
        schema: {
          tags: ['integrations'],
          summary: action === 'pause' ? 'Stop syncing and taking webhooks (deliveries are acknowledged and dropped)' : 'Sync and take webhooks again (also after an error was fixed)',
          params: IntegrationParams,
          response: { 200: IntegrationEnvelope, ...errors },
        },
      },
      async (request) =>
        withAccount(sql, request.accountId, async (tx) => {
          const row = await setIntegrationStatus(tx, request.accountId, request.params.id, status);
          if (!row) throw notFound('integration', request.params.id);
          await syncSchedule(row, request.log);
          // Paused means nothing is fetched: a running import stops too (it can be started again after resuming).
          if (action === 'pause') await cancelBackfill(temporal, request.accountId, row.id);
          await appendAudit(tx, request.accountId, { action: `integration.${action === 'pause' ? 'paused' : 'resumed'}`, actor: auditActor(request), target: { type: 'integration', id: row.id }, details: {} });
          return { integration: await view(tx, row) };
        }),
    );
  }

  app.post(
    '/api/integrations/:id/backfill',
    {
      config: { access: 'integrations:manage' },
      schema: { tags: ['integrations'], summary: 'Import history again (what was imported before is not duplicated)', params: IntegrationParams, body: BackfillBody, response: { 202: BackfillStarted, ...errors } },
    },
    async (request, reply) => {
      const accountId = request.accountId;
      const row = await withAccount(sql, accountId, (tx) => getIntegration(tx, accountId, request.params.id));
      if (!row) throw notFound('integration', request.params.id);
      if (!restConnectorFor(row.kind)) throw new AppError(409, 'no_history', `A ${row.kind} integration has no history to import`);
      if (row.status === 'paused') throw new AppError(409, 'integration_paused', 'Resume the integration first');
      const job = await startBackfill(deps, accountId, row.id, historyRange(row.settings as IntegrationSettings, request.body ?? {}));
      return reply.status(202).send({ job: jobView(job, config, temporal.namespace) });
    },
  );

  app.post(
    '/api/integrations/:id/backfill/cancel',
    {
      config: { access: 'integrations:manage' },
      schema: { tags: ['integrations'], summary: 'Stop the running history import (what it stored stays)', params: IntegrationParams, response: { 202: Type.Null(), ...errors } },
    },
    async (request, reply) => {
      const row = await withAccount(sql, request.accountId, (tx) => getIntegration(tx, request.accountId, request.params.id));
      if (!row) throw notFound('integration', request.params.id);
      await cancelBackfill(temporal, request.accountId, row.id);
      return reply.status(202).send(null);
    },
  );

  app.delete(
    '/api/integrations/:id',
    {
      config: { access: 'integrations:manage' },
      schema: { tags: ['integrations'], summary: 'Disconnect; with keepData=true its incidents stay', params: IntegrationParams, querystring: DeleteIntegrationQuery, response: { 204: Type.Null(), ...errors } },
    },
    async (request, reply) => {
      const accountId = request.accountId;
      const keepData = request.query.keepData ?? false;
      // A running import would write into a deleted integration: stop it first (best effort, it checks again).
      await cancelBackfill(temporal, accountId, request.params.id);
      await deleteSyncSchedule(temporal, accountId, request.params.id).catch((err: unknown) => request.log.warn({ err }, 'could not delete the sync schedule'));
      await withAccount(sql, accountId, async (tx) => {
        const row = await getIntegration(tx, accountId, request.params.id);
        if (!row || !(await deleteIntegration(tx, accountId, row.id, keepData))) throw notFound('integration', request.params.id);
        await appendAudit(tx, accountId, { action: 'integration.deleted', actor: auditActor(request), target: { type: 'integration', id: row.id }, details: { kind: row.kind, name: row.name, keepData } });
      });
      return reply.status(204).send(null);
    },
  );
};
