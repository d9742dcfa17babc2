// One job: its row, its workflow's status in Temporal, and a cancel action.
import { fail } from '@sveltejs/kit';
import { api, ApiError, load as loadApi } from '#lib/server/api.ts';
import type { JobDetail } from '#lib/types.ts';
import type { Actions, PageServerLoad } from './$types';

export const load: PageServerLoad = async (event) => {
  event.depends('data:job');
  return loadApi<JobDetail>(event, `/api/jobs/${encodeURIComponent(event.params.id)}`);
};

export const actions: Actions = {
  cancel: async (event) => {
    try {
      await api(event, `/api/jobs/${encodeURIComponent(event.params.id)}/cancel`, { method: 'POST' });
      return { cancelRequested: true };
    } catch (err) {
      if (err instanceof ApiError) return fail(err.status, { error: err.body.message });
      throw err;
    }
  },
};
