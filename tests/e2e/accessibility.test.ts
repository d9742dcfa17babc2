// axe-core in Chromium on every main page of the product, in the light and the dark theme, at 1440×900 and 390×844:
// no serious or critical violation (each one found is printed with its elements). Screenshots of each saved.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { SHOTS, startPlatform, type Platform } from './platform.ts';

const AXE_SOURCE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
const SIZES = [
  { name: '1440', viewport: { width: 1440, height: 900 } },
  { name: '390', viewport: { width: 390, height: 844 } },
] as const;
const THEMES = ['light', 'dark'] as const;
/** WCAG 2.0–2.2 A and AA, and axe's best practices (landmarks, one main, headings, ...). */
const AXE_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa', 'best-practice'];

let platform: Platform;
let session: Awaited<ReturnType<BrowserContext['cookies']>>;
let ticketId: string;
let runbookId: string;

interface AxeResult {
  violations: { id: string; impact: string | null; help: string; nodes: { target: string[]; failureSummary?: string }[] }[];
}

beforeAll(async () => {
  platform = await startPlatform();
  const context = await platform.browser.newContext({ reducedMotion: 'reduce' });
  const page = await context.newPage();
  await page.goto(`${platform.webUrl}/signup`);
  await page.getByLabel('Your name').fill('Alan');
  await page.getByLabel('Work email').fill('alan@example.com');
  await page.getByLabel('Password').fill('on computable numbers 1936');
  await page.getByLabel('Team or company').fill('Bletchley');
  await page.getByRole('button', { name: 'Create account' }).click();
  await page.getByTestId('account-name').waitFor({ state: 'attached', timeout: 30_000 });
  session = await context.cookies();

  // Something in the lists that need it: a feedback entry and a problem report (with a status change), via the API.
  const authorization = `Bearer ${session.find((c) => c.name === 'ii_access')!.value}`;
  const feedback = await platform.app.inject({ method: 'POST', url: '/api/feedback', headers: { authorization }, payload: { rating: 5, text: 'Clear pages.', page: '/settings', context: { viewport: '1440x900', theme: 'light' } } });
  expect(feedback.statusCode, feedback.body).toBe(201);
  const ticket = await platform.app.inject({ method: 'POST', url: '/api/support-tickets', headers: { authorization }, payload: { subject: 'Charts are slow', description: 'The dashboard takes seconds.', diagnostics: { version: '0.1.0', userAgent: 'axe', url: '/', viewport: '1440x900', recentErrors: [{ message: 'TypeError: x is undefined', at: new Date().toISOString(), url: '/' }] } } });
  expect(ticket.statusCode, ticket.body).toBe(201);
  ticketId = (ticket.json() as { id: string }).id;
  const runbook = await platform.app.inject({
    method: 'POST',
    url: '/api/runbooks',
    headers: { authorization },
    payload: {
      title: 'Disk full on a database host',
      tags: ['disk'],
      services: ['postgres'],
      steps: [
        { title: 'See what is big', command: 'du -xh /var/lib/postgresql | sort -h | tail', targetType: 'shell', explanation: 'The largest directories.', risk: 'read-only' },
        { title: 'Drop old WAL archives', command: 'rm -rf /var/lib/postgresql/archive/old', targetType: 'shell', explanation: 'Only archived, already backed-up files.', risk: 'destructive' },
      ],
    },
  });
  expect(runbook.statusCode, runbook.body).toBe(201);
  runbookId = (runbook.json() as { id: string }).id;
  const patched = await platform.app.inject({ method: 'PATCH', url: `/api/support-tickets/${ticketId}`, headers: { authorization }, payload: { status: 'in_progress', comment: 'On it.' } });
  expect(patched.statusCode, patched.body).toBe(200);
  await context.close();
});

afterAll(async () => {
  await platform?.stop();
});

