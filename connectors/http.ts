// The one HTTP helper the REST connectors use: JSON over global fetch with rate-limit waits, bounded retries and typed errors.
import { ConnectorError } from './types.ts';

export type QueryValue = string | number | boolean | readonly string[] | undefined;
export type Query = Record<string, QueryValue>;

/** What tests and callers may replace: time, randomness and the network, plus the retry budget. */
export interface HttpTransport {
  fetch?: typeof globalThis.fetch;
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  now?: () => number;
  random?: () => number;
  /** Attempts per request, the first included (default 5). */
  maxAttempts?: number;
  baseDelayMs?: number;
  maxDelayMs?: number;
  /**
   * Longest server-requested wait honoured in-process (default 60 s). A longer Retry-After is thrown at once as
   * rate_limited with retryAfterMs, so the worker is not held and the Temporal activity retries after it.
   */
  maxWaitMs?: number;
  /** Per attempt (default 30 s). */
  timeoutMs?: number;
}

export interface HttpClientOptions extends HttpTransport {
  baseUrl: string;
  headers: Record<string, string>;
  /** Vendor name for messages ("PagerDuty"). */
  vendor: string;
  /** The vendor's own error text from an error body, if it has one. */
  vendorMessage?: (body: unknown) => string | undefined;
  /** Turns a 401/403 into a message that says what to fix (bad token, wrong region, missing scope). */
  authMessage?: (status: number, vendorMessage: string | undefined, path: string) => string;
}

export interface HttpResponse<T> {
  status: number;
  headers: Headers;
  body: T;
  url: string;
}

export interface HttpClient {
  readonly baseUrl: string;
  getJson<T>(path: string, query?: Query, signal?: AbortSignal): Promise<HttpResponse<T>>;
}

