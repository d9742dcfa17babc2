// Runbook generation's side effects, in the order the workflow calls them: prepare a draft (gather its context and
// redact it by the account's LLM settings, or complete it from retrieval alone), ask the model for structured steps
// and validate them, and close a draft that failed or was cancelled. The parts live in runbook/: the context
// (context.ts), the prompt (prompt.ts), the reply's schema and validation (reply.ts), a draft from retrieval alone
// (retrieval-draft.ts); the SQL is db/runbook-drafts.ts's.
//
// A draft's progress has one home, its row: each step here moves it on by stage (db/runbook-drafts.ts derives the
// status from the stage), and the API and the web read it there. The workflow's `state` query is the operators' live
// view of the workflow's own position, not read by the product.
import { Context } from '@temporalio/activity';
import { CancelledFailure } from '@temporalio/common';
import OpenAI from 'openai';
import { observeLlmCall } from '../observability/metrics.ts';
import { createRedactor, InvalidRedactionPatternError, type Redactor } from '../analysis/redaction.ts';
import type { Config } from '../config.ts';
import { getLlmSettings } from '../db/llm-settings.ts';
import { getDraft, getDraftPrompt, recordLlmRequest, updateOpenDraft, type DraftFields, type DraftProgress } from '../db/runbook-drafts.ts';
import type { Sql } from '../db/sql.ts';
import { withAccount } from '../db/tenancy.ts';
import type {
  FinishRunbookDraftInput,
  GenerateRunbookStepsInput,
  GenerateRunbookStepsResult,
  PrepareRunbookDraftInput,
  PrepareRunbookDraftResult,
} from '../workflows/activity-contract.ts';
import { invalid, notFound, unavailable } from './failures.ts';
import { withKeepAlive } from './keep-alive.ts';
import { gatherContext, sourcesOf, type DraftContext } from './runbook/context.ts';
import { buildPrompt, withCorrection } from './runbook/prompt.ts';
import { DraftValidationError, READ_ONLY_INSTRUCTION, RUNBOOK_RESPONSE_SCHEMA, validateDraftReply, type ValidatedDraft } from './runbook/reply.ts';
import { retrievalDraft } from './runbook/retrieval-draft.ts';

export interface RunbookActivityDeps {
  sql: Sql;
  /** The model endpoint (absent or without a model: drafts come from retrieval alone). */
  openai?: Config['openai'] | undefined;
  /** Where the runbook index lives (absent: PostgreSQL). */
  pinecone?: Config['pinecone'] | undefined;
  /** For tests that watch what the SDK fetches. */
  fetch?: typeof fetch;
}

