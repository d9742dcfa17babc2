// A generic JSON webhook: any tool that can POST JSON, read through a user-defined field mapping, secret token auth.
import { describeFieldErrors, mapRecord, readPath, type FieldMapping } from '../field-mapping.ts';
import { ConnectorError, type UnifiedIncident, type WebhookConnector, type WebhookHeaders, type WebhookResult, type WebhookSecret } from '../types.ts';
import { checkSharedToken, parseJson, sha256Hex } from '../webhook-auth.ts';

/** One record of a delivery (the body, or one element of the mapping's `records` array). */
export type GenericWebhookRaw = unknown;

/** Keys sorted, so the same record hashes the same whatever order the sender wrote its keys in. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value && typeof value === 'object') {
    return `{${Object.keys(value)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical((value as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

export function parseGenericWebhook(mapping: FieldMapping, headers: WebhookHeaders, rawBody: Buffer | string, secret: WebhookSecret): WebhookResult<GenericWebhookRaw> {
  const refused = checkSharedToken(headers, secret);
  if (refused) return { ok: false, ...refused };
  const parsed = parseJson(rawBody);
  if (!parsed.ok) return { ok: false, reason: 'malformed', message: parsed.message };
  let records: unknown[] = [parsed.value];
  if (mapping.records) {
    const found = readPath(parsed.value, mapping.records);
    if (!Array.isArray(found)) return { ok: false, reason: 'malformed', message: `${mapping.records} is not an array of records`, details: [{ field: 'records', path: mapping.records, message: 'is not an array' }] };
    records = found;
  }
  const events = [];
  for (const [index, record] of records.entries()) {
    const mapped = mapRecord(record, mapping, 'webhook');
    if (!mapped.ok) {
      const where = mapping.records ? `record ${index}: ` : '';
      return { ok: false, reason: 'malformed', message: `${where}${describeFieldErrors(mapped.errors)}`, details: mapped.errors };
    }
    const declared = mapping.eventId === undefined ? undefined : readPath(record, mapping.eventId);
    const eventId = typeof declared === 'string' || typeof declared === 'number' ? String(declared) : `sha256:${sha256Hex(canonical(record))}`;
    events.push({ eventId, raw: record });
  }
  return { ok: true, events };
}

export function genericWebhookToUnified(mapping: FieldMapping, raw: GenericWebhookRaw): UnifiedIncident {
  const mapped = mapRecord(raw, mapping, 'webhook');
  if (!mapped.ok) throw new ConnectorError('invalid', `webhook record does not fit the mapping: ${describeFieldErrors(mapped.errors)}`);
  return mapped.incident;
}

/** A connector bound to one integration's mapping. */
export function createWebhookConnector(mapping: FieldMapping): WebhookConnector<GenericWebhookRaw> {
  return {
    kind: 'webhook',
    parseWebhook: (headers, rawBody, secret) => parseGenericWebhook(mapping, headers, rawBody, secret),
    toUnified: (raw) => genericWebhookToUnified(mapping, raw),
  };
}
