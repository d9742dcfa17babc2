// Session actions from the shell: switch the account the session acts for, sign out.
import { fail, redirect } from '@sveltejs/kit';
import { api, ApiError } from '#lib/server/api.ts';
import { clearSession, REFRESH_COOKIE } from '#lib/server/session.ts';
import type { Actions, PageServerLoad } from './$types';

export const load: PageServerLoad = () => redirect(303, '/');

export const actions: Actions = {
  switch: async (event) => {
    const form = await event.request.formData();
    try {
      await api(event, (c) => c.POST('/api/auth/switch-account', { body: { accountId: String(form.get('accountId') ?? '') } }));
    } catch (err) {
      // The account list was stale (removed meanwhile): the page shows the current one.
      if (!(err instanceof ApiError) || err.status >= 500) throw err;
    }
    redirect(303, '/');
  },
  /** A new confirmation link (the shell's banner); answers what happened for the banner to say. */
  resendConfirmation: async (event) => {
    try {
      await api(event, (c) => c.POST('/api/auth/verify-email/resend'));
    } catch (err) {
      if (err instanceof ApiError && err.status < 500) return fail(err.status, { error: err.body.message });
      throw err;
    }
    return { sent: true };
  },
  signout: async (event) => {
    const refresh = event.cookies.get(REFRESH_COOKIE);
    try {
      await api(event, (c) => c.POST('/api/auth/signout'), refresh ? { cookie: `${REFRESH_COOKIE}=${refresh}` } : {});
    } catch (err) {
      // Signing out locally is what the user asked for, even if the API is unreachable right now.
      if (!(err instanceof ApiError)) throw err;
    }
    clearSession(event.cookies, event.url);
    redirect(303, '/signin');
  },
};
