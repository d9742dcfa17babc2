// The runbook library: create, read, list, edit (each save a new version, guarded by the version the editor started
// from), compare versions, rate, import a markdown runbook, delete. Step risks are never saved below what the rules
// say. The re-index job is runbooks-reindex.ts.
import { randomUUID } from 'node:crypto';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import { diffRunbooks } from '../../analysis/runbooks/runbook-diff.ts';
import { appendAudit } from '../../db/audit.ts';
import { deleteRunbook, getRunbook, getRunbookVersion, insertRunbook, insertRunbookVersion, listRunbooks, type RunbookSource } from '../../db/runbooks.ts';
import { clusterNames } from '../../db/cluster-names.ts';
import { withAccount } from '../../db/tenancy.ts';
import { embedderForAccount, runbookIndexFor } from '../../search/index.ts';
import { indexRunbook, removeRunbookFromIndex } from '../../search/runbook-search.ts';
import type { AppDeps } from '../deps.ts';
import { AppError, notFound } from '../errors.ts';
import { auditActor } from '../plugins/authentication.ts';
import { contentOf, decodeCursor, encodeCursor, fullRunbook, runbookSummaryOf, stepsOf, wordsOf, type RunbookInput } from '../runbook-content.ts';
import { importDraft } from '../runbook-import.ts';
import { rateRunbookOrDraft } from '../runbook-ratings.ts';
import { commonErrors, ErrorResponse } from '../schemas/common.ts';
import { RatingBody, RatingSummary } from '../schemas/runbook-drafts.ts';
import { CreateRunbookBody, Runbook, RunbookDiff, RunbookDiffQuery, RunbookList, RunbookParams, RunbookQuery, RunbookVersion, RunbookVersionParams, UpdateRunbookBody } from '../schemas/runbooks.ts';

const errors = { ...commonErrors, 401: ErrorResponse, 403: ErrorResponse, 404: ErrorResponse, 409: ErrorResponse };
/** A markdown runbook is a page of text; a bigger file is something else. */
const IMPORT_LIMIT = 256 * 1024;

