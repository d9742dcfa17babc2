// Helpers every mapping shares: severity words to P1..P5, timestamps to ISO-8601, and merging records of one incident.
import { ConnectorError, type Severity, type TimelineEvent, type UnifiedIncident, type UnifiedRecord } from './types.ts';

/**
 * Severity words the tools and common alerting rules use. Unknown words return undefined so the caller picks its
 * own default and still keeps the original value.
 */
const SEVERITY_WORDS: Record<string, Severity> = {
  p1: 'P1', sev1: 'P1', sev0: 'P1', critical: 'P1', crit: 'P1', emergency: 'P1', fatal: 'P1', page: 'P1', disaster: 'P1', blocker: 'P1',
  p2: 'P2', sev2: 'P2', high: 'P2', error: 'P2', major: 'P2', urgent: 'P2',
  p3: 'P3', sev3: 'P3', warning: 'P3', warn: 'P3', medium: 'P3', moderate: 'P3', average: 'P3',
  p4: 'P4', sev4: 'P4', low: 'P4', minor: 'P4', notice: 'P4',
  p5: 'P5', sev5: 'P5', info: 'P5', informational: 'P5', information: 'P5', debug: 'P5', none: 'P5', trivial: 'P5',
};

/** P1..P5 from a tool's severity, priority or urgency word ("critical", "SEV-2", "p3", "Warning"), if known. */
export function severityFromWord(value: string | undefined | null): Severity | undefined {
  if (value === undefined || value === null) return undefined;
  const word = value.trim().toLowerCase().replace(/[\s_-]+/g, '');
  return SEVERITY_WORDS[word];
}

/**
 * ISO-8601 (UTC, milliseconds) from what tools send: ISO strings with any offset, epoch seconds, milliseconds or
 * nanoseconds (Opsgenie webhooks), and "YYYY-MM-DD HH:MM:SS" read as UTC. Undefined when it is not a time.
 */
export function toIso(value: unknown): string | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  let ms: number;
  if (typeof value === 'number' || (typeof value === 'string' && /^\d+(\.\d+)?$/.test(value.trim()))) {
    const n = Number(value);
    // Pick the unit by magnitude: 1e11 ms is 1973, 1e11 s is year 5138, so the ranges do not overlap for real data.
    // Rounded: 1741149421730000000 ns / 1e6 is 1741149421729.9998 in floating point.
    if (n >= 1e17) ms = Math.round(n / 1e6);
    else if (n >= 1e14) ms = Math.round(n / 1e3);
    else if (n >= 1e11) ms = Math.round(n);
    else ms = Math.round(n * 1000);
  } else if (typeof value === 'string') {
    const text = /^\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}(:\d{2}(\.\d+)?)?$/.test(value.trim()) ? `${value.trim().replace(' ', 'T')}Z` : value;
    ms = Date.parse(text);
  } else if (value instanceof Date) {
    ms = value.getTime();
  } else {
    return undefined;
  }
  return Number.isFinite(ms) ? new Date(ms).toISOString() : undefined;
}

/** Like toIso, for values the tool guarantees: a broken timestamp there is a broken payload. */
export function requireIso(value: unknown, what: string): string {
  const iso = toIso(value);
  if (iso === undefined) throw new ConnectorError('invalid', `${what} is not a timestamp: ${JSON.stringify(value)}`);
  return iso;
}

function timelineKey(event: TimelineEvent): string {
  return event.id ?? `${event.type}|${event.at}|${event.actor ?? ''}|${event.message ?? ''}`;
}

/** Events at the same instant (a trigger and its automatic assignment) in the order they happen in. */
const SAME_INSTANT_ORDER: Record<TimelineEvent['type'], number> = {
  triggered: 0, reopened: 1, assigned: 2, escalated: 3, acknowledged: 4, unacknowledged: 5, note: 6, resolved: 7,
};

/** Timeline events oldest first, each once (the same log entry may arrive by webhook and by backfill). */
export function mergeTimelines(...timelines: TimelineEvent[][]): TimelineEvent[] {
  const byKey = new Map<string, TimelineEvent>();
  for (const timeline of timelines) for (const event of timeline) byKey.set(timelineKey(event), event);
  return [...byKey.values()].sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : SAME_INSTANT_ORDER[a.type] - SAME_INSTANT_ORDER[b.type]));
}

function earliest(a: string | undefined, b: string | undefined): string | undefined {
  if (a === undefined) return b;
  if (b === undefined) return a;
  return a <= b ? a : b;
}

/**
 * Folds a new record of an incident into the stored one. The record observed later wins each field it carries
 * (webhook events often omit description or labels, so an absent field keeps the stored value); createdAt and
 * acknowledgedAt keep the earliest value; timelines are merged. A change without a stored incident returns
 * undefined: there is nothing to apply it to yet.
 */
export function mergeUnified(stored: UnifiedIncident | undefined, record: UnifiedRecord): UnifiedIncident | undefined {
  if (record.kind === 'change') {
    if (!stored) return undefined;
    return {
      ...stored,
      url: stored.url ?? record.url,
      observedAt: stored.observedAt >= record.observedAt ? stored.observedAt : record.observedAt,
      timeline: mergeTimelines(stored.timeline, record.timeline),
    };
  }
  if (!stored) return record;
  const [older, newer] = record.observedAt >= stored.observedAt ? [stored, record] : [record, stored];
  const merged: UnifiedIncident = { ...older };
  for (const [key, value] of Object.entries(newer) as [keyof UnifiedIncident, unknown][]) {
    if (value === undefined) continue;
    if (Array.isArray(value) && value.length === 0 && key !== 'assignees') continue;
    if (key === 'labels' && Object.keys(value as object).length === 0) continue;
    (merged as unknown as Record<string, unknown>)[key] = value;
  }
  merged.createdAt = earliest(stored.createdAt, record.createdAt) ?? newer.createdAt;
  merged.acknowledgedAt = earliest(stored.acknowledgedAt, record.acknowledgedAt);
  // A reopened incident is no longer resolved, whatever an older record said.
  merged.resolvedAt = newer.status === 'resolved' ? (newer.resolvedAt ?? older.resolvedAt) : undefined;
  merged.labels = { ...older.labels, ...newer.labels };
  merged.timeline = mergeTimelines(stored.timeline, record.timeline);
  return merged;
}

/** First timeline event of a type (the first acknowledgement gives MTTA). */
export function firstAt(timeline: TimelineEvent[], type: TimelineEvent['type']): string | undefined {
  return timeline.find((event) => event.type === type)?.at;
}

/** Last timeline event of a type (the last resolution gives MTTR after a reopen). */
export function lastAt(timeline: TimelineEvent[], type: TimelineEvent['type']): string | undefined {
  return timeline.findLast((event) => event.type === type)?.at;
}

/** A timeline event without undefined fields. */
export function timelineEvent(type: TimelineEvent['type'], at: string, extra: { actor?: string; message?: string; id?: string } = {}): TimelineEvent {
  return compact({ type, at, ...extra });
}

/** Drops undefined values so records compare and serialise cleanly. */
export function compact<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}
