// Saved views: a user's named filters (and dashboard layouts) per page, shared with the account or not, and each
// user's default view of a page.
import { randomUUID } from 'node:crypto';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import { appendAudit } from '../../db/audit.ts';
import { deleteView, getView, getVisibleView, insertView, listVisibleViews, setDefaultView, updateView, ViewNameTakenError, type ViewRow } from '../../db/dashboard-views.ts';
import type { TransactionSql } from '../../db/sql.ts';
import { withAccount } from '../../db/tenancy.ts';
import type { AppDeps } from '../deps.ts';
import { AppError, notFound } from '../errors.ts';
import { auditActor } from '../plugins/authentication.ts';
import { can } from '../permissions.ts';
import { commonErrors, ErrorResponse } from '../schemas/common.ts';
import { CreateViewBody, DefaultView, DefaultViewBody, UpdateViewBody, View, ViewList, ViewParams, ViewQuery, type Widget } from '../schemas/views.ts';

const errors = { ...commonErrors, 401: ErrorResponse, 403: ErrorResponse, 404: ErrorResponse, 409: ErrorResponse };
/** Filters are a page's URL: more than this is not a URL anyone shares. */
const MAX_FILTERS_BYTES = 16 * 1024;

const invalid = (field: string, message: string) => new AppError(400, 'invalid_body', `body.${field} ${message}`, [{ field, in: 'body', message: `body.${field} ${message}` }]);

/** What the schema cannot say: widget ids are unique, only the dashboard has widgets, filters stay URL-sized. */
function checkContent(page: ViewRow['page'], body: { filters?: Record<string, unknown>; layout?: Widget[] | null }) {
  if (body.filters && Buffer.byteLength(JSON.stringify(body.filters)) > MAX_FILTERS_BYTES) throw invalid('filters', `is larger than ${MAX_FILTERS_BYTES / 1024} KB`);
  if (!body.layout) return;
  if (page !== 'dashboard') throw invalid('layout', 'is only for dashboard views');
  const seen = new Set<string>();
  for (const [i, widget] of body.layout.entries()) {
    if (seen.has(widget.id)) throw invalid(`layout.${i}.id`, `repeats the widget id "${widget.id}"`);
    seen.add(widget.id);
  }
}

function viewOf(row: ViewRow, userId: string) {
  return {
    id: row.id,
    name: row.name,
    page: row.page,
    filters: row.filters,
    layout: row.layout as Widget[] | null,
    shared: row.shared,
    isDefault: row.isDefault,
    mine: row.createdBy === userId,
    createdBy: { id: row.createdBy, email: row.createdByEmail },
    updatedAt: row.updatedAt.toISOString(),
  };
}

const nameTaken = (name: string) => new AppError(409, 'conflict', `You have a view named “${name}” on this page already`, [{ field: 'name', in: 'body', message: 'body.name is taken by another of your views of this page' }]);

