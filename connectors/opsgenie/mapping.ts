// Maps Opsgenie alerts (with logs and notes), incidents and webhook payloads to unified incidents and changes.
import type { IncidentStatus, Severity, TimelineEvent, UnifiedIncident, UnifiedIncidentChange, UnifiedRecord } from '../types.ts';
import { compact, firstAt, lastAt, mergeTimelines, requireIso, severityFromWord, timelineEvent, toIso } from '../unified.ts';
import type { OgAlert, OgAlertLog, OgAlertNote, OgIncident, OgResponder, OgWebhookPayload, OpsgenieRaw } from './wire.ts';

/** Opsgenie priorities are P1..P5 already; P3 is Opsgenie's own default when none was set. */
export function opsgenieSeverity(priority: string | undefined): { severity: Severity; severityOriginal?: string } {
  return { severity: severityFromWord(priority) ?? 'P3', severityOriginal: priority };
}

/**
 * Opsgenie has no service field: teams put it in details ("service") or a tag ("service:checkout"). The entity
 * (host, component) stays a label, since it names the thing that alerted rather than the service it belongs to.
 */
export function opsgenieService(details: Record<string, string> | undefined, tags: string[] | undefined): string | undefined {
  const fromDetails = details?.['service'] ?? details?.['Service'];
  if (fromDetails) return fromDetails;
  const tag = tags?.find((t) => /^service[:=]/i.test(t));
  return tag ? tag.slice(tag.search(/[:=]/) + 1) : undefined;
}

function teamOf(responders: OgResponder[] | undefined, teamIds: string[], teamNames: Record<string, string> | undefined) {
  const responder = responders?.find((r) => r.type === 'team');
  const id = responder?.id ?? teamIds[0];
  if (!id) return { team: undefined, teamId: undefined };
  return { team: teamNames?.[id] ?? responder?.name ?? id, teamId: id };
}

/** Opsgenie logs are free text ("Alert acknowledged via web"); the verbs are stable enough to read the story from. */
export function alertLogToTimeline(log: OgAlertLog): TimelineEvent | undefined {
  const at = toIso(log.createdAt);
  if (!at) return undefined;
  const extra = { actor: log.owner || undefined, message: log.log, id: `log:${log.offset}` };
  const text = log.log.toLowerCase();
  if (/unacknowledged/.test(text)) return timelineEvent('unacknowledged', at, extra);
  if (/acknowledged/.test(text)) return timelineEvent('acknowledged', at, extra);
  if (/reopen/.test(text)) return timelineEvent('reopened', at, extra);
  if (/\bclosed?\b/.test(text)) return timelineEvent('resolved', at, extra);
  if (/^alert created|created alert/.test(text)) return timelineEvent('triggered', at, extra);
  if (/escalat/.test(text)) return timelineEvent('escalated', at, extra);
  if (/assigned|ownership/.test(text)) return timelineEvent('assigned', at, extra);
  return undefined;
}

export function alertNoteToTimeline(note: OgAlertNote): TimelineEvent | undefined {
  const at = toIso(note.createdAt);
  return at ? timelineEvent('note', at, { actor: note.owner || undefined, message: note.note, id: `note:${note.offset}` }) : undefined;
}

function plus(iso: string, ms: number | undefined): string | undefined {
  return ms === undefined ? undefined : new Date(Date.parse(iso) + ms).toISOString();
}

export function alertStatus(alert: Pick<OgAlert, 'status' | 'acknowledged'>): IncidentStatus {
  if (alert.status === 'closed' || alert.status === 'resolved') return 'resolved';
  return alert.acknowledged ? 'acknowledged' : 'triggered';
}

export function alertToUnified(alert: OgAlert, logs: OgAlertLog[] = [], notes: OgAlertNote[] = [], teamNames?: Record<string, string>): UnifiedIncident {
  const createdAt = requireIso(alert.createdAt, `alert ${alert.id} createdAt`);
  const status = alertStatus(alert);
  const report = alert.report ?? {};
  const fromHistory = [...logs.map(alertLogToTimeline), ...notes.map(alertNoteToTimeline)].filter((e): e is TimelineEvent => e !== undefined);
  const ackAt = plus(createdAt, report.ackTime);
  const closeAt = plus(createdAt, report.closeTime);
  const derived: TimelineEvent[] = [timelineEvent('triggered', createdAt, { id: 'created' })];
  if (ackAt) derived.push(timelineEvent('acknowledged', ackAt, { actor: report.acknowledgedBy, id: 'report:ack' }));
  if (status === 'resolved' && closeAt) derived.push(timelineEvent('resolved', closeAt, { actor: report.closedBy, id: 'report:close' }));
  const timeline = mergeTimelines(logs.length ? fromHistory : [...derived, ...fromHistory]);
  const labels: Record<string, string> = { ...(alert.details ?? {}) };
  Object.assign(labels, compact({ priority: alert.priority, source: alert.source, entity: alert.entity, tinyId: alert.tinyId, integration: alert.integration?.name, count: alert.count === undefined ? undefined : String(alert.count) }));
  return compact({
    kind: 'incident',
    source: 'opsgenie',
    externalId: alert.id,
    title: alert.message,
    description: alert.description || undefined,
    service: opsgenieService(alert.details, alert.tags),
    ...teamOf(alert.responders, (alert.teams ?? []).map((t) => t.id), teamNames),
    ...opsgenieSeverity(alert.priority),
    status,
    createdAt,
    acknowledgedAt: ackAt ?? firstAt(timeline, 'acknowledged'),
    resolvedAt: status === 'resolved' ? (closeAt ?? lastAt(timeline, 'resolved') ?? toIso(alert.updatedAt)) : undefined,
    observedAt: toIso(alert.updatedAt) ?? createdAt,
    assignees: alert.owner ? [alert.owner] : [],
    tags: alert.tags ?? [],
    dedupKey: alert.alias || undefined,
    labels,
    timeline,
  }) as UnifiedIncident;
}