/** The main pages: those of other areas are listed too (the dashboard, incidents and clusters). */
const pages = () => [
  ['dashboard', '/'],
  ['incidents', '/incidents'],
  ['clusters', '/clusters'],
  ['integrations', '/integrations'],
  ['integration-new', '/integrations/new'],
  ['audit', '/audit'],
  ['settings', '/settings'],
  ['members', '/members'],
  ['tokens', '/tokens'],
  ['profile', '/profile'],
  ['health', '/health'],
  ['help', '/help'],
  ['help-doc', '/help/architecture'],
  ['support', '/support'],
  ['support-ticket', `/support/${ticketId}`],
  ['feedback', '/feedback'],
  ['runbooks', '/runbooks'],
  ['runbook', `/runbooks/${runbookId}`],
  ['runbook-new', '/runbooks/new'],
  ['runbook-run', `/runbooks/${runbookId}/run`],
  ['automations', '/automations'],
  ['automation-targets', '/automations/targets'],
  ['automation-schedules', '/automations/schedules'],
  ['automation-rules', '/automations/rules'],
  ['search', '/search?q=disk'],
  ['settings-llm', '/settings/llm'],
] as const;

async function axe(page: Page): Promise<AxeResult> {
  if (!(await page.evaluate<boolean>(`'axe' in window`))) await page.addScriptTag({ content: AXE_SOURCE });
  const result = await page.evaluate<AxeResult>(`axe.run(document, { runOnly: { type: 'tag', values: ${JSON.stringify(AXE_TAGS)} } })`);
  return { violations: result.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map((n) => ({ target: n.target, ...(n.failureSummary ? { failureSummary: n.failureSummary } : {}) })) })) };
}

const serious = (result: AxeResult) => result.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
const describe = (violations: AxeResult['violations']) =>
  violations.map((v) => `${v.impact} ${v.id}: ${v.help}\n${v.nodes.slice(0, 5).map((n) => `    ${n.target.join(' ')}\n      ${(n.failureSummary ?? '').replace(/\n/g, '\n      ')}`).join('\n')}`).join('\n');

for (const size of SIZES) {
  for (const theme of THEMES) {
    it(`finds no serious or critical accessibility violation on the main pages in the ${theme} theme at ${size.viewport.width}×${size.viewport.height}`, async () => {
      const context = await platform.browser.newContext({ reducedMotion: 'reduce', viewport: size.viewport, colorScheme: theme });
      const host = new URL(platform.webUrl).hostname;
      await context.addCookies([...session, { name: 'ii_theme', value: theme, domain: host, path: '/' }]);
      const page = await context.newPage();
      const failures: string[] = [];
      for (const [name, path] of pages()) {
        await page.goto(`${platform.webUrl}${path}`);
        await page.waitForLoadState('networkidle');
        expect(await page.evaluate<string | undefined>('document.documentElement.dataset.theme'), path).toBe(theme);
        const found = serious(await axe(page));
        if (found.length) failures.push(`${path}:\n${describe(found)}`);
        await page.screenshot({ path: join(SHOTS, `a11y-${name}-${size.name}-${theme}.png`), fullPage: true });
      }

      // The shell's own overlays, open: the user menu, the small-screen navigation, the feedback dialog.
      await page.goto(`${platform.webUrl}/settings`);
      await page.waitForLoadState('networkidle');
      await page.getByRole('button', { name: /user menu/ }).click();
      const menu = serious(await axe(page));
      if (menu.length) failures.push(`user menu open:\n${describe(menu)}`);
      await page.keyboard.press('Escape');
      if (size.name === '390') {
        await page.getByRole('button', { name: 'Menu', exact: true }).click();
        const nav = serious(await axe(page));
        if (nav.length) failures.push(`navigation open:\n${describe(nav)}`);
        await page.screenshot({ path: join(SHOTS, `a11y-menu-open-${size.name}-${theme}.png`) });
        await page.keyboard.press('Escape');
      }
      await page.getByRole('button', { name: 'Feedback', exact: true }).click();
      await page.getByRole('dialog', { name: 'Send feedback' }).getByRole('radio', { name: 'Great' }).check();
      const dialog = serious(await axe(page));
      if (dialog.length) failures.push(`feedback dialog open:\n${describe(dialog)}`);
      await page.screenshot({ path: join(SHOTS, `a11y-feedback-dialog-${size.name}-${theme}.png`) });

      if (failures.length) console.log(`axe, ${theme} at ${size.viewport.width}px:\n${failures.join('\n\n')}`);
      expect(failures, failures.join('\n\n')).toEqual([]);
      await context.close();
    });
  }
}
