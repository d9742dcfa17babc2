// Support tickets ("report a problem"): any member opens one with the browser's diagnostics and follows its status;
// owners and admins see all of the account's and move them along. SUPPORT_EMAIL also gets each new ticket by email.
import { randomUUID } from 'node:crypto';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyRequest } from 'fastify';
import { appendAudit } from '../../db/audit.ts';
import { enqueueEmail } from '../../db/outbox.ts';
import type { TransactionSql } from '../../db/sql.ts';
import { changeTicketStatus, getTicket, insertTicket, listTickets, ticketHistories, type TicketEventRow, type TicketRow } from '../../db/support-tickets.ts';
import { withAccount } from '../../db/tenancy.ts';
import type { AppDeps } from '../deps.ts';
import { deliverEmails } from '../email-delivery.ts';
import { AppError, notFound } from '../errors.ts';
import { auditActor } from '../plugins/authentication.ts';
import { can } from '../permissions.ts';
import { commonErrors, ErrorResponse } from '../schemas/common.ts';
import { CreateTicketBody, MAX_DIAGNOSTICS_BYTES, Ticket, TicketList, TicketParams, TicketQuery, UpdateTicketBody, type Diagnostics } from '../schemas/support-tickets.ts';

const errors = { ...commonErrors, 401: ErrorResponse, 403: ErrorResponse, 404: ErrorResponse, 429: ErrorResponse };
/** Per person: each ticket may be an email to the support address, and a runaway script must not flood it. */
const TICKETS_PER_MINUTE = 30;

function ticketOf(row: TicketRow, history: TicketEventRow[]) {
  return {
    id: row.id,
    number: row.number,
    subject: row.subject,
    description: row.description,
    status: row.status,
    diagnostics: row.diagnostics as Diagnostics,
    createdBy: { id: row.createdBy, email: row.createdByEmail },
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
    history: history.map((e) => ({
      status: e.status,
      ...(e.comment !== null ? { comment: e.comment } : {}),
      by: e.changedBy ? { id: e.changedBy, email: e.changedByEmail } : null,
      at: e.at.toISOString(),
    })),
  };
}

/** One line, so a subject cannot add headers to the email. */
const oneLine = (text: string) => text.replace(/[\r\n\t]+/g, ' ').trim();

