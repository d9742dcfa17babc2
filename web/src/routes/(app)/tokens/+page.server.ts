// API tokens of the account: create one (shown once), see when each was last used, revoke.
import { fail } from '@sveltejs/kit';
import { api, ApiError } from '#lib/server/api.ts';
import { formFailure } from '#lib/server/forms.ts';
import type { Role } from '#lib/types.ts';
import type { Actions, PageServerLoad } from './$types';

export const load: PageServerLoad = async (event) => {
  const { me } = await event.parent();
  const canManage = me.account?.role === 'owner' || me.account?.role === 'admin';
  const tokens = canManage ? (await api(event, (c) => c.GET('/api/tokens'))).tokens : [];
  return { tokens, canManage };
};

export const actions: Actions = {
  create: async (event) => {
    const form = await event.request.formData();
    const values = { name: String(form.get('name') ?? ''), role: String(form.get('role') ?? 'viewer') };
    try {
      // The role goes as chosen; the API names one it does not know.
      const created = await api(event, (c) => c.POST('/api/tokens', { body: { ...values, role: values.role as Role } }));
      return { created: { token: created.token, name: created.apiToken.name } };
    } catch (err) {
      return formFailure(err, values);
    }
  },
  revoke: async (event) => {
    const id = String((await event.request.formData()).get('id') ?? '');
    try {
      await api(event, (c) => c.POST('/api/tokens/{id}/revoke', { params: { path: { id } } }));
    } catch (err) {
      if (err instanceof ApiError) return fail(err.status, { error: err.body.message });
      throw err;
    }
    return { revoked: id };
  },
};
