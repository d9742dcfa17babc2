// One incident: what happened when, its raw payloads, its cluster and the incidents like it.
import { load as loadApi } from '$lib/server/api';
import type { IncidentDetail } from '$lib/incidents/types';
import type { PageServerLoad } from './$types';

export const load: PageServerLoad = async (event) => ({
  incident: await loadApi<IncidentDetail>(event, `/api/incidents/${encodeURIComponent(event.params.id)}`),
});
