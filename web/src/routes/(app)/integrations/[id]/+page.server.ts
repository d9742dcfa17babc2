// One integration: its import (followed while it runs), its webhook, and pause, resume, re-import, delete.
import { fail, redirect } from '@sveltejs/kit';
import { api, ApiError, load as loadApi, rawBody, type ApiAnswer, type ApiClient } from '#lib/server/api.ts';
import type { Actions, PageServerLoad } from './$types';

export const load: PageServerLoad = async (event) => {
  event.depends('data:integration');
  const { me } = await event.parent();
  const { integration } = await loadApi(event, (c) => c.GET('/api/integrations/{id}', integrationOf(event)));
  return { integration, canManage: me.account?.role === 'owner' || me.account?.role === 'admin' };
};

type Event = Parameters<Actions[string]>[0];

/** The page's integration, as the client's path parameters. */
const integrationOf = (event: { params: { id: string } }) => ({ params: { path: { id: event.params.id } } });

async function act(event: Event, done: string, call: (client: ApiClient) => Promise<ApiAnswer>) {
  try {
    await api(event, call);
  } catch (err) {
    if (err instanceof ApiError) return fail(err.status, { error: err.body.message });
    throw err;
  }
  return { done };
}

/** CSV integrations: the chosen file's text goes to the API as is; its answer (counts, or the lines refused) comes back. */
async function upload(event: Event) {
  const file = (await event.request.formData()).get('file');
  if (!(file instanceof File) || file.size === 0) return fail(400, { upload: { file: '', error: 'Choose a CSV file to upload', lines: [] as { line: string; message: string }[] } });
  try {
    const csv = await file.text();
    const result = await api(event, (c) => c.POST('/api/integrations/{id}/import', { ...integrationOf(event), body: csv, ...rawBody('text/csv') }), { timeoutMs: 120_000 });
    return { upload: { file: file.name, result } };
  } catch (err) {
    if (!(err instanceof ApiError)) throw err;
    const lines = err.body.details.filter((d) => d.field?.startsWith('line ')).map((d) => ({ line: d.field!, message: d.message }));
    return fail(err.status, { upload: { file: file.name, error: err.body.message, lines } });
  }
}

/** New credentials (checked with the tool again; they turn an integration in error active) or PagerDuty's signing secret. */
async function credentials(event: Event) {
  const form = await event.request.formData();
  const apiKey = String(form.get('apiKey') ?? '').trim();
  const baseUrl = String(form.get('baseUrl') ?? '').trim();
  const webhookSecret = String(form.get('webhookSecret') ?? '').trim();
  const body = { ...(apiKey ? { credentials: { apiKey, ...(baseUrl ? { baseUrl } : {}) } } : {}), ...(webhookSecret ? { webhookSecret } : {}) };
  if (Object.keys(body).length === 0) return fail(400, { settingsError: 'Enter a new API key or signing secret' });
  try {
    await api(event, (c) => c.PATCH('/api/integrations/{id}', { ...integrationOf(event), body }));
  } catch (err) {
    if (err instanceof ApiError) return fail(err.status, { settingsError: err.body.message });
    throw err;
  }
  return { settingsSaved: true };
}

/** A new webhook secret for tools we give one to (shown once; the previous one stops working). */
async function rotateSecret(event: Event) {
  try {
    const { webhookSecret } = await api(event, (c) => c.POST('/api/integrations/{id}/webhook-secret', integrationOf(event)));
    return { webhookSecret };
  } catch (err) {
    if (err instanceof ApiError) return fail(err.status, { settingsError: err.body.message });
    throw err;
  }
}

export const actions: Actions = {
  upload,
  credentials,
  rotateSecret,
  pause: (event) => act(event, '/pause', (c) => c.POST('/api/integrations/{id}/pause', integrationOf(event))),
  resume: (event) => act(event, '/resume', (c) => c.POST('/api/integrations/{id}/resume', integrationOf(event))),
  backfill: (event) => act(event, '/backfill', (c) => c.POST('/api/integrations/{id}/backfill', { ...integrationOf(event), body: {} })),
  delete: async (event) => {
    const keepData = (await event.request.formData()).get('keepData') === 'on';
    const result = await act(event, `?keepData=${keepData}`, (c) => c.DELETE('/api/integrations/{id}', { params: { path: { id: event.params.id }, query: { keepData } } }));
    if ('done' in result) redirect(303, '/integrations');
    return result;
  },
};
