// The runbook library: words, tag and service filters in the URL, keyset pages, markdown import, and the re-index job.
import { fail, redirect } from '@sveltejs/kit';
import { api, ApiError, load as loadApi } from '#lib/server/api.ts';
import type { ReindexStatus, RunbookSummary } from '#lib/runbooks/types.ts';
import type { Actions, PageServerLoad } from './$types';

const MAX_IMPORT_BYTES = 256 * 1024;

export const load: PageServerLoad = async (event) => {
  event.depends('app:runbooks');
  const params = new URLSearchParams();
  for (const name of ['q', 'tag', 'service', 'cluster', 'cursor']) {
    const value = event.url.searchParams.get(name)?.trim();
    if (value) params.set(name, value);
  }
  params.set('limit', '25');
  const [list, reindex] = await Promise.all([
    loadApi<{ runbooks: RunbookSummary[]; nextCursor: string | null }>(event, `/api/runbooks?${params}`),
    // Only writers may see it (and start it); the list works without it.
    api<ReindexStatus>(event, '/api/runbooks/reindex').catch(() => null),
  ]);
  return { ...list, reindex, filters: Object.fromEntries(params) as Record<string, string> };
};

export const actions: Actions = {
  import: async (event) => {
    const form = await event.request.formData();
    const file = form.get('file');
    let markdown = String(form.get('markdown') ?? '');
    if (file instanceof File && file.size > 0) {
      if (file.size > MAX_IMPORT_BYTES) return fail(413, { kind: 'import', error: 'That file is over 256 KiB.' });
      markdown = await file.text();
    }
    if (!markdown.trim()) return fail(400, { kind: 'import', error: 'Choose a markdown file or paste one.' });
    let created: { id: string };
    try {
      created = await api<{ id: string }>(event, '/api/runbooks/import', { method: 'POST', raw: { text: markdown, contentType: 'text/markdown' } });
    } catch (err) {
      if (err instanceof ApiError) return fail(err.status, { kind: 'import', error: err.body.message });
      throw err;
    }
    redirect(303, `/runbooks/${created.id}?imported=1`);
  },
  reindex: async (event) => {
    try {
      const started = await api<{ started: boolean }>(event, '/api/runbooks/reindex', { method: 'POST' });
      return { kind: 'reindex', done: started.started ? 'Re-index started.' : 'A re-index was already running: this is its progress.' };
    } catch (err) {
      if (err instanceof ApiError) return fail(err.status, { kind: 'reindex', error: err.body.message });
      throw err;
    }
  },
};
