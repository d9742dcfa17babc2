// The outbox of emails: written in the same transaction as what they announce; delivered by the worker through SMTP
// when configured (workflows/email.ts), otherwise kept for a developer to read (`npm run outbox`).
import type { Sql, TransactionSql } from './sql.ts';

export interface OutboxEmail {
  /** The delivery id (a UUID): what workflows and Message-IDs name the email by. */
  id: string;
  recipient: string;
  subject: string;
  /** Null once sent: the body's links are credentials, and the mailbox has them now. */
  body: string | null;
  createdAt: Date;
  sentAt: Date | null;
  failedAt: Date | null;
  attempts: number;
  lastError: string | null;
}

export async function enqueueEmail(sql: Sql | TransactionSql, email: { recipient: string; subject: string; body: string }): Promise<string> {
  const [row] = await sql<[{ id: string }]>`
    insert into outbox_emails (recipient, subject, body) values (${email.recipient}, ${email.subject}, ${email.body}) returning delivery_id as id`;
  return row.id;
}

const columns = (sql: Sql | TransactionSql) => sql`
  delivery_id as id, recipient, subject, body, created_at as "createdAt", sent_at as "sentAt", failed_at as "failedAt", attempts,
  last_error as "lastError"`;

export async function latestEmails(sql: Sql, options: { recipient?: string; limit: number }): Promise<OutboxEmail[]> {
  return sql<OutboxEmail[]>`
    select ${columns(sql)} from outbox_emails
    ${options.recipient ? sql`where recipient = ${options.recipient}` : sql``}
    order by outbox_emails.id desc limit ${options.limit}`;
}

export type EmailClaim = { kind: 'claimed'; email: OutboxEmail & { body: string } } | { kind: 'busy' } | { kind: 'done' };

/**
 * Takes an email for sending for `leaseSeconds`. `busy`: another attempt holds it (a sender that died mid-send holds
 * it until the lease ends; then the email is sent again: at least once). `done`: sent, refused for good, or gone.
 */
export async function claimEmail(sql: Sql, id: string, leaseSeconds: number): Promise<EmailClaim> {
  const [row] = await sql<[(OutboxEmail & { body: string })?]>`
    update outbox_emails
    set claimed_until = now() + make_interval(secs => ${leaseSeconds}), attempts = attempts + 1, last_attempt_at = now()
    where delivery_id = ${id} and sent_at is null and failed_at is null and body is not null and (claimed_until is null or claimed_until < now())
    returning ${columns(sql)}`;
  if (row) return { kind: 'claimed', email: row };
  const [state] = await sql<[{ open: boolean }?]>`select (sent_at is null and failed_at is null and body is not null) as open from outbox_emails where delivery_id = ${id}`;
  return state?.open ? { kind: 'busy' } : { kind: 'done' };
}

export async function markEmailSent(sql: Sql, id: string): Promise<void> {
  await sql`update outbox_emails set sent_at = now(), body = null, claimed_until = null, last_error = null where delivery_id = ${id}`;
}

/** A refusal that retrying cannot fix (unknown mailbox): the email stays, without its body, marked failed. */
export async function markEmailFailed(sql: Sql, id: string, error: string): Promise<void> {
  await sql`update outbox_emails set failed_at = now(), body = null, claimed_until = null, last_error = ${error.slice(0, 500)} where delivery_id = ${id}`;
}

/** A passing problem (server down): the lease ends so the next attempt may claim it. */
export async function releaseEmail(sql: Sql, id: string, error: string | null): Promise<void> {
  await sql`update outbox_emails set claimed_until = null, last_error = ${error?.slice(0, 500) ?? null} where delivery_id = ${id}`;
}

/**
 * Emails whose delivery never started (the API could not reach Temporal after committing them) or stalled for
 * hours (their workflow was terminated): the sweep starts a delivery for each.
 */
export async function strandedEmailIds(sql: Sql, options: { olderThanSeconds: number; stalledSeconds: number; limit: number }): Promise<string[]> {
  const rows = await sql<{ id: string }[]>`
    select delivery_id as id from outbox_emails
    where sent_at is null and failed_at is null and body is not null
      and ((attempts = 0 and created_at < now() - make_interval(secs => ${options.olderThanSeconds}))
           or (attempts > 0 and last_attempt_at < now() - make_interval(secs => ${options.stalledSeconds})))
    order by outbox_emails.id limit ${options.limit}`;
  return rows.map((r) => r.id);
}
