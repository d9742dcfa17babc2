// One cluster: its analytics (counted now, the shared trend) and newest members, whether the patterns are being computed
// (the page follows a recluster until it finishes), and the feedback a person can give on it (applied by a recluster).
import { fail, redirect } from '@sveltejs/kit';
import { api, ApiError, load as loadApi } from '#lib/server/api.ts';
import type { Answer, Body } from '#lib/api/index.ts';
import type { ClusterSummary } from '#lib/clusters/types.ts';
import { generateRunbook } from '#lib/runbooks/generate.server.ts';
import type { Actions, PageServerLoad, RequestEvent } from './$types';

export const load: PageServerLoad = async (event) => {
  event.depends('data:cluster');
  const id = event.params.id;
  const [detail, others, runbooks] = await Promise.all([
    loadApi(event, (c) => c.GET('/api/clusters/{id}', { params: { path: { id } } })),
    // Only for the merge choice: without it the page still works.
    api(event, (c) => c.GET('/api/clusters', { params: { query: { limit: 500 } } })).then(
      (r) => r.clusters.filter((c) => c.id !== id),
      () => [] as ClusterSummary[],
    ),
    // The runbooks linked to this cluster: without them the page still works.
    api(event, (c) => c.GET('/api/runbooks', { params: { query: { cluster: id, limit: 10 } } })).then(
      (r) => r.runbooks,
      () => null,
    ),
  ]);
  return { ...detail, others, runbooks };
};

async function feedback(event: RequestEvent, body: Body<'/api/clusters/{id}/feedback', 'post'>, done: string) {
  let started: Answer<'/api/clusters/{id}/feedback', 'post', 202>;
  try {
    started = await api(event, (c) => c.POST('/api/clusters/{id}/feedback', { params: { path: { id: event.params.id } }, body }));
  } catch (err) {
    if (err instanceof ApiError) {
      const field = err.body.details.find((d) => d.field)?.field;
      return fail(err.status, { error: err.body.message, kind: body.kind, ...(field ? { field } : {}) });
    }
    throw err;
  }
  // Merged away, this cluster's incidents go to the other one: follow them there (its page follows the recluster).
  if (body.kind === 'merge') redirect(303, `/clusters/${encodeURIComponent(body.intoClusterId)}`);
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
