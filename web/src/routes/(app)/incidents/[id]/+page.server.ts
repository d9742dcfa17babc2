// One incident: what happened when, its raw payloads, its cluster and the incidents like it.
import { load as loadApi } from '$lib/server/api';
import type { IncidentDetail } from '$lib/incidents/types';
import { generateRunbook } from '$lib/runbooks/generate.server';
import type { Actions, PageServerLoad } from './$types';

export const load: PageServerLoad = async (event) => ({
  incident: await loadApi<IncidentDetail>(event, `/api/incidents/${encodeURIComponent(event.params.id)}`),
});

export const actions: Actions = {
  generateRunbook: (event) => generateRunbook(event, { incidentId: event.params.id }),
};