export function buildUrl(baseUrl: string, path: string, query: Query = {}): string {
  const url = new URL(/^https?:\/\//.test(path) ? path : `${baseUrl.replace(/\/+$/, '')}${path.startsWith('/') ? '' : '/'}${path}`);
  for (const [key, value] of Object.entries(query)) {
    if (value === undefined) continue;
    if (Array.isArray(value)) for (const item of value) url.searchParams.append(key, item);
    else url.searchParams.set(key, String(value));
  }
  return url.toString();
}

/**
 * How long the server asked us to wait: Retry-After (seconds or an HTTP date), PagerDuty's ratelimit-reset
 * (seconds until the window resets), or Opsgenie's X-RateLimit-Period-In-Sec. Undefined when none is given.
 */
export function serverWaitMs(headers: Headers, now: number): number | undefined {
  const retryAfter = headers.get('retry-after')?.trim();
  if (retryAfter) {
    if (/^\d+(\.\d+)?$/.test(retryAfter)) return Math.ceil(Number(retryAfter) * 1000);
    const at = Date.parse(retryAfter);
    if (Number.isFinite(at)) return Math.max(0, at - now);
  }
  const reset = headers.get('ratelimit-reset')?.trim();
  if (reset && /^\d+(\.\d+)?$/.test(reset)) {
    const n = Number(reset);
    // Some gateways send an epoch time instead of a delta; a value past 2001 in seconds can only be that.
    return n > 1e9 ? Math.max(0, n * 1000 - now) : Math.ceil(n * 1000);
  }
  const period = headers.get('x-ratelimit-period-in-sec')?.trim();
  if (period && /^\d+(\.\d+)?$/.test(period)) return Math.ceil(Number(period) * 1000);
  return undefined;
}

export function abortableSleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

function parseBody(text: string): unknown {
  if (text === '') return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

type Outcome = { kind: 'response'; response: HttpResponse<unknown> } | { kind: 'retry'; waitMs: number; error: ConnectorError };

export function createHttpClient(options: HttpClientOptions): HttpClient {
  const doFetch = options.fetch ?? globalThis.fetch;
  const sleep = options.sleep ?? abortableSleep;
  const now = options.now ?? Date.now;
  const random = options.random ?? Math.random;
  const maxAttempts = Math.max(1, options.maxAttempts ?? 5);
  const baseDelayMs = options.baseDelayMs ?? 500;
  const maxDelayMs = options.maxDelayMs ?? 20_000;
  const maxWaitMs = options.maxWaitMs ?? 60_000;
  const timeoutMs = options.timeoutMs ?? 30_000;
  const origin = new URL(options.baseUrl).origin;
  const vendor = options.vendor;

  /** Full jitter: spreads retries of many workers instead of having them hit the API in step. */
  const backoff = (attempt: number) => Math.round(random() * Math.min(maxDelayMs, baseDelayMs * 2 ** (attempt - 1))) + 1;

  function failure(status: number, body: unknown, path: string): ConnectorError {
    const said = options.vendorMessage?.(body);
    const detail = said ? `: ${said}` : '';
    if (status === 401 || status === 403) {
      const message = options.authMessage?.(status, said, path) ?? `${vendor} refused the credentials (HTTP ${status})${detail}`;
      return new ConnectorError('auth', message, undefined, { status });
    }
    if (status === 404) return new ConnectorError('not_found', `${vendor} has no ${path} (HTTP 404)${detail}`, undefined, { status });
    return new ConnectorError('invalid', `${vendor} rejected GET ${path} (HTTP ${status})${detail}`, undefined, { status });
  }

  async function attempt(url: string, path: string, n: number, signal: AbortSignal | undefined): Promise<Outcome> {
    const timeout = AbortSignal.timeout(timeoutMs);
    const combined = signal ? AbortSignal.any([signal, timeout]) : timeout;
    let res: Response;
    let text: string;
    try {
      res = await doFetch(url, { method: 'GET', headers: { Accept: 'application/json', ...options.headers }, signal: combined });
      text = await res.text();
    } catch (error) {
      if (signal?.aborted) throw new ConnectorError('unavailable', `${vendor} request cancelled: GET ${path}`, undefined, { cause: error });
      const why = timeout.aborted ? `timed out after ${timeoutMs} ms` : `failed (${(error as Error).message})`;
      const waitMs = backoff(n);
      return { kind: 'retry', waitMs, error: new ConnectorError('unavailable', `${vendor} GET ${path} ${why}`, waitMs, { cause: error }) };
    }
    const body = parseBody(text);
    if (res.ok) {
      if (typeof body === 'string') {
        const waitMs = backoff(n);
        return { kind: 'retry', waitMs, error: new ConnectorError('unavailable', `${vendor} GET ${path} answered ${res.status} with a body that is not JSON`, waitMs) };
      }
      return { kind: 'response', response: { status: res.status, headers: res.headers, body, url } };
    }
    if (res.status === 429) {
      const asked = serverWaitMs(res.headers, now());
      const waitMs = asked ?? backoff(n);
      const error = new ConnectorError('rate_limited', `${vendor} rate limit reached on GET ${path}; retry in ${Math.ceil(waitMs / 1000)} s`, waitMs, { status: 429 });
      if (waitMs > maxWaitMs) throw error;
      return { kind: 'retry', waitMs, error };
    }
    if (res.status >= 500) {
      const waitMs = serverWaitMs(res.headers, now()) ?? backoff(n);
      const said = options.vendorMessage?.(body);
      return { kind: 'retry', waitMs, error: new ConnectorError('unavailable', `${vendor} GET ${path} failed with HTTP ${res.status}${said ? `: ${said}` : ''}`, waitMs, { status: res.status }) };
    }
    throw failure(res.status, body, path);
  }

  return {
    baseUrl: options.baseUrl,
    async getJson<T>(path: string, query: Query = {}, signal?: AbortSignal): Promise<HttpResponse<T>> {
      const url = buildUrl(options.baseUrl, path, query);
      // Credentials go only to the configured host, even when a vendor's "next page" link points elsewhere.
      if (new URL(url).origin !== origin) throw new ConnectorError('invalid', `${vendor} link ${url} leaves ${origin}; not following it`);
      const shownPath = new URL(url).pathname;
      let last: ConnectorError | undefined;
      for (let n = 1; n <= maxAttempts; n++) {
        const outcome = await attempt(url, shownPath, n, signal);
        if (outcome.kind === 'response') return outcome.response as HttpResponse<T>;
        last = outcome.error;
        if (n === maxAttempts) break;
        try {
          await sleep(outcome.waitMs, signal);
        } catch (error) {
          throw new ConnectorError('unavailable', `${vendor} request cancelled: GET ${shownPath}`, undefined, { cause: error });
        }
      }
      throw new ConnectorError(last!.kind, `${last!.message} (gave up after ${maxAttempts} attempts)`, last!.retryAfterMs, { cause: last, status: last!.status });
    },
  };
}
