// One error vocabulary at the activity boundary: typed errors become ApplicationFailures that workflows/retry.ts knows.
import { ApplicationFailure } from '@temporalio/common';
import { FailureType } from '../workflows/retry.ts';

export function invalid(message: string, details?: Record<string, unknown>): ApplicationFailure {
  return ApplicationFailure.create({ type: FailureType.invalid, message, nonRetryable: true, details: details ? [details] : [] });
}

export function notFound(message: string): ApplicationFailure {
  return ApplicationFailure.create({ type: FailureType.notFound, message, nonRetryable: true });
}

export function jobClosed(message: string): ApplicationFailure {
  return ApplicationFailure.create({ type: FailureType.jobClosed, message, nonRetryable: true });
}

export function unavailable(message: string, cause?: Error): ApplicationFailure {
  return ApplicationFailure.create({ type: FailureType.unavailable, message, ...(cause ? { cause } : {}) });
}
