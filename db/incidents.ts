// Unified incidents: read and locked by their natural key for merging, upserted in sets, and listed, counted, faceted
// and read one by one for the API.
import type { SourceKind, UnifiedIncident } from '../connectors/types.ts';
import { incidentConditions, SEVERITIES, type IncidentFilter, type IncidentStatus, type Severity } from './incident-filter.ts';
import type { PendingQuery, Row } from 'postgres';
import type { Novelty } from './incident-novelty.ts';
import type { TransactionSql } from './sql.ts';

/**
 * The unified incident as stored: what the connectors produce (connectors/types.ts, ISO-8601 strings), plus the
 * integration it came from (null once the integration was deleted with its data kept).
 */
export type StoredIncident = UnifiedIncident & { integrationId: string | null };

/** An incident's natural key: the integration, the tool and its id. */
export type IncidentKey = Pick<StoredIncident, 'integrationId' | 'source' | 'externalId'>;

export const incidentKeyString = (key: IncidentKey) => `${key.integrationId ?? ''}\u001f${key.source}\u001f${key.externalId}`;

/** A stored incident as the unification locked it: with its row id, so that its merged version updates that row. */
export type LockedIncident = StoredIncident & { id: string };

/**
 * The stored incidents for these keys, locked for the transaction, so the merge that follows cannot lose a
 * concurrent writer's version.
 */
export async function lockIncidents(tx: TransactionSql, accountId: string, keys: readonly IncidentKey[]): Promise<Map<string, LockedIncident>> {
  if (keys.length === 0) return new Map();
  const lookup = async (wanted: readonly IncidentKey[], deletedIntegration: boolean) => {
    if (wanted.length === 0) return [];
    const rows = wanted.map((k) => ({ integration_id: k.integrationId, source: k.source, external_id: k.externalId }));
    return tx<LockedIncident[]>`
      select i.id, 'incident' as kind, i.integration_id as "integrationId", i.source, i.external_id as "externalId", i.title,
             i.description, i.service, i.service_id as "serviceId", i.team, i.team_id as "teamId", i.severity,
             i.severity_original as "severityOriginal", i.status, ${isoColumns(tx)}, i.assignees, i.tags, i.url,
             i.dedup_key as "dedupKey", i.labels, i.timeline
      from jsonb_to_recordset(${tx.json(rows as never)}) as k(integration_id uuid, source text, external_id text)
      -- One natural-key lookup per key, whatever the statistics say: as a plain join, the planner (guessing 100 keys
      -- and, during a first import, few incidents for the account) hashes them against a scan of all the account's
      -- incidents, on every batch. A subquery with FOR UPDATE is never merged into the join, so the lookups stay.
      -- Equality or "is null" (not "is not distinct from", which no index serves): keys of a deleted integration
      -- whose data was kept are looked up on their own.
      cross join lateral (
        select * from incidents
        where account_id = ${accountId}
          and ${deletedIntegration ? tx`integration_id is null` : tx`integration_id = k.integration_id`}
          and source = k.source and external_id = k.external_id
        for update
      ) as i`;
  };
  const rows = [
    ...(await lookup(keys.filter((k) => k.integrationId !== null), false)),
    ...(await lookup(keys.filter((k) => k.integrationId === null), true)),
  ];
  return new Map(rows.map((row) => [incidentKeyString(row), withoutNulls(row)]));
}

const isoColumns = (tx: TransactionSql) => tx`
  to_char(i.created_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') as "createdAt",
  to_char(i.acknowledged_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') as "acknowledgedAt",
  to_char(i.resolved_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') as "resolvedAt",
  to_char(i.observed_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') as "observedAt"`;

function withoutNulls<T extends object>(row: T): T {
  return Object.fromEntries(Object.entries(row).filter(([key, value]) => value !== null || key === 'integrationId')) as T;
}

