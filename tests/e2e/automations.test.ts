// Automations in Chromium, on the real platform and a real OpenSSH server on loopback: a responder requests a run of a
// runbook on an SSH target (their page offers no approve button), an admin in a second browser sees the badge and the
// notification, opens the run and approves it with a comment, and both watch the output stream in; the history lists
// the run. The preview API on its own (the policy per step, a bad body). Screenshots of the run page at 1440×900 and
// 390×844 in both themes, checked with axe.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { emailedToken, signUp, type SignedIn } from '../../devkit/app.ts';
import { startSshd, type TestSshd } from '../servers/sshd.ts';
import { signInPage } from './demo-data.ts';
import { SHOTS, startPlatform, type Platform } from './platform.ts';

const AXE_SOURCE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
let platform: Platform;
let sshd: TestSshd;
let owner: SignedIn;
let admin: SignedIn;
let responder: SignedIn;
let targetId: string;
let runbookId: string;
const contexts: BrowserContext[] = [];

/** A member of the owner's account by invitation (their own sign-up account sorts after it, so sign-in lands here). */
async function invited(role: 'admin' | 'responder'): Promise<SignedIn> {
  const member = await signUp(platform.app, { accountName: `Zz own ${role}` });
  const invite = await owner.call({ method: 'POST', url: '/api/invitations', payload: { email: member.email, role } });
  expect(invite.statusCode, invite.body).toBe(201);
  const accepted = await member.call({ method: 'POST', url: '/api/invitations/accept', payload: { token: await emailedToken(platform.db.admin, member.email, '/invitations/accept') } });
  expect(accepted.statusCode, accepted.body).toBe(200);
  return { ...member, accountId: owner.accountId };
}

beforeAll(async () => {
  platform = await startPlatform();
  sshd = await startSshd();
  owner = await signUp(platform.app, { accountName: 'A-team operations' });
  admin = await invited('admin');
  responder = await invited('responder');
  const target = await owner.call({
    method: 'POST',
    url: '/api/automation-targets',
    payload: {
      name: 'Loopback host',
      config: { kind: 'ssh', host: sshd.host, port: sshd.port, username: sshd.username, hostKeyFingerprint: sshd.hostKeyFingerprint },
      secrets: { privateKey: sshd.privateKey },
      denyPatterns: ['rm -rf *'],
    },
  });
  expect(target.statusCode, target.body).toBe(201);
  expect(target.json().verification, target.body).toMatchObject({ ok: true });
  targetId = target.json().target.id;
  const runbook = await owner.call({
    method: 'POST',
    url: '/api/runbooks',
    payload: {
      title: 'Check the web host',
      steps: [
        { title: 'Say hello', command: 'echo start; sleep 1; echo done', targetType: 'shell', explanation: 'Proves the host answers.', risk: 'read-only' },
        { title: 'Look around', command: 'echo second-step-started; sleep 5; echo second-step-finished; uname -s', targetType: 'shell', explanation: 'Takes a moment.', risk: 'read-only' },
        { title: 'Clean up', command: 'rm -rf /tmp/automation-e2e-nothing', targetType: 'shell', explanation: 'Denied by the target.', risk: 'destructive' },
      ],
    },
  });
  expect(runbook.statusCode, runbook.body).toBe(201);
  runbookId = runbook.json().id;
}, 180_000);

afterAll(async () => {
  for (const c of contexts) await c.close().catch(() => undefined);
  await platform?.stop();
  await sshd?.stop();
});

async function browserAs(who: SignedIn, options: { width?: number; height?: number; theme?: 'light' | 'dark' } = {}): Promise<Page> {
  const context = await platform.browser.newContext({ reducedMotion: 'reduce', viewport: { width: options.width ?? 1440, height: options.height ?? 900 }, colorScheme: options.theme ?? 'light' });
  contexts.push(context);
  if (options.theme) await context.addCookies([{ name: 'ii_theme', value: options.theme, domain: new URL(platform.webUrl).hostname, path: '/' }]);
  const page = await context.newPage();
  await signInPage(page, platform, who);
  return page;
}

