// The clusters pages and the dashboard's top-clusters widget in Chromium, on demo incidents imported through the real
// PagerDuty backfill: "computing…" while the first import runs, then the patterns appearing by themselves; the same
// trend (its window stated) on the list, the cluster page and the widget; "Recluster now" followed until it finishes,
// the page updating by itself. Screenshots at 1440 and 390 px.
import { join } from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startPagerDutySimulator, type PagerDutySimulator } from '../../connectors/simulators/pagerduty.ts';
import { signInPage, signUpOwner } from './demo-data.ts';
import { SHOTS, startPlatform, type Platform } from './platform.ts';
import type { SignedIn } from '../../devkit/app.ts';

const COUNT = 300;

let platform: Platform;
let owner: SignedIn;
let pd: PagerDutySimulator;
let context: BrowserContext;
let page: Page;
const pageErrors: string[] = [];

beforeAll(async () => {
  platform = await startPlatform();
  owner = await signUpOwner(platform);
  context = await platform.browser.newContext({ reducedMotion: 'reduce', viewport: { width: 1440, height: 900 } });
  page = await context.newPage();
  // A script error on a page fails its test instead of leaving a blank page to time out on.
  page.on('pageerror', (err) => pageErrors.push(err.message));
  await signInPage(page, platform, owner);
});

afterEach(() => {
  expect(pageErrors.splice(0)).toEqual([]);
});

afterAll(async () => {
  await context?.close();
  await pd?.close();
  await platform?.stop();
});

const shot = async (name: string, width: number) => {
  await page.setViewportSize({ width, height: width < 500 ? 844 : 900 });
  // Charts follow the new width a frame or two later; nothing may be wider than the screen.
  await page.waitForFunction('document.documentElement.scrollWidth <= window.innerWidth', undefined, { timeout: 10_000 });
  await page.screenshot({ path: join(SHOTS, `${name}-${width}.png`), fullPage: true });
};
const goto = async (path: string) => {
  await page.goto(`${platform.webUrl}${path}`);
  await page.waitForLoadState('networkidle');
};
/** Each listed pattern's id and trend direction, as the page shows them. */
const listedTrends = () =>
  page.getByTestId('clusters').locator('li').evaluateAll((items) =>
    Object.fromEntries(items.map((li) => [li.getAttribute('data-id')!, li.querySelector('[data-testid="cluster-trend"]')?.getAttribute('data-direction') ?? null])),
  ) as Promise<Record<string, string | null>>;

/** Holds the account's recluster lock (its write waits on it) until the returned function is called. */
async function holdReclusterLock(): Promise<() => Promise<void>> {
  let release!: () => void;
  const released = new Promise<void>((r) => (release = r));
  let locked!: () => void;
  const isLocked = new Promise<void>((r) => (locked = r));
  const holder = platform.db.admin.begin(async (tx) => {
    await tx`select pg_advisory_xact_lock(hashtextextended(${`recluster:${owner.accountId}`}, 0))`;
    locked();
    await released;
  });
  await isLocked;
  return async () => {
    release();
    await holder;
  };
}

