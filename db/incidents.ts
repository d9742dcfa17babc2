// Unified incidents: read and locked by their natural key for merging, upserted in sets, and listed for the API.
import type { TransactionSql } from './sql.ts';

/** An incident's natural key: the integration (null once deleted with its data kept), the tool and its id. */
export interface IncidentKey {
  integrationId: string | null;
  source: string;
  externalId: string;
}

/** The unified incident as stored (ISO strings, like connectors' UnifiedIncident, plus where it came from). */
export interface StoredIncident extends IncidentKey {
  kind: 'incident';
  title: string;
  description?: string;
  service?: string;
  serviceId?: string;
  team?: string;
  teamId?: string;
  severity: 'P1' | 'P2' | 'P3' | 'P4' | 'P5';
  severityOriginal?: string;
  status: 'triggered' | 'acknowledged' | 'resolved';
  createdAt: string;
  acknowledgedAt?: string;
  resolvedAt?: string;
  observedAt: string;
  assignees: string[];
  tags: string[];
  url?: string;
  dedupKey?: string;
  labels: Record<string, string>;
  timeline: { type: string; at: string; actor?: string; message?: string; id?: string }[];
}

export const incidentKeyString = (key: IncidentKey) => `${key.integrationId ?? ''}\u001f${key.source}\u001f${key.externalId}`;

/**
 * The stored incidents for these keys, locked for the transaction, so the merge that follows cannot lose a
 * concurrent writer's version.
 */
export async function lockIncidents(tx: TransactionSql, accountId: string, keys: readonly IncidentKey[]): Promise<Map<string, StoredIncident>> {
  if (keys.length === 0) return new Map();
  const wanted = keys.map((k) => ({ integration_id: k.integrationId, source: k.source, external_id: k.externalId }));
  const rows = await tx<StoredIncident[]>`
    select 'incident' as kind, i.integration_id as "integrationId", i.source, i.external_id as "externalId", i.title,
           i.description, i.service, i.service_id as "serviceId", i.team, i.team_id as "teamId", i.severity,
           i.severity_original as "severityOriginal", i.status, ${isoColumns(tx)}, i.assignees, i.tags, i.url,
           i.dedup_key as "dedupKey", i.labels, i.timeline
    from jsonb_to_recordset(${tx.json(wanted as never)}) as k(integration_id uuid, source text, external_id text)
    -- One natural-key lookup per key, whatever the statistics say: as a plain join, the planner (guessing 100 keys
    -- and, during a first import, few incidents for the account) hashes them against a scan of all the account's
    -- incidents, on every batch. A subquery with FOR UPDATE is never merged into the join, so the lookups stay.
    -- Equality (not "is not distinct from") so the natural key's index serves it: a key with a null integration
    -- (deleted, data kept) matches no stored row here, and its upsert meets the key instead.
    cross join lateral (
      select * from incidents
      where account_id = ${accountId} and integration_id = k.integration_id and source = k.source and external_id = k.external_id
      for update
    ) as i`;
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

/** Writes merged incidents in one statement: new keys are inserted, known ones take the merged values. */
export async function upsertIncidents(tx: TransactionSql, accountId: string, incidents: readonly StoredIncident[]): Promise<number> {
  if (incidents.length === 0) return 0;
  const rows = incidents.map((i) => ({
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
  }));
  const written = await tx`
    insert into incidents (account_id, integration_id, source, external_id, title, description, service, service_id, team, team_id,
                           severity, severity_original, status, created_at, acknowledged_at, resolved_at, observed_at,
                           assignees, tags, url, dedup_key, labels, timeline)
    select ${accountId}, r.integration_id, r.source, r.external_id, r.title, r.description, r.service, r.service_id, r.team, r.team_id,
           r.severity, r.severity_original, r.status, r.created_at, r.acknowledged_at, r.resolved_at, r.observed_at,
           coalesce(r.assignees, '{}'), coalesce(r.tags, '{}'), r.url, r.dedup_key, coalesce(r.labels, '{}'), coalesce(r.timeline, '[]')
    from jsonb_to_recordset(${tx.json(rows as never)}) as r(
      integration_id uuid, source text, external_id text, title text, description text, service text, service_id text, team text,
      team_id text, severity text, severity_original text, status text, created_at timestamptz, acknowledged_at timestamptz,
      resolved_at timestamptz, observed_at timestamptz, assignees text[], tags text[], url text, dedup_key text, labels jsonb,
      timeline jsonb)
    on conflict on constraint incidents_natural_key do update set
      title = excluded.title, description = excluded.description, service = excluded.service, service_id = excluded.service_id,
      team = excluded.team, team_id = excluded.team_id, severity = excluded.severity, severity_original = excluded.severity_original,
      status = excluded.status, created_at = excluded.created_at, acknowledged_at = excluded.acknowledged_at,
      resolved_at = excluded.resolved_at, observed_at = excluded.observed_at, assignees = excluded.assignees, tags = excluded.tags,
      url = excluded.url, dedup_key = excluded.dedup_key, labels = excluded.labels, timeline = excluded.timeline, updated_at = now()
    returning 1`;
  return written.length;
}

export interface IncidentListRow {
  id: string;
  integrationId: string | null;
  source: string;
  externalId: string;
  title: string;
  service: string | null;
  team: string | null;
  severity: string;
  status: string;
  createdAt: Date;
  acknowledgedAt: Date | null;
  resolvedAt: Date | null;
  mttaSeconds: number | null;
  mttrSeconds: number | null;
  url: string | null;
}

export interface IncidentListFilter {
  limit: number;
  /** Keyset: incidents created before this one (newest first). */
  after?: { createdAt: Date; id: string };
  integrationId?: string;
  clusterId?: string;
  source?: string;
  status?: string;
  search?: string;
}

export async function listIncidents(tx: TransactionSql, accountId: string, filter: IncidentListFilter): Promise<IncidentListRow[]> {
  return tx<IncidentListRow[]>`
    select id, integration_id as "integrationId", source, external_id as "externalId", title, service, team, severity, status,
           created_at as "createdAt", acknowledged_at as "acknowledgedAt", resolved_at as "resolvedAt",
           mtta_seconds as "mttaSeconds", mttr_seconds as "mttrSeconds", url
    from incidents
    where account_id = ${accountId}
      ${filter.after ? tx`and (created_at, id) < (${filter.after.createdAt}, ${filter.after.id})` : tx``}
      ${filter.integrationId ? tx`and integration_id = ${filter.integrationId}` : tx``}
      ${filter.clusterId ? tx`and cluster_id = ${filter.clusterId}` : tx``}
      ${filter.source ? tx`and source = ${filter.source}` : tx``}
      ${filter.status ? tx`and status = ${filter.status}` : tx``}
      ${filter.search ? tx`and title ilike ${'%' + filter.search.replace(/[\\%_]/g, '\\$&') + '%'}` : tx``}
    order by created_at desc, id desc
    limit ${filter.limit}`;
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
