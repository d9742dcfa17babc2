// The incident list, an incident and the cluster pages in Chromium, on demo incidents imported through the real
// pipeline: filters kept in the URL across a reload, sorting, keyset pages, the detail's timeline and cluster, the CSV
// export, and screenshots at desktop and phone sizes in both themes.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadDemoData, signInPage, type DemoData } from './demo-data.ts';
import { SHOTS, startPlatform, type Platform } from './platform.ts';

const COUNT = 300;
const AXE_SOURCE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

let platform: Platform;
let demo: DemoData;
let context: BrowserContext;
let page: Page;

beforeAll(async () => {
  platform = await startPlatform();
  demo = await loadDemoData(platform, undefined, { count: COUNT, days: 60, seed: 6 });
  context = await platform.browser.newContext({ reducedMotion: 'reduce', acceptDownloads: true, viewport: { width: 1440, height: 900 } });
  page = await context.newPage();
  await signInPage(page, platform, demo.owner);
});

afterAll(async () => {
  await context?.close();
  await demo?.stop();
  await platform?.stop();
});

const shot = (name: string, fullPage = true) => page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage });
const rows = () => page.getByTestId('incidents').locator('tbody tr');
const rowIds = async () => (await rows().evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-id') ?? ''))) as string[];
const countShown = async () => Number((await page.getByTestId('incident-count').textContent())?.replace(/\D/g, ''));
const apiCount = async (query: string) => (await demo.owner.call({ method: 'GET', url: `/api/incidents/count?${query}` })).json().count as number;
const goto = async (path: string) => {
  await page.goto(`${platform.webUrl}${path}`);
  await page.waitForLoadState('networkidle');
};
/** Checks the named values in one of the filter bar's dropdowns. */
async function choose(filter: string, values: string[]) {
  const dropdown = page.locator(`details[data-filter="${filter}"]`);
  await dropdown.locator('summary').click();
  // A choice's name is its value and its count ("Resolved 212").
  for (const value of values) await dropdown.getByRole('checkbox', { name: new RegExp(`^${value}\\b`) }).check();
  await dropdown.locator('summary').click();
}

/** RFC 4180 records (quoted fields may hold commas, quotes and line breaks). */
function csvRecords(text: string): string[][] {
  const records: string[][] = [];
  let field = '';
  let record: string[] = [];
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') (field += '"'), i++;
      else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') record.push(field), (field = '');
    else if (c === '\n' || c === '\r') {
      if (c === '\r' && text[i + 1] === '\n') i++;
      record.push(field), records.push(record), (record = []), (field = '');
    } else field += c;
  }
  if (field || record.length) record.push(field), records.push(record);
  return records;
}

