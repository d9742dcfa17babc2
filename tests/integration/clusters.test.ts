// Clusters end to end: incidents imported through the PagerDuty simulator and unified, the first recluster waiting for
// the import to finish (the pages say "computing" meanwhile), clusters and their analytics read through the API and
// counted as `incidents` counts them, ids stable across reclusters, feedback surviving them, new incidents placed
// online and counted at once, "computing" while a recluster runs, and a finished import (a CSV upload, a re-import)
// starting a recluster.
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hasPlaceholderToken } from '../../analysis/index.ts';
import { ClusterList, ClusteringStateResponse } from '../../api/schemas/clusters.ts';
import { TopClusters } from '../../api/schemas/dashboard.ts';
import { startPagerDutySimulator, type PagerDutySimulator } from '../../connectors/simulators/pagerduty.ts';
import type { TemporalClient } from '../../temporal/client.ts';
import { backfillWorkflowId, reclusterNowWorkflowId } from '../../workflows/index.ts';
import { conforming, expectClusterMatchesIncidents, getJson } from '../cluster-checks.ts';
import { signUp, type SignedIn } from '../../devkit/app.ts';
import { useApi, waitFor, type TestDatabase } from '../helpers.ts';

const TOKEN = 'u+clusters-test-key-01';

const api = useApi({}, { listen: true, worker: true });
let db: TestDatabase;
let temporal: TemporalClient;
let app: FastifyInstance;
let owner: SignedIn;
let pd: PagerDutySimulator;
let integrationId: string;

type Cluster = { id: string; name: string | null; label: string; template: string; size: number; trend: { direction: string } };

beforeAll(async () => {
  ({ db, temporal, app } = api);
  owner = await signUp(app);
  pd = await startPagerDutySimulator({ count: 600, seed: 9, days: 30, tokens: { [TOKEN]: 'user' } });
  // Slower answers (a log request per incident): the import takes seconds, long enough to watch the pages while it runs.
  pd.setLatency(50);
  const created = await owner.call({ method: 'POST', url: '/api/integrations', payload: { kind: 'pagerduty', name: 'PD', credentials: { apiKey: TOKEN, baseUrl: pd.url }, settings: { history: { days: 31 } } } });
  expect(created.statusCode, created.body).toBe(201);
  integrationId = created.json().integration.id;
});

afterAll(async () => {
  await pd?.close();
});

const clusters = async (): Promise<Cluster[]> => conforming(ClusterList, await getJson(owner, '/api/clusters?limit=500')).clusters;
const state = async () => conforming(ClusteringStateResponse, await getJson(owner, '/api/clusters/state')).state;
const recluster = async () => {
  const res = await owner.call({ method: 'POST', url: '/api/clusters/recluster' });
  expect(res.statusCode, res.body).toBe(202);
  await temporal.client.workflow.getHandle(res.json().workflowId).result();
};
const reclusteredAt = async () => (await db.admin<{ at: Date }[]>`select reclustered_at as at from cluster_models where account_id = ${owner.accountId}`)[0]?.at;

/** Every run of the account's on-demand recluster so far, oldest first, with the reason it was started for. */
async function reclusterRuns(): Promise<{ startedAt: Date; reason: string | undefined }[]> {
  const runs: { startedAt: Date; reason: string | undefined }[] = [];
  for await (const w of temporal.client.workflow.list({ query: `WorkflowId = "${reclusterNowWorkflowId(owner.accountId)}"` })) {
    const history = await temporal.client.workflow.getHandle(w.workflowId, w.runId).fetchHistory();
    const payload = history.events?.[0]?.workflowExecutionStartedEventAttributes?.input?.payloads?.[0]?.data;
    const input = payload ? (JSON.parse(Buffer.from(payload).toString('utf8')) as { reason?: string }) : {};
    runs.push({ startedAt: w.startTime, reason: input.reason });
  }
  return runs.sort((a, b) => a.startedAt.getTime() - b.startedAt.getTime());
}

