// Demo incidents for browser tests, loaded the way a customer's arrive: a PagerDuty integration connected through the
// API against the simulator, its backfill workflow importing, unification, then a recluster, so pages show real data.
import type { Page } from 'playwright-core';
import { startPagerDutySimulator, type PagerDutySimulator } from '../../connectors/simulators/pagerduty.ts';
import { connectTemporal } from '../../temporal/client.ts';
import { signUp, type SignedIn } from '../../devkit/app.ts';
import { waitFor } from '../helpers.ts';
import type { Platform } from './platform.ts';

export interface DemoDataOptions {
  /** Incidents the simulator serves (default 300: enough for charts, quick to import). */
  count?: number;
  /** Days of history, ending now (default 60). */
  days?: number;
  /** The simulator's seed: the same seed gives the same incidents (default 6). */
  seed?: number;
  /** How long the import, unification and clustering may take together (default 180 s). */
  timeoutMs?: number;
}

export interface DemoData {
  owner: SignedIn;
  accountId: string;
  integrationId: string;
  /** Unified incidents in the account (equal to the simulator's count). */
  incidents: number;
  /** Clusters after the recluster. */
  clusters: number;
  simulator: PagerDutySimulator;
  /** Closes the simulator (the platform is the caller's to stop). */
  stop(): Promise<void>;
}

/** A new owner (email confirmed) of a new account, signed up through the API; `signInPage` signs a browser in as them. */
export const signUpOwner = (platform: Platform, accountName = 'Demo team'): Promise<SignedIn> => signUp(platform.app, { accountName });

/**
 * Loads demo incidents into `owner`'s account (a new owner when absent) and waits until every one is unified and
 * clustered, and a recluster has finished (so clusters carry their analytics: incidents per day, trend, MTTA/MTTR).
 */
export async function loadDemoData(platform: Platform, owner?: SignedIn, options: DemoDataOptions = {}): Promise<DemoData> {
  const count = options.count ?? 300;
  const days = options.days ?? 60;
  const timeoutMs = options.timeoutMs ?? 180_000;
  const deadline = Date.now() + timeoutMs;
  const remaining = () => Math.max(1_000, deadline - Date.now());
  const signedIn = owner ?? (await signUpOwner(platform));
  const apiKey = `u+demo-data-${signedIn.accountId.slice(0, 8)}`;
  const simulator = await startPagerDutySimulator({ count, days, seed: options.seed ?? 6, tokens: { [apiKey]: 'user' } });
  try {
    const created = await signedIn.call({
      method: 'POST',
      url: '/api/integrations',
      payload: {
        kind: 'pagerduty',
        name: 'PagerDuty (demo)',
        credentials: { apiKey, baseUrl: simulator.url },
        // From the history's first day, so nothing generated falls outside the import.
        settings: { history: { since: new Date(simulator.dataset.start).toISOString() } },
      },
    });
    if (created.statusCode !== 201) throw new Error(`connecting the demo integration failed: ${created.statusCode} ${created.body}`);
    const integrationId = created.json().integration.id as string;

    // The API's own tables through the superuser: the incident API may not exist yet while its helper builds it.
    const { admin } = platform.db;
    await waitFor(
      `${count} demo incidents unified and clustered`,
      async () => {
        const [row] = await admin<[{ incidents: number; unclustered: number }]>`
          select count(*)::int as incidents, count(*) filter (where cluster_id is null)::int as unclustered
          from incidents where account_id = ${signedIn.accountId}`;
        return row!.incidents === count && row!.unclustered === 0 ? true : undefined;
      },
      { timeoutMs: remaining(), intervalMs: 1_000 },
    );

    await recluster(platform, signedIn, remaining());
    const clusters = await waitFor(
      'clusters listed',
      async () => {
        const res = await signedIn.call({ method: 'GET', url: '/api/clusters?limit=500' });
        const list = res.statusCode === 200 ? (res.json().clusters as { size: number }[]) : [];
        return list.length > 0 && list.reduce((n, c) => n + c.size, 0) === count ? list.length : undefined;
      },
      { timeoutMs: remaining(), intervalMs: 500 },
    );
    return { owner: signedIn, accountId: signedIn.accountId, integrationId, incidents: count, clusters, simulator, stop: () => simulator.close() };
  } catch (err) {
    await simulator.close();
    throw err;
  }
}

/**
 * POST /api/clusters/recluster and wait for it. When one is running already (the unification starts the first) it
 * may have read the incidents before the last ones arrived: wait for it, then start one more.
 */
async function recluster(platform: Platform, owner: SignedIn, timeoutMs: number): Promise<void> {
  const temporal = await connectTemporal({ address: platform.config.temporal.address!, namespace: platform.config.temporal.namespace });
  try {
    const deadline = Date.now() + timeoutMs;
    for (let attempt = 0; attempt < 5; attempt++) {
      const res = await owner.call({ method: 'POST', url: '/api/clusters/recluster' });
      if (res.statusCode !== 202) throw new Error(`POST /api/clusters/recluster answered ${res.statusCode} ${res.body}`);
      const { workflowId, started } = res.json() as { workflowId: string; started: boolean };
      await Promise.race([
        temporal.client.workflow.getHandle(workflowId).result(),
        new Promise((_, reject) => setTimeout(() => reject(new Error(`the recluster ${workflowId} did not finish in time`)), Math.max(1_000, deadline - Date.now())).unref()),
      ]);
      if (started) return;
    }
    throw new Error('a recluster was running every time one was asked for');
  } finally {
    await temporal.close();
  }
}

/** Signs the page's browser context in as `owner` through the sign-in form (the session cookie stays in the context). */
export async function signInPage(page: Page, platform: Platform, owner: SignedIn): Promise<void> {
  await page.goto(`${platform.webUrl}/signin`);
  await page.getByLabel('Email').fill(owner.email);
  await page.getByLabel('Password').fill(owner.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL((url) => !url.pathname.startsWith('/signin'), { timeout: 30_000 });
}