export const supportTicketRoutes: FastifyPluginAsyncTypebox<{ deps: AppDeps }> = async (app, { deps }) => {
  const { sql, config } = deps;

  /** Without support:manage a member sees only the tickets they opened; others' are not there for them (404). */
  const ownTicketsOnly = (request: FastifyRequest) => (can(request.caller!.account!.role, 'support:manage') ? undefined : request.caller!.userId);

  const withHistory = async (tx: TransactionSql, accountId: string, row: TicketRow) => ticketOf(row, (await ticketHistories(tx, accountId, [row.id])).get(row.id)!);

  const ticketEmail = (tx: TransactionSql, request: FastifyRequest, row: TicketRow, recipient: string) =>
    enqueueEmail(tx, {
      recipient,
      subject: `[Support #${row.number}] ${oneLine(row.subject)} (${oneLine(request.caller!.account!.accountName)})`,
      body: [
        `Ticket #${row.number} (${row.id}) opened by ${request.caller!.label} in ${request.caller!.account!.accountName} (account ${row.accountId}).`,
        '',
        `Subject: ${row.subject}`,
        '',
        row.description || '(no description)',
        '',
        'Diagnostics:',
        JSON.stringify(row.diagnostics, null, 2),
      ].join('\n'),
    });

  app.post(
    '/api/support-tickets',
    {
      config: { access: 'support:create', rateLimit: { max: TICKETS_PER_MINUTE, timeWindow: '1 minute', keyGenerator: (request) => `support:${request.caller?.userId ?? request.ip}` } },
      schema: {
        tags: ['support'],
        summary: 'Report a problem: open a support ticket with the browser’s diagnostics',
        description: 'Numbered per account. With SUPPORT_EMAIL configured the ticket is also emailed there.',
        body: CreateTicketBody,
        response: { 201: Ticket, ...errors },
      },
    },
    async (request, reply) => {
      const { subject, description, diagnostics } = request.body;
      if (Buffer.byteLength(JSON.stringify(diagnostics)) > MAX_DIAGNOSTICS_BYTES) {
        const message = `body.diagnostics is larger than ${MAX_DIAGNOSTICS_BYTES / 1024} KB as JSON`;
        throw new AppError(400, 'invalid_body', message, [{ field: 'diagnostics', in: 'body', message }]);
      }
      const supportEmail = config.support.email;
      const { ticket, emailId } = await withAccount(sql, request.accountId, async (tx) => {
        const row = await insertTicket(tx, { id: randomUUID(), accountId: request.accountId, subject: subject.trim(), description, diagnostics, createdBy: request.caller!.userId });
        await appendAudit(tx, request.accountId, {
          action: 'support.ticket_created',
          actor: auditActor(request),
          target: { type: 'support_ticket', id: row.id },
          details: { number: row.number, subject: row.subject },
        });
        const emailId = supportEmail ? await ticketEmail(tx, request, row, supportEmail) : undefined;
        return { ticket: await withHistory(tx, request.accountId, row), emailId };
      });
      if (emailId) await deliverEmails(deps, [emailId], request.log);
      request.log.info({ ticketId: ticket.id, number: ticket.number, emailed: Boolean(emailId) }, 'support ticket opened');
      return reply.status(201).send(ticket);
    },
  );

  app.get(
    '/api/support-tickets',
    {
      config: { access: 'support:read' },
      schema: {
        tags: ['support'],
        summary: 'Support tickets, newest first: yours, or with support:manage all of the account’s',
        querystring: TicketQuery,
        response: { 200: TicketList, ...errors },
      },
    },
    async (request) => {
      const createdBy = ownTicketsOnly(request);
      const tickets = await withAccount(sql, request.accountId, async (tx) => {
        const rows = await listTickets(tx, request.accountId, { limit: request.query.limit ?? 100, ...(createdBy ? { createdBy } : {}), ...(request.query.status ? { status: request.query.status } : {}) });
        const histories = await ticketHistories(tx, request.accountId, rows.map((r) => r.id));
        return rows.map((row) => ticketOf(row, histories.get(row.id)!));
      });
      return { tickets };
    },
  );

  app.get(
    '/api/support-tickets/:id',
    {
      config: { access: 'support:read' },
      schema: { tags: ['support'], summary: 'A support ticket with its history (yours, or any with support:manage)', params: TicketParams, response: { 200: Ticket, ...errors } },
    },
    async (request) => {
      const createdBy = ownTicketsOnly(request);
      return withAccount(sql, request.accountId, async (tx) => {
        const row = await getTicket(tx, request.accountId, request.params.id, createdBy ? { createdBy } : {});
        if (!row) throw notFound('support ticket', request.params.id);
        return withHistory(tx, request.accountId, row);
      });
    },
  );

  app.patch(
    '/api/support-tickets/:id',
    {
      config: { access: 'support:manage' },
      schema: {
        tags: ['support'],
        summary: 'Change a ticket’s status (with a comment for the reporter); recorded in its history and the audit log',
        params: TicketParams,
        body: UpdateTicketBody,
        response: { 200: Ticket, ...errors },
      },
    },
    async (request) => {
      const { status, comment } = request.body;
      return withAccount(sql, request.accountId, async (tx) => {
        const before = await getTicket(tx, request.accountId, request.params.id, { lock: true });
        if (!before) throw notFound('support ticket', request.params.id);
        // The same status without a word changes nothing: no history row, no audit entry.
        if (status === before.status && !comment) return withHistory(tx, request.accountId, before);
        await changeTicketStatus(tx, request.accountId, before.id, { status, comment: comment ?? null, changedBy: request.caller!.userId });
        await appendAudit(tx, request.accountId, {
          action: 'support.ticket_updated',
          actor: auditActor(request),
          subjectUserId: before.createdBy,
          target: { type: 'support_ticket', id: before.id },
          details: { number: before.number, from: before.status, to: status, commented: Boolean(comment) },
        });
        return withHistory(tx, request.accountId, (await getTicket(tx, request.accountId, before.id))!);
      });
    },
  );
};