const goto = async (page: Page, path: string) => {
  await page.goto(`${platform.webUrl}${path}`);
  await page.waitForLoadState('networkidle');
};

const shot = async (page: Page, name: string) => {
  await page.evaluate('window.scrollTo(0, 0)');
  await page.screenshot({ path: join(SHOTS, `automations-${name}.png`), fullPage: true });
};

async function axeViolations(page: Page): Promise<string[]> {
  await page.addScriptTag({ content: AXE_SOURCE });
  const result = await page.evaluate<{ violations: { id: string; impact: string | null; nodes: { target: string[] }[] }[] }>(
    `axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa', 'best-practice'] } })`,
  );
  return result.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => `${v.impact} ${v.id}: ${v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(', ')}`);
}

const stepStdout = (page: Page, index: number) => page.getByTestId('run-step').nth(index).getByTestId('stdout');
const runStatus = async (page: Page) => ((await page.getByTestId('run-status').textContent()) ?? '').trim();

describe('the run preview API', () => {
  it('gives each step its risk and the target policy’s outcome, as a request would apply it', async () => {
    const res = await responder.call({ method: 'POST', url: '/api/automation-runs/preview', payload: { runbookId, targetId } });
    expect(res.statusCode, res.body).toBe(200);
    const preview = res.json();
    expect(preview).toMatchObject({ runbookId, targetId, version: 1, requiredApprovals: 1 });
    expect(preview.steps.map((s: { allowed: boolean }) => s.allowed)).toEqual([true, true, false]);
    expect(preview.steps[2]).toMatchObject({ index: 2, risk: 'destructive', destructive: true, allowed: false });
    expect(preview.steps[2].reason).toContain('rm -rf *');
  });

  it('refuses a body without a target, naming the field, and an unknown runbook with 404', async () => {
    const bad = await responder.call({ method: 'POST', url: '/api/automation-runs/preview', payload: { runbookId } });
    expect(bad.statusCode).toBe(400);
    expect(JSON.stringify(bad.json().error.details)).toContain('targetId');
    const missing = await responder.call({ method: 'POST', url: '/api/automation-runs/preview', payload: { runbookId: '00000000-0000-4000-8000-000000000000', targetId } });
    expect(missing.statusCode).toBe(404);
  });
});

