// OpenTelemetry traces: one tracer provider per process, exported over OTLP/HTTP when an endpoint is configured.
//
// Without OTEL_EXPORTER_OTLP_ENDPOINT nothing is registered: @opentelemetry/api hands out no-op tracers, the API adds
// no hooks and the Temporal interceptors are left out, so tracing costs nothing when it is off.
import { createRequire } from 'node:module';
import { context, propagation, trace, SpanKind, SpanStatusCode, ROOT_CONTEXT, type Context, type Span, type Tracer } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { Resource } from '@opentelemetry/resources';
import { BatchSpanProcessor, NodeTracerProvider, type SpanProcessor } from '@opentelemetry/sdk-trace-node';
import type { Config } from '../config.ts';

export type ServiceRole = 'api' | 'worker' | 'web';

export interface Tracing {
  readonly serviceName: string;
  readonly resource: Resource;
  /** The processor spans end in: the worker hands it to the workflow span sink too. */
  readonly spanProcessor: SpanProcessor;
  forceFlush(): Promise<void>;
  shutdown(): Promise<void>;
}

let active: Tracing | undefined;

/** Starts tracing for this process (once; later calls return the same provider), or undefined when it is off. */
export function startTracing(config: Pick<Config, 'telemetry'>, role: ServiceRole, version?: string): Tracing | undefined {
  const endpoint = config.telemetry.otlpEndpoint;
  if (!endpoint) return undefined;
  if (active) return active;
  const serviceName = config.telemetry.serviceName ?? `incident-insights-${role}`;
  const resource = new Resource({ 'service.name': serviceName, ...(version ? { 'service.version': version } : {}) });
  const exporter = new OTLPTraceExporter({ url: `${endpoint}/v1/traces` });
  // Batches leave at least once a second: a short-lived job's trace shows up while someone is still looking at it.
  const spanProcessor = new BatchSpanProcessor(exporter, { scheduledDelayMillis: 1000 });
  const provider = new NodeTracerProvider({ resource, spanProcessors: [spanProcessor] });
  // The default propagator (W3C traceparent and baggage) and the AsyncLocalStorage context manager.
  provider.register();
  active = {
    serviceName,
    resource,
    spanProcessor,
    forceFlush: () => provider.forceFlush(),
    async shutdown() {
      await provider.shutdown();
      active = undefined;
    },
  };
  return active;
}

/** The tracing started in this process, if any. */
export function activeTracing(): Tracing | undefined {
  return active;
}

export function tracer(): Tracer {
  return trace.getTracer('incident-insights');
}

/** The current trace id (for log lines), or undefined outside a recorded span. */
export function currentTraceId(ctx: Context = context.active()): string | undefined {
  const span = trace.getSpanContext(ctx);
  return span && trace.isSpanContextValid(span) ? span.traceId : undefined;
}

const require = createRequire(import.meta.url);

/**
 * The workflow interceptor module of @temporalio/interceptors-opentelemetry, by path: the worker's bundler adds it to
 * the workflow bundle, so nothing in workflows/ imports it.
 */
export const WORKFLOW_TRACING_MODULE = require.resolve('@temporalio/interceptors-opentelemetry/lib/workflow-interceptors');

/** A server span for an incoming request, child of the caller's W3C `traceparent` when it sent one. */
export function startServerSpan(name: string, headers: Record<string, string | string[] | undefined>, attributes: Record<string, string | number>): { span: Span; context: Context } {
  const parent = propagation.extract(ROOT_CONTEXT, headers);
  const span = tracer().startSpan(name, { kind: SpanKind.SERVER, attributes }, parent);
  return { span, context: trace.setSpan(parent, span) };
}

/** Ends a server span with the response's status (5xx marks it failed). */
export function endServerSpan(span: Span, statusCode: number, error?: Error): void {
  span.setAttribute('http.response.status_code', statusCode);
  if (error) span.recordException(error);
  if (statusCode >= 500) span.setStatus({ code: SpanStatusCode.ERROR, message: error?.name ?? `HTTP ${statusCode}` });
  span.end();
}

export { context as otelContext };
