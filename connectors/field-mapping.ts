// User-defined field mappings (JSON pointer or dotted paths → unified fields, value maps) for generic webhooks and CSV imports.
import { INCIDENT_STATUSES, SEVERITIES, type FieldError, type IncidentStatus, type Severity, type SourceKind, type UnifiedIncident } from './types.ts';
import { compact, severityFromWord, timelineEvent, toIso } from './unified.ts';

export const MAPPED_FIELDS = [
  'externalId', 'title', 'description', 'service', 'team', 'severity', 'status',
  'createdAt', 'acknowledgedAt', 'resolvedAt', 'updatedAt', 'assignees', 'tags', 'url', 'dedupKey',
] as const;
export type MappedField = (typeof MAPPED_FIELDS)[number];
const REQUIRED: readonly MappedField[] = ['externalId', 'title', 'createdAt'];

export interface FieldMapping {
  /** Where each unified field is read from: "/a/b/0" (JSON pointer), "a.b[0]" (dotted), or a CSV column name. */
  fields: Partial<Record<MappedField, string>>;
  /** Extra labels: label name → path. */
  labels?: Record<string, string>;
  /** The tool's severity values (any case) → P1..P5; other values go through the usual words (critical, warning, ...). */
  severityMap?: Record<string, Severity>;
  /** The tool's status values (any case) → status; other values go through the usual words (open, closed, ...). */
  statusMap?: Record<string, IncidentStatus>;
  /** Used when the mapped field is absent or empty. */
  defaults?: { severity?: Severity; status?: IncidentStatus };
  /** Webhooks: path to an array of records in the body (each one incident); default: the body is one record. */
  records?: string;
  /** Webhooks: path to the event's id (for deduplication); default: a hash of the record. */
  eventId?: string;
}

/** A path's segments: JSON pointer with ~0/~1 escapes, or dots and [n] brackets. */
export function pathSegments(path: string): string[] {
  if (path === '' || path === '/') return [];
  if (path.startsWith('/')) return path.slice(1).split('/').map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
  return path.replace(/\[(\d+)\]/g, '.$1').split('.').filter((s) => s !== '');
}

/** The value at a path; a flat record's own key wins, so CSV columns named "service.name" still work. */
export function readPath(record: unknown, path: string): unknown {
  if (record && typeof record === 'object' && !Array.isArray(record) && Object.prototype.hasOwnProperty.call(record, path)) {
    return (record as Record<string, unknown>)[path];
  }
  let value: unknown = record;
  for (const segment of pathSegments(path)) {
    if (value === null || typeof value !== 'object') return undefined;
    value = Array.isArray(value) ? value[Number(segment)] : (value as Record<string, unknown>)[segment];
  }
  return value;
}

/** Checks a mapping as a user wrote it (set-up screen), before any record arrives. */
export function validateMapping(mapping: unknown): FieldError[] {
  const errors: FieldError[] = [];
  if (!mapping || typeof mapping !== 'object') return [{ field: 'mapping', message: 'must be an object' }];
  const m = mapping as Partial<FieldMapping>;
  const fields = (m.fields ?? {}) as Record<string, unknown>;
  for (const key of Object.keys(fields)) {
    if (!(MAPPED_FIELDS as readonly string[]).includes(key)) errors.push({ field: key, message: `is not a unified field (one of ${MAPPED_FIELDS.join(', ')})` });
    else if (typeof fields[key] !== 'string' || fields[key] === '') errors.push({ field: key, message: 'must be a non-empty path' });
  }
  for (const key of REQUIRED) if (!fields[key]) errors.push({ field: key, message: 'must be mapped' });
  for (const [value, severity] of Object.entries(m.severityMap ?? {})) {
    if (!SEVERITIES.includes(severity)) errors.push({ field: 'severityMap', path: value, message: `maps to ${JSON.stringify(severity)}, not one of ${SEVERITIES.join(', ')}` });
  }
  for (const [value, status] of Object.entries(m.statusMap ?? {})) {
    if (!INCIDENT_STATUSES.includes(status)) errors.push({ field: 'statusMap', path: value, message: `maps to ${JSON.stringify(status)}, not one of ${INCIDENT_STATUSES.join(', ')}` });
  }
  if (m.defaults?.severity && !SEVERITIES.includes(m.defaults.severity)) errors.push({ field: 'defaults.severity', message: `must be one of ${SEVERITIES.join(', ')}` });
  if (m.defaults?.status && !INCIDENT_STATUSES.includes(m.defaults.status)) errors.push({ field: 'defaults.status', message: `must be one of ${INCIDENT_STATUSES.join(', ')}` });
  for (const [label, path] of Object.entries(m.labels ?? {})) if (typeof path !== 'string' || !path) errors.push({ field: `labels.${label}`, message: 'must be a non-empty path' });
  return errors;
}

const STATUS_WORDS: Record<string, IncidentStatus> = {
  triggered: 'triggered', open: 'triggered', firing: 'triggered', new: 'triggered', active: 'triggered', alerting: 'triggered', problem: 'triggered',
  acknowledged: 'acknowledged', ack: 'acknowledged', acked: 'acknowledged', inprogress: 'acknowledged', investigating: 'acknowledged', assigned: 'acknowledged',
  resolved: 'resolved', closed: 'resolved', ok: 'resolved', done: 'resolved', fixed: 'resolved', recovered: 'resolved', cleared: 'resolved',
};

function lookup<T>(map: Record<string, T> | undefined, value: string): T | undefined {
  if (!map) return undefined;
  const wanted = value.trim().toLowerCase();
  for (const [key, mapped] of Object.entries(map)) if (key.trim().toLowerCase() === wanted) return mapped;
  return undefined;
}

