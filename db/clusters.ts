// Clusters of an account: the engine's model, each incident's cluster, the clusters with their labels, and the
// feedback users gave (their analytics are counted from `incidents` when asked: db/cluster-analytics.ts). Tenant rows:
// every function takes a tenant transaction.
import { noveltyOf } from './incident-novelty.ts';
import type { TransactionSql } from './sql.ts';

export interface ClusterInputRow {
  id: string;
  title: string;
  description: string | null;
  service: string | null;
  source: string;
  createdAt: string;
  acknowledgedAt: string | null;
  resolvedAt: string | null;
  clusterId: string | null;
}

const iso = (tx: TransactionSql, column: string) =>
  tx`to_char(${tx(column)} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;

/** Every incident of the account as the engine reads it, oldest first, with the cluster it has now. */
export async function incidentsForClustering(tx: TransactionSql, accountId: string): Promise<ClusterInputRow[]> {
  return tx<ClusterInputRow[]>`
    select id::text, title, description, service, source, ${iso(tx, 'created_at')} as "createdAt",
           ${iso(tx, 'acknowledged_at')} as "acknowledgedAt", ${iso(tx, 'resolved_at')} as "resolvedAt", cluster_id as "clusterId"
    from incidents where account_id = ${accountId}
    order by created_at, id`;
}

/** Incidents the online assignment has not placed yet (new since the last batch). */
export async function unclusteredIncidents(tx: TransactionSql, accountId: string, limit: number): Promise<ClusterInputRow[]> {
  return tx<ClusterInputRow[]>`
    select id::text, title, description, service, source, ${iso(tx, 'created_at')} as "createdAt",
           ${iso(tx, 'acknowledged_at')} as "acknowledgedAt", ${iso(tx, 'resolved_at')} as "resolvedAt", cluster_id as "clusterId"
    from incidents where account_id = ${accountId} and cluster_id is null
    order by created_at, id limit ${limit}`;
}

export async function getClusterModel(tx: TransactionSql, accountId: string): Promise<{ state: unknown; incidents: number; unmatchedSince: number } | undefined> {
  const [row] = await tx<[{ state: unknown; incidents: number; unmatchedSince: number }?]>`
    select state, incidents, unmatched_since as "unmatchedSince" from cluster_models where account_id = ${accountId}`;
  return row;
}

export async function saveClusterModel(tx: TransactionSql, accountId: string, state: unknown, incidents: number): Promise<void> {
  await tx`
    insert into cluster_models (account_id, state, incidents, unmatched_since, reclustered_at)
    values (${accountId}, ${tx.json(state as never)}, ${incidents}, 0, now())
    on conflict (account_id) do update set state = excluded.state, incidents = excluded.incidents, unmatched_since = 0, reclustered_at = now()`;
}

/** Online assignments since the last recluster that went to clusters it did not know: the drift measure. */
export async function addUnmatched(tx: TransactionSql, accountId: string, count: number): Promise<void> {
  if (count > 0) await tx`update cluster_models set unmatched_since = unmatched_since + ${count} where account_id = ${accountId}`;
}

export interface Assignment {
  incidentId: string;
  clusterId: string;
  template: string;
}

/** Writes many incidents' clusters in one statement. */
export async function assignIncidents(tx: TransactionSql, accountId: string, assignments: readonly Assignment[]): Promise<void> {
  if (assignments.length === 0) return;
  const rows = assignments.map((a) => ({ id: a.incidentId, cluster_id: a.clusterId, template: a.template }));
  await tx`
    update incidents i set cluster_id = a.cluster_id, template = a.template
    from jsonb_to_recordset(${tx.json(rows as never)}) as a(id uuid, cluster_id text, template text)
    where i.account_id = ${accountId} and i.id = a.id and (i.cluster_id is distinct from a.cluster_id or i.template is distinct from a.template)`;
}

/**
 * A recluster's assignment of every incident, written in one statement together with the new-pattern labels it
 * implies (the definition over the account's incidents in their new clusters: noveltyOf in db/incident-novelty.ts).
 * Each incident is written once, and only when its cluster, template or label changes: a cluster only renamed keeps
 * its labels under its new id, merged or split ones get theirs, and none is left due for labelIncidentNovelty
 * (whose separate pass would write every moved incident a second time). Incidents not in `assignments` keep their
 * cluster and count as they are. Returns how many incidents were written.
 */
export async function reassignIncidents(tx: TransactionSql, accountId: string, assignments: readonly Assignment[]): Promise<number> {
  if (assignments.length === 0) return 0;
  const rows = assignments.map((a) => ({ id: a.incidentId, cluster_id: a.clusterId, template: a.template }));
  const result = await tx`
    with a as materialized (
      select * from jsonb_to_recordset(${tx.json(rows as never)}) as a(id uuid, cluster_id text, template text)
    )
    update incidents i
    set cluster_id = d.cluster_id, template = case when d.assigned then d.template else i.template end,
        novelty = d.novelty, novelty_previous_at = d.novelty_previous_at, novelty_cluster_id = d.cluster_id
    from (${noveltyOf(
      tx,
      tx`(select i.id, case when a.id is null then i.cluster_id else a.cluster_id end as cluster_id, i.created_at,
                 a.id is not null as assigned, a.template
          from incidents i left join a on a.id = i.id where i.account_id = ${accountId}) g`,
    )}) d
    where i.account_id = ${accountId} and i.id = d.id
      and (i.cluster_id is distinct from d.cluster_id or (d.assigned and i.template is distinct from d.template)
           or i.novelty is distinct from d.novelty or i.novelty_previous_at is distinct from d.novelty_previous_at
           or i.novelty_cluster_id is distinct from d.cluster_id)`;
  return result.count;
}

/**
 * Online assignments counted into the clusters at once (size, first and last seen); a cluster the last recluster did
 * not know (a new template) appears with its template's readable name as its label (`label`, given by the caller).
 * The next recluster recomputes everything.
 */
export async function countIntoClusters(tx: TransactionSql, accountId: string, assignments: readonly (Assignment & { label: string })[]): Promise<void> {
  if (assignments.length === 0) return;
  const rows = assignments.map((a) => ({ id: a.incidentId, cluster_id: a.clusterId, template: a.template, label: a.label }));
  await tx`
    insert into clusters (account_id, id, label, template, templates, size, first_seen, last_seen)
    select ${accountId}, a.cluster_id, min(a.label), min(a.template), array[min(a.template)], count(*), min(i.created_at), max(i.created_at)
    from jsonb_to_recordset(${tx.json(rows as never)}) as a(id uuid, cluster_id text, template text, label text)
    join incidents i on i.account_id = ${accountId} and i.id = a.id
    group by a.cluster_id
    on conflict (account_id, id) do update set
      size = clusters.size + excluded.size,
      first_seen = least(clusters.first_seen, excluded.first_seen),
      last_seen = greatest(clusters.last_seen, excluded.last_seen),
      updated_at = now()`;
}

/** One slot of a pattern's name: its word, its commonest values, how many different ones (analysis' LabelSlot). */
export interface ClusterLabelSlot {
  name: string;
  values: Array<{ value: string; count: number }>;
  distinct: number;
}

export interface ClusterRow {
  id: string;
  name: string | null;
  label: string;
  labelSlots: ClusterLabelSlot[];
  template: string;
  templates: string[];
  size: number;
  firstSeen: string | null;
  lastSeen: string | null;
}

/** The clusters as a recluster found them: all replaced at once (the recluster's transaction). */
export async function replaceClusters(tx: TransactionSql, accountId: string, clusters: readonly ClusterRow[]): Promise<void> {
  await tx`delete from clusters where account_id = ${accountId}`;
  if (clusters.length === 0) return;
  const rows = clusters.map((c) => ({
    id: c.id,
    name: c.name,
    label: c.label,
    label_slots: c.labelSlots,
    template: c.template,
    templates: c.templates,
    size: c.size,
    first_seen: c.firstSeen,
    last_seen: c.lastSeen,
  }));
  await tx`
    insert into clusters (account_id, id, name, label, label_slots, template, templates, size, first_seen, last_seen)
    select ${accountId}, r.id, r.name, r.label, r.label_slots, r.template, r.templates, r.size, r.first_seen, r.last_seen
    from jsonb_to_recordset(${tx.json(rows as never)}) as r(id text, name text, label text, label_slots jsonb, template text, templates text[], size integer,
      first_seen timestamptz, last_seen timestamptz)`;
}

const clusterColumns = (tx: TransactionSql) => tx`
  id, name, label, label_slots as "labelSlots", template, templates, size, ${iso(tx, 'first_seen')} as "firstSeen", ${iso(tx, 'last_seen')} as "lastSeen"`;

export async function listClusters(tx: TransactionSql, accountId: string, limit: number): Promise<ClusterRow[]> {
  return tx<ClusterRow[]>`select ${clusterColumns(tx)} from clusters where account_id = ${accountId} order by size desc, id limit ${limit}`;
}

export async function getCluster(tx: TransactionSql, accountId: string, id: string): Promise<ClusterRow | undefined> {
  const [row] = await tx<[ClusterRow?]>`select ${clusterColumns(tx)} from clusters where account_id = ${accountId} and id = ${id}`;
  return row;
}

/** The ids of a cluster's newest incidents, newest first (a runbook draft's representatives of the pattern). */
export async function newestIncidentIdsOfCluster(tx: TransactionSql, accountId: string, clusterId: string, limit: number): Promise<string[]> {
  const rows = await tx<{ id: string }[]>`
    select id from incidents where account_id = ${accountId} and cluster_id = ${clusterId}
    order by created_at desc, id limit ${limit}`;
  return rows.map((r) => r.id);
}

export async function addClusterFeedback(tx: TransactionSql, accountId: string, feedback: object, userId: string): Promise<void> {
  await tx`insert into cluster_feedback (account_id, feedback, created_by) values (${accountId}, ${tx.json(feedback as never)}, ${userId})`;
}

export async function listClusterFeedback(tx: TransactionSql, accountId: string): Promise<unknown[]> {
  const rows = await tx<{ feedback: unknown }[]>`select feedback from cluster_feedback where account_id = ${accountId} order by id`;
  return rows.map((r) => r.feedback);
}
