// The product's shell in Chromium: navigation on a wide and a phone-sized screen, the theme chosen once and painted
// from the first byte after a reload, feedback from a page reaching the admins' list, a problem report with the
// browser's recent errors and its status, Help serving docs/, and errors shown inside the shell. Screenshots saved.
import { join } from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { SHOTS, startPlatform, type Platform } from './platform.ts';

const EMAIL = 'ada@example.com';
const WIDE = { width: 1440, height: 900 };
const PHONE = { width: 390, height: 844 };

let platform: Platform;
let context: BrowserContext;

beforeAll(async () => {
  platform = await startPlatform();
  context = await platform.browser.newContext({ reducedMotion: 'reduce', colorScheme: 'light', viewport: WIDE });
  const page = await context.newPage();
  await page.goto(`${platform.webUrl}/signup`);
  await page.getByLabel('Your name').fill('Ada Lovelace');
  await page.getByLabel('Work email').fill(EMAIL);
  await page.getByLabel('Password').fill('the analytical engine 1843');
  await page.getByLabel('Team or company').fill('Analytical Engines');
  await page.getByRole('button', { name: 'Create account' }).click();
  await page.getByTestId('account-name').waitFor({ state: 'attached', timeout: 30_000 });
  await page.close();
});

afterAll(async () => {
  await platform?.stop();
});

const shot = (page: Page, name: string) => page.screenshot({ path: join(SHOTS, `shell-${name}.png`), fullPage: true });
const mainNav = (page: Page) => page.getByRole('navigation', { name: 'Main' });
const texts = async (locator: ReturnType<Page['locator']>) => (await locator.allTextContents()).map((t) => t.trim());
const overflowX = (page: Page) => page.evaluate<number>('document.documentElement.scrollWidth - document.documentElement.clientWidth');

async function openPage(path: string, viewport = WIDE): Promise<Page> {
  const page = await context.newPage();
  await page.setViewportSize(viewport);
  await page.goto(`${platform.webUrl}${path}`);
  // Hydrated (the menus and the dialog work only then) once the page's scripts have all loaded.
  await page.waitForLoadState('networkidle');
  return page;
}

it('has landmarks, a skip link, and a sidebar that marks the current section at 1440×900', async () => {
  const page = await openPage('/settings');
  expect(await page.getByRole('banner').count()).toBe(1);
  expect(await page.getByRole('main').count()).toBe(1);
  expect(await page.getByRole('contentinfo').count()).toBe(1);
  expect(await page.getByRole('button', { name: 'Menu', exact: true }).isVisible()).toBe(false);
  expect(await mainNav(page).isVisible()).toBe(true);

  // The first Tab reaches the skip link, which moves the focus to the page's content.
  await page.keyboard.press('Tab');
  expect(await page.evaluate<string | undefined>('document.activeElement?.textContent')).toBe('Skip to content');
  await page.keyboard.press('Enter');
  await expect.poll(() => page.evaluate<string | undefined>('document.activeElement?.id')).toBe('main');

  const sections = [
    ['Incidents', '/incidents'],
    ['Integrations', '/integrations'],
    ['Audit log', '/audit'],
    ['Help', '/help'],
    ['Settings', '/settings'],
    ['Dashboard', '/'],
  ] as const;
  for (const [label, path] of sections) {
    await mainNav(page).getByRole('link', { name: label, exact: true }).click();
    // The dashboard may add its default range to the query: the path is what counts.
    await page.waitForURL((url) => url.pathname === path);
    await expect.poll(() => texts(mainNav(page).locator('[aria-current="page"]')), { timeout: 15_000 }).toEqual([label]);
  }
  expect(await texts(mainNav(page).getByRole('link'))).toEqual(['Dashboard', 'Incidents', 'Clusters', 'Runbooks', 'Automations', 'Search', 'Integrations', 'Audit log', 'Settings', 'Help']);

  // Pages that belong to a section keep it current.
  await page.goto(`${platform.webUrl}/members`);
  expect(await texts(mainNav(page).locator('[aria-current="page"]'))).toEqual(['Settings']);
  await page.goto(`${platform.webUrl}/settings`);
  await shot(page, 'settings-1440');
  await page.close();
});

