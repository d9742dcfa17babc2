// The product in headless Chromium, against the real API, worker, PostgreSQL, Temporal and the built web server:
// sign up, the platform health page (/health, under Settings), a job from the form to its page, sign out, and the
// error states.
import { join } from 'node:path';
import type { Browser, BrowserContext } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { stopChild, type Child } from '../../devkit/processes.ts';
import { freePort } from '../../devkit/ports.ts';
import { latestEmails } from '../../db/outbox.ts';
import { waitFor } from '../helpers.ts';
import { SHOTS, startPlatform, startWeb, type Platform } from './platform.ts';

const EMAIL = 'grace@example.com';
const PASSWORD = 'a bug in the relay 1947';
const NEW_PASSWORD = 'the moth was taped in the log';

let platform: Platform;
let webUrl: string;
let browser: Browser;
let signedIn: BrowserContext;
const seenRequestIds: string[] = [];
const newPage = (context: BrowserContext, width?: number) => platform.newPage(context, width);

beforeAll(async () => {
  platform = await startPlatform({
    beforeListen: (app) =>
      app.addHook('onRequest', async (request) => {
        seenRequestIds.push(String(request.id));
      }),
  });
  ({ webUrl, browser } = platform);
  signedIn = await browser.newContext({ reducedMotion: 'reduce' });
});

afterAll(async () => {
  await platform?.stop();
});

it('sends a visitor to sign in, lets them sign up with their team, and shows every part healthy', async () => {
  const page = await newPage(signedIn);
  await page.goto(webUrl);
  expect(new URL(page.url()).pathname).toBe('/signin');
  await page.screenshot({ path: join(SHOTS, 'signin.png'), fullPage: true });
  await page.getByRole('link', { name: 'Create an account' }).click();
  await page.getByLabel('Your name').fill('Grace');
  await page.getByLabel('Work email').fill(EMAIL);
  await page.getByLabel('Password').fill('short');
  await page.getByLabel('Team or company').fill('Harvard Mark II');
  await page.getByRole('button', { name: 'Create account' }).click();
  await expect.poll(() => page.locator('#field-password-error').textContent(), { timeout: 15_000 }).toBe('Must be at least 12 characters');
  await page.screenshot({ path: join(SHOTS, 'signup-error.png'), fullPage: true });
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Create account' }).click();
  await expect.poll(() => page.getByTestId('account-name').count(), { timeout: 30_000 }).toBe(1);

  // Platform health lives under Settings now (the dashboard took /).
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Settings' }).click();
  await page.getByRole('link', { name: 'Platform health' }).first().click();
  await page.waitForURL(`${webUrl}/health`);
  await expect.poll(() => page.getByTestId('overall-status').textContent(), { timeout: 30_000 }).toBe('All systems healthy');
  expect(await page.getByTestId('account-name').textContent()).toContain('Harvard Mark II');
  expect(await page.getByTestId('user-email').textContent()).toBe(EMAIL);
  for (const part of ['web', 'api', 'postgresql', 'temporal', 'worker']) {
    expect(await page.getByTestId(`part-${part}`).locator('.badge').textContent(), part).toBe('ok');
  }
  // The session lives in httpOnly cookies that page scripts cannot read.
  const cookies = await signedIn.cookies();
  expect(cookies.filter((c) => c.name.startsWith('ii_')).map((c) => [c.name, c.httpOnly])).toEqual(
    expect.arrayContaining([['ii_access', true], ['ii_refresh', true]]),
  );
  expect(await page.evaluate<string>('document.cookie')).toBe('');
  await page.close();
});

it('names the bad field when the job form is submitted empty, and runs a job to completion from the form', async () => {
  const page = await newPage(signedIn);
  await page.goto(`${webUrl}/health`);
  await page.getByLabel('Message').fill('');
  await page.getByRole('button', { name: 'Start job' }).click();
  await expect.poll(() => page.locator('#message-error').textContent(), { timeout: 15_000 }).toBe('body.message must NOT have fewer than 1 characters');
  expect(await page.getByLabel('Message').getAttribute('aria-invalid')).toBe('true');

  await page.getByLabel('Message').fill('typed in Chromium');
  await page.getByLabel('Steps').fill('3');
  await page.getByRole('button', { name: 'Start job' }).click();
  await expect.poll(async () => (await page.getByTestId('latest-job').textContent()) ?? '', { timeout: 15_000 }).toContain('typed in Chromium');
  await expect.poll(() => page.getByTestId('latest-job').getAttribute('data-status'), { timeout: 30_000 }).toBe('completed');
  await page.screenshot({ path: join(SHOTS, 'health-page.png'), fullPage: true });
  await page.setViewportSize({ width: 360, height: 800 });
  await page.screenshot({ path: join(SHOTS, 'health-page-360.png'), fullPage: true });
  const overflow = await page.evaluate<number>('document.documentElement.scrollWidth - document.documentElement.clientWidth');
  expect(overflow, 'no horizontal scroll at 360 px').toBeLessThanOrEqual(0);

  await page.setViewportSize({ width: 1280, height: 900 });
  await page.getByTestId('latest-job').getByRole('link').click();
  await expect.poll(() => page.getByTestId('job').getAttribute('data-status'), { timeout: 15_000 }).toBe('completed');
  await page.screenshot({ path: join(SHOTS, 'job-page.png'), fullPage: true });
  await page.setViewportSize({ width: 360, height: 800 });
  await page.screenshot({ path: join(SHOTS, 'job-page-360.png'), fullPage: true });
  await page.close();
});

