// Emails to the people who may approve a run that waits for approval: owners and admins, and responders with the
// approver grant, with a confirmed address, never the requester. Enqueued in the transaction that creates the run,
// so the run and its notifications commit together (the outbox delivers them; see api/email-delivery.ts).
import { enqueueEmail } from './outbox.ts';
import type { TransactionSql } from './sql.ts';

export interface ApprovalRequestNotice {
  accountId: string;
  runId: string;
  requestedBy: string | null;
  /** Who or what asked: a person's email, `schedule “nightly”`, `event rule “disk full”`. */
  requesterLabel: string;
  runbookTitle: string;
  targetName: string;
  expiresAt: Date;
  dryRun: boolean;
  /** Where the web app is (config.web.origin): the email links to the run. */
  webOrigin: string;
}

/** Enqueues one email per approver; returns the email ids (deliver them after the commit). */
export async function enqueueApprovalRequests(tx: TransactionSql, n: ApprovalRequestNotice): Promise<string[]> {
  const approvers = await tx<{ email: string; accountName: string }[]>`
    select u.email, a.name as "accountName"
    from memberships m join users u on u.id = m.user_id join accounts a on a.id = m.account_id
    where m.account_id = ${n.accountId}
      and (m.role in ('owner', 'admin') or (m.role = 'responder' and m.approver))
      and u.email_verified_at is not null
      and m.user_id is distinct from ${n.requestedBy}
    order by u.email`;
  const link = `${n.webOrigin}/automations/runs/${n.runId}`;
  const ids: string[] = [];
  for (const approver of approvers) {
    ids.push(
      await enqueueEmail(tx, {
        recipient: approver.email,
        subject: `Approval needed: ${n.dryRun ? 'dry run of ' : ''}“${n.runbookTitle}” on ${n.targetName} (${approver.accountName})`,
        body: [
          `${n.requesterLabel} requested a ${n.dryRun ? 'dry run' : 'run'} of the runbook “${n.runbookTitle}” on ${n.targetName} in ${approver.accountName}.`,
          '',
          `Review its steps and approve or reject it before ${n.expiresAt.toISOString().replace('T', ' ').slice(0, 16)} UTC:`,
          link,
          '',
          'Nothing runs until enough approvers agree. You get this email because you may approve runs in this account.',
        ].join('\n'),
      }),
    );
  }
  return ids;
}
