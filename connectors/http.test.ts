import { describe, expect, it } from 'vitest';
import { buildUrl, createHttpClient, serverWaitMs, type HttpClientOptions } from './http.ts';
import { ConnectorError } from './types.ts';

/** A clock that only moves when the client sleeps, so waits are asserted exactly and tests take no time. */
function fakeClock(start = Date.parse('2025-03-01T12:00:00Z')) {
  let now = start;
  const sleeps: number[] = [];
  return {
    now: () => now,
    sleeps,
    sleep: async (ms: number) => {
      sleeps.push(ms);
      now += ms;
    },
  };
}

type Step = Response | Error;

function scripted(clock: { now(): number }, steps: Step[]) {
  const calls: { url: string; at: number; headers: Record<string, string> }[] = [];
  const fetch = (async (url: string | URL | Request, init?: RequestInit) => {
    calls.push({ url: String(url), at: clock.now(), headers: { ...(init?.headers as Record<string, string>) } });
    const step = steps.shift();
    if (!step) throw new Error('no more scripted responses');
    if (step instanceof Error) throw step;
    return step;
  }) as typeof globalThis.fetch;
  return { fetch, calls };
}

const json = (status: number, body: unknown, headers: Record<string, string> = {}) =>
  new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json', ...headers } });

function client(clock: ReturnType<typeof fakeClock>, steps: Step[], extra: Partial<HttpClientOptions> = {}) {
  const script = scripted(clock, steps);
  const http = createHttpClient({
    baseUrl: 'https://api.example.com',
    vendor: 'Example',
    headers: { Authorization: 'Token token=abc' },
    fetch: script.fetch,
    sleep: clock.sleep,
    now: clock.now,
    random: () => 0.5,
    vendorMessage: (body) => (body as { error?: { message?: string } } | undefined)?.error?.message,
    ...extra,
  });
  return { http, calls: script.calls };
}

async function rejection(promise: Promise<unknown>): Promise<ConnectorError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ConnectorError);
  return error as ConnectorError;
}

