// Starts the delivery of emails the request just committed to the outbox. Best effort by design: the email is safe
// in the outbox either way, and the sweep (temporal/schedules.ts) starts any delivery whose start was lost here.
import type { FastifyBaseLogger } from 'fastify';
import { emailDeliveryWorkflow, emailWorkflowId } from '../workflows/index.ts';
import type { AppDeps } from './deps.ts';
import { startAccountWorkflow } from './workflow-starts.ts';

export async function deliverEmails(deps: Pick<AppDeps, 'temporal' | 'config'>, emailIds: string[], log: FastifyBaseLogger): Promise<void> {
  for (const emailId of emailIds) {
    try {
      // An email's delivery belongs to no account (the outbox sweep starts it too); one already started is fine.
      await startAccountWorkflow(deps, emailDeliveryWorkflow, { workflowId: emailWorkflowId(emailId), accountId: null, kind: 'email', args: [{ emailId }] });
    } catch (err) {
      log.warn({ err, emailId }, 'could not start the email’s delivery now; the outbox sweep will');
    }
  }
}
