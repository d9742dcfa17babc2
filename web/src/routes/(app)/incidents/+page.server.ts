// Incidents filtered by the URL (the API's own parameter names, so a view can be shared), sorted, a page at a time;
// the count and the filter's choices stream in after the rows.
import { error, redirect } from '@sveltejs/kit';
import { api, ApiError, asQuery } from '#lib/server/api.ts';
import { apiQuery } from '#lib/incidents/filter.ts';
import { SORTS, type IncidentSort } from '#lib/incidents/types.ts';
import type { PageServerLoad } from './$types';

const PAGE_SIZE = 50;

export const load: PageServerLoad = async (event) => {
  const params = event.url.searchParams;
  // Older links (the integration page's "view them") named the integration `integrationId`.
  if (params.has('integrationId')) {
    const moved = new URLSearchParams(params);
    for (const id of moved.getAll('integrationId')) moved.append('integration', id);
    moved.delete('integrationId');
    redirect(307, `${event.url.pathname}?${moved}`);
  }
  const given = params.get('sort');
  const sort: IncidentSort = SORTS.includes(given as IncidentSort) ? (given as IncidentSort) : '-created';
  const filter = apiQuery(params);
  const list = new URLSearchParams(filter);
  list.set('sort', sort);
  list.set('limit', String(PAGE_SIZE));
  const cursor = params.get('cursor');
  if (cursor) list.set('cursor', cursor);

  const count = api(event, (c) => c.GET('/api/incidents/count', asQuery(filter))).then(
    (r) => r.count,
    () => null,
  );
  // The API counts each field under every filter but its own, so a dropdown still offers the values one could add.
  const facets = api(event, (c) => c.GET('/api/incidents/facets', asQuery(filter)));
  facets.catch(() => undefined); // the filter bar says when they failed

  try {
    const page = await api(event, (c) => c.GET('/api/incidents', asQuery(list)));
    return { ...page, sort, cursor, count, facets, problem: null };
  } catch (err) {
    // A filter the API refuses (a hand-edited URL, a cursor from another sort) is shown on the page, fields named.
    if (err instanceof ApiError && err.status === 400) {
      return { incidents: [], nextCursor: null, sort, cursor, count, facets, problem: { message: err.body.message, fields: err.body.details.map((d) => d.field).filter((f): f is string => !!f) } };
    }
    if (err instanceof ApiError) error(err.status, { message: err.body.message, code: err.body.code });
    throw err;
  }
};