describe('requesting, approving and watching a run', () => {
  let runPath: string;

  it('a responder requests a run, an admin approves it with a comment from the notification, and both see the output stream in', async () => {
    // The admin is on the automations page before anything waits: the badge and the notification must come to them.
    const approverPage = await browserAs(admin);
    await goto(approverPage, '/automations');
    await expect(approverPage.getByTestId('nav-badge').count()).resolves.toBe(0);

    const requester = await browserAs(responder);
    await goto(requester, `/runbooks/${runbookId}`);
    await requester.getByTestId('run-runbook').click();
    await requester.waitForURL(/\/runbooks\/[^/]+\/run/);
    // The only target is chosen; the preview shows every step's risk and the denied one.
    await requester.getByTestId('preview-step').nth(2).getByText(/Never sent/).waitFor();
    expect(await requester.getByTestId('target-verification').textContent()).toContain('Verified');
    await shot(requester, 'request-1440-light');
    await requester.getByRole('button', { name: 'Request run' }).click();
    await requester.waitForURL(/\/automations\/runs\/[0-9a-f-]{36}$/);
    runPath = new URL(requester.url()).pathname;
    expect(await runStatus(requester)).toBe('awaiting approval');
    // The requester may not approve their own run: no buttons, and the page says why.
    expect(await requester.getByRole('button', { name: 'Approve' }).count()).toBe(0);
    expect(await requester.getByTestId('why-no-decision').textContent()).toContain('someone else must approve');
    await shot(requester, 'run-waiting-1440-light');

    // Within the layout's 30 s refresh the admin is told, without reloading.
    const toast = approverPage.getByTestId('approval-toast');
    await toast.waitFor({ timeout: 45_000 });
    expect(await toast.textContent()).toContain('1 run waits for your approval');
    expect(await approverPage.getByTestId('nav-badge').textContent()).toContain('1');
    await approverPage.screenshot({ path: join(SHOTS, 'automations-notified-1440-light.png') });
    await toast.getByRole('link').click();
    await approverPage.waitForURL((url) => url.pathname === '/automations');
    const waiting = approverPage.getByTestId('waiting-for-approval');
    await waiting.getByRole('link', { name: /Check the web host/ }).click();
    await approverPage.waitForURL((url) => url.pathname === runPath);
    await approverPage.getByLabel('Comment (optional)').fill('Looks safe: read-only checks.');
    await shot(approverPage, 'approve-1440-light');
    await approverPage.getByRole('button', { name: 'Approve', exact: true }).click();

    // Step 1's output is on both pages while the run still runs (step 2 sleeps), then the final outputs.
    for (const page of [approverPage, requester]) {
      await page.waitForFunction(`/start\\s+done/.test(document.querySelector('[data-testid="run-step"] [data-testid="stdout"]')?.textContent ?? '')`, undefined, { timeout: 30_000, polling: 100 });
      expect(await runStatus(page)).not.toBe('completed');
    }
    // Step 2's output streams in while it runs: its first line shows before the step has finished, on both pages.
    await Promise.all(
      [approverPage, requester].map((page) =>
        page.waitForFunction(
          `(() => { const out = document.querySelectorAll('[data-testid="run-step"]')[1]?.querySelector('[data-testid="stdout"]')?.textContent ?? ''; return out.includes('second-step-started') && !out.includes('second-step-finished'); })()`,
          undefined,
          { timeout: 30_000, polling: 100 },
        ),
      ),
    );
    await shot(requester, 'run-live-1440-light');
    for (const page of [approverPage, requester]) {
      await page.getByTestId('run-status').getByText('completed').waitFor({ timeout: 30_000 });
      expect(await stepStdout(page, 0).textContent()).toContain('start\ndone');
      expect(await stepStdout(page, 1).textContent()).toContain('second-step-finished');
      expect(await page.getByTestId('run-step').nth(2).textContent()).toContain('never sent');
      expect(await page.getByTestId('approvals').textContent()).toContain('Looks safe: read-only checks.');
    }
    expect(await requester.getByTestId('run-step').nth(0).getByTestId('exit-code').textContent()).toBe('exit 0');
    await shot(approverPage, 'run-1440-light');
    // The denied step was recorded as skipped: never sent to the host.
    const detail = await owner.call({ method: 'GET', url: `/api/automation-runs/${runPath.split('/').pop()}` });
    expect(detail.json().steps.map((s: { status: string }) => s.status)).toEqual(['succeeded', 'succeeded', 'skipped']);
  }, 180_000);

  it('offers the approver the waiting destructive step by name, and runs it only after that approval', async () => {
    const rb = await owner.call({
      method: 'POST',
      url: '/api/runbooks',
      payload: {
        title: 'Rotate the cache',
        steps: [
          { title: 'Look first', command: 'echo looked', targetType: 'shell', explanation: '', risk: 'read-only' },
          { title: 'Flush it', command: 'echo flushed-the-cache', targetType: 'shell', explanation: 'Loses cached entries.', risk: 'destructive' },
        ],
      },
    });
    expect(rb.statusCode, rb.body).toBe(201);
    const created = await responder.call({ method: 'POST', url: '/api/automation-runs', payload: { runbookId: rb.json().id, targetId } });
    expect(created.statusCode, created.body).toBe(201);
    const page = await browserAs(admin);
    await goto(page, `/automations/runs/${created.json().run.id}`);
    await page.getByRole('button', { name: 'Approve', exact: true }).click();
    const stepButton = page.getByRole('button', { name: 'Approve step 2' });
    await stepButton.waitFor({ timeout: 30_000 });
    expect(await page.getByTestId('step-approval-status').textContent()).toContain('Flush it');
    expect(await stepStdout(page, 0).textContent()).toContain('looked');
    expect(await page.getByTestId('run-step').nth(1).getAttribute('data-status')).toBe('pending');
    await shot(page, 'step-approval-1440-light');
    await page.getByLabel('Comment (optional)').fill('Flush approved.');
    await stepButton.click();
    await page.getByTestId('run-status').getByText('completed').waitFor({ timeout: 30_000 });
    expect(await stepStdout(page, 1).textContent()).toContain('flushed-the-cache');
    expect(await page.getByTestId('approvals').textContent()).toContain('approved step 2');
  }, 120_000);

  it('lists the run in the history, and the run page fits a phone in both themes without accessibility violations', async () => {
    const page = await browserAs(responder);
    await goto(page, '/automations');
    const row = page.getByTestId('run-row').filter({ hasText: 'Check the web host' });
    await row.waitFor();
    expect(await row.textContent()).toContain('completed');
    expect(await row.textContent()).toContain('you');
    await shot(page, 'history-1440-light');
    // An incident's "Run a runbook" goes through /automations/runs/new to the runbook's run page.
    await goto(page, `/automations/runs/new?runbook=${runbookId}`);
    expect(new URL(page.url()).pathname).toBe(`/runbooks/${runbookId}/run`);
    for (const [width, height, theme] of [
      [1440, 900, 'dark'],
      [390, 844, 'light'],
      [390, 844, 'dark'],
    ] as const) {
      const p = await browserAs(admin, { width, height, theme });
      await goto(p, runPath);
      await shot(p, `run-${width}-${theme}`);
      expect(await p.evaluate<number>('document.documentElement.scrollWidth - document.documentElement.clientWidth'), `${width} ${theme}`).toBe(0);
      expect(await axeViolations(p), `${runPath} at ${width}px, ${theme}`).toEqual([]);
    }
    const targets = await browserAs(admin, { width: 390, height: 844, theme: 'light' });
    await goto(targets, '/automations/targets');
    await targets.getByRole('button', { name: 'Add SSH target' }).click();
    await targets.getByTestId('setup-guide-ssh').locator('summary').click();
    await shot(targets, 'targets-390-light');
    expect(await targets.evaluate<number>('document.documentElement.scrollWidth - document.documentElement.clientWidth')).toBe(0);
    expect(await axeViolations(targets)).toEqual([]);
  }, 120_000);
});

