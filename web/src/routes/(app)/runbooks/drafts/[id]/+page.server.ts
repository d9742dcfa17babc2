// A runbook draft: followed while it is generated, then refined, edited by hand, rated, saved as a runbook or cancelled.
import { fail, redirect } from '@sveltejs/kit';
import { api, ApiError, load as loadApi } from '#lib/server/api.ts';
import { parseSteps } from '#lib/runbooks/steps.ts';
import type { Draft } from '#lib/runbooks/types.ts';
import type { Actions, PageServerLoad, RequestEvent } from './$types';

export const load: PageServerLoad = async (event) => {
  event.depends('app:draft');
  return { draft: await loadApi<Draft>(event, `/api/runbook-drafts/${encodeURIComponent(event.params.id)}`) };
};

const path = (event: RequestEvent, tail = '') => `/api/runbook-drafts/${encodeURIComponent(event.params.id)}${tail}`;

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
      next = await api<Draft>(event, path(event, '/refine'), { method: 'POST', body: { instruction } });
    } catch (err) {
      return refused(err, 'refine');
    }
    redirect(303, `/runbooks/drafts/${next.id}`);
  },
  steps: async (event) => {
    const parsed = parseSteps((await event.request.formData()).get('steps'));
    if ('error' in parsed) return fail(400, { kind: 'steps', error: parsed.error });
    try {
      await api<Draft>(event, path(event, '/steps'), { method: 'PUT', body: { steps: parsed.steps } });
    } catch (err) {
      return refused(err, 'steps');
    }
    return { kind: 'steps', done: 'Your edits are saved in this draft.' };
  },
  save: async (event) => {
    const title = String((await event.request.formData()).get('title') ?? '').trim();
    let saved: { runbookId: string; indexed: boolean };
    try {
      saved = await api<{ runbookId: string; indexed: boolean }>(event, path(event, '/save'), { method: 'POST', body: title ? { title } : {} });
    } catch (err) {
      return refused(err, 'save');
    }
    redirect(303, `/runbooks/${saved.runbookId}?saved=1${saved.indexed ? '' : '&behind=1'}`);
  },
  cancel: async (event) => {
    try {
      await api(event, path(event, '/cancel'), { method: 'POST' });
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
      await api(event, path(event, '/ratings'), { method: 'POST', body: { value, ...(step !== undefined ? { step } : {}), ...(reason ? { reason } : {}) } });
    } catch (err) {
      return refused(err, 'rate');
    }
    return { kind: 'rate', rated: step ?? 'all' };
  },
};
