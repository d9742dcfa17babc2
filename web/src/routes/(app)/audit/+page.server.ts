// The account's audit log (owners and admins): the chain's verification, entries newest first, filtered by kind.
import { api } from '#lib/server/api.ts';
import type { PageServerLoad } from './$types';

export const load: PageServerLoad = async (event) => {
  const { me } = await event.parent();
  const canRead = me.account?.role === 'owner' || me.account?.role === 'admin';
  if (!canRead) return { canRead, entries: [], nextBefore: null, verification: null, action: '' };
  const action = event.url.searchParams.get('action') ?? '';
  const before = event.url.searchParams.get('before');
  const query = { limit: 50, ...(/^[a-z_]+\.([a-z_]+)?$/.test(action) ? { action } : {}), ...(before && /^\d+$/.test(before) ? { before: Number(before) } : {}) };
  const [page, verification] = await Promise.all([api(event, (c) => c.GET('/api/audit', { params: { query } })), api(event, (c) => c.GET('/api/audit/verify'))]);
  return { canRead, entries: page.entries, nextBefore: page.nextBefore, verification, action };
};
