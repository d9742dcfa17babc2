// Optional error reports from the web server to Sentry (SENTRY_DSN): unexpected errors only (SvelteKit's handleError),
// tagged with the request id that the page's API calls carry too. Nothing about the request is sent (no headers,
// cookies, URL query or body), and every message and stack is scrubbed of what looks like a secret first.
import * as Sentry from '@sentry/node';
import type { ErrorEvent } from '@sentry/node';

/** Patterns of secrets a message or stack may quote: credentials in URLs, auth headers, key=value pairs, tokens. */
const SECRET_PATTERNS: [RegExp, string][] = [
  // scheme://user:password@host
  [/(\b[a-z][a-z0-9+.-]*:\/\/)[^\s/:@]+:[^\s/@]+@/gi, '$1[secret]@'],
  // Authorization: Bearer ... / Basic ...
  [/\b(bearer|basic)\s+[A-Za-z0-9._~+/=-]{8,}/gi, '$1 [secret]'],
  // password=..., api_key: ..., "token": "..."
  [/((?:pass(?:word)?|passwd|secret|token|api[_-]?key|access[_-]?key|private[_-]?key|authorization|cookie|session)["']?\s*[:=]\s*["']?)[^\s"',;&]+/gi, '$1[secret]'],
  // JWTs
  [/\beyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\b/g, '[secret]'],
  // Long hex or base64 runs (keys, hashes of secrets)
  [/\b[A-Fa-f0-9]{32,}\b/g, '[secret]'],
  [/\b[A-Za-z0-9+/_-]{40,}={0,2}/g, '[secret]'],
];

export function scrubText(text: string): string {
  return SECRET_PATTERNS.reduce((out, [pattern, replacement]) => out.replace(pattern, replacement), text);
}

/** The event with nothing about the request and every exception message, stack frame context and message scrubbed. */
export function scrubEvent(event: ErrorEvent): ErrorEvent {
  const { request: _request, breadcrumbs: _breadcrumbs, extra: _extra, user: _user, ...rest } = event;
  const out: ErrorEvent = { ...rest };
  if (out.message) out.message = scrubText(out.message);
  if (out.exception?.values) {
    out.exception = {
      ...out.exception,
      values: out.exception.values.map((v) => ({
        ...v,
        ...(v.value ? { value: scrubText(v.value) } : {}),
        ...(v.stacktrace?.frames
          ? { stacktrace: { ...v.stacktrace, frames: v.stacktrace.frames.map(({ vars: _vars, pre_context: _pre, context_line: _line, post_context: _post, ...frame }) => frame) } }
          : {}),
      })),
    };
  }
  return out;
}

let started = false;

/** Starts reporting once per process; false without a DSN. */
export function startErrorReports(dsn: string | undefined, environment: string | undefined): boolean {
  if (!dsn) return false;
  if (started) return true;
  Sentry.init({
    dsn,
    environment: environment || 'production',
    serverName: 'incident-insights-web',
    enableOpenTelemetrySetup: false,
    enableRuntimeChannelInjection: false,
    defaultIntegrations: false,
    integrations: [Sentry.linkedErrorsIntegration(), Sentry.dedupeIntegration()],
    // Sentry 11 collects request data by default: nothing about people or requests leaves this server.
    dataCollection: { userInfo: false, cookies: false, httpHeaders: false, httpBodies: [], urlQueryParams: false, stackFrameVariables: false },
    beforeSend: (event) => scrubEvent(event),
  });
  Sentry.setTag('service', 'web');
  started = true;
  return true;
}

export function reportError(error: unknown, tags: Record<string, string>): void {
  if (!started) return;
  Sentry.captureException(error, { tags });
}