it('opens the navigation from the menu button at 390×844 without the header wrapping, and closes it after a choice', async () => {
  const page = await openPage('/settings', PHONE);
  const header = page.getByRole('banner');
  expect((await header.boundingBox())!.height).toBeLessThanOrEqual(64);
  expect(await mainNav(page).isVisible()).toBe(false);
  expect(await overflowX(page), 'no horizontal scroll at 390 px').toBeLessThanOrEqual(0);
  await shot(page, 'settings-390');

  const menu = page.getByRole('button', { name: 'Menu', exact: true });
  expect(await menu.getAttribute('aria-expanded')).toBe('false');
  await menu.click();
  expect(await menu.getAttribute('aria-expanded')).toBe('true');
  expect(await mainNav(page).isVisible()).toBe(true);
  await page.screenshot({ path: join(SHOTS, 'shell-menu-open-390.png') });

  await mainNav(page).getByRole('link', { name: 'Integrations' }).click();
  await page.waitForURL(`${platform.webUrl}/integrations`);
  await expect.poll(() => mainNav(page).isVisible()).toBe(false);
  expect(await menu.getAttribute('aria-expanded')).toBe('false');

  // Escape closes it too, and gives the focus back to the button.
  await menu.click();
  await page.keyboard.press('Escape');
  await expect.poll(() => mainNav(page).isVisible()).toBe(false);
  expect(await page.evaluate<string | null | undefined>(`document.activeElement?.getAttribute('aria-controls')`)).toBe('app-nav');

  // At 360 px too, the header stays one row.
  await page.setViewportSize({ width: 360, height: 800 });
  expect((await header.boundingBox())!.height).toBeLessThanOrEqual(64);
  expect(await overflowX(page)).toBeLessThanOrEqual(0);
  await page.close();
});

it('shows a progress bar at the top while a page is loading', async () => {
  const page = await openPage('/settings');
  // The next page's data takes a while to come: the bar shows meanwhile, and goes once the page is there.
  let release!: () => void;
  const held = new Promise<void>((resolve) => (release = resolve));
  await page.route('**/help/__data.json*', async (route) => {
    await held;
    await route.continue();
  });
  await mainNav(page).getByRole('link', { name: 'Help' }).click();
  await expect.poll(() => page.getByRole('progressbar', { name: 'Loading the page' }).isVisible(), { timeout: 5_000 }).toBe(true);
  release();
  await page.waitForURL(`${platform.webUrl}/help`);
  await expect.poll(() => page.getByRole('progressbar', { name: 'Loading the page' }).count()).toBe(0);
  await page.close();
});

it('keeps the chosen theme across a reload, painted by the server before any script runs', async () => {
  const page = await openPage('/settings');
  const background = () => page.evaluate<string>('getComputedStyle(document.documentElement).backgroundColor');
  expect(await page.evaluate<string | undefined>('document.documentElement.dataset.theme')).toBe('system');
  expect(await background()).toBe('rgb(245, 246, 250)');

  await page.getByRole('button', { name: /user menu/ }).click();
  await shot(page, 'user-menu-1440');
  await page.getByTestId('theme-choice').getByLabel('Dark').check();
  expect(await page.evaluate<string | undefined>('document.documentElement.dataset.theme')).toBe('dark');
  expect(await background()).toBe('rgb(15, 17, 23)');

  // What the first paint sees: the attribute as the parser created <html>, and the HTML the server sent.
  await page.addInitScript(`
    new MutationObserver((_, observer) => {
      if (!document.documentElement) return;
      window.firstTheme = document.documentElement.getAttribute('data-theme');
      observer.disconnect();
    }).observe(document, { childList: true });
  `);
  const response = await page.reload();
  expect(await response!.text()).toMatch(/<html lang="en" data-theme="dark">/);
  expect(await page.evaluate<string | null>('window.firstTheme')).toBe('dark');
  expect(await background()).toBe('rgb(15, 17, 23)');
  await shot(page, 'settings-dark-1440');

  // The system's setting is followed only while the user chose none.
  const dark = await platform.browser.newContext({ colorScheme: 'dark', reducedMotion: 'reduce' });
  await dark.addCookies((await context.cookies()).filter((c) => c.name !== 'ii_theme'));
  const systemPage = await dark.newPage();
  await systemPage.goto(`${platform.webUrl}/settings`);
  expect(await systemPage.evaluate<string | undefined>('document.documentElement.dataset.theme')).toBe('system');
  expect(await systemPage.evaluate<string>('getComputedStyle(document.documentElement).backgroundColor')).toBe('rgb(15, 17, 23)');
  await dark.close();

  await page.getByRole('button', { name: /user menu/ }).click();
  await page.getByTestId('theme-choice').getByLabel('System').check();
  await page.reload();
  expect(await page.evaluate<string | undefined>('document.documentElement.dataset.theme')).toBe('system');
  expect(await background()).toBe('rgb(245, 246, 250)');
  await page.close();
});

