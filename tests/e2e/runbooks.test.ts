// Runbooks in Chromium, on demo incidents and a model that is devkit/servers/openai.ts (the worker asks it through the
// real openai SDK): open a cluster → generate → the draft with its sources and risk labels → refine with an
// instruction → save → the runbook is in the library and found by search. Then the AI & privacy settings: what was
// sent, and a redaction pattern the API refuses shown at its field. Screenshots at 1440×900 and 390×844, the draft page
// in both themes.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startOpenAIServer, type ChatRequest, type TestOpenAIServer } from '../../devkit/servers/openai.ts';
import { loadDemoData, signInPage, type DemoData } from './demo-data.ts';
import { SHOTS, startPlatform, type Platform } from './platform.ts';

const AXE_SOURCE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
let model: TestOpenAIServer;
let platform: Platform;
let demo: DemoData;
let context: BrowserContext;
let page: Page;
let cluster: { id: string; label: string; service: string };
let incidentId: string;
const SEEDED_TITLE = 'Checkout pods crash-looping after a deploy';

const textOf = (content: ChatRequest['messages'][number]['content']) =>
  typeof content === 'string' ? content : (content ?? []).map((part) => part.text ?? '').join('');

/** The model: three steps (one per risk) for a first draft; read-only steps for "only read-only" refinements. */
function answer(request: ChatRequest) {
  const lastUser = textOf([...request.messages].reverse().find((m) => m.role === 'user')?.content ?? '');
  if (/only read-only/i.test(lastUser)) {
    return {
      title: 'EKS triage: checkout errors (read-only)',
      summary: 'Look before touching anything: pod state, recent events and the error rate, all read-only on EKS.',
      steps: [
        { title: 'Check the node group', command: 'aws eks describe-nodegroup --cluster-name prod --nodegroup-name checkout', targetType: 'aws', explanation: 'Shows whether nodes are healthy and scaling.', risk: 'read-only' },
        { title: 'See the pods', command: 'kubectl get pods -n shop -l app=checkout -o wide', targetType: 'kubectl', explanation: 'Restarts and pending pods show here.', risk: 'read-only' },
        { title: 'Read recent events', command: 'kubectl get events -n shop --sort-by=.lastTimestamp | tail -n 30', targetType: 'kubectl', explanation: 'OOM kills and failed probes appear as events.', risk: 'read-only' },
      ],
    };
  }
  return {
    title: 'Triage checkout errors',
    summary: 'The pattern matches crash-looping checkout pods after a deploy; check them, then restart or roll back.',
    steps: [
      { title: 'See the pods', command: 'kubectl get pods -n shop -l app=checkout', targetType: 'kubectl', explanation: 'Restarts and pending pods show here.', risk: 'read-only' },
      { title: 'Restart the deployment', command: 'kubectl rollout restart deploy/checkout -n shop', targetType: 'kubectl', explanation: 'Replaces pods stuck in a bad state.', risk: 'mutating' },
      // The model calls it mutating; the rules raise it to destructive.
      { title: 'Drop the stuck job queue', command: 'kubectl delete namespace checkout-jobs', targetType: 'kubectl', explanation: 'Only when the queue is wedged: it loses queued jobs.', risk: 'mutating' },
    ],
  };
}

beforeAll(async () => {
  model = await startOpenAIServer({ chat: answer });
  platform = await startPlatform({ env: { OPENAI_BASE_URL: model.url, OPENAI_API_KEY: model.apiKey, OPENAI_MODEL: 'gpt-test' } });
  demo = await loadDemoData(platform, undefined, { count: 120, days: 30, seed: 7 });
  const list = await demo.owner.call({ method: 'GET', url: '/api/clusters?limit=500' });
  const biggest = (list.json().clusters as { id: string; label: string; size: number }[]).sort((a, b) => b.size - a.size)[0]!;
  const detail = await demo.owner.call({ method: 'GET', url: `/api/clusters/${encodeURIComponent(biggest.id)}` });
  const members = detail.json().incidents as { id: string; service: string | null }[];
  incidentId = members[0]!.id;
  cluster = { id: biggest.id, label: biggest.label, service: members.find((m) => m.service)?.service ?? 'checkout' };
  // A runbook of the team's own, on the cluster's service and words, for the draft to draw on.
  const seeded = await demo.owner.call({
    method: 'POST',
    url: '/api/runbooks',
    payload: {
      title: SEEDED_TITLE,
      description: `When ${cluster.label} fires.`,
      tags: ['checkout'],
      services: [cluster.service],
      clusterIds: [cluster.id],
      steps: [
        { title: 'See the pods', command: 'kubectl get pods -n shop', targetType: 'kubectl', explanation: cluster.label, risk: 'read-only' },
        { title: 'Roll back', command: 'kubectl rollout undo deploy/checkout -n shop', targetType: 'kubectl', explanation: 'When the last deploy is to blame.', risk: 'mutating' },
      ],
    },
  });
  expect(seeded.statusCode, seeded.body).toBe(201);
  context = await platform.browser.newContext({ reducedMotion: 'reduce', viewport: { width: 1440, height: 900 } });
  page = await context.newPage();
  await signInPage(page, platform, demo.owner);
}, 300_000);

