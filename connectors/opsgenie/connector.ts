// The Opsgenie connector: verify a key (and its region), page alerts or incidents by creation window, read webhooks, map to unified.
import { mapWithConcurrency } from '../concurrency.ts';
import { hasImportFilters, matchesImportFilters } from '../filters.ts';
import type { HttpTransport } from '../http.ts';
import { ConnectorError, type Connector, type ImportFilters, type IncidentPage, type ListIncidentsOptions, type VerifiedAccount } from '../types.ts';
import { pageByWindows, type WindowCursor } from '../windowed-paging.ts';
import {
  OPSGENIE_PAGE_SIZE,
  countAlerts,
  createdWindowQuery,
  fetchAccount,
  fetchAlert,
  fetchAlertLogs,
  fetchAlertNotes,
  listTeams,
  opsgenieBaseUrl,
  opsgenieHttp,
  searchAlerts,
  searchIncidents,
  type OpsgenieCredentials,
} from './client.ts';
import { opsgenieToUnified } from './mapping.ts';
import { parseOpsgenieWebhook } from './webhook.ts';
import { OPSGENIE_HOSTS, type OgAlert, type OgIncident, type OpsgenieRaw, type OpsgenieRegion } from './wire.ts';

export type OpsgenieCursor = WindowCursor;

export interface OpsgenieConnectorOptions {
  transport?: HttpTransport;
  /** Region hosts, replaced in tests so "wrong region" can be detected against two simulators. */
  hosts?: Record<OpsgenieRegion, string>;
  /** alerts (Alert API v2, default) or incidents (Incident API v1, on plans with incident management). */
  resource?: 'alerts' | 'incidents';
  windowDays?: number;
  /** Alerts enriched at once (details, logs, notes: three requests each). */
  detailConcurrency?: number;
}

export type OpsgenieConnector = Connector<OpsgenieCredentials, OpsgenieRaw, OpsgenieCursor>;

const DAY_MS = 86_400_000;

