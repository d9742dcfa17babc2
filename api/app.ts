// buildApp(deps): the whole API as a Fastify instance, plugins and routes registered explicitly.
import { randomUUID } from 'node:crypto';
import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify';
import type { AppDeps } from './deps.ts';
import rateLimit from '@fastify/rate-limit';
import { AppError } from './errors.ts';
import { authentication } from './plugins/authentication.ts';
import { authorization } from './plugins/authorization.ts';
import { errorHandler } from './plugins/error-handler.ts';
import { installErrorReports } from './plugins/error-reports.ts';
import { installRequestTracing } from './plugins/tracing.ts';
import { activeErrorReporter } from '../observability/sentry.ts';
import { serializeError } from '../observability/logging.ts';
import { metrics } from './plugins/metrics.ts';
import { openapi } from './plugins/openapi.ts';
import { validation } from './plugins/validation.ts';
import { accountRoutes } from './routes/account.ts';
import { accountsRoutes } from './routes/accounts.ts';
import { auditRoutes } from './routes/audit.ts';
import { authRoutes } from './routes/auth.ts';
import { authActivityRoutes } from './routes/auth-activity.ts';
import { authPasswordRoutes } from './routes/auth-password.ts';
import { authVerifyEmailRoutes } from './routes/auth-verify-email.ts';
import { automationRuleRoutes } from './routes/automation-rules.ts';
import { automationRunRoutes } from './routes/automation-runs.ts';
import { automationScheduleRoutes } from './routes/automation-schedules.ts';
import { automationTargetRoutes } from './routes/automation-targets.ts';
import { clusterRoutes } from './routes/clusters.ts';
import { csvImportRoutes } from './routes/csv-import.ts';
import { dashboardRoutes } from './routes/dashboard.ts';
import { feedbackRoutes } from './routes/feedback.ts';
import { healthRoutes } from './routes/health.ts';
import { incidentNoveltyRoutes } from './routes/incident-novelty.ts';
import { incidentRoutes } from './routes/incidents.ts';
import { integrationRoutes } from './routes/integrations.ts';
import { invitationRoutes } from './routes/invitations.ts';
import { jobRoutes } from './routes/jobs.ts';
import { llmRequestRoutes } from './routes/llm-requests.ts';
import { llmSettingsRoutes } from './routes/llm-settings.ts';
import { memberRoutes } from './routes/members.ts';
import { runbookDraftRoutes } from './routes/runbook-drafts.ts';
import { runbookRoutes } from './routes/runbooks.ts';
import { runbooksReindexRoutes } from './routes/runbooks-reindex.ts';
import { searchRoutes } from './routes/search.ts';
import { supportTicketRoutes } from './routes/support-tickets.ts';
import { tokenRoutes } from './routes/tokens.ts';
import { viewRoutes } from './routes/views.ts';
import { webhookRoutes } from './routes/webhooks.ts';
import { ErrorResponse } from './schemas/common.ts';
import { clientErrorHandler, frameworkErrors } from './plugins/framework-errors.ts';
import { textInput } from './plugins/text-input.ts';

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

export interface BuildAppOptions {
  logger?: FastifyServerOptions['logger'];
}

export function loggerOptions(level: string): FastifyServerOptions['logger'] {
  return {
    level,
    // Paths only: query strings can carry tokens (links in emails), and logs are read by more people than the API.
    serializers: {
      req: (req: { method: string; url: string; ip?: string }) => ({ method: req.method, url: req.url.split('?')[0], remoteAddress: req.ip }),
      // Error messages can quote a connection string or a key: redacted like everything the worker logs.
      err: (err: Error) => serializeError(err) as { type: string; message: string; stack: string },
    },
    redact: { paths: ['req.headers.authorization', 'req.headers.cookie', 'req.headers["x-api-key"]', 'res.headers["set-cookie"]'], censor: '[redacted]' },
  };
}

export async function buildApp(deps: AppDeps, options: BuildAppOptions = {}): Promise<FastifyInstance> {
  const app = Fastify({
    logger: options.logger ?? false,
    // A caller's X-Request-Id is kept (when sane), so a request can be followed from the web server into our logs.
    genReqId: (req) => {
      const given = req.headers['x-request-id'];
      return typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
    },
    bodyLimit: 1024 * 1024,
    trustProxy: deps.config.api.trustProxy,
    // Errors answered before any route runs, in the one error shape too.
    frameworkErrors,
    clientErrorHandler,
  }).withTypeProvider();

  app.addHook('onSend', async (request, reply) => {
    reply.header('x-request-id', request.id);
  });
  app.addSchema(ErrorResponse);
  // The API speaks JSON: other bodies get 415 instead of a confusing schema error. Routes that take raw bodies
  // (webhooks) add their own parser inside their plugin.
  app.removeContentTypeParser('text/plain');
  // Both off unless configured (no hooks, no cost): a span per request (before any route: it wraps handlers in
  // onRoute), and 5xx errors reported to Sentry.
  if (deps.config.telemetry.otlpEndpoint) installRequestTracing(app);
  const reporter = activeErrorReporter();
  if (reporter) installErrorReports(app, reporter);

  await app.register(errorHandler);
  await app.register(validation);
  await app.register(textInput);
  await app.register(openapi, { version: deps.version });
  // Only routes that opt in (config.rateLimit) are limited; sign-in has its own, database-backed limits.
  await app.register(rateLimit, {
    global: false,
    errorResponseBuilder: (_request, context) =>
      new AppError(429, 'rate_limited', `Too many requests from your address; try again in ${Math.ceil(context.ttl / 1000)} s`),
  });
  await app.register(authentication, { sql: deps.sql, jwtSecret: deps.jwtSecret, accessTokenTtlSeconds: deps.config.auth.accessTokenTtlSeconds });
  await app.register(authorization);
  await app.register(metrics, { sql: deps.sql, token: deps.config.metrics.token });

  // One URL resource per file, named after its path (/api/auth/password* in auth-password.ts).
  await app.register(healthRoutes, { deps });
  await app.register(authRoutes, { deps });
  await app.register(accountsRoutes, { deps });
  await app.register(authPasswordRoutes, { deps });
  await app.register(authVerifyEmailRoutes, { deps });
  await app.register(memberRoutes, { deps });
  await app.register(invitationRoutes, { deps });
  await app.register(accountRoutes, { deps });
  await app.register(tokenRoutes, { deps });
  await app.register(jobRoutes, { deps });
  await app.register(auditRoutes, { deps });
  await app.register(authActivityRoutes, { deps });
  await app.register(integrationRoutes, { deps });
  await app.register(webhookRoutes, { deps });
  await app.register(csvImportRoutes, { deps });
  await app.register(incidentRoutes, { deps });
  await app.register(incidentNoveltyRoutes, { deps });
  await app.register(clusterRoutes, { deps });
  await app.register(dashboardRoutes, { deps });
  await app.register(viewRoutes, { deps });
  await app.register(feedbackRoutes, { deps });
  await app.register(supportTicketRoutes, { deps });
  await app.register(runbookRoutes, { deps });
  await app.register(searchRoutes, { deps });
  await app.register(runbooksReindexRoutes, { deps });
  await app.register(runbookDraftRoutes, { deps });
  await app.register(llmSettingsRoutes, { deps });
  await app.register(llmRequestRoutes, { deps });
  await app.register(automationTargetRoutes, { deps });
  await app.register(automationRunRoutes, { deps });
  await app.register(automationScheduleRoutes, { deps });
  await app.register(automationRuleRoutes, { deps });
  return app;
}
