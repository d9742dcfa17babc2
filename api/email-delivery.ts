// Starts the delivery of emails the request just committed to the outbox. Best effort by design: the email is safe
// in the outbox either way, and the sweep (temporal/schedules.ts) starts any delivery whose start was lost here.
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/client';
import type { FastifyBaseLogger } from 'fastify';
import { mainTaskQueue } from '../temporal/task-queues.ts';
import { emailDeliveryWorkflow, emailWorkflowId } from '../workflows/index.ts';
import { KindKey } from '../workflows/search-attributes.ts';
import type { AppDeps } from './deps.ts';

const START_DEADLINE_MS = 3_000;

export async function deliverEmails(deps: Pick<AppDeps, 'temporal' | 'config'>, emailIds: string[], log: FastifyBaseLogger): Promise<void> {
  for (const emailId of emailIds) {
    try {
      await deps.temporal.connection.withDeadline(Date.now() + START_DEADLINE_MS, () =>
        deps.temporal.client.workflow.start(emailDeliveryWorkflow, {
          workflowId: emailWorkflowId(emailId),
          taskQueue: mainTaskQueue(deps.config),
          args: [{ emailId }],
          typedSearchAttributes: [{ key: KindKey, value: 'email' }],
        }),
      );
    } catch (err) {
      if (err instanceof WorkflowExecutionAlreadyStartedError) continue;
      log.warn({ err, emailId }, 'could not start the email’s delivery now; the outbox sweep will');
    }
  }
}
