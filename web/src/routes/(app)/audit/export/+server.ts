// The audit log as CSV or JSON (`?format=json`, `?action=` a family): the API's export, streamed through with the
// user's session. The API records the download in the log.
import { proxyDownload } from '#lib/server/download.ts';
import type { RequestHandler } from './$types';

export const GET: RequestHandler = async (event) => {
  const format = event.url.searchParams.get('format') === 'json' ? 'json' : 'csv';
  const action = event.url.searchParams.get('action') ?? '';
  const query = { format, ...(/^[a-z_]+\.([a-z_]+)?$/.test(action) ? { action } : {}) } as const;
  return proxyDownload(event, (c) => c.GET('/api/audit/export', { params: { query }, parseAs: 'stream' }), 'the audit log', `audit-log-${new Date().toISOString().slice(0, 10)}.${format}`);
};
