// The contract every ticket-tool connector implements, the unified incident they map to, and their one error type.
// Connectors hold no database or Temporal code: activities call them and store what they return.

export type SourceKind = 'pagerduty' | 'opsgenie' | 'alertmanager' | 'webhook' | 'csv';

export type IncidentSeverity = 'critical' | 'high' | 'medium' | 'low' | 'info';
export type IncidentStatus = 'triggered' | 'acknowledged' | 'resolved';

/** One incident in the shape every tool is unified into (pure data: ISO-8601 strings, no Dates). */
export interface UnifiedIncident {
  source: SourceKind;
  /** The tool's own id, unique per integration: with the integration id it is the natural key of upserts. */
  externalId: string;
  title: string;
  description?: string;
  service?: string;
  team?: string;
  severity: IncidentSeverity;
  status: IncidentStatus;
  createdAt: string;
  acknowledgedAt?: string;
  resolvedAt?: string;
  url?: string;
  /** The tool's grouping key (Alertmanager fingerprint, Opsgenie alias, PagerDuty incident key), if any. */
  fingerprint?: string;
  labels: Record<string, string>;
}

export type ConnectorErrorKind = 'auth' | 'rate_limited' | 'not_found' | 'invalid' | 'unavailable';

/** The only error a connector throws; activities/failures.ts maps its kind to a Temporal failure type. */
export class ConnectorError extends Error {
  override name = 'ConnectorError';
  constructor(
    readonly kind: ConnectorErrorKind,
    message: string,
    readonly retryAfterMs?: number,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export interface ListIncidentsOptions<Cursor> {
  since: string;
  until: string;
  /** Resume after this checkpoint (from a previous page). */
  cursor?: Cursor;
  filters?: Record<string, string[]>;
}

export interface IncidentPage<Raw, Cursor> {
  items: Raw[];
  /** Checkpoint after this page; undefined on the last page. */
  next?: Cursor;
  /** Total the tool reports, when it does (for progress bars). */
  total?: number;
}

export interface VerifiedAccount {
  name: string;
  details: Record<string, string>;
}

export type WebhookResult<Raw> = { ok: true; eventId: string; events: Raw[] } | { ok: false; reason: 'signature' | 'malformed' | 'unsupported'; message: string };

export interface Connector<Credentials, Raw, Cursor> {
  kind: SourceKind;
  verify(credentials: Credentials): Promise<VerifiedAccount>;
  listIncidents(credentials: Credentials, options: ListIncidentsOptions<Cursor>): AsyncIterable<IncidentPage<Raw, Cursor>>;
  parseWebhook(headers: Record<string, string | undefined>, rawBody: Buffer, secret: string): WebhookResult<Raw>;
  toUnified(raw: Raw): UnifiedIncident;
}
