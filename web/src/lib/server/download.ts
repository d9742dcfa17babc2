// Downloads from the API (the incident CSV, the audit log export) streamed through with the user's session: a link in
// the page cannot carry the access token itself. The API's content type, file name and `x-audit-*` headers pass on.
import { error, type RequestEvent } from '@sveltejs/kit';
import { ApiError, request, type ApiClient, type ApiFailure } from './api';

/** An export route of the generated client, asked for its body as a stream. */
type Export = (client: ApiClient) => Promise<{ response: Response; error?: unknown }>;

export async function proxyDownload(event: RequestEvent, call: Export, what: string, fallbackName: string): Promise<Response> {
  if (!event.locals.accessToken) error(401, { message: `Sign in to export ${what}`, code: 'unauthenticated' });
  let answer: Awaited<ReturnType<Export>>;
  try {
    // No deadline: a large export streams for as long as it takes.
    answer = await request(event, call, { timeoutMs: null });
  } catch (err) {
    if (err instanceof ApiError) error(err.status, { message: err.body.message, code: err.body.code });
    throw err;
  }
  const res = answer.response;
  if (!res.ok) {
    const body = answer.error as Partial<ApiFailure> | undefined;
    error(res.status, { message: body?.error?.message ?? `The export failed (${res.status})`, code: body?.error?.code ?? `http_${res.status}` });
  }
  const headers = new Headers({ 'content-type': res.headers.get('content-type') ?? 'application/octet-stream', 'cache-control': 'no-store' });
  headers.set('content-disposition', res.headers.get('content-disposition') ?? `attachment; filename="${fallbackName}"`);
  for (const [name, value] of res.headers) if (name.startsWith('x-audit-')) headers.set(name, value);
  return new Response(res.body, { status: 200, headers });
}
