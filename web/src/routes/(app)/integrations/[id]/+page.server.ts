// One integration: its import (followed while it runs), its webhook, and pause, resume, re-import, delete.
import { fail, redirect } from '@sveltejs/kit';
import { api, ApiError, load as loadApi } from '#lib/server/api.ts';
import type { Integration } from '#lib/types.ts';
import type { Actions, PageServerLoad } from './$types';

export const load: PageServerLoad = async (event) => {
  event.depends('data:integration');
  const { me } = await event.parent();
  const { integration } = await loadApi<{ integration: Integration }>(event, `/api/integrations/${encodeURIComponent(event.params.id)}`);
  return { integration, canManage: me.account?.role === 'owner' || me.account?.role === 'admin' };
};

async function act(event: Parameters<Actions[string]>[0], path: string, method: 'POST' | 'DELETE' = 'POST', body?: unknown) {
  try {
    await api(event, `/api/integrations/${encodeURIComponent(event.params.id)}${path}`, { method, ...(body === undefined ? {} : { body }) });
  } catch (err) {
    if (err instanceof ApiError) return fail(err.status, { error: err.body.message });
    throw err;
  }
  return { done: path };
}

/** What a CSV upload answers (POST /api/integrations/<id>/import). */
interface CsvImportResult {
  rows: number;
  stored: number;
  duplicates: number;
  filtered: number;
}

/** CSV integrations: the chosen file's text goes to the API as is; its answer (counts, or the lines refused) comes back. */
async function upload(event: Parameters<Actions[string]>[0]) {
  const file = (await event.request.formData()).get('file');
  if (!(file instanceof File) || file.size === 0) return fail(400, { upload: { file: '', error: 'Choose a CSV file to upload', lines: [] as { line: string; message: string }[] } });
  try {
    const result = await api<CsvImportResult>(event, `/api/integrations/${encodeURIComponent(event.params.id)}/import`, {
      method: 'POST',
      raw: { text: await file.text(), contentType: 'text/csv' },
      timeoutMs: 120_000,
    });
    return { upload: { file: file.name, result } };
  } catch (err) {
    if (!(err instanceof ApiError)) throw err;
    const lines = err.body.details.filter((d) => d.field?.startsWith('line ')).map((d) => ({ line: d.field!, message: d.message }));
    return fail(err.status, { upload: { file: file.name, error: err.body.message, lines } });
  }
}

/** New credentials (checked with the tool again; they turn an integration in error active) or PagerDuty's signing secret. */
async function credentials(event: Parameters<Actions[string]>[0]) {
  const form = await event.request.formData();
  const apiKey = String(form.get('apiKey') ?? '').trim();
  const baseUrl = String(form.get('baseUrl') ?? '').trim();
  const webhookSecret = String(form.get('webhookSecret') ?? '').trim();
  const body = { ...(apiKey ? { credentials: { apiKey, ...(baseUrl ? { baseUrl } : {}) } } : {}), ...(webhookSecret ? { webhookSecret } : {}) };
  if (Object.keys(body).length === 0) return fail(400, { settingsError: 'Enter a new API key or signing secret' });
  try {
    await api(event, `/api/integrations/${encodeURIComponent(event.params.id)}`, { method: 'PATCH', body });
  } catch (err) {
    if (err instanceof ApiError) return fail(err.status, { settingsError: err.body.message });
    throw err;
  }
  return { settingsSaved: true };
}

/** A new webhook secret for tools we give one to (shown once; the previous one stops working). */
async function rotateSecret(event: Parameters<Actions[string]>[0]) {
  try {
    const { webhookSecret } = await api<{ webhookSecret: string }>(event, `/api/integrations/${encodeURIComponent(event.params.id)}/webhook-secret`, { method: 'POST' });
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
  pause: (event) => act(event, '/pause'),
  resume: (event) => act(event, '/resume'),
  backfill: (event) => act(event, '/backfill', 'POST', {}),
  delete: async (event) => {
    const keepData = (await event.request.formData()).get('keepData') === 'on';
    const result = await act(event, `?keepData=${keepData}`, 'DELETE');
    if ('done' in result) redirect(303, '/integrations');
    return result;
  },
};
