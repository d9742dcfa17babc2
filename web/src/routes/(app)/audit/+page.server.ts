// The account's audit log (owners and admins): the chain's verification, entries newest first, filtered by kind.
import { api } from '#lib/server/api.ts';
import type { AuditEntry, AuditVerification } from '#lib/types.ts';
import type { PageServerLoad } from './$types';

export const load: PageServerLoad = async (event) => {
  const { me } = await event.parent();
  const canRead = me.account?.role === 'owner' || me.account?.role === 'admin';
  if (!canRead) return { canRead, entries: [], nextBefore: null, verification: null, action: '' };
  const action = event.url.searchParams.get('action') ?? '';
  const before = event.url.searchParams.get('before');
  const query = new URLSearchParams({ limit: '50' });
  if (/^[a-z_]+\.([a-z_]+)?$/.test(action)) query.set('action', action);
  if (before && /^\d+$/.test(before)) query.set('before', before);
  const [page, verification] = await Promise.all([
    api<{ entries: AuditEntry[]; nextBefore: number | null }>(event, `/api/audit?${query}`),
    api<AuditVerification>(event, '/api/audit/verify'),
  ]);
  return { canRead, entries: page.entries, nextBefore: page.nextBefore, verification, action };
};
