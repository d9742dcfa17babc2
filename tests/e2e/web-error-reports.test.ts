// The web server's unexpected errors reach Sentry through the real @sentry/node transport (SENTRY_DSN), tagged with
// the request id the page shows, with no cookie, token or secret from the request or the error's text.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { stopChild, type Child } from '../../devkit/processes.ts';
import { freePort } from '../../devkit/ports.ts';
import { waitFor } from '../helpers.ts';
import { startSentryServer, type TestSentryServer } from '../servers/sentry.ts';
import { startWeb } from './platform.ts';

const SESSION = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ1c2VyLTEyMzQ1Njc4In0.c2lnbmF0dXJlLW9mLXRoZS1zZXNzaW9u';
const LEAKED = 'password=hunter2-do-not-send';

let sentry: TestSentryServer;
let api: Server;
let web: Child;
let webUrl: string;

beforeAll(async () => {
  sentry = await startSentryServer();
  // An API that fails unexpectedly on the call every page makes first, quoting a secret in its message.
  api = createServer((req, res) => {
    const failing = req.url === '/api/auth/me';
    res.writeHead(failing ? 500 : 404, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ error: { code: failing ? 'internal' : 'not_found', message: failing ? `could not connect: ${LEAKED}` : 'not found', details: [] } }));
  });
  await new Promise<void>((r) => api.listen(0, '127.0.0.1', r));
  const port = await freePort();
  webUrl = `http://127.0.0.1:${port}`;
  web = startWeb('web-error-reports', port, `http://127.0.0.1:${(api.address() as AddressInfo).port}`, { SENTRY_DSN: sentry.dsn, SENTRY_ENVIRONMENT: 'e2e' });
  await waitFor('the web server', async () => ((await fetch(`${webUrl}/healthz`).catch(() => undefined))?.ok ? true : undefined), { timeoutMs: 30_000, intervalMs: 200 });
}, 60_000);

afterAll(async () => {
  if (web) await stopChild(web, 5_000);
  await new Promise((r) => api?.close(r));
  await sentry?.stop();
});

it('reports an unexpected page error to Sentry with its request id, scrubbed, and shows the user only the id', async () => {
  const res = await fetch(`${webUrl}/incidents?token=abcdef0123456789abcdef0123456789`, { headers: { cookie: `ii_access=${SESSION}`, 'x-request-id': 'req-web-sentry-1' } });
  expect(res.status).toBe(500);
  const page = await res.text();
  expect(page).toContain('req-web-sentry-1');
  expect(page).not.toContain('hunter2');

  await waitFor('the error event at the Sentry endpoint', async () => (sentry.events().length > 0 ? true : undefined), { timeoutMs: 15_000, intervalMs: 100 });
  const event = sentry.events()[0]! as { tags: Record<string, string>; environment: string; exception: { values: Array<{ value: string }> }; request?: unknown };
  expect(event.tags).toMatchObject({ requestId: 'req-web-sentry-1', route: '/(app)/incidents', service: 'web', status: '500' });
  expect(event.environment).toBe('e2e');
  expect(event.request).toBeUndefined();
  // The error's text arrives with its secret scrubbed; nothing of the request is anywhere in what was sent.
  expect(event.exception.values.map((v) => v.value).join('\n')).toContain('could not connect: password=[secret]');
  for (const envelope of sentry.envelopes) {
    expect(envelope.raw).not.toContain('hunter2');
    expect(envelope.raw).not.toContain(SESSION);
    expect(envelope.raw).not.toContain('abcdef0123456789abcdef0123456789');
  }
});
