// The filtered list as CSV: the API's export, streamed through with the user's session.
import { apiQuery } from '#lib/incidents/filter.ts';
import { asQuery } from '#lib/server/api.ts';
import { proxyDownload } from '#lib/server/download.ts';
import type { RequestHandler } from './$types';

export const GET: RequestHandler = async (event) => {
  const query = apiQuery(event.url.searchParams, ['sort']);
  return proxyDownload(event, (c) => c.GET('/api/incidents/export.csv', { ...asQuery(query), parseAs: 'stream' }), 'incidents', `incidents-${new Date().toISOString().slice(0, 10)}.csv`);
};
