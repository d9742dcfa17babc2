// Reads the Opsgenie webhook integration's deliveries, authenticated by a shared token header since Opsgenie does not sign.
import type { WebhookHeaders, WebhookResult, WebhookSecret } from '../types.ts';
import { checkSharedToken, isRecord, parseJson } from '../webhook-auth.ts';
import { opsgenieWebhookEventId } from './mapping.ts';
import type { OgWebhookPayload, OpsgenieRaw } from './wire.ts';

function isPayload(value: unknown): value is OgWebhookPayload {
  if (!isRecord(value) || typeof value['action'] !== 'string' || !isRecord(value['alert'])) return false;
  const alert = value['alert'];
  return typeof alert['alertId'] === 'string' && typeof alert['message'] === 'string' && alert['createdAt'] !== undefined;
}

/**
 * Configure the Opsgenie webhook integration with a custom header `X-Webhook-Token: <secret>` (or
 * `Authorization: Bearer <secret>`); one alert action per delivery.
 */
export function parseOpsgenieWebhook(headers: WebhookHeaders, rawBody: Buffer | string, secret: WebhookSecret): WebhookResult<OpsgenieRaw> {
  const refused = checkSharedToken(headers, secret);
  if (refused) return { ok: false, ...refused };
  const parsed = parseJson(rawBody);
  if (!parsed.ok) return { ok: false, reason: 'malformed', message: parsed.message };
  if (!isPayload(parsed.value)) return { ok: false, reason: 'malformed', message: 'body is not an Opsgenie webhook payload ({action, alert{alertId, message, createdAt, ...}})' };
  const payload = parsed.value;
  return { ok: true, events: [{ eventId: opsgenieWebhookEventId(payload), raw: { type: 'webhook', payload } }] };
}
