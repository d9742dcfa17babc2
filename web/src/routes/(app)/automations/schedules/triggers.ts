// Shapes shared by the schedules and event rules pages (api/schemas/automation-triggers.ts), and their form helpers.
import { fail } from '@sveltejs/kit';
import { ApiError } from '#lib/server/api.ts';
import type { PatternRef } from '#lib/patterns/names.ts';

export interface Schedule {
  id: string;
  name: string;
  runbookId: string;
  runbookTitle: string | null;
  runbookVersion: number | null;
  targetId: string;
  targetName: string | null;
  cron: string[];
  timeZone: string;
  dryRun: boolean;
  enabled: boolean;
  temporalScheduleId: string;
  nextRunTimes: string[];
  lastFiredAt: string | null;
  lastRunId: string | null;
  lastError: string | null;
  createdBy: string | null;
}

export interface Firing {
  id: string;
  incidentId: string;
  reason: string;
  status: string;
  runId: string | null;
  error: string | null;
  createdAt: string;
}

export interface Rule {
  id: string;
  name: string;
  enabled: boolean;
  clusterIds: string[];
  /** The clusters of `clusterIds` by name (null: no longer exists). */
  clusters: PatternRef[];
  services: string[];
  severities: string[];
  /** New-pattern labels it matches: new, back, rare, known. */
  novelties: string[];
  onNew: boolean;
  onReopened: boolean;
  runbookId: string;
  runbookTitle: string | null;
  targetId: string;
  targetName: string | null;
  cooldownSeconds: number;
  autoRun: boolean;
  dryRun: boolean;
  lastError: string | null;
  createdBy: string | null;
  recentFirings: Firing[];
}

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
