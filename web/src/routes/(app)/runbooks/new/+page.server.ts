// A new runbook from the structured form, with the account's patterns to link it to.
import { fail, redirect } from '@sveltejs/kit';
import type { Answer } from '#lib/api/index.ts';
import { api, ApiError } from '#lib/server/api.ts';
import { patternChoices } from '#lib/server/patterns.ts';
import { readRunbookForm } from '#lib/runbooks/form.server.ts';
import type { Actions, PageServerLoad } from './$types';

export const load: PageServerLoad = async (event) => ({ patterns: await patternChoices(event) });

export const actions: Actions = {
  default: async (event) => {
    const form = await event.request.formData();
    const read = readRunbookForm(form);
    if ('error' in read) return fail(400, read);
    let created: Answer<'/api/runbooks', 'post', 201>;
    try {
      created = await api(event, (c) => c.POST('/api/runbooks', { body: read.body }));
    } catch (err) {
      if (err instanceof ApiError) return fail(err.status, { error: err.body.message, field: err.body.details.find((d) => d.field)?.field ?? null, values: read.body });
      throw err;
    }
    redirect(303, `/runbooks/${created.id}?saved=1`);
  },
};
