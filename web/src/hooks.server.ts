// Gives every page request an id (the caller's X-Request-Id when it sends a sane one), passes it to the API on
// every call the page makes, and returns it, so one id follows a click from the browser into the API's log.
import type { Handle } from '@sveltejs/kit';

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

export const handle: Handle = async ({ event, resolve }) => {
  const given = event.request.headers.get('x-request-id');
  event.locals.requestId = given && REQUEST_ID.test(given) ? given : crypto.randomUUID();
  const response = await resolve(event);
  response.headers.set('x-request-id', event.locals.requestId);
  return response;
};
