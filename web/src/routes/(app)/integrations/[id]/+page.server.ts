// One integration: its import (followed while it runs), its webhook, and pause, resume, re-import, delete.
import { fail, redirect } from '@sveltejs/kit';
import { api, ApiError, load as loadApi } from '$lib/server/api';
import type { Integration } from '$lib/types';
import type { Actions, PageServerLoad } from './$types';

export const load: PageServerLoad = async (event) => {
  event.depends('data:integration');
  const { me } = await event.parent();
  const { integration } = await loadApi<{ integration: Integration }>(event, `/api/integrations/${encodeURIComponent(event.params.id)}`);
  return { integration, canManage: me.account?.role === 'owner' || me.account?.role === 'admin' };
};

async function act(event: Parameters<Actions[string]>[0], path: string, method: 'POST' | 'DELETE' = 'POST', body?: unknown) {
  try {
    await api(event, `/api/integrations/${encodeURIComponent(event.params.id)}${path}`, { method, ...(body === undefined ? {} : { body }) });
  } catch (err) {
    if (err instanceof ApiError) return fail(err.status, { error: err.body.message });
    throw err;
  }
  return { done: path };
}

export const actions: Actions = {
  pause: (event) => act(event, '/pause'),
  resume: (event) => act(event, '/resume'),
  backfill: (event) => act(event, '/backfill', 'POST', {}),
  delete: async (event) => {
    const keepData = (await event.request.formData()).get('keepData') === 'on';
    const result = await act(event, `?keepData=${keepData}`, 'DELETE');
    if ('done' in result) redirect(303, '/integrations');
    return result;
  },
};
