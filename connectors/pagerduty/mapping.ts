// Maps PagerDuty incidents, log entries and webhook v3 events to unified incidents, timelines and changes.
import { ConnectorError, type Severity, type TimelineEvent, type UnifiedIncident, type UnifiedIncidentChange, type UnifiedRecord } from '../types.ts';
import { compact, firstAt, lastAt, mergeTimelines, requireIso, severityFromWord, timelineEvent, toIso } from '../unified.ts';
import type { PagerDutyRaw, PdIncident, PdLogEntry, PdReference, PdWebhookEvent, PdWebhookIncident, PdWebhookIncidentMessage } from './wire.ts';

function nameOf(ref: PdReference | null | undefined): string | undefined {
  if (!ref) return undefined;
  return ref.name ?? ref.summary ?? ref.email ?? ref.id;
}

/**
 * Priority first (P1..P5 or the account's own names such as "SEV-1"), because teams set it deliberately; urgency
 * otherwise, which PagerDuty always has: high pages someone now (P2), low waits for working hours (P4).
 */
export function pagerDutySeverity(priority: PdReference | null | undefined, urgency: string | undefined): { severity: Severity; severityOriginal?: string } {
  const priorityName = priority ? (priority.name ?? priority.summary ?? undefined) : undefined;
  const fromPriority = severityFromWord(priorityName);
  if (fromPriority) return { severity: fromPriority, severityOriginal: priorityName! };
  if (urgency === 'high') return { severity: 'P2', severityOriginal: priorityName ?? 'high' };
  if (urgency === 'low') return { severity: 'P4', severityOriginal: priorityName ?? 'low' };
  return { severity: 'P3', severityOriginal: priorityName };
}

function describeDetails(details: unknown): string | undefined {
  if (typeof details === 'string') return details || undefined;
  if (details && typeof details === 'object') {
    const record = details as Record<string, unknown>;
    if (typeof record['description'] === 'string') return record['description'];
    const lines = Object.entries(record)
      .filter(([, v]) => v !== null && v !== undefined && typeof v !== 'object')
      .map(([k, v]) => `${k}: ${String(v)}`);
    return lines.length ? lines.join('\n') : undefined;
  }
  return undefined;
}

/** The text a responder wrote in a note entry (PagerDuty puts it in the channel summary of annotate entries). */
function noteText(entry: PdLogEntry): string | undefined {
  return entry.channel?.summary ?? entry.note ?? entry.summary ?? undefined;
}

/** Timeline entries for the log entry types that tell the incident's story; notifications and the like are skipped. */
export function logEntryToTimeline(entry: PdLogEntry): TimelineEvent | undefined {
  const at = requireIso(entry.created_at, `log entry ${entry.id} created_at`);
  const base = { actor: nameOf(entry.agent), id: entry.id };
  const summary = entry.summary ?? undefined;
  switch (entry.type) {
    case 'trigger_log_entry':
      return timelineEvent('triggered', at, { ...base, message: summary });
    case 'acknowledge_log_entry':
    case 'acknowledgement_log_entry':
      return timelineEvent('acknowledged', at, base);
    case 'unacknowledge_log_entry':
      return timelineEvent('unacknowledged', at, base);
    case 'assign_log_entry':
      return timelineEvent('assigned', at, { ...base, message: (entry.assignees ?? []).map(nameOf).filter(Boolean).join(', ') || undefined });
    case 'escalate_log_entry':
    case 'delegate_log_entry':
      return timelineEvent('escalated', at, { ...base, message: summary });
    case 'annotate_log_entry':
      return timelineEvent('note', at, { ...base, message: noteText(entry) });
    case 'resolve_log_entry':
      return timelineEvent('resolved', at, { ...base, message: summary });
    default:
      return undefined;
  }
}

function triggerEntry(incident: PdIncident, logEntries: PdLogEntry[]): PdLogEntry | undefined {
  const first = incident.first_trigger_log_entry;
  if (first && 'created_at' in first) return first as PdLogEntry;
  return logEntries.find((entry) => entry.type === 'trigger_log_entry');
}

/** A REST incident, with its log entries when fetched, as a full unified incident. */
export function incidentToUnified(incident: PdIncident, logEntries: PdLogEntry[] = []): UnifiedIncident {
  const createdAt = requireIso(incident.created_at, `incident ${incident.id} created_at`);
  const timeline = logEntries.length
    ? mergeTimelines(logEntries.map(logEntryToTimeline).filter((e): e is TimelineEvent => e !== undefined))
    : derivedTimeline(incident, createdAt);
  const trigger = triggerEntry(incident, logEntries);
  const description =
    describeDetails(incident.body?.details) ?? trigger?.channel?.description ?? describeDetails(trigger?.channel?.details) ?? trigger?.event_details?.description ?? undefined;
  const current = (incident.assignments ?? []).map((a) => nameOf(a.assignee)).filter((n): n is string => Boolean(n));
  // Resolved incidents have no assignments left; the last assignment in the log says who had it.
  const lastAssigned = timeline.findLast((e) => e.type === 'assigned')?.message;
  const assignees = current.length ? current : lastAssigned ? lastAssigned.split(', ') : [];
  const team = incident.teams?.[0];
  const acks = (incident.acknowledgements ?? []).map((a) => toIso(a.at)).filter((a): a is string => Boolean(a)).sort();
  const resolvedAt =
    incident.status === 'resolved' ? (toIso(incident.resolved_at) ?? lastAt(timeline, 'resolved') ?? toIso(incident.last_status_change_at)) : undefined;
  const priorityName = incident.priority ? (incident.priority.name ?? incident.priority.summary ?? undefined) : undefined;
  return compact({
    kind: 'incident',
    source: 'pagerduty',
    externalId: incident.id,
    title: incident.title,
    description,
    service: nameOf(incident.service),
    serviceId: incident.service?.id,
    team: nameOf(team),
    teamId: team?.id,
    ...pagerDutySeverity(incident.priority, incident.urgency),
    status: incident.status,
    createdAt,
    acknowledgedAt: firstAt(timeline, 'acknowledged') ?? acks[0],
    resolvedAt,
    observedAt: toIso(incident.updated_at) ?? toIso(incident.last_status_change_at) ?? createdAt,
    assignees,
    tags: [],
    url: incident.html_url ?? undefined,
    dedupKey: incident.incident_key ?? undefined,
    labels: compact({
      urgency: incident.urgency,
      priority: priorityName,
      incident_number: incident.incident_number === undefined ? undefined : String(incident.incident_number),
      escalation_policy: nameOf(incident.escalation_policy),
    }) as Record<string, string>,
    timeline,
  }) as UnifiedIncident;
}