afterAll(async () => {
  await context?.close();
  await demo?.stop();
  await platform?.stop();
  await model?.close();
});

/** A full-page screenshot from the top (a focused field lower down would leave the sticky header mid-page). */
const shot = async (name: string, target: Page = page) => {
  await target.evaluate('window.scrollTo(0, 0)');
  await target.screenshot({ path: join(SHOTS, `runbooks-${name}.png`), fullPage: true });
};
const goto = async (path: string, target: Page = page) => {
  await target.goto(`${platform.webUrl}${path}`);
  await target.waitForLoadState('networkidle');
};
const draftStatus = () => page.getByTestId('draft-status').textContent();

/** axe-core's serious and critical violations on the page (WCAG A/AA and best practices), one line each. */
async function axeViolations(target: Page): Promise<string[]> {
  await target.addScriptTag({ content: AXE_SOURCE });
  const result = await target.evaluate<{ violations: { id: string; impact: string | null; nodes: { target: string[] }[] }[] }>(
    `axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa', 'best-practice'] } })`,
  );
  return result.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => `${v.impact} ${v.id}: ${v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(', ')}`);
}

/** The same page at phone size and in the other theme (a context of its own with the session's cookies): checked with
 * axe, screenshotted; returns how far the page overflows sideways (0: it fits). */
async function screenshotElsewhere(path: string, name: string, options: { width: number; height: number; theme: 'light' | 'dark' }) {
  const other = await platform.browser.newContext({ reducedMotion: 'reduce', viewport: { width: options.width, height: options.height }, colorScheme: options.theme });
  const host = new URL(platform.webUrl).hostname;
  await other.addCookies([...(await context.cookies()), { name: 'ii_theme', value: options.theme, domain: host, path: '/' }]);
  const p = await other.newPage();
  await goto(path, p);
  const overflow = await p.evaluate<number>('document.documentElement.scrollWidth - document.documentElement.clientWidth');
  await shot(name, p);
  expect(await axeViolations(p), `${path} at ${options.width}px, ${options.theme}`).toEqual([]);
  await other.close();
  return overflow;
}

