// One box over runbooks (meaning and words) and past incidents; the query lives in the URL.
import { api, ApiError } from '#lib/server/api.ts';
import type { PageServerLoad } from './$types';

export const load: PageServerLoad = async (event) => {
  const q = event.url.searchParams.get('q')?.trim() ?? '';
  const kind = event.url.searchParams.get('kind');
  const kinds = kind === 'runbooks' || kind === 'incidents' ? kind : 'runbooks,incidents';
  if (!q) return { q, kind: kinds, result: null, error: null };
  try {
    const result = await api(event, (c) => c.GET('/api/search', { params: { query: { q: q.slice(0, 500), kinds, limit: 10 } } }));
    return { q, kind: kinds, result, error: null };
  } catch (err) {
    if (err instanceof ApiError) return { q, kind: kinds, result: null, error: err.body.message };
    throw err;
  }
};
