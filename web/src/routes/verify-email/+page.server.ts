// Confirm an email address with the emailed link. The link opens this page and a button confirms: mail scanners
// that follow links (GET) do not use up the link.
import { api, ApiError } from '#lib/server/api.ts';
import type { Actions } from './$types';

export const actions: Actions = {
  default: async (event) => {
    try {
      await api(event, (c) => c.POST('/api/auth/verify-email', { body: { token: event.url.searchParams.get('token') ?? '' } }));
    } catch (err) {
      if (err instanceof ApiError && err.status < 500) return { confirmed: false, error: err.body.message };
      throw err;
    }
    return { confirmed: true, error: null };
  },
};
