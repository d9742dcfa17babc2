// AI & privacy: whether the account uses a language model, what prompts may hold, extra redaction, and what was sent.
import { fail } from '@sveltejs/kit';
import { api, ApiError } from '#lib/server/api.ts';
import type { Actions, PageServerLoad } from './$types';

export const load: PageServerLoad = async (event) => {
  event.depends('app:llm');
  try {
    const [settings, sent] = await Promise.all([
      api(event, (c) => c.GET('/api/settings/llm')),
      api(event, (c) => c.GET('/api/llm-requests', { params: { query: { limit: 25 } } })),
    ]);
    return { settings, requests: sent.requests, forbidden: false };
  } catch (err) {
    if (err instanceof ApiError && err.status === 403) return { settings: null, requests: [], forbidden: true };
    throw err;
  }
};

export const actions: Actions = {
  default: async (event) => {
    const form = await event.request.formData();
    const patterns = form.getAll('pattern').map((p) => String(p).trim());
    const kept = patterns.filter(Boolean);
    const body = {
      enabled: form.get('enabled') === 'on',
      sendDescriptions: form.get('sendDescriptions') === 'on',
      sendNotes: form.get('sendNotes') === 'on',
      redactionPatterns: kept,
    };
    try {
      await api(event, (c) => c.PUT('/api/settings/llm', { body }));
    } catch (err) {
      if (err instanceof ApiError && err.status < 500) {
        const detail = err.body.details.find((d) => d.field);
        const match = /^redactionPatterns\.(\d+)/.exec(detail?.field ?? '');
        return fail(err.status, { error: detail?.message ?? err.body.message, patternIndex: match ? Number(match[1]) : null, patterns: kept, values: body });
      }
      throw err;
    }
    return { done: true };
  },
};
