// A signed-in user without an account (or wanting another) creates one and acts for it.
import { redirect } from '@sveltejs/kit';
import { api } from '#lib/server/api.ts';
import { formFailure } from '#lib/server/forms.ts';
import type { Actions, PageServerLoad } from './$types';

export const load: PageServerLoad = ({ locals, url }) => {
  if (!locals.accessToken) redirect(303, `/signin?next=${encodeURIComponent(url.pathname)}`);
  return {};
};

export const actions: Actions = {
  default: async (event) => {
    const form = await event.request.formData();
    const name = String(form.get('name') ?? '');
    try {
      await api(event, (c) => c.POST('/api/accounts', { body: { name } }));
    } catch (err) {
      return formFailure(err, { name });
    }
    redirect(303, '/');
  },
};