export function createOpsgenieConnector(options: OpsgenieConnectorOptions = {}): OpsgenieConnector {
  const hosts = options.hosts ?? OPSGENIE_HOSTS;
  const windowDays = Math.max(1 / 24, options.windowDays ?? 30);
  const concurrency = Math.max(1, options.detailConcurrency ?? 4);
  const http = (credentials: OpsgenieCredentials) => opsgenieHttp(credentials, options.transport, hosts);

  /** On a 401, a key that the other region's host accepts is a region mistake, which deserves its own message. */
  async function explainUnauthorized(credentials: OpsgenieCredentials, error: ConnectorError, signal?: AbortSignal): Promise<ConnectorError> {
    if (credentials.baseUrl) return error;
    const other: OpsgenieRegion = (credentials.region ?? 'us') === 'us' ? 'eu' : 'us';
    const wrongRegion = new ConnectorError('auth', `The API key belongs to Opsgenie's ${other.toUpperCase()} instance (${new URL(hosts[other]).host}); choose region "${other}".`);
    try {
      await fetchAccount(opsgenieHttp({ ...credentials, region: other }, { ...options.transport, maxAttempts: 1 }, hosts), signal);
      return wrongRegion;
    } catch (probe) {
      // A 403 there still means the key exists there; a 401 or no answer means the key itself is wrong.
      const acceptedThere = probe instanceof ConnectorError && probe.status === 403;
      return acceptedThere ? wrongRegion : error;
    }
  }

  async function teamNames(credentials: OpsgenieCredentials, signal?: AbortSignal): Promise<Record<string, string>> {
    try {
      return Object.fromEntries((await listTeams(http(credentials), signal)).map((t) => [t.id, t.name]));
    } catch (error) {
      // Keys without configuration access cannot list teams; alerts then carry team ids instead of names.
      if (error instanceof ConnectorError && (error.kind === 'auth' || error.kind === 'not_found')) return {};
      throw error;
    }
  }

  return {
    kind: 'opsgenie',

    async verify(credentials, signal): Promise<VerifiedAccount> {
      const client = http(credentials);
      const where = new URL(opsgenieBaseUrl(credentials, hosts)).host;
      try {
        const account = await fetchAccount(client, signal);
        return {
          name: account.name ?? 'Opsgenie account',
          details: { host: where, region: credentials.region ?? 'us', plan: account.plan?.name ?? '', users: account.userCount === undefined ? '' : String(account.userCount), access: 'configuration' },
        };
      } catch (error) {
        if (!(error instanceof ConnectorError) || error.kind !== 'auth') throw error;
        if (error.status === 401) throw await explainUnauthorized(credentials, error, signal);
        // Without configuration access the account is hidden, yet reading alerts is all an import needs.
        await searchAlerts(client, 'createdAt > 0', 0, 1, signal);
        return { name: 'Opsgenie account', details: { host: where, region: credentials.region ?? 'us', access: 'read' } };
      }
    },

    async *listIncidents(credentials, listOptions: ListIncidentsOptions<OpsgenieCursor>): AsyncGenerator<IncidentPage<OpsgenieRaw, OpsgenieCursor>> {
      const client = http(credentials);
      const { filters, signal } = listOptions;
      const names = await teamNames(credentials, signal);
      const keeps = (narrowed: ImportFilters | undefined) => (raw: OpsgenieRaw) => {
        if (!hasImportFilters(narrowed)) return true;
        const unified = opsgenieToUnified(raw);
        return unified.kind === 'change' || matchesImportFilters(unified, narrowed);
      };
      const keep = keeps(filters);

      if (options.resource === 'incidents') {
        const pages = pageByWindows<OgIncident>({
          since: listOptions.since,
          until: listOptions.until,
          cursor: listOptions.cursor,
          windowMs: windowDays * DAY_MS,
          pageSize: OPSGENIE_PAGE_SIZE,
          createdAt: (incident) => incident.createdAt,
          async fetchPage(window, offset, limit) {
            const { incidents, more } = await searchIncidents(client, createdWindowQuery(window.start, window.end), offset, limit, signal);
            return { items: incidents, more };
          },
        });
        for await (const page of pages) {
          yield { ...page, items: page.items.map((incident): OpsgenieRaw => ({ type: 'incident', incident, teamNames: names })).filter(keep) };
        }
        return;
      }

      const withTimeline = listOptions.timeline !== false;
      const pages = pageByWindows<OgAlert>({
        since: listOptions.since,
        until: listOptions.until,
        cursor: listOptions.cursor,
        windowMs: windowDays * DAY_MS,
        pageSize: OPSGENIE_PAGE_SIZE,
        createdAt: (alert) => alert.createdAt,
        async fetchPage(window, offset, limit) {
          const query = createdWindowQuery(window.start, window.end);
          const [{ alerts, more }, total] = await Promise.all([searchAlerts(client, query, offset, limit, signal), offset === 0 ? countAlerts(client, query, signal) : undefined]);
          return { items: alerts, more, total };
        },
      });
      // The list leaves out details (where the service usually is): filter on the rest before paying for details.
      const preKeep = keeps(filters && { ...filters, services: undefined });
      for await (const page of pages) {
        const listed = page.items.map((alert) => ({ type: 'alert' as const, alert, teamNames: names }));
        const enriched = await mapWithConcurrency(listed.filter(preKeep), concurrency, async (raw): Promise<OpsgenieRaw> => {
          const alert = await fetchAlert(client, raw.alert.id, signal);
          if (!withTimeline) return { ...raw, alert };
          const [logs, notes] = await Promise.all([fetchAlertLogs(client, raw.alert.id, signal), fetchAlertNotes(client, raw.alert.id, signal)]);
          return { ...raw, alert, logs, notes };
        });
        yield { ...page, items: enriched.filter(keep) };
      }
    },

    parseWebhook: parseOpsgenieWebhook,
    toUnified: opsgenieToUnified,

    async importChoices(credentials, signal) {
      const teams = await teamNames(credentials, signal);
      return {
        services: [],
        teams: Object.entries(teams).map(([id, name]) => ({ id, name })),
        priorities: ['P1', 'P2', 'P3', 'P4', 'P5'].map((p) => ({ id: p, name: p })),
        urgencies: [],
      };
    },
  };
}