function asText(value: unknown): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'string') return value.trim() === '' ? undefined : value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return undefined;
}

/** People and tags arrive as arrays of strings or objects, or as one "a, b; c" string (CSV). */
function asList(value: unknown): string[] | undefined {
  if (value === undefined || value === null || value === '') return [];
  if (typeof value === 'string') return value.split(/[,;]/).map((s) => s.trim()).filter(Boolean);
  if (!Array.isArray(value)) return typeof value === 'number' ? [String(value)] : undefined;
  const out: string[] = [];
  for (const item of value) {
    if (typeof item === 'string' || typeof item === 'number') out.push(String(item));
    else if (item && typeof item === 'object') {
      const o = item as Record<string, unknown>;
      const name = asText(o['name']) ?? asText(o['email']) ?? asText(o['summary']) ?? asText(o['username']) ?? asText(o['id']);
      if (name === undefined) return undefined;
      out.push(name);
    } else return undefined;
  }
  return out;
}

export type MappedRecord = { ok: true; incident: UnifiedIncident } | { ok: false; errors: FieldError[] };

/** One record through the mapping; every field that fails is reported, not just the first. */
export function mapRecord(record: unknown, mapping: FieldMapping, source: Extract<SourceKind, 'webhook' | 'csv'>): MappedRecord {
  const errors: FieldError[] = [];
  const path = (field: MappedField) => mapping.fields[field];
  const read = (field: MappedField) => {
    const p = path(field);
    return p === undefined ? undefined : readPath(record, p);
  };
  const fail = (field: MappedField | string, message: string, p?: string) => errors.push(compact({ field, path: p ?? path(field as MappedField), message }));

  const text = (field: MappedField, required = false): string | undefined => {
    const raw = read(field);
    const value = asText(raw);
    if (value === undefined && raw !== undefined && raw !== null && raw !== '') fail(field, `must be text, found ${JSON.stringify(raw)}`);
    else if (value === undefined && required) fail(field, path(field) ? 'is missing or empty' : 'is not mapped');
    return value;
  };
  const time = (field: MappedField, required = false): string | undefined => {
    const raw = read(field);
    if (raw === undefined || raw === null || raw === '') {
      if (required) fail(field, path(field) ? 'is missing or empty' : 'is not mapped');
      return undefined;
    }
    const iso = toIso(raw);
    if (iso === undefined) fail(field, `is not a date/time: ${JSON.stringify(raw)}`);
    return iso;
  };
  const list = (field: MappedField): string[] => {
    const raw = read(field);
    const value = asList(raw);
    if (value === undefined) fail(field, `must be a list of names, found ${JSON.stringify(raw)}`);
    return value ?? [];
  };

  const externalId = text('externalId', true);
  const title = text('title', true);
  const createdAt = time('createdAt', true);
  const acknowledgedAt = time('acknowledgedAt');
  const resolvedAt = time('resolvedAt');
  const updatedAt = time('updatedAt');

  let severity: Severity = mapping.defaults?.severity ?? 'P3';
  const severityText = text('severity');
  if (severityText !== undefined) {
    const mapped = lookup(mapping.severityMap, severityText) ?? severityFromWord(severityText);
    if (mapped) severity = mapped;
    else fail('severity', `has no mapping for ${JSON.stringify(severityText)} (add it to severityMap)`);
  }
  let status: IncidentStatus = mapping.defaults?.status ?? (resolvedAt ? 'resolved' : acknowledgedAt ? 'acknowledged' : 'triggered');
  const statusText = text('status');
  if (statusText !== undefined) {
    const mapped = lookup(mapping.statusMap, statusText) ?? STATUS_WORDS[statusText.trim().toLowerCase().replace(/[\s_-]+/g, '')];
    if (mapped) status = mapped;
    else fail('status', `has no mapping for ${JSON.stringify(statusText)} (add it to statusMap)`);
  }
  const labels: Record<string, string> = {};
  for (const [label, p] of Object.entries(mapping.labels ?? {})) {
    const raw = readPath(record, p);
    if (raw === undefined || raw === null || raw === '') continue;
    labels[label] = typeof raw === 'object' ? JSON.stringify(raw) : String(raw);
  }
  const description = text('description');
  const service = text('service');
  const team = text('team');
  const url = text('url');
  const dedupKey = text('dedupKey');
  const assignees = list('assignees');
  const tags = list('tags');
  if (errors.length || !externalId || !title || !createdAt) return { ok: false, errors };

  const timeline = [timelineEvent('triggered', createdAt)];
  if (acknowledgedAt) timeline.push(timelineEvent('acknowledged', acknowledgedAt));
  if (resolvedAt && status === 'resolved') timeline.push(timelineEvent('resolved', resolvedAt));
  return {
    ok: true,
    incident: compact({
      kind: 'incident',
      source,
      externalId,
      title,
      description,
      service,
      team,
      severity,
      severityOriginal: severityText,
      status,
      createdAt,
      acknowledgedAt,
      resolvedAt: status === 'resolved' ? resolvedAt : undefined,
      observedAt: updatedAt ?? (status === 'resolved' ? resolvedAt : undefined) ?? acknowledgedAt ?? createdAt,
      assignees,
      tags,
      url,
      dedupKey,
      labels,
      timeline,
    }) as UnifiedIncident,
  };
}

export function describeFieldErrors(errors: FieldError[]): string {
  return errors.map((e) => `${e.field}${e.path ? ` (${e.path})` : ''} ${e.message}`).join('; ');
}
