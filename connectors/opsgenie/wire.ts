// Opsgenie's wire format as the connector reads it: Alert API v2, Incident API v1 and the outgoing webhook integration.

export const OPSGENIE_HOSTS = { us: 'https://api.opsgenie.com', eu: 'https://api.eu.opsgenie.com' } as const;
export type OpsgenieRegion = keyof typeof OPSGENIE_HOSTS;

export interface OgResponder {
  type: 'user' | 'team' | 'escalation' | 'schedule';
  id: string;
  name?: string;
  username?: string;
}

/** A list item (BaseAlert); GET /v2/alerts/{id} adds entity, description, details and actions. */
export interface OgAlert {
  id: string;
  tinyId?: string;
  alias?: string;
  message: string;
  status: string;
  acknowledged?: boolean;
  isSeen?: boolean;
  tags?: string[];
  snoozed?: boolean;
  count?: number;
  lastOccurredAt?: string;
  createdAt: string;
  updatedAt?: string;
  source?: string;
  owner?: string;
  priority?: string;
  responders?: OgResponder[];
  /** Sent by the API though not in the published description (AlertTeamMeta). */
  teams?: { id: string }[];
  integration?: { id?: string; name?: string; type?: string };
  /** Durations in ms since creation, and who acknowledged or closed. */
  report?: { ackTime?: number; closeTime?: number; acknowledgedBy?: string; closedBy?: string };
  entity?: string;
  description?: string;
  details?: Record<string, string>;
  actions?: string[];
}

export interface OgAlertLog {
  log: string;
  type: string;
  owner?: string;
  createdAt: string;
  offset: string;
}

export interface OgAlertNote {
  note: string;
  owner?: string;
  createdAt: string;
  offset: string;
}

export interface OgIncident {
  id: string;
  tinyId?: string;
  message: string;
  description?: string;
  status: string;
  isSeen?: boolean;
  tags?: string[];
  createdAt: string;
  updatedAt?: string;
  source?: string;
  owner?: string;
  priority?: string;
  responders?: OgResponder[];
  ownerTeam?: string;
  extraProperties?: Record<string, string>;
}

export interface OgPaging {
  next?: string;
  prev?: string;
  first?: string;
  last?: string;
}

export interface OgEnvelope<T> {
  data: T;
  paging?: OgPaging;
  took: number;
  requestId: string;
}

/** The alert inside a webhook: times in epoch ms (createdAt) and ns (updatedAt), teams as ids. */
export interface OgWebhookAlert {
  alertId: string;
  message: string;
  tags?: string[];
  tinyId?: string;
  entity?: string;
  alias?: string;
  createdAt: number | string;
  updatedAt?: number | string;
  username?: string;
  userId?: string;
  description?: string;
  team?: string;
  responders?: OgResponder[];
  teams?: string[];
  actions?: string[];
  details?: Record<string, string>;
  priority?: string;
  source?: string;
  note?: string;
  owner?: string;
}

export interface OgWebhookPayload {
  action: string;
  alert: OgWebhookAlert;
  source?: { name?: string; type?: string };
  integrationId?: string;
  integrationName?: string;
  integrationType?: string;
}

export type OpsgenieRaw =
  | { type: 'alert'; alert: OgAlert; logs?: OgAlertLog[]; notes?: OgAlertNote[]; teamNames?: Record<string, string> }
  | { type: 'incident'; incident: OgIncident; teamNames?: Record<string, string> }
  | { type: 'webhook'; payload: OgWebhookPayload };
