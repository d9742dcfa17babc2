// The platform's own Temporal Schedules, created (or brought up to date) when the API starts: operators see and
// steer them with `temporal schedule list|describe|trigger|toggle`.
import { ScheduleAlreadyRunning, ScheduleOverlapPolicy, type ScheduleOptions } from '@temporalio/client';
import type { Config } from '../config.ts';
import { emailOutboxSweepWorkflow, unifyScheduleId, unifyWorkflow } from '../workflows/index.ts';
import { AccountIdKey, KindKey } from '../workflows/search-attributes.ts';
import type { TemporalClient } from './client.ts';
import { mainTaskQueue } from './task-queues.ts';

export const EMAIL_SWEEP_SCHEDULE_ID = 'email-outbox-sweep';

export function platformSchedules(config: Config): ScheduleOptions[] {
  return [
    {
      scheduleId: EMAIL_SWEEP_SCHEDULE_ID,
      spec: { intervals: [{ every: '5 minutes' }] },
      action: { type: 'startWorkflow', workflowType: emailOutboxSweepWorkflow, workflowId: 'email-outbox-sweep', taskQueue: mainTaskQueue(config), args: [{}] },
      // A sweep that is still running makes the next one pointless.
      policies: { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: '10 minutes' },
      memo: { purpose: 'Starts the delivery of outbox emails whose start was lost (see docs/operations.md)' },
    },
  ];
}

/** Creates each schedule, or updates its spec and action when it exists (a new version may change them). */
export async function ensureSchedules(temporal: TemporalClient, config: Config): Promise<void> {
  for (const options of platformSchedules(config)) {
    try {
      await temporal.client.schedule.create(options);
    } catch (err) {
      if (!(err instanceof ScheduleAlreadyRunning)) throw err;
      await temporal.client.schedule.getHandle(options.scheduleId).update((previous) => ({
        ...previous,
        spec: options.spec,
        action: options.action,
        policies: { ...previous.policies, ...options.policies },
      }));
    }
  }
}

/**
 * The account's unification every 15 minutes (`unify/<account>`), created with its first integration. Webhooks and
 * backfills also start it on demand; this catches anything those nudges missed.
 */
export async function ensureUnifySchedule(temporal: TemporalClient, config: Config, accountId: string): Promise<void> {
  try {
    await temporal.client.schedule.create({
      scheduleId: unifyScheduleId(accountId),
      spec: { intervals: [{ every: '15 minutes' }] },
      action: {
        type: 'startWorkflow',
        workflowType: unifyWorkflow,
        workflowId: unifyScheduleId(accountId),
        taskQueue: mainTaskQueue(config),
        args: [{ accountId }],
        typedSearchAttributes: [
          { key: AccountIdKey, value: accountId },
          { key: KindKey, value: 'unify' },
        ],
      },
      policies: { overlap: ScheduleOverlapPolicy.SKIP },
      typedSearchAttributes: [{ key: AccountIdKey, value: accountId }],
    });
  } catch (err) {
    if (!(err instanceof ScheduleAlreadyRunning)) throw err;
  }
}
