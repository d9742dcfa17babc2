// Opsgenie REST reads: region hosts, GenieKey auth with precise errors, alert search, details, logs, notes, teams.
import { createHttpClient, type HttpClient, type HttpTransport } from '../http.ts';
import { ConnectorError } from '../types.ts';
import { OPSGENIE_HOSTS, type OgAlert, type OgAlertLog, type OgAlertNote, type OgEnvelope, type OgIncident, type OpsgenieRegion } from './wire.ts';

export interface OpsgenieCredentials {
  apiKey: string;
  /** us: api.opsgenie.com, eu: api.eu.opsgenie.com (default us). */
  region?: OpsgenieRegion;
  /** Overrides the region's host (simulators, tests, proxies). */
  baseUrl?: string;
}

export const OPSGENIE_PAGE_SIZE = 100;

export function opsgenieBaseUrl(credentials: OpsgenieCredentials, hosts: Record<OpsgenieRegion, string> = OPSGENIE_HOSTS): string {
  return credentials.baseUrl ?? hosts[credentials.region ?? 'us'];
}

function vendorMessage(body: unknown): string | undefined {
  if (body && typeof body === 'object' && typeof (body as { message?: unknown }).message === 'string') return (body as { message: string }).message;
  return typeof body === 'string' && body.length < 200 ? body : undefined;
}

export function opsgenieHttp(credentials: OpsgenieCredentials, transport: HttpTransport = {}, hosts?: Record<OpsgenieRegion, string>): HttpClient {
  if (!credentials.apiKey) throw new ConnectorError('auth', 'Opsgenie API key is empty');
  const baseUrl = opsgenieBaseUrl(credentials, hosts);
  return createHttpClient({
    ...transport,
    baseUrl,
    vendor: 'Opsgenie',
    headers: { Authorization: `GenieKey ${credentials.apiKey}` },
    vendorMessage,
    authMessage(status, said, path) {
      const because = said ? ` (${said})` : '';
      if (status === 401) {
        return `Opsgenie rejected the API key on ${new URL(baseUrl).host}${because}: check the key, and the region (a key of an EU account works only on api.eu.opsgenie.com, a US one only on api.opsgenie.com).`;
      }
      return `Opsgenie accepted the API key but refused ${path}${because}: give the API integration Read access (Configuration access too, to list teams and account details).`;
    },
  });
}

/** The query selecting alerts created in [start, end): `>` and `<` on epoch milliseconds. */
export function createdWindowQuery(start: string, end: string): string {
  return `createdAt > ${Date.parse(start) - 1} AND createdAt < ${Date.parse(end)}`;
}

export async function searchAlerts(http: HttpClient, query: string, offset: number, limit: number, signal?: AbortSignal) {
  const res = await http.getJson<OgEnvelope<OgAlert[]>>('/v2/alerts', { query, offset, limit, sort: 'createdAt', order: 'asc' }, signal);
  // The next page is announced in the body and in X-Paging-Next; either one means there is more.
  const more = Boolean(res.body.paging?.next ?? res.headers.get('x-paging-next'));
  return { alerts: res.body.data ?? [], more };
}

export async function countAlerts(http: HttpClient, query: string, signal?: AbortSignal): Promise<number | undefined> {
  const res = await http.getJson<OgEnvelope<{ count?: number }>>('/v2/alerts/count', { query }, signal);
  return res.body.data?.count;
}

export async function fetchAlert(http: HttpClient, id: string, signal?: AbortSignal): Promise<OgAlert> {
  const res = await http.getJson<OgEnvelope<OgAlert>>(`/v2/alerts/${encodeURIComponent(id)}`, { identifierType: 'id' }, signal);
  return res.body.data;
}

/** Logs and notes page by an opaque offset token: ask for the entries after the last one seen. */
async function listAfterOffsets<T extends { offset: string }>(http: HttpClient, path: string, signal?: AbortSignal): Promise<T[]> {
  const items: T[] = [];
  let offset: string | undefined;
  for (let page = 0; page < 20; page++) {
    const res = await http.getJson<OgEnvelope<T[]>>(path, { identifierType: 'id', limit: OPSGENIE_PAGE_SIZE, order: 'asc', direction: 'next', offset }, signal);
    const data = res.body.data ?? [];
    items.push(...data);
    if (data.length < OPSGENIE_PAGE_SIZE || !(res.body.paging?.next ?? res.headers.get('x-paging-next'))) break;
    offset = data[data.length - 1]!.offset;
  }
  return items;
}

export function fetchAlertLogs(http: HttpClient, id: string, signal?: AbortSignal): Promise<OgAlertLog[]> {
  return listAfterOffsets<OgAlertLog>(http, `/v2/alerts/${encodeURIComponent(id)}/logs`, signal);
}

export function fetchAlertNotes(http: HttpClient, id: string, signal?: AbortSignal): Promise<OgAlertNote[]> {
  return listAfterOffsets<OgAlertNote>(http, `/v2/alerts/${encodeURIComponent(id)}/notes`, signal);
}

export async function searchIncidents(http: HttpClient, query: string, offset: number, limit: number, signal?: AbortSignal) {
  const res = await http.getJson<OgEnvelope<OgIncident[]>>('/v1/incidents/', { query, offset, limit, sort: 'createdAt', order: 'asc' }, signal);
  return { incidents: res.body.data ?? [], more: Boolean(res.body.paging?.next ?? res.headers.get('x-paging-next')) };
}

export async function listTeams(http: HttpClient, signal?: AbortSignal): Promise<{ id: string; name: string }[]> {
  const res = await http.getJson<OgEnvelope<{ id?: string; name?: string }[]>>('/v2/teams', {}, signal);
  return (res.body.data ?? []).filter((t): t is { id: string; name: string } => Boolean(t.id && t.name));
}

export async function fetchAccount(http: HttpClient, signal?: AbortSignal): Promise<{ name?: string; userCount?: number; plan?: { name?: string } }> {
  const res = await http.getJson<OgEnvelope<{ name?: string; userCount?: number; plan?: { name?: string } }>>('/v2/account', {}, signal);
  return res.body.data ?? {};
}
