// The web server's only way to the API: one fetch wrapper that forwards the request id, has a deadline, and maps
// failures to the API's error body.
import { API_URL } from '$app/env/private';
import { error } from '@sveltejs/kit';

export interface ApiFailure {
  error: { code: string; message: string; details: { field?: string; in?: string; message: string }[]; requestId?: string };
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly body: ApiFailure['error'],
  ) {
    super(body.message);
  }
}

function apiBase(): string {
  return API_URL;
}

export interface ApiCall {
  method?: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  body?: unknown;
  /** A body that is not JSON (a CSV upload): sent as is with its content type, instead of `body`. */
  raw?: { text: string; contentType: string };
  /** Deadline in ms (default 10 s); an upload may need longer. */
  timeoutMs?: number;
  /** Statuses whose JSON body is data, not a failure (e.g. 503 from /api/health). */
  acceptStatuses?: number[];
  /** A Cookie header for the API (only the auth routes read one: the refresh token). */
  cookie?: string;
  /** Sees the raw response (for the refresh token the API sets as a cookie). */
  onResponse?: (res: Response) => void;
}

/** What a load function or action passes: SvelteKit's fetch and the request's locals. */
export interface ApiEvent {
  fetch: typeof fetch;
  locals: App.Locals;
  /** The browser's address, passed on so the API's per-address limits see users, not this server. */
  getClientAddress(): string;
}

/** Calls the API; throws ApiError with the API's own error body on a failed status. */
export async function api<T>(event: ApiEvent, path: string, call: ApiCall = {}): Promise<T> {
  let res: Response;
  try {
    res = await event.fetch(`${apiBase()}${path}`, {
      method: call.method ?? 'GET',
      headers: {
        'x-request-id': event.locals.requestId,
        'x-forwarded-for': event.getClientAddress(),
        ...(event.locals.accessToken ? { authorization: `Bearer ${event.locals.accessToken}` } : {}),
        ...(call.cookie ? { cookie: call.cookie } : {}),
        ...(call.raw ? { 'content-type': call.raw.contentType } : call.body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: call.raw ? call.raw.text : call.body === undefined ? null : JSON.stringify(call.body),
      signal: AbortSignal.timeout(call.timeoutMs ?? 10_000),
    });
  } catch (err) {
    throw new ApiError(503, { code: 'api_unreachable', message: `The API at ${apiBase()} did not answer (${err instanceof Error ? err.message : String(err)})`, details: [] });
  }
  call.onResponse?.(res);
  const text = await res.text();
  let json: unknown;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    throw new ApiError(502, { code: 'bad_gateway', message: `The API answered ${res.status} with a body that is not JSON`, details: [] });
  }
  if (res.ok || call.acceptStatuses?.includes(res.status)) return json as T;
  const body = (json as ApiFailure | undefined)?.error ?? { code: 'http_' + res.status, message: res.statusText, details: [] };
  throw new ApiError(res.status, body);
}

/** For load functions: an API failure becomes SvelteKit's error page with the API's message and code. */
export async function load<T>(event: ApiEvent, path: string, call: ApiCall = {}): Promise<T> {
  try {
    return await api<T>(event, path, call);
  } catch (err) {
    if (err instanceof ApiError) {
      error(err.status, { message: err.body.message, code: err.body.code, ...(err.body.requestId ? { requestId: err.body.requestId } : {}) });
    }
    throw err;
  }
}
