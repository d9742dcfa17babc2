// The runbook library (migration 0015): runbooks, their versions (each save is one), the list with its filters and
// keyset pages. Tenant rows: every function takes a tenant transaction.
import type { TransactionSql } from './sql.ts';

export type RunbookSource = 'manual' | 'import' | 'generated';

/**
 * A step as stored: analysis/runbooks/runbook-types.ts's RunbookStep, which db/ may not import. The API validates steps against
 * that vocabulary before they get here, and reads them back as RunbookStep.
 */
export interface StoredStep {
  title: string;
  command: string;
  targetType: string;
  explanation: string;
  risk: string;
}

export interface Person {
  id: string | null;
  /** Null once they left the account, or when the user is gone. */
  email: string | null;
}

export interface RunbookRow {
  id: string;
  title: string;
  description: string;
  tags: string[];
  services: string[];
  clusterIds: string[];
  source: RunbookSource;
  currentVersion: number;
  indexedVersion: number | null;
  stepCount: number;
  createdBy: Person;
  updatedBy: Person;
  createdAt: string;
  updatedAt: string;
}

export interface RunbookVersionRow {
  runbookId: string;
  version: number;
  title: string;
  description: string;
  tags: string[];
  steps: StoredStep[];
  markdown: string;
  note: string | null;
  createdBy: Person;
  createdAt: string;
}

export type RunbookVersionSummary = Pick<RunbookVersionRow, 'version' | 'title' | 'note' | 'createdBy' | 'createdAt'>;

