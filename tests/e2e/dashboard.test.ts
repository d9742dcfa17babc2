// The dashboard in Chromium on demo incidents imported through the real pipeline: every widget drawn with data, a bar
// of incidents over time drilling down to the incident list with the same filter and count, a customized layout saved
// as the default view and back after signing out and in, the JavaScript it loads (≤ 250 KB gzipped), and screenshots
// at desktop and phone sizes in both themes.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadDemoData, signInPage, signUpOwner, type DemoData } from './demo-data.ts';
import { SHOTS, startPlatform, type Platform } from './platform.ts';

const COUNT = 300;
const AXE_SOURCE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
const WIDGET_TYPES = ['headline', 'incidents-over-time', 'response-times', 'top-clusters', 'breakdown', 'heatmap'];

let platform: Platform;
let demo: DemoData;
let context: BrowserContext;
let page: Page;
const pageErrors: string[] = [];
/** An API path the API answers 503 while set (a widget whose aggregate fails). */
let failing: string | null = null;

beforeAll(async () => {
  platform = await startPlatform({
    beforeListen: (app) =>
      app.addHook('onRequest', async (request, reply) => {
        if (failing && request.url.startsWith(failing)) {
          return reply.code(503).send({ error: { code: 'unavailable', message: 'The aggregate is unavailable (test)', details: [] } });
        }
      }),
  });
  demo = await loadDemoData(platform, undefined, { count: COUNT, days: 60, seed: 6 });
  context = await platform.browser.newContext({ reducedMotion: 'reduce', viewport: { width: 1440, height: 900 } });
  page = await context.newPage();
  page.on('pageerror', (err) => pageErrors.push(err.message));
  await signInPage(page, platform, demo.owner);
});

afterAll(async () => {
  await context?.close();
  await demo?.stop();
  await platform?.stop();
});

const shot = (name: string) => page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });
const widgetIds = () => page.locator('[data-widget-id]').evaluateAll((els) => els.map((el) => el.getAttribute('data-widget-id') ?? ''));
/** Opens the dashboard and waits until every widget has its answer (and none failed). */
async function openDashboard(path = '/') {
  await page.goto(`${platform.webUrl}${path}`);
  await page.waitForURL((url) => url.pathname === '/' && url.searchParams.has('from'));
  await expect
    .poll(() => page.locator('[data-widget-id]').evaluateAll((els) => els.map((el) => el.getAttribute('data-state'))), { timeout: 30_000 })
    .not.toContain('loading');
}
const apiCount = async (query: URLSearchParams) => (await demo.owner.call({ method: 'GET', url: `/api/incidents/count?${query}` })).json().count as number;

