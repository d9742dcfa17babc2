// The acceptance walk of accounts in Chromium: sign up → invite a teammate → they accept in their own browser →
// they see the account with the invited role → the owner changes the role → the teammate's permissions change.
import { join } from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { latestEmails } from '../../db/outbox.ts';
import { SHOTS, startPlatform, type Platform } from './platform.ts';

let platform: Platform;
let owner: BrowserContext;
let teammate: BrowserContext;

beforeAll(async () => {
  platform = await startPlatform();
  owner = await platform.browser.newContext({ reducedMotion: 'reduce' });
  teammate = await platform.browser.newContext({ reducedMotion: 'reduce' });
});

afterAll(async () => {
  await platform?.stop();
});

async function shot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });
}

it('invites a teammate who accepts in another browser, and whose permissions follow the role the owner sets', async () => {
  const { webUrl } = platform;
  // The owner signs up with their team.
  const ownerPage = await platform.newPage(owner);
  await ownerPage.goto(`${webUrl}/signup`);
  await ownerPage.getByLabel('Your name').fill('Katherine');
  await ownerPage.getByLabel('Work email').fill('katherine@example.com');
  await ownerPage.getByLabel('Password').fill('orbital mechanics 1962');
  await ownerPage.getByLabel('Team or company').fill('Flight Research');
  await ownerPage.getByRole('button', { name: 'Create account' }).click();
  await expect.poll(() => ownerPage.getByTestId('account-name').textContent(), { timeout: 30_000 }).toContain('Flight Research');

  // Before inviting anyone, she confirms her address with the emailed link.
  expect(await ownerPage.getByTestId('confirm-email-banner').textContent()).toContain('katherine@example.com');
  await shot(ownerPage, 'confirm-email-banner');
  const [confirmation] = await latestEmails(platform.db.admin, { recipient: 'katherine@example.com', limit: 1 });
  await ownerPage.goto(/(http:\/\/\S+\/verify-email\?token=\S+)/.exec(confirmation!.body ?? '')![1]!);
  await ownerPage.getByRole('button', { name: 'Confirm my email' }).click();
  await expect.poll(() => ownerPage.getByTestId('email-confirmed').count(), { timeout: 15_000 }).toBe(1);
  await shot(ownerPage, 'email-confirmed');
  await ownerPage.getByRole('link', { name: 'Continue to Incident Insights' }).click();
  await expect.poll(() => ownerPage.getByTestId('account-name').count(), { timeout: 15_000 }).toBe(1);
  expect(await ownerPage.getByTestId('confirm-email-banner').count()).toBe(0);

  // ... and invites a teammate as a viewer.
  await ownerPage.goto(`${webUrl}/members`);
  await ownerPage.getByLabel('Email').fill('dorothy@example.com');
  await ownerPage.getByLabel('Role', { exact: true }).selectOption('viewer');
  await ownerPage.getByRole('button', { name: 'Send invitation' }).click();
  await expect.poll(() => ownerPage.getByTestId('invitation-dorothy@example.com').textContent(), { timeout: 15_000 }).toContain('as viewer');
  expect(await ownerPage.getByLabel('Role', { exact: true }).inputValue()).toBe('viewer'); // the form resets to the least role
  await shot(ownerPage, 'members-invited');

  // The invitation email (the outbox stands in for the mailbox) carries the link.
  const [mail] = await latestEmails(platform.db.admin, { recipient: 'dorothy@example.com', limit: 1 });
  const link = /(http:\/\/\S+\/invitations\/accept\?token=\S+)/.exec(mail!.body ?? "")![1]!;
  expect(link.startsWith(webUrl)).toBe(true);

  // The teammate opens it in their own browser, creates their user, and accepts.
  const page = await platform.newPage(teammate);
  await page.goto(link);
  expect(await page.getByTestId('invitation').textContent()).toMatch(/Katherine invites dorothy@example\.com to join Flight Research as viewer/);
  await shot(page, 'invitation');
  await page.getByRole('link', { name: 'Create your user' }).click();
  await page.getByLabel('Your name').fill('Dorothy');
  await page.getByLabel('Work email').fill('dorothy@example.com');
  await page.getByLabel('Password').fill('punched cards forever');
  await page.getByRole('button', { name: 'Create account' }).click();
  await page.getByRole('button', { name: 'Accept and join Flight Research' }).click();

  // They see the account with the role they were invited with: a viewer has no job form.
  await expect.poll(() => page.getByTestId('account-name').textContent(), { timeout: 30_000 }).toContain('Flight Research');
  expect(await page.getByTestId('account-name').textContent()).toContain('(viewer)');
  await page.goto(`${webUrl}/health`);
  expect(await page.getByTestId('echo-form').count()).toBe(0);
  await shot(page, 'teammate-viewer');

  // The owner makes them a responder.
  await ownerPage.reload();
  const row = ownerPage.getByTestId('member-dorothy@example.com');
  await row.getByLabel('Role of Dorothy').selectOption('responder');
  await row.getByRole('button', { name: 'Save' }).click();
  await expect.poll(() => ownerPage.getByTestId('member-dorothy@example.com').locator('select').inputValue(), { timeout: 15_000 }).toBe('responder');
  await shot(ownerPage, 'members-role-changed');
  await ownerPage.setViewportSize({ width: 360, height: 800 });
  expect(await ownerPage.evaluate<number>('document.documentElement.scrollWidth - document.documentElement.clientWidth'), 'no horizontal scroll at 360 px').toBeLessThanOrEqual(0);
  await shot(ownerPage, 'members-360');
  await ownerPage.setViewportSize({ width: 1280, height: 900 });

  // On their next page load the teammate may run jobs (the platform-health page's test job).
  await page.goto(`${webUrl}/health`);
  expect(await page.getByTestId('account-name').textContent()).toContain('(responder)');
  await page.getByLabel('Message').fill('my first job here');
  await page.getByRole('button', { name: 'Start job' }).click();
  await expect.poll(() => page.getByTestId('latest-job').getAttribute('data-status'), { timeout: 30_000 }).toBe('completed');
  await shot(page, 'teammate-responder');

  // The link was for one use.
  const again = await platform.newPage(teammate);
  await again.goto(link);
  expect(await again.getByTestId('invitation-status').textContent()).toContain('already used');
});

