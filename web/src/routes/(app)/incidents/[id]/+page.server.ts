// One incident: what happened when, its raw payloads, its cluster and the incidents like it.
import { api, load as loadApi } from '#lib/server/api.ts';
import { generateRunbook } from '#lib/runbooks/generate.server.ts';
import type { Actions, PageServerLoad } from './$types';

export const load: PageServerLoad = async (event) => {
  const { me } = await event.parent();
  const canRun = !!me.account && me.account.role !== 'viewer';
  const [incident, runbooks] = await Promise.all([
    loadApi(event, (c) => c.GET('/api/incidents/{id}', { params: { path: { id: event.params.id } } })),
    // For "Run a runbook": the latest runbooks to choose from (the page works without them).
    canRun
      ? api(event, (c) => c.GET('/api/runbooks', { params: { query: { limit: 100 } } }))
          .then((r) => r.runbooks)
          .catch(() => [])
      : [],
  ]);
  return { incident, runbooks, canRun };
};

export const actions: Actions = {
  generateRunbook: (event) => generateRunbook(event, { incidentId: event.params.id }),
};
