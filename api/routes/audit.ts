// The audit log through the API: an account's entries (newest first), the verification of its hash chain, and the
// whole chain (or a filtered part) as a CSV or JSON download.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { appendAudit, auditEntriesAfter, listAccountAudit, verifyAccountChain, type AuditEntry as AuditRow } from '../../db/audit.ts';
import { clusterNames, patternRefs } from '../../db/cluster-names.ts';
import { withAccount } from '../../db/tenancy.ts';
import type { AppDeps } from '../deps.ts';
import { AppError } from '../errors.ts';
import { csvRow, streamFromAccount } from '../export-stream.ts';
import { auditActor } from '../plugins/authentication.ts';
import { commonErrors, ErrorResponse } from '../schemas/common.ts';
import { AuditExportQuery, AuditPage, AuditQuery, AuditVerification } from '../schemas/audit.ts';
import { auditEntryView } from '../views.ts';

const errors = { ...commonErrors, 401: ErrorResponse, 403: ErrorResponse };

/** The clusters an entry names: a feedback's target and the cluster it merged into, a rule's clusters. */
function clusterIdsOf(e: AuditRow): string[] {
  const d = e.details as Record<string, unknown>;
  const ids = [
    ...(e.targetType === 'cluster' && e.targetId ? [e.targetId] : []),
    ...[d.clusterId, d.intoClusterId].filter((v): v is string => typeof v === 'string'),
    ...(Array.isArray(d.clusterIds) ? d.clusterIds.filter((v): v is string => typeof v === 'string') : []),
  ];
  return [...new Set(ids)];
}

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
      const { entries, names } = await withAccount(sql, request.accountId, async (tx) => {
        const rows = await listAccountAudit(tx, request.accountId, { beforeSeq: request.query.before, limit, action: request.query.action });
        return { entries: rows, names: await clusterNames(tx, request.accountId, rows.flatMap(clusterIdsOf)) };
      });
      const last = entries.at(-1);
      const view = (e: AuditRow) => {
        const ids = clusterIdsOf(e);
        return { ...auditEntryView(e), ...(ids.length > 0 ? { patterns: patternRefs(names, ids) } : {}) };
      };
      return { entries: entries.map(view), nextBefore: entries.length === limit && last && last.seq > 1 ? last.seq : null };
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

  const EXPORT_COLUMNS = ['seq', 'occurredAt', 'action', 'actorLabel', 'actorUserId', 'actorTokenId', 'subjectUserId', 'targetType', 'targetId', 'ip', 'requestId', 'details', 'prevHash', 'hash'];
  const EXPORT_BATCH = 1000;

  app.get(
    '/api/audit/export',
    {
      config: { access: 'audit:read' },
      schema: {
        tags: ['audit'],
        summary: 'The account’s audit log, oldest first, as CSV or JSON, with each entry’s hash and its predecessor’s, and the chain’s verification',
        description:
          'The verification covers the whole chain and is also sent as the headers `x-audit-chain-valid`, `x-audit-chain-entries`, `x-audit-chain-head` (and `x-audit-chain-first-broken` when it fails). The download itself is recorded in the log (`audit.exported`).',
        querystring: AuditExportQuery,
        response: {
          200: {
            description: 'CSV (RFC 4180, `details` as JSON in one cell) or JSON `{ exportedAt, verification, filter, entries }`',
            content: { 'text/csv': { schema: Type.String() }, 'application/json': { schema: Type.String() } },
          },
          ...errors,
        },
      },
    },
    async (request, reply) => {
      const { accountId } = request;
      const q = request.query;
      const format = q.format ?? 'csv';
      const from = q.from ? new Date(q.from) : undefined;
      const to = q.to ? new Date(q.to) : undefined;
      if (from && to && from >= to) throw new AppError(400, 'invalid_query', 'The range is empty: from must be before to', [{ field: 'from', message: 'must be before to' }]);
      const filter = { ...(q.action ? { action: q.action } : {}), ...(q.from ? { from: q.from } : {}), ...(q.to ? { to: q.to } : {}) };
      const verification = await withAccount(sql, accountId, async (tx) => {
        const result = await verifyAccountChain(tx, accountId);
        await appendAudit(tx, accountId, { action: 'audit.exported', actor: auditActor(request), details: { format, ...filter, chainValid: result.valid, entries: result.entries } });
        return result;
      });
      if (!verification.valid) request.log.error({ firstBroken: verification.firstBroken }, 'the audit chain does not verify');
      const exportedAt = new Date().toISOString();
      const stream = streamFromAccount(sql, accountId, 'audit', request.log, async (tx, write) => {
        if (format === 'json') {
          if (!(await write(`{"exportedAt":${JSON.stringify(exportedAt)},"verification":${JSON.stringify(verification)},"filter":${JSON.stringify(filter)},"entries":[`))) return;
        } else if (!(await write(csvRow(EXPORT_COLUMNS)))) return;
        let after = 0;
        let first = true;
        for (;;) {
          const rows = await auditEntriesAfter(tx, accountId, after, { limit: EXPORT_BATCH, action: q.action, from, to });
          if (rows.length === 0) break;
          after = rows.at(-1)!.seq;
          const chunk =
            format === 'json'
              ? rows.map((e, i) => `${first && i === 0 ? '' : ','}${JSON.stringify({ ...auditEntryView(e), prevHash: e.prevHash })}`).join('')
              : rows
                  .map((e) =>
                    csvRow([e.seq, e.occurredAt.toISOString(), e.action, e.actorLabel, e.actorUserId, e.actorTokenId, e.subjectUserId, e.targetType, e.targetId, e.ip, e.requestId, JSON.stringify(e.details), e.prevHash, e.hash]),
                  )
                  .join('');
          first = false;
          if (!(await write(chunk))) return;
          if (rows.length < EXPORT_BATCH) break;
        }
        if (format === 'json') await write(']}');
      });
      const day = exportedAt.slice(0, 10);
      if (verification.firstBroken) reply.header('x-audit-chain-first-broken', `${verification.firstBroken.seq} ${verification.firstBroken.reason}`);
      return reply
        .header('content-type', format === 'json' ? 'application/json; charset=utf-8' : 'text/csv; charset=utf-8')
        .header('content-disposition', `attachment; filename="audit-log-${day}.${format}"`)
        .header('cache-control', 'no-store')
        .header('x-audit-chain-valid', String(verification.valid))
        .header('x-audit-chain-entries', String(verification.entries))
        .header('x-audit-chain-head', verification.headHash ?? '')
        .send(stream as unknown as string);
    },
  );
};