describe('clusters pages', () => {
  it('say "computing…" while the first import runs, then show the patterns by themselves', async () => {
    const apiKey = `u+e2e-clusters-${owner.accountId.slice(0, 8)}`;
    pd = await startPagerDutySimulator({ count: COUNT, days: 60, seed: 6, tokens: { [apiKey]: 'user' } });
    // Slower answers (a log request per incident): the import takes long enough to look at the page meanwhile.
    pd.setLatency(60);
    const created = await owner.call({
      method: 'POST',
      url: '/api/integrations',
      payload: { kind: 'pagerduty', name: 'PagerDuty (demo)', credentials: { apiKey, baseUrl: pd.url }, settings: { history: { since: new Date(pd.dataset.start).toISOString() } } },
    });
    expect(created.statusCode, created.body).toBe(201);
    await goto('/clusters');
    const notice = page.getByTestId('clustering-state');
    await expect.poll(() => notice.getAttribute('data-reason')).toBe('first-import');
    expect(await notice.textContent()).toMatch(/first import is still running/);
    await shot('clusters-computing-first-import', 1440);
    await shot('clusters-computing-first-import', 390);
    await page.setViewportSize({ width: 1440, height: 900 });
    // No reload: the page follows the computation and shows the patterns when they are ready.
    await expect.poll(() => page.getByTestId('clusters').locator('li').count(), { timeout: 150_000, interval: 1_000 }).toBeGreaterThan(3);
    await expect.poll(() => notice.count(), { timeout: 60_000 }).toBe(0);
    pd.setLatency(0);
    expect(await page.getByTestId('clusters-summary').textContent()).toMatch(new RegExp(`among ${COUNT} incidents`));
    expect(await page.getByTestId('trend-definition').textContent()).toMatch(/Trend: the last 28 full days against the 28 before/);
    await shot('clusters', 1440);
    await shot('clusters', 390);
  });

  it('show the same trend on the list, the cluster page and the dashboard’s top clusters', async () => {
    await page.setViewportSize({ width: 1440, height: 900 });
    await goto('/clusters');
    const listed = await listedTrends();
    expect(Object.values(listed).every((d) => ['rising', 'falling', 'steady'].includes(d!))).toBe(true);

    await goto('/');
    const rows = page.getByTestId('top-cluster');
    await expect.poll(() => rows.count(), { timeout: 30_000 }).toBeGreaterThan(0);
    const widget = (await rows.evaluateAll((items) =>
      items.map((li) => [li.getAttribute('data-id')!, li.querySelector('[data-testid="top-cluster-trend"]')!.getAttribute('data-direction')!]),
    )) as [string, string][];
    for (const [id, direction] of widget) expect(direction, id).toBe(listed[id]);
    expect(await page.getByTestId('widget-top-clusters').getByTestId('trend-definition').textContent()).toMatch(/the last 28 full days against the 28 before/);
    await page.getByTestId('widget-top-clusters').screenshot({ path: join(SHOTS, 'dashboard-top-clusters-1440.png') });

    for (const [id] of widget.slice(0, 3)) {
      await goto(`/clusters/${encodeURIComponent(id)}`);
      expect(await page.getByTestId('cluster-trend').getAttribute('data-direction'), id).toBe(listed[id]);
      expect(await page.getByTestId('trend-definition').textContent()).toMatch(/Trend: the last 28 full days against the 28 before/);
    }
    await page.waitForFunction(`document.querySelector('[data-testid="cluster-per-day"] canvas') !== null`);
    await shot('cluster-page', 1440);
    await shot('cluster-page', 390);
    await page.setViewportSize({ width: 390, height: 844 });
    await goto('/');
    await expect.poll(() => rows.count(), { timeout: 30_000 }).toBeGreaterThan(0);
    await page.getByTestId('widget-top-clusters').screenshot({ path: join(SHOTS, 'dashboard-top-clusters-390.png') });
  });

  it('follow "Recluster now" until it finishes, and update by themselves', async () => {
    await page.setViewportSize({ width: 1440, height: 900 });
    await goto('/clusters');
    const release = await holdReclusterLock();
    try {
      await page.getByRole('button', { name: 'Recluster now' }).click();
      const notice = page.getByTestId('clustering-state');
      await expect.poll(() => notice.getAttribute('data-reason')).toBe('recluster');
      await expect.poll(() => page.getByTestId('cluster-computing').count()).toBeGreaterThan(0);
      await shot('clusters-recomputing', 1440);
      await shot('clusters-recomputing', 390);
      // The cluster page says so too, and the dashboard's widget.
      const first = (await page.getByTestId('clusters').locator('li').first().getAttribute('data-id'))!;
      const other = await context.newPage();
      await other.setViewportSize({ width: 1440, height: 900 });
      await other.goto(`${platform.webUrl}/clusters/${encodeURIComponent(first)}`);
      expect(await other.getByTestId('cluster-trend').textContent()).toBe('computing…');
      await other.screenshot({ path: join(SHOTS, 'cluster-page-recomputing-1440.png'), fullPage: true });
      await other.goto(`${platform.webUrl}/`);
      await expect.poll(() => other.getByTestId('top-clusters-computing').count(), { timeout: 30_000 }).toBe(1);
      await other.close();
    } finally {
      await release();
    }
    // The page was not reloaded: it followed the recluster and shows its result.
    await expect.poll(() => page.getByTestId('clustering-state').getAttribute('data-status'), { timeout: 60_000 }).toBe('ready');
    expect(await page.getByTestId('clustering-state').textContent()).toMatch(/recluster has finished/);
    expect(await page.getByTestId('cluster-computing').count()).toBe(0);
    expect(await page.getByTestId('cluster-trend').count()).toBeGreaterThan(3);
  });
});
