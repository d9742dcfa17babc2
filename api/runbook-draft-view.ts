// A runbook draft as the API shows it: what it is for (by name), its status, steps and sources, ratings, conversation.
import type { RunbookStep } from '../analysis/runbooks/runbook-types.ts';
import { clusterNames } from '../db/cluster-names.ts';
import { getIncident } from '../db/incidents.ts';
import { getDraft, listConversation, ratingSummary, type DraftRow, type DraftSubjectKind } from '../db/runbook-drafts.ts';
import type { TransactionSql } from '../db/sql.ts';
import { notFound } from './errors.ts';

/** What a draft is for, as people call it: the pattern's name or the incident's title; null when it no longer exists. */
export async function subjectName(tx: TransactionSql, accountId: string, kind: DraftSubjectKind, id: string): Promise<string | null> {
  if (kind === 'cluster') return (await clusterNames(tx, accountId, [id])).get(id) ?? null;
  return (await getIncident(tx, accountId, id))?.title ?? null;
}

export const draftSummaryOf = (subject: string | null) => (d: DraftRow) => ({
  id: d.id,
  conversationId: d.conversationId,
  parentId: d.parentId,
  subject: { kind: d.subjectKind, id: d.subjectId, name: subject },
  instruction: d.instruction,
  status: d.status,
  stage: d.stage,
  mode: d.mode,
  model: d.model,
  title: d.title,
  summary: d.summary,
  steps: d.steps as RunbookStep[] | null,
  sources: d.sources,
  warnings: d.warnings,
  error: d.error,
  workflowId: d.workflowId,
  savedRunbookId: d.savedRunbookId,
  createdAt: d.createdAt,
  updatedAt: d.updatedAt,
});

/** A draft with its subject's name, its ratings and its conversation. */
export async function fullDraft(tx: TransactionSql, accountId: string, id: string) {
  const draft = await getDraft(tx, accountId, id);
  if (!draft) throw notFound('runbook draft', id);
  const conversation = await listConversation(tx, accountId, draft.conversationId);
  return {
    ...draftSummaryOf(await subjectName(tx, accountId, draft.subjectKind, draft.subjectId))(draft),
    ratings: await ratingSummary(tx, accountId, 'draft', id),
    conversation: conversation.map((c) => ({ id: c.id, instruction: c.instruction, status: c.status, createdAt: c.createdAt })),
  };
}
