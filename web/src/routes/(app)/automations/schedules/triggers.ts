// Shapes shared by the schedules and event rules pages (named from the generated schema, #lib/api), and their form
// helpers.
import { fail } from '@sveltejs/kit';
import type { Answer } from '#lib/api/index.ts';
import { ApiError } from '#lib/server/api.ts';

export type Schedule = Answer<'/api/automation-schedules', 'get'>['schedules'][number];
export type Rule = Answer<'/api/automation-rules', 'get'>['rules'][number];
export type Firing = Rule['recentFirings'][number];

export interface PickerItem {
  id: string;
  label: string;
}

export const text = (form: FormData, name: string) => String(form.get(name) ?? '').trim();
/** A field of one item per line, or also per comma (services, cluster ids; never cron, whose lists use commas). */
export const list = (form: FormData, name: string, { commas = true } = {}) =>
  text(form, name)
    .split(commas ? /[\n,]/ : /\n/)
    .map((l) => l.trim())
    .filter(Boolean);

/** An API refusal as the form's state: the message, each field's own message, and what was typed. */
export function failure(err: unknown, kind: string, form: FormData | null, keep: readonly string[], id?: string) {
  if (err instanceof ApiError) {
    const fields: Record<string, string> = {};
    for (const d of err.body.details) {
      const key = d.field ?? '';
      if (key && !fields[key]) fields[key] = d.message.replace(/^body\.\S+ /, '');
    }
    const values = form ? Object.fromEntries(keep.map((k) => [k, form.getAll(k).map(String).join('\n')])) : {};
    return fail(err.status >= 500 ? 503 : err.status, { kind, id, error: err.body.message, fields, values });
  }
  throw err;
}
