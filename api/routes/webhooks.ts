// Webhook intake: a tool posts events; the delivery is authenticated with the integration's secret (a signature or a
// token), mapped, filtered, and stored in this request's transaction before the 202, so nothing acknowledged is
// lost; a redelivery meets the unique key and changes nothing. Then the unification is nudged.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { intake } from '../../connectors/intake.ts';
import { webhookConnectorFor, type ConnectorSettings } from '../../connectors/registry.ts';
import type { IntakeSettings } from '../../connectors/intake.ts';
import { ConnectorError } from '../../connectors/types.ts';
import { getIntegration, getIntegrationSecrets, integrationSecretContext } from '../../db/integrations.ts';
import { insertRawEvents } from '../../db/raw-events.ts';
import { withAccount } from '../../db/tenancy.ts';
import type { AppDeps } from '../deps.ts';
import { AppError } from '../errors.ts';
import { commonErrors, ErrorResponse } from '../schemas/common.ts';
import { WebhookAccepted, WebhookParams } from '../schemas/webhooks.ts';
import { createUnifyNudger } from '../unify-nudger.ts';
import { webhookDeliveries, webhookEvents, webhookRefused } from '../../observability/metrics.ts';

const BODY_LIMIT = 1024 * 1024;

export const webhookRoutes: FastifyPluginAsyncTypebox<{ deps: AppDeps }> = async (app, { deps }) => {
  const { sql } = deps;
  const nudger = createUnifyNudger(deps, app.log);
  app.addHook('onClose', async () => nudger.close());

  // Signatures are over the exact bytes sent: this route reads the body raw, whatever its content type.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: BODY_LIMIT }, (_request, body, done) => done(null, body));

  const unknownIntegration = () => new AppError(404, 'not_found', 'No such webhook');

  app.post(
    '/api/webhooks/:accountId/:integrationId',
    {
      config: { access: 'public' },
      bodyLimit: BODY_LIMIT,
      schema: {
        tags: ['integrations'],
        summary: 'Where a tool posts events (authenticated by the integration’s signature or secret token)',
        description: 'Answers 202 once the events are stored. A repeated delivery stores nothing new. 401 for a missing or wrong signature or token, 400 for a body that is not the tool’s format (naming the problem).',
        params: WebhookParams,
        response: { 202: WebhookAccepted, 401: ErrorResponse, 404: ErrorResponse, ...commonErrors },
      },
    },
    async (request, reply) => {
      const { accountId, integrationId } = request.params;
      const body = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
      // For the metrics: the integration's kind once known, and why a delivery was refused.
      let sourceKind = 'unknown';
      let refusal = 'error';
      let paused = false;
      const outcome = await withAccount(sql, accountId, async (tx) => {
        const integration = await getIntegration(tx, accountId, integrationId).catch(() => undefined);
        if (!integration) throw unknownIntegration();
        sourceKind = integration.kind;
        const secrets = await getIntegrationSecrets(tx, accountId, integrationId);
        if (!secrets?.webhookSecret || !deps.secretBox) {
          refusal = 'no_secret';
          throw new AppError(401, 'invalid_signature', 'This integration has no webhook secret configured yet');
        }
        const secret = deps.secretBox.open(secrets.webhookSecret, integrationSecretContext(accountId, integrationId, 'webhook_secret'));
        const settings = integration.settings as IntakeSettings & ConnectorSettings;
        const connector = webhookConnectorFor(integration.kind, settings);
        const parsed = connector.parseWebhook(request.headers, body, secret);
        if (!parsed.ok) {
          refusal = parsed.reason === 'unauthenticated' || parsed.reason === 'signature' ? 'signature' : 'invalid_payload';
          if (parsed.reason === 'unauthenticated' || parsed.reason === 'signature') throw new AppError(401, 'invalid_signature', parsed.message);
          throw new AppError(400, 'invalid_payload', parsed.message, (parsed.details ?? []).map((d) => ({ field: d.field, in: 'body', message: d.message })));
        }
        // Paused: acknowledged (so the tool does not retry or disable the subscription) and dropped.
        if (integration.status === 'paused') {
          paused = true;
          return { received: parsed.events.length, stored: 0, filtered: 0 };
        }
        let taken;
        try {
          taken = intake(connector, parsed.events.map((e) => ({ eventId: e.eventId, raw: e.raw })), settings);
        } catch (err) {
          refusal = 'invalid_payload';
          if (err instanceof ConnectorError) throw new AppError(400, 'invalid_payload', err.message);
          throw err;
        }
        const stored = await insertRawEvents(tx, accountId, integrationId, integration.kind, taken.events);
        return { received: parsed.events.length, stored, filtered: taken.filtered };
      }).catch((err: unknown) => {
        const known = err instanceof AppError && err.statusCode === 404;
        webhookRefused.inc({ source_kind: sourceKind, reason: known || (err as { code?: string }).code === '22P02' ? 'unknown_integration' : refusal });
        // An account id that is not one (or not a valid id at all) looks like any unknown webhook.
        if (err instanceof AppError) throw err;
        if ((err as { code?: string }).code === '22P02') throw unknownIntegration();
        throw err;
      });
      webhookDeliveries.inc({ source_kind: sourceKind, outcome: paused ? 'paused' : 'accepted' });
      if (paused) webhookEvents.inc({ source_kind: sourceKind, result: 'paused' }, outcome.received);
      else {
        webhookEvents.inc({ source_kind: sourceKind, result: 'stored' }, outcome.stored);
        webhookEvents.inc({ source_kind: sourceKind, result: 'filtered' }, outcome.filtered);
        // Redeliveries (and snapshots already stored) meet the unique key: acknowledged, nothing new stored.
        webhookEvents.inc({ source_kind: sourceKind, result: 'duplicate' }, Math.max(0, outcome.received - outcome.stored - outcome.filtered));
      }
      if (outcome.stored > 0) nudger.nudge(accountId);
      return reply.status(202).send(outcome);
    },
  );
};
