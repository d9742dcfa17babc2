// A server span per API request (named by the route template, never by ids), active while the handler runs, so a
// workflow the handler starts joins the caller's trace; log lines of the request carry its trace id.
import type { FastifyInstance, FastifyRequest, RouteOptions } from 'fastify';
import type { Context, Span } from '@opentelemetry/api';
import { endServerSpan, otelContext, startServerSpan } from '../../observability/tracing.ts';

const spans = new WeakMap<FastifyRequest, { span: Span; context: Context }>();

/** The trace id of a request's span (until its response is sent), for error reports. */
export function traceIdOf(request: FastifyRequest): string | undefined {
  return spans.get(request)?.span.spanContext().traceId;
}

/** Call before any route is registered (the handler wrapping happens in onRoute). */
export function installRequestTracing(app: FastifyInstance): void {
  app.addHook('onRoute', (route: RouteOptions) => {
    const handler = route.handler;
    route.handler = function tracedHandler(this: unknown, request, reply) {
      const traced = spans.get(request);
      return traced ? otelContext.with(traced.context, () => handler.call(this as never, request, reply)) : handler.call(this as never, request, reply);
    };
  });
  app.addHook('onRequest', async (request) => {
    const route = request.routeOptions.url ?? 'unmatched';
    const traced = startServerSpan(`${request.method} ${route}`, request.headers, {
      'http.request.method': request.method,
      'http.route': route,
      'insights.request_id': String(request.id),
    });
    spans.set(request, traced);
    request.log = request.log.child({ traceId: traced.span.spanContext().traceId });
  });
  app.addHook('onError', async (request, _reply, error) => {
    spans.get(request)?.span.setAttribute('error.type', error.name);
  });
  // A client that hangs up gets no response: its span ends anyway (499, as proxies log it), not left open.
  app.addHook('onRequestAbort', async (request) => {
    const traced = spans.get(request);
    if (!traced) return;
    spans.delete(request);
    endServerSpan(traced.span, 499);
  });
  app.addHook('onResponse', async (request, reply) => {
    const traced = spans.get(request);
    if (!traced) return;
    spans.delete(request);
    endServerSpan(traced.span, reply.statusCode);
  });
}
