// How the API starts a workflow: one place that sets its task queue, the search attributes operators filter by
// (`temporal workflow list --query 'AccountId="..."'`), the deadline of the call, and how a Temporal failure is answered.
import { WorkflowExecutionAlreadyStartedError, type SignalDefinition, type WorkflowHandle } from '@temporalio/client';
import type { SearchAttributePair, Workflow } from '@temporalio/common';
import { mainTaskQueue } from '../temporal/task-queues.ts';
import { AccountIdKey, IntegrationIdKey, KindKey } from '../workflows/search-attributes.ts';
import type { AppDeps } from './deps.ts';
import { AppError, serviceUnavailable } from './errors.ts';

/** Temporal calls from a request get this long, so a Temporal outage degrades a page instead of hanging it. */
export const TEMPORAL_DEADLINE_MS = 3_000;
/** gRPC codes that mean "Temporal cannot answer right now" (UNAVAILABLE, DEADLINE_EXCEEDED, RESOURCE_EXHAUSTED). */
const TRANSIENT_GRPC_CODES = new Set([14, 4, 8]);

function grpcCode(err: unknown): number | undefined {
  for (let e: unknown = err; e && typeof e === 'object'; e = (e as { cause?: unknown }).cause) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'number') return code;
  }
  return undefined;
}

/** Temporal refused or failed: 503 when it is unreachable or overloaded, 500 (cause logged) for anything else. */
export function temporalFailure(err: unknown): AppError {
  const code = grpcCode(err);
  if (code === undefined || TRANSIENT_GRPC_CODES.has(code)) return serviceUnavailable('temporal', err);
  return new AppError(500, 'internal', 'Temporal refused the request', [], { cause: err });
}

/** What a started workflow says about itself in Temporal's visibility: the `Kind` search attribute. */
export type WorkflowKind =
  | 'echo'
  | 'backfill'
  | 'unify'
  | 'recluster'
  | 'email'
  | 'runbook'
  | 'runbook-index'
  | 'automation-run'
  | 'automation-schedule'
  | 'verify-target';

export interface WorkflowLabels {
  /** A business key from workflows/ (`backfill/<account>/<integration>`), never random. */
  workflowId: string;
  /** The account it works for (the `AccountId` search attribute); null for none (an email's delivery). */
  accountId: string | null;
  /** The integration it works for (the `IntegrationId` search attribute), when there is one. */
  integrationId?: string;
  kind: WorkflowKind;
}

/** The search attributes of an account's workflow or Schedule, in the order AccountId, IntegrationId, Kind. */
export function searchAttributesOf(labels: { accountId: string | null; integrationId?: string | undefined; kind?: WorkflowKind | undefined }): SearchAttributePair[] {
  return [
    ...(labels.accountId !== null ? [{ key: AccountIdKey, value: labels.accountId }] : []),
    ...(labels.integrationId !== undefined ? [{ key: IntegrationIdKey, value: labels.integrationId }] : []),
    ...(labels.kind !== undefined ? [{ key: KindKey, value: labels.kind }] : []),
  ];
}

/** Id, task queue and search attributes of a workflow the API starts, or that an account's Schedule starts for it. */
export function accountWorkflowOptions(config: AppDeps['config'], labels: WorkflowLabels) {
  return { workflowId: labels.workflowId, taskQueue: mainTaskQueue(config), typedSearchAttributes: searchAttributesOf(labels) };
}

export interface AccountWorkflowStart<W extends Workflow> extends WorkflowLabels {
  args: Parameters<W>;
  /** Signal-with-start: the signal a running workflow of this id receives (it is started first when none runs). */
  signal?: SignalDefinition<[]>;
  /** How long the whole start may take; null: no deadline of its own (nobody waits for it). */
  deadlineMs?: number | null;
  workflowExecutionTimeout?: string;
}

/**
 * Starts `workflow` on the main task queue with its search attributes, within the deadline. Answers `started: false`
 * when a workflow with this id runs already (one recluster, one backfill per integration at a time); any other
 * failure is thrown as `temporalFailure` (503 when Temporal cannot answer), with Temporal's error as its cause.
 */
export async function startAccountWorkflow<W extends Workflow>(
  deps: Pick<AppDeps, 'temporal' | 'config'>,
  workflow: W,
  start: AccountWorkflowStart<W>,
): Promise<{ started: boolean; handle: WorkflowHandle<W> }> {
  const { temporal } = deps;
  const options = {
    ...accountWorkflowOptions(deps.config, start),
    args: start.args,
    ...(start.workflowExecutionTimeout !== undefined ? { workflowExecutionTimeout: start.workflowExecutionTimeout } : {}),
  };
  // `args: Parameters<W>` types the callers; the SDK's conditional options type cannot be resolved for a generic W.
  const call = (): Promise<unknown> =>
    start.signal
      ? temporal.client.workflow.signalWithStart(workflow, { ...options, signal: start.signal, signalArgs: [] } as never)
      : temporal.client.workflow.start(workflow, options as never);
  const deadlineMs = start.deadlineMs === undefined ? TEMPORAL_DEADLINE_MS : start.deadlineMs;
  try {
    await (deadlineMs === null ? call() : temporal.connection.withDeadline(Date.now() + deadlineMs, call));
  } catch (err) {
    if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw temporalFailure(err);
    return { started: false, handle: temporal.client.workflow.getHandle<W>(start.workflowId) };
  }
  return { started: true, handle: temporal.client.workflow.getHandle<W>(start.workflowId) };
}

/** Why a start failed, in Temporal's words (for the row that records it). */
export function startFailureMessage(failure: unknown): string {
  const cause = failure instanceof AppError && failure.cause instanceof Error ? failure.cause : failure;
  return (cause as Error).message;
}
