// Feedback: the shell's Feedback dialog posts here (any member); owners and admins read what everyone sent.
import { api } from '#lib/server/api.ts';
import { formFailure } from '#lib/server/forms.ts';
import { canAdminister } from '#lib/components/shell/nav.ts';
import type { Actions, PageServerLoad } from './$types';

/** The API refuses more; cut here so an oversized context costs the user nothing but the excess. */
const MAX_CONTEXT_CHARS = 8_000;

export const load: PageServerLoad = async (event) => {
  const { me } = await event.parent();
  if (!canAdminister(me.account?.role)) return { canRead: false, feedback: [], nextBefore: null };
  const before = event.url.searchParams.get('before');
  const query = { limit: 50, ...(before && /^[0-9a-f-]{36}$/i.test(before) ? { before } : {}) };
  const page = await api(event, (c) => c.GET('/api/feedback', { params: { query } }));
  return { canRead: true, feedback: page.feedback, nextBefore: page.nextBefore };
};

function parseContext(raw: string): Record<string, unknown> | undefined {
  if (!raw || raw.length > MAX_CONTEXT_CHARS) return undefined;
  try {
    const value: unknown = JSON.parse(raw);
    return value && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

export const actions: Actions = {
  submit: async (event) => {
    const form = await event.request.formData();
    const values = { rating: String(form.get('rating') ?? ''), text: String(form.get('text') ?? ''), page: String(form.get('page') ?? '') };
    const context = parseContext(String(form.get('context') ?? ''));
    try {
      // The rating goes as typed (a number when it is one), so the API names a bad one.
      const rating = /^\d+$/.test(values.rating) ? Number(values.rating) : values.rating || undefined;
      const created = await api(event, (c) =>
        c.POST('/api/feedback', {
          body: { rating: rating as number, ...(values.text.trim() ? { text: values.text } : {}), page: values.page || '/', ...(context ? { context } : {}) },
        }),
      );
      return { sent: created.id };
    } catch (err) {
      return formFailure(err, values);
    }
  },
};