/** Without log entries, the incident's own timestamps still give a partial story. */
function derivedTimeline(incident: PdIncident, createdAt: string): TimelineEvent[] {
  const events: TimelineEvent[] = [{ type: 'triggered', at: createdAt }];
  for (const ack of incident.acknowledgements ?? []) {
    const at = toIso(ack.at);
    if (at) events.push(timelineEvent('acknowledged', at, { actor: nameOf(ack.acknowledger) }));
  }
  const resolvedAt = toIso(incident.resolved_at);
  if (incident.status === 'resolved' && resolvedAt) events.push({ type: 'resolved', at: resolvedAt });
  return mergeTimelines(events);
}

const WEBHOOK_TIMELINE: Record<string, TimelineEvent['type'] | undefined> = {
  'incident.triggered': 'triggered',
  'incident.acknowledged': 'acknowledged',
  'incident.unacknowledged': 'unacknowledged',
  'incident.reassigned': 'assigned',
  'incident.escalated': 'escalated',
  'incident.delegated': 'escalated',
  'incident.resolved': 'resolved',
  'incident.reopened': 'reopened',
};

function webhookIncidentToUnified(event: PdWebhookEvent, data: PdWebhookIncident): UnifiedIncident {
  const occurredAt = requireIso(event.occurred_at, `event ${event.id} occurred_at`);
  const createdAt = requireIso(data.created_at, `incident ${data.id} created_at`);
  const assignees = (data.assignees ?? []).map(nameOf).filter((n): n is string => Boolean(n));
  const type = WEBHOOK_TIMELINE[event.event_type];
  const timeline: TimelineEvent[] = [];
  if (type === 'triggered') timeline.push({ type, at: createdAt, id: event.id });
  else if (type)
    timeline.push(timelineEvent(type, occurredAt, { actor: nameOf(event.agent), id: event.id, message: type === 'assigned' ? assignees.join(', ') || undefined : undefined }));
  const team = data.teams?.[0];
  const priorityName = data.priority ? (data.priority.name ?? data.priority.summary ?? undefined) : undefined;
  return compact({
    kind: 'incident',
    source: 'pagerduty',
    externalId: data.id,
    title: data.title,
    service: nameOf(data.service),
    serviceId: data.service?.id,
    team: nameOf(team),
    teamId: team?.id,
    ...pagerDutySeverity(data.priority, data.urgency),
    status: data.status,
    createdAt,
    acknowledgedAt: event.event_type === 'incident.acknowledged' ? occurredAt : undefined,
    resolvedAt: data.status === 'resolved' ? occurredAt : undefined,
    observedAt: occurredAt,
    assignees,
    tags: [],
    url: data.html_url,
    dedupKey: data.incident_key ?? undefined,
    labels: compact({ urgency: data.urgency, priority: priorityName, incident_number: data.number === undefined ? undefined : String(data.number) }) as Record<string, string>,
    timeline,
  }) as UnifiedIncident;
}

function webhookMessageToChange(event: PdWebhookEvent, data: PdWebhookIncidentMessage): UnifiedIncidentChange {
  const text = data.content ?? data.message;
  return compact({
    kind: 'change',
    source: 'pagerduty',
    externalId: data.incident.id,
    observedAt: requireIso(event.occurred_at, `event ${event.id} occurred_at`),
    title: data.incident.summary ?? undefined,
    url: data.incident.html_url ?? undefined,
    timeline: [timelineEvent('note', requireIso(event.occurred_at, 'occurred_at'), { actor: nameOf(event.agent), message: text, id: data.id })],
  }) as UnifiedIncidentChange;
}

/** A webhook v3 event: incident events carry the whole (slim) incident; notes and the like only a reference. */
export function webhookEventToUnified(event: PdWebhookEvent): UnifiedRecord {
  const data = event.data;
  if (data.type === 'incident') return webhookIncidentToUnified(event, data as unknown as PdWebhookIncident);
  if (data.type === 'incident_note' || data.type === 'incident_status_update') return webhookMessageToChange(event, data as unknown as PdWebhookIncidentMessage);
  const incident = (data as { incident?: PdReference }).incident;
  if (incident) {
    return { kind: 'change', source: 'pagerduty', externalId: incident.id, observedAt: requireIso(event.occurred_at, 'occurred_at'), timeline: [] };
  }
  throw new ConnectorError('invalid', `PagerDuty event ${event.event_type} carries no incident`);
}

export function pagerDutyToUnified(raw: PagerDutyRaw): UnifiedRecord {
  return raw.type === 'incident' ? incidentToUnified(raw.incident, raw.log_entries) : webhookEventToUnified(raw.event);
}
