// The runbook index's rows in PostgreSQL (migration 0016) and the keyword side of search: chunk writes and nearest-chunk
// queries (pgvector `<=>` or an exact scan), runbooks' indexed version, keyword matches over runbooks and incidents.
// Tenant rows: every function takes a tenant transaction.
import type { TransactionSql } from './sql.ts';

export interface ChunkRow {
  id: string;
  runbookId: string;
  version: number;
  text: string;
  vector: number[];
}

export interface ChunkHit {
  id: string;
  runbookId: string;
  version: number;
  text: string;
  score: number;
}

/** pgvector's text form; sent as a parameter and cast, never spliced into the query. */
const vectorLiteral = (v: readonly number[]) => `[${v.join(',')}]`;

/** Whether migration 0016 found pgvector and added the vector column. */
export async function hasVectorColumn(tx: TransactionSql): Promise<boolean> {
  const [row] = await tx<[{ present: boolean }]>`
    select exists (
      select 1 from information_schema.columns
      where table_schema = current_schema() and table_name = 'runbook_chunks' and column_name = 'embedding_vec'
    ) as present`;
  return row.present;
}

/** Replaces every chunk of the runbook with these (set-based: one delete, one insert). */
export async function replaceRunbookChunks(tx: TransactionSql, accountId: string, runbookId: string, model: string, chunks: readonly ChunkRow[], withVector: boolean): Promise<void> {
  await tx`delete from runbook_chunks where account_id = ${accountId} and runbook_id = ${runbookId}`;
  if (chunks.length === 0) return;
  const ids = chunks.map((c) => c.id);
  const versions = chunks.map((c) => c.version);
  const texts = chunks.map((c) => c.text);
  // One jsonb array of arrays: postgres.js has no parameter type for a list of real[]; jsonb carries it as it is.
  const vectors = tx.json(chunks.map((c) => c.vector));
  await tx`
    insert into runbook_chunks (account_id, runbook_id, chunk_id, version, model, text, embedding ${withVector ? tx`, embedding_vec` : tx``})
    select ${accountId}, ${runbookId}, c.id, c.version, ${model}, c.text,
           array(select x::real from jsonb_array_elements_text(v.json) with ordinality as e(x, k) order by k)
           ${withVector ? tx`, v.json::text::vector` : tx``}
    from unnest(${ids}::text[], ${versions}::int[], ${texts}::text[]) with ordinality as c(id, version, text, n)
    cross join lateral (select (${vectors}::jsonb) -> (c.n::int - 1) as json) v`;
}

export async function deleteRunbookChunks(tx: TransactionSql, accountId: string, runbookId: string): Promise<void> {
  await tx`delete from runbook_chunks where account_id = ${accountId} and runbook_id = ${runbookId}`;
}

export async function clearAccountChunks(tx: TransactionSql, accountId: string): Promise<void> {
  await tx`delete from runbook_chunks where account_id = ${accountId}`;
}

/** Vectors are L2-normalised when stored, so the dot product is the cosine. */
export async function nearestChunksExact(tx: TransactionSql, accountId: string, model: string, vector: readonly number[], topK: number): Promise<ChunkHit[]> {
  const rows = await tx<ChunkHit[]>`
    select c.chunk_id as id, c.runbook_id as "runbookId", c.version, c.text,
           (select sum(a * b) from unnest(c.embedding, ${vector as number[]}::real[]) as t(a, b))::float8 as score
    from runbook_chunks c
    where c.account_id = ${accountId} and c.model = ${model} and cardinality(c.embedding) = ${vector.length}
    order by score desc nulls last, c.chunk_id
    limit ${topK}`;
  return rows;
}

export async function nearestChunksVector(tx: TransactionSql, accountId: string, model: string, vector: readonly number[], topK: number): Promise<ChunkHit[]> {
  return tx<ChunkHit[]>`
    select c.chunk_id as id, c.runbook_id as "runbookId", c.version, c.text,
           (1 - (c.embedding_vec <=> ${vectorLiteral(vector)}::vector))::float8 as score
    from runbook_chunks c
    where c.account_id = ${accountId} and c.model = ${model} and cardinality(c.embedding) = ${vector.length}
    order by c.embedding_vec <=> ${vectorLiteral(vector)}::vector, c.chunk_id
    limit ${topK}`;
}

/** Records which version the index holds; never moves it backwards past a newer indexing that finished first. */
export async function setIndexedVersion(tx: TransactionSql, accountId: string, runbookId: string, version: number): Promise<void> {
  await tx`
    update runbooks set indexed_version = ${version}
    where account_id = ${accountId} and id = ${runbookId} and (indexed_version is null or indexed_version <= ${version})`;
}

