// The outbox of emails: written in the same transaction as what they announce; sent by SMTP when configured.
import type { Sql, TransactionSql } from './sql.ts';

export interface OutboxEmail {
  id: string;
  recipient: string;
  subject: string;
  body: string;
  createdAt: Date;
  sentAt: Date | null;
}

export async function enqueueEmail(sql: Sql | TransactionSql, email: { recipient: string; subject: string; body: string }): Promise<string> {
  const [row] = await sql<[{ id: string }]>`
    insert into outbox_emails (recipient, subject, body) values (${email.recipient}, ${email.subject}, ${email.body}) returning id`;
  return String(row.id);
}

export async function latestEmails(sql: Sql, options: { recipient?: string; limit: number }): Promise<OutboxEmail[]> {
  return sql<OutboxEmail[]>`
    select id::text, recipient, subject, body, created_at as "createdAt", sent_at as "sentAt"
    from outbox_emails
    ${options.recipient ? sql`where recipient = ${options.recipient}` : sql``}
    order by id desc limit ${options.limit}`;
}
