// Clusters: the recurring patterns among the account's incidents, largest first, with their trend; a recluster on demand.
import { fail } from '@sveltejs/kit';
import { api, ApiError, load as loadApi } from '$lib/server/api';
import type { ClusterDetail, ClusterSummary } from '$lib/incidents/types';
import type { Actions, PageServerLoad } from './$types';

/** Sparklines for the largest clusters only: each needs the cluster's own analytics (one call per cluster). */
const SPARKLINES = 30;

export const load: PageServerLoad = async (event) => {
  const { clusters } = await loadApi<{ clusters: ClusterSummary[] }>(event, '/api/clusters?limit=500');
  const perDay = Promise.all(
    clusters.slice(0, SPARKLINES).map((c) =>
      api<ClusterDetail>(event, `/api/clusters/${encodeURIComponent(c.id)}`).then(
        (d) => [c.id, (d.cluster.analytics.incidentsPerDay ?? []).map((p) => p.count)] as const,
        () => [c.id, [] as number[]] as const,
      ),
    ),
  ).then((pairs) => Object.fromEntries(pairs) as Record<string, number[]>);
  return { clusters, perDay };
};

export const actions: Actions = {
  recluster: async (event) => {
    try {
      const started = await api<{ workflowId: string; started: boolean }>(event, '/api/clusters/recluster', { method: 'POST' });
      return { reclustered: started };
    } catch (err) {
      if (err instanceof ApiError) return fail(err.status, { error: err.body.message });
      throw err;
    }
  },
};
