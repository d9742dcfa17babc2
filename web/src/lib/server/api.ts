// The web server's only way to the API: the openapi-fetch client typed by the generated schema (#lib/api/schema.d.ts),
// one per call, that forwards the user's session, the request id and the browser's address, has a deadline, and maps
// failures to the API's error body.
import { API_URL } from '$app/env/private';
import { error } from '@sveltejs/kit';
import createClient, { type Client } from 'openapi-fetch';
import type { ApiFailure, paths } from '#lib/api/index.ts';

export type { ApiFailure };
export type ApiClient = Client<paths>;

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly body: ApiFailure['error'],
  ) {
    super(body.message);
  }
}

export interface ApiOptions {
  /** Deadline in ms (default 10 s); an upload may need longer, a streamed download none (null). */
  timeoutMs?: number | null;
  /** A Cookie header for the API (only the auth routes read one: the refresh token). */
  cookie?: string;
}

/** What a load function or action passes: SvelteKit's fetch and the request's locals. */
export interface ApiEvent {
  fetch: typeof fetch;
  locals: App.Locals;
  /** The browser's address, passed on so the API's per-address limits see users, not this server. */
  getClientAddress(): string;
}

/** What an openapi-fetch call answers: the data of a success or the error body of a failure, and the response. */
export interface ApiAnswer {
  data?: unknown;
  error?: unknown;
  response: Response;
}
/** The data of a successful answer. */
export type DataOf<A> = A extends { data: infer D } ? D : never;

/**
 * A page's filter passed on as its URL has it (the API's own parameter names, lists as repeated keys): the API validates
 * it and names what it refuses.
 */
export function asQuery(params: URLSearchParams) {
  return { querySerializer: () => params.toString() };
}

/** A body that is not JSON (a CSV or Markdown upload): sent as is, with its content type. */
export function rawBody(contentType: string) {
  return { bodySerializer: (text: string) => text, headers: { 'content-type': contentType } };
}

/**
 * Calls the API through the generated client and returns its answer as openapi-fetch gives it ({ data } or { error },
 * with the response). Throws ApiError only when the API did not answer, or answered with a body that is not JSON.
 */
export async function request<A extends ApiAnswer>(event: ApiEvent, call: (client: ApiClient) => Promise<A>, options: ApiOptions = {}): Promise<A> {
  let sent = false;
  let status: number | undefined;
  const client = createClient<paths>({
    baseUrl: API_URL,
    headers: {
      'x-request-id': event.locals.requestId,
      'x-forwarded-for': event.getClientAddress(),
      ...(event.locals.accessToken ? { authorization: `Bearer ${event.locals.accessToken}` } : {}),
      ...(options.cookie ? { cookie: options.cookie } : {}),
    },
    // On the request itself: SvelteKit's fetch takes a Request as it is, without a second argument.
    ...(options.timeoutMs === null ? {} : { signal: AbortSignal.timeout(options.timeoutMs ?? 10_000) }),
    fetch: async (req) => {
      sent = true;
      const res = await event.fetch(req);
      status = res.status;
      return res;
    },
  });
  let answer: A;
  try {
    answer = await call(client);
  } catch (err) {
    if (sent && status === undefined) {
      throw new ApiError(503, { code: 'api_unreachable', message: `The API at ${API_URL} did not answer (${err instanceof Error ? err.message : String(err)})`, details: [] });
    }
    if (status !== undefined && err instanceof SyntaxError) {
      throw new ApiError(502, { code: 'bad_gateway', message: `The API answered ${status} with a body that is not JSON`, details: [] });
    }
    throw err;
  }
  // openapi-fetch keeps a failure's body as text when it is not JSON.
  if (typeof answer.error === 'string' && answer.error !== '') {
    throw new ApiError(502, { code: 'bad_gateway', message: `The API answered ${answer.response.status} with a body that is not JSON`, details: [] });
  }
  return answer;
}

/** The ApiError of a failed answer, with the API's own error body. */
export function failure(answer: ApiAnswer): ApiError {
  const body = (answer.error as ApiFailure | undefined)?.error ?? { code: 'http_' + answer.response.status, message: answer.response.statusText, details: [] };
  return new ApiError(answer.response.status, body);
}

/** Calls the API; the data of a success, or throws ApiError with the API's own error body on a failed status. */
export async function api<A extends ApiAnswer>(event: ApiEvent, call: (client: ApiClient) => Promise<A>, options: ApiOptions = {}): Promise<DataOf<A>> {
  const answer = await request(event, call, options);
  if (!answer.response.ok) throw failure(answer);
  return answer.data as DataOf<A>;
}

/** For load functions: an API failure becomes SvelteKit's error page with the API's message and code. */
export async function load<A extends ApiAnswer>(event: ApiEvent, call: (client: ApiClient) => Promise<A>, options: ApiOptions = {}): Promise<DataOf<A>> {
  try {
    return await api(event, call, options);
  } catch (err) {
    if (err instanceof ApiError) {
      error(err.status, { message: err.body.message, code: err.body.code, ...(err.body.requestId ? { requestId: err.body.requestId } : {}) });
    }
    throw err;
  }
}
