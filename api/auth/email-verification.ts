// Confirmation links for an email address, queued when a user signs up and when they ask for a new one.
import { randomBytes } from 'node:crypto';
import { enqueueEmail } from '../../db/outbox.ts';
import type { TransactionSql } from '../../db/sql.ts';
import { createEmailVerification } from '../../db/users.ts';
import { hashToken } from './tokens.ts';

/** Confirmation links live a day; a user may ask for five an hour. */
const VERIFICATION_TTL_MS = 24 * 3600 * 1000;
export const VERIFICATIONS_PER_HOUR = 5;

/** Queues a confirmation link to the user's address, in the caller's transaction; answers the outbox id. */
export async function queueVerification(tx: TransactionSql, webOrigin: string, user: { id: string; email: string; name: string }): Promise<string> {
  const token = randomBytes(32).toString('base64url');
  await createEmailVerification(tx, { tokenHash: hashToken(token), userId: user.id, email: user.email, expiresAt: new Date(Date.now() + VERIFICATION_TTL_MS) });
  return enqueueEmail(tx, {
    recipient: user.email,
    subject: 'Confirm your email for Incident Insights',
    body: [
      `Hello ${user.name},`,
      '',
      `Confirm that ${user.email} is yours within a day: ${webOrigin}/verify-email?token=${encodeURIComponent(token)}`,
      '',
      'Until then you can use Incident Insights, but not invite people. If you did not sign up, ignore this email.',
    ].join('\n'),
  });
}
