// Delivering the outbox through SMTP (nodemailer): claim an email, send it, drop its body; a refusal for good marks
// it failed, anything else is retried by the workflow. Without SMTP_URL emails stay in the outbox.
import { log } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import nodemailer from 'nodemailer';
import type { Config } from '../config.ts';
import { claimEmail, markEmailFailed, markEmailSent, releaseEmail, strandedEmailIds } from '../db/outbox.ts';
import type { Sql } from '../db/sql.ts';
import type { DeliverEmailInput, DeliverEmailResult, StrandedEmailsInput } from '../workflows/activity-contract.ts';
import { FailureType } from '../workflows/retry.ts';
import { unavailable } from './failures.ts';

export interface EmailActivityDeps {
  sql: Sql;
  email: Config['email'];
}

/** Longer than one send can take (the activity's timeout is a minute), so a live sender never loses its claim. */
const CLAIM_SECONDS = 90;

interface SmtpError extends Error {
  responseCode?: number;
  command?: string;
}

/**
 * A 5xx reply to the message itself (an unknown mailbox, a policy refusal) is final. A 5xx to logging in or
 * connecting is our configuration's problem, not the email's: it is retried (and shows in the worker's log).
 */
function refusedForGood(err: SmtpError): boolean {
  const code = err.responseCode ?? 0;
  const command = (err.command ?? '').toUpperCase();
  return code >= 500 && code < 600 && !command.startsWith('AUTH') && command !== 'CONN' && command !== 'GREETING';
}

export function createEmailActivities(deps: EmailActivityDeps) {
  const { sql } = deps;
  const transport = deps.email.smtpUrl ? nodemailer.createTransport(deps.email.smtpUrl) : undefined;
  // Message-IDs name the outbox row: a mail client shows a repeated send (after a crash mid-send) as one email.
  const domain = /@([^>\s]+)/.exec(deps.email.from)?.[1] ?? 'incident-insights.local';

  return {
    async deliverEmail({ emailId }: DeliverEmailInput): Promise<DeliverEmailResult> {
      if (!transport) {
        log.info('no SMTP_URL: the email stays in the outbox (read it with `npm run outbox`)', { emailId });
        return { outcome: 'kept' };
      }
      const claim = await claimEmail(sql, emailId, CLAIM_SECONDS);
      if (claim.kind === 'done') return { outcome: 'already_done' };
      if (claim.kind === 'busy') throw unavailable(`email ${emailId} is being sent by an earlier attempt; trying again after its claim ends`);
      const { email } = claim;
      try {
        await transport.sendMail({
          from: deps.email.from,
          to: email.recipient,
          subject: email.subject,
          text: email.body,
          messageId: `<outbox-${email.id}@${domain}>`,
        });
      } catch (err) {
        const smtp = err as SmtpError;
        const message = `${smtp.responseCode ? `SMTP ${smtp.responseCode}: ` : ''}${smtp.message}`;
        if (refusedForGood(smtp)) {
          await markEmailFailed(sql, email.id, message);
          throw ApplicationFailure.create({ type: FailureType.emailRejected, message: `the mail server refused email ${email.id} for good: ${message}`, nonRetryable: true });
        }
        await releaseEmail(sql, email.id, message);
        throw unavailable(`could not send email ${email.id}: ${message}`, smtp);
      }
      await markEmailSent(sql, email.id);
      return { outcome: 'sent' };
    },

    async strandedEmails({ limit }: StrandedEmailsInput): Promise<string[]> {
      if (!transport) return [];
      return strandedEmailIds(sql, { olderThanSeconds: 60, stalledSeconds: 3 * 3600, limit });
    },
  };
}
