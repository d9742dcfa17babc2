// Downloads from the API (the incident CSV, the audit log export) streamed through with the user's session: a link in
// the page cannot carry the access token itself. The API's content type, file name and `x-audit-*` headers pass on.
import { API_URL } from '$app/env/private';
import { error, type RequestEvent } from '@sveltejs/kit';

export async function proxyDownload(event: RequestEvent, apiPath: string, what: string, fallbackName: string): Promise<Response> {
  if (!event.locals.accessToken) error(401, { message: `Sign in to export ${what}`, code: 'unauthenticated' });
  const base = API_URL;
  let res: Response;
  try {
    res = await fetch(`${base}${apiPath}`, {
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
  const headers = new Headers({ 'content-type': res.headers.get('content-type') ?? 'application/octet-stream', 'cache-control': 'no-store' });
  headers.set('content-disposition', res.headers.get('content-disposition') ?? `attachment; filename="${fallbackName}"`);
  for (const [name, value] of res.headers) if (name.startsWith('x-audit-')) headers.set(name, value);
  return new Response(res.body, { status: 200, headers });
}
