// The runbook library's shared pieces: a runbook as stored (trimmed, risks settled, rendered), as shown (summary and
// full, at its current version), and the list's cursor.
import type { Static } from 'typebox';
import { settleRisks } from '../analysis/runbooks/runbook-diff.ts';
import { renderRunbookMarkdown } from '../analysis/runbooks/runbook-markdown.ts';
import type { RunbookStep } from '../analysis/runbooks/runbook-types.ts';
import { clusterNames, patternRefs } from '../db/cluster-names.ts';
import { getRunbook, getRunbookVersion, listRunbookVersions, type RunbookRow, type RunbookVersionRow } from '../db/runbooks.ts';
import type { TransactionSql } from '../db/sql.ts';
import { AppError, notFound } from './errors.ts';
import type { Runbook } from './schemas/runbooks.ts';

// A cursor is the last row's key; opaque to clients, checked here since it ends up in SQL parameters.
const EXACT_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
export const encodeCursor = (p: { updatedAt: string; id: string }) => Buffer.from(JSON.stringify([p.updatedAt, p.id])).toString('base64url');

export function decodeCursor(cursor: string): { updatedAt: string; id: string } {
  const refuse = (): never => {
    throw new AppError(400, 'invalid_query', 'query.cursor is not one this API gave out', [{ field: 'cursor', in: 'query', message: 'query.cursor is not one this API gave out' }]);
  };
  let parts: unknown;
  try {
    parts = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    return refuse();
  }
  if (!Array.isArray(parts) || parts.length !== 2) return refuse();
  const [updatedAt, id] = parts as unknown[];
  if (typeof updatedAt !== 'string' || !EXACT_TIME.test(updatedAt) || Number.isNaN(Date.parse(updatedAt))) return refuse();
  if (typeof id !== 'string' || !UUID.test(id)) return refuse();
  return { updatedAt, id };
}

/** Words of `q`, at most 10 (a search box, not a document). */
export const wordsOf = (q: string | undefined) => (q ?? '').split(/\s+/).filter(Boolean).slice(0, 10);

export const runbookSummaryOf = (patterns: ReadonlyMap<string, string>) => (row: RunbookRow) => ({
  id: row.id,
  title: row.title,
  description: row.description,
  tags: row.tags,
  services: row.services,
  clusterIds: row.clusterIds,
  clusters: patternRefs(patterns, row.clusterIds),
  source: row.source,
  version: row.currentVersion,
  stepCount: row.stepCount,
  createdBy: row.createdBy,
  updatedBy: row.updatedBy,
  createdAt: row.createdAt,
  updatedAt: row.updatedAt,
});

/** Stored steps were checked against the vocabulary when saved. */
export const stepsOf = (version: RunbookVersionRow) => version.steps as RunbookStep[];

/** The runbook at its current version, with the list of its versions. */
export async function fullRunbook(tx: TransactionSql, accountId: string, id: string): Promise<Static<typeof Runbook>> {
  const row = await getRunbook(tx, accountId, id);
  if (!row) throw notFound('runbook', id);
  const current = (await getRunbookVersion(tx, accountId, id, row.currentVersion))!;
  return { ...runbookSummaryOf(await clusterNames(tx, accountId, row.clusterIds))(row), steps: stepsOf(current), markdown: current.markdown, versions: await listRunbookVersions(tx, accountId, id) };
}

/** A runbook as a user writes it (typed in, imported, edited), before it is stored. */
export interface RunbookInput {
  title: string;
  description?: string | undefined;
  tags?: string[] | undefined;
  services?: string[] | undefined;
  clusterIds?: string[] | undefined;
  steps: RunbookStep[];
  note?: string | undefined;
}

/** A draft as stored: trimmed as the markdown renders it (so a stored step and its rendering agree), risks settled. */
export function contentOf(draft: RunbookInput) {
  const { steps, raised } = settleRisks(draft.steps.map((s) => ({ ...s, title: s.title.trim(), command: s.command.trim(), explanation: s.explanation.trim() })));
  const title = draft.title.trim();
  const description = (draft.description ?? '').trim();
  const tags = draft.tags ?? [];
  const markdown = renderRunbookMarkdown({ title, description, tags, steps });
  return {
    content: { title, description, tags, services: draft.services ?? [], clusterIds: draft.clusterIds ?? [], steps, markdown, note: draft.note?.trim() || null },
    raised,
  };
}
