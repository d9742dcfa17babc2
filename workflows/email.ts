// Email delivery: one workflow per outbox email (id `email/<outbox id>`), started by the API after the email's
// transaction commits, and a sweep (on a Schedule) that starts one for any email whose start was lost.
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import { ParentClosePolicy, WorkflowIdReusePolicy, proxyActivities, startChild } from '@temporalio/workflow';
import type { Activities, DeliverEmailResult } from './activity-contract.ts';
import { databaseActivity, emailActivity } from './retry.ts';

export interface EmailDeliveryInput {
  emailId: string;
}
export type EmailDeliveryResult = DeliverEmailResult;

export interface EmailOutboxSweepInput {
  /** At most this many deliveries per run; the next run takes the rest. */
  limit?: number;
}
export interface EmailOutboxSweepResult {
  started: number;
}

const { deliverEmail } = proxyActivities<Activities>(emailActivity);
const { strandedEmails } = proxyActivities<Activities>(databaseActivity);

/** The workflow id of an email's delivery: one per email, so a second start is refused rather than sending twice. */
export const emailWorkflowId = (emailId: string) => `email/${emailId}`;

export async function emailDeliveryWorkflow(input: EmailDeliveryInput): Promise<EmailDeliveryResult> {
  return deliverEmail({ emailId: input.emailId });
}

export async function emailOutboxSweepWorkflow(input: EmailOutboxSweepInput): Promise<EmailOutboxSweepResult> {
  const ids = await strandedEmails({ limit: input.limit ?? 500 });
  let started = 0;
  for (const emailId of ids) {
    try {
      await startChild(emailDeliveryWorkflow, {
        workflowId: emailWorkflowId(emailId),
        args: [{ emailId }],
        // The sweep ends at once; each delivery lives on with its own retries.
        parentClosePolicy: ParentClosePolicy.ABANDON,
        // A delivery that ran before (and was terminated, or gave up) may run again: the outbox row says what is left.
        workflowIdReusePolicy: WorkflowIdReusePolicy.ALLOW_DUPLICATE,
      });
      started += 1;
    } catch (err) {
      if (err instanceof WorkflowExecutionAlreadyStartedError) continue; // already being delivered
      throw err;
    }
  }
  return { started };
}
