// Verifies and reads PagerDuty webhooks v3: HMAC-SHA256 signatures (several during secret rotation), one event per delivery.
import type { WebhookHeaders, WebhookResult, WebhookSecret } from '../types.ts';
import { bodyBuffer, constantTimeEqual, headerValue, hmacSha256Hex, isRecord, parseJson, secretsOf } from '../webhook-auth.ts';
import type { PagerDutyRaw, PdWebhookEvent } from './wire.ts';

/** The `v1=` signatures in X-PagerDuty-Signature; PagerDuty sends one per active secret while it rotates them. */
export function pagerDutySignatures(header: string): string[] {
  return header
    .split(',')
    .map((part) => part.trim())
    .filter((part) => part.startsWith('v1='))
    .map((part) => part.slice(3).toLowerCase());
}

/** The header value PagerDuty would send for this body signed with these secrets (simulators and tests sign with it). */
export function signPagerDutyBody(body: Buffer | string, secrets: WebhookSecret): string {
  return secretsOf(secrets)
    .map((secret) => `v1=${hmacSha256Hex(secret, body)}`)
    .join(',');
}

/** Whether any signature matches any secret; every pair is compared so timing does not tell which one failed. */
export function verifyPagerDutySignature(header: string, body: Buffer | string, secret: WebhookSecret): boolean {
  const signatures = pagerDutySignatures(header);
  let ok = false;
  for (const candidate of secretsOf(secret)) {
    const expected = hmacSha256Hex(candidate, body);
    for (const signature of signatures) ok = constantTimeEqual(signature, expected) || ok;
  }
  return ok;
}

function isEvent(value: unknown): value is PdWebhookEvent {
  if (!isRecord(value)) return false;
  return typeof value['id'] === 'string' && typeof value['event_type'] === 'string' && typeof value['occurred_at'] === 'string' && isRecord(value['data']);
}

/**
 * A verified delivery. Events about other resources (service.updated, ...) are accepted with no events: answering
 * 4xx would make PagerDuty drop them and, after three drops, disable the subscription.
 */
export function parsePagerDutyWebhook(headers: WebhookHeaders, rawBody: Buffer | string, secret: WebhookSecret): WebhookResult<PagerDutyRaw> {
  if (secretsOf(secret).length === 0) return { ok: false, reason: 'signature', message: 'no webhook secret is configured for this integration' };
  const header = headerValue(headers, 'x-pagerduty-signature');
  if (!header) return { ok: false, reason: 'unauthenticated', message: 'missing X-PagerDuty-Signature header' };
  const body = bodyBuffer(rawBody);
  if (pagerDutySignatures(header).length === 0) return { ok: false, reason: 'signature', message: 'X-PagerDuty-Signature has no v1= signature' };
  if (!verifyPagerDutySignature(header, body, secret)) return { ok: false, reason: 'signature', message: 'X-PagerDuty-Signature does not match the body and the webhook secret' };
  const parsed = parseJson(body);
  if (!parsed.ok) return { ok: false, reason: 'malformed', message: parsed.message };
  const event = isRecord(parsed.value) ? parsed.value['event'] : undefined;
  if (!isEvent(event)) return { ok: false, reason: 'malformed', message: 'body is not a webhooks v3 payload ({"event": {id, event_type, occurred_at, data}})' };
  if (event.resource_type !== 'incident') return { ok: true, events: [] };
  // X-Webhook-Id is the delivery's id, the same on every retry of it; event.id serves when a proxy dropped the header.
  const eventId = headerValue(headers, 'x-webhook-id') ?? event.id;
  return { ok: true, events: [{ eventId, raw: { type: 'webhook_event', event } }] };
}
