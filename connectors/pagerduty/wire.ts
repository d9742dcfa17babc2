// PagerDuty's wire format as the connector reads it (REST v2 and webhooks v3); nullable where PagerDuty sends null.

export const PAGERDUTY_API = 'https://api.pagerduty.com';
export const PAGERDUTY_ACCEPT = 'application/vnd.pagerduty+json;version=2';

export interface PdReference {
  id: string;
  type: string;
  summary?: string | null;
  self?: string | null;
  html_url?: string | null;
  /** Present on full objects (include[]=...), absent on references. */
  name?: string;
  email?: string;
}

export interface PdChannel {
  type: string;
  summary?: string;
  description?: string;
  details?: unknown;
  incident_key?: string;
}

export interface PdLogEntry {
  id: string;
  type: string;
  summary?: string | null;
  created_at: string;
  agent?: PdReference | null;
  channel?: PdChannel | null;
  note?: string | null;
  assignees?: PdReference[];
  incident?: PdReference;
  event_details?: { description?: string } | null;
}

export interface PdIncident {
  id: string;
  type: 'incident';
  summary?: string | null;
  self?: string | null;
  html_url?: string | null;
  incident_number?: number;
  title: string;
  description?: string | null;
  created_at: string;
  updated_at?: string | null;
  status: 'triggered' | 'acknowledged' | 'resolved';
  incident_key?: string | null;
  service?: PdReference | null;
  assignments?: { at: string; assignee: PdReference }[];
  acknowledgements?: { at: string; acknowledger: PdReference }[];
  last_status_change_at?: string | null;
  resolved_at?: string | null;
  first_trigger_log_entry?: PdLogEntry | PdReference | null;
  escalation_policy?: PdReference | null;
  teams?: PdReference[];
  priority?: PdReference | null;
  urgency?: 'high' | 'low';
  body?: { type?: string; details?: unknown } | null;
}

export interface PdPagination {
  limit: number;
  offset: number;
  more: boolean;
  total: number | null;
}

export interface PdErrorBody {
  error?: { code?: number; message?: string; errors?: string[] };
}

/** `event.data` when `data.type` is "incident" (webhooks v3): a slimmer incident than REST's. */
export interface PdWebhookIncident {
  id: string;
  type: 'incident';
  self?: string;
  html_url?: string;
  number?: number;
  status: 'triggered' | 'acknowledged' | 'resolved';
  incident_key?: string | null;
  created_at: string;
  title: string;
  service?: PdReference | null;
  assignees?: PdReference[];
  escalation_policy?: PdReference | null;
  teams?: PdReference[];
  priority?: PdReference | null;
  urgency?: 'high' | 'low';
  conference_bridge?: unknown;
  resolve_reason?: unknown;
}

/** `event.data` of incident.annotated (incident_note) and incident.status_update_published (incident_status_update). */
export interface PdWebhookIncidentMessage {
  id: string;
  type: 'incident_note' | 'incident_status_update';
  incident: PdReference;
  content?: string;
  message?: string;
  trimmed?: boolean;
}

export interface PdWebhookEvent {
  id: string;
  event_type: string;
  resource_type: string;
  occurred_at: string;
  agent: PdReference | null;
  client: { name: string } | null;
  data: { type: string; id?: string } & Record<string, unknown>;
}

/** What listIncidents and parseWebhook hand out, and what raw_events stores. */
export type PagerDutyRaw =
  | { type: 'incident'; incident: PdIncident; log_entries?: PdLogEntry[] }
  | { type: 'webhook_event'; event: PdWebhookEvent };
