// The audit log through the API: an account's entries (newest first), the verification of its hash chain, and a
// user's own security events (sign-ins, failed sign-ins, password changes).
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { listAccountAudit, listUserSecurityEvents, verifyAccountChain, type AuditEntry as AuditRow } from '../../db/audit.ts';
import { withAccount, withUser } from '../../db/tenancy.ts';
import type { AppDeps } from '../deps.ts';
import { commonErrors, ErrorResponse } from '../schemas/common.ts';
import { AuditPage, AuditQuery, AuditVerification, SecurityEvents } from '../schemas/audit.ts';

const errors = { ...commonErrors, 401: ErrorResponse, 403: ErrorResponse };

const entryView = (e: AuditRow) => ({
  seq: e.seq,
  occurredAt: e.occurredAt.toISOString(),
  action: e.action,
  actor: { userId: e.actorUserId, tokenId: e.actorTokenId, label: e.actorLabel },
  subjectUserId: e.subjectUserId,
  target: e.targetType && e.targetId ? { type: e.targetType, id: e.targetId } : null,
  ip: e.ip,
  requestId: e.requestId,
  details: e.details,
  hash: e.hash,
});

export const auditRoutes: FastifyPluginAsyncTypebox<{ deps: AppDeps }> = async (app, { deps }) => {
  const { sql } = deps;

  app.get(
    '/api/audit',
    {
      config: { access: 'audit:read' },
      schema: { tags: ['audit'], summary: 'The account’s audit log, newest first', querystring: AuditQuery, response: { 200: AuditPage, ...errors } },
    },
    async (request) => {
      const limit = request.query.limit ?? 50;
      const entries = await withAccount(sql, request.accountId, (tx) =>
        listAccountAudit(tx, request.accountId, { beforeSeq: request.query.before, limit, action: request.query.action }),
      );
      const last = entries.at(-1);
      return { entries: entries.map(entryView), nextBefore: entries.length === limit && last && last.seq > 1 ? last.seq : null };
    },
  );

  app.get(
    '/api/audit/verify',
    {
      config: { access: 'audit:read' },
      schema: {
        tags: ['audit'],
        summary: 'Recompute the account’s hash chain: any edited, removed or reordered entry shows',
        response: { 200: AuditVerification, ...errors },
      },
    },
    async (request) => {
      const result = await withAccount(sql, request.accountId, (tx) => verifyAccountChain(tx, request.accountId));
      if (!result.valid) request.log.error({ firstBroken: result.firstBroken }, 'the audit chain does not verify');
      return { ...result, checkedAt: new Date().toISOString() };
    },
  );

  app.get(
    '/api/auth/activity',
    {
      config: { access: 'signed-in' },
      schema: {
        tags: ['auth'],
        summary: 'Your recent sign-ins, failed sign-ins and password changes (the last 50)',
        response: { 200: SecurityEvents, ...errors },
      },
    },
    async (request) => {
      const userId = request.caller!.userId;
      return { events: (await withUser(sql, userId, (tx) => listUserSecurityEvents(tx, userId, 50))).map(entryView) };
    },
  );
};