/**
 * Writes merged incidents: new ones (no `id`) in one insert, the ones lockIncidents returned in one update of their
 * rows. Two plain statements instead of one upsert: the unification holds its account's lock and knows which keys
 * are stored, so the upsert's speculative insertion (a second pass over the natural key) bought nothing (about a
 * sixth of the statement's time, bench/unify.ts).
 */
export async function upsertIncidents(tx: TransactionSql, accountId: string, incidents: readonly (StoredIncident & { id?: string })[]): Promise<number> {
  const fresh = incidents.filter((i) => i.id === undefined).map(incidentRow);
  const known = incidents.filter((i) => i.id !== undefined).map((i) => ({ id: i.id, ...incidentRow(i) }));
  let written = 0;
  if (fresh.length > 0) {
    const inserted = await tx`
      insert into incidents (account_id, integration_id, source, external_id, title, description, service, service_id, team, team_id,
                             severity, severity_original, status, created_at, acknowledged_at, resolved_at, observed_at,
                             assignees, tags, url, dedup_key, labels, timeline)
      select ${accountId}, r.integration_id, r.source, r.external_id, r.title, r.description, r.service, r.service_id, r.team, r.team_id,
             r.severity, r.severity_original, r.status, r.created_at, r.acknowledged_at, r.resolved_at, r.observed_at,
             coalesce(r.assignees, '{}'), coalesce(r.tags, '{}'), r.url, r.dedup_key, coalesce(r.labels, '{}'), coalesce(r.timeline, '[]')
      from jsonb_to_recordset(${tx.json(fresh as never)}) as r(${recordColumns(tx)})`;
    written += inserted.count;
  }
  if (known.length > 0) {
    const updated = await tx`
      update incidents i set
        title = r.title, description = r.description, service = r.service, service_id = r.service_id, team = r.team,
        team_id = r.team_id, severity = r.severity, severity_original = r.severity_original, status = r.status,
        created_at = r.created_at, acknowledged_at = r.acknowledged_at, resolved_at = r.resolved_at, observed_at = r.observed_at,
        assignees = coalesce(r.assignees, '{}'), tags = coalesce(r.tags, '{}'), url = r.url, dedup_key = r.dedup_key,
        labels = coalesce(r.labels, '{}'), timeline = coalesce(r.timeline, '[]'), updated_at = now()
      from jsonb_to_recordset(${tx.json(known as never)}) as r(id uuid, ${recordColumns(tx)})
      -- The ids again as an array: the rows are then found through the primary key whatever the planner believes of
      -- the table's size (statistics from before a first import would have it scan the whole table per batch).
      where i.account_id = ${accountId} and i.id = r.id and i.id = any(${known.map((k) => k.id!)}::uuid[])`;
    written += updated.count;
  }
  return written;
}

const recordColumns = (tx: TransactionSql) => tx`
  integration_id uuid, source text, external_id text, title text, description text, service text, service_id text, team text,
  team_id text, severity text, severity_original text, status text, created_at timestamptz, acknowledged_at timestamptz,
  resolved_at timestamptz, observed_at timestamptz, assignees text[], tags text[], url text, dedup_key text, labels jsonb,
  timeline jsonb`;

const incidentRow = (i: StoredIncident) => ({
  integration_id: i.integrationId,
  source: i.source,
  external_id: i.externalId,
  title: i.title,
  description: i.description ?? null,
  service: i.service ?? null,
  service_id: i.serviceId ?? null,
  team: i.team ?? null,
  team_id: i.teamId ?? null,
  severity: i.severity,
  severity_original: i.severityOriginal ?? null,
  status: i.status,
  created_at: i.createdAt,
  acknowledged_at: i.acknowledgedAt ?? null,
  resolved_at: i.resolvedAt ?? null,
  observed_at: i.observedAt,
  assignees: i.assignees,
  tags: i.tags,
  url: i.url ?? null,
  dedup_key: i.dedupKey ?? null,
  labels: i.labels,
  timeline: i.timeline,
});

