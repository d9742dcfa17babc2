// Saved views on the dashboard: what a view keeps of the URL (its filter, a preset range as the preset so that "last
// 7 days" stays relative), and the URL that opens it again.
import type { ReadonlyURLSearchParams } from '$app/state';
import { matchPreset, PRESETS, presetRange, type PresetId } from '../incidents/filter';
import type { View } from './types';

/** URL parameters that belong to the page's state, not to a view's filter. */
export const PAGE_PARAMS = ['view', 'layout', 'cursor'];
/** The pseudo view id of the built-in layout (a user with a default view can still open the original). */
export const BUILTIN_VIEW = 'builtin';

/** The URL's filter as a view stores it: a range that is a preset becomes `range=<preset>` instead of two instants. */
export function viewFilters(params: ReadonlyURLSearchParams, now = Date.now()): Record<string, string | string[]> {
  const record: Record<string, string | string[]> = {};
  const preset = matchPreset(params.get('from') ?? undefined, params.get('to') ?? undefined, now);
  for (const key of new Set(params.keys())) {
    if (PAGE_PARAMS.includes(key) || key === 'range') continue;
    if (preset && (key === 'from' || key === 'to')) continue;
    const values = params.getAll(key);
    record[key] = values.length === 1 ? values[0] : values;
  }
  if (preset) record.range = preset;
  return record;
}

/** The URL parameters a view's filter stands for now (a preset range becomes the instants of this moment). */
export function viewParams(filters: Record<string, string | string[]>, now = Date.now()): URLSearchParams {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(filters)) {
    if (key === 'range' || PAGE_PARAMS.includes(key)) continue;
    for (const v of Array.isArray(value) ? value : [value]) params.append(key, v);
  }
  const preset = typeof filters.range === 'string' && PRESETS.some((p) => p.id === filters.range) ? (filters.range as PresetId) : null;
  if (preset) {
    const r = presetRange(preset, now);
    params.set('from', r.from);
    params.set('to', r.to);
  }
  return params;
}

/** The dashboard's URL for a view: its id and its filter. */
export function viewHref(view: Pick<View, 'id' | 'filters'>, now = Date.now()): string {
  const params = viewParams(view.filters, now);
  params.set('view', view.id);
  return `/?${params}`;
}
