// Runbook drafts: start a generation for an incident or a cluster, follow it, refine it with an instruction, edit its
// steps, save it as a runbook, rate it, cancel a generation.
import { randomUUID } from 'node:crypto';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyRequest } from 'fastify';
import { settleRisks } from '../../analysis/runbooks/runbook-diff.ts';
import { renderRunbookMarkdown } from '../../analysis/runbooks/runbook-markdown.ts';
import type { RunbookStep } from '../../analysis/runbooks/runbook-types.ts';
import { appendAudit } from '../../db/audit.ts';
import { getCluster } from '../../db/clusters.ts';
import { getIncident } from '../../db/incidents.ts';
import { getDraft, insertDraft, listDraftsOfSubject, markDraftSaved, replaceDraftSteps, updateOpenDraft, type DraftRow, type DraftSubjectKind } from '../../db/runbook-drafts.ts';
import { insertRunbook } from '../../db/runbooks.ts';
import type { TransactionSql } from '../../db/sql.ts';
import { withAccount } from '../../db/tenancy.ts';
import { embedderForAccount, runbookIndexFor } from '../../search/index.ts';
import { indexRunbook } from '../../search/runbook-search.ts';
import { runbookGenerationWorkflow, runbookGenerationWorkflowId } from '../../workflows/index.ts';
import type { AppDeps } from '../deps.ts';
import { AppError, notFound } from '../errors.ts';
import { auditActor } from '../plugins/authentication.ts';
import { draftSummaryOf, fullDraft, subjectName } from '../runbook-draft-view.ts';
import { rateRunbookOrDraft } from '../runbook-ratings.ts';
import { commonErrors, ErrorResponse } from '../schemas/common.ts';
import { Draft, DraftList, DraftListQuery, DraftParams, DraftStepsBody, RatingBody, RatingSummary, RefineBody, SaveDraftBody, SavedDraft, StartDraftBody } from '../schemas/runbook-drafts.ts';
import { startAccountWorkflow, startFailureMessage, TEMPORAL_DEADLINE_MS, temporalFailure } from '../workflow-starts.ts';

const errors = { ...commonErrors, 401: ErrorResponse, 403: ErrorResponse, 404: ErrorResponse, 409: ErrorResponse };

