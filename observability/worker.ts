// What the worker adds to its options for traces and error reports: the OpenTelemetry activity interceptors, the
// workflow interceptor module (by path; the bundler puts it into the workflow bundle), the sink that exports
// workflow spans, and an activity interceptor that reports failures to Sentry.
import type { Context as ActivityContext } from '@temporalio/activity';
import { CancelledFailure } from '@temporalio/common';
import { OpenTelemetryActivityInboundInterceptor, OpenTelemetryActivityOutboundInterceptor, makeWorkflowExporter } from '@temporalio/interceptors-opentelemetry';
import type { ActivityInboundCallsInterceptor, ActivityInterceptors, InjectedSinks, WorkerInterceptors } from '@temporalio/worker';
import type { ErrorReporter } from './sentry.ts';
import { WORKFLOW_TRACING_MODULE, type Tracing } from './tracing.ts';

export interface WorkerObservability {
  interceptors: WorkerInterceptors;
  sinks: InjectedSinks<any>;
}

/** Failed activity attempts, reported with what identifies them (never their input: it can name customer hosts). */
function reportingInterceptor(ctx: ActivityContext, reporter: ErrorReporter): ActivityInboundCallsInterceptor {
  return {
    async execute(input, next) {
      try {
        return await next(input);
      } catch (err) {
        if (!(err instanceof CancelledFailure)) {
          const info = ctx.info;
          reporter.capture(err, {
            tags: { activity_type: info.activityType, workflow_type: info.workflowType ?? 'unknown', task_queue: info.taskQueue, attempt: String(info.attempt) },
            extra: { workflowId: info.workflowExecution?.workflowId, activityId: info.activityId },
          });
        }
        throw err;
      }
    },
  };
}

/** Options to spread into Worker.create (empty when neither tracing nor error reporting is on). */
export function workerObservability(tracing: Tracing | undefined, reporter: ErrorReporter | undefined): Partial<WorkerObservability> {
  if (!tracing && !reporter) return {};
  const activity: Array<(ctx: ActivityContext) => ActivityInterceptors> = [];
  if (tracing) activity.push((ctx) => ({ inbound: new OpenTelemetryActivityInboundInterceptor(ctx), outbound: new OpenTelemetryActivityOutboundInterceptor(ctx) }));
  if (reporter) activity.push((ctx) => ({ inbound: reportingInterceptor(ctx, reporter) }));
  return {
    interceptors: { activity, ...(tracing ? { workflowModules: [WORKFLOW_TRACING_MODULE] } : {}) },
    ...(tracing ? { sinks: { exporter: makeWorkflowExporter(tracing.spanProcessor, tracing.resource) } } : {}),
  };
}