export const viewRoutes: FastifyPluginAsyncTypebox<{ deps: AppDeps }> = async (app, { deps }) => {
  const { sql } = deps;

  const mayShare = (request: FastifyRequest) => can(request.caller!.account!.role, 'views:share');

  /**
   * The view, when the caller may change it: their own, or a shared one with views:manage. Another member's unshared
   * view answers 404 (it does not exist for them), a shared one they may only read 403.
   */
  const editableView = async (tx: TransactionSql, request: FastifyRequest, id: string) => {
    const userId = request.caller!.userId;
    const row = await getVisibleView(tx, request.accountId, userId, id, { lock: true });
    if (!row) throw notFound('view', id);
    if (row.createdBy !== userId && !can(request.caller!.account!.role, 'views:manage')) {
      throw new AppError(403, 'forbidden', 'Only its creator or an admin may change a shared view; save a copy of your own instead', [{ message: 'requires views:manage' }]);
    }
    return row;
  };

  const auditSharing = (tx: TransactionSql, request: FastifyRequest, row: { id: string; name: string; page: string; createdBy: string }, shared: boolean) =>
    appendAudit(tx, request.accountId, {
      action: shared ? 'view.shared' : 'view.unshared',
      actor: auditActor(request),
      subjectUserId: row.createdBy,
      target: { type: 'view', id: row.id },
      details: { name: row.name, page: row.page },
    });

  app.get(
    '/api/views',
    {
      config: { access: 'views:read' },
      schema: { tags: ['views'], summary: 'Your saved views and those shared with the account, by name', querystring: ViewQuery, response: { 200: ViewList, ...errors } },
    },
    async (request) => {
      const userId = request.caller!.userId;
      const rows = await withAccount(sql, request.accountId, (tx) => listVisibleViews(tx, request.accountId, userId, request.query.page));
      return { views: rows.map((row) => viewOf(row, userId)) };
    },
  );

  app.post(
    '/api/views',
    {
      config: { access: 'views:write' },
      schema: { tags: ['views'], summary: 'Save a view of a page (shared with the account with `shared`)', body: CreateViewBody, response: { 201: View, ...errors } },
    },
    async (request, reply) => {
      const userId = request.caller!.userId;
      const body = request.body;
      checkContent(body.page, body);
      const shared = body.shared ?? false;
      if (shared && !mayShare(request)) {
        throw new AppError(403, 'forbidden', `Your role (${request.caller!.account!.role}) does not allow sharing views`, [{ field: 'shared', in: 'body', message: 'requires views:share' }]);
      }
      const id = randomUUID();
      const name = body.name.trim();
      const row = await withAccount(sql, request.accountId, async (tx) => {
        try {
          await insertView(tx, { id, accountId: request.accountId, createdBy: userId, name, page: body.page, filters: body.filters, layout: body.layout ?? null, shared });
        } catch (err) {
          if (err instanceof ViewNameTakenError) throw nameTaken(name);
          throw err;
        }
        if (shared) await auditSharing(tx, request, { id, name, page: body.page, createdBy: userId }, true);
        return (await getVisibleView(tx, request.accountId, userId, id))!;
      });
      return reply.status(201).send(viewOf(row, userId));
    },
  );

  app.patch(
    '/api/views/:id',
    {
      config: { access: 'views:write' },
      schema: {
        tags: ['views'],
        summary: 'Change a view: yours, or (with views:manage) one shared with the account',
        description: 'Another member’s unshared view answers 404. Sharing or unsharing needs views:share.',
        params: ViewParams,
        body: UpdateViewBody,
        response: { 200: View, ...errors },
      },
    },
    async (request) => {
      const userId = request.caller!.userId;
      const body = request.body;
      const row = await withAccount(sql, request.accountId, async (tx) => {
        const before = await editableView(tx, request, request.params.id);
        checkContent(before.page, body);
        const sharing = body.shared !== undefined && body.shared !== before.shared;
        if (sharing && !mayShare(request)) {
          throw new AppError(403, 'forbidden', `Your role (${request.caller!.account!.role}) does not allow sharing views`, [{ field: 'shared', in: 'body', message: 'requires views:share' }]);
        }
        const name = body.name?.trim();
        try {
          await updateView(tx, request.accountId, before.id, { ...body, ...(name !== undefined ? { name } : {}) });
        } catch (err) {
          if (err instanceof ViewNameTakenError) throw nameTaken(name ?? before.name);
          throw err;
        }
        if (sharing) await auditSharing(tx, request, { ...before, name: name ?? before.name }, body.shared!);
        // An admin who unshares another member's view can no longer see it, but gets it back as it now is.
        return (await getView(tx, request.accountId, userId, before.id))!;
      });
      return viewOf(row, userId);
    },
  );

  app.delete(
    '/api/views/:id',
    {
      config: { access: 'views:write' },
      schema: {
        tags: ['views'],
        summary: 'Delete a view: yours, or (with views:manage) one shared with the account; defaults naming it are cleared',
        params: ViewParams,
        response: { 204: Type.Null(), ...errors },
      },
    },
    async (request, reply) => {
      await withAccount(sql, request.accountId, async (tx) => {
        const row = await editableView(tx, request, request.params.id);
        await deleteView(tx, request.accountId, row.id);
        if (row.shared) {
          await appendAudit(tx, request.accountId, {
            action: 'view.deleted',
            actor: auditActor(request),
            subjectUserId: row.createdBy,
            target: { type: 'view', id: row.id },
            details: { name: row.name, page: row.page },
          });
        }
      });
      return reply.status(204).send(null);
    },
  );

  app.put(
    '/api/views/default',
    {
      config: { access: 'views:write' },
      schema: {
        tags: ['views'],
        summary: 'Choose your default view of a page (yours or a shared one), or none with `viewId: null`',
        body: DefaultViewBody,
        response: { 200: DefaultView, ...errors },
      },
    },
    async (request) => {
      const userId = request.caller!.userId;
      const { page, viewId } = request.body;
      await withAccount(sql, request.accountId, async (tx) => {
        if (viewId !== null) {
          const view = await getVisibleView(tx, request.accountId, userId, viewId);
          if (!view) throw new AppError(404, 'not_found', `view ${viewId} was not found`, [{ field: 'viewId', in: 'body', message: 'body.viewId names no view you can see' }]);
          if (view.page !== page) throw invalid('viewId', `is a view of the ${view.page} page, not of ${page}`);
        }
        await setDefaultView(tx, request.accountId, userId, page, viewId);
      });
      return { page, viewId };
    },
  );
};
