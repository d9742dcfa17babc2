// The browser's session with the web server: the API's access token and refresh token, kept in httpOnly cookies
// on the web origin (the browser never talks to the API itself), refreshed before the access token expires.
import type { Cookies } from '@sveltejs/kit';
import type { Answer } from '#lib/api/index.ts';
import { ApiError, failure, request, type ApiClient, type ApiEvent } from './api';

export const ACCESS_COOKIE = 'ii_access';
export const REFRESH_COOKIE = 'ii_refresh';
const REFRESH_MAX_AGE = 30 * 24 * 3600;

export type TokenResponse = Answer<'/api/auth/refresh', 'post'>;

function cookieOptions(url: URL) {
  return { path: '/', httpOnly: true, sameSite: 'lax' as const, secure: url.protocol === 'https:' };
}

/** The refresh token the API set on its response (the API scopes it to its own path; we re-issue it for ours). */
export function refreshTokenOf(res: Response): string | undefined {
  for (const header of res.headers.getSetCookie()) {
    const [pair] = header.split(';');
    const [name, ...value] = (pair ?? '').split('=');
    if (name?.trim() === REFRESH_COOKIE) return value.join('=').trim() || undefined;
  }
  return undefined;
}

export function storeSession(cookies: Cookies, url: URL, tokens: { accessToken: string; expiresIn: number }, refreshToken: string | undefined): void {
  // The access cookie goes away a little before the token does, so a request never carries an expired one.
  cookies.set(ACCESS_COOKIE, tokens.accessToken, { ...cookieOptions(url), maxAge: Math.max(1, tokens.expiresIn - 30) });
  if (refreshToken) cookies.set(REFRESH_COOKIE, refreshToken, { ...cookieOptions(url), maxAge: REFRESH_MAX_AGE });
}

export function clearSession(cookies: Cookies, url: URL): void {
  cookies.delete(ACCESS_COOKIE, cookieOptions(url));
  cookies.delete(REFRESH_COOKIE, cookieOptions(url));
}

/** What an auth route that answers with tokens gives: openapi-fetch's answer for sign-in, sign-up or refresh. */
type TokenAnswer = { data: TokenResponse; error?: never; response: Response } | { data?: never; error: unknown; response: Response };

/** Calls an API auth route that answers with tokens, with the refresh cookie when given; the tokens and the new refresh token. */
async function exchangeTokens(event: ApiEvent, call: (client: ApiClient) => Promise<TokenAnswer>, refreshToken?: string) {
  const answer = await request(event, call, refreshToken ? { cookie: `${REFRESH_COOKIE}=${refreshToken}` } : {});
  if (!answer.response.ok || !answer.data) throw failure(answer);
  return { tokens: answer.data, refreshToken: refreshTokenOf(answer.response) };
}

/** Calls an API auth route that answers with tokens (sign-in, sign-up) and stores the session. */
export async function authenticate(event: ApiEvent & { cookies: Cookies; url: URL }, call: (client: ApiClient) => Promise<TokenAnswer>): Promise<TokenResponse> {
  const { tokens, refreshToken } = await exchangeTokens(event, call);
  storeSession(event.cookies, event.url, tokens, refreshToken);
  event.locals.accessToken = tokens.accessToken;
  return tokens;
}

/**
 * Refreshes in flight, by refresh token: parallel page requests of one browser (preloading, several tabs) share one
 * exchange instead of presenting the same token twice, which the API would take for theft and end the session.
 */
const inFlight = new Map<string, Promise<{ tokens: TokenResponse; refreshToken: string | undefined }>>();

/** Uses the refresh cookie to get a new access token; false (and a cleared session) when the session has ended. */
export async function refreshSession(event: ApiEvent & { cookies: Cookies; url: URL }): Promise<boolean> {
  const refreshToken = event.cookies.get(REFRESH_COOKIE);
  if (!refreshToken) return false;
  let exchange = inFlight.get(refreshToken);
  if (!exchange) {
    exchange = exchangeTokens(event, (c) => c.POST('/api/auth/refresh'), refreshToken);
    inFlight.set(refreshToken, exchange);
    // Kept a little after it settles, for requests that were already on their way with the old cookie.
    void exchange.catch(() => undefined).finally(() => setTimeout(() => inFlight.delete(refreshToken), 10_000).unref());
  }
  try {
    const { tokens, refreshToken: next } = await exchange;
    storeSession(event.cookies, event.url, tokens, next);
    event.locals.accessToken = tokens.accessToken;
    return true;
  } catch (err) {
    if (err instanceof ApiError && err.status === 401) {
      clearSession(event.cookies, event.url);
      return false;
    }
    throw err;
  }
}
