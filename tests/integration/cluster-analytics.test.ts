// A pattern's numbers are the same wherever they are shown: the trend on the dashboard's top clusters, the clusters
// list and the cluster page is one definition over the same days; counts, services, teams, MTTA and MTTR are those of
// the `incidents` table at the moment of asking, incidents added since included. Incidents are written straight into
// the table (a known set, relative to today), half of them before the rollups' refresh and half after it.
import { beforeAll, describe, expect, it } from 'vitest';
import { refreshIncidentRollups } from '../../db/incident-rollups.ts';
import { ClusterDetail, ClusterList } from '../../api/schemas/clusters.ts';
import { TopClusters } from '../../api/schemas/dashboard.ts';
import { conforming, expectClusterMatchesIncidents, getJson } from '../cluster-checks.ts';
import { signUp, type SignedIn } from '../../devkit/app.ts';
import { useApi } from '../helpers.ts';

const api = useApi();
let owner: SignedIn;
let other: SignedIn;

const DAY = 86_400_000;
const today = Math.floor(Date.now() / DAY) * DAY;
/** 10:00 UTC `k` days before today; today (k = 0) no later than halfway from midnight to now, so it has happened. */
const daysAgo = (k: number, minutes = 0) => {
  const at = today - k * DAY + 10 * 3_600_000 + minutes * 60_000;
  return new Date(k === 0 ? Math.min(at, today + Math.floor((Date.now() - today) / 2)) : at).toISOString();
};

interface Fixture {
  cluster: string;
  at: string;
  service?: string | null;
  team?: string | null;
  ack?: number;
  resolve?: number;
}

let serial = 0;
async function insert(accountId: string, incidents: Fixture[]): Promise<void> {
  const rows = incidents.map((f) => {
    const created = new Date(f.at);
    serial += 1;
    return {
      account_id: accountId,
      external_id: `ca-${serial}`,
      title: `Fixture ${f.cluster} ${serial}`,
      service: f.service === undefined ? ['api', 'web', 'db'][serial % 3] : f.service,
      team: f.team === undefined ? ['core', 'front'][serial % 2] : f.team,
      status: f.resolve === undefined ? 'triggered' : 'resolved',
      created_at: created.toISOString(),
      acknowledged_at: f.ack === undefined ? null : new Date(created.getTime() + f.ack * 1000).toISOString(),
      resolved_at: f.resolve === undefined ? null : new Date(created.getTime() + f.resolve * 1000).toISOString(),
      cluster_id: f.cluster,
    };
  });
  await api.db.admin`
    insert into incidents (account_id, source, external_id, title, service, team, severity, status, created_at, acknowledged_at, resolved_at, observed_at, cluster_id)
    select account_id, 'pagerduty', external_id, title, service, team, 'P3', status, created_at, acknowledged_at, resolved_at, created_at, cluster_id
    from jsonb_to_recordset(${api.db.admin.json(rows as never)}) as r(account_id text, external_id text, title text, service text, team text,
      status text, created_at timestamptz, acknowledged_at timestamptz, resolved_at timestamptz, cluster_id text)`;
}

/** `perDay(k)` incidents on each of the days 1..56 before today (k = 1 is yesterday), with varied response times. */
function series(cluster: string, perDay: (k: number) => number): Fixture[] {
  const out: Fixture[] = [];
  for (let k = 1; k <= 56; k++) {
    for (let i = 0; i < perDay(k); i++) out.push({ cluster, at: daysAgo(k, i * 7), ack: 30 + ((k * 7 + i * 13) % 600), resolve: 600 + ((k * 31 + i * 17) % 7200) });
  }
  return out;
}

const EXPECTED = { 'c-rising': 'rising', 'c-falling': 'falling', 'c-storm': 'steady', 'c-steady': 'steady' } as const;

beforeAll(async () => {
  owner = await signUp(api.app);
  other = await signUp(api.app);
  await api.db.admin`
    insert into clusters (account_id, id, label, template, size)
    select ${owner.accountId}, id, label, label, 0
    from (values ('c-rising', 'Rising pattern'), ('c-falling', 'Falling pattern'), ('c-storm', 'One storm day'), ('c-steady', 'Steady pattern')) v(id, label)`;
  await insert(owner.accountId, [
    // Three a day for the last four weeks, one every other day before.
    ...series('c-rising', (k) => (k <= 28 ? 3 : k % 2)),
    // Four a day before, one every third day since.
    ...series('c-falling', (k) => (k <= 28 ? Number(k % 3 === 0) : 4)),
    // One every other day throughout, and a storm of 40 the day before yesterday: a ratio of the windows says +280%.
    ...series('c-storm', (k) => (k === 2 ? 40 : k % 2)),
    // Two a day, and one long ago (the account's history starts there: the windows are not cut short).
    ...series('c-steady', () => 2),
    { cluster: 'c-steady', at: daysAgo(200), service: 'legacy', ack: 5, resolve: 50 },
  ]);
  // The rollups hold what is there now; what follows is counted from `incidents` until the next refresh.
  await refreshIncidentRollups(api.db.sql, owner.accountId);
  // Placed since (as online assignment places them between reclusters): today's, and a new service and team.
  await insert(owner.accountId, [
    { cluster: 'c-steady', at: daysAgo(0, 1), service: null, team: null },
    { cluster: 'c-steady', at: daysAgo(0, 2), service: 'payments', team: 'money', ack: 12, resolve: 99 },
    { cluster: 'c-rising', at: daysAgo(3, 300), service: 'payments', team: 'money', ack: 1, resolve: 2 },
  ]);
  // Another account's incidents in the same cluster ids count for nobody else.
  await api.db.admin`insert into clusters (account_id, id, label, template, size) values (${other.accountId}, 'c-rising', 'Theirs', 'Theirs', 0)`;
  await insert(other.accountId, series('c-rising', () => 9));
});