/** The incident list's orders: newest or oldest first, P1 first, longest MTTR or MTTA first (unset last). */
export const INCIDENT_SORTS = ['-created', 'created', '-severity', '-mttr', '-mtta'] as const;
export type IncidentSort = (typeof INCIDENT_SORTS)[number];

export interface IncidentListRow {
  id: string;
  integrationId: string | null;
  source: SourceKind;
  externalId: string;
  title: string;
  service: string | null;
  team: string | null;
  severity: Severity;
  status: IncidentStatus;
  createdAt: Date;
  acknowledgedAt: Date | null;
  resolvedAt: Date | null;
  mttaSeconds: number | null;
  mttrSeconds: number | null;
  url: string | null;
  clusterId: string | null;
  clusterLabel: string | null;
  /** Its new-pattern label (db/incident-novelty.ts); null while pending. */
  novelty: Novelty | null;
  /** The latest earlier incident of its pattern, ISO 8601 (null: none, or pending). */
  patternPreviousAt: string | null;
  /** `created_at` to the microsecond (a Date keeps milliseconds): a cursor made of less would skip or repeat rows. */
  createdAtExact: string;
}

/** Where a page ended: the last row's sort key. `severity` and `seconds` (MTTA or MTTR, null when unset) as the sort needs. */
export interface IncidentPosition {
  createdAt: string;
  id: string;
  severity?: Severity;
  seconds?: number | null;
}

export function positionOf(row: IncidentListRow, sort: IncidentSort): IncidentPosition {
  const key = { createdAt: row.createdAtExact, id: row.id };
  if (sort === '-severity') return { ...key, severity: row.severity };
  if (sort === '-mttr') return { ...key, seconds: row.mttrSeconds };
  if (sort === '-mtta') return { ...key, seconds: row.mttaSeconds };
  return key;
}

export interface IncidentListOptions {
  limit: number;
  filter?: IncidentFilter;
  sort?: IncidentSort;
  /** The previous page's last row (positionOf); the page starts right after it. */
  after?: IncidentPosition;
  /** Shorthand for `filter.clusterIds = [clusterId]` (a cluster's page). */
  clusterId?: string;
}

// What the page query carries from its inner selects to the outer one (never the large text and JSON columns).
const PAGE_COLUMNS = (tx: TransactionSql) => tx`
  i.id, i.account_id, i.integration_id, i.source, i.external_id, i.title, i.service, i.team, i.severity, i.status, i.created_at,
  i.acknowledged_at, i.resolved_at, i.mtta_seconds, i.mttr_seconds, i.url, i.cluster_id, i.novelty, i.novelty_previous_at`;

// The label is a per-row lookup rather than a join, so a streamed export keeps the index's order instead of sorting
// a million joined rows before its first line.
const summaryColumns = (tx: TransactionSql, alias: string) => {
  const col = (name: string) => tx(`${alias}.${name}` as never);
  return tx`
    ${col('id')} as id, ${col('integration_id')} as "integrationId", ${col('source')} as source, ${col('external_id')} as "externalId",
    ${col('title')} as title, ${col('service')} as service, ${col('team')} as team, ${col('severity')} as severity, ${col('status')} as status,
    ${col('created_at')} as "createdAt", ${col('acknowledged_at')} as "acknowledgedAt", ${col('resolved_at')} as "resolvedAt",
    ${col('mtta_seconds')} as "mttaSeconds", ${col('mttr_seconds')} as "mttrSeconds", ${col('url')} as url, ${col('cluster_id')} as "clusterId",
    (select coalesce(c.name, c.label) from clusters c where c.account_id = ${col('account_id')} and c.id = ${col('cluster_id')}) as "clusterLabel",
    ${col('novelty')} as novelty, to_char(${col('novelty_previous_at')} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') as "patternPreviousAt",
    to_char(${col('created_at')} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') as "createdAtExact"`;
};

