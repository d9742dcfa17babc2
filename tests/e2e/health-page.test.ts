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

beforeAll(async () => {
  db = await createTestDatabase();
  config = testConfig(db.url);
  temporal = await connectTemporal({ address: config.temporal.address!, namespace: config.temporal.namespace });
  worker = await startWorker(config, db.sql);
  app = await buildApp({ config, sql: db.sql, temporal, version: 'e2e' });
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
  await page.close();
});