it('sends feedback from a page with its path and context, and lists it for the admins', async () => {
  const page = await openPage('/integrations', PHONE);
  await page.getByRole('button', { name: 'Feedback', exact: true }).click();
  const dialog = page.getByRole('dialog', { name: 'Send feedback' });
  await expect.poll(() => dialog.isVisible()).toBe(true);

  // A rating is needed.
  await dialog.getByRole('button', { name: 'Send feedback' }).click();
  expect(await dialog.locator('#feedback-rating-error').textContent()).toBe('Choose a rating from 1 to 5');

  await dialog.getByRole('radio', { name: 'Good' }).check();
  await dialog.getByLabel(/What works/).fill('The import progress bar is lovely; I miss a way to retry a failed import.');
  await page.screenshot({ path: join(SHOTS, 'shell-feedback-dialog-390.png') });
  await dialog.getByRole('button', { name: 'Send feedback' }).click();
  await expect.poll(() => dialog.getByTestId('feedback-sent').textContent(), { timeout: 15_000 }).toContain('/integrations');
  await dialog.getByRole('button', { name: 'Done' }).click();
  await expect.poll(() => dialog.isVisible()).toBe(false);

  await page.setViewportSize(WIDE);
  await page.goto(`${platform.webUrl}/feedback`);
  const list = page.getByTestId('feedback-list');
  const row = list.locator('tbody tr').filter({ hasText: 'retry a failed import' });
  expect(await row.count()).toBe(1);
  expect(await row.getByTestId('feedback-page').textContent()).toBe('/integrations');
  expect(await row.textContent()).toContain('4 of 5');
  expect(await row.textContent()).toContain('viewport 390x844');
  expect(await row.textContent()).toContain(EMAIL);
  await shot(page, 'feedback-list-1440');
  await page.close();
});

