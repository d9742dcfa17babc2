// Sign up: the person, their password and their team's account (they become its owner).
import { redirect } from '@sveltejs/kit';
import { formFailure, safeNext } from '#lib/server/forms.ts';
import { authenticate } from '#lib/server/session.ts';
import type { Actions, PageServerLoad } from './$types';

export const load: PageServerLoad = async ({ locals, url }) => {
  if (locals.accessToken) redirect(303, safeNext(url.searchParams.get('next')));
  return { next: safeNext(url.searchParams.get('next')) };
};

export const actions: Actions = {
  default: async (event) => {
    const form = await event.request.formData();
    const values = {
      name: String(form.get('name') ?? ''),
      email: String(form.get('email') ?? ''),
      accountName: String(form.get('accountName') ?? ''),
    };
    const password = String(form.get('password') ?? '');
    try {
      const { accountName, ...person } = values;
      await authenticate(event, (c) => c.POST('/api/auth/signup', { body: { ...person, password, ...(accountName.trim() ? { accountName } : {}) } }));
    } catch (err) {
      return formFailure(err, values);
    }
    redirect(303, safeNext(event.url.searchParams.get('next')));
  },
};
