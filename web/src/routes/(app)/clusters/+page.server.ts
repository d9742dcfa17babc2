// Clusters: the recurring patterns among the account's incidents, largest first, with the shared trend; whether they
// are being computed (the page follows a recluster until it finishes); a recluster on demand.
import { fail } from '@sveltejs/kit';
import { api, ApiError, load as loadApi } from '#lib/server/api.ts';
import type { Actions, PageServerLoad } from './$types';

export const load: PageServerLoad = async (event) => {
  event.depends('data:clusters');
  return loadApi(event, (c) => c.GET('/api/clusters', { params: { query: { limit: 500 } } }));
};

export const actions: Actions = {
  recluster: async (event) => {
    try {
      const started = await api(event, (c) => c.POST('/api/clusters/recluster'));
      return { reclustered: started };
    } catch (err) {
      if (err instanceof ApiError) return fail(err.status, { error: err.body.message });
      throw err;
    }
  },
};
