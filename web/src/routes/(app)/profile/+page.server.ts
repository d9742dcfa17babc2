// Profile: who you are, your recent sign-in activity, and changing your password (your other sessions end).
import { api } from '#lib/server/api.ts';
import { formFailure } from '#lib/server/forms.ts';
import type { Actions, PageServerLoad } from './$types';

export const load: PageServerLoad = async (event) => ({
  activity: (await api(event, (c) => c.GET('/api/auth/activity'))).events,
});

export const actions: Actions = {
  password: async (event) => {
    const form = await event.request.formData();
    try {
      await api(event, (c) =>
        c.POST('/api/auth/password', { body: { currentPassword: String(form.get('currentPassword') ?? ''), newPassword: String(form.get('newPassword') ?? '') } }),
      );
    } catch (err) {
      return formFailure(err, {});
    }
    return { changed: true };
  },
};
