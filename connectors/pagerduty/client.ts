// PagerDuty REST v2 reads: auth headers, precise auth errors, classic offset pagination and the calls the connector makes.
import { createHttpClient, type HttpClient, type HttpTransport, type Query } from '../http.ts';
import { ConnectorError } from '../types.ts';
import { PAGERDUTY_ACCEPT, PAGERDUTY_API, type PdErrorBody, type PdIncident, type PdLogEntry, type PdPagination, type PdReference } from './wire.ts';

export interface PagerDutyCredentials {
  /** A REST API key (account or user) or an OAuth token with read scopes. */
  apiKey: string;
  /** Default https://api.pagerduty.com (EU accounts use the same host); simulators and tests set their own. */
  baseUrl?: string;
}

/** offset + limit may not pass this (PagerDuty answers 400). */
export const PAGERDUTY_MAX_OFFSET = 10_000;
export const PAGERDUTY_PAGE_SIZE = 100;

function vendorMessage(body: unknown): string | undefined {
  const error = (body as PdErrorBody | undefined)?.error;
  if (!error) return typeof body === 'string' && body.length < 200 ? body : undefined;
  const parts = [error.message, ...(error.errors ?? [])].filter(Boolean);
  const text = parts.join('; ');
  return error.code ? `${text} (code ${error.code})` : text;
}

function authMessage(status: number, said: string | undefined, path: string): string {
  const because = said ? ` (${said})` : '';
  if (status === 401) {
    return `PagerDuty rejected the API key${because}: it is wrong, revoked or not a REST API key (an Events API integration key does not work here).`;
  }
  return `PagerDuty accepted the API key but refused ${path}${because}: the key lacks access. Use a read-only or full-access REST API key, or an OAuth token with incidents.read, services.read and teams.read.`;
}

export function pagerDutyHttp(credentials: PagerDutyCredentials, transport: HttpTransport = {}): HttpClient {
  if (!credentials.apiKey) throw new ConnectorError('auth', 'PagerDuty API key is empty');
  return createHttpClient({
    ...transport,
    baseUrl: credentials.baseUrl ?? PAGERDUTY_API,
    vendor: 'PagerDuty',
    headers: { Authorization: `Token token=${credentials.apiKey}`, Accept: PAGERDUTY_ACCEPT },
    vendorMessage,
    authMessage,
  });
}

/** Every item of a classic-paginated list (services, teams, priorities: small collections). */
export async function listAllPages<T>(http: HttpClient, path: string, key: string, query: Query = {}, signal?: AbortSignal): Promise<T[]> {
  const items: T[] = [];
  for (let offset = 0; offset + PAGERDUTY_PAGE_SIZE <= PAGERDUTY_MAX_OFFSET; offset += PAGERDUTY_PAGE_SIZE) {
    const { body } = await http.getJson<PdPagination & Record<string, T[]>>(path, { ...query, limit: PAGERDUTY_PAGE_SIZE, offset }, signal);
    items.push(...(body[key] ?? []));
    if (!body.more) break;
  }
  return items;
}

export interface IncidentQuery {
  since: string;
  until: string;
  offset: number;
  limit: number;
  statuses?: string[];
  serviceIds?: string[];
  teamIds?: string[];
  urgencies?: string[];
  includeFirstTrigger?: boolean;
}

export async function fetchIncidentPage(http: HttpClient, q: IncidentQuery, signal?: AbortSignal): Promise<PdPagination & { incidents: PdIncident[] }> {
  const nonEmpty = (list: string[] | undefined) => (list && list.length ? list : undefined);
  const { body } = await http.getJson<PdPagination & { incidents: PdIncident[] }>(
    '/incidents',
    {
      since: q.since,
      until: q.until,
      offset: q.offset,
      limit: q.limit,
      total: true,
      sort_by: 'created_at:asc',
      'statuses[]': nonEmpty(q.statuses),
      'service_ids[]': nonEmpty(q.serviceIds),
      'team_ids[]': nonEmpty(q.teamIds),
      'urgencies[]': nonEmpty(q.urgencies),
      'include[]': q.includeFirstTrigger ? ['first_trigger_log_entries'] : undefined,
    },
    signal,
  );
  return body;
}

/** An incident's whole log (usually one page), oldest first. */
export async function fetchIncidentLog(http: HttpClient, incidentId: string, signal?: AbortSignal): Promise<PdLogEntry[]> {
  const entries = await listAllPages<PdLogEntry>(http, `/incidents/${encodeURIComponent(incidentId)}/log_entries`, 'log_entries', {}, signal);
  return entries.sort((a, b) => (a.created_at < b.created_at ? -1 : a.created_at > b.created_at ? 1 : 0));
}

export async function fetchAbilities(http: HttpClient, signal?: AbortSignal): Promise<string[]> {
  const { body } = await http.getJson<{ abilities: string[] }>('/abilities', {}, signal);
  return body.abilities ?? [];
}

/** The key's user, or undefined for an account-level key (PagerDuty answers 400 for those: no user behind them). */
export async function fetchCurrentUser(http: HttpClient, signal?: AbortSignal): Promise<PdReference | undefined> {
  try {
    const { body } = await http.getJson<{ user: PdReference }>('/users/me', {}, signal);
    return body.user;
  } catch (error) {
    if (error instanceof ConnectorError && (error.kind === 'invalid' || error.kind === 'not_found')) return undefined;
    throw error;
  }
}
