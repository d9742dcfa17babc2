// One runbook: its steps, versions and (with ?from=) what changed between two versions; delete and ratings.
import { fail, redirect } from '@sveltejs/kit';
import { api, ApiError, load as loadApi } from '#lib/server/api.ts';
import type { Runbook, RunbookDiff } from '#lib/runbooks/types.ts';
import type { Actions, PageServerLoad } from './$types';

export const load: PageServerLoad = async (event) => {
  const path = `/api/runbooks/${encodeURIComponent(event.params.id)}`;
  const from = Number(event.url.searchParams.get('from'));
  const to = Number(event.url.searchParams.get('to'));
  const [runbook, diff] = await Promise.all([
    loadApi<Runbook>(event, path),
    Number.isInteger(from) && from >= 1
      ? api<RunbookDiff>(event, `${path}/diff?from=${from}${Number.isInteger(to) && to >= 1 ? `&to=${to}` : ''}`).catch((err) =>
          err instanceof ApiError ? { error: err.body.message } : Promise.reject(err),
        )
      : null,
  ]);
  return { runbook, diff };
};

export const actions: Actions = {
  delete: async (event) => {
    try {
      await api(event, `/api/runbooks/${encodeURIComponent(event.params.id)}`, { method: 'DELETE' });
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
      await api(event, `/api/runbooks/${encodeURIComponent(event.params.id)}/ratings`, { method: 'POST', body: { value, ...(step !== undefined ? { step } : {}), ...(reason ? { reason } : {}) } });
    } catch (err) {
      if (err instanceof ApiError) return fail(err.status, { kind: 'rate', error: err.body.message });
      throw err;
    }
    return { kind: 'rate', rated: step ?? 'all' };
  },
};