// Each order but MTTA's matches an index of migrations 0012 and 0013 column for column (nulls last included), so a
// page reads about `limit` index entries whatever its depth; MTTA sorts the matching incidents (see 0012).
function orderBy(tx: TransactionSql, sort: IncidentSort, alias: string) {
  const col = (name: string) => tx(`${alias}.${name}` as never);
  switch (sort) {
    case '-created':
      return tx`${col('created_at')} desc, ${col('id')} desc`;
    case 'created':
      return tx`${col('created_at')}, ${col('id')}`;
    case '-severity':
      return tx`${col('severity')}, ${col('created_at')} desc, ${col('id')} desc`;
    case '-mttr':
      return tx`${col('mttr_seconds')} desc nulls last, ${col('created_at')} desc, ${col('id')} desc`;
    case '-mtta':
      return tx`${col('mtta_seconds')} desc nulls last, ${col('created_at')} desc, ${col('id')} desc`;
  }
}

/**
 * The conditions of the page's rows, one per branch of a union merged in the sort's order. A row comparison on columns
 * in one direction is one index range. Where the order mixes directions (severity ascending, then newest) each severity
 * is a branch of its own, only those the filter allows (an index range is never scanned for rows a filter refuses);
 * where nulls come last, the rest of the durations and the nulls are two ranges.
 */
function keysetBranches(tx: TransactionSql, sort: IncidentSort, after: IncidentPosition | undefined, filter: IncidentFilter) {
  const at = after && tx`${after.createdAt}::timestamptz`;
  const id = after && tx`${after.id}::uuid`;
  switch (sort) {
    case '-created':
      return [after ? tx`and (i.created_at, i.id) < (${at!}, ${id!})` : tx``];
    case 'created':
      return [after ? tx`and (i.created_at, i.id) > (${at!}, ${id!})` : tx``];
    case '-severity': {
      const allowed = filter.severities?.length ? SEVERITIES.filter((s) => filter.severities!.includes(s)) : [...SEVERITIES];
      const rest = after ? allowed.filter((s) => s >= after.severity!) : allowed;
      return rest.map((s) => (after && s === after.severity ? tx`and i.severity = ${s} and (i.created_at, i.id) < (${at!}, ${id!})` : tx`and i.severity = ${s}`));
    }
    case '-mttr':
    case '-mtta': {
      const seconds = tx(sort === '-mttr' ? 'i.mttr_seconds' : ('i.mtta_seconds' as never));
      if (!after) return [tx``];
      if (after.seconds === null || after.seconds === undefined) return [tx`and ${seconds} is null and (i.created_at, i.id) < (${at!}, ${id!})`];
      return [tx`and (${seconds}, i.created_at, i.id) < (${after.seconds}::integer, ${at!}, ${id!})`, tx`and ${seconds} is null`];
    }
  }
}

function filterOf(options: { filter?: IncidentFilter; clusterId?: string }): IncidentFilter {
  return options.clusterId ? { ...options.filter, clusterIds: [options.clusterId] } : (options.filter ?? {});
}

/** A page of the account's incidents matching the filter, in the sort's order, after a position. */
export async function listIncidents(tx: TransactionSql, accountId: string, options: IncidentListOptions): Promise<IncidentListRow[]> {
  const sort = options.sort ?? '-created';
  const filter = filterOf(options);
  const branches = keysetBranches(tx, sort, options.after, filter);
  // By severity, each branch names its severity: the filter's list beside it (= any) would cost the index its order.
  const where = tx`i.account_id = ${accountId} ${incidentConditions(tx, sort === '-severity' ? { ...filter, severities: [] } : filter, 'i')}`;
  if (branches.length === 0) return [];
  if (branches.length === 1) {
    return tx<IncidentListRow[]>`
      select ${summaryColumns(tx, 'i')} from incidents i where ${where} ${branches[0]!} order by ${orderBy(tx, sort, 'i')} limit ${options.limit}`;
  }
  const union = branches
    .map((condition) => tx`(select ${PAGE_COLUMNS(tx)} from incidents i where ${where} ${condition} order by ${orderBy(tx, sort, 'i')} limit ${options.limit})`)
    .reduce((all, branch) => tx`${all} union all ${branch}`);
  return tx<IncidentListRow[]>`
    select ${summaryColumns(tx, 'p')} from (${union}) p order by ${orderBy(tx, sort, 'p')} limit ${options.limit}`;
}

