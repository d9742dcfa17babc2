// Every page request: an id that follows it into the API, the user's session (refreshed when its access token
// has expired), so pages and actions call the API as the signed-in user, and the chosen theme painted from the first byte.
import { SENTRY_DSN, SENTRY_ENVIRONMENT } from '$app/env/private';
import type { Handle, HandleServerError } from '@sveltejs/kit/hooks';
import { colorScheme, parseTheme, THEME_COOKIE } from '#lib/components/shell/theme.ts';
import { reportError, scrubText, startErrorReports } from '#lib/server/error-reports.ts';
import { ACCESS_COOKIE, refreshSession } from '#lib/server/session.ts';

// Optional: unexpected server errors go to Sentry (SENTRY_DSN), scrubbed, tagged with the request id.
startErrorReports(SENTRY_DSN, SENTRY_ENVIRONMENT);

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

export const handle: Handle = async ({ event, resolve }) => {
  const given = event.request.headers.get('x-request-id');
  event.locals.requestId = given && REQUEST_ID.test(given) ? given : crypto.randomUUID();
  event.locals.accessToken = event.cookies.get(ACCESS_COOKIE);
  if (!event.locals.accessToken) await refreshSession(event);
  // The theme is in the HTML itself (app.html's placeholders), so a dark choice never flashes light while scripts load.
  const theme = parseTheme(event.cookies.get(THEME_COOKIE));
  const response = await resolve(event, {
    transformPageChunk: ({ html }) => html.replace('%ii.theme%', theme).replace('%ii.color-scheme%', colorScheme(theme)),
  });
  response.headers.set('x-request-id', event.locals.requestId);
  // Pages carry tokens in their URLs (invitations, password resets): never send them to another site.
  response.headers.set('referrer-policy', 'same-origin');
  return response;
};

/** An unexpected error (not a 4xx the page chose): reported, logged, and shown as a generic message with the request id.
 * SvelteKit 3 passes every caught error here: an `error(...)` a page threw and a validation error keep their own message. */
export const handleError: HandleServerError = (caught) => {
  if (caught.kind === 'app' || caught.kind === 'validation') return;
  const { event } = caught;
  const requestId = event.locals.requestId ?? 'unknown';
  const status = caught.kind === 'framework' ? caught.error.status : 500;
  if (status >= 500) {
    const error = caught.error;
    reportError(error, { requestId, route: event.route.id ?? 'unmatched', status: String(status) });
    const stack = error instanceof Error ? (error.stack ?? `${error.name}: ${error.message}`) : String(error);
    console.error(JSON.stringify({ level: 'error', time: new Date().toISOString(), requestId, route: event.route.id, status, msg: 'unexpected error', err: scrubText(stack) }));
  }
  return { message: status === 404 ? 'Not found' : 'Something went wrong on our side', requestId };
};