describe('incident list', () => {
  it('shows the count of every incident and 50 rows a page', async () => {
    await goto('/incidents');
    await expect.poll(countShown, { timeout: 15_000 }).toBe(COUNT);
    expect(await rows().count()).toBe(50);
  });

  it('writes a filter change into the URL, and a reload shows the same rows and count', async () => {
    await goto('/incidents');
    await choose('status', ['Resolved']);
    await choose('severity', ['P1', 'P2']);
    await page.getByRole('button', { name: 'Apply filters' }).click();
    await expect.poll(() => new URL(page.url()).searchParams.getAll('severity').sort().join(',')).toBe('P1,P2');
    expect(new URL(page.url()).searchParams.getAll('status')).toEqual(['resolved']);
    const expected = await apiCount('status=resolved&severity=P1&severity=P2');
    expect(expected).toBeGreaterThan(0);
    expect(expected).toBeLessThan(COUNT);
    await expect.poll(countShown, { timeout: 15_000 }).toBe(expected);
    const before = await rowIds();
    expect(before.length).toBe(Math.min(50, expected));
    for (const text of await rows().allTextContents()) {
      expect(text).toContain('resolved');
      expect(text).toMatch(/P1|P2/);
    }

    // A date preset becomes absolute times, so a reload (or a shared link) cannot move the window.
    await page.getByLabel('Date range').selectOption('30d');
    await page.getByRole('button', { name: 'Apply filters' }).click();
    await expect.poll(() => new URL(page.url()).searchParams.has('from')).toBe(true);
    const url = page.url();
    const params = new URL(url).searchParams;
    const inRange = await apiCount(params.toString());
    await expect.poll(countShown, { timeout: 15_000 }).toBe(inRange);
    expect(inRange).toBeLessThanOrEqual(expected);
    const ranged = await rowIds();
    await shot('incidents-filtered');

    await page.reload();
    await page.waitForLoadState('networkidle');
    expect(page.url()).toBe(url);
    await expect.poll(countShown, { timeout: 15_000 }).toBe(inRange);
    expect(await rowIds()).toEqual(ranged);
    expect(await page.getByLabel('Date range').inputValue()).toBe('30d');
    expect(await page.locator('details[data-filter="status"] summary').textContent()).toContain('Resolved');

    // A custom range: refused when it ends before it starts, else written as absolute times.
    await page.getByLabel('Date range').selectOption('custom');
    await page.getByLabel('From', { exact: true }).fill('2026-01-10T00:00');
    await page.getByLabel('To', { exact: true }).fill('2026-01-01T00:00');
    await page.getByRole('button', { name: 'Apply filters' }).click();
    await expect.poll(() => page.getByRole('alert').filter({ hasText: 'The start must be before the end' }).count()).toBe(1);
    expect(page.url()).toBe(url);
    await page.getByLabel('To', { exact: true }).fill('2026-02-01T00:00');
    await page.getByRole('button', { name: 'Apply filters' }).click();
    const localFrom = await page.evaluate(() => new Date('2026-01-10T00:00').toISOString());
    await expect.poll(() => new URL(page.url()).searchParams.get('from')).toBe(localFrom);
    await expect.poll(countShown, { timeout: 15_000 }).toBe(await apiCount(new URL(page.url()).searchParams.toString()));
  });

  it('labels incidents of new and returning patterns in words, and filters the list by that label', async () => {
    await goto('/incidents');
    await choose('novelty', ['New pattern', 'Back after a quiet period']);
    await page.getByRole('button', { name: 'Apply filters' }).click();
    await expect.poll(() => new URL(page.url()).searchParams.getAll('novelty').sort().join(',')).toBe('back,new');
    const expected = await apiCount('novelty=new&novelty=back');
    // Every pattern of the imported history was new once.
    expect(expected).toBeGreaterThanOrEqual(demo.clusters);
    await expect.poll(countShown, { timeout: 15_000 }).toBe(expected);
    const badges = await rows().evaluateAll((trs) => trs.map((tr) => tr.querySelector('[data-testid="novelty"]')?.textContent?.trim() ?? ''));
    expect(badges.length).toBe(Math.min(50, expected));
    for (const badge of badges) expect(badge).toMatch(/^(New pattern|Back after [\d,]+ days quiet)$/);
    // No cluster is shown by id or with the engine's placeholders.
    for (const text of await rows().locator('td.cluster').allTextContents()) expect(text).not.toMatch(/c-[0-9a-f]{12}|<[A-Z*]+>/);
    await shot('incidents-novelty');

    // The incident's own page says it too, and why.
    await rows().first().locator('td').first().getByRole('link').click();
    await page.waitForURL(/\/incidents\/[0-9a-f-]{36}$/);
    expect(await page.getByTestId('novelty').textContent()).toMatch(/New pattern|Back after/);
    expect(await page.getByTestId('novelty-explained').textContent()).toMatch(/first incident of its pattern|no incident in the 30 days/);
    expect(await page.getByTestId('incident-cluster').textContent()).not.toMatch(/c-[0-9a-f]{12}|<[A-Z*]+>/);
    await shot('incident-novelty');
  });

  it('sorts by severity, P1 first, from the column header', async () => {
    await goto('/incidents');
    await page.getByRole('button', { name: 'Severity', exact: true }).click();
    await expect.poll(() => new URL(page.url()).searchParams.get('sort')).toBe('-severity');
    const header = page.getByRole('columnheader', { name: 'Severity' });
    await expect.poll(() => header.getAttribute('aria-sort')).toBe('descending');
    const severities = await rows().evaluateAll((trs) => trs.map((tr) => tr.querySelectorAll('td')[1]!.textContent!.trim()));
    expect(severities[0]).toBe('P1');
    expect(severities).toEqual([...severities].sort());
    expect(await page.getByRole('columnheader', { name: 'Opened' }).getAttribute('aria-sort')).toBeNull();

    // Opened toggles oldest first (newest first is the default, not written).
    await page.getByRole('button', { name: 'Opened', exact: true }).click();
    await expect.poll(() => new URL(page.url()).searchParams.has('sort')).toBe(false);
    await expect.poll(() => page.getByRole('columnheader', { name: 'Opened' }).getAttribute('aria-sort')).toBe('descending');
    await page.getByRole('button', { name: 'Opened', exact: true }).click();
    await expect.poll(() => new URL(page.url()).searchParams.get('sort')).toBe('created');
    await expect.poll(() => page.getByRole('columnheader', { name: 'Opened' }).getAttribute('aria-sort')).toBe('ascending');
  });

  it('pages forward by cursor to the next rows, and back to the first page', async () => {
    await goto('/incidents');
    const first = await rowIds();
    const firstTimes = await rows().locator('time').evaluateAll((ts) => ts.map((t) => t.getAttribute('datetime')!));
    await page.getByRole('link', { name: 'Next page' }).click();
    await expect.poll(() => new URL(page.url()).searchParams.has('cursor')).toBe(true);
    await expect.poll(async () => (await rowIds())[0] !== first[0]).toBe(true);
    const second = await rowIds();
    expect(second).toHaveLength(50);
    expect(second.filter((id) => first.includes(id))).toEqual([]);
    const secondTimes = await rows().locator('time').evaluateAll((ts) => ts.map((t) => t.getAttribute('datetime')!));
    expect(Date.parse(secondTimes[0]!)).toBeLessThanOrEqual(Date.parse(firstTimes.at(-1)!));
    // The cursor is in the URL: a reload shows the same page.
    await page.reload();
    expect(await rowIds()).toEqual(second);
    await page.getByRole('link', { name: 'First page' }).click();
    await expect.poll(() => new URL(page.url()).searchParams.has('cursor')).toBe(false);
    await expect.poll(rowIds).toEqual(first);
  });

  it('exports the filtered list as CSV with one line per incident under a header', async () => {
    await goto('/incidents?status=resolved&sort=-mttr');
    const count = await apiCount('status=resolved');
    await expect.poll(countShown, { timeout: 15_000 }).toBe(count);
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: 'Export CSV' }).click()]);
    expect(download.suggestedFilename()).toMatch(/^incidents-.*\.csv$/);
    const text = readFileSync((await download.path())!, 'utf8');
    const records = csvRecords(text.replace(/\r?\n$/, ''));
    expect(records.length).toBe(count + 1);
    const header = records[0]!;
    const statusColumn = header.findIndex((h) => /status/i.test(h));
    expect(statusColumn).toBeGreaterThanOrEqual(0);
    expect(new Set(records.slice(1).map((r) => r[statusColumn]))).toEqual(new Set(['resolved']));
  });
});