describe('clusters', () => {
  it('waits for the first import to finish before the first recluster, saying "computing" meanwhile', async () => {
    const seen = new Set<string>();
    let clusteredWhileImporting = false;
    const job = await waitFor('the import to finish', async () => {
      // The pages first, then the job: when the job is still running afterwards, it was running while they answered.
      const now = await state();
      const widget = conforming(TopClusters, await getJson(owner, '/api/dashboard/top-clusters'));
      const modelled = (await reclusteredAt()) !== undefined;
      const [row] = await db.admin<[{ status: string; completedAt: Date | null }?]>`
        select status, completed_at as "completedAt" from jobs where account_id = ${owner.accountId} and kind = 'backfill' order by created_at desc limit 1`;
      if (row && (row.status === 'queued' || row.status === 'running')) {
        seen.add(`${now.status}/${'reason' in now ? now.reason : ''}`);
        seen.add(`widget: ${widget.state.status}/${'reason' in widget.state ? widget.state.reason : ''}`);
        if (modelled) clusteredWhileImporting = true;
        return undefined;
      }
      return row?.status === 'completed' ? row : undefined;
    }, { timeoutMs: 120_000, intervalMs: 250 });
    // Incidents arrived page by page meanwhile (the unification ran), but nothing was clustered.
    expect([...seen].sort()).toEqual(['computing/first-import', 'widget: computing/first-import']);
    expect(clusteredWhileImporting).toBe(false);
    const [{ unified }] = await db.admin<[{ unified: number }]>`select count(*)::int as unified from incidents where account_id = ${owner.accountId}`;
    expect(unified).toBeGreaterThan(0);

    const list = await waitFor('every incident clustered', async () => {
      const [{ unclustered, incidents }] = await db.admin<[{ unclustered: number; incidents: number }]>`
        select count(*) filter (where cluster_id is null)::int as unclustered, count(*)::int as incidents from incidents where account_id = ${owner.accountId}`;
      const found = await clusters();
      return incidents === 600 && unclustered === 0 && found.reduce((n, c) => n + c.size, 0) === 600 ? found : undefined;
    }, { timeoutMs: 120_000, intervalMs: 500 });
    // The simulator draws from a couple of dozen alert templates: the engine finds patterns, not 600 singletons.
    expect(list.length).toBeGreaterThan(5);
    expect(list.length).toBeLessThan(80);
    await waitFor('the clustering ready', async () => ((await state()).status === 'ready' ? true : undefined), { timeoutMs: 60_000, intervalMs: 250 });
    // One recluster, started by the import's end, after it.
    const runs = await reclusterRuns();
    expect(runs.map((r) => r.reason)).toEqual(['import']);
    expect(runs[0]!.startedAt.getTime()).toBeGreaterThanOrEqual(job.completedAt!.getTime());
    expect(await state()).toEqual({ status: 'ready', reclusteredAt: (await reclusteredAt())!.toISOString(), failed: null });
    pd.setLatency(0);
  });

  it('shows each pattern with analytics counted from its incidents', async () => {
    const [largest] = await clusters();
    expect(largest!.label).toMatch(/\S/);
    expect(largest!.size).toBeGreaterThan(10);
    const detail = await expectClusterMatchesIncidents(owner, db.admin, largest!.id);
    expect(detail.cluster.analytics.incidentsPerDay.length).toBeGreaterThan(20);
    expect(['rising', 'falling', 'steady']).toContain(detail.cluster.trend.direction);
    expect(detail.incidents).toHaveLength(20);
  });

  it('names every pattern in words, never by a placeholder token, with its slots’ commonest values', async () => {
    const list = conforming(ClusterList, await getJson(owner, '/api/clusters?limit=500')).clusters as Array<Cluster & { labelSlots: { name: string; values: { value: string }[]; distinct: number }[] }>;
    expect(list.length).toBeGreaterThan(3);
    for (const c of list) {
      expect(hasPlaceholderToken(c.label), c.label).toBe(false);
      expect(hasPlaceholderToken(c.template), c.template).toBe(false);
    }
    // A pattern over many hosts lists the commonest of them beside its name.
    const slotted = list.find((c) => c.labelSlots.some((s) => s.values.length > 0 && s.distinct > 1));
    expect(slotted, JSON.stringify(list.map((c) => c.label))).toBeDefined();
    expect(slotted!.label).toMatch(/\{[a-z ]+\}/);
    const detail = await getJson(owner, `/api/clusters/${encodeURIComponent(slotted!.id)}`);
    for (const t of detail.cluster.templates as string[]) expect(hasPlaceholderToken(t), t).toBe(false);
  });

  it('keeps cluster ids across reclusters, and a rename survives them', async () => {
    const before = await clusters();
    await recluster();
    const after = await clusters();
    expect(after.map((c) => c.id).sort()).toEqual(before.map((c) => c.id).sort());

    const target = after[1]!;
    const renamed = await owner.call({ method: 'POST', url: `/api/clusters/${encodeURIComponent(target.id)}/feedback`, payload: { kind: 'rename', name: 'The usual suspect' } });
    expect(renamed.statusCode, renamed.body).toBe(202);
    await temporal.client.workflow.getHandle(reclusterNowWorkflowId(owner.accountId)).result();
    await recluster();
    const named = (await clusters()).find((c) => c.id === target.id);
    expect(named?.name).toBe('The usual suspect');
    const [{ action }] = await db.admin<[{ action: string }]>`select action from audit_log where account_id = ${owner.accountId} order by seq desc limit 1`;
    expect(action).toBe('cluster.feedback');
  });

  it('places new incidents into their cluster as they are unified, and counts them there at once', async () => {
    const created = await owner.call({
      method: 'POST',
      url: '/api/integrations',
      payload: { kind: 'webhook', name: 'Hook', settings: { mapping: { fields: { externalId: 'id', title: 'title', createdAt: 'at', service: 'service', team: 'team', acknowledgedAt: 'acked', resolvedAt: 'resolved' } } } },
    });
    expect(created.statusCode, created.body).toBe(201);
    const { integration, webhookSecret } = created.json();
    // A title the simulator uses with other variable values.
    const sample = (await db.admin<[{ title: string; cluster: string; service: string }]>`
      select title, cluster_id as cluster, service from incidents where account_id = ${owner.accountId} and title like 'Disk pressure on %' limit 1`)[0];
    expect(sample).toBeDefined();
    const before = await reclusteredAt();
    const at = Date.now() - 3_600_000;
    const send = (body: object) =>
      fetch(api.local(integration.webhook.url), { method: 'POST', headers: { 'content-type': 'application/json', 'x-webhook-token': webhookSecret }, body: JSON.stringify(body) });
    for (const [i, service] of ['batch-workers', 'a-brand-new-service', 'batch-workers'].entries()) {
      const res = await send({ id: `new-${i}`, title: `Disk pressure on batch-node-${90 + i}`, at: new Date(at + i * 60_000).toISOString(), service, team: 'night-shift', acked: new Date(at + i * 60_000 + 42_000).toISOString(), resolved: new Date(at + i * 60_000 + 4_200_000).toISOString() });
      expect(res.status).toBe(202);
    }
    const placed = await waitFor('the new incidents clustered', async () => {
      const rows = await db.admin<{ cluster: string | null }[]>`select cluster_id as cluster from incidents where account_id = ${owner.accountId} and external_id like 'new-%'`;
      return rows.length === 3 && rows.every((r) => r.cluster) ? rows.map((r) => r.cluster) : undefined;
    }, { timeoutMs: 30_000, intervalMs: 300 });
    expect(new Set(placed)).toEqual(new Set([sample!.cluster]));
    // No recluster since: the online placements alone show in the pattern's counts, services, teams and times.
    expect(await reclusteredAt()).toEqual(before);
    const detail = await expectClusterMatchesIncidents(owner, db.admin, sample!.cluster);
    expect(detail.cluster.analytics.topServices).toContainEqual({ service: 'a-brand-new-service', count: 1 });
    expect(detail.cluster.analytics.topTeams).toContainEqual(expect.objectContaining({ team: 'night-shift', count: 3 }));
  });

  it('says "computing" everywhere while a recluster runs, and "ready" when it has written its result', async () => {
    const before = await reclusteredAt();
    const [first] = await clusters();
    // The recluster's write waits on its lock, held here: it is surely computing while the pages are read.
    let release!: () => void;
    const released = new Promise<void>((r) => (release = r));
    let locked!: () => void;
    const isLocked = new Promise<void>((r) => (locked = r));
    const holder = db.admin.begin(async (tx) => {
      await tx`select pg_advisory_xact_lock(hashtextextended(${`recluster:${owner.accountId}`}, 0))`;
      locked();
      await released;
    });
    try {
      await isLocked;
      const res = await owner.call({ method: 'POST', url: '/api/clusters/recluster' });
      expect(res.statusCode, res.body).toBe(202);
      // Computing from the moment it was asked for, not only once a worker has it.
      expect(res.json().state).toMatchObject({ status: 'computing', reason: 'recluster', reclusteredAt: before!.toISOString() });
      await waitFor('the recluster writing', async () => {
        const [row] = await db.admin<{ n: number }[]>`select count(*)::int as n from pg_stat_activity where application_name = 'incident-insights-recluster' and wait_event_type = 'Lock'`;
        return row!.n > 0 ? true : undefined;
      }, { timeoutMs: 60_000, intervalMs: 100 });
      const computing = { status: 'computing', reason: 'recluster', reclusteredAt: before!.toISOString() };
      expect(await state()).toMatchObject(computing);
      expect((await getJson(owner, '/api/clusters')).state).toMatchObject(computing);
      expect((await getJson(owner, `/api/clusters/${encodeURIComponent(first!.id)}`)).state).toMatchObject(computing);
      expect((await getJson(owner, '/api/dashboard/top-clusters')).state).toMatchObject(computing);
    } finally {
      release();
      await holder;
    }
    await temporal.client.workflow.getHandle(reclusterNowWorkflowId(owner.accountId)).result();
    const after = await state();
    expect(after).toEqual({ status: 'ready', reclusteredAt: (await reclusteredAt())!.toISOString(), failed: null });
    expect(Date.parse(after.reclusteredAt!)).toBeGreaterThan(before!.getTime());
  });

  it('reclusters after a CSV upload and after a re-import, once their incidents are unified', async () => {
    const created = await owner.call({ method: 'POST', url: '/api/integrations', payload: { kind: 'csv', name: 'Spreadsheet', settings: { mapping: { fields: { externalId: 'Ticket', title: 'Summary', createdAt: 'Opened' } } } } });
    expect(created.statusCode, created.body).toBe(201);
    const runsBefore = (await reclusterRuns()).length;
    const csv = 'Ticket,Summary,Opened\r\nS-1,Certificate of shop.example.com expires soon,2026-11-20T09:00:00Z\r\nS-2,Certificate of api.example.com expires soon,2026-11-21T09:00:00Z\r\n';
    const uploaded = await owner.call({ method: 'POST', url: `/api/integrations/${created.json().integration.id}/import`, headers: { 'content-type': 'text/csv' }, payload: csv });
    expect(uploaded.statusCode, uploaded.body).toBe(202);
    const afterUpload = await waitFor('a recluster after the upload', async () => {
      const runs = await reclusterRuns();
      return runs.length > runsBefore ? runs : undefined;
    }, { timeoutMs: 60_000, intervalMs: 300 });
    expect(afterUpload.at(-1)!.reason).toBe('import');
    await temporal.client.workflow.getHandle(reclusterNowWorkflowId(owner.accountId)).result();
    // Its incidents were unified before it read them: it clustered them itself.
    const [{ unclustered }] = await db.admin<[{ unclustered: number }]>`select count(*) filter (where cluster_id is null)::int as unclustered from incidents where account_id = ${owner.accountId} and external_id like 'S-%'`;
    expect(unclustered).toBe(0);

    // Importing the PagerDuty history again (nothing new in it) ends with a recluster too.
    const again = await owner.call({ method: 'POST', url: `/api/integrations/${integrationId}/backfill`, payload: {} });
    expect(again.statusCode, again.body).toBe(202);
    await temporal.client.workflow.getHandle(backfillWorkflowId(owner.accountId, integrationId)).result();
    const afterReimport = await waitFor('a recluster after the re-import', async () => {
      const runs = await reclusterRuns();
      return runs.length > afterUpload.length ? runs : undefined;
    }, { timeoutMs: 60_000, intervalMs: 300 });
    expect(afterReimport.at(-1)!.reason).toBe('import');
    await temporal.client.workflow.getHandle(reclusterNowWorkflowId(owner.accountId)).result();
  });

  it('refuses feedback on a cluster of another account, or none, with 404, storing nothing', async () => {
    const other = await signUp(app);
    const [first] = await clusters();
    const res = await other.call({ method: 'POST', url: `/api/clusters/${encodeURIComponent(first!.id)}/feedback`, payload: { kind: 'rename', name: 'Mine now' } });
    expect(res.statusCode).toBe(404);
    const [{ n }] = await db.admin<[{ n: number }]>`select count(*)::int as n from cluster_feedback where account_id = ${other.accountId}`;
    expect(n).toBe(0);
  });
});