/** Forgets what the index held for every runbook of the account (the index was cleared). */
export async function resetIndexedVersions(tx: TransactionSql, accountId: string): Promise<void> {
  await tx`update runbooks set indexed_version = null where account_id = ${accountId}`;
}

/** A page of the account's runbook ids in id order, after `afterId` (keyset). */
export async function runbookIdsPage(tx: TransactionSql, accountId: string, afterId: string | null, limit: number): Promise<string[]> {
  const rows = await tx<{ id: string }[]>`
    select id from runbooks
    where account_id = ${accountId} ${afterId ? tx`and id > ${afterId}::uuid` : tx``}
    order by id limit ${limit}`;
  return rows.map((r) => r.id);
}

export async function countRunbooks(tx: TransactionSql, accountId: string): Promise<{ total: number; behind: number }> {
  const [row] = await tx<[{ total: number; behind: number }]>`
    select count(*)::int as total, count(*) filter (where indexed_version is distinct from current_version)::int as behind
    from runbooks where account_id = ${accountId}`;
  return row;
}

export interface RunbookTitleRow {
  id: string;
  title: string;
  currentVersion: number;
}

/** The account's runbooks among `ids` (an id of another account, or of a deleted runbook, is simply absent). */
export async function runbookTitles(tx: TransactionSql, accountId: string, ids: readonly string[]): Promise<RunbookTitleRow[]> {
  if (ids.length === 0) return [];
  return tx<RunbookTitleRow[]>`
    select id, title, current_version as "currentVersion" from runbooks
    where account_id = ${accountId} and id = any(${ids as string[]}::uuid[])`;
}

const likePattern = (word: string) => `%${word.replace(/[\\%_]/g, '\\$&')}%`;

export interface KeywordRunbookRow extends RunbookTitleRow {
  /** How many of the words appear in the title or a tag, and in the description. */
  titleWords: number;
  descriptionWords: number;
}

/** Runbooks where any of `words` appears in the title, a tag or the description. */
export async function keywordRunbooks(tx: TransactionSql, accountId: string, words: readonly string[], limit: number): Promise<KeywordRunbookRow[]> {
  if (words.length === 0) return [];
  const inTitle = (w: string) => tx`(r.title ilike ${likePattern(w)} or exists (select 1 from unnest(r.tags) t where t ilike ${likePattern(w)}))`;
  const inDescription = (w: string) => tx`r.description ilike ${likePattern(w)}`;
  const sum = (part: (w: string) => ReturnType<typeof inTitle>) => words.map((w, i) => tx`${i ? tx`+` : tx``} (${part(w)})::int`);
  return tx<KeywordRunbookRow[]>`
    select * from (
      select r.id, r.title, r.current_version as "currentVersion", (${sum(inTitle)})::int as "titleWords", (${sum(inDescription)})::int as "descriptionWords"
      from runbooks r where r.account_id = ${accountId}
    ) m
    where m."titleWords" + m."descriptionWords" > 0
    order by m."titleWords" desc, m."descriptionWords" desc, m.id
    limit ${limit}`;
}

export interface IncidentCandidateRow {
  id: string;
  title: string;
  service: string | null;
  severity: string;
  status: string;
  createdAt: string;
  resolvedAt: string | null;
  clusterId: string | null;
  titleWords: number;
}

const incidentColumns = (tx: TransactionSql) => tx`
  i.id, i.title, i.service, i.severity, i.status,
  to_char(i.created_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') as "createdAt",
  to_char(i.resolved_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') as "resolvedAt",
  i.cluster_id as "clusterId"`;

/** Incidents whose title or service holds any of `words`, newest first, with how many words each holds. */
export async function keywordIncidents(tx: TransactionSql, accountId: string, words: readonly string[], limit: number): Promise<IncidentCandidateRow[]> {
  if (words.length === 0) return [];
  const hits = words.map((w, i) => tx`${i ? tx`+` : tx``} (i.title ilike ${likePattern(w)} or coalesce(i.service, '') ilike ${likePattern(w)})::int`);
  return tx<IncidentCandidateRow[]>`
    select * from (select ${incidentColumns(tx)}, (${hits})::int as "titleWords", i.created_at from incidents i where i.account_id = ${accountId}) m
    where m."titleWords" > 0
    order by m."titleWords" desc, m.created_at desc
    limit ${limit}`.then((rows) => rows.map(({ created_at: _, ...r }: IncidentCandidateRow & { created_at?: unknown }) => r));
}

/** The account's newest incidents: the pool the similarity side of incident search compares against. */
export async function recentIncidents(tx: TransactionSql, accountId: string, limit: number): Promise<IncidentCandidateRow[]> {
  return tx<IncidentCandidateRow[]>`
    select ${incidentColumns(tx)}, 0 as "titleWords" from incidents i
    where i.account_id = ${accountId}
    order by i.created_at desc, i.id limit ${limit}`;
}