it('carries one request id from the page request into every API call it makes', async () => {
  const cookie = (await signedIn.cookies()).map((c) => `${c.name}=${c.value}`).join('; ');
  const res = await fetch(`${webUrl}/health`, { headers: { 'x-request-id': 'e2e-trace-42', cookie } });
  expect(res.status).toBe(200);
  expect(res.headers.get('x-request-id')).toBe('e2e-trace-42');
  // /api/auth/me and /api/automation-runs/pending-approvals (the layout), /api/health, /api/jobs
  expect(seenRequestIds.filter((id) => id === 'e2e-trace-42')).toHaveLength(4);
});

it('shows a clear page for an unknown job, and signs out so the pages need a sign-in again', async () => {
  const page = await newPage(signedIn, 360);
  const res = await page.goto(`${webUrl}/jobs/7b0fbc64-5b43-4a5f-9d1c-1d3e0f6d2a11`);
  expect(res?.status()).toBe(404);
  expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Not found');
  expect(await page.getByRole('alert').textContent()).toContain('job 7b0fbc64-5b43-4a5f-9d1c-1d3e0f6d2a11 was not found');
  await page.screenshot({ path: join(SHOTS, 'job-not-found-360.png'), fullPage: true });

  await page.goto(`${webUrl}/health`);
  // Sign out sits in the user menu.
  await page.getByRole('button', { name: /user menu/ }).click();
  await page.getByRole('button', { name: 'Sign out' }).click();
  await page.waitForURL(`${webUrl}/signin`);
  await page.goto(`${webUrl}/health`);
  expect(new URL(page.url()).pathname).toBe('/signin');

  // And back in, with the wrong password first.
  await page.getByLabel('Email').fill(EMAIL);
  await page.getByLabel('Password').fill('not my password at all');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect.poll(() => page.getByTestId('form-error').textContent(), { timeout: 15_000 }).toBe('The email or the password is wrong');
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  // Back where the sign-in was asked for.
  await expect.poll(() => page.getByTestId('overall-status').textContent(), { timeout: 30_000 }).toBe('All systems healthy');
  expect(new URL(page.url()).pathname).toBe('/health');
  await page.close();
});

it('resets a forgotten password through the emailed link, then signs in with the new one', async () => {
  const context = await browser.newContext({ reducedMotion: 'reduce' });
  const page = await newPage(context);
  await page.goto(`${webUrl}/signin`);
  await page.getByRole('link', { name: 'Forgot your password?' }).click();
  await page.waitForURL(`${webUrl}/forgot-password`);
  await page.getByLabel('Email').fill(EMAIL);
  await page.getByRole('button', { name: 'Email me a link' }).click();
  await expect.poll(async () => (await page.getByTestId('reset-sent').textContent({ timeout: 1_000 }).catch(() => null)) ?? '', { timeout: 15_000 }).toContain(EMAIL);
  await page.screenshot({ path: join(SHOTS, 'forgot-password-sent.png'), fullPage: true });
  const [mail] = await latestEmails(platform.db.admin, { recipient: EMAIL, limit: 1 });
  const link = /(http:\/\/\S+\/reset-password\?token=\S+)/.exec(mail!.body ?? "")![1]!;
  await page.goto(link);
  await page.getByLabel('New password', { exact: true }).fill(NEW_PASSWORD);
  await page.getByRole('button', { name: 'Set password' }).click();
  await page.waitForURL(/\/signin\?reset=1$/);
  await page.getByLabel('Email').fill(EMAIL);
  await page.getByLabel('Password').fill(NEW_PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect.poll(() => page.getByTestId('user-email').textContent(), { timeout: 30_000 }).toBe(EMAIL);
  await context.close();
});

it('says so when the API does not answer', async () => {
  // A free port may be taken by a parallel test before the server binds it: then try another.
  let lonely: Child | undefined;
  let url = '';
  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    url = `http://127.0.0.1:${port}`;
    lonely = startWeb('web-without-api', port, `http://127.0.0.1:${await freePort()}`);
    const current = lonely;
    try {
      await waitFor('the second web server', async () => ((await fetch(`${url}/signin`)).ok ? true : undefined), {
        timeoutMs: 30_000,
        abortIf: () => (current.hasExited() ? 'exited' : undefined),
      });
      break;
    } catch (err) {
      if (attempt >= 3 || !current.hasExited()) throw err;
    }
  }
  try {
    const context = await browser.newContext({ reducedMotion: 'reduce' });
    const page = await newPage(context);
    await page.goto(`${url}/signin`);
    await page.getByLabel('Email').fill(EMAIL);
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect.poll(() => page.getByTestId('form-error').textContent(), { timeout: 15_000 }).toMatch(/The API at http:\/\/127\.0\.0\.1:\d+ did not answer/);
    await page.screenshot({ path: join(SHOTS, 'signin-api-down.png'), fullPage: true });
    await context.close();
  } finally {
    if (lonely) await stopChild(lonely, 5_000);
  }
});
