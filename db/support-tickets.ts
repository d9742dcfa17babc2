// Support tickets (migration 0014): numbered per account, with the diagnostics the browser sent and the history of
// their statuses.
import type { TransactionSql } from './sql.ts';

export type TicketStatus = 'open' | 'in_progress' | 'resolved' | 'closed';

export interface TicketRow {
  id: string;
  accountId: string;
  number: number;
  subject: string;
  description: string;
  status: TicketStatus;
  diagnostics: Record<string, unknown>;
  createdBy: string;
  /** Null once the person is no longer a member of the account. */
  createdByEmail: string | null;
  createdAt: Date;
  updatedAt: Date;
}

export interface TicketEventRow {
  ticketId: string;
  status: TicketStatus;
  comment: string | null;
  changedBy: string | null;
  changedByEmail: string | null;
  at: Date;
}

const columns = (tx: TransactionSql) => tx`
  t.id, t.account_id as "accountId", t.number, t.subject, t.description, t.status, t.diagnostics, t.created_by as "createdBy",
  u.email as "createdByEmail", t.created_at as "createdAt", t.updated_at as "updatedAt"`;

/**
 * The account's next ticket number. The upsert locks the account's counter row until the transaction ends, so
 * concurrent creations take 1, 2, 3, ... in turn; a rolled-back creation gives its number back.
 */
async function nextTicketNumber(tx: TransactionSql, accountId: string): Promise<number> {
  const [row] = await tx<[{ number: number }]>`
    insert into support_ticket_counters (account_id, last_number) values (${accountId}, 1)
    on conflict (account_id) do update set last_number = support_ticket_counters.last_number + 1
    returning last_number as number`;
  return row.number;
}

export async function insertTicket(
  tx: TransactionSql,
  ticket: { id: string; accountId: string; subject: string; description: string; diagnostics: Record<string, unknown>; createdBy: string },
): Promise<TicketRow> {
  const number = await nextTicketNumber(tx, ticket.accountId);
  await tx`
    insert into support_tickets (id, account_id, number, subject, description, diagnostics, created_by)
    values (${ticket.id}, ${ticket.accountId}, ${number}, ${ticket.subject}, ${ticket.description}, ${tx.json(ticket.diagnostics as never)}, ${ticket.createdBy})`;
  await tx`
    insert into support_ticket_events (account_id, ticket_id, status, changed_by) values (${ticket.accountId}, ${ticket.id}, 'open', ${ticket.createdBy})`;
  return (await getTicket(tx, ticket.accountId, ticket.id))!;
}

/** One ticket; with `createdBy`, only when that user opened it (what a member without support:manage may see). */
export async function getTicket(tx: TransactionSql, accountId: string, id: string, options: { createdBy?: string; lock?: boolean } = {}): Promise<TicketRow | undefined> {
  const [row] = await tx<[TicketRow?]>`
    select ${columns(tx)} from support_tickets t left join users u on u.id = t.created_by
    where t.account_id = ${accountId} and t.id = ${id}
      ${options.createdBy ? tx`and t.created_by = ${options.createdBy}` : tx``}
    ${options.lock ? tx`for update of t` : tx``}`;
  return row;
}

/** Newest first: the account's, or with `createdBy` that user's own. */
export async function listTickets(tx: TransactionSql, accountId: string, options: { createdBy?: string; status?: TicketStatus; limit: number }): Promise<TicketRow[]> {
  return tx<TicketRow[]>`
    select ${columns(tx)} from support_tickets t left join users u on u.id = t.created_by
    where t.account_id = ${accountId}
      ${options.createdBy ? tx`and t.created_by = ${options.createdBy}` : tx``}
      ${options.status ? tx`and t.status = ${options.status}` : tx``}
    order by t.number desc
    limit ${options.limit}`;
}

/** The status histories of the given tickets, oldest first. */
export async function ticketHistories(tx: TransactionSql, accountId: string, ticketIds: string[]): Promise<Map<string, TicketEventRow[]>> {
  const byTicket = new Map<string, TicketEventRow[]>(ticketIds.map((id) => [id, []]));
  if (ticketIds.length === 0) return byTicket;
  const rows = await tx<TicketEventRow[]>`
    select e.ticket_id as "ticketId", e.status, e.comment, e.changed_by as "changedBy", u.email as "changedByEmail", e.at
    from support_ticket_events e left join users u on u.id = e.changed_by
    where e.account_id = ${accountId} and e.ticket_id = any(${ticketIds}::uuid[])
    order by e.id`;
  for (const row of rows) byTicket.get(row.ticketId)?.push(row);
  return byTicket;
}

/** A new status (or the same one with a comment), recorded in the history. */
export async function changeTicketStatus(
  tx: TransactionSql,
  accountId: string,
  id: string,
  change: { status: TicketStatus; comment: string | null; changedBy: string },
): Promise<void> {
  await tx`update support_tickets set status = ${change.status}, updated_at = now() where account_id = ${accountId} and id = ${id}`;
  await tx`
    insert into support_ticket_events (account_id, ticket_id, status, comment, changed_by)
    values (${accountId}, ${id}, ${change.status}, ${change.comment}, ${change.changedBy})`;
}
