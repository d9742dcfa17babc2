// The contract every ticket-tool connector implements, the unified incident they map to, and their one error type.
// Connectors hold no database or Temporal code: activities call them and store what they return.

export type SourceKind = 'pagerduty' | 'opsgenie' | 'alertmanager' | 'webhook' | 'csv';

/** Severity normalised across tools: P1 is the most urgent. The tool's own value is kept in `severityOriginal`. */
export type Severity = 'P1' | 'P2' | 'P3' | 'P4' | 'P5';
export const SEVERITIES: readonly Severity[] = ['P1', 'P2', 'P3', 'P4', 'P5'];

export type IncidentStatus = 'triggered' | 'acknowledged' | 'resolved';
export const INCIDENT_STATUSES: readonly IncidentStatus[] = ['triggered', 'acknowledged', 'resolved'];

export type TimelineEventType = 'triggered' | 'acknowledged' | 'unacknowledged' | 'assigned' | 'escalated' | 'note' | 'resolved' | 'reopened';

/** One step in an incident's life, as the tool recorded it (PagerDuty log entries, Opsgenie logs and notes, ...). */
export interface TimelineEvent {
  type: TimelineEventType;
  at: string;
  /** Who did it (user name or email, service, integration), when the tool says. */
  actor?: string;
  /** Note text, or who was assigned, or the tool's own summary line. */
  message?: string;
  /** The tool's id for this entry, so merging the same event twice keeps one copy. */
  id?: string;
}

/** One incident in the shape every tool is unified into (pure data: ISO-8601 strings, no Dates). */
export interface UnifiedIncident {
  kind: 'incident';
  source: SourceKind;
  /** The tool's own id, unique per integration: with the integration id it is the natural key of upserts. */
  externalId: string;
  title: string;
  description?: string;
  service?: string;
  /** The tool's id of the service, when it has one (import filters may name services by id). */
  serviceId?: string;
  team?: string;
  teamId?: string;
  severity: Severity;
  /** The tool's own severity, priority or urgency value that `severity` was derived from. */
  severityOriginal?: string;
  status: IncidentStatus;
  createdAt: string;
  /** First acknowledgement (for MTTA). */
  acknowledgedAt?: string;
  /** Latest resolution; absent while the incident is open (for MTTR). */
  resolvedAt?: string;
  /** When the tool last changed this incident as far as this record knows: the newer record wins a merge. */
  observedAt: string;
  assignees: string[];
  tags: string[];
  url?: string;
  /** The tool's grouping key: Alertmanager fingerprint, Opsgenie alias, PagerDuty incident_key. */
  dedupKey?: string;
  labels: Record<string, string>;
  /** Oldest first; empty when the tool gave no history. */
  timeline: TimelineEvent[];
}

/**
 * A change to an incident the record does not describe in full (a note added in PagerDuty arrives with only the
 * incident's id). mergeUnified() applies it to the stored incident; with none stored yet, keep the raw event and retry.
 */
export interface UnifiedIncidentChange {
  kind: 'change';
  source: SourceKind;
  externalId: string;
  observedAt: string;
  title?: string;
  url?: string;
  timeline: TimelineEvent[];
}

/** What toUnified returns. */
export type UnifiedRecord = UnifiedIncident | UnifiedIncidentChange;

export type ConnectorErrorKind = 'auth' | 'rate_limited' | 'not_found' | 'invalid' | 'unavailable';

/** The only error a connector throws; activities/failures.ts maps its kind to a Temporal failure type. */
export class ConnectorError extends Error {
  override name = 'ConnectorError';
  readonly kind: ConnectorErrorKind;
  /** When to try again (rate limits, outages), so a Temporal retry can wait at least this long. */
  readonly retryAfterMs?: number;
  constructor(kind: ConnectorErrorKind, message: string, retryAfterMs?: number, options?: { cause?: unknown; status?: number }) {
    super(message, options);
    this.kind = kind;
    this.retryAfterMs = retryAfterMs;
    this.status = options?.status;
  }
  /** The vendor's HTTP status, when an answer caused this (401 bad key vs 403 missing scope). */
  readonly status?: number;
}

