// The audit log as CSV or JSON (`?format=json`, `?action=` a family): the API's export, streamed through with the
// user's session. The API records the download in the log.
import { proxyDownload } from '#lib/server/download.ts';
import type { RequestHandler } from './$types';

export const GET: RequestHandler = async (event) => {
  const query = new URLSearchParams();
  const format = event.url.searchParams.get('format') === 'json' ? 'json' : 'csv';
  query.set('format', format);
  const action = event.url.searchParams.get('action') ?? '';
  if (/^[a-z_]+\.([a-z_]+)?$/.test(action)) query.set('action', action);
  return proxyDownload(event, `/api/audit/export?${query}`, 'the audit log', `audit-log-${new Date().toISOString().slice(0, 10)}.${format}`);
};