/** Every matching incident in the sort's order, `batch` rows at a time from a server-side cursor (an export). */
export function streamIncidents(tx: TransactionSql, accountId: string, filter: IncidentFilter, sort: IncidentSort, batch = 1000): AsyncIterable<IncidentListRow[]> {
  return tx<IncidentListRow[]>`
    select ${summaryColumns(tx, 'i')} from incidents i
    where i.account_id = ${accountId} ${incidentConditions(tx, filter, 'i')}
    order by ${orderBy(tx, sort, 'i')}`.cursor(batch);
}

export async function countMatchingIncidents(tx: TransactionSql, accountId: string, filter: IncidentFilter): Promise<number> {
  const [row] = await tx<[{ n: number }]>`
    select count(*)::int as n from incidents i where i.account_id = ${accountId} ${incidentConditions(tx, filter, 'i')}`;
  return row.n;
}

export interface FacetCount {
  value: string;
  count: number;
}
export interface IncidentFacets {
  services: FacetCount[];
  teams: FacetCount[];
  sources: FacetCount[];
  severities: FacetCount[];
  statuses: FacetCount[];
  novelties: FacetCount[];
  clusters: { id: string; label: string; count: number }[];
}

type FacetName = keyof IncidentFacets;
const FACETS: { name: FacetName; column: string; field: keyof IncidentFilter }[] = [
  { name: 'services', column: 'service', field: 'services' },
  { name: 'teams', column: 'team', field: 'teams' },
  { name: 'sources', column: 'source', field: 'sources' },
  { name: 'severities', column: 'severity', field: 'severities' },
  { name: 'statuses', column: 'status', field: 'statuses' },
  { name: 'novelties', column: 'novelty', field: 'novelties' },
  { name: 'clusters', column: 'cluster_id', field: 'clusterIds' },
];
export const FACET_LIMIT = 100;

/**
 * How many matching incidents have each value of each field, the most frequent first. A field is counted under every
 * filter but its own, so a dropdown still offers the values next to those chosen. Fields whose own filter is unset
 * share one scan (grouping sets); each field with a filter of its own costs one more.
 */
export async function incidentFacets(tx: TransactionSql, accountId: string, filter: IncidentFilter): Promise<IncidentFacets> {
  const constrained = (f: (typeof FACETS)[number]) => ((filter[f.field] as unknown[] | undefined)?.length ?? 0) > 0;
  const groups = [
    { facets: FACETS.filter((f) => !constrained(f)), filter },
    ...FACETS.filter(constrained).map((f) => ({ facets: [f], filter: { ...filter, [f.field]: undefined } })),
  ].filter((g) => g.facets.length > 0);
  const counts = new Map<FacetName, FacetCount[]>(FACETS.map((f) => [f.name, []]));
  for (const group of groups) {
    const col = (f: (typeof FACETS)[number]) => tx(`i.${f.column}` as never);
    const join = (parts: (PendingQuery<Row[]> | ReturnType<typeof col>)[]) => parts.slice(1).reduce<PendingQuery<Row[]>>((all, part) => tx`${all}, ${part}`, tx`${parts[0]!}`);
    const which = group.facets.reduce((rest, f) => tx`${rest} when grouping(${col(f)}) = 0 then ${f.name}::text`, tx``);
    const rows = await tx<{ facet: FacetName; value: string | null; count: number }[]>`
      select case ${which} end as facet, coalesce(${join(group.facets.map(col))}) as value, count(*)::int as count
      from incidents i
      where i.account_id = ${accountId} ${incidentConditions(tx, group.filter, 'i')}
      group by grouping sets (${join(group.facets.map((f) => tx`(${col(f)})`))})`;
    for (const row of rows) {
      // A label not computed yet is a value of its own: the filter names it `pending`.
      const value = row.value ?? (row.facet === 'novelties' ? 'pending' : null);
      if (value !== null) counts.get(row.facet)!.push({ value, count: row.count });
    }
  }
  const top = (name: FacetName) => counts.get(name)!.sort((a, b) => b.count - a.count || (a.value < b.value ? -1 : 1)).slice(0, FACET_LIMIT);
  const clusters = top('clusters');
  const labels = new Map(
    clusters.length === 0
      ? []
      : (await tx<{ id: string; label: string }[]>`
          select id, coalesce(name, label) as label from clusters where account_id = ${accountId} and id = any(${clusters.map((c) => c.value)}::text[])`).map((c) => [c.id, c.label]),
  );
  return {
    services: top('services'),
    teams: top('teams'),
    sources: top('sources'),
    severities: top('severities'),
    statuses: top('statuses'),
    novelties: top('novelties'),
    clusters: clusters.map((c) => ({ id: c.value, label: labels.get(c.value) ?? c.value, count: c.count })),
  };
}

