// The account's patterns as choices for a form (runbooks, event rules): by name, largest first. A failure leaves the
// choices empty; the form still shows the patterns already chosen.
import { api, type ApiEvent } from './api';
import type { PatternRef } from '#lib/patterns/names.ts';

export async function patternChoices(event: ApiEvent, limit = 200): Promise<PatternRef[]> {
  try {
    const { clusters } = await api(event, (c) => c.GET('/api/clusters', { params: { query: { limit } } }));
    return clusters.map((c) => ({ id: c.id, name: c.name ?? c.label }));
  } catch {
    return [];
  }
}
