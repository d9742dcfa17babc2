// Import filters (services/teams, urgencies/priorities, statuses) and field dropping, as pure functions on unified records.
import type { DroppableField, ImportFilters, UnifiedIncident, UnifiedRecord } from './types.ts';

function norm(value: string): string {
  return value.trim().toLowerCase();
}

function anyMatches(wanted: string[] | undefined, candidates: (string | undefined)[]): boolean {
  if (!wanted || wanted.length === 0) return true;
  const have = new Set(candidates.filter((c): c is string => c !== undefined && c !== '').map(norm));
  return wanted.some((w) => have.has(norm(w)));
}

/** Whether an incident passes every filter given; a filter names a service or team by id or by name. */
export function matchesImportFilters(incident: UnifiedIncident, filters: ImportFilters | undefined): boolean {
  if (!filters) return true;
  return (
    anyMatches(filters.services, [incident.serviceId, incident.service]) &&
    anyMatches(filters.teams, [incident.teamId, incident.team]) &&
    anyMatches(filters.urgencies, [incident.labels['urgency']]) &&
    anyMatches(filters.priorities, [incident.severity, incident.severityOriginal, incident.labels['priority']]) &&
    anyMatches(filters.statuses, [incident.status])
  );
}

/** Whether any filter is set (connectors skip client-side filtering when none is). */
export function hasImportFilters(filters: ImportFilters | undefined): boolean {
  return Boolean(filters && Object.values(filters).some((list) => Array.isArray(list) && list.length > 0));
}

/** The record without the fields a team chose not to import; notes leave the timeline, other events stay. */
export function dropFields<T extends UnifiedRecord>(record: T, drop: readonly DroppableField[] | undefined): T {
  if (!drop || drop.length === 0) return record;
  const out = { ...record } as T & Partial<UnifiedIncident>;
  const fields = new Set(drop);
  if (fields.has('notes')) out.timeline = record.timeline.filter((event) => event.type !== 'note');
  if (out.kind === 'incident') {
    if (fields.has('description')) delete out.description;
    if (fields.has('assignees')) {
      out.assignees = [];
      // Assignment events name the assignees too.
      out.timeline = (out.timeline ?? []).map((event) => (event.type === 'assigned' ? { ...event, message: undefined } : event));
    }
    if (fields.has('tags')) out.tags = [];
    if (fields.has('labels')) out.labels = {};
    if (fields.has('url')) delete out.url;
  } else if (fields.has('url')) {
    delete out.url;
  }
  return out;
}

/**
 * Filters then drops fields. Changes (no fields to filter on) are kept: the stored incident they apply to was
 * filtered when it was imported.
 */
export function applyImportSettings(records: UnifiedRecord[], settings: { filters?: ImportFilters; drop?: readonly DroppableField[] }): UnifiedRecord[] {
  return records
    .filter((record) => record.kind === 'change' || matchesImportFilters(record, settings.filters))
    .map((record) => dropFields(record, settings.drop));
}