export interface IncidentDetailRow extends IncidentListRow {
  description: string | null;
  serviceId: string | null;
  teamId: string | null;
  severityOriginal: string | null;
  assignees: string[];
  tags: string[];
  dedupKey: string | null;
  labels: Record<string, string>;
  observedAt: Date;
  firstUnifiedAt: Date;
  updatedAt: Date;
  timeline: StoredIncident['timeline'];
  clusterSize: number | null;
}

export async function getIncident(tx: TransactionSql, accountId: string, id: string): Promise<IncidentDetailRow | undefined> {
  const [row] = await tx<IncidentDetailRow[]>`
    select ${summaryColumns(tx, 'i')}, i.description, i.service_id as "serviceId", i.team_id as "teamId", i.severity_original as "severityOriginal",
           i.assignees, i.tags, i.dedup_key as "dedupKey", i.labels, i.observed_at as "observedAt", i.first_unified_at as "firstUnifiedAt",
           i.updated_at as "updatedAt", i.timeline,
           (select c.size from clusters c where c.account_id = i.account_id and c.id = i.cluster_id) as "clusterSize"
    from incidents i
    where i.account_id = ${accountId} and i.id = ${id}`;
  return row;
}

export interface IncidentRawEvent {
  id: string;
  eventKey: string;
  receivedAt: Date;
  payload: unknown;
}

/** What the tool sent about an incident, newest first (by its natural key, as the unification matched them). */
export async function listIncidentRawEvents(tx: TransactionSql, accountId: string, key: IncidentKey, limit: number): Promise<IncidentRawEvent[]> {
  return tx<IncidentRawEvent[]>`
    select id::text as id, event_key as "eventKey", received_at as "receivedAt", payload
    from raw_events
    where account_id = ${accountId} and ${key.integrationId === null ? tx`integration_id is null` : tx`integration_id = ${key.integrationId}`}
      and external_id = ${key.externalId} and source = ${key.source}
    order by received_at desc, id desc
    limit ${limit}`;
}

/** Whether any of the account's incidents is in no cluster yet (one index probe, however many there are). */
export async function hasUnclusteredIncidents(tx: TransactionSql, accountId: string): Promise<boolean> {
  const [row] = await tx<[{ found: boolean }]>`
    select exists (select 1 from incidents where account_id = ${accountId} and cluster_id is null) as found`;
  return row.found;
}

export async function countIncidents(tx: TransactionSql, accountId: string, integrationId?: string): Promise<number> {
  const [row] = await tx<[{ n: number }]>`
    select count(*)::int as n from incidents where account_id = ${accountId} ${integrationId ? tx`and integration_id = ${integrationId}` : tx``}`;
  return row.n;
}