export const runbookDraftRoutes: FastifyPluginAsyncTypebox<{ deps: AppDeps }> = async (app, { deps }) => {
  const { sql, temporal, config } = deps;

  /** A draft row, then its workflow; a workflow that cannot start leaves the draft failed, saying why. */
  const startDraft = async (request: FastifyRequest, subject: { kind: DraftSubjectKind; id: string }, parent?: DraftRow, instruction?: string) => {
    const accountId = request.accountId;
    const id = randomUUID();
    const workflowId = runbookGenerationWorkflowId(accountId, id);
    await withAccount(sql, accountId, (tx) =>
      insertDraft(tx, {
        id,
        accountId,
        conversationId: parent?.conversationId ?? id,
        parentId: parent?.id ?? null,
        subjectKind: subject.kind,
        subjectId: subject.id,
        instruction: instruction?.trim() ?? null,
        workflowId,
        createdBy: request.caller!.userId,
      }),
    );
    try {
      // A new draft id: no workflow runs with it already.
      await startAccountWorkflow(deps, runbookGenerationWorkflow, { workflowId, accountId, kind: 'runbook', args: [{ accountId, draftId: id }] });
    } catch (failure) {
      await withAccount(sql, accountId, (tx) => updateOpenDraft(tx, accountId, id, { status: 'failed', error: `could not start the workflow: ${startFailureMessage(failure)}` }));
      throw failure;
    }
    return withAccount(sql, accountId, (tx) => fullDraft(tx, accountId, id));
  };

  const loadDraft = async (accountId: string, id: string, tx: TransactionSql, options: { lock?: boolean } = {}) => {
    const draft = await getDraft(tx, accountId, id, options);
    if (!draft) throw notFound('runbook draft', id);
    return draft;
  };

  app.post(
    '/api/runbook-drafts',
    {
      config: { access: 'runbooks:generate' },
      schema: {
        tags: ['runbooks'],
        summary: 'Draft a runbook for an incident or a cluster (a workflow: follow it with GET)',
        description: 'With LLM use off for the account, or no model configured, the draft is made from the most similar runbooks (mode `retrieval`).',
        body: StartDraftBody,
        response: { 202: Draft, ...errors },
      },
    },
    async (request, reply) => {
      const { incidentId, clusterId } = request.body;
      if ((incidentId === undefined) === (clusterId === undefined)) {
        const message = 'give exactly one of incidentId and clusterId';
        throw new AppError(400, 'invalid_body', message, [{ field: incidentId === undefined ? 'incidentId' : 'clusterId', in: 'body', message }]);
      }
      const subject = incidentId !== undefined ? { kind: 'incident' as const, id: incidentId } : { kind: 'cluster' as const, id: clusterId! };
      const exists = await withAccount(sql, request.accountId, async (tx) =>
        subject.kind === 'incident' ? Boolean(await getIncident(tx, request.accountId, subject.id)) : Boolean(await getCluster(tx, request.accountId, subject.id)),
      );
      if (!exists) throw notFound(subject.kind, subject.id);
      return reply.status(202).send(await startDraft(request, subject));
    },
  );

  app.get(
    '/api/runbook-drafts',
    {
      config: { access: 'runbooks:read' },
      schema: { tags: ['runbooks'], summary: 'The drafts made for an incident or a cluster, newest first', querystring: DraftListQuery, response: { 200: DraftList, ...errors } },
    },
    async (request) => {
      const [kind, ...rest] = request.query.subject.split(':');
      const { drafts, name } = await withAccount(sql, request.accountId, async (tx) => ({
        drafts: await listDraftsOfSubject(tx, request.accountId, kind as DraftSubjectKind, rest.join(':'), request.query.limit ?? 25),
        name: await subjectName(tx, request.accountId, kind as DraftSubjectKind, rest.join(':')),
      }));
      return { drafts: drafts.map(draftSummaryOf(name)) };
    },
  );

  app.get(
    '/api/runbook-drafts/:id',
    {
      config: { access: 'runbooks:read' },
      schema: { tags: ['runbooks'], summary: 'A draft: its status and stage, steps, sources, ratings and conversation', params: DraftParams, response: { 200: Draft, ...errors } },
    },
    async (request) => withAccount(sql, request.accountId, (tx) => fullDraft(tx, request.accountId, request.params.id)),
  );

  app.post(
    '/api/runbook-drafts/:id/refine',
    {
      config: { access: 'runbooks:generate' },
      schema: {
        tags: ['runbooks'],
        summary: 'Refine a finished draft with an instruction: a new draft in the same conversation',
        params: DraftParams,
        body: RefineBody,
        response: { 202: Draft, ...errors },
      },
    },
    async (request, reply) => {
      const parent = await withAccount(sql, request.accountId, (tx) => loadDraft(request.accountId, request.params.id, tx));
      if (parent.status !== 'completed') throw new AppError(409, 'draft_not_completed', `runbook draft ${parent.id} is ${parent.status}: only a completed draft can be refined`);
      return reply.status(202).send(await startDraft(request, { kind: parent.subjectKind, id: parent.subjectId }, parent, request.body.instruction));
    },
  );

  app.put(
    '/api/runbook-drafts/:id/steps',
    {
      config: { access: 'runbooks:generate' },
      schema: { tags: ['runbooks'], summary: 'Edit a finished draft’s steps by hand (risks raised by the rules)', params: DraftParams, body: DraftStepsBody, response: { 200: Draft, ...errors } },
    },
    async (request) => {
      const accountId = request.accountId;
      return withAccount(sql, accountId, async (tx) => {
        const draft = await loadDraft(accountId, request.params.id, tx, { lock: true });
        if (draft.status !== 'completed') throw new AppError(409, 'draft_not_completed', `runbook draft ${draft.id} is ${draft.status}: only a completed draft can be edited`);
        const { steps } = settleRisks(request.body.steps);
        await replaceDraftSteps(tx, accountId, draft.id, steps);
        return fullDraft(tx, accountId, draft.id);
      });
    },
  );

  app.post(
    '/api/runbook-drafts/:id/save',
    {
      config: { access: 'runbooks:write' },
      schema: {
        tags: ['runbooks'],
        summary: 'Save a finished draft as a runbook (source `generated`, linked to the incident’s service and cluster)',
        params: DraftParams,
        body: SaveDraftBody,
        response: { 201: SavedDraft, ...errors },
      },
    },
    async (request, reply) => {
      const accountId = request.accountId;
      const runbookId = randomUUID();
      await withAccount(sql, accountId, async (tx) => {
        const draft = await loadDraft(accountId, request.params.id, tx, { lock: true });
        if (draft.status !== 'completed') throw new AppError(409, 'draft_not_completed', `runbook draft ${draft.id} is ${draft.status}: only a completed draft can be saved`);
        if (draft.savedRunbookId) throw new AppError(409, 'draft_saved', `runbook draft ${draft.id} was saved already as runbook ${draft.savedRunbookId}`);
        if (!draft.steps?.length) throw new AppError(409, 'draft_empty', `runbook draft ${draft.id} has no steps to save`);
        const { steps } = settleRisks(draft.steps as RunbookStep[]);
        const title = (request.body.title ?? draft.title ?? 'Generated runbook').trim().slice(0, 200);
        const description = (draft.summary ?? '').slice(0, 10_000);
        const tags = request.body.tags ?? [];
        let services: string[] = [];
        let clusterIds: string[] = [];
        if (draft.subjectKind === 'incident') {
          const incident = await getIncident(tx, accountId, draft.subjectId);
          services = incident?.service ? [incident.service] : [];
          clusterIds = incident?.clusterId ? [incident.clusterId] : [];
        } else {
          clusterIds = [draft.subjectId];
        }
        await insertRunbook(tx, {
          id: runbookId,
          accountId,
          source: 'generated',
          userId: request.caller!.userId,
          title,
          description,
          tags,
          services,
          clusterIds,
          steps,
          markdown: renderRunbookMarkdown({ title, description, tags, steps }),
          note: `Generated (${draft.mode ?? 'llm'}${draft.model ? `, ${draft.model}` : ''}) from draft ${draft.id}`,
        });
        await markDraftSaved(tx, accountId, draft.id, runbookId);
        await appendAudit(tx, accountId, {
          action: 'runbook_draft.saved',
          actor: auditActor(request),
          target: { type: 'runbook', id: runbookId },
          details: { draftId: draft.id, title, steps: steps.length, mode: draft.mode },
        });
      });
      // After the commit: an index failure must not lose the saved runbook (the re-index job catches it up).
      let indexed = false;
      try {
        const index = await runbookIndexFor(config, sql);
        const embedder = await embedderForAccount(config, sql, accountId);
        indexed = Boolean(await indexRunbook({ sql, index, embedder }, accountId, runbookId));
      } catch (err) {
        request.log.warn({ err, runbookId }, 'the saved runbook was not indexed; the re-index job will catch up');
      }
      return reply.status(201).send({ draftId: request.params.id, runbookId, indexed });
    },
  );

  app.post(
    '/api/runbook-drafts/:id/cancel',
    {
      config: { access: 'runbooks:generate' },
      schema: { tags: ['runbooks'], summary: 'Stop a generation in progress (a finished draft stays as it is)', params: DraftParams, response: { 202: Draft, ...errors } },
    },
    async (request, reply) => {
      const accountId = request.accountId;
      const draft = await withAccount(sql, accountId, (tx) => loadDraft(accountId, request.params.id, tx));
      if (draft.status === 'queued' || draft.status === 'running') {
        try {
          await temporal.connection.withDeadline(Date.now() + TEMPORAL_DEADLINE_MS, () => temporal.client.workflow.getHandle(draft.workflowId ?? runbookGenerationWorkflowId(accountId, draft.id)).cancel());
        } catch (err) {
          // No workflow to cancel (it never started, or is gone): the draft is closed here instead.
          if ((err as Error).name !== 'WorkflowNotFoundError') throw temporalFailure(err);
          await withAccount(sql, accountId, (tx) => updateOpenDraft(tx, accountId, draft.id, { status: 'cancelled' }));
        }
      }
      return reply.status(202).send(await withAccount(sql, accountId, (tx) => fullDraft(tx, accountId, draft.id)));
    },
  );

  app.post(
    '/api/runbook-drafts/:id/ratings',
    {
      config: { access: 'runbooks:generate' },
      schema: { tags: ['runbooks'], summary: 'Rate a draft or one of its steps (one rating per person: rating again replaces it)', params: DraftParams, body: RatingBody, response: { 200: RatingSummary, ...errors } },
    },
    async (request) => rateRunbookOrDraft(sql, request, 'draft', request.params.id, request.body),
  );
};
