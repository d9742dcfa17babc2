// The pending-approvals count for the shell's badge, which the layout refreshes every 30 s without reloading the page.
import { json } from '@sveltejs/kit';
import { api } from '#lib/server/api.ts';
import type { RequestHandler } from './$types';

export const GET: RequestHandler = async (event) => {
  if (!event.locals.accessToken) return json({ pending: 0 }, { status: 401 });
  const { pending } = await api(event, (c) => c.GET('/api/automation-runs/pending-approvals')).catch(() => ({ pending: -1 }));
  return json({ pending }, { headers: { 'cache-control': 'no-store' } });
};
