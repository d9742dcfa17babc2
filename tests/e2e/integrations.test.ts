// The acceptance walk of ingestion in Chromium: connect the PagerDuty simulator through the UI (key checked, what to
// import chosen), watch the import's progress bar reach 100 %, and see the incidents listed. Screenshots saved.
import { join } from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startPagerDutySimulator, type PagerDutySimulator } from '../../connectors/simulators/pagerduty.ts';
import { SHOTS, startPlatform, type Platform } from './platform.ts';

const TOKEN = 'u+e2e-pagerduty-key-01';

let platform: Platform;
let context: BrowserContext;
let pd: PagerDutySimulator;

beforeAll(async () => {
  platform = await startPlatform();
  context = await platform.browser.newContext({ reducedMotion: 'reduce' });
  pd = await startPagerDutySimulator({ count: 400, seed: 5, days: 60, tokens: { [TOKEN]: 'user' } });
});

afterAll(async () => {
  await platform?.stop();
  await pd?.close();
});

const shot = (page: Page, name: string) => page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });

it('connects PagerDuty through the UI, follows the import to 100 % and lists the incidents', async () => {
  const page = await platform.newPage(context);
  await page.goto(`${platform.webUrl}/signup`);
  await page.getByLabel('Your name').fill('Margaret');
  await page.getByLabel('Work email').fill('margaret@example.com');
  await page.getByLabel('Password').fill('apollo guidance 1969');
  await page.getByLabel('Team or company').fill('Flight Software');
  await page.getByRole('button', { name: 'Create account' }).click();
  await expect.poll(() => page.getByTestId('account-name').textContent(), { timeout: 30_000 }).toContain('Flight Software');

  await page.getByRole('link', { name: 'Integrations' }).click();
  await expect.poll(() => page.getByRole('heading', { name: 'No tool connected yet' }).count(), { timeout: 15_000 }).toBe(1);
  await shot(page, 'integrations-empty');
  await page.getByRole('link', { name: 'Connect a tool' }).click();

  // A wrong key is named at the field.
  await page.getByLabel('API key').fill('u+certainly-not-the-key');
  await page.getByText('Advanced').click();
  await page.getByLabel('API host').fill(pd.url);
  await page.getByRole('button', { name: 'Check the key' }).click();
  await expect.poll(() => page.locator('#field-apiKey-error').textContent(), { timeout: 15_000 }).toMatch(/rejected the API key/);
  await shot(page, 'integration-key-refused');

  await page.getByLabel('API key').fill(TOKEN);
  await page.getByRole('button', { name: 'Check the key' }).click();
  await expect.poll(() => page.getByTestId('verified').count(), { timeout: 15_000 }).toBe(1);
  expect(await page.getByRole('group', { name: /Services/ }).getByRole('checkbox').count()).toBeGreaterThan(0);
  await page.getByRole('group', { name: /Leave out/ }).getByLabel('Notes').check();
  await page.getByLabel('History to import (days)').fill('60');
  await shot(page, 'integration-choose');
  await page.getByRole('button', { name: 'Connect and import' }).click();
  await expect.poll(() => page.getByTestId('integration-created').count(), { timeout: 30_000 }).toBe(1);
  expect(await page.getByLabel('Webhook URL').inputValue()).toMatch(/\/api\/webhooks\/[^/]+\/[0-9a-f-]{36}$/);
  await shot(page, 'integration-created');

  // The import runs in Temporal; the page follows its progress bar to the end.
  await page.getByRole('link', { name: /^Go to / }).click();
  const bar = page.getByTestId('backfill').getByRole('progressbar');
  await expect.poll(() => bar.getAttribute('aria-valuenow'), { timeout: 90_000, interval: 500 }).not.toBeNull();
  await shot(page, 'integration-importing');
  await expect.poll(() => page.getByTestId('backfill').getAttribute('data-status'), { timeout: 90_000, interval: 500 }).toBe('completed');
  expect(await bar.getAttribute('aria-valuenow')).toBe('100');
  await expect.poll(async () => Number((await page.reload(), await page.getByTestId('incident-count').textContent())?.replace(/\D/g, '')), { timeout: 30_000, interval: 1000 }).toBe(400);
  await shot(page, 'integration-imported');

  // The webhook's signing secret can be added afterwards; the page then says deliveries are accepted.
  expect(await page.getByText('no secret set yet').count()).toBe(1);
  await page.getByLabel('Webhook signing secret').fill('pd-subscription-secret-001');
  await page.getByRole('button', { name: 'Save' }).click();
  await expect.poll(() => page.getByText('no secret set yet').count(), { timeout: 15_000 }).toBe(0);
  await shot(page, 'integration-settings');

  await page.getByRole('link', { name: 'view them' }).click();
  const rows = page.getByTestId('incidents').locator('tbody tr');
  await expect.poll(() => rows.count(), { timeout: 15_000 }).toBe(50);
  await shot(page, 'incidents');
  await page.locator('details[data-filter="status"] summary').click();
  await page.getByRole('checkbox', { name: /^Resolved\b/ }).check();
  await page.getByRole('button', { name: 'Apply filters' }).click();
  await expect.poll(() => page.url()).toContain('status=resolved');
  await expect.poll(async () => (await rows.allTextContents()).every((row) => row.includes('resolved')), { timeout: 15_000 }).toBe(true);

  await page.setViewportSize({ width: 360, height: 800 });
  const detail = new URL(page.url()).searchParams.get('integration');
  for (const [path, name] of [['/incidents', 'incidents-360'], ['/integrations', 'integrations-360'], ['/integrations/new', 'integration-new-360'], [`/integrations/${detail}`, 'integration-360']] as const) {
    await page.goto(`${platform.webUrl}${path}`);
    expect(await page.evaluate<number>('document.documentElement.scrollWidth - document.documentElement.clientWidth'), `no horizontal scroll on ${path} at 360 px`).toBeLessThanOrEqual(0);
    await shot(page, name);
  }
});
