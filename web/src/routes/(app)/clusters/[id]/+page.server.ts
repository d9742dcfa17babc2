// One cluster: its analytics (counted now, the shared trend) and newest members, whether the patterns are being computed
// (the page follows a recluster until it finishes), and the feedback a person can give on it (applied by a recluster).
import { fail, redirect } from '@sveltejs/kit';
import { api, ApiError, load as loadApi } from '#lib/server/api.ts';
import type { ClusterDetail, ClusterList, ClusterSummary } from '#lib/clusters/types.ts';
import { generateRunbook } from '#lib/runbooks/generate.server.ts';
import type { RunbookSummary } from '#lib/runbooks/types.ts';
import type { Actions, PageServerLoad, RequestEvent } from './$types';

export const load: PageServerLoad = async (event) => {
  event.depends('data:cluster');
  const path = `/api/clusters/${encodeURIComponent(event.params.id)}`;
  const [detail, others, runbooks] = await Promise.all([
    loadApi<ClusterDetail>(event, path),
    // Only for the merge choice: without it the page still works.
    api<ClusterList>(event, '/api/clusters?limit=500').then(
      (r) => r.clusters.filter((c) => c.id !== event.params.id),
      () => [] as ClusterSummary[],
    ),
    // The runbooks linked to this cluster: without them the page still works.
    api<{ runbooks: RunbookSummary[] }>(event, `/api/runbooks?cluster=${encodeURIComponent(event.params.id)}&limit=10`).then(
      (r) => r.runbooks,
      () => null,
    ),
  ]);
  return { ...detail, others, runbooks };
};

async function feedback(event: RequestEvent, body: Record<string, string>, done: string) {
  let started: { workflowId: string; started: boolean };
  try {
    started = await api<{ workflowId: string; started: boolean }>(event, `/api/clusters/${encodeURIComponent(event.params.id)}/feedback`, { method: 'POST', body });
  } catch (err) {
    if (err instanceof ApiError) {
      const field = err.body.details.find((d) => d.field)?.field;
      return fail(err.status, { error: err.body.message, kind: body.kind, ...(field ? { field } : {}) });
    }
    throw err;
  }
  // Merged away, this cluster's incidents go to the other one: follow them there (its page follows the recluster).
  if (body.kind === 'merge') redirect(303, `/clusters/${encodeURIComponent(body.intoClusterId!)}`);
  return { done, started: started.started };
}

const text = (form: FormData, name: string) => String(form.get(name) ?? '').trim();

export const actions: Actions = {
  generateRunbook: (event) => generateRunbook(event, { clusterId: event.params.id }),
  rename: async (event) => {
    const name = text(await event.request.formData(), 'name');
    if (!name) return fail(400, { error: 'Give the cluster a name.', kind: 'rename', field: 'name' });
    return feedback(event, { kind: 'rename', name }, `Renamed to “${name}”.`);
  },
  merge: async (event) => {
    const intoClusterId = text(await event.request.formData(), 'intoClusterId');
    if (!intoClusterId) return fail(400, { error: 'Choose the cluster to merge into.', kind: 'merge', field: 'intoClusterId' });
    return feedback(event, { kind: 'merge', intoClusterId }, 'Merged: its incidents join the other cluster.');
  },
  split: async (event) => {
    const form = await event.request.formData();
    const template = text(form, 'template');
    const name = text(form, 'splitName');
    if (!template) return fail(400, { error: 'Choose the template to split off.', kind: 'split', field: 'template' });
    return feedback(event, { kind: 'split', template, ...(name ? { name } : {}) }, 'Split: the template becomes a cluster of its own.');
  },
  notThisPattern: async (event) => {
    const incidentId = text(await event.request.formData(), 'incidentId');
    return feedback(event, { kind: 'not-this-pattern', incidentId }, 'Taken out: that incident leaves this cluster.');
  },
};