/** Exact to the microsecond: list cursors compare against it, and a millisecond copy would skip or repeat rows. */
const exact = (tx: TransactionSql, column: string) => tx`to_char(${tx(column)} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`;
const iso = (tx: TransactionSql, column: string) => tx`to_char(${tx(column)} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;

const runbookColumns = (tx: TransactionSql) => tx`
  r.id, r.title, r.description, r.tags, r.services, r.cluster_ids as "clusterIds", r.source,
  r.current_version as "currentVersion", r.indexed_version as "indexedVersion",
  (select jsonb_array_length(v.steps) from runbook_versions v where v.runbook_id = r.id and v.version = r.current_version)::int as "stepCount",
  jsonb_build_object('id', r.created_by, 'email', cu.email) as "createdBy",
  jsonb_build_object('id', r.updated_by, 'email', uu.email) as "updatedBy",
  ${iso(tx, 'r.created_at')} as "createdAt", ${iso(tx, 'r.updated_at')} as "updatedAt"`;

const runbookFrom = (tx: TransactionSql) => tx`
  runbooks r left join users cu on cu.id = r.created_by left join users uu on uu.id = r.updated_by`;

export interface RunbookFilter {
  /** Every word must appear in the title or the description, whatever its case. */
  words?: string[];
  tag?: string;
  service?: string;
  clusterId?: string;
  limit: number;
  /** The last row of the previous page (keyset: updated_at desc, id desc). */
  after?: { updatedAt: string; id: string };
}

const likePattern = (word: string) => `%${word.replace(/[\\%_]/g, '\\$&')}%`;

/** A page of the account's runbooks, most recently changed first; `cursor` is the last row's key, for the next page. */
export async function listRunbooks(tx: TransactionSql, accountId: string, f: RunbookFilter): Promise<{ rows: RunbookRow[]; last?: { updatedAt: string; id: string } }> {
  const words = f.words ?? [];
  const rows = await tx<(RunbookRow & { exactUpdatedAt: string })[]>`
    select ${runbookColumns(tx)}, ${exact(tx, 'r.updated_at')} as "exactUpdatedAt"
    from ${runbookFrom(tx)}
    where r.account_id = ${accountId}
      ${words.length ? words.map((w) => tx`and (r.title ilike ${likePattern(w)} or r.description ilike ${likePattern(w)})`) : tx``}
      ${f.tag !== undefined ? tx`and r.tags @> array[${f.tag}]::text[]` : tx``}
      ${f.service !== undefined ? tx`and r.services @> array[${f.service}]::text[]` : tx``}
      ${f.clusterId !== undefined ? tx`and r.cluster_ids @> array[${f.clusterId}]::text[]` : tx``}
      ${f.after ? tx`and (r.updated_at, r.id) < (${f.after.updatedAt}::timestamptz, ${f.after.id}::uuid)` : tx``}
    order by r.updated_at desc, r.id desc
    limit ${f.limit + 1}`;
  const page = rows.slice(0, f.limit);
  const last = rows.length > f.limit ? page[page.length - 1] : undefined;
  return { rows: page.map(({ exactUpdatedAt: _, ...row }) => row), ...(last ? { last: { updatedAt: last.exactUpdatedAt, id: last.id } } : {}) };
}

export async function getRunbook(tx: TransactionSql, accountId: string, id: string, options: { lock?: boolean } = {}): Promise<RunbookRow | undefined> {
  const [row] = await tx<[RunbookRow?]>`
    select ${runbookColumns(tx)} from ${runbookFrom(tx)}
    where r.account_id = ${accountId} and r.id = ${id}
    ${options.lock ? tx`for update of r` : tx``}`;
  return row;
}

export async function getRunbookVersion(tx: TransactionSql, accountId: string, runbookId: string, version: number): Promise<RunbookVersionRow | undefined> {
  const [row] = await tx<[RunbookVersionRow?]>`
    select v.runbook_id as "runbookId", v.version, v.title, v.description, v.tags, v.steps, v.markdown, v.note,
           jsonb_build_object('id', v.created_by, 'email', u.email) as "createdBy", ${iso(tx, 'v.created_at')} as "createdAt"
    from runbook_versions v left join users u on u.id = v.created_by
    where v.account_id = ${accountId} and v.runbook_id = ${runbookId} and v.version = ${version}`;
  return row;
}

/** Every version of a runbook, newest first, without content. */
export async function listRunbookVersions(tx: TransactionSql, accountId: string, runbookId: string): Promise<RunbookVersionSummary[]> {
  return tx<RunbookVersionSummary[]>`
    select v.version, v.title, v.note, jsonb_build_object('id', v.created_by, 'email', u.email) as "createdBy", ${iso(tx, 'v.created_at')} as "createdAt"
    from runbook_versions v left join users u on u.id = v.created_by
    where v.account_id = ${accountId} and v.runbook_id = ${runbookId}
    order by v.version desc`;
}

export interface RunbookContent {
  title: string;
  description: string;
  tags: string[];
  services: string[];
  clusterIds: string[];
  steps: StoredStep[];
  markdown: string;
  note: string | null;
}

export interface NewRunbook extends RunbookContent {
  id: string;
  accountId: string;
  source: RunbookSource;
  userId: string;
}

/** The runbook and its version 1. */
export async function insertRunbook(tx: TransactionSql, r: NewRunbook): Promise<void> {
  await tx`
    insert into runbooks (id, account_id, title, description, tags, services, cluster_ids, source, current_version, created_by, updated_by)
    values (${r.id}, ${r.accountId}, ${r.title}, ${r.description}, ${r.tags}::text[], ${r.services}::text[], ${r.clusterIds}::text[], ${r.source}, 1, ${r.userId}, ${r.userId})`;
  await insertVersion(tx, r.accountId, r.id, 1, r, r.userId);
}

async function insertVersion(tx: TransactionSql, accountId: string, runbookId: string, version: number, c: RunbookContent, userId: string) {
  await tx`
    insert into runbook_versions (account_id, runbook_id, version, title, description, tags, steps, markdown, note, created_by)
    values (${accountId}, ${runbookId}, ${version}, ${c.title}, ${c.description}, ${c.tags}::text[], ${tx.json(c.steps as never)}, ${c.markdown}, ${c.note}, ${userId})`;
}

/**
 * Saves `content` as the version after `baseVersion`. The caller locked the runbook row and checked that
 * `baseVersion` is still its current version, so two saves from the same base cannot both succeed.
 */
export async function insertRunbookVersion(tx: TransactionSql, accountId: string, runbookId: string, baseVersion: number, content: RunbookContent, userId: string): Promise<number> {
  const version = baseVersion + 1;
  await insertVersion(tx, accountId, runbookId, version, content, userId);
  await tx`
    update runbooks set title = ${content.title}, description = ${content.description}, tags = ${content.tags}::text[],
      services = ${content.services}::text[], cluster_ids = ${content.clusterIds}::text[], current_version = ${version},
      updated_by = ${userId}, updated_at = now()
    where account_id = ${accountId} and id = ${runbookId}`;
  return version;
}

/** Deletes the runbook; its versions go with it (foreign key cascade). */
export async function deleteRunbook(tx: TransactionSql, accountId: string, id: string): Promise<boolean> {
  const rows = await tx`delete from runbooks where account_id = ${accountId} and id = ${id}`;
  return rows.count === 1;
}
