// Named timeouts and retry policies per kind of activity, with the failure types that are never retried.
import type { ActivityOptions } from '@temporalio/workflow';

/** ApplicationFailure types thrown by activities/failures.ts. */
export const FailureType = {
  /** Bad input or a state that will not fix itself: retrying cannot help. */
  invalid: 'InvalidInput',
  /** Credentials refused by a vendor. */
  auth: 'AuthFailed',
  /** The thing the activity works on is gone (deleted job, integration, ...). */
  notFound: 'NotFound',
  /** A vendor asked us to slow down; retried with backoff. */
  rateLimited: 'RateLimited',
  /** A dependency is down or timed out; retried with backoff. */
  unavailable: 'Unavailable',
} as const;
export type FailureType = (typeof FailureType)[keyof typeof FailureType];

export const NON_RETRYABLE_FAILURE_TYPES: string[] = [FailureType.invalid, FailureType.auth, FailureType.notFound];

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

/** Long activities that loop: they heartbeat their checkpoint, so a crashed worker is noticed within seconds. */
export const longRunningActivity: ActivityOptions = {
  startToCloseTimeout: '30 minutes',
  heartbeatTimeout: '4 seconds',
  retry: {
    initialInterval: '1 second',
    backoffCoefficient: 2,
    maximumInterval: '1 minute',
    nonRetryableErrorTypes: NON_RETRYABLE_FAILURE_TYPES,
  },
};