describe('dashboard', () => {
  it('draws every widget with data, the headline counting what the incident API counts', async () => {
    await openDashboard();
    const url = new URL(page.url());
    // The default range, made explicit in the URL so that the filter bar names it and a reload keeps it.
    expect(Date.parse(url.searchParams.get('to')!) - Date.parse(url.searchParams.get('from')!)).toBe(30 * 86_400_000);
    for (const type of WIDGET_TYPES) {
      const states = await page.getByTestId(`widget-${type}`).evaluateAll((els) => els.map((el) => el.getAttribute('data-state')));
      expect(states.length, `a ${type} widget`).toBeGreaterThan(0);
      expect(states.every((s) => s === 'ready'), `${type}: ${states}`).toBe(true);
    }
    // Every chart is drawn (a canvas whose chart.js instance exists), and nothing failed in the page.
    const canvases = page.locator('canvas[role="img"]');
    expect(await canvases.count()).toBeGreaterThan(5);
    await expect.poll(() => canvases.evaluateAll((els) => els.every((el) => '__chart' in el)), { timeout: 15_000 }).toBe(true);
    expect(pageErrors).toEqual([]);
    const shown = Number(await page.getByTestId('headline-incidents').getAttribute('data-value'));
    expect(shown).toBeGreaterThan(0);
    expect(shown).toBe(await apiCount(new URLSearchParams({ from: url.searchParams.get('from')!, to: url.searchParams.get('to')! })));
    expect(await page.getByTestId('top-cluster').count()).toBeGreaterThan(0);
    // New and returning patterns: each total is the count of the list it opens, and no pattern is named by its id.
    for (const label of ['new', 'back', 'rare']) {
      const total = page.getByTestId(`novelty-total-${label}`);
      const range = { from: url.searchParams.get('from')!, to: url.searchParams.get('to')! };
      expect(Number(await total.getAttribute('data-value')), label).toBe(await apiCount(new URLSearchParams({ ...range, novelty: label })));
      expect(new URL((await total.getAttribute('href'))!, platform.webUrl).searchParams.getAll('novelty')).toEqual([label]);
    }
    for (const text of await page.getByTestId('new-pattern').allTextContents()) expect(text).not.toMatch(/c-[0-9a-f]{12}/);
    expect(await page.getByTestId('widget-heatmap').locator('button[data-value]').count()).toBe(7 * 24);
  });

  it('opens the incident list of a clicked bar with its filter in the URL and the bar’s count', async () => {
    await openDashboard();
    const chart = page.getByTestId('over-time-chart');
    // The tallest segment, read from the chart's data table (the accessible alternative of the canvas).
    const cells = await chart.locator('td[data-value]').evaluateAll((tds) =>
      tds.map((td) => ({ series: Number(td.getAttribute('data-series')), index: Number(td.getAttribute('data-index')), value: Number(td.getAttribute('data-value') || 0) })),
    );
    const target = cells.reduce((best, c) => (c.value > best.value ? c : best));
    expect(target.value).toBeGreaterThan(0);
    const severity = (await chart.locator('thead th').nth(target.series + 1).textContent())!.trim();
    // The chart is drawn once the page has hydrated.
    await expect.poll(() => chart.locator('canvas').evaluate((canvas) => '__chart' in canvas), { timeout: 15_000 }).toBe(true);
    const point = await chart.locator('canvas').evaluate((canvas, t) => {
      const bar = (canvas as unknown as { __chart: { getDatasetMeta(i: number): { data: { x: number; y: number; base: number }[] } } }).__chart.getDatasetMeta(t.series).data[t.index]!;
      return { x: bar.x, y: (bar.y + bar.base) / 2 };
    }, target);
    await chart.locator('canvas').click({ position: point });
    await page.waitForURL((url) => url.pathname === '/incidents');
    const params = new URL(page.url()).searchParams;
    expect(params.getAll('severity')).toEqual([severity]);
    expect(Date.parse(params.get('to')!)).toBeGreaterThan(Date.parse(params.get('from')!));
    await expect.poll(async () => Number((await page.getByTestId('incident-count').textContent())?.replace(/\D/g, '')), { timeout: 15_000 }).toBe(target.value);
    expect(await apiCount(params)).toBe(target.value);
  });

  it('keeps a customized layout saved as the default view across signing out and in', async () => {
    await openDashboard('/?view=builtin');
    await page.getByTestId('customize').click();
    await page.getByRole('button', { name: 'Remove Hour of week' }).click();
    await expect.poll(widgetIds).not.toContain('heatmap');
    // Keyboard: the top clusters move up past the response times, and keep the focus.
    await page.getByRole('button', { name: 'Move Top clusters up' }).focus();
    await page.keyboard.press('Enter');
    await expect.poll(widgetIds).toEqual(['headline', 'over-time', 'top-clusters', 'response-times', 'new-patterns', 'by-service', 'by-team']);
    await page.getByTestId('widget-incidents-over-time').getByLabel('Group by').selectOption('team');
    await expect.poll(() => page.getByTestId('widget-incidents-over-time').locator('h2').textContent()).toBe('Incidents over time by team');
    await page.locator('[data-widget-id="by-team"]').getByLabel('Size').selectOption('full');
    await expect.poll(() => page.locator('[data-widget-id="by-team"]').getAttribute('class')).toContain('size-full');
    expect(new URL(page.url()).searchParams.get('layout')).toContain('by-team.breakdown.full');
    await shot('dashboard-editing');

    await page.getByRole('button', { name: 'Save as a new view…' }).click();
    await page.getByTestId('save-as').getByLabel('Name').fill('Monday review');
    await page.getByLabel('Make it my default').check();
    await page.getByLabel('Share with the account', { exact: true }).check();
    await page.getByRole('button', { name: 'Save view' }).click();
    await page.waitForURL((url) => url.searchParams.has('view') && url.searchParams.get('view') !== 'builtin' && !url.searchParams.has('layout'));
    const viewId = new URL(page.url()).searchParams.get('view')!;
    const saved = (await demo.owner.call({ method: 'GET', url: '/api/views?page=dashboard' })).json().views as { id: string; isDefault: boolean; shared: boolean; layout: { id: string }[] }[];
    expect(saved.find((v) => v.id === viewId)).toMatchObject({ isDefault: true, shared: true });

    await page.locator('[aria-controls="user-menu-panel"]').click();
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.waitForURL((url) => url.pathname.startsWith('/signin'));
    await signInPage(page, platform, demo.owner);
    await openDashboard('/');
    expect(new URL(page.url()).searchParams.get('view')).toBe(viewId);
    expect(await page.getByTestId('view-select').inputValue()).toBe(viewId);
    expect(await widgetIds()).toEqual(['headline', 'over-time', 'top-clusters', 'response-times', 'new-patterns', 'by-service', 'by-team']);
    expect(await page.getByTestId('widget-incidents-over-time').locator('h2').textContent()).toBe('Incidents over time by team');
    expect(await page.locator('[data-widget-id="by-team"]').getAttribute('class')).toContain('size-full');
    expect(await page.getByRole('button', { name: 'Default ✓' }).count()).toBe(1);

    // The list of saved views names it as the default and as shared.
    await page.getByRole('link', { name: 'Manage views' }).click();
    await page.waitForURL((url) => url.pathname === '/views');
    const listed = page.getByTestId('saved-view').filter({ hasText: 'Monday review' });
    expect(await listed.textContent()).toMatch(/Your default[\s\S]*Shared/);
    await page.screenshot({ path: join(SHOTS, 'views.png'), fullPage: true });
  });

  it('loads at most 250 KB of JavaScript, gzipped', async () => {
    const fresh = await context.newPage();
    const scripts = new Map<string, number>();
    const pending: Promise<void>[] = [];
    fresh.on('response', (res) => {
      if (res.request().resourceType() === 'script' || res.url().endsWith('.js')) {
        pending.push(res.body().then((body) => void scripts.set(res.url(), gzipSync(body, { level: 9 }).length), () => undefined));
      }
    });
    await fresh.goto(`${platform.webUrl}/?view=builtin`);
    await fresh.waitForLoadState('networkidle');
    await Promise.all(pending);
    const total = [...scripts.values()].reduce((a, b) => a + b, 0);
    console.log(`dashboard JavaScript: ${scripts.size} files, ${(total / 1024).toFixed(1)} KB gzipped`);
    expect(scripts.size).toBeGreaterThan(0);
    expect(total).toBeLessThanOrEqual(250 * 1024);
    await fresh.close();
  });

  it('shows a failing widget’s error in its place while the others draw, and draws it on “Try again”', async () => {
    failing = '/api/dashboard/heatmap';
    try {
      await openDashboard('/?view=builtin');
      const heatmap = page.getByTestId('widget-heatmap');
      expect(await heatmap.getAttribute('data-state')).toBe('error');
      expect(await heatmap.getByRole('alert').textContent()).toContain('The aggregate is unavailable (test)');
      expect(await page.getByTestId('widget-incidents-over-time').getAttribute('data-state')).toBe('ready');
      await shot('dashboard-widget-error');
    } finally {
      failing = null;
    }
    await page.getByTestId('widget-heatmap').getByRole('button', { name: 'Try again' }).click();
    await expect.poll(() => page.getByTestId('widget-heatmap').getAttribute('data-state'), { timeout: 15_000 }).toBe('ready');
  });

  it('asks an account without incidents to connect a tool', async () => {
    const newcomer = await signUpOwner(platform, 'Newcomers');
    const other = await platform.browser.newContext({ reducedMotion: 'reduce', viewport: { width: 1440, height: 900 } });
    try {
      const fresh = await other.newPage();
      await signInPage(fresh, platform, newcomer);
      await fresh.goto(`${platform.webUrl}/`);
      const empty = fresh.getByTestId('dashboard-empty');
      expect(await empty.getByRole('heading').textContent()).toBe('No incidents yet');
      expect(await empty.getByRole('link', { name: 'Connect a tool' }).getAttribute('href')).toBe('/integrations/new');
      expect(await fresh.locator('[data-widget-id]').count()).toBe(0);
      await fresh.screenshot({ path: join(SHOTS, 'dashboard-empty.png'), fullPage: true });
    } finally {
      await other.close();
    }
  });

  it('has no serious or critical accessibility violation with data, tables and a heatmap hour open, in both themes and in edit mode', async () => {
    for (const theme of ['light', 'dark'] as const) {
      await context.addCookies([{ name: 'ii_theme', value: theme, url: platform.webUrl }]);
      await page.setViewportSize({ width: 1440, height: 900 });
      await openDashboard('/?view=builtin');
      for (const summary of await page.locator('details.data > summary').all()) await summary.click();
      await page.getByRole('button', { name: /^Wednesday 10:00/ }).click();
      expect(await page.locator('[id$="-hours"] a').count()).toBeGreaterThan(0);
      await page.getByTestId('customize').click();
      await page.addScriptTag({ content: AXE_SOURCE });
      const violations = await page.evaluate(async () => {
        const axe = (globalThis as unknown as { axe: { run: (context: unknown, options: unknown) => Promise<{ violations: { id: string; impact: string | null; nodes: { target: string[] }[] }[] }> } }).axe;
        const result = await axe.run((globalThis as unknown as { document: unknown }).document, { resultTypes: ['violations'] });
        return result.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => `${v.id}: ${v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(', ')}`);
      });
      expect(violations, theme).toEqual([]);
    }
  });

  it('lays out at 1440×900 and 390×844 in light and dark, without sideways scrolling on a phone', async () => {
    for (const theme of ['light', 'dark'] as const) {
      await context.addCookies([{ name: 'ii_theme', value: theme, url: platform.webUrl }]);
      await page.emulateMedia({ colorScheme: theme });
      for (const [width, height] of [[1440, 900], [390, 844]] as const) {
        await page.setViewportSize({ width, height });
        await openDashboard('/?view=builtin');
        if (width < 400) {
          expect(await page.evaluate<number>('document.documentElement.scrollWidth - document.documentElement.clientWidth'), `no sideways scroll at ${width} px`).toBeLessThanOrEqual(0);
        }
        await shot(`dashboard-${width}-${theme}`);
      }
    }
  });
});
