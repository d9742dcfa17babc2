// The runbook library: words, tag and service filters in the URL, keyset pages, markdown import, and the re-index job.
import { fail, redirect } from '@sveltejs/kit';
import type { Answer } from '#lib/api/index.ts';
import { api, ApiError, asQuery, load as loadApi, rawBody } from '#lib/server/api.ts';
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
    loadApi(event, (c) => c.GET('/api/runbooks', asQuery(params))),
    // Only writers may see it (and start it); the list works without it.
    api(event, (c) => c.GET('/api/runbooks/reindex')).catch(() => null),
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
    let created: Answer<'/api/runbooks/import', 'post', 201>;
    try {
      created = await api(event, (c) => c.POST('/api/runbooks/import', { body: markdown, ...rawBody('text/markdown') }));
    } catch (err) {
      if (err instanceof ApiError) return fail(err.status, { kind: 'import', error: err.body.message });
      throw err;
    }
    redirect(303, `/runbooks/${created.id}?imported=1`);
  },
  reindex: async (event) => {
    try {
      const started = await api(event, (c) => c.POST('/api/runbooks/reindex'));
      return { kind: 'reindex', done: started.started ? 'Re-index started.' : 'A re-index was already running: this is its progress.' };
    } catch (err) {
      if (err instanceof ApiError) return fail(err.status, { kind: 'reindex', error: err.body.message });
      throw err;
    }
  },
};
