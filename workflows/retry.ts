// Named timeouts and retry policies per kind of activity, with the failure types that are never retried.
import { ActivityCancellationType, type ActivityOptions } from '@temporalio/workflow';

/** ApplicationFailure types thrown by activities/failures.ts. */
export const FailureType = {
  /** Bad input or a state that will not fix itself: retrying cannot help. */
  invalid: 'InvalidInput',
  /** Credentials refused by a vendor. */
  auth: 'AuthFailed',
  /** The thing the activity works on is gone (deleted job, integration, ...). */
  notFound: 'NotFound',
  /** The job already reached a final status (cancelled, failed by an operator): its work must not happen. */
  jobClosed: 'JobClosed',
  /** A vendor asked us to slow down; retried with backoff. */
  rateLimited: 'RateLimited',
  /** A dependency is down or timed out; retried with backoff. */
  unavailable: 'Unavailable',
  /** The mail server refused an email for good (unknown mailbox, policy): sending it again would be refused again. */
  emailRejected: 'EmailRejected',
} as const;
export type FailureType = (typeof FailureType)[keyof typeof FailureType];

export const NON_RETRYABLE_FAILURE_TYPES: string[] = [FailureType.invalid, FailureType.auth, FailureType.notFound, FailureType.jobClosed, FailureType.emailRejected];

/** Short database writes: bookkeeping of jobs. */
export const databaseActivity: ActivityOptions = {
  startToCloseTimeout: '30 seconds',
  retry: {
    initialInterval: '500 milliseconds',
    backoffCoefficient: 2,
    maximumInterval: '30 seconds',
    nonRetryableErrorTypes: NON_RETRYABLE_FAILURE_TYPES,
  },
};

/**
 * Long activities that loop: they heartbeat at least every second with their checkpoint, so a crashed worker is
 * noticed within seconds. A cancel waits until the activity has really stopped, so nothing it does can land after
 * the workflow recorded the cancellation.
 */
export const longRunningActivity: ActivityOptions = {
  startToCloseTimeout: '3 hours',
  heartbeatTimeout: '4 seconds',
  cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
  retry: {
    initialInterval: '1 second',
    backoffCoefficient: 2,
    maximumInterval: '1 minute',
    nonRetryableErrorTypes: NON_RETRYABLE_FAILURE_TYPES,
  },
};

/**
 * Sending one email: a mail server that is down is tried again for about two and a half hours (2 s doubling to
 * 10 min, 25 attempts), after which the sweep picks the email up again; a refusal for good stops at once.
 */
export const emailActivity: ActivityOptions = {
  startToCloseTimeout: '1 minute',
  retry: {
    initialInterval: '2 seconds',
    backoffCoefficient: 2,
    maximumInterval: '10 minutes',
    maximumAttempts: 25,
    nonRetryableErrorTypes: NON_RETRYABLE_FAILURE_TYPES,
  },
};

/**
 * One automation step on the team's Lambda function or SSH host: the command's own timeout plus a margin, a heartbeat
 * while it runs, and few attempts (each reuses the step's idempotency key, so a retry never runs the command twice).
 */
export const automationStepActivity: ActivityOptions = {
  startToCloseTimeout: '20 minutes',
  heartbeatTimeout: '10 seconds',
  retry: {
    initialInterval: '2 seconds',
    backoffCoefficient: 2,
    maximumInterval: '30 seconds',
    maximumAttempts: 3,
    nonRetryableErrorTypes: NON_RETRYABLE_FAILURE_TYPES,
  },
};

/**
 * The task queue of automation step and verify activities: `<the workflow's queue>-automation`, so they can run on
 * their own workers (WORKER_ROLE=automation) holding the credentials for customer infrastructure.
 * temporal/task-queues.ts names the same queue for the workers.
 */
export const AUTOMATION_TASK_QUEUE_SUFFIX = '-automation';

/** A target's read-only verify call, while the API waits for its answer. */
export const automationVerifyActivity: ActivityOptions = {
  startToCloseTimeout: '20 seconds',
  retry: { maximumAttempts: 1 },
};
