// Edit a runbook: the save is a new version, refused (409) when someone saved another since this form was opened.
import { fail, redirect } from '@sveltejs/kit';
import { api, ApiError, load as loadApi } from '#lib/server/api.ts';
import { readRunbookForm } from '#lib/runbooks/form.server.ts';
import { patternChoices } from '#lib/server/patterns.ts';
import type { Actions, PageServerLoad } from './$types';

export const load: PageServerLoad = async (event) => {
  const [runbook, choices] = await Promise.all([loadApi(event, (c) => c.GET('/api/runbooks/{id}', { params: { path: { id: event.params.id } } })), patternChoices(event)]);
  // The runbook's own linked patterns are named even when they are not among the largest ones offered.
  const patterns = [...choices, ...runbook.clusters.filter((c) => c.name !== null && !choices.some((o) => o.id === c.id))];
  return { runbook, patterns };
};

export const actions: Actions = {
  default: async (event) => {
    const form = await event.request.formData();
    const read = readRunbookForm(form);
    if ('error' in read) return fail(400, read);
    try {
      await api(event, (c) => c.PUT('/api/runbooks/{id}', { params: { path: { id: event.params.id } }, body: { ...read.body, baseVersion: Number(form.get('baseVersion')) } }));
    } catch (err) {
      if (err instanceof ApiError) {
        const error = err.status === 409 ? `${err.body.message} Open the runbook again to see the newer version, then make your change on it.` : err.body.message;
        return fail(err.status, { error, field: err.body.details.find((d) => d.field)?.field ?? null, values: read.body });
      }
      throw err;
    }
    redirect(303, `/runbooks/${event.params.id}?saved=1`);
  },
};
