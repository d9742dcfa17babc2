// The account's integrations: each tool, its status, its incidents and the progress of its history import.
import { api } from '#lib/server/api.ts';
import type { PageServerLoad } from './$types';

export const load: PageServerLoad = async (event) => {
  event.depends('data:integrations');
  const { me } = await event.parent();
  const { integrations } = await api(event, (c) => c.GET('/api/integrations'));
  return { integrations, canManage: me.account?.role === 'owner' || me.account?.role === 'admin' };
};