describe('a runbook from a cluster', () => {
  let draftPath = '';
  let runbookPath = '';
  const title = 'EKS triage: checkout errors (read-only)';

  it('generates a draft from the cluster page and shows its sources and risk labels', async () => {
    await goto(`/clusters/${encodeURIComponent(cluster.id)}`);
    expect(await page.getByTestId('cluster-runbooks').textContent()).toContain(SEEDED_TITLE);
    await page.getByTestId('generate-runbook').click();
    await page.waitForURL(/\/runbooks\/drafts\/[0-9a-f-]+$/, { timeout: 15_000 });
    draftPath = new URL(page.url()).pathname;
    await expect.poll(draftStatus, { timeout: 60_000 }).toBe('completed');
    expect(await page.getByTestId('draft-title').textContent()).toBe('Triage checkout errors');
    // The header names the pattern it is for (its name, not its id), linked to it.
    const subject = page.getByTestId('draft-subject');
    expect(await subject.getAttribute('href')).toBe(`/clusters/${encodeURIComponent(cluster.id)}`);
    expect((await subject.textContent())!.trim()).not.toContain(cluster.id);
    expect((await subject.textContent())!.trim()).not.toMatch(/<[A-Z*]+>/);
    const risks = await page.getByTestId('steps').locator('li.step').evaluateAll((lis) => lis.map((li) => li.getAttribute('data-risk')));
    // The third step was called mutating by the model; the command rules made it destructive.
    expect(risks).toEqual(['read-only', 'mutating', 'destructive']);
    const labels = await page.getByTestId('steps').locator('[data-risk] .risk').allTextContents();
    expect(labels.map((l) => l.replace(/\W+/g, ' ').trim().toLowerCase())).toEqual(['read only', 'mutating', 'destructive']);
    const sources = page.getByTestId('draft-sources');
    expect(await sources.getByRole('link', { name: SEEDED_TITLE }).count()).toBe(1);
    expect(await sources.locator('a[href^="/incidents/"]').count()).toBeGreaterThan(0);
    expect(await page.getByTestId('retrieval-banner').count()).toBe(0);
    // What the model was asked holds the team's runbook.
    expect(model.chatRequests().map((r) => r.messages.map((m) => textOf(m.content)).join('\n')).join('\n')).toContain(SEEDED_TITLE);
    await shot('draft-1440-light');
    expect(await screenshotElsewhere(draftPath, 'draft-1440-dark', { width: 1440, height: 900, theme: 'dark' })).toBe(0);
    expect(await screenshotElsewhere(draftPath, 'draft-390-light', { width: 390, height: 844, theme: 'light' })).toBe(0);
    expect(await screenshotElsewhere(draftPath, 'draft-390-dark', { width: 390, height: 844, theme: 'dark' })).toBe(0);
  });

  it('rates a step with a reason', async () => {
    const rate = page.getByTestId('rate-step-1');
    await rate.getByRole('textbox').fill('Restarting first hides the cause');
    await rate.getByRole('button', { name: /Not helpful/ }).click();
    await expect.poll(() => rate.getByRole('button', { name: /Not helpful/ }).textContent(), { timeout: 10_000 }).toMatch(/so far\s*1$/);
  });

  it('refines the draft with an instruction into a new version of the same conversation', async () => {
    await page.getByLabel('What should change?').fill('Only read-only steps; this runs on EKS');
    await page.getByRole('button', { name: 'Refine' }).click();
    await page.waitForURL((url) => url.pathname.startsWith('/runbooks/drafts/') && url.pathname !== draftPath, { timeout: 15_000 });
    await expect.poll(draftStatus, { timeout: 60_000 }).toBe('completed');
    expect(await page.getByTestId('draft-title').textContent()).toBe(title);
    const risks = await page.getByTestId('steps').locator('li.step').evaluateAll((lis) => lis.map((li) => li.getAttribute('data-risk')));
    expect(risks).toEqual(['read-only', 'read-only', 'read-only']);
    const versions = page.getByTestId('draft-versions');
    expect(await versions.locator('li').count()).toBe(2);
    expect(await versions.getByRole('link', { name: 'Version 1' }).getAttribute('href')).toBe(draftPath);
    await shot('draft-refined-1440-light');
    expect(await screenshotElsewhere(new URL(page.url()).pathname, 'draft-refined-390-dark', { width: 390, height: 844, theme: 'dark' })).toBe(0);
  });

  it('saves the draft as a runbook and goes to it', async () => {
    await page.getByRole('button', { name: 'Save as runbook' }).click();
    await page.waitForURL(/\/runbooks\/[0-9a-f-]{36}\?saved=1/, { timeout: 15_000 });
    runbookPath = new URL(page.url()).pathname;
    expect(await page.getByTestId('runbook-title').textContent()).toBe(title);
    expect(await page.getByTestId('runbook-saved').textContent()).toContain('version 1');
    expect(await page.getByTestId('steps').locator('li.step').count()).toBe(3);
    // Saved from a cluster's draft, it links that pattern, shown by its name and linked to it.
    const chip = page.getByTestId('runbook-pattern');
    expect(await chip.getAttribute('href')).toBe(`/clusters/${encodeURIComponent(cluster.id)}`);
    expect((await chip.textContent())!).not.toContain(cluster.id);
    await shot('runbook-1440-light');
    expect(await screenshotElsewhere(runbookPath, 'runbook-390-dark', { width: 390, height: 844, theme: 'dark' })).toBe(0);
  });

  it('lists the saved runbook in the library', async () => {
    await goto('/runbooks');
    const list = page.getByTestId('runbooks');
    expect(await list.getByRole('link', { name: title }).getAttribute('href')).toBe(runbookPath);
    expect(await list.getByRole('link', { name: SEEDED_TITLE }).count()).toBe(1);
    await shot('library-1440-light');
    expect(await screenshotElsewhere('/runbooks', 'library-390-light', { width: 390, height: 844, theme: 'light' })).toBe(0);
  });

  it('finds the saved runbook from the search box', async () => {
    await goto('/search');
    await page.getByLabel('An alert, a symptom or a command').fill('EKS triage checkout read-only');
    await page.getByRole('button', { name: 'Search' }).click();
    await page.waitForURL(/\/search\?q=/);
    const hits = page.getByTestId('search-runbooks');
    await hits.waitFor();
    expect(await hits.getByRole('link', { name: title }).getAttribute('href')).toBe(runbookPath);
    await shot('search-1440-light');
    expect(await screenshotElsewhere(new URL(page.url()).pathname + new URL(page.url()).search, 'search-390-dark', { width: 390, height: 844, theme: 'dark' })).toBe(0);
  });
});

