// Runbook drafts (migration 0017): generated drafts and their conversations, ratings of drafts and runbooks (and the
// ranking boosts they give), and the record of what was sent to a model. Tenant rows: every function takes a tenant
// transaction.
import type { TransactionSql } from './sql.ts';
import type { StoredStep } from './runbooks.ts';

export type DraftSubjectKind = 'incident' | 'cluster';
export type DraftStatus = 'queued' | 'running' | 'completed' | 'failed' | 'cancelled';
export type DraftStage = 'gathering' | 'redacting' | 'generating' | 'validating' | 'stored';
export type DraftMode = 'llm' | 'retrieval';

export interface DraftSources {
  runbooks?: { runbookId: string; version: number; title: string; score: number }[];
  incidents?: { id: string; title: string; score: number }[];
}

export interface PromptMessage {
  role: 'system' | 'user' | 'assistant';
  content: string;
}

export interface DraftPrompt {
  messages: PromptMessage[];
  redactionCounts: Record<string, number>;
}

export interface DraftRow {
  id: string;
  accountId: string;
  conversationId: string;
  parentId: string | null;
  subjectKind: DraftSubjectKind;
  subjectId: string;
  instruction: string | null;
  status: DraftStatus;
  stage: DraftStage | null;
  mode: DraftMode | null;
  model: string | null;
  title: string | null;
  summary: string | null;
  steps: StoredStep[] | null;
  sources: DraftSources;
  warnings: string[];
  error: string | null;
  workflowId: string | null;
  savedRunbookId: string | null;
  createdBy: string | null;
  createdAt: string;
  updatedAt: string;
}

