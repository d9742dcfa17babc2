// One job: its row, its workflow's status in Temporal, and a cancel action.
import { fail } from '@sveltejs/kit';
import { api, ApiError, load as loadApi } from '#lib/server/api.ts';
import type { Actions, PageServerLoad } from './$types';

export const load: PageServerLoad = async (event) => {
  event.depends('data:job');
  return loadApi(event, (c) => c.GET('/api/jobs/{id}', { params: { path: { id: event.params.id } } }));
};

export const actions: Actions = {
  cancel: async (event) => {
    try {
      await api(event, (c) => c.POST('/api/jobs/{id}/cancel', { params: { path: { id: event.params.id } } }));
      return { cancelRequested: true };
    } catch (err) {
      if (err instanceof ApiError) return fail(err.status, { error: err.body.message });
      throw err;
    }
  },
};
