// Incidents, newest first, filtered from the URL (so a view can be shared), a page at a time.
import { api } from '$lib/server/api';
import type { IncidentSummary, Integration } from '$lib/types';
import type { PageServerLoad } from './$types';

const KEYS = ['integrationId', 'status', 'source', 'q', 'cursor'] as const;

export const load: PageServerLoad = async (event) => {
  const query = new URLSearchParams({ limit: '50' });
  for (const key of KEYS) {
    const value = event.url.searchParams.get(key);
    if (value) query.set(key, value);
  }
  const [page, { integrations }] = await Promise.all([
    api<{ incidents: IncidentSummary[]; nextCursor: string | null }>(event, `/api/incidents?${query}`),
    api<{ integrations: Integration[] }>(event, '/api/integrations'),
  ]);
  return { ...page, integrations, filters: Object.fromEntries(KEYS.map((k) => [k, event.url.searchParams.get(k) ?? ''])) as Record<(typeof KEYS)[number], string> };
};
