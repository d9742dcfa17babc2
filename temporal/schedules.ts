// The platform's own Temporal Schedules, created (or brought up to date) when the API starts: operators see and
// steer them with `temporal schedule list|describe|trigger|toggle`.
import { ScheduleAlreadyRunning, ScheduleNotFoundError, ScheduleOverlapPolicy, type ScheduleOptions } from '@temporalio/client';
import type { Config } from '../config.ts';
import { emailOutboxSweepWorkflow, reclusterScheduleId, reclusterWorkflow, syncScheduleId, syncWorkflow, unifyScheduleId, unifyWorkflow } from '../workflows/index.ts';
import { AccountIdKey, IntegrationIdKey, KindKey } from '../workflows/search-attributes.ts';
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
 * The account's Schedules, created with its first integration: the unification every 15 minutes (`unify/<account>`;
 * webhooks and backfills also start it on demand, this catches what those nudges missed) and a daily full recluster
 * (`recluster/<account>`; drift and feedback also start one).
 */
export async function ensureAccountSchedules(temporal: TemporalClient, config: Config, accountId: string): Promise<void> {
  try {
    await temporal.client.schedule.create({
      scheduleId: reclusterScheduleId(accountId),
      spec: { intervals: [{ every: '1 day' }] },
      action: {
        type: 'startWorkflow',
        workflowType: reclusterWorkflow,
        workflowId: reclusterScheduleId(accountId),
        taskQueue: mainTaskQueue(config),
        args: [{ accountId, reason: 'schedule' }],
        typedSearchAttributes: [
          { key: AccountIdKey, value: accountId },
          { key: KindKey, value: 'recluster' },
        ],
      },
      policies: { overlap: ScheduleOverlapPolicy.SKIP },
      typedSearchAttributes: [{ key: AccountIdKey, value: accountId }],
    });
  } catch (err) {
    if (!(err instanceof ScheduleAlreadyRunning)) throw err;
  }
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

export interface SyncScheduleState {
  accountId: string;
  integrationId: string;
  intervalMinutes: number;
  /** Paused or in error: the Schedule is paused too (with the reason as its note). */
  status: 'active' | 'paused' | 'error';
}

/**
 * Brings an integration's sync Schedule (`sync/<account>/<integration>`) in line with the integration: created if
 * missing, its interval updated, paused while the integration is paused or in error.
 */
export async function reconcileSyncSchedule(temporal: TemporalClient, config: Config, state: SyncScheduleState): Promise<void> {
  const scheduleId = syncScheduleId(state.accountId, state.integrationId);
  const options: ScheduleOptions = {
    scheduleId,
    spec: { intervals: [{ every: `${state.intervalMinutes} minutes` }] },
    action: {
      type: 'startWorkflow',
      workflowType: syncWorkflow,
      workflowId: scheduleId,
      taskQueue: mainTaskQueue(config),
      args: [{ accountId: state.accountId, integrationId: state.integrationId }],
      typedSearchAttributes: [
        { key: AccountIdKey, value: state.accountId },
        { key: IntegrationIdKey, value: state.integrationId },
        { key: KindKey, value: 'sync' },
      ],
    },
    policies: { overlap: ScheduleOverlapPolicy.SKIP },
    state: { paused: state.status !== 'active', note: state.status === 'active' ? 'syncing' : `integration ${state.status}` },
  };
  try {
    await temporal.client.schedule.create(options);
    return;
  } catch (err) {
    if (!(err instanceof ScheduleAlreadyRunning)) throw err;
  }
  const handle = temporal.client.schedule.getHandle(scheduleId);
  // Paused state first: pause and unpause need no conflict token, so a run that just started (which changes the
  // Schedule's token) cannot make them fail. The interval is updated only when it changed.
  if (state.status === 'active') await handle.unpause('integration active');
  else await handle.pause(`integration ${state.status}`);
  const current = await handle.describe();
  if (current.spec.intervals?.[0]?.every !== state.intervalMinutes * 60_000) {
    await handle.update((previous) => ({ ...previous, spec: options.spec }));
  }
}

export async function deleteSyncSchedule(temporal: TemporalClient, accountId: string, integrationId: string): Promise<void> {
  try {
    await temporal.client.schedule.getHandle(syncScheduleId(accountId, integrationId)).delete();
  } catch (err) {
    if (!(err instanceof ScheduleNotFoundError)) throw err;
  }
}