/** Incident API v1 records (accounts with incident management): no history endpoint in the published API. */
export function opsgenieIncidentToUnified(incident: OgIncident, teamNames?: Record<string, string>): UnifiedIncident {
  const createdAt = requireIso(incident.createdAt, `incident ${incident.id} createdAt`);
  const status: IncidentStatus = incident.status === 'open' ? 'triggered' : 'resolved';
  const updatedAt = toIso(incident.updatedAt);
  const resolvedAt = status === 'resolved' ? (updatedAt ?? createdAt) : undefined;
  const timeline = [timelineEvent('triggered', createdAt, { id: 'created' })];
  if (resolvedAt) timeline.push(timelineEvent('resolved', resolvedAt, { id: 'resolved' }));
  return compact({
    kind: 'incident',
    source: 'opsgenie',
    externalId: incident.id,
    title: incident.message,
    description: incident.description || undefined,
    service: opsgenieService(incident.extraProperties, incident.tags),
    ...teamOf(incident.responders, incident.ownerTeam ? [incident.ownerTeam] : [], teamNames),
    ...opsgenieSeverity(incident.priority),
    status,
    createdAt,
    resolvedAt,
    observedAt: updatedAt ?? createdAt,
    assignees: incident.owner ? [incident.owner] : [],
    tags: incident.tags ?? [],
    labels: { ...(incident.extraProperties ?? {}), ...compact({ priority: incident.priority, source: incident.source, tinyId: incident.tinyId, kind: 'incident' }) },
    timeline,
  }) as UnifiedIncident;
}

/** Webhook actions that say what the alert's status is now; other actions (notes, tags, ...) leave it unknown. */
const STATUS_BY_ACTION: Record<string, IncidentStatus> = {
  Create: 'triggered',
  Acknowledge: 'acknowledged',
  UnAcknowledge: 'triggered',
  Close: 'resolved',
  Delete: 'resolved',
};

function webhookTimeline(payload: OgWebhookPayload, createdAt: string, at: string, eventId: string): TimelineEvent[] {
  const { action, alert } = payload;
  const actor = alert.username || undefined;
  switch (action) {
    case 'Create':
      return [timelineEvent('triggered', createdAt, { actor, id: eventId })];
    case 'Acknowledge':
      return [timelineEvent('acknowledged', at, { actor, id: eventId })];
    case 'UnAcknowledge':
      return [timelineEvent('unacknowledged', at, { actor, id: eventId })];
    case 'Close':
    case 'Delete':
      return [timelineEvent('resolved', at, { actor, id: eventId, message: action === 'Delete' ? 'Alert deleted' : undefined })];
    case 'AddNote':
      return [timelineEvent('note', at, { actor, id: eventId, message: alert.note })];
    case 'AssignOwnership':
    case 'TakeOwnership':
      return [timelineEvent('assigned', at, { actor, id: eventId, message: alert.owner ?? actor })];
    case 'Escalate':
    case 'EscalateToNext':
      return [timelineEvent('escalated', at, { actor, id: eventId })];
    default:
      return [];
  }
}

/** Identifies one delivery: updatedAt (ns) changes with every action on the alert. */
export function opsgenieWebhookEventId(payload: OgWebhookPayload): string {
  return `${payload.alert.alertId}:${payload.action}:${String(payload.alert.updatedAt ?? payload.alert.createdAt)}`;
}

export function webhookPayloadToUnified(payload: OgWebhookPayload): UnifiedRecord {
  const { alert, action } = payload;
  const createdAt = requireIso(alert.createdAt, `alert ${alert.alertId} createdAt`);
  const at = toIso(alert.updatedAt) ?? createdAt;
  const eventId = opsgenieWebhookEventId(payload);
  const timeline = webhookTimeline(payload, createdAt, at, eventId);
  const status = STATUS_BY_ACTION[action];
  if (!status) {
    const change: UnifiedIncidentChange = { kind: 'change', source: 'opsgenie', externalId: alert.alertId, observedAt: at, title: alert.message, timeline };
    return change;
  }
  const teamNames = alert.team && alert.teams?.[0] ? { [alert.teams[0]]: alert.team } : undefined;
  const labels: Record<string, string> = { ...(alert.details ?? {}) };
  Object.assign(labels, compact({ priority: alert.priority, source: alert.source, entity: alert.entity || undefined, tinyId: alert.tinyId, integration: payload.integrationName }));
  return compact({
    kind: 'incident',
    source: 'opsgenie',
    externalId: alert.alertId,
    title: alert.message,
    description: alert.description || undefined,
    service: opsgenieService(alert.details, alert.tags),
    ...teamOf(alert.responders, alert.teams ?? [], teamNames),
    ...opsgenieSeverity(alert.priority),
    status,
    createdAt,
    acknowledgedAt: action === 'Acknowledge' ? at : undefined,
    resolvedAt: status === 'resolved' ? at : undefined,
    observedAt: at,
    assignees: alert.owner ? [alert.owner] : [],
    tags: alert.tags ?? [],
    dedupKey: alert.alias || undefined,
    labels,
    timeline,
  }) as UnifiedIncident;
}

export function opsgenieToUnified(raw: OpsgenieRaw): UnifiedRecord {
  switch (raw.type) {
    case 'alert':
      return alertToUnified(raw.alert, raw.logs, raw.notes, raw.teamNames);
    case 'incident':
      return opsgenieIncidentToUnified(raw.incident, raw.teamNames);
    case 'webhook':
      return webhookPayloadToUnified(raw.payload);
  }
}