const iso = (tx: TransactionSql, column: string) => tx`to_char(${tx(column)} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;

const draftColumns = (tx: TransactionSql) => tx`
  id, account_id as "accountId", conversation_id as "conversationId", parent_id as "parentId", subject_kind as "subjectKind",
  subject_id as "subjectId", instruction, status, stage, mode, model, title, summary, steps, sources, warnings, error,
  workflow_id as "workflowId", saved_runbook_id as "savedRunbookId", created_by as "createdBy",
  ${iso(tx, 'created_at')} as "createdAt", ${iso(tx, 'updated_at')} as "updatedAt"`;

export interface NewDraft {
  id: string;
  accountId: string;
  conversationId: string;
  parentId: string | null;
  subjectKind: DraftSubjectKind;
  subjectId: string;
  instruction: string | null;
  workflowId: string;
  createdBy: string | null;
}

export async function insertDraft(tx: TransactionSql, d: NewDraft): Promise<void> {
  await tx`
    insert into runbook_drafts (id, account_id, conversation_id, parent_id, subject_kind, subject_id, instruction, workflow_id, created_by)
    values (${d.id}, ${d.accountId}, ${d.conversationId}, ${d.parentId}, ${d.subjectKind}, ${d.subjectId}, ${d.instruction}, ${d.workflowId}, ${d.createdBy})`;
}

export async function getDraft(tx: TransactionSql, accountId: string, id: string, options: { lock?: boolean } = {}): Promise<DraftRow | undefined> {
  const [row] = await tx<[DraftRow?]>`
    select ${draftColumns(tx)} from runbook_drafts where account_id = ${accountId} and id = ${id}
    ${options.lock ? tx`for update` : tx``}`;
  return row;
}

/** The drafts of one conversation, oldest first. */
export async function listConversation(tx: TransactionSql, accountId: string, conversationId: string): Promise<DraftRow[]> {
  return tx<DraftRow[]>`
    select ${draftColumns(tx)} from runbook_drafts where account_id = ${accountId} and conversation_id = ${conversationId}
    order by created_at, id`;
}

export async function listDraftsOfSubject(tx: TransactionSql, accountId: string, kind: DraftSubjectKind, subjectId: string, limit: number): Promise<DraftRow[]> {
  return tx<DraftRow[]>`
    select ${draftColumns(tx)} from runbook_drafts
    where account_id = ${accountId} and subject_kind = ${kind} and subject_id = ${subjectId}
    order by created_at desc, id desc limit ${limit}`;
}

export async function getDraftPrompt(tx: TransactionSql, accountId: string, id: string): Promise<DraftPrompt | null> {
  const [row] = await tx<[{ prompt: DraftPrompt | null }?]>`select prompt from runbook_drafts where account_id = ${accountId} and id = ${id}`;
  return row?.prompt ?? null;
}

/**
 * A draft's progress, as one value: the stage it reached, from which its status follows (`running`, and `completed`
 * once `stored`), or the end it came to (`failed`, `cancelled`: the stage stays where it stopped). A status is never
 * set beside a stage, so the two columns cannot disagree; `queued` is only ever the new row's default.
 */
export type DraftProgress = { stage?: DraftStage; status?: never } | { status: 'failed' | 'cancelled'; stage?: never };

/** The status a stage puts an open draft in. */
export const statusOfStage = (stage: DraftStage): DraftStatus => (stage === 'stored' ? 'completed' : 'running');

/** What a draft has so far, written with its progress. */
export interface DraftFields {
  mode?: DraftMode;
  model?: string | null;
  title?: string | null;
  summary?: string | null;
  steps?: StoredStep[] | null;
  sources?: DraftSources;
  warnings?: string[];
  error?: string | null;
  prompt?: DraftPrompt | null;
}

/**
 * Moves a draft that is still open (queued or running) on; a draft that reached a final status (cancelled while a
 * model call was in flight) is left as it is. Returns whether it changed.
 */
export async function updateOpenDraft(tx: TransactionSql, accountId: string, id: string, change: DraftProgress & DraftFields): Promise<boolean> {
  const status = change.stage ? statusOfStage(change.stage) : (change.status ?? null);
  const rows = await tx`
    update runbook_drafts set
      status = coalesce(${status}, status),
      stage = coalesce(${change.stage ?? null}, stage),
      mode = coalesce(${change.mode ?? null}, mode),
      model = ${'model' in change ? (change.model ?? null) : tx`model`},
      title = ${'title' in change ? (change.title ?? null) : tx`title`},
      summary = ${'summary' in change ? (change.summary ?? null) : tx`summary`},
      steps = ${'steps' in change ? (change.steps ? tx.json(change.steps as never) : null) : tx`steps`},
      sources = ${change.sources ? tx.json(change.sources as never) : tx`sources`},
      warnings = ${change.warnings ? tx`${change.warnings}::text[]` : tx`warnings`},
      error = ${'error' in change ? (change.error ?? null) : tx`error`},
      prompt = ${'prompt' in change ? (change.prompt ? tx.json(change.prompt as never) : null) : tx`prompt`},
      updated_at = now()
    where account_id = ${accountId} and id = ${id} and status in ('queued', 'running')
    returning id`;
  return rows.length > 0;
}

/** Hand edits of a finished draft's steps (the caller settled their risks). */
export async function replaceDraftSteps(tx: TransactionSql, accountId: string, id: string, steps: StoredStep[]): Promise<void> {
  await tx`update runbook_drafts set steps = ${tx.json(steps as never)}, updated_at = now() where account_id = ${accountId} and id = ${id}`;
}

export async function markDraftSaved(tx: TransactionSql, accountId: string, id: string, runbookId: string): Promise<void> {
  await tx`update runbook_drafts set saved_runbook_id = ${runbookId}, updated_at = now() where account_id = ${accountId} and id = ${id}`;
}

// ---------------------------------------------------------------------------------------------------------------
// Ratings

export type RatingTarget = 'draft' | 'runbook';

export interface NewRating {
  accountId: string;
  targetKind: RatingTarget;
  targetId: string;
  /** Absent: the whole draft or runbook. */
  step?: number | undefined;
  userId: string;
  value: 'up' | 'down';
  reason?: string | undefined;
}

/** One rating per user per target and step: rating again replaces the earlier one. */
export async function upsertRating(tx: TransactionSql, r: NewRating): Promise<void> {
  await tx`
    insert into runbook_ratings (account_id, target_kind, target_id, step, user_id, value, reason)
    values (${r.accountId}, ${r.targetKind}, ${r.targetId}, ${r.step ?? -1}, ${r.userId}, ${r.value === 'up' ? 1 : -1}, ${r.reason ?? null})
    on conflict (account_id, target_kind, target_id, step, user_id) do update set
      value = excluded.value, reason = excluded.reason, updated_at = now()`;
}

export interface RatingSummary {
  up: number;
  down: number;
  /** Per step (0-based), when any step was rated. */
  steps: { step: number; up: number; down: number }[];
}

export async function ratingSummary(tx: TransactionSql, accountId: string, kind: RatingTarget, id: string): Promise<RatingSummary> {
  const rows = await tx<{ step: number; up: number; down: number }[]>`
    select step, count(*) filter (where value = 1)::int as up, count(*) filter (where value = -1)::int as down
    from runbook_ratings where account_id = ${accountId} and target_kind = ${kind} and target_id = ${id}
    group by step order by step`;
  const whole = rows.find((r) => r.step === -1);
  return { up: whole?.up ?? 0, down: whole?.down ?? 0, steps: rows.filter((r) => r.step >= 0) };
}

/** How much a rating moves a runbook in search: small next to a similarity (0..1), and bounded whatever the votes. */
const BOOST_PER_NET_VOTE = 0.02;
const MAX_BOOST = 0.1;

/**
 * Ranking boosts per runbook from its whole-runbook ratings, plus those of the drafts saved as it (the team liked
 * what became the runbook). Bounded to ±MAX_BOOST, so ratings reorder near ties and never bury a clear match.
 */
export async function runbookRatingBoosts(tx: TransactionSql, accountId: string): Promise<Map<string, number>> {
  const rows = await tx<{ runbookId: string; net: number }[]>`
    select runbook_id as "runbookId", sum(value)::int as net from (
      select r.target_id as runbook_id, r.value from runbook_ratings r
      where r.account_id = ${accountId} and r.target_kind = 'runbook' and r.step = -1
      union all
      select d.saved_runbook_id, r.value from runbook_ratings r
      join runbook_drafts d on d.account_id = r.account_id and d.id = r.target_id
      where r.account_id = ${accountId} and r.target_kind = 'draft' and r.step = -1 and d.saved_runbook_id is not null
    ) votes group by runbook_id`;
  const boosts = new Map<string, number>();
  for (const { runbookId, net } of rows) {
    if (net !== 0) boosts.set(runbookId, Math.max(-MAX_BOOST, Math.min(MAX_BOOST, net * BOOST_PER_NET_VOTE)));
  }
  return boosts;
}

// ---------------------------------------------------------------------------------------------------------------
// What was sent to a model

export interface NewLlmRequest {
  accountId: string;
  draftId: string | null;
  model: string;
  /** As sent: already redacted. */
  messages: PromptMessage[];
  redactionCounts: Record<string, number>;
  requestChars: number;
  responseChars: number | null;
  durationMs: number;
  outcome: 'ok' | 'invalid' | 'error';
  error: string | null;
}

export async function recordLlmRequest(tx: TransactionSql, r: NewLlmRequest): Promise<void> {
  await tx`
    insert into llm_requests (account_id, draft_id, model, messages, redaction_counts, request_chars, response_chars, duration_ms, outcome, error)
    values (${r.accountId}, ${r.draftId}, ${r.model}, ${tx.json(r.messages as never)}, ${tx.json(r.redactionCounts)}, ${r.requestChars},
            ${r.responseChars}, ${r.durationMs}, ${r.outcome}, ${r.error})`;
}

export interface LlmRequestRow extends Omit<NewLlmRequest, 'accountId'> {
  id: string;
  createdAt: string;
}

export async function listLlmRequests(tx: TransactionSql, accountId: string, options: { limit: number; draftId?: string | undefined; before?: string | undefined }): Promise<LlmRequestRow[]> {
  const rows = await tx<(LlmRequestRow & { id: bigint })[]>`
    select id, draft_id as "draftId", model, messages, redaction_counts as "redactionCounts", request_chars as "requestChars",
           response_chars as "responseChars", duration_ms as "durationMs", outcome, error, ${iso(tx, 'created_at')} as "createdAt"
    from llm_requests
    where account_id = ${accountId}
      ${options.draftId ? tx`and draft_id = ${options.draftId}` : tx``}
      ${options.before ? tx`and id < ${options.before}` : tx``}
    order by id desc limit ${options.limit}`;
  return rows.map((r) => ({ ...r, id: String(r.id) }));
}