export function createRunbookActivities(deps: RunbookActivityDeps) {
  const { sql } = deps;
  const modelConfigured = Boolean(deps.openai?.model && (deps.openai.baseUrl || deps.openai.apiKey));

  const load = async (accountId: string, draftId: string) => {
    const draft = await withAccount(sql, accountId, (tx) => getDraft(tx, accountId, draftId));
    if (!draft) throw notFound(`runbook draft ${draftId} was not found`);
    return draft;
  };

  /** Moves an open draft on: its progress (a stage, or how it ended) and what it has so far. */
  const progress = (accountId: string, draftId: string, change: DraftProgress & DraftFields) =>
    withAccount(sql, accountId, (tx) => updateOpenDraft(tx, accountId, draftId, change));

  async function prepareDraft({ accountId, draftId }: PrepareRunbookDraftInput): Promise<PrepareRunbookDraftResult> {
    const draft = await load(accountId, draftId);
    if (draft.status !== 'queued' && draft.status !== 'running') return { mode: draft.mode ?? 'retrieval', done: true, runbooks: 0, incidents: 0 };
    await progress(accountId, draftId, { stage: 'gathering' });
    const settings = await withAccount(sql, accountId, (tx) => getLlmSettings(tx, accountId));
    let redactor: Redactor;
    try {
      redactor = createRedactor({ customPatterns: settings.redactionPatterns });
    } catch (err) {
      if (err instanceof InvalidRedactionPatternError) throw invalid(`the account's redaction settings are invalid: ${err.message}`);
      throw err;
    }
    const ctx: DraftContext = { draft, settings, ...(await gatherContext(deps, draft, redactor, settings)) };
    const sources = sourcesOf(ctx);
    const counts = { runbooks: sources.runbooks!.length, incidents: sources.incidents!.length };
    const why = !ctx.settings.enabled ? 'LLM use is turned off for this account' : !modelConfigured ? 'no language model is configured' : null;
    if (why) {
      const result = retrievalDraft(ctx, why);
      await progress(accountId, draftId, { stage: 'stored', mode: 'retrieval', model: null, sources, ...result });
      return { mode: 'retrieval', done: true, ...counts };
    }
    await progress(accountId, draftId, { stage: 'redacting', mode: 'llm', model: deps.openai!.model!, sources });
    const { messages, counts: redactionCounts } = buildPrompt(ctx, redactor);
    await progress(accountId, draftId, { prompt: { messages, redactionCounts } });
    return { mode: 'llm', done: false, ...counts };
  }

  return {
    /**
     * Gathers and redacts the context and decides the mode: with LLM use off or no model configured, the draft is
     * completed from retrieval here; otherwise the redacted prompt is stored for the model calls.
     */
    async prepareRunbookDraft(input: PrepareRunbookDraftInput): Promise<PrepareRunbookDraftResult> {
      // Gathering may wait on the embeddings endpoint: heartbeats let a crashed worker's draft move on in seconds.
      return withKeepAlive(() => prepareDraft(input));
    },

    /**
     * One model call with the stored (redacted) prompt; after a malformed reply the workflow calls again with the
     * validation error, which is added to the messages. A valid reply is stored as the draft's steps.
     */
    async generateRunbookSteps({ accountId, draftId, previousError }: GenerateRunbookStepsInput): Promise<GenerateRunbookStepsResult> {
      const draft = await load(accountId, draftId);
      if (draft.status !== 'running') return { valid: false, error: `the draft is ${draft.status}`, closed: true };
      const prompt = await withAccount(sql, accountId, (tx) => getDraftPrompt(tx, accountId, draftId));
      if (!prompt) throw invalid(`runbook draft ${draftId} has no prompt: prepare it first`);
      const openai = deps.openai;
      if (!openai?.model) throw invalid('no language model is configured');
      await progress(accountId, draftId, { stage: 'generating' });
      const messages = withCorrection(prompt.messages, previousError);
      const client = new OpenAI({
        // Local servers (Ollama, vLLM) take no key, but the SDK insists on one.
        apiKey: openai.apiKey ?? 'unused',
        ...(openai.baseUrl ? { baseURL: openai.baseUrl } : {}),
        // Temporal retries the activity; retries inside it would hide outages from the workflow's history.
        maxRetries: 0,
        timeout: 120_000,
        ...(deps.fetch ? { fetch: deps.fetch } : {}),
      });
      const ctx = Context.current();
      const started = Date.now();
      const requestChars = messages.reduce((n, m) => n + m.content.length, 0);
      const record = (outcome: 'ok' | 'invalid' | 'error', responseChars: number | null, error: string | null) => {
        observeLlmCall('runbook_draft', outcome, (Date.now() - started) / 1000);
        return withAccount(sql, accountId, (tx) =>
          recordLlmRequest(tx, { accountId, draftId, model: openai.model!, messages, redactionCounts: prompt.redactionCounts, requestChars, responseChars, durationMs: Date.now() - started, outcome, error }),
        );
      };
      let content: string | null | undefined;
      try {
        // The model may take a minute: heartbeats keep a crashed worker's call from hanging the draft, and carry cancels in.
        const completion = await withKeepAlive(
          () =>
            client.chat.completions.create(
              { model: openai.model!, messages, response_format: { type: 'json_schema', json_schema: { name: 'runbook', strict: true, schema: RUNBOOK_RESPONSE_SCHEMA as unknown as Record<string, unknown> } } },
              { signal: ctx.cancellationSignal },
            ),
          1_000,
        );
        content = completion.choices[0]?.message.content;
      } catch (err) {
        await record('error', null, (err as Error).message).catch(() => undefined);
        // A cancel aborts the request: reported as the cancellation it is, not as an outage to retry.
        if (ctx.cancellationSignal.aborted) throw new CancelledFailure('the generation was cancelled');
        if (err instanceof OpenAI.AuthenticationError || err instanceof OpenAI.PermissionDeniedError) throw invalid(`the model endpoint refused the credentials: ${err.message}`);
        if (err instanceof OpenAI.BadRequestError || err instanceof OpenAI.NotFoundError) throw invalid(`the model endpoint refused the request: ${err.message}`);
        throw unavailable(`the model endpoint failed: ${(err as Error).message}`, err as Error);
      }
      await progress(accountId, draftId, { stage: 'validating' });
      let draftReply: ValidatedDraft;
      try {
        draftReply = validateDraftReply(content, { readOnly: Boolean(draft.instruction && READ_ONLY_INSTRUCTION.test(draft.instruction)) });
      } catch (err) {
        if (!(err instanceof DraftValidationError)) throw err;
        await record('invalid', content?.length ?? 0, err.message);
        return { valid: false, error: err.message };
      }
      await record('ok', content?.length ?? 0, null);
      const warnings = draftReply.raised ? [`The rules raised the risk of ${draftReply.raised} step(s) above what the model said.`] : [];
      const stored = await progress(accountId, draftId, {
        stage: 'stored',
        title: draftReply.title,
        summary: draftReply.summary,
        steps: draftReply.steps,
        warnings,
        error: null,
      });
      return stored ? { valid: true, steps: draftReply.steps.length } : { valid: false, error: 'the draft was closed meanwhile', closed: true };
    },

    /** A failure or a cancellation, recorded on a draft still open (no steps are stored). */
    async finishRunbookDraft({ accountId, draftId, status, error }: FinishRunbookDraftInput): Promise<void> {
      await progress(accountId, draftId, { status, error: error ?? null, steps: null });
    },
  };
}
