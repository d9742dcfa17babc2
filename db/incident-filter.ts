// The one incident filter: what the incident list, its CSV export and every dashboard aggregate narrow by. The API
// parses it from the query string (api/schemas/incident-filter.ts); here it becomes SQL conditions, so that a bar on a
// chart and the list it drills down to count the same incidents.
import type { TransactionSql } from './sql.ts';

export const SEVERITIES = ['P1', 'P2', 'P3', 'P4', 'P5'] as const;
export const STATUSES = ['triggered', 'acknowledged', 'resolved'] as const;
export type Severity = (typeof SEVERITIES)[number];
export type IncidentStatus = (typeof STATUSES)[number];

/** The label values a filter takes: the stored labels, and `pending` for incidents not labelled yet. */
export const NOVELTY_FILTER_VALUES = ['new', 'back', 'rare', 'known', 'pending'] as const;
export type NoveltyFilterValue = (typeof NOVELTY_FILTER_VALUES)[number];

/** In a service, team or cluster list: incidents with none (a chart's "(none)" group drills down with it). */
export const NONE = '__none__';

/** Every field narrows; an empty list or an absent field does not. Times bound `created_at`, `[from, to)`. */
export interface IncidentFilter {
  from?: Date;
  to?: Date;
  services?: string[];
  teams?: string[];
  sources?: string[];
  severities?: Severity[];
  statuses?: IncidentStatus[];
  clusterIds?: string[];
  integrationIds?: string[];
  /** New-pattern labels (db/incident-novelty.ts); `pending`: not labelled yet (in no cluster). */
  novelties?: NoveltyFilterValue[];
  /** Words in the title (case-insensitive substring; `%` and `_` are literal). */
  q?: string;
}

/** The filter as `and ...` conditions on an `incidents` row aliased `alias` (no leading `where`). */
export function incidentConditions(tx: TransactionSql, filter: IncidentFilter, alias = 'incidents') {
  const col = (name: string) => tx(`${alias}.${name}` as never);
  const some = (list: readonly string[] | undefined) => list !== undefined && list.length > 0;
  return tx`
    ${filter.from ? tx`and ${col('created_at')} >= ${filter.from}` : tx``}
    ${filter.to ? tx`and ${col('created_at')} < ${filter.to}` : tx``}
    ${some(filter.services) ? tx`and ${orNone(tx, col, 'service', filter.services!)}` : tx``}
    ${some(filter.teams) ? tx`and ${orNone(tx, col, 'team', filter.teams!)}` : tx``}
    ${some(filter.sources) ? tx`and ${col('source')} = any(${filter.sources!}::text[])` : tx``}
    ${some(filter.severities) ? tx`and ${col('severity')} = any(${filter.severities as string[]}::text[])` : tx``}
    ${some(filter.statuses) ? tx`and ${col('status')} = any(${filter.statuses as string[]}::text[])` : tx``}
    ${some(filter.clusterIds) ? tx`and ${orNone(tx, col, 'cluster_id', filter.clusterIds!)}` : tx``}
    ${some(filter.integrationIds) ? tx`and ${col('integration_id')} = any(${filter.integrationIds!}::uuid[])` : tx``}
    ${some(filter.novelties) ? tx`and ${orNone(tx, col, 'novelty', filter.novelties!.map((n) => (n === 'pending' ? NONE : n)))}` : tx``}
    ${filter.q ? tx`and ${col('title')} ilike ${'%' + filter.q.replace(/[\\%_]/g, '\\$&') + '%'}` : tx``}`;
}

/** `column = any(values)`, or also null when the values hold NONE. */
function orNone(tx: TransactionSql, col: (name: string) => unknown, name: string, values: readonly string[]) {
  const column = col(name) as never;
  const named = values.filter((v) => v !== NONE);
  if (named.length === values.length) return tx`${column} = any(${named}::text[])`;
  return named.length === 0 ? tx`${column} is null` : tx`(${column} = any(${named}::text[]) or ${column} is null)`;
}
