// A runbook draft: followed while it is generated, then refined, edited by hand, rated, saved as a runbook or cancelled.
import { fail, redirect } from '@sveltejs/kit';
import type { Answer } from '#lib/api/index.ts';
import { api, ApiError, load as loadApi } from '#lib/server/api.ts';
import { parseSteps } from '#lib/runbooks/steps.ts';
import type { Draft } from '#lib/runbooks/types.ts';
import type { Actions, PageServerLoad, RequestEvent } from './$types';

export const load: PageServerLoad = async (event) => {
  event.depends('app:draft');
  return { draft: await loadApi(event, (c) => c.GET('/api/runbook-drafts/{id}', { params: { path: { id: event.params.id } } })) };
};

/** The draft of the page, as the client's path parameters. */
const draftOf = (event: RequestEvent) => ({ params: { path: { id: event.params.id } } });

/** An API refusal becomes the form's error (with the field it names), for the form of `kind`. */
function refused(err: unknown, kind: string) {
  if (err instanceof ApiError) {
    const field = err.body.details.find((d) => d.field)?.field;
    return fail(err.status, { kind, error: err.body.message, ...(field ? { field } : {}) });
  }
  throw err;
}

export const actions: Actions = {
  refine: async (event) => {
    const instruction = String((await event.request.formData()).get('instruction') ?? '').trim();
    if (!instruction) return fail(400, { kind: 'refine', error: 'Say what to change, e.g. “only read-only steps”.', field: 'instruction' });
    let next: Draft;
    try {
      next = await api(event, (c) => c.POST('/api/runbook-drafts/{id}/refine', { ...draftOf(event), body: { instruction } }));
    } catch (err) {
      return refused(err, 'refine');
    }
    redirect(303, `/runbooks/drafts/${next.id}`);
  },
  steps: async (event) => {
    const parsed = parseSteps((await event.request.formData()).get('steps'));
    if ('error' in parsed) return fail(400, { kind: 'steps', error: parsed.error });
    try {
      await api(event, (c) => c.PUT('/api/runbook-drafts/{id}/steps', { ...draftOf(event), body: { steps: parsed.steps } }));
    } catch (err) {
      return refused(err, 'steps');
    }
    return { kind: 'steps', done: 'Your edits are saved in this draft.' };
  },
  save: async (event) => {
    const title = String((await event.request.formData()).get('title') ?? '').trim();
    let saved: Answer<'/api/runbook-drafts/{id}/save', 'post', 201>;
    try {
      saved = await api(event, (c) => c.POST('/api/runbook-drafts/{id}/save', { ...draftOf(event), body: title ? { title } : {} }));
    } catch (err) {
      return refused(err, 'save');
    }
    redirect(303, `/runbooks/${saved.runbookId}?saved=1${saved.indexed ? '' : '&behind=1'}`);
  },
  cancel: async (event) => {
    try {
      await api(event, (c) => c.POST('/api/runbook-drafts/{id}/cancel', draftOf(event)));
    } catch (err) {
      return refused(err, 'cancel');
    }
    return { kind: 'cancel', done: 'Cancelled.' };
  },
  rate: async (event) => {
    const form = await event.request.formData();
    const value = String(form.get('value') ?? '');
    const stepRaw = form.get('step');
    const reason = String(form.get('reason') ?? '').trim();
    if (value !== 'up' && value !== 'down') return fail(400, { kind: 'rate', error: 'Choose up or down.' });
    const step = stepRaw === null || stepRaw === '' ? undefined : Number(stepRaw);
    try {
      await api(event, (c) => c.POST('/api/runbook-drafts/{id}/ratings', { ...draftOf(event), body: { value, ...(step !== undefined ? { step } : {}), ...(reason ? { reason } : {}) } }));
    } catch (err) {
      return refused(err, 'rate');
    }
    return { kind: 'rate', rated: step ?? 'all' };
  },
};
