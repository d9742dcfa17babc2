// Clusters end to end: incidents imported through the PagerDuty simulator and unified, the first recluster started by
// the unification itself, clusters and their analytics read through the API, ids stable across reclusters, feedback
// surviving them, and a new incident placed online into its cluster.
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPagerDutySimulator, type PagerDutySimulator } from '../../connectors/simulators/pagerduty.ts';
import type { TemporalClient } from '../../temporal/client.ts';
import { reclusterNowWorkflowId } from '../../workflows/index.ts';
import { signUp, useApi, waitFor, type SignedIn, type TestDatabase } from '../helpers.ts';

const TOKEN = 'u+clusters-test-key-01';

const api = useApi({}, { listen: true, worker: true });
let db: TestDatabase;
let temporal: TemporalClient;
let app: FastifyInstance;
let owner: SignedIn;
let pd: PagerDutySimulator;

type Cluster = { id: string; name: string | null; label: string; template: string; size: number; trend: { direction: string } | null };

beforeAll(async () => {
  ({ db, temporal, app } = api);
  owner = await signUp(app);
  pd = await startPagerDutySimulator({ count: 600, seed: 9, days: 30, tokens: { [TOKEN]: 'user' } });
  const created = await owner.call({ method: 'POST', url: '/api/integrations', payload: { kind: 'pagerduty', name: 'PD', credentials: { apiKey: TOKEN, baseUrl: pd.url }, settings: { history: { days: 31 } } } });
  expect(created.statusCode, created.body).toBe(201);
});

afterAll(async () => {
  await pd?.close();
});

const clusters = async (): Promise<Cluster[]> => (await owner.call({ method: 'GET', url: '/api/clusters?limit=500' })).json().clusters;
const recluster = async () => {
  const res = await owner.call({ method: 'POST', url: '/api/clusters/recluster' });
  expect(res.statusCode, res.body).toBe(202);
  await temporal.client.workflow.getHandle(res.json().workflowId).result();
};

describe('clusters', () => {
  it('clusters the imported incidents without being asked, and shows each pattern with its analytics', async () => {
    // The first recluster starts by itself once incidents exist; later ones join clusters online, counted at once.
    const found = await waitFor('every incident clustered', async () => {
      const [{ unclustered, incidents }] = await db.admin<[{ unclustered: number; incidents: number }]>`
        select count(*) filter (where cluster_id is null)::int as unclustered, count(*)::int as incidents from incidents`;
      const list = await clusters();
      return incidents === 600 && unclustered === 0 && list.reduce((n, c) => n + c.size, 0) === 600 ? list : undefined;
    }, { timeoutMs: 120_000, intervalMs: 1000 });
    // The simulator draws from a couple of dozen alert templates: the engine finds patterns, not 600 singletons.
    expect(found.length).toBeGreaterThan(5);
    expect(found.length).toBeLessThan(80);
    const [largest] = found;
    expect(largest!.label).toMatch(/\S/);
    expect(largest!.size).toBeGreaterThan(10);
    await recluster(); // everything in one pass, for the analytics
    const detail = (await owner.call({ method: 'GET', url: `/api/clusters/${encodeURIComponent(largest!.id)}` })).json();
    expect(detail.cluster.analytics.incidentsPerDay.length).toBeGreaterThan(20);
    expect(['rising', 'falling', 'flat', 'none']).toContain(detail.cluster.trend.direction);
    expect(detail.incidents).toHaveLength(20);
    const [{ members }] = await db.admin<[{ members: number }]>`select count(*)::int as members from incidents where cluster_id = ${largest!.id}`;
    expect(members).toBe(largest!.size);
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

  it('places a new incident into its cluster as it is unified (online assignment)', async () => {
    const created = await owner.call({
      method: 'POST',
      url: '/api/integrations',
      payload: { kind: 'webhook', name: 'Hook', settings: { mapping: { fields: { externalId: 'id', title: 'title', createdAt: 'at', service: 'service' } } } },
    });
    const { integration, webhookSecret } = created.json();
    // A title the simulator uses with other variable values.
    const sample = (await db.admin<[{ title: string; cluster: string; service: string }]>`
      select title, cluster_id as cluster, service from incidents where title like 'Disk pressure on %' limit 1`)[0];
    expect(sample).toBeDefined();
    const res = await fetch(api.local(integration.webhook.url), {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-webhook-token': webhookSecret },
      body: JSON.stringify({ id: 'new-1', title: 'Disk pressure on batch-node-99', at: new Date().toISOString(), service: sample!.service }),
    });
    expect(res.status).toBe(202);
    const placed = await waitFor('the new incident clustered', async () => {
      const [row] = await db.admin<[{ cluster: string | null }?]>`select cluster_id as cluster from incidents where external_id = 'new-1'`;
      return row?.cluster ?? undefined;
    }, { timeoutMs: 30_000, intervalMs: 300 });
    expect(placed).toBe(sample!.cluster);
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