describe('a runbook, edited', () => {
  it('saves an edit as version 2 and shows what changed since version 1', async () => {
    await goto('/runbooks');
    await page.getByTestId('runbooks').getByRole('link', { name: SEEDED_TITLE }).click();
    await page.waitForURL(/\/runbooks\/[0-9a-f-]{36}$/);
    await page.getByRole('link', { name: 'Edit', exact: true }).click();
    await page.waitForURL(/\/edit$/);
    const editor = page.getByTestId('steps-editor');
    await editor.getByLabel('Command').nth(1).fill('kubectl rollout undo deploy/checkout -n shop --to-revision=2');
    await page.getByRole('button', { name: 'Add a step' }).click();
    await editor.getByLabel('Title').nth(2).fill('Watch the rollout');
    await editor.getByLabel('Command').nth(2).fill('kubectl rollout status deploy/checkout -n shop');
    await page.getByLabel('What changed (for the version list)').fill('Pin the revision; watch it');
    await shot('runbook-edit-1440-light');
    await page.getByRole('button', { name: 'Save as v2' }).click();
    await page.waitForURL(/\?saved=1/);
    expect(await page.getByTestId('runbook-saved').textContent()).toContain('version 2');
    await page.getByRole('link', { name: 'Changes since v1' }).click();
    const diff = page.getByTestId('runbook-diff');
    await diff.waitFor();
    expect(await diff.textContent()).toContain('Added step 3: Watch the rollout');
    expect(await diff.textContent()).toContain('--to-revision=2');
    await shot('runbook-diff-1440-light');
  });
});

describe('a draft for an incident', () => {
  it('shows the stage while the model is asked, and cancels', async () => {
    model.setLatency(30_000);
    try {
      await goto(`/incidents/${incidentId}`);
      await page.getByTestId('generate-runbook').click();
      await page.waitForURL(/\/runbooks\/drafts\//, { timeout: 15_000 });
      await expect.poll(() => page.locator('[data-testid="draft-stages"] [aria-current="step"]').textContent(), { timeout: 30_000 }).toContain('generating');
      await shot('draft-generating-1440-light');
      await page.getByRole('button', { name: 'Cancel' }).click();
      await expect.poll(draftStatus, { timeout: 30_000 }).toBe('cancelled');
    } finally {
      model.setLatency(0);
    }
  });

  it('says so when the draft comes from retrieval only', async () => {
    const off = await demo.owner.call({ method: 'PUT', url: '/api/settings/llm', payload: { enabled: false, sendDescriptions: true, sendNotes: true, redactionPatterns: [] } });
    expect(off.statusCode, off.body).toBe(200);
    const asked = model.chatRequests().length;
    await goto(`/incidents/${incidentId}`);
    await page.getByTestId('generate-runbook').click();
    await page.waitForURL(/\/runbooks\/drafts\//, { timeout: 15_000 });
    await expect.poll(draftStatus, { timeout: 60_000 }).toBe('completed');
    const banner = page.getByTestId('retrieval-banner');
    expect(await banner.textContent()).toContain('no model was asked');
    expect(model.chatRequests().length).toBe(asked);
    await shot('draft-retrieval-1440-light');
    const on = await demo.owner.call({ method: 'PUT', url: '/api/settings/llm', payload: { enabled: true, sendDescriptions: true, sendNotes: true, redactionPatterns: [] } });
    expect(on.statusCode, on.body).toBe(200);
  });
});

describe('AI & privacy settings', () => {
  it('lists what was sent to the model, already redacted', async () => {
    await goto('/settings/llm');
    const sent = page.getByTestId('llm-requests');
    expect(await sent.locator('li').count()).toBe(model.chatRequests().length);
    expect(await page.getByTestId('llm-model').textContent()).toContain('A model is configured');
  });

  it('shows the API’s refusal of a redaction pattern at that pattern’s field', async () => {
    await page.getByRole('button', { name: 'Add a pattern' }).click();
    await page.getByLabel('Pattern 1', { exact: true }).fill('CUST-\\d+');
    await page.getByRole('button', { name: 'Add a pattern' }).click();
    await page.getByLabel('Pattern 2', { exact: true }).fill('(a+)+$');
    await page.getByRole('button', { name: 'Save' }).click();
    const field = page.getByLabel('Pattern 2', { exact: true });
    await expect.poll(() => field.getAttribute('aria-invalid'), { timeout: 10_000 }).toBe('true');
    expect(await page.locator('#pattern-1-error').textContent()).toBeTruthy();
    expect(await page.getByLabel('Pattern 1', { exact: true }).getAttribute('aria-invalid')).toBeNull();
    await shot('settings-llm-1440-light');
    // Without the bad one, it saves.
    await page.getByRole('button', { name: 'Remove pattern 2' }).click();
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByText('Saved.').waitFor({ timeout: 10_000 });
    const settings = await demo.owner.call({ method: 'GET', url: '/api/settings/llm' });
    expect(settings.json().redactionPatterns).toEqual(['CUST-\\d+']);
    expect(await screenshotElsewhere('/settings/llm', 'settings-llm-390-dark', { width: 390, height: 844, theme: 'dark' })).toBe(0);
  });
});