it('opens a problem report with the version, the page and the recent errors, shows it open, and lets an admin move it on', async () => {
  const page = await openPage('/integrations');
  // Something breaks on the page before the user reports it.
  await page.evaluate(`
    setTimeout(() => {
      throw new Error('shell test: the chart did not draw');
    });
    void Promise.reject(new Error('shell test: a request was refused'));
  `);
  await page.getByRole('button', { name: /user menu/ }).click();
  await page.locator('#user-menu-panel').getByRole('link', { name: 'Report a problem' }).click();
  await page.waitForURL(/\/support\?from=%2Fintegrations$/);
  await page.getByLabel('Subject').fill('The integrations page froze');
  await page.getByLabel('What happened?').fill('I clicked Connect a tool and nothing happened for a minute.');
  await page.getByText('Diagnostics sent with the report').click();
  await expect.poll(() => page.getByTestId('diagnostics-preview').textContent()).toContain('/integrations');
  await shot(page, 'support-form-1440');
  await page.getByRole('button', { name: 'Send report' }).click();

  await page.waitForURL(/\/support\/[0-9a-f-]{36}\?created=1$/, { timeout: 15_000 });
  expect(await page.getByTestId('ticket-created').textContent()).toContain('#1');
  expect(await page.getByTestId('ticket-status').textContent()).toBe('open');
  const diagnostics = await page.getByTestId('ticket-diagnostics').textContent();
  const version = (await platform.app.inject({ method: 'GET', url: '/api/health' })).json<{ checks: { api: { version: string } } }>().checks.api.version;
  expect(diagnostics).toContain(`Product version${version}`);
  expect(diagnostics).toContain(`${platform.webUrl}/integrations`);
  expect(diagnostics).toContain('1440x900');
  expect(diagnostics).toContain('Chrome/');
  const errors = await page.getByTestId('ticket-errors').textContent();
  expect(errors).toContain('shell test: the chart did not draw');
  expect(errors).toContain('Unhandled rejection: Error: shell test: a request was refused');
  await shot(page, 'support-ticket-1440');

  // The list shows it open.
  await page.getByRole('link', { name: '← Problem reports' }).click();
  await page.waitForURL(`${platform.webUrl}/support`);
  expect(await page.getByTestId('ticket-1').textContent()).toContain('The integrations page froze');
  expect(await page.getByTestId('ticket-1').locator('[data-status]').textContent()).toBe('open');

  // An admin (the owner here) moves it on with a word for the reporter; the history keeps both steps.
  await page.getByTestId('ticket-1').getByRole('link').click();
  await page.waitForURL(/\/support\/[0-9a-f-]{36}$/);
  await page.getByLabel('Status', { exact: true }).selectOption('in_progress');
  await page.getByLabel(/Comment for the reporter/).fill('Looking into it: the integrations list query was slow.');
  await page.getByRole('button', { name: 'Save status' }).click();
  await expect.poll(() => page.getByTestId('ticket-status').textContent(), { timeout: 15_000 }).toBe('in progress');
  const history = page.getByTestId('ticket-history').locator('li');
  expect(await history.count()).toBe(2);
  expect(await history.nth(1).textContent()).toContain('the integrations list query was slow');

  await page.setViewportSize(PHONE);
  expect(await overflowX(page), 'no horizontal scroll at 390 px').toBeLessThanOrEqual(0);
  await shot(page, 'support-ticket-390');
  await page.close();
});

it('serves the documentation from docs/ under Help, and refuses names that are not documents', async () => {
  const page = await openPage('/help');
  const guides = page.getByTestId('docs-guides');
  expect(await guides.getByRole('link').count()).toBeGreaterThan(5);
  expect(await page.getByTestId('docs-integrations').getByRole('link', { name: /PagerDuty/ }).count()).toBe(1);
  await shot(page, 'help-1440');
  await guides.getByRole('link', { name: /Architecture/ }).first().click();
  await page.waitForURL(`${platform.webUrl}/help/architecture`);
  // Rendered from Markdown: headings and tables, and links between documents lead to their Help pages.
  const doc = page.getByTestId('doc');
  expect(await doc.getByRole('heading', { level: 1 }).textContent()).toMatch(/architecture/i);
  expect(await doc.textContent()).not.toContain('## ');
  const internal = doc.locator('a[href^="/help/"]');
  expect(await internal.count()).toBeGreaterThan(0);
  await shot(page, 'help-architecture-1440');

  // The user guide shows its screenshots, served from docs/images only.
  await page.goto(`${platform.webUrl}/help/user-guide`);
  const images = page.getByTestId('doc').locator('img');
  expect(await images.count()).toBeGreaterThan(3);
  await expect.poll(() => images.first().evaluate((img) => (img as { naturalWidth: number }).naturalWidth), { timeout: 15_000 }).toBeGreaterThan(0);
  for (const path of ['/help/images/..%2F..%2Fpackage.json', '/help/images/dashboard.svg', '/help/images/missing.png']) {
    expect((await page.request.get(`${platform.webUrl}${path}`)).status(), path).toBe(404);
  }

  for (const path of ['/help/secrets', '/help/..%2F..%2Fpackage', '/help/integrations/..%2F..%2Fconfig']) {
    const res = await page.goto(`${platform.webUrl}${path}`);
    expect(res?.status(), path).toBe(404);
  }
  // The error is shown inside the shell, with its navigation.
  expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Not found');
  expect(await mainNav(page).getByRole('link', { name: 'Help' }).getAttribute('aria-current')).toBe('page');
  await shot(page, 'not-found-1440');
  await page.close();
});