describe('incident detail and clusters', () => {
  it('shows an incident with its timeline, cluster and similar incidents, and leads to the cluster', async () => {
    await goto('/incidents?status=resolved');
    const firstLink = page.getByTestId('incidents').locator('tbody tr').first().locator('td').first().getByRole('link');
    const title = (await firstLink.textContent())!.trim();
    await firstLink.click();
    await page.waitForURL(/\/incidents\/[0-9a-f-]{36}$/);
    await expect.poll(() => page.getByRole('heading', { level: 1 }).textContent()).toBe(title);
    const timeline = page.getByTestId('timeline').locator('li');
    const types = await timeline.evaluateAll((lis) => lis.map((li) => li.getAttribute('data-type')));
    expect(types[0]).toBe('triggered');
    expect(types).toContain('resolved');
    expect(await timeline.first().textContent()).toContain('Triggered');
    expect(await page.getByTestId('mttr').textContent()).not.toBe('–');
    // Raw payloads open as pretty JSON.
    const raw = page.locator('details').filter({ has: page.locator('pre') }).first();
    if ((await raw.count()) > 0) {
      await raw.locator('summary').click();
      expect(JSON.parse((await raw.locator('pre').textContent())!)).toBeTruthy();
    }
    const clusterLink = page.getByTestId('incident-cluster');
    const clusterLabel = (await clusterLink.textContent())!.trim();
    expect(clusterLabel.length).toBeGreaterThan(0);
    await shot('incident-detail');

    await clusterLink.click();
    await page.waitForURL(/\/clusters\/.+/);
    await expect.poll(() => page.getByTestId('cluster-title').textContent()).toBeTruthy();
    await expect.poll(() => page.getByTestId('cluster-per-day').locator('canvas').count()).toBe(1);
    // The runbooks linked to the cluster, or the offer to generate or write one.
    expect(await page.locator('[data-testid="cluster-runbooks-empty"], [data-testid="cluster-runbooks"]').count()).toBe(1);
    expect(await page.getByRole('button', { name: /generate runbook/i }).count()).toBe(1);
    const size = Number((await page.getByTestId('cluster-members-link').textContent())!.replace(/\D/g, ''));
    expect(size).toBeGreaterThan(0);
    await shot('cluster-detail');

    // A day of the chart leads to that day's incidents of this cluster, as many as the bar says.
    const clusterUrl = page.url();
    await page.getByTestId('cluster-per-day').getByText('Data table').click();
    const cells = page.getByTestId('cluster-per-day').locator('td[data-value]');
    const values = (await cells.evaluateAll((tds) => tds.map((td) => Number(td.getAttribute('data-value'))))) as number[];
    const busiest = values.indexOf(Math.max(...values));
    await cells.nth(busiest).getByRole('link').click();
    await expect.poll(() => new URL(page.url()).searchParams.has('from')).toBe(true);
    await expect.poll(countShown, { timeout: 15_000 }).toBe(values[busiest]);
    await page.goto(clusterUrl);

    // Members: the incident list narrowed to this cluster counts the cluster's size.
    await page.getByTestId('cluster-members-link').click();
    await expect.poll(() => new URL(page.url()).searchParams.has('cluster')).toBe(true);
    await expect.poll(countShown, { timeout: 15_000 }).toBe(size);
  });

  it('lists the clusters largest first with their size and trend, and renames one', async () => {
    await goto('/clusters');
    const items = page.getByTestId('clusters').locator('li');
    expect(await items.count()).toBe(demo.clusters);
    const sizes = await items.locator('.size .number').allTextContents();
    const numbers = sizes.map((s) => Number(s.replace(/\D/g, '')));
    expect(numbers).toEqual([...numbers].sort((a, b) => b - a));
    expect(numbers.reduce((a, b) => a + b, 0)).toBe(COUNT);
    await expect.poll(() => items.first().locator('svg.sparkline').count(), { timeout: 15_000 }).toBe(1);
    await shot('clusters');

    await items.first().getByRole('link').first().click();
    await page.waitForURL(/\/clusters\/.+/);
    await page.getByLabel('Name', { exact: true }).fill('Hot CPU (named)');
    await page.getByRole('button', { name: 'Rename' }).click();
    await expect.poll(() => page.getByRole('status').filter({ hasText: 'Renamed' }).count(), { timeout: 15_000 }).toBe(1);
    // The recluster it started applies the name.
    await expect.poll(async () => (await page.reload(), await page.getByTestId('cluster-title').textContent()), { timeout: 60_000, interval: 1000 }).toBe('Hot CPU (named)');
  });
});

