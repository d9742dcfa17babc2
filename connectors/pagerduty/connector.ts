// The PagerDuty connector: verify a key, page incidents in windows with their log entries, read webhooks, map to unified.
import { hasImportFilters, matchesImportFilters } from '../filters.ts';
import type { HttpTransport } from '../http.ts';
import { ConnectorError, type Connector, type ImportChoices, type IncidentPage, type ListIncidentsOptions } from '../types.ts';
import { mapWithConcurrency } from '../concurrency.ts';
import { pageByWindows, type WindowCursor } from '../windowed-paging.ts';
import {
  PAGERDUTY_MAX_OFFSET,
  PAGERDUTY_PAGE_SIZE,
  fetchAbilities,
  fetchCurrentUser,
  fetchIncidentLog,
  fetchIncidentPage,
  listAllPages,
  pagerDutyHttp,
  type PagerDutyCredentials,
} from './client.ts';
import { incidentToUnified, pagerDutyToUnified } from './mapping.ts';
import { parsePagerDutyWebhook } from './webhook.ts';
import type { PagerDutyRaw, PdIncident, PdReference } from './wire.ts';

export type PagerDutyCursor = WindowCursor;

export interface PagerDutyConnectorOptions {
  transport?: HttpTransport;
  /** Width of the since/until windows in days (default 30; PagerDuty allows at most 6 months). */
  windowDays?: number;
  /** Log-entry requests in flight at once (default 4: PagerDuty allows 960 requests a minute per key). */
  logConcurrency?: number;
}

export type PagerDutyConnector = Connector<PagerDutyCredentials, PagerDutyRaw, PagerDutyCursor>;

const DAY_MS = 86_400_000;
const MAX_WINDOW_DAYS = 180;

export function createPagerDutyConnector(options: PagerDutyConnectorOptions = {}): PagerDutyConnector {
  const windowDays = Math.min(MAX_WINDOW_DAYS, Math.max(1 / 24, options.windowDays ?? 30));
  const logConcurrency = Math.max(1, options.logConcurrency ?? 4);

  return {
    kind: 'pagerduty',

    async verify(credentials, signal) {
      const http = pagerDutyHttp(credentials, options.transport);
      const abilities = await fetchAbilities(http, signal);
      // /abilities answers for any valid key; reading one incident proves the scope the import needs.
      await fetchIncidentPage(http, { since: new Date(Date.now() - DAY_MS).toISOString(), until: new Date().toISOString(), offset: 0, limit: 1 }, signal);
      const user = await fetchCurrentUser(http, signal);
      return {
        name: user ? `${user.name ?? user.summary ?? user.id}${user.email ? ` <${user.email}>` : ''}` : 'PagerDuty account (account-level API key)',
        details: {
          keyType: user ? 'user' : 'account',
          abilities: abilities.join(','),
          teams: String(abilities.includes('teams')),
          urgencies: String(abilities.includes('urgencies')),
        },
      };
    },

    async *listIncidents(credentials, listOptions: ListIncidentsOptions<PagerDutyCursor>): AsyncGenerator<IncidentPage<PagerDutyRaw, PagerDutyCursor>> {
      const http = pagerDutyHttp(credentials, options.transport);
      const { filters, signal } = listOptions;
      const withTimeline = listOptions.timeline !== false;
      const pages = pageByWindows<PdIncident>({
        since: listOptions.since,
        until: listOptions.until,
        cursor: listOptions.cursor,
        windowMs: windowDays * DAY_MS,
        pageSize: PAGERDUTY_PAGE_SIZE,
        maxOffset: PAGERDUTY_MAX_OFFSET,
        createdAt: (incident) => incident.created_at,
        async fetchPage(window, offset, limit) {
          const body = await fetchIncidentPage(
            http,
            {
              since: window.start,
              until: window.end,
              offset,
              limit,
              statuses: filters?.statuses,
              serviceIds: filters?.services,
              teamIds: filters?.teams,
              urgencies: filters?.urgencies,
              includeFirstTrigger: !withTimeline,
            },
            signal,
          );
          return { items: body.incidents, more: body.more, total: body.total ?? undefined };
        },
      });
      for await (const page of pages) {
        // Priorities cannot be queried; everything else was filtered by PagerDuty already, and is checked again here.
        const wanted = hasImportFilters(filters) ? page.items.filter((incident) => matchesImportFilters(incidentToUnified(incident), filters)) : page.items;
        const items: PagerDutyRaw[] = withTimeline
          ? await mapWithConcurrency(wanted, logConcurrency, async (incident) => ({ type: 'incident' as const, incident, log_entries: await fetchIncidentLog(http, incident.id, signal) }))
          : wanted.map((incident) => ({ type: 'incident' as const, incident }));
        yield { ...page, items };
      }
    },

    parseWebhook: parsePagerDutyWebhook,
    toUnified: pagerDutyToUnified,

    async importChoices(credentials, signal): Promise<ImportChoices> {
      const http = pagerDutyHttp(credentials, options.transport);
      const named = (refs: PdReference[]) => refs.map((r) => ({ id: r.id, name: r.name ?? r.summary ?? r.id }));
      const [services, teams, priorities] = await Promise.all([
        listAllPages<PdReference>(http, '/services', 'services', {}, signal),
        // Accounts without the teams ability answer 403 here; they simply have no teams to choose from.
        listAllPages<PdReference>(http, '/teams', 'teams', {}, signal).catch(emptyWhenUnavailable),
        // Accounts with priorities switched off answer 404 or an empty list.
        listAllPages<PdReference>(http, '/priorities', 'priorities', {}, signal).catch(emptyWhenUnavailable),
      ]);
      return { services: named(services), teams: named(teams), priorities: named(priorities), urgencies: ['high', 'low'] };
    },
  };
}

function emptyWhenUnavailable(error: unknown): PdReference[] {
  if (error instanceof ConnectorError && (error.kind === 'not_found' || error.kind === 'auth')) return [];
  throw error;
}