describe('the audit trail', () => {
  it('shows who requested, approved and ran what, links each entry to its run, and exports the entries', async () => {
    const page = await browserAs(admin);
    await goto(page, '/audit?action=automation_run.');
    const entries = page.getByTestId('audit-entries');
    await entries.waitFor();
    const text = (await entries.textContent()) ?? '';
    expect(text).toContain('Looks safe: read-only checks.');
    expect(text).toMatch(/requested a run of a runbook/);
    expect(await page.getByTestId('audit-verified').count()).toBe(1);
    await entries.getByRole('link', { name: 'Open' }).first().waitFor();
    await shot(page, 'audit-1440-light');
    // The export goes through the web app with the session, and carries the chain's verification.
    const csv = await page.request.get(`${platform.webUrl}/audit/export?format=csv&action=automation_run.`);
    expect(csv.status()).toBe(200);
    expect(csv.headers()['x-audit-chain-valid']).toBe('true');
    expect(csv.headers()['content-disposition']).toContain('audit-log-');
    const body = await csv.text();
    expect(body.split('\r\n')[0]).toContain('seq,occurredAt,action');
    expect(body).toContain('automation_run.approved');
    const json = await page.request.get(`${platform.webUrl}/audit/export?format=json`);
    expect((await json.json()).verification.valid).toBe(true);
    for (const [path, name] of [['/audit?action=automation_run.', 'audit'], ['/members', 'members'], ['/automations', 'runs'], [`/runbooks/${runbookId}`, 'runbook'], [`/runbooks/${runbookId}/run`, 'request']] as const) {
      const phone = await browserAs(admin, { width: 390, height: 844, theme: 'dark' });
      await goto(phone, path);
      await shot(phone, `${name}-390-dark`);
      expect(await phone.evaluate<number>('document.documentElement.scrollWidth - document.documentElement.clientWidth'), `${path} at 390`).toBe(0);
    }
    // The approver grant is given on the Members page.
    await goto(page, '/members');
    await page.getByTestId(`approver-${responder.email}`).waitFor();
    expect(await page.getByTestId(`approver-${responder.email}`).textContent()).toContain('No');
    await shot(page, 'members-1440-light');
  }, 60_000);
});

