// Reset password: a new password with the emailed link; afterwards every session of the user has ended.
import { redirect } from '@sveltejs/kit';
import { api } from '#lib/server/api.ts';
import { formFailure } from '#lib/server/forms.ts';
import { clearSession } from '#lib/server/session.ts';
import type { Actions } from './$types';

export const actions: Actions = {
  default: async (event) => {
    const newPassword = String((await event.request.formData()).get('newPassword') ?? '');
    try {
      await api(event, (c) => c.POST('/api/auth/password-reset/confirm', { body: { token: event.url.searchParams.get('token') ?? '', newPassword } }));
    } catch (err) {
      return formFailure(err, {});
    }
    clearSession(event.cookies, event.url);
    redirect(303, '/signin?reset=1');
  },
};