export const runbookRoutes: FastifyPluginAsyncTypebox<{ deps: AppDeps }> = async (app, { deps }) => {
  const { sql } = deps;

  // After the save committed: a failure leaves the runbook saved with indexed_version behind, for the re-index to catch up.
  const keepIndexed = async (request: FastifyRequest, runbookId: string) => {
    try {
      const index = await runbookIndexFor(deps.config, sql);
      await indexRunbook({ sql, index, embedder: await embedderForAccount(deps.config, sql, request.accountId) }, request.accountId, runbookId);
    } catch (err) {
      request.log.warn({ err, runbookId }, 'runbook saved but not indexed; a re-index will catch it up');
    }
  };
  const dropFromIndex = async (request: FastifyRequest, runbookId: string) => {
    try {
      await removeRunbookFromIndex({ index: await runbookIndexFor(deps.config, sql) }, request.accountId, runbookId);
    } catch (err) {
      // Search drops chunks whose runbook is gone, and a re-index clears them: a leftover is harmless.
      request.log.warn({ err, runbookId }, 'runbook deleted but its chunks were not removed from the index');
    }
  };

  const create = async (request: FastifyRequest, draft: RunbookInput, source: RunbookSource) => {
    const accountId = request.accountId;
    const id = randomUUID();
    const { content, raised } = contentOf(draft);
    const runbook = await withAccount(sql, accountId, async (tx) => {
      await insertRunbook(tx, { ...content, id, accountId, source, userId: request.caller!.userId });
      await appendAudit(tx, accountId, {
        action: source === 'import' ? 'runbook.imported' : 'runbook.created',
        actor: auditActor(request),
        target: { type: 'runbook', id },
        details: { title: content.title, version: 1, steps: content.steps.length, ...(raised.length ? { riskRaised: raised.length } : {}) },
      });
      return fullRunbook(tx, accountId, id);
    });
    await keepIndexed(request, id);
    return { ...runbook, riskRaised: raised };
  };

  app.get(
    '/api/runbooks',
    {
      config: { access: 'runbooks:read' },
      schema: {
        tags: ['runbooks'],
        summary: 'The account’s runbooks, most recently changed first, filtered by words, tag, service or linked cluster',
        querystring: RunbookQuery,
        response: { 200: RunbookList, ...errors },
      },
    },
    async (request) => {
      const q = request.query;
      const after = q.cursor ? decodeCursor(q.cursor) : undefined;
      const { page, patterns } = await withAccount(sql, request.accountId, async (tx) => {
        const found = await listRunbooks(tx, request.accountId, {
          words: wordsOf(q.q),
          ...(q.tag !== undefined ? { tag: q.tag } : {}),
          ...(q.service !== undefined ? { service: q.service } : {}),
          ...(q.cluster !== undefined ? { clusterId: q.cluster } : {}),
          limit: q.limit ?? 25,
          ...(after ? { after } : {}),
        });
        return { page: found, patterns: await clusterNames(tx, request.accountId, found.rows.flatMap((r) => r.clusterIds)) };
      });
      return { runbooks: page.rows.map(runbookSummaryOf(patterns)), nextCursor: page.last ? encodeCursor(page.last) : null };
    },
  );

  app.post(
    '/api/runbooks',
    {
      config: { access: 'runbooks:write' },
      schema: {
        tags: ['runbooks'],
        summary: 'Create a runbook (its version 1); a step’s risk stated below its command’s rules is raised (see `riskRaised`)',
        body: CreateRunbookBody,
        response: { 201: Runbook, ...errors },
      },
    },
    async (request, reply) => reply.status(201).send(await create(request, request.body, 'manual')),
  );

  app.get(
    '/api/runbooks/:id',
    {
      config: { access: 'runbooks:read' },
      schema: { tags: ['runbooks'], summary: 'A runbook at its current version, with its steps and the list of its versions', params: RunbookParams, response: { 200: Runbook, ...errors } },
    },
    async (request) => withAccount(sql, request.accountId, (tx) => fullRunbook(tx, request.accountId, request.params.id)),
  );

  app.put(
    '/api/runbooks/:id',
    {
      config: { access: 'runbooks:write' },
      schema: {
        tags: ['runbooks'],
        summary: 'Save a new version of a runbook',
        description:
          '`baseVersion` is the version the editor started from: when someone saved another version since, 409 conflict naming `baseVersion`, ' +
          'and nothing is saved (read the runbook again and merge). A step’s risk stated below its command’s rules is raised (see `riskRaised`).',
        params: RunbookParams,
        body: UpdateRunbookBody,
        response: { 200: Runbook, ...errors },
      },
    },
    async (request) => {
      const accountId = request.accountId;
      const { baseVersion, ...draft } = request.body;
      const { content, raised } = contentOf(draft);
      const runbook = await withAccount(sql, accountId, async (tx) => {
        // The lock orders concurrent saves: the second one sees the first one's version and is refused.
        const row = await getRunbook(tx, accountId, request.params.id, { lock: true });
        if (!row) throw notFound('runbook', request.params.id);
        if (row.currentVersion !== baseVersion) {
          const message = `body.baseVersion is ${baseVersion}, but version ${row.currentVersion} was saved since (by ${row.updatedBy.email ?? 'someone'})`;
          throw new AppError(409, 'conflict', `${message}: read the runbook again and apply your changes to it`, [{ field: 'baseVersion', in: 'body', message }]);
        }
        const version = await insertRunbookVersion(tx, accountId, row.id, baseVersion, content, request.caller!.userId);
        await appendAudit(tx, accountId, {
          action: 'runbook.updated',
          actor: auditActor(request),
          target: { type: 'runbook', id: row.id },
          details: { title: content.title, version, steps: content.steps.length, ...(raised.length ? { riskRaised: raised.length } : {}) },
        });
        return fullRunbook(tx, accountId, row.id);
      });
      await keepIndexed(request, runbook.id);
      return { ...runbook, riskRaised: raised };
    },
  );

  app.get(
    '/api/runbooks/:id/versions/:version',
    {
      config: { access: 'runbooks:read' },
      schema: { tags: ['runbooks'], summary: 'One version of a runbook, as it was saved', params: RunbookVersionParams, response: { 200: RunbookVersion, ...errors } },
    },
    async (request) => {
      const { id, version } = request.params;
      const row = await withAccount(sql, request.accountId, (tx) => getRunbookVersion(tx, request.accountId, id, version));
      if (!row) throw notFound('runbook version', `${id}/${version}`);
      return { ...row, steps: stepsOf(row) };
    },
  );

  app.get(
    '/api/runbooks/:id/diff',
    {
      config: { access: 'runbooks:read' },
      schema: {
        tags: ['runbooks'],
        summary: 'What changed between two versions: title, description and tags, and the steps added, removed or changed',
        params: RunbookParams,
        querystring: RunbookDiffQuery,
        response: { 200: RunbookDiff, ...errors },
      },
    },
    async (request) => {
      const { id } = request.params;
      const accountId = request.accountId;
      return withAccount(sql, accountId, async (tx) => {
        const row = await getRunbook(tx, accountId, id);
        if (!row) throw notFound('runbook', id);
        const to = request.query.to ?? row.currentVersion;
        const missing = (field: 'from' | 'to', v: number) =>
          new AppError(404, 'not_found', `runbook ${id} has no version ${v}`, [{ field, in: 'query', message: `query.${field} names no version of this runbook (the current one is ${row.currentVersion})` }]);
        const a = await getRunbookVersion(tx, accountId, id, request.query.from);
        if (!a) throw missing('from', request.query.from);
        const b = await getRunbookVersion(tx, accountId, id, to);
        if (!b) throw missing('to', to);
        return diffRunbooks(id, { ...a, steps: stepsOf(a) }, { ...b, steps: stepsOf(b) });
      });
    },
  );

  app.delete(
    '/api/runbooks/:id',
    {
      config: { access: 'runbooks:write' },
      schema: { tags: ['runbooks'], summary: 'Delete a runbook and all its versions', params: RunbookParams, response: { 204: Type.Null(), ...errors } },
    },
    async (request, reply) => {
      const accountId = request.accountId;
      await withAccount(sql, accountId, async (tx) => {
        const row = await getRunbook(tx, accountId, request.params.id, { lock: true });
        if (!row) throw notFound('runbook', request.params.id);
        await deleteRunbook(tx, accountId, row.id);
        await appendAudit(tx, accountId, {
          action: 'runbook.deleted',
          actor: auditActor(request),
          target: { type: 'runbook', id: row.id },
          details: { title: row.title, versions: row.currentVersion },
        });
      });
      await dropFromIndex(request, request.params.id);
      return reply.status(204).send(null);
    },
  );

  app.post(
    '/api/runbooks/:id/ratings',
    {
      config: { access: 'runbooks:generate' },
      schema: {
        tags: ['runbooks'],
        summary: 'Rate a runbook or one of its steps (ratings of whole runbooks move them in search)',
        params: RunbookParams,
        body: RatingBody,
        response: { 200: RatingSummary, ...errors },
      },
    },
    async (request) => rateRunbookOrDraft(sql, request, 'runbook', request.params.id, request.body),
  );

  // The import reads markdown only, in a scope of its own (the rest of the API speaks JSON).
  await app.register(async (scope) => {
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser(['text/markdown', 'text/x-markdown'], { parseAs: 'string', bodyLimit: IMPORT_LIMIT }, (_request, body, done) => done(null, body));

    scope.post(
      '/api/runbooks/import',
      {
        config: { access: 'runbooks:write' },
        bodyLimit: IMPORT_LIMIT,
        schema: {
          tags: ['runbooks'],
          summary: 'Import one runbook from a markdown file (content-type text/markdown)',
          description: 'A file that cannot be read as a runbook is refused with 400 invalid_markdown, naming the line or step. Risks are settled as on every save.',
          consumes: ['text/markdown'],
          body: Type.String({ description: 'The markdown file itself (UTF-8, up to 256 KiB), as `GET /api/runbooks/:id` renders it' }),
          response: { 201: Runbook, ...errors, 413: ErrorResponse, 415: ErrorResponse },
        },
      },
      async (request, reply) => {
        const draft = importDraft(request.body as string);
        return reply.status(201).send(await create(request, draft, 'import'));
      },
    );
  });
};
