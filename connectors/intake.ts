// Intake: what the tools sent → the records to store (raw events). Each item is mapped to its unified record,
// filtered and stripped of dropped fields as the integration says, and given its deduplication key.
import { createHash } from 'node:crypto';
import { applyImportSettings } from './filters.ts';
import type { DroppableField, ImportFilters, UnifiedRecord, WebhookConnector } from './types.ts';

export interface IntakeSettings {
  filters?: ImportFilters;
  drop?: readonly DroppableField[];
}

export interface IntakeEvent {
  eventKey: string;
  externalId: string;
  record: UnifiedRecord;
  /** The tool's payload, or null when the integration drops fields (it may hold them). */
  payload: unknown;
}

export interface IntakeResult {
  events: IntakeEvent[];
  /** Items the import filters left out. */
  filtered: number;
}

/** A snapshot fetched again unchanged gets the same key (stored once); a changed one gets a new key. */
export function snapshotKey(raw: unknown): string {
  return `snapshot:${createHash('sha256').update(JSON.stringify(raw)).digest('hex')}`;
}

/**
 * Maps items of one delivery or page. `eventId` is the tool's delivery id (webhooks); without one the item's content
 * is the key (pages of history).
 */
export function intake<Raw>(connector: WebhookConnector<Raw>, items: readonly { eventId?: string; raw: Raw }[], settings: IntakeSettings): IntakeResult {
  const keepPayload = !settings.drop || settings.drop.length === 0;
  const events: IntakeEvent[] = [];
  let filtered = 0;
  for (const item of items) {
    const [record] = applyImportSettings([connector.toUnified(item.raw)], settings);
    if (!record) {
      filtered += 1;
      continue;
    }
    events.push({ eventKey: item.eventId ?? snapshotKey(item.raw), externalId: record.externalId, record, payload: keepPayload ? item.raw : null });
  }
  return { events, filtered };
}