describe('http helper', () => {
  it('builds query strings with repeated array keys', () => {
    expect(buildUrl('https://api.example.com/', '/incidents', { 'statuses[]': ['triggered', 'resolved'], limit: 100, skip: undefined, total: true })).toBe(
      'https://api.example.com/incidents?statuses%5B%5D=triggered&statuses%5B%5D=resolved&limit=100&total=true',
    );
  });

  it('reads Retry-After in seconds or as an HTTP date, then PagerDuty and Opsgenie hints', () => {
    const now = Date.parse('2025-03-01T12:00:00Z');
    expect(serverWaitMs(new Headers({ 'retry-after': '7' }), now)).toBe(7000);
    expect(serverWaitMs(new Headers({ 'retry-after': 'Sat, 01 Mar 2025 12:00:30 GMT' }), now)).toBe(30_000);
    expect(serverWaitMs(new Headers({ 'ratelimit-reset': '12' }), now)).toBe(12_000);
    expect(serverWaitMs(new Headers({ 'x-ratelimit-period-in-sec': '60' }), now)).toBe(60_000);
    expect(serverWaitMs(new Headers({}), now)).toBeUndefined();
  });

  it('honours 429 Retry-After: no request before the wait has elapsed', async () => {
    const clock = fakeClock();
    const { http, calls } = client(clock, [json(429, { error: { message: 'Rate Limit Exceeded', code: 2020 } }, { 'retry-after': '5' }), json(200, { ok: true })]);
    const res = await http.getJson<{ ok: boolean }>('/incidents');
    expect(res.body.ok).toBe(true);
    expect(calls).toHaveLength(2);
    expect(calls[1]!.at - calls[0]!.at).toBeGreaterThanOrEqual(5000);
    expect(clock.sleeps).toEqual([5000]);
  });

  it('honours an HTTP-date Retry-After against the injected clock', async () => {
    const clock = fakeClock();
    const { http, calls } = client(clock, [json(429, {}, { 'retry-after': new Date(clock.now() + 42_000).toUTCString() }), json(200, {})]);
    await http.getJson('/x');
    expect(calls[1]!.at - calls[0]!.at).toBeGreaterThanOrEqual(42_000);
  });

  it("waits for PagerDuty's ratelimit-reset when there is no Retry-After", async () => {
    const clock = fakeClock();
    const { http, calls } = client(clock, [json(429, {}, { 'ratelimit-reset': '3', 'ratelimit-remaining': '0' }), json(200, {})]);
    await http.getJson('/x');
    expect(calls[1]!.at - calls[0]!.at).toBe(3000);
  });

  it('backs off exponentially on a 429 without headers', async () => {
    const clock = fakeClock();
    const { http } = client(clock, [json(429, {}), json(429, {}), json(200, {})], { baseDelayMs: 1000, random: () => 0.999 });
    await http.getJson('/x');
    expect(clock.sleeps).toEqual([1000, 1999]);
  });

  it('throws rate_limited with retryAfterMs at once when the server asks for a wait longer than the in-process limit', async () => {
    const clock = fakeClock();
    const { http, calls } = client(clock, [json(429, {}, { 'retry-after': '3600' })], { maxWaitMs: 60_000 });
    const error = await rejection(http.getJson('/x'));
    expect(error.kind).toBe('rate_limited');
    expect(error.retryAfterMs).toBe(3_600_000);
    expect(calls).toHaveLength(1);
    expect(clock.sleeps).toEqual([]);
  });

  it('gives up after the attempt budget with rate_limited and the last wait', async () => {
    const clock = fakeClock();
    const { http, calls } = client(clock, [json(429, {}, { 'retry-after': '2' }), json(429, {}, { 'retry-after': '2' }), json(429, {}, { 'retry-after': '9' })], { maxAttempts: 3 });
    const error = await rejection(http.getJson('/x'));
    expect(error.kind).toBe('rate_limited');
    expect(error.retryAfterMs).toBe(9000);
    expect(calls).toHaveLength(3);
  });

  it('retries 5xx and network errors with capped, jittered backoff', async () => {
    const clock = fakeClock();
    const { http, calls } = client(clock, [json(500, {}), new TypeError('fetch failed'), json(503, {}), json(200, { fine: 1 })], { baseDelayMs: 100, maxDelayMs: 250, random: () => 1 });
    const res = await http.getJson<{ fine: number }>('/x');
    expect(res.body.fine).toBe(1);
    expect(calls).toHaveLength(4);
    expect(clock.sleeps).toEqual([101, 201, 251]);
  });

  it('throws unavailable with retryAfterMs after persistent 5xx', async () => {
    const clock = fakeClock();
    const { http } = client(clock, [json(502, {}), json(502, {}), json(502, { error: { message: 'Bad Gateway' } })], { maxAttempts: 3 });
    const error = await rejection(http.getJson('/x'));
    expect(error.kind).toBe('unavailable');
    expect(error.status).toBe(502);
    expect(error.retryAfterMs).toBeGreaterThan(0);
    expect(error.message).toMatch(/Bad Gateway.*gave up after 3 attempts/);
  });

  it('maps 401 and 403 to auth with the message the vendor-specific hook writes', async () => {
    const authMessage = (status: number, said: string | undefined) => (status === 401 ? `bad token (${said})` : `missing scope (${said})`);
    const clock = fakeClock();
    const unauthorized = await rejection(client(clock, [json(401, { error: { message: 'Authentication failed', code: 2006 } })], { authMessage }).http.getJson('/x'));
    expect(unauthorized).toMatchObject({ kind: 'auth', status: 401, message: 'bad token (Authentication failed)' });
    const forbidden = await rejection(client(clock, [json(403, { error: { message: 'Access Denied' } })], { authMessage }).http.getJson('/x'));
    expect(forbidden).toMatchObject({ kind: 'auth', status: 403, message: 'missing scope (Access Denied)' });
  });

  it('maps 404 to not_found and other 4xx to invalid, without retrying', async () => {
    const clock = fakeClock();
    const notFound = client(clock, [json(404, {})]);
    expect((await rejection(notFound.http.getJson('/incidents/nope'))).kind).toBe('not_found');
    const bad = client(clock, [json(400, { error: { message: 'Invalid Input Provided' } })]);
    const error = await rejection(bad.http.getJson('/x'));
    expect(error.kind).toBe('invalid');
    expect(error.message).toContain('Invalid Input Provided');
    expect(bad.calls).toHaveLength(1);
  });

  it('times out a slow answer and retries it', async () => {
    const clock = fakeClock();
    let first = true;
    const fetch = (async (_url: string | URL | Request, init?: RequestInit) => {
      if (first) {
        first = false;
        return new Promise<Response>((_resolve, reject) => init?.signal?.addEventListener('abort', () => reject(init.signal!.reason)));
      }
      return json(200, { late: false });
    }) as typeof globalThis.fetch;
    const http = createHttpClient({ baseUrl: 'https://api.example.com', vendor: 'Example', headers: {}, fetch, sleep: clock.sleep, now: clock.now, timeoutMs: 20 });
    const res = await http.getJson<{ late: boolean }>('/x');
    expect(res.body.late).toBe(false);
  });

  it('does not send credentials to another host, even when a next-page link says so', async () => {
    const clock = fakeClock();
    const { http, calls } = client(clock, []);
    const error = await rejection(http.getJson('https://evil.example.net/v2/alerts?offset=100'));
    expect(error.kind).toBe('invalid');
    expect(calls).toHaveLength(0);
  });

  it('stops waiting when the caller cancels', async () => {
    const controller = new AbortController();
    const clock = fakeClock();
    const sleep = async () => {
      controller.abort(new Error('cancelled by test'));
      throw new Error('aborted');
    };
    const { http } = client(clock, [json(503, {})], { sleep });
    const error = await rejection(http.getJson('/x', {}, controller.signal));
    expect(error.message).toMatch(/cancelled/);
  });
});