describe('screens', () => {
  it('lays every page out at 1440×900 and 390×844 in light and dark, without sideways scrolling on a phone', async () => {
    const [largest] = (await demo.owner.call({ method: 'GET', url: '/api/clusters?limit=1' })).json().clusters as { id: string }[];
    const [incident] = (await demo.owner.call({ method: 'GET', url: `/api/incidents?limit=1&status=resolved&cluster=${encodeURIComponent(largest!.id)}` })).json().incidents as { id: string; clusterId: string }[];
    const [firstNew] = (await demo.owner.call({ method: 'GET', url: '/api/incidents?limit=1&novelty=new' })).json().incidents as { id: string }[];
    const pages = [
      ['incidents', '/incidents'],
      ['incident', `/incidents/${incident!.id}`],
      ['clusters', '/clusters'],
      ['cluster', `/clusters/${encodeURIComponent(incident!.clusterId)}`],
      ['incidents-empty', '/incidents?q=no-such-incident-title-anywhere'],
      ['incidents-novelty', '/incidents?novelty=new&novelty=back'],
      ['incident-novelty', `/incidents/${firstNew!.id}`],
    ] as const;
    for (const theme of ['light', 'dark'] as const) {
      await context.addCookies([{ name: 'ii_theme', value: theme, url: platform.webUrl }]);
      await page.emulateMedia({ colorScheme: theme });
      for (const [width, height] of [[1440, 900], [390, 844]] as const) {
        await page.setViewportSize({ width, height });
        for (const [name, path] of pages) {
          await goto(path);
          if (width < 400) {
            expect(await page.evaluate<number>('document.documentElement.scrollWidth - document.documentElement.clientWidth'), `no sideways scroll on ${path} at ${width} px`).toBeLessThanOrEqual(0);
          }
          await shot(`${name}-${width}-${theme}`);
          await shot(`${name}-${width}-${theme}-top`, false);
          await page.addScriptTag({ content: AXE_SOURCE });
          const serious = await page.evaluate(async () => {
            const axe = (globalThis as unknown as { axe: { run(o: object): Promise<{ violations: { id: string; impact: string | null; nodes: { target: string[] }[] }[] }> } }).axe;
            const { violations } = await axe.run({ runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21aa'] } });
            return violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => `${v.id}: ${v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(' | ')}`);
          });
          expect(serious, `axe on ${path} at ${width} px, ${theme}`).toEqual([]);
        }
      }
    }
    // On a phone the table is a card list with the same incidents.
    await page.setViewportSize({ width: 360, height: 800 });
    await goto('/incidents');
    expect(await page.getByTestId('incidents').isVisible()).toBe(false);
    expect(await page.getByTestId('incident-cards').locator('li').count()).toBe(50);
    expect(await page.evaluate<number>('document.documentElement.scrollWidth - document.documentElement.clientWidth')).toBeLessThanOrEqual(0);
  });
});