it('creates an API token that is shown once and works for a script, and revokes it', async () => {
  const page = await platform.newPage(owner);
  await page.goto(`${platform.webUrl}/tokens`);
  await page.getByLabel('Name').fill('deploy pipeline');
  await page.getByLabel('Role', { exact: true }).selectOption('responder');
  await page.getByRole('button', { name: 'Create token' }).click();
  const token = await (async () => {
    await expect.poll(() => page.getByTestId('created-token').count(), { timeout: 15_000 }).toBe(1);
    return page.getByLabel('Token', { exact: true }).inputValue();
  })();
  expect(token).toMatch(/^iit\./);
  await shot(page, 'tokens-created');

  const script = await platform.app.inject({ method: 'GET', url: '/api/jobs', headers: { authorization: `Bearer ${token}` } });
  expect(script.statusCode).toBe(200);

  await page.reload();
  expect(await page.getByTestId('created-token').count()).toBe(0); // shown once
  await page.getByTestId('token-deploy pipeline').getByRole('button', { name: 'Revoke' }).click();
  await expect.poll(() => page.getByTestId('token-deploy pipeline').textContent(), { timeout: 15_000 }).toContain('revoked');
  const after = await platform.app.inject({ method: 'GET', url: '/api/jobs', headers: { authorization: `Bearer ${token}` } });
  expect(after.statusCode).toBe(401);
});

it('shows the owner a verified audit log of what happened, and each person their own sign-in activity', async () => {
  const page = await platform.newPage(owner);
  await page.goto(`${platform.webUrl}/audit`);
  expect(await page.getByTestId('audit-verified').textContent()).toMatch(/Chain verified\.\s+\d+ entries, none changed or missing/);
  const entries = page.getByTestId('audit-entries');
  expect(await entries.locator('li[data-action="member.role_changed"]').textContent()).toContain('katherine@example.com changed dorothy@example.com from viewer to responder');
  expect(await entries.locator('li[data-action="token.revoked"]').textContent()).toContain('revoked the API token “deploy pipeline”');
  await shot(page, 'audit-log');
  await page.getByLabel('Show').selectOption('member.');
  await page.getByRole('button', { name: 'Filter' }).click();
  await expect.poll(() => page.url()).toContain('action=member.');
  expect(await entries.locator('li').count()).toBe(1);
  await page.setViewportSize({ width: 360, height: 800 });
  await page.goto(`${platform.webUrl}/audit`);
  expect(await page.evaluate<number>('document.documentElement.scrollWidth - document.documentElement.clientWidth'), 'no horizontal scroll at 360 px').toBeLessThanOrEqual(0);
  await shot(page, 'audit-log-360');

  // The teammate, a responder, has no audit log, but sees their own sign-ins.
  const mine = await platform.newPage(teammate);
  await mine.goto(`${platform.webUrl}/audit`);
  expect(await mine.getByText('Only owners and admins read the audit log').count()).toBe(1);
  expect(await mine.getByRole('link', { name: 'Audit log' }).count()).toBe(0);
  await mine.goto(`${platform.webUrl}/profile`);
  expect(await mine.getByTestId('activity').textContent()).toContain('signed up');
  await shot(mine, 'profile-activity');
  await mine.setViewportSize({ width: 360, height: 800 });
  await mine.reload();
  expect(await mine.evaluate<number>('document.documentElement.scrollWidth - document.documentElement.clientWidth'), 'no horizontal scroll at 360 px').toBeLessThanOrEqual(0);
  await shot(mine, 'profile-activity-360');
  await mine.goto(`${platform.webUrl}/verify-email?token=not-a-real-token`);
  await mine.getByRole('button', { name: 'Confirm my email' }).click();
  await expect.poll(() => mine.getByTestId('form-error').count(), { timeout: 15_000 }).toBe(1);
  await shot(mine, 'verify-email-refused-360');
});