/**
 * Which incidents to import. Each list, when given and non-empty, must match; values match ids or names. PagerDuty
 * filters services and teams server-side by id, so pass the ids importChoices() lists.
 */
export interface ImportFilters {
  services?: string[];
  teams?: string[];
  /** PagerDuty urgencies: high, low. */
  urgencies?: string[];
  /** P1..P5, or the tool's own priority names. */
  priorities?: string[];
  statuses?: IncidentStatus[];
}

/** Parts of an incident a team may choose not to import (privacy, noise). */
export type DroppableField = 'description' | 'notes' | 'assignees' | 'tags' | 'labels' | 'url';

export interface ListIncidentsOptions<Cursor> {
  /** Created at or after (ISO-8601). */
  since: string;
  /** Created before (ISO-8601). */
  until: string;
  /** Resume after this checkpoint (from a previous page). */
  cursor?: Cursor;
  /** Applied by the tool's API where it can filter, and on each page otherwise. */
  filters?: ImportFilters;
  /** Fetch each incident's history (one more request per incident); default true. */
  timeline?: boolean;
  signal?: AbortSignal;
}

export interface IncidentPage<Raw, Cursor> {
  items: Raw[];
  /** Checkpoint after this page (plain JSON); undefined on the last page. */
  next?: Cursor;
  /** Total the tool reports for the current query window, when it does. */
  total?: number;
  /** Share of the whole since..until range done after this page, 0..1, for progress bars. */
  progress: number;
}

export interface VerifiedAccount {
  name: string;
  details: Record<string, string>;
}

/** Choices the import set-up screen offers (ids are what ImportFilters carry). */
export interface ImportChoices {
  services: { id: string; name: string }[];
  teams: { id: string; name: string }[];
  priorities: { id: string; name: string }[];
  urgencies: string[];
}

/** Request headers as Node or Fastify give them (names in any case). */
export type WebhookHeaders = Record<string, string | string[] | undefined>;

/** One secret, or several while a secret is being rotated (any of them authenticates). */
export type WebhookSecret = string | readonly string[];

/** A verified event; eventId is stable across redeliveries, so storing it deduplicates at-least-once delivery. */
export interface WebhookEvent<Raw> {
  eventId: string;
  raw: Raw;
}

export interface WebhookRejection {
  ok: false;
  /** unauthenticated: no credentials; signature: wrong ones; malformed: unreadable body; unsupported: not this tool's format. */
  reason: 'unauthenticated' | 'signature' | 'malformed' | 'unsupported';
  message: string;
  /** For mapped webhooks: which fields failed. */
  details?: FieldError[];
}

/** A verified delivery may carry no events (a PagerDuty service.updated event is acknowledged, not imported). */
export type WebhookResult<Raw> = { ok: true; events: WebhookEvent<Raw>[] } | WebhookRejection;

/** Why one field of a mapped record (generic webhook, CSV) could not be read. */
export interface FieldError {
  field: string;
  path?: string;
  message: string;
}

/** What every tool that pushes events offers (Alertmanager and the generic webhook offer only this). */
export interface WebhookConnector<Raw> {
  kind: SourceKind;
  parseWebhook(headers: WebhookHeaders, rawBody: Buffer | string, secret: WebhookSecret): WebhookResult<Raw>;
  /** Pure: the same raw record always gives the same result. */
  toUnified(raw: Raw): UnifiedRecord;
}

/** A tool with a REST API to verify credentials and page through history (PagerDuty, Opsgenie). */
export interface Connector<Credentials, Raw, Cursor> extends WebhookConnector<Raw> {
  verify(credentials: Credentials, signal?: AbortSignal): Promise<VerifiedAccount>;
  listIncidents(credentials: Credentials, options: ListIncidentsOptions<Cursor>): AsyncIterable<IncidentPage<Raw, Cursor>>;
  importChoices(credentials: Credentials, signal?: AbortSignal): Promise<ImportChoices>;
}
