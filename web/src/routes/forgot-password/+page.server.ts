// Forgot password: ask for a reset link by email (the answer is the same whether or not the email has a user).
import { api } from '#lib/server/api.ts';
import { formFailure } from '#lib/server/forms.ts';
import type { Actions } from './$types';

export const actions: Actions = {
  default: async (event) => {
    const email = String((await event.request.formData()).get('email') ?? '');
    try {
      await api(event, (c) => c.POST('/api/auth/password-reset', { body: { email } }));
    } catch (err) {
      return formFailure(err, { email });
    }
    return { sent: email };
  },
};
