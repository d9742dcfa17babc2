// Task queue names, named once: the main queue, and the automation queue its step and verify activities run on.
import type { Config } from '../config.ts';
import { AUTOMATION_TASK_QUEUE_SUFFIX } from '../workflows/retry.ts';

export function mainTaskQueue(config: Config): string {
  return config.temporal.taskQueue;
}

/**
 * Automation step and verify activities (the run workflow sends them here behind `patched('automation-task-queue')`),
 * so they can run on their own workers with the credentials for customer infrastructure (WORKER_ROLE=automation).
 */
export function automationTaskQueue(config: Config): string {
  return automationTaskQueueOf(mainTaskQueue(config));
}

export function automationTaskQueueOf(mainQueue: string): string {
  return `${mainQueue}${AUTOMATION_TASK_QUEUE_SUFFIX}`;
}
