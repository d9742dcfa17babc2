// Runbook generation's side effects: gathering an incident's (or cluster's) context, redacting it by the account's LLM
// settings, asking the model for structured steps, validating them (risks raised by rules), and storing the draft.
import { Context } from '@temporalio/activity';
import { CancelledFailure } from '@temporalio/common';
import OpenAI from 'openai';
import { observeLlmCall } from '../observability/metrics.ts';
import { withKeepAlive } from './keep-alive.ts';
import { escalate } from '../analysis/runbooks/command-risk/index.ts';
import { createRedactor, InvalidRedactionPatternError, redactDeep, type Redactor } from '../analysis/redaction.ts';
import { STEP_RISKS, TARGET_TYPES, type RunbookStep, type StepRisk, type TargetType } from '../analysis/runbooks/runbook-types.ts';
import type { Config } from '../config.ts';
import { getCluster } from '../db/clusters.ts';
import { getIncident, type IncidentDetailRow } from '../db/incidents.ts';
import { getLlmSettings, type LlmSettings } from '../db/llm-settings.ts';
import {
  getDraft,
  getDraftPrompt,
  recordLlmRequest,
  runbookRatingBoosts,
  updateOpenDraft,
  type DraftRow,
  type DraftSources,
  type PromptMessage,
} from '../db/runbook-drafts.ts';
import { getRunbook, getRunbookVersion, type StoredStep } from '../db/runbooks.ts';
import type { Sql } from '../db/sql.ts';
import { withAccount } from '../db/tenancy.ts';
import { createEmbedder } from '../search/embedder.ts';
import { runbookIndexFor } from '../search/index.ts';
import { searchIncidents, searchRunbooks } from '../search/runbook-search.ts';
import type { IncidentHit, RunbookHit } from '../search/types.ts';
import type {
  FinishRunbookDraftInput,
  GenerateRunbookStepsInput,
  GenerateRunbookStepsResult,
  PrepareRunbookDraftInput,
  PrepareRunbookDraftResult,
} from '../workflows/activity-contract.ts';
import { invalid, notFound, unavailable } from './failures.ts';

export interface RunbookActivityDeps {
  sql: Sql;
  /** The model endpoint (absent or without a model: drafts come from retrieval alone). */
  openai?: Config['openai'] | undefined;
  /** Where the runbook index lives (absent: PostgreSQL). */
  pinecone?: Config['pinecone'] | undefined;
  /** For tests that watch what the SDK fetches. */
  fetch?: typeof fetch;
}

const TOP_RUNBOOKS = 5;
const SIMILAR_INCIDENTS = 5;
const REPRESENTATIVES = 3;
const MAX_STEPS = 20;
const NOTES_PER_INCIDENT = 5;
/** Texts are cut to this many characters in the prompt: enough to diagnose, bounded in cost. */
const FIELD_CHARS = 2000;

export const READ_ONLY_INSTRUCTION = /\bread[\s-]?only\b/i;

/** The shape the model must answer in (structured outputs: every property required, nothing else allowed). */
export const RUNBOOK_RESPONSE_SCHEMA = {
  type: 'object',
  properties: {
    title: { type: 'string' },
    summary: { type: 'string' },
    steps: {
      type: 'array',
      minItems: 1,
      items: {
        type: 'object',
        properties: {
          title: { type: 'string' },
          command: { type: 'string' },
          targetType: { type: 'string', enum: [...TARGET_TYPES] },
          explanation: { type: 'string' },
          risk: { type: 'string', enum: [...STEP_RISKS] },
        },
        required: ['title', 'command', 'targetType', 'explanation', 'risk'],
        additionalProperties: false,
      },
    },
  },
  required: ['title', 'summary', 'steps'],
  additionalProperties: false,
} as const;

const SYSTEM_PROMPT = [
  'You are a site reliability engineer writing a runbook for the on-call responder of the incident described below.',
  'Answer with JSON only, matching the given schema: a short title, a summary of the likely cause, and ordered steps.',
  'Each step has one concrete command (shell, kubectl, aws, sql, systemctl, http or other), where it runs (targetType),',
  'an explanation of what it shows or changes, and its risk: read-only (only reads), mutating (changes state that can be',
  'changed back) or destructive (loses data or capacity until someone acts). Diagnose with read-only steps first.',
  'Prefer the steps of the existing runbooks when they fit. Placeholders such as [email], [ip], [secret] and [redacted]',
  'stand for values removed for privacy: keep them as they are.',
].join(' ');

