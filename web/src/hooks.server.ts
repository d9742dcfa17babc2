// Every page request: an id that follows it into the API, the user's session (refreshed when its access token
// has expired), so pages and actions call the API as the signed-in user, and the chosen theme painted from the first byte.
import type { Handle } from '@sveltejs/kit';
import { colorScheme, parseTheme, THEME_COOKIE } from '$lib/components/shell/theme';
import { ACCESS_COOKIE, refreshSession } from '$lib/server/session';

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
