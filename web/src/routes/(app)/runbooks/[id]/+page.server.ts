// One runbook: its steps, versions and (with ?from=) what changed between two versions; delete and ratings.
import { fail, redirect } from '@sveltejs/kit';
import { api, ApiError, load as loadApi } from '#lib/server/api.ts';
import type { Actions, PageServerLoad } from './$types';

export const load: PageServerLoad = async (event) => {
  const id = event.params.id;
  const from = Number(event.url.searchParams.get('from'));
  const to = Number(event.url.searchParams.get('to'));
  const [runbook, diff] = await Promise.all([
    loadApi(event, (c) => c.GET('/api/runbooks/{id}', { params: { path: { id } } })),
    Number.isInteger(from) && from >= 1
      ? api(event, (c) => c.GET('/api/runbooks/{id}/diff', { params: { path: { id }, query: { from, ...(Number.isInteger(to) && to >= 1 ? { to } : {}) } } })).catch((err) =>
          err instanceof ApiError ? { error: err.body.message } : Promise.reject(err),
        )
      : null,
  ]);
  return { runbook, diff };
};

export const actions: Actions = {
  delete: async (event) => {
    try {
      await api(event, (c) => c.DELETE('/api/runbooks/{id}', { params: { path: { id: event.params.id } } }));
    } catch (err) {
      if (err instanceof ApiError) return fail(err.status, { kind: 'delete', error: err.body.message });
      throw err;
    }
    redirect(303, '/runbooks?deleted=1');
  },
  rate: async (event) => {
    const form = await event.request.formData();
    const value = String(form.get('value') ?? '');
    const reason = String(form.get('reason') ?? '').trim();
    const stepRaw = form.get('step');
    if (value !== 'up' && value !== 'down') return fail(400, { kind: 'rate', error: 'Choose up or down.' });
    const step = stepRaw === null || stepRaw === '' ? undefined : Number(stepRaw);
    try {
      await api(event, (c) =>
        c.POST('/api/runbooks/{id}/ratings', { params: { path: { id: event.params.id } }, body: { value, ...(step !== undefined ? { step } : {}), ...(reason ? { reason } : {}) } }),
      );
    } catch (err) {
      if (err instanceof ApiError) return fail(err.status, { kind: 'rate', error: err.body.message });
      throw err;
    }
    return { kind: 'rate', rated: step ?? 'all' };
  },
};
