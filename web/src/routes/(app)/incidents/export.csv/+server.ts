// The filtered list as CSV: the API's export, streamed through with the user's session (a link in the page cannot
// carry the access token itself).
import { env } from '$env/dynamic/private';
import { error } from '@sveltejs/kit';
import { apiQuery } from '$lib/incidents/filter';
import type { RequestHandler } from './$types';

export const GET: RequestHandler = async (event) => {
  if (!event.locals.accessToken) error(401, { message: 'Sign in to export incidents', code: 'unauthenticated' });
  const query = apiQuery(event.url.searchParams, ['sort']);
  const base = (env.API_URL ?? 'http://127.0.0.1:3001').replace(/\/$/, '');
  let res: Response;
  try {
    res = await fetch(`${base}/api/incidents/export.csv${query.size > 0 ? `?${query}` : ''}`, {
      headers: {
        authorization: `Bearer ${event.locals.accessToken}`,
        'x-request-id': event.locals.requestId,
        'x-forwarded-for': event.getClientAddress(),
      },
    });
  } catch (err) {
    error(503, { message: `The API did not answer (${err instanceof Error ? err.message : String(err)})`, code: 'api_unreachable' });
  }
  if (!res.ok) {
    const body = (await res.json().catch(() => null)) as { error?: { message?: string; code?: string } } | null;
    error(res.status, { message: body?.error?.message ?? `The export failed (${res.status})`, code: body?.error?.code ?? `http_${res.status}` });
  }
  const headers = new Headers({ 'content-type': res.headers.get('content-type') ?? 'text/csv; charset=utf-8', 'cache-control': 'no-store' });
  const disposition = res.headers.get('content-disposition');
  headers.set('content-disposition', disposition ?? `attachment; filename="incidents-${new Date().toISOString().slice(0, 10)}.csv"`);
  return new Response(res.body, { status: 200, headers });
};
