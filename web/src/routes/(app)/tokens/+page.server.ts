// API tokens of the account: create one (shown once), see when each was last used, revoke.
import { fail } from '@sveltejs/kit';
import { api, ApiError } from '#lib/server/api.ts';
import { formFailure } from '#lib/server/forms.ts';
import type { ApiToken } from '#lib/types.ts';
import type { Actions, PageServerLoad } from './$types';

export const load: PageServerLoad = async (event) => {
  const { me } = await event.parent();
  const canManage = me.account?.role === 'owner' || me.account?.role === 'admin';
  const tokens = canManage ? (await api<{ tokens: ApiToken[] }>(event, '/api/tokens')).tokens : [];
  return { tokens, canManage };
};

export const actions: Actions = {
  create: async (event) => {
    const form = await event.request.formData();
    const values = { name: String(form.get('name') ?? ''), role: String(form.get('role') ?? 'viewer') };
    try {
      const created = await api<{ token: string; apiToken: ApiToken }>(event, '/api/tokens', { method: 'POST', body: values });
      return { created: { token: created.token, name: created.apiToken.name } };
    } catch (err) {
      return formFailure(err, values);
    }
  },
  revoke: async (event) => {
    const id = String((await event.request.formData()).get('id') ?? '');
    try {
      await api(event, `/api/tokens/${encodeURIComponent(id)}/revoke`, { method: 'POST' });
    } catch (err) {
      if (err instanceof ApiError) return fail(err.status, { error: err.body.message });
      throw err;
    }
    return { revoked: id };
  },
};
