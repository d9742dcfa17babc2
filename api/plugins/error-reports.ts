// Server errors (5xx) of API requests sent to the error reporter (Sentry), tagged with the route template and request id.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ErrorReporter } from '../../observability/sentry.ts';
import { traceIdOf } from './tracing.ts';

export function installErrorReports(app: FastifyInstance, reporter: ErrorReporter): void {
  const errors = new WeakMap<FastifyRequest, { error: Error; traceId: string | undefined }>();
  app.addHook('onError', async (request, _reply, error) => {
    errors.set(request, { error, traceId: traceIdOf(request) });
  });
  // The status is known only once the error handler answered: 4xx (validation, permissions) are not reported.
  app.addHook('onResponse', async (request, reply) => {
    const failed = errors.get(request);
    if (!failed || reply.statusCode < 500) return;
    const { error, traceId } = failed;
    reporter.capture(error, {
      tags: { route: request.routeOptions.url ?? 'unmatched', method: request.method, status: String(reply.statusCode), request_id: String(request.id), ...(traceId ? { trace_id: traceId } : {}) },
    });
  });
}
