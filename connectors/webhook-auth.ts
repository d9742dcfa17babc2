// Webhook authentication shared by the tools: header lookup, constant-time comparison, HMAC signatures, bearer and basic auth.
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { WebhookHeaders, WebhookSecret } from './types.ts';

/** A header's value whatever the case of its name; repeated headers are joined as HTTP allows (comma). */
export function headerValue(headers: WebhookHeaders, name: string): string | undefined {
  const wanted = name.toLowerCase();
  for (const [key, value] of Object.entries(headers)) {
    if (key.toLowerCase() !== wanted || value === undefined) continue;
    return Array.isArray(value) ? value.join(',') : value;
  }
  return undefined;
}

export function secretsOf(secret: WebhookSecret): string[] {
  return (typeof secret === 'string' ? [secret] : [...secret]).filter((s) => s.length > 0);
}

/**
 * Compares without leaking where the strings differ: both sides are hashed first, so even the length of the
 * secret is not revealed by timing.
 */
export function constantTimeEqual(a: string, b: string): boolean {
  const ha = createHash('sha256').update(a, 'utf8').digest();
  const hb = createHash('sha256').update(b, 'utf8').digest();
  return timingSafeEqual(ha, hb);
}

/** Whether the presented value equals any of the configured secrets; every secret is compared, match or not. */
export function matchesAnySecret(presented: string, secret: WebhookSecret): boolean {
  let ok = false;
  for (const candidate of secretsOf(secret)) ok = constantTimeEqual(presented, candidate) || ok;
  return ok;
}

export function hmacSha256Hex(secret: string, body: Buffer | string): string {
  return createHmac('sha256', secret).update(body).digest('hex');
}

export function bodyBuffer(rawBody: Buffer | string): Buffer {
  return typeof rawBody === 'string' ? Buffer.from(rawBody, 'utf8') : rawBody;
}

/** The credential from `Authorization: Bearer x`, `Authorization: Basic base64(user:pass)` (as "user:pass"), or none. */
export function authorizationCredential(headers: WebhookHeaders): { scheme: 'bearer' | 'basic'; value: string } | undefined {
  const header = headerValue(headers, 'authorization');
  if (!header) return undefined;
  const match = /^\s*(bearer|basic)\s+(\S+)\s*$/i.exec(header);
  if (!match) return undefined;
  const scheme = match[1]!.toLowerCase() as 'bearer' | 'basic';
  const value = scheme === 'basic' ? Buffer.from(match[2]!, 'base64').toString('utf8') : match[2]!;
  return { scheme, value };
}

export function sha256Hex(text: string | Buffer): string {
  return createHash('sha256').update(text).digest('hex');
}

export function parseJson(rawBody: Buffer | string): { ok: true; value: unknown } | { ok: false; message: string } {
  try {
    return { ok: true, value: JSON.parse(bodyBuffer(rawBody).toString('utf8')) };
  } catch (error) {
    return { ok: false, message: `body is not JSON: ${(error as Error).message}` };
  }
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Header for a shared-secret token where the sender cannot sign (Opsgenie custom headers, generic webhooks). */
export const TOKEN_HEADER = 'X-Webhook-Token';

/**
 * Checks a shared token sent as `Authorization: Bearer <token>` or in X-Webhook-Token. Returns the rejection to
 * send, or undefined when the token matches.
 */
export function checkSharedToken(headers: WebhookHeaders, secret: WebhookSecret): { reason: 'unauthenticated' | 'signature'; message: string } | undefined {
  if (secretsOf(secret).length === 0) return { reason: 'signature', message: 'no webhook secret is configured for this integration' };
  const bearer = authorizationCredential(headers);
  const presented = bearer?.scheme === 'bearer' ? bearer.value : headerValue(headers, TOKEN_HEADER);
  if (presented === undefined) return { reason: 'unauthenticated', message: `missing secret token (Authorization: Bearer or ${TOKEN_HEADER} header)` };
  return matchesAnySecret(presented, secret) ? undefined : { reason: 'signature', message: 'the secret token does not match' };
}
