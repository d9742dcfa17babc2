// Reads Alertmanager webhook notifications, authenticated by the receiver's bearer token or basic auth (Alertmanager does not sign).
import type { WebhookHeaders, WebhookResult, WebhookSecret } from '../types.ts';
import { authorizationCredential, isRecord, matchesAnySecret, parseJson, secretsOf } from '../webhook-auth.ts';
import { alertEndsAt, alertmanagerIncidentId } from './mapping.ts';
import type { AlertmanagerAlert, AlertmanagerPayload, AlertmanagerRaw } from './wire.ts';

function isAlert(value: unknown): value is AlertmanagerAlert {
  return (
    isRecord(value) &&
    (value['status'] === 'firing' || value['status'] === 'resolved') &&
    typeof value['fingerprint'] === 'string' &&
    typeof value['startsAt'] === 'string' &&
    isRecord(value['labels'])
  );
}

/**
 * The secret is the receiver's `http_config.authorization.credentials` (sent as `Authorization: Bearer <secret>`)
 * or `user:password` of its `http_config.basic_auth`. Each alert of the group becomes one event; its id changes when
 * the alert resolves, so repeated notifications of an unchanged alert (every repeat_interval) deduplicate.
 */
export function parseAlertmanagerWebhook(headers: WebhookHeaders, rawBody: Buffer | string, secret: WebhookSecret): WebhookResult<AlertmanagerRaw> {
  if (secretsOf(secret).length === 0) return { ok: false, reason: 'signature', message: 'no webhook secret is configured for this integration' };
  const credential = authorizationCredential(headers);
  if (!credential) return { ok: false, reason: 'unauthenticated', message: 'missing Authorization header (configure bearer or basic auth in the receiver http_config)' };
  if (!matchesAnySecret(credential.value, secret)) return { ok: false, reason: 'signature', message: `the ${credential.scheme} credentials do not match` };
  const parsed = parseJson(rawBody);
  if (!parsed.ok) return { ok: false, reason: 'malformed', message: parsed.message };
  const body = parsed.value;
  if (!isRecord(body) || !Array.isArray(body['alerts'])) return { ok: false, reason: 'malformed', message: 'body is not an Alertmanager notification (no alerts array)' };
  if (body['version'] !== '4') return { ok: false, reason: 'unsupported', message: `webhook payload version ${JSON.stringify(body['version'])} is not supported (expected "4")` };
  const payload = body as unknown as AlertmanagerPayload;
  const bad = payload.alerts.findIndex((alert) => !isAlert(alert) || !Number.isFinite(Date.parse(alert.startsAt)));
  if (bad >= 0) return { ok: false, reason: 'malformed', message: `alerts[${bad}] lacks status, fingerprint, labels or a valid startsAt` };
  return {
    ok: true,
    events: payload.alerts.map((alert) => ({
      eventId: `${alertmanagerIncidentId(alert)}:${alert.status}${alert.status === 'resolved' ? `@${alertEndsAt(alert) ?? ''}` : ''}`,
      raw: { receiver: payload.receiver, groupKey: payload.groupKey, externalURL: payload.externalURL, alert },
    })),
  };
}
