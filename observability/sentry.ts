// Optional error reports to Sentry (SENTRY_DSN): errors only, no tracing of its own (OpenTelemetry does that), every
// event scrubbed of secrets before it leaves the process.
import * as Sentry from '@sentry/node';
import type { ErrorEvent } from '@sentry/node';
import type { Config } from '../config.ts';
import { redactValue } from './logging.ts';
import type { ServiceRole } from './tracing.ts';

export interface ErrorReporter {
  capture(err: unknown, context?: { tags?: Record<string, string>; extra?: Record<string, unknown> }): void;
  /** Sends what is queued (before exit). */
  close(timeoutMs?: number): Promise<void>;
}

let reporter: ErrorReporter | undefined;

/** Everything in an event that can quote a secret, redacted: exception messages, the message, extras, breadcrumbs. */
export function scrubEvent(event: ErrorEvent): ErrorEvent {
  return redactValue(event);
}

/** Starts error reporting for this process (once), or undefined without SENTRY_DSN. */
export function startErrorReporting(config: Pick<Config, 'telemetry'>, role: ServiceRole, version?: string): ErrorReporter | undefined {
  const dsn = config.telemetry.sentryDsn;
  if (!dsn) return undefined;
  if (reporter) return reporter;
  Sentry.init({
    dsn,
    environment: config.telemetry.sentryEnvironment,
    ...(version ? { release: `incident-insights@${version}` } : {}),
    serverName: `incident-insights-${role}`,
    // Our own OpenTelemetry provider traces; Sentry must not install a second one or patch modules at load time.
    enableOpenTelemetrySetup: false,
    enableRuntimeChannelInjection: false,
    defaultIntegrations: false,
    integrations: [Sentry.linkedErrorsIntegration(), Sentry.dedupeIntegration(), Sentry.functionToStringIntegration()],
    // Sentry 11 collects request data by default: nothing about people, requests or queries leaves the process.
    dataCollection: {
      userInfo: false,
      cookies: false,
      httpHeaders: false,
      httpBodies: [],
      urlQueryParams: false,
      databaseQueryData: false,
      genAI: { inputs: false, outputs: false },
      stackFrameVariables: false,
    },
    beforeSend: (event) => scrubEvent(event),
    beforeBreadcrumb: (crumb) => redactValue(crumb),
  });
  Sentry.setTag('service', role);
  reporter = {
    capture(err, context = {}) {
      Sentry.withScope((scope) => {
        if (context.tags) scope.setTags(context.tags);
        if (context.extra) scope.setExtras(context.extra);
        Sentry.captureException(err);
      });
    },
    async close(timeoutMs = 2000) {
      await Sentry.close(timeoutMs);
      reporter = undefined;
    },
  };
  return reporter;
}

/** The error reporter started in this process, if any. */
export function activeErrorReporter(): ErrorReporter | undefined {
  return reporter;
}
