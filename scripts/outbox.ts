// `npm run outbox`: the newest emails the platform queued (invitations, ...), for a developer without a mail server.
// Reads DATABASE_URL, or the embedded database of a running `npm start`.
import { loadConfig } from '../config.ts';
import { latestEmails } from '../db/outbox.ts';
import { createSql } from '../db/sql.ts';

const config = loadConfig();
const url = config.database.url ?? `postgres://postgres:postgres@127.0.0.1:${config.database.embeddedPort}/postgres`;
const sql = createSql(url, { max: 1, applicationName: 'incident-insights-outbox' });
try {
  const recipient = process.argv[2];
  const emails = await latestEmails(sql, { limit: 10, ...(recipient ? { recipient } : {}) });
  if (emails.length === 0) console.log('The outbox is empty.');
  for (const email of emails.reverse()) {
    const state = email.sentAt ? '  (sent)' : email.failedAt ? `  (refused: ${email.lastError})` : '';
    const body = email.body ?? '(body removed after sending: its links were in the recipient’s mailbox)';
    console.log(`\n#${email.id}  ${email.createdAt.toISOString()}  to ${email.recipient}${state}\nSubject: ${email.subject}\n\n${body}`);
  }
} finally {
  await sql.end();
}