describe('cluster analytics', () => {
  it('gives each pattern one trend, the same on the dashboard, the clusters list and the cluster page', async () => {
    const range = `from=${new Date(today - 30 * DAY).toISOString()}&to=${new Date(Date.now() + 60_000).toISOString()}`;
    const dashboard = conforming(TopClusters, await getJson(owner, `/api/dashboard/top-clusters?${range}&limit=10`));
    const list = conforming(ClusterList, await getJson(owner, '/api/clusters?limit=500'));
    expect(list.clusters.map((c: { id: string }) => c.id).sort()).toEqual(Object.keys(EXPECTED).sort());
    // The dashboard's widget: rising ones first, then by count in its range (the 30 days before today, and today).
    expect(dashboard.clusters.map((c: { id: string; rising: boolean; count: number }) => [c.id, c.rising, c.count])).toEqual([
      ['c-rising', true, 28 * 3 + 1 + 1],
      ['c-steady', false, 30 * 2 + 2],
      ['c-storm', false, 15 + 40],
      ['c-falling', false, 9 + 2 * 4],
    ]);
    // One window for every trend of every answer: 28 full days before today, against the 28 before.
    const window = { days: 28, baselineFrom: new Date(today - 56 * DAY).toISOString(), recentFrom: new Date(today - 28 * DAY).toISOString(), recentTo: new Date(today).toISOString() };
    expect(dashboard.trendWindow).toEqual(window);
    expect(list.trendWindow).toEqual(window);
    for (const [id, direction] of Object.entries(EXPECTED)) {
      const page = conforming(ClusterDetail, await getJson(owner, `/api/clusters/${id}`));
      expect(page.trendWindow).toEqual(window);
      const fromList = list.clusters.find((c: { id: string }) => c.id === id).trend;
      const fromDashboard = dashboard.clusters.find((c: { id: string }) => c.id === id).clusterTrend;
      expect(page.cluster.trend, id).toEqual(fromList);
      expect(fromDashboard, id).toEqual(fromList);
      expect(fromList.direction, id).toBe(direction);
    }
    const storm = list.clusters.find((c: { id: string }) => c.id === 'c-storm').trend;
    // The totals alone would call it up by a large share; the test on days does not.
    expect(storm.recent.count).toBe(14 + 40);
    expect(storm.change).toBeGreaterThan(2.5);
    const rising = list.clusters.find((c: { id: string }) => c.id === 'c-rising').trend;
    expect(rising).toMatchObject({ recent: { count: 84 + 1 }, baseline: { count: 14 }, test: 'mann-whitney-u', alpha: 0.05 });
  });

  it('counts per day, services, teams, MTTA and MTTR from every incident, those placed after the rollups’ refresh included', async () => {
    for (const id of Object.keys(EXPECTED)) await expectClusterMatchesIncidents(owner, api.db.admin, id);
    const steady = await getJson(owner, '/api/clusters/c-steady');
    // The old incident counts in the size (all time), not in the 90-day window; today's do.
    expect(steady.cluster.size).toBe(56 * 2 + 1 + 2);
    expect(steady.cluster.windowCount).toBe(56 * 2 + 2);
    expect(steady.window.days).toBe(90);
    expect(steady.cluster.analytics.incidentsPerDay.at(-1)).toEqual({ day: new Date(today).toISOString().slice(0, 10), count: 2 });
    expect(steady.cluster.analytics.topServices).toContainEqual({ service: null, count: 1 });
    expect(steady.cluster.analytics.topTeams).toContainEqual({ team: 'money', count: 1 });
  });

  it('finds the storm day as a spike of its own pattern', async () => {
    const storm = await getJson(owner, '/api/clusters/c-storm');
    expect(storm.cluster.analytics.spikes.map((s: { day: string }) => s.day)).toEqual([new Date(today - 2 * DAY).toISOString().slice(0, 10)]);
  });

  it('shows another account only its own incidents, and not this one’s patterns', async () => {
    const theirs = await getJson(other, '/api/clusters');
    expect(theirs.clusters.map((c: { id: string; size: number }) => [c.id, c.size])).toEqual([['c-rising', 56 * 9]]);
    expect((await other.call({ method: 'GET', url: '/api/clusters/c-steady' })).statusCode).toBe(404);
  });
});
