// A new runbook from the structured form.
import { fail, redirect } from '@sveltejs/kit';
import { api, ApiError } from '$lib/server/api';
import { readRunbookForm } from '$lib/runbooks/form.server';
import type { Actions } from './$types';

export const actions: Actions = {
  default: async (event) => {
    const form = await event.request.formData();
    const read = readRunbookForm(form);
    if ('error' in read) return fail(400, read);
    let created: { id: string };
    try {
      created = await api<{ id: string }>(event, '/api/runbooks', { method: 'POST', body: read.body });
    } catch (err) {
      if (err instanceof ApiError) return fail(err.status, { error: err.body.message, field: err.body.details.find((d) => d.field)?.field ?? null, values: read.body });
      throw err;
    }
    redirect(303, `/runbooks/${created.id}?saved=1`);
  },
};