export class DraftValidationError extends Error {
  override name = 'DraftValidationError';
}

export interface ValidatedDraft {
  title: string;
  summary: string;
  steps: RunbookStep[];
  /** Steps whose risk the rules raised above the model's word. */
  raised: number;
}

/**
 * The model's reply as a draft, or DraftValidationError naming what is wrong (paths only, never the reply's text, so
 * the message may travel through workflow history). Risks are raised by the rules; a read-only instruction is held
 * to by rule too.
 */
export function validateDraftReply(content: string | null | undefined, options: { readOnly?: boolean } = {}): ValidatedDraft {
  if (!content) throw new DraftValidationError('the reply was empty');
  let parsed: unknown;
  try {
    parsed = JSON.parse(content);
  } catch {
    throw new DraftValidationError('the reply is not valid JSON');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new DraftValidationError('the reply is not a JSON object');
  const reply = parsed as Record<string, unknown>;
  const text = (v: unknown, path: string, max: number, required = true): string => {
    if (typeof v !== 'string') throw new DraftValidationError(`${path} is not a string`);
    const t = v.trim();
    if (required && t === '') throw new DraftValidationError(`${path} is empty`);
    return t.slice(0, max);
  };
  const title = text(reply.title, 'title', 200);
  const summary = text(reply.summary, 'summary', 10_000, false);
  if (!Array.isArray(reply.steps)) throw new DraftValidationError('steps is not an array');
  if (reply.steps.length === 0) throw new DraftValidationError('steps is empty: a runbook needs at least one step');
  if (reply.steps.length > MAX_STEPS) throw new DraftValidationError(`steps has ${reply.steps.length} items, at most ${MAX_STEPS} are allowed`);
  let raised = 0;
  const steps = reply.steps.map((s: unknown, i): RunbookStep => {
    if (typeof s !== 'object' || s === null) throw new DraftValidationError(`steps[${i}] is not an object`);
    const step = s as Record<string, unknown>;
    const targetType = step.targetType as TargetType;
    if (!TARGET_TYPES.includes(targetType)) throw new DraftValidationError(`steps[${i}].targetType is not one of ${TARGET_TYPES.join(', ')}`);
    const stated = step.risk as StepRisk;
    if (!STEP_RISKS.includes(stated)) throw new DraftValidationError(`steps[${i}].risk is missing or not one of ${STEP_RISKS.join(', ')}`);
    const command = text(step.command, `steps[${i}].command`, 4000);
    const risk = escalate(stated, command, targetType);
    if (risk !== stated) raised += 1;
    return { title: text(step.title, `steps[${i}].title`, 200), command, targetType, explanation: text(step.explanation ?? '', `steps[${i}].explanation`, 4000, false), risk };
  });
  if (options.readOnly) {
    const bad = steps.findIndex((s) => s.risk !== 'read-only');
    if (bad >= 0) throw new DraftValidationError(`the instruction asks for read-only steps, but steps[${bad}] is ${steps[bad]!.risk} by the command rules`);
  }
  return { title, summary, steps, raised };
}

const clip = (text: string | null | undefined) => (text ?? '').slice(0, FIELD_CHARS);

/** The incident as the prompt shows it, with only the fields the account's settings let out. */
function incidentFacts(incident: IncidentDetailRow, settings: LlmSettings) {
  const notes = settings.sendNotes
    ? (incident.timeline ?? [])
        .filter((e) => e.type === 'note' && e.message)
        .slice(-NOTES_PER_INCIDENT)
        .map((e) => clip(e.message))
    : [];
  return {
    title: incident.title,
    service: incident.service,
    severity: incident.severity,
    status: incident.status,
    createdAt: new Date(incident.createdAt).toISOString(),
    resolvedAt: incident.resolvedAt ? new Date(incident.resolvedAt).toISOString() : null,
    ...(settings.sendDescriptions && incident.description ? { description: clip(incident.description) } : {}),
    ...(notes.length ? { notes } : {}),
  };
}

interface Context_ {
  draft: DraftRow;
  settings: LlmSettings;
  /** The subject incident(s): one, or a cluster's representatives. */
  subjects: IncidentDetailRow[];
  clusterLabel: string | null;
  similar: { hit: IncidentHit; detail: IncidentDetailRow }[];
  runbooks: { hit: RunbookHit; steps: StoredStep[]; title: string; description: string }[];
  /** Set for a refinement: the draft it refines. */
  parent: DraftRow | null;
}

export function createRunbookActivities(deps: RunbookActivityDeps) {
  const { sql } = deps;
  const modelConfigured = Boolean(deps.openai?.model && (deps.openai.baseUrl || deps.openai.apiKey));

  const load = async (accountId: string, draftId: string) => {
    const draft = await withAccount(sql, accountId, (tx) => getDraft(tx, accountId, draftId));
    if (!draft) throw notFound(`runbook draft ${draftId} was not found`);
    return draft;
  };

  const setStage = (accountId: string, draftId: string, change: Parameters<typeof updateOpenDraft>[3]) =>
    withAccount(sql, accountId, (tx) => updateOpenDraft(tx, accountId, draftId, change));

  /**
   * The context, in three steps so that no transaction is open while another one runs: the subject (one transaction),
   * retrieval (the index and the keyword side each open their own), then the runbooks' and incidents' details (one
   * transaction). PGlite, the embedded default, runs one transaction at a time, so a nested one would wait forever.
   */
  async function gather(draft: DraftRow, redactor: Redactor, settings: LlmSettings): Promise<Omit<Context_, 'draft' | 'settings'>> {
    const accountId = draft.accountId;
    const { subjects, clusterLabel, boosts } = await withAccount(sql, accountId, async (tx) => {
      let subjects: IncidentDetailRow[] = [];
      let clusterLabel: string | null = null;
      if (draft.subjectKind === 'incident') {
        const incident = await getIncident(tx, accountId, draft.subjectId);
        if (!incident) throw notFound(`incident ${draft.subjectId} was not found`);
        subjects = [incident];
      } else {
        const cluster = await getCluster(tx, accountId, draft.subjectId);
        if (!cluster) throw notFound(`cluster ${draft.subjectId} was not found`);
        clusterLabel = cluster.name ?? cluster.label;
        const ids = await tx<{ id: string }[]>`
          select id from incidents where account_id = ${accountId} and cluster_id = ${draft.subjectId}
          order by created_at desc, id limit ${REPRESENTATIVES}`;
        subjects = (await Promise.all(ids.map((r) => getIncident(tx, accountId, r.id)))).filter((i): i is IncidentDetailRow => Boolean(i));
      }
      return { subjects, clusterLabel, boosts: await runbookRatingBoosts(tx, accountId) };
    });
    const first = subjects[0];
    // The search text leaves for an embeddings endpoint when one is configured and allowed: redacted like the prompt.
    const query = redactor([clusterLabel ?? '', first?.title ?? '', first?.service ?? ''].join(' ').trim()).text;
    const remote = settings.enabled;
    const index = await runbookIndexFor({ pinecone: deps.pinecone ?? { apiKey: undefined, index: undefined, indexHost: undefined, controllerHost: undefined } }, sql);
    const embedder = createEmbedder({ openai: deps.openai ?? { baseUrl: undefined, apiKey: undefined, model: undefined, embeddingModel: undefined } }, { remote, ...(deps.fetch ? { fetch: deps.fetch } : {}) });
    const hits = query ? await searchRunbooks({ sql, index, embedder }, undefined, accountId, query, { topK: TOP_RUNBOOKS, boosts }) : [];
    const incidentHits = query ? await searchIncidents({ sql }, undefined, accountId, query, { limit: SIMILAR_INCIDENTS * 2 }) : [];
    return withAccount(sql, accountId, async (tx) => {
      const runbooks: Context_['runbooks'] = [];
      for (const hit of hits) {
        const row = await getRunbook(tx, accountId, hit.runbookId);
        const version = row ? await getRunbookVersion(tx, accountId, hit.runbookId, row.currentVersion) : undefined;
        if (version) runbooks.push({ hit, steps: version.steps, title: version.title, description: version.description });
      }
      const subjectIds = new Set(subjects.map((s) => s.id));
      const similar: Context_['similar'] = [];
      for (const hit of incidentHits) {
        if (subjectIds.has(hit.id) || similar.length >= SIMILAR_INCIDENTS) continue;
        const detail = await getIncident(tx, accountId, hit.id);
        if (detail) similar.push({ hit, detail });
      }
      const parent = draft.parentId ? ((await getDraft(tx, accountId, draft.parentId)) ?? null) : null;
      return { subjects, clusterLabel, similar, runbooks, parent };
    });
  }

  /** The messages for the model, every string redacted. */
  function buildPrompt(ctx: Context_, redactor: Redactor): { messages: PromptMessage[]; counts: Record<string, number> } {
    const counts: Record<string, number> = {};
    const context = redactDeep(
      {
        ...(ctx.clusterLabel ? { cluster: ctx.clusterLabel } : {}),
        incidents: ctx.subjects.map((s) => incidentFacts(s, ctx.settings)),
        similarIncidents: ctx.similar.map(({ detail }) => ({
          ...incidentFacts(detail, ctx.settings),
          resolution: detail.resolvedAt ? `resolved after ${Math.round((detail.mttrSeconds ?? 0) / 60)} min` : 'not resolved',
        })),
        existingRunbooks: ctx.runbooks.map((r) => ({
          title: r.title,
          ...(r.description ? { description: clip(r.description) } : {}),
          matchedText: r.hit.chunks.slice(0, 2).map((c) => clip(c.text)),
          steps: r.steps.map((s) => ({ title: s.title, command: s.command, targetType: s.targetType, risk: s.risk })),
        })),
      },
      redactor,
      counts,
    );
    const subject = ctx.draft.subjectKind === 'cluster' ? 'this recurring pattern of incidents' : 'this incident';
    const messages: PromptMessage[] = [
      { role: 'system', content: SYSTEM_PROMPT },
      { role: 'user', content: `Write a runbook for ${subject}.\n\nContext (JSON):\n${JSON.stringify(context, null, 2)}` },
    ];
    if (ctx.parent && ctx.draft.instruction) {
      const previous = redactDeep({ title: ctx.parent.title, summary: ctx.parent.summary, steps: ctx.parent.steps ?? [] }, redactor, counts);
      messages.push({ role: 'assistant', content: JSON.stringify(previous) });
      const instruction = redactor(ctx.draft.instruction);
      for (const [kind, n] of Object.entries(instruction.counts)) counts[kind] = (counts[kind] ?? 0) + n;
      messages.push({ role: 'user', content: `Revise the runbook above: ${instruction.text}\nAnswer with the whole revised runbook.` });
    }
    return { messages, counts };
  }

  /** A draft from the best runbooks' steps alone, saying why no model was asked. */
  function retrievalDraft(ctx: Context_, reason: string) {
    const seen = new Set<string>();
    const steps: StoredStep[] = [];
    for (const r of ctx.runbooks.slice(0, 2)) {
      for (const s of r.steps) {
        if (seen.has(s.command) || steps.length >= MAX_STEPS) continue;
        seen.add(s.command);
        steps.push({ ...s, risk: escalate(s.risk as StepRisk, s.command, s.targetType as TargetType) });
      }
    }
    let kept = steps;
    const warnings = [`Retrieval only: ${reason}. The steps are taken from the most similar runbooks, not written for this incident.`];
    if (ctx.draft.instruction && READ_ONLY_INSTRUCTION.test(ctx.draft.instruction)) {
      kept = steps.filter((s) => s.risk === 'read-only');
      if (kept.length < steps.length) warnings.push(`${steps.length - kept.length} step(s) left out: the instruction asks for read-only steps.`);
    }
    if (ctx.runbooks.length === 0) warnings.push('No similar runbook was found: write the first one for this kind of incident.');
    const best = ctx.runbooks[0];
    const subjectTitle = ctx.clusterLabel ?? ctx.subjects[0]?.title ?? 'incident';
    return {
      title: (best ? `${best.title} (for: ${subjectTitle})` : `Runbook for: ${subjectTitle}`).slice(0, 200),
      summary: best ? `Assembled from ${ctx.runbooks.slice(0, 2).map((r) => `"${r.title}"`).join(' and ')}.` : '',
      steps: kept,
      warnings,
    };
  }

  const sourcesOf = (ctx: Context_): DraftSources => ({
    runbooks: ctx.runbooks.map((r) => ({ runbookId: r.hit.runbookId, version: r.hit.version, title: r.title, score: r.hit.score })),
    incidents: ctx.similar.map(({ hit }) => ({ id: hit.id, title: hit.title, score: hit.score })),
  });

  async function prepareDraft({ accountId, draftId }: PrepareRunbookDraftInput): Promise<PrepareRunbookDraftResult> {
    const draft = await load(accountId, draftId);
    if (draft.status !== 'queued' && draft.status !== 'running') return { mode: draft.mode ?? 'retrieval', done: true, runbooks: 0, incidents: 0 };
    await setStage(accountId, draftId, { status: 'running', stage: 'gathering' });
    const settings = await withAccount(sql, accountId, (tx) => getLlmSettings(tx, accountId));
    let redactor: Redactor;
    try {
      redactor = createRedactor({ customPatterns: settings.redactionPatterns });
    } catch (err) {
      if (err instanceof InvalidRedactionPatternError) throw invalid(`the account's redaction settings are invalid: ${err.message}`);
      throw err;
    }
    const ctx = { ctx: { draft, settings, ...(await gather(draft, redactor, settings)) } as Context_, redactor };
    const sources = sourcesOf(ctx.ctx);
    const counts = { runbooks: sources.runbooks!.length, incidents: sources.incidents!.length };
    const why = !ctx.ctx.settings.enabled ? 'LLM use is turned off for this account' : !modelConfigured ? 'no language model is configured' : null;
    if (why) {
      const result = retrievalDraft(ctx.ctx, why);
      await setStage(accountId, draftId, { status: 'completed', stage: 'stored', mode: 'retrieval', model: null, sources, ...result });
      return { mode: 'retrieval', done: true, ...counts };
    }
    await setStage(accountId, draftId, { stage: 'redacting', mode: 'llm', model: deps.openai!.model!, sources });
    const { messages, counts: redactionCounts } = buildPrompt(ctx.ctx, ctx.redactor);
    await setStage(accountId, draftId, { prompt: { messages, redactionCounts } });
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
      await setStage(accountId, draftId, { stage: 'generating' });
      const messages: PromptMessage[] = previousError
        ? [...prompt.messages, { role: 'user', content: `Your previous reply was invalid: ${previousError}. Answer again with JSON that matches the schema.` }]
        : prompt.messages;
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
      // The model may take a minute: heartbeats keep a crashed worker's call from hanging the draft, and carry cancels in.
      const beat = setInterval(() => ctx.heartbeat(), 1000);
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
        const completion = await client.chat.completions.create(
          { model: openai.model, messages, response_format: { type: 'json_schema', json_schema: { name: 'runbook', strict: true, schema: RUNBOOK_RESPONSE_SCHEMA as unknown as Record<string, unknown> } } },
          { signal: ctx.cancellationSignal },
        );
        content = completion.choices[0]?.message.content;
      } catch (err) {
        await record('error', null, (err as Error).message).catch(() => undefined);
        // A cancel aborts the request: reported as the cancellation it is, not as an outage to retry.
        if (ctx.cancellationSignal.aborted) throw new CancelledFailure('the generation was cancelled');
        if (err instanceof OpenAI.AuthenticationError || err instanceof OpenAI.PermissionDeniedError) throw invalid(`the model endpoint refused the credentials: ${err.message}`);
        if (err instanceof OpenAI.BadRequestError || err instanceof OpenAI.NotFoundError) throw invalid(`the model endpoint refused the request: ${err.message}`);
        throw unavailable(`the model endpoint failed: ${(err as Error).message}`, err as Error);
      } finally {
        clearInterval(beat);
      }
      await setStage(accountId, draftId, { stage: 'validating' });
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
      const stored = await setStage(accountId, draftId, {
        status: 'completed',
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
      await setStage(accountId, draftId, { status, error: error ?? null, steps: null });
    },
  };
}
