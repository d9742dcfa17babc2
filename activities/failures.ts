// One error vocabulary at the activity boundary: typed errors become ApplicationFailures that workflows/retry.ts knows.
import { ApplicationFailure } from '@temporalio/common';
import type { ConnectorError } from '../connectors/types.ts';
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

/**
 * A connector's error as the workflow's retry policy understands it: bad credentials and bad settings stop (a person
 * must act), rate limits and outages are retried no sooner than the tool asked.
 */
export function fromConnectorError(err: ConnectorError): ApplicationFailure {
  const type = { auth: FailureType.auth, invalid: FailureType.invalid, not_found: FailureType.notFound, rate_limited: FailureType.rateLimited, unavailable: FailureType.unavailable }[err.kind];
  const nonRetryable = err.kind === 'auth' || err.kind === 'invalid' || err.kind === 'not_found';
  return ApplicationFailure.create({
    type,
    message: err.message,
    nonRetryable,
    ...(err.retryAfterMs !== undefined && !nonRetryable ? { nextRetryDelay: err.retryAfterMs } : {}),
  });
}
