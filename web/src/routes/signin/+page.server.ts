// Sign in: email and password, then back to where the user was going.
import { redirect } from '@sveltejs/kit';
import { formFailure, safeNext } from '#lib/server/forms.ts';
import { authenticate } from '#lib/server/session.ts';
import type { Actions, PageServerLoad } from './$types';

export const load: PageServerLoad = async ({ locals, url }) => {
  if (locals.accessToken) redirect(303, safeNext(url.searchParams.get('next')));
  return { next: safeNext(url.searchParams.get('next')), reset: url.searchParams.has('reset') };
};

export const actions: Actions = {
  default: async (event) => {
    const form = await event.request.formData();
    const email = String(form.get('email') ?? '');
    const password = String(form.get('password') ?? '');
    try {
      await authenticate(event, (c) => c.POST('/api/auth/signin', { body: { email, password } }));
    } catch (err) {
      return formFailure(err, { email });
    }
    redirect(303, safeNext(event.url.searchParams.get('next')));
  },
};
