// The health page in headless Chromium, against the real API, worker, PostgreSQL, Temporal and the built web server.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { buildApp } from '../../api/app.ts';
import { childEnv, type Config } from '../../config.ts';
import { spawnChild, stopChild, type Child } from '../../scripts/lib/processes.ts';
import { connectTemporal, type TemporalClient } from '../../temporal/client.ts';
import { freePort } from '../global-setup.ts';
import { createTestDatabase, startWorker, testConfig, waitFor, type RunningWorker, type TestDatabase } from '../helpers.ts';

const ROOT = join(import.meta.dirname, '../..');
const SHOTS = join(ROOT, 'test-results');
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'];

let db: TestDatabase;
let config: Config;
let temporal: TemporalClient;
let worker: RunningWorker;
let app: FastifyInstance;
let web: Child;
let webUrl: string;
let browser: Browser;
const seenRequestIds: string[] = [];

beforeAll(async () => {
  db = await createTestDatabase();
  config = testConfig(db.url);
  temporal = await connectTemporal({ address: config.temporal.address!, namespace: config.temporal.namespace });
  worker = await startWorker(config, db.sql);
  app = await buildApp({ config, sql: db.sql, temporal, version: 'e2e' });
  app.addHook('onRequest', async (request) => {
    seenRequestIds.push(String(request.id));
  });
  const apiUrl = await app.listen({ host: '127.0.0.1', port: 0 });
  const port = await freePort();
  webUrl = `http://127.0.0.1:${port}`;
  web = spawnChild({
    name: 'web',
    command: process.execPath,
    args: [join(ROOT, 'web/build/index.js')],
    env: childEnv({ HOST: '127.0.0.1', PORT: String(port), ORIGIN: webUrl, API_URL: apiUrl }),
    logFile: join(SHOTS, 'e2e-web.log'),
  });
  await waitFor('the web server', async () => ((await fetch(webUrl)).ok ? true : undefined), {
    timeoutMs: 30_000,
    abortIf: () => (web.hasExited() ? 'the web server exited (did `npm run build:web` run?)' : undefined),
  });
  browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', args: CHROMIUM_ARGS });
  mkdirSync(SHOTS, { recursive: true });
});

afterAll(async () => {
  await browser?.close();
  if (web) await stopChild(web, 5_000);
  await app?.close();
  await worker?.stop();
  await temporal?.close();
  await db?.drop();
});

it('shows every part healthy and the latest job completed, and saves screenshots', async () => {
  const started = await app.inject({ method: 'POST', url: '/api/jobs/echo', payload: { message: 'shown on the page', steps: 3, stepMs: 100 } });
  expect(started.statusCode).toBe(202);

  const page = await browser.newPage({ viewport: { width: 1280, height: 900 }, reducedMotion: 'reduce' });
  await page.goto(webUrl);
  await expect.poll(() => page.getByTestId('overall-status').textContent(), { timeout: 30_000 }).toBe('All systems healthy');
  await expect.poll(() => page.getByTestId('latest-job').getAttribute('data-status'), { timeout: 30_000 }).toBe('completed');
  for (const part of ['web', 'api', 'postgresql', 'temporal', 'worker']) {
    expect(await page.getByTestId(`part-${part}`).locator('.badge').textContent(), part).toBe('ok');
  }
  expect(await page.getByTestId('latest-job').textContent()).toContain('shown on the page');
  await page.screenshot({ path: join(SHOTS, 'health-page.png'), fullPage: true });

  await page.setViewportSize({ width: 360, height: 800 });
  await page.screenshot({ path: join(SHOTS, 'health-page-360.png'), fullPage: true });
  const overflow = await page.evaluate<number>('document.documentElement.scrollWidth - document.documentElement.clientWidth');
  expect(overflow, 'no horizontal scroll at 360 px').toBeLessThanOrEqual(0);
  await page.close();
});