describe('schedules and event rules', () => {
  it('shows a schedule with its next run times from Temporal, and an event rule, at both widths, and changes both in place', async () => {
    const schedule = await admin.call({
      method: 'POST',
      url: '/api/automation-schedules',
      payload: { name: 'Weekday health check', runbookId, targetId, cron: ['30 8 * * 1-5'], timeZone: 'Europe/Berlin' },
    });
    expect(schedule.statusCode, schedule.body).toBe(201);
    const rule = await admin.call({
      method: 'POST',
      url: '/api/automation-rules',
      payload: { name: 'Checkout P1 diagnostics', runbookId, targetId, services: ['checkout'], severities: ['P1'], onReopened: true },
    });
    expect(rule.statusCode, rule.body).toBe(201);
    try {
      for (const [width, height, theme] of [
        [1440, 900, 'light'],
        [390, 844, 'dark'],
      ] as const) {
        const page = await browserAs(admin, { width, height, theme });
        await goto(page, '/automations/schedules');
        const card = page.getByTestId('schedule-Weekday health check');
        await card.waitFor();
        expect(await card.textContent()).toContain('Next runs');
        await shot(page, `schedules-${width}-${theme}`);
        expect(await page.evaluate<number>('document.documentElement.scrollWidth - document.documentElement.clientWidth'), `schedules ${width}`).toBe(0);
        // The add form (runbook and target pickers) and the delete confirmation.
        await page.getByRole('button', { name: 'Add schedule' }).click();
        await page.getByLabel('Runbook', { exact: true }).selectOption(runbookId);
        await page.getByRole('button', { name: /^Delete/ }).first().click();
        await page.getByRole('button', { name: 'Delete schedule' }).waitFor();
        await shot(page, `schedules-form-${width}-${theme}`);
        expect(await page.evaluate<number>('document.documentElement.scrollWidth - document.documentElement.clientWidth'), `schedules form ${width}`).toBe(0);
        expect(await axeViolations(page)).toEqual([]);
        await page.getByRole('button', { name: 'Keep it' }).click();
        await goto(page, '/automations/rules');
        await page.getByTestId('rule-Checkout P1 diagnostics').waitFor();
        await shot(page, `rules-${width}-${theme}`);
        expect(await page.evaluate<number>('document.documentElement.scrollWidth - document.documentElement.clientWidth'), `rules ${width}`).toBe(0);
        expect(await axeViolations(page)).toEqual([]);
      }

      // Changed in place: a refused cron is named at its field and changes nothing, then a good one moves the
      // Temporal Schedule's next times.
      const page = await browserAs(admin, { width: 1440, height: 900, theme: 'light' });
      await goto(page, '/automations/schedules');
      const card = page.getByTestId('schedule-Weekday health check');
      await card.getByRole('button', { name: /^Edit/ }).click();
      // The keyboard starts in the form that replaced the card's details.
      expect(await page.evaluate<string | null>('document.activeElement && document.activeElement.getAttribute("name")')).toBe('name');
      const cronField = card.getByLabel('Cron expressions (one per line)');
      await cronField.fill('not a cron');
      await card.getByRole('button', { name: 'Save changes' }).click();
      await card.getByText('Please correct the marked field.').waitFor();
      expect(await cronField.getAttribute('aria-invalid')).toBe('true');
      await shot(page, 'schedules-edit-refused-1440-light');
      expect((await admin.call({ method: 'GET', url: `/api/automation-schedules/${schedule.json().schedule.id}` })).json().schedule.cron).toEqual(['30 8 * * 1-5']);
      // Cancelled, then opened again: the schedule as it is, not the refused text; focus back on Edit in between.
      await card.getByRole('button', { name: 'Cancel' }).click();
      expect(await page.evaluate<string | null>('document.activeElement && document.activeElement.id')).toBe(`edit-${schedule.json().schedule.id}`);
      await card.getByRole('button', { name: /^Edit/ }).click();
      expect(await cronField.inputValue()).toBe('30 8 * * 1-5');
      expect(await card.getByText('Please correct the marked field.').count()).toBe(0);
      // A cron list with a comma is one expression (twice a day), not two.
      await cronField.fill('15 7,19 * * *');
      await card.getByLabel('Time zone (IANA)').fill('Asia/Tokyo');
      await card.getByRole('button', { name: 'Save changes' }).click();
      await page.getByText('Saved the schedule “Weekday health check”').waitFor();
      const changed = (await admin.call({ method: 'GET', url: `/api/automation-schedules/${schedule.json().schedule.id}` })).json().schedule;
      expect(changed).toMatchObject({ cron: ['15 7,19 * * *'], timeZone: 'Asia/Tokyo' });
      // Temporal fires at 07:15 and 19:15 Tokyo time (22:15 and 10:15 UTC) from now on.
      expect(changed.nextRunTimes.length).toBeGreaterThan(0);
      for (const t of changed.nextRunTimes) expect(new Date(t).toISOString()).toMatch(/T(22|10):15:00/);
      expect(await card.textContent()).toContain('15 7,19 * * *');

      await goto(page, '/automations/rules');
      const ruleCard = page.getByTestId('rule-Checkout P1 diagnostics');
      await ruleCard.getByRole('button', { name: /^Edit/ }).click();
      // The form starts from the rule as it is.
      expect(await ruleCard.getByLabel('Services (comma or line separated; empty: any)').inputValue()).toBe('checkout');
      expect(await ruleCard.getByRole('checkbox', { name: 'P1' }).isChecked()).toBe(true);
      expect(await ruleCard.getByRole('checkbox', { name: 're-opened incidents' }).isChecked()).toBe(true);
      await ruleCard.getByRole('checkbox', { name: 'P2' }).check();
      // "When a new pattern appears": the incident's new-pattern label as it arrives.
      await ruleCard.getByRole('checkbox', { name: 'a new pattern (never seen before)' }).check();
      await ruleCard.getByLabel('Cooldown in minutes (per cluster or service)').fill('90');
      await shot(page, 'rules-edit-1440-light');
      expect(await axeViolations(page)).toEqual([]);
      await ruleCard.getByRole('button', { name: 'Save changes' }).click();
      await page.getByText('Saved the rule “Checkout P1 diagnostics”').waitFor();
      expect((await admin.call({ method: 'GET', url: `/api/automation-rules/${rule.json().rule.id}` })).json().rule).toMatchObject({
        services: ['checkout'],
        severities: ['P1', 'P2'],
        novelties: ['new'],
        onNew: true,
        onReopened: true,
        cooldownSeconds: 5400,
      });
      expect(await page.getByTestId('rule-Checkout P1 diagnostics').getByTestId('rule-matches').textContent()).toContain('its pattern is new');
      // The in-place form on a phone: no sideways scrolling.
      const phone = await browserAs(admin, { width: 390, height: 844, theme: 'dark' });
      await goto(phone, '/automations/rules');
      await phone.getByTestId('rule-Checkout P1 diagnostics').getByRole('button', { name: /^Edit/ }).click();
      await phone.getByRole('button', { name: 'Save changes' }).waitFor();
      await shot(phone, 'rules-edit-390-dark');
      expect(await phone.evaluate<number>('document.documentElement.scrollWidth - document.documentElement.clientWidth'), 'rule edit 390').toBe(0);
    } finally {
      // The Temporal Schedule outlives the test otherwise.
      await admin.call({ method: 'DELETE', url: `/api/automation-schedules/${schedule.json().schedule.id}` });
    }
  }, 120_000);
});
