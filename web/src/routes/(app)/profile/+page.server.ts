// Profile: who you are, and changing your password (your other sessions end).
import { api } from '$lib/server/api';
import { formFailure } from '$lib/server/forms';
import type { Actions } from './$types';

export const actions: Actions = {
  password: async (event) => {
    const form = await event.request.formData();
    try {
      await api(event, '/api/auth/password', {
        method: 'POST',
        body: { currentPassword: String(form.get('currentPassword') ?? ''), newPassword: String(form.get('newPassword') ?? '') },
      });
    } catch (err) {
      return formFailure(err, {});
    }
    return { changed: true };
  },
};