it('names the bad field when the form is submitted empty, and starts a job that completes when it is valid', async () => {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 }, reducedMotion: 'reduce' });
  await page.goto(webUrl);
  const [{ n: before }] = await db.sql<[{ n: number }]>`select count(*)::int as n from jobs`;
  await page.getByLabel('Message').fill('');
  await page.getByRole('button', { name: 'Start job' }).click();
  await expect.poll(() => page.locator('#message-error').textContent(), { timeout: 15_000 }).toBe('body.message must NOT have fewer than 1 characters');
  expect(await page.getByLabel('Message').getAttribute('aria-invalid')).toBe('true');
  const [{ n: after }] = await db.sql<[{ n: number }]>`select count(*)::int as n from jobs`;
  expect(after).toBe(before);

  await page.getByLabel('Message').fill('typed in Chromium');
  await page.getByLabel('Steps').fill('2');
  await page.getByRole('button', { name: 'Start job' }).click();
  await expect.poll(async () => (await page.getByTestId('latest-job').textContent()) ?? '', { timeout: 15_000 }).toContain('typed in Chromium');
  await expect.poll(() => page.getByTestId('latest-job').getAttribute('data-status'), { timeout: 30_000 }).toBe('completed');

  await page.getByTestId('latest-job').getByRole('link').click();
  await expect.poll(() => page.getByTestId('job').getAttribute('data-status'), { timeout: 15_000 }).toBe('completed');
  await page.screenshot({ path: join(SHOTS, 'job-page.png'), fullPage: true });
  await page.setViewportSize({ width: 360, height: 800 });
  await page.screenshot({ path: join(SHOTS, 'job-page-360.png'), fullPage: true });
  await page.close();
});

it('carries one request id from the page request into every API call it makes', async () => {
  const res = await fetch(webUrl, { headers: { 'x-request-id': 'e2e-trace-42' } });
  expect(res.status).toBe(200);
  expect(res.headers.get('x-request-id')).toBe('e2e-trace-42');
  expect(seenRequestIds.filter((id) => id === 'e2e-trace-42')).toHaveLength(2); // /api/health and /api/jobs
});

it('shows the API as down, with the reason, when the API does not answer; and a clear page for an unknown job', async () => {
  const port = await freePort();
  const lonelyUrl = `http://127.0.0.1:${port}`;
  const lonely = spawnChild({
    name: 'web-without-api',
    command: process.execPath,
    args: [join(ROOT, 'web/build/index.js')],
    env: childEnv({ HOST: '127.0.0.1', PORT: String(port), ORIGIN: lonelyUrl, API_URL: `http://127.0.0.1:${await freePort()}` }),
    logFile: join(SHOTS, 'e2e-web-without-api.log'),
  });
  try {
    await waitFor('the second web server', async () => ((await fetch(lonelyUrl)).ok ? true : undefined), { timeoutMs: 30_000 });
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 }, reducedMotion: 'reduce' });
    await page.goto(lonelyUrl);
    expect(await page.getByTestId('overall-status').textContent()).toBe('Degraded');
    expect(await page.getByTestId('part-api').locator('.badge').textContent()).toBe('down');
    expect(await page.getByTestId('part-api').textContent()).toContain('did not answer');
    expect(await page.getByTestId('part-web').locator('.badge').textContent()).toBe('ok');
    expect(await page.getByRole('alert').first().textContent()).toContain('Could not load jobs');
    await page.screenshot({ path: join(SHOTS, 'health-page-api-down.png'), fullPage: true });
    await page.close();
  } finally {
    await stopChild(lonely, 5_000);
  }

  const page = await browser.newPage({ viewport: { width: 360, height: 800 } });
  const res = await page.goto(`${webUrl}/jobs/7b0fbc64-5b43-4a5f-9d1c-1d3e0f6d2a11`);
  expect(res?.status()).toBe(404);
  expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Not found');
  expect(await page.getByRole('alert').textContent()).toContain('job 7b0fbc64-5b43-4a5f-9d1c-1d3e0f6d2a11 was not found');
  await page.screenshot({ path: join(SHOTS, 'job-not-found-360.png'), fullPage: true });
  await page.close();
});
