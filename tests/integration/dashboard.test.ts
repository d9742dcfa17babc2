// The dashboard's aggregates on a small known set of incidents written straight into the table: buckets, groups, top 8
// and Other, percentiles, the previous period, top clusters, the heatmap in zones with and without daylight saving,
// the filter narrowing every aggregate, bad parameters, and other accounts' incidents never counted.
import { beforeAll, describe, expect, it } from 'vitest';
import { incidentConditions, type IncidentFilter } from '../../db/incident-filter.ts';
import { withAccount } from '../../db/tenancy.ts';
import { signUp, type SignedIn } from '../../devkit/app.ts';
import { useApi } from '../helpers.ts';

const api = useApi();
let owner: SignedIn;
let other: SignedIn;
let crowded: SignedIn;

interface Fixture {
  at: string;
  severity?: string;
  status?: 'triggered' | 'acknowledged' | 'resolved';
  service?: string | null;
  team?: string | null;
  source?: string;
  ack?: number;
  resolve?: number;
  cluster?: string | null;
}

let serial = 0;
async function insert(accountId: string, incidents: Fixture[]): Promise<void> {
  const rows = incidents.map((f) => {
    const created = new Date(f.at);
    const status = f.status ?? 'resolved';
    return {
      account_id: accountId,
      source: f.source ?? 'pagerduty',
      external_id: `fx-${++serial}`,
      title: `Fixture incident ${serial}`,
      service: f.service === undefined ? 'api' : f.service,
      team: f.team === undefined ? 'core' : f.team,
      severity: f.severity ?? 'P3',
      status,
      created_at: created.toISOString(),
      acknowledged_at: f.ack === undefined ? null : new Date(created.getTime() + f.ack * 1000).toISOString(),
      resolved_at: f.resolve === undefined ? null : new Date(created.getTime() + f.resolve * 1000).toISOString(),
      observed_at: created.toISOString(),
      cluster_id: f.cluster ?? null,
    };
  });
  await api.db.admin`
    insert into incidents (account_id, source, external_id, title, service, team, severity, status, created_at, acknowledged_at, resolved_at, observed_at, cluster_id)
    select account_id, source, external_id, title, service, team, severity, status, created_at, acknowledged_at, resolved_at, observed_at, cluster_id
    from jsonb_to_recordset(${api.db.admin.json(rows as never)}) as r(account_id text, source text, external_id text, title text, service text, team text,
      severity text, status text, created_at timestamptz, acknowledged_at timestamptz, resolved_at timestamptz, observed_at timestamptz, cluster_id text)`;
}

// The range the tests look at: two weeks from a Monday; the previous period is the two weeks before.
const RANGE = 'from=2025-03-03T00:00:00Z&to=2025-03-17T00:00:00Z';

beforeAll(async () => {
  owner = await signUp(api.app);
  other = await signUp(api.app);
  crowded = await signUp(api.app);
  await insert(owner.accountId, [
    // In the range.
    { at: '2025-03-03T10:30:00Z', severity: 'P1', ack: 60, resolve: 600, cluster: 'c-db' },
    { at: '2025-03-03T11:00:00Z', severity: 'P2', ack: 120, resolve: 1200, cluster: 'c-db' },
    { at: '2025-03-04T09:00:00Z', severity: 'P3', service: 'web', team: 'front', source: 'opsgenie', ack: 180, resolve: 1800, cluster: 'c-db' },
    { at: '2025-03-10T12:00:00Z', severity: 'P4', status: 'triggered', service: null, team: null, source: 'alertmanager', cluster: 'c-big' },
    { at: '2025-03-11T08:00:00Z', severity: 'P3', status: 'acknowledged', service: 'web', team: 'front', source: 'opsgenie', ack: 240, cluster: 'c-big' },
    { at: '2025-03-16T23:59:59Z', severity: 'P5', ack: 300, resolve: 3000, cluster: 'c-big' },
    { at: '2025-03-12T00:00:00Z', severity: 'P3', resolve: 900, cluster: 'c-big' },
    { at: '2025-03-13T00:00:00Z', severity: 'P4', resolve: 100 },
    // The previous period.
    { at: '2025-02-20T10:00:00Z', ack: 60, resolve: 120, cluster: 'c-db' },
    { at: '2025-03-02T23:59:59Z', severity: 'P5', service: 'web', ack: 60, resolve: 120, cluster: 'c-db' },
    ...['21', '22', '23', '24'].map((d) => ({ at: `2025-02-${d}T10:00:00Z`, ack: 60, resolve: 120, cluster: 'c-big' })),
    { at: '2025-02-25T10:00:00Z', severity: 'P2', ack: 60, resolve: 120, cluster: 'c-old' },
    // Outside both: at the range's end (exclusive), and in summer (daylight saving time) for the heatmap.
    { at: '2025-03-17T00:00:00Z', severity: 'P1', cluster: 'c-db' },
    { at: '2025-07-07T10:30:00Z', severity: 'P1' },
  ]);
  await api.db.admin`
    insert into clusters (account_id, id, name, label, template, size) values
      (${owner.accountId}, 'c-db', 'Database timeouts', 'db <*> timeout', 'db <*> timeout', 6),
      (${owner.accountId}, 'c-big', null, 'Disk <*> full', 'Disk <*> full', 8),
      (${other.accountId}, 'c-db', 'Another account’s cluster', 'x', 'x', 40)`;
  // Another account with incidents at the same times, same services and cluster ids: never counted for the owner.
  await insert(other.accountId, Array.from({ length: 40 }, (_, i) => ({ at: `2025-03-0${3 + (i % 7)}T10:30:00Z`, severity: 'P1', status: 'triggered' as const, cluster: 'c-db', ack: 5 })));
  // Eleven groups for top 8 and Other: s1 … s10 with 10 … 1 incidents, and 11 without a service.
  await insert(crowded.accountId, [
    ...Array.from({ length: 10 }, (_, s) => Array.from({ length: 10 - s }, () => ({ at: '2025-03-05T12:00:00Z', service: `s${s + 1}` }))).flat(),
    ...Array.from({ length: 11 }, () => ({ at: '2025-03-12T12:00:00Z', service: null })),
  ]);
});

const get = async (who: SignedIn, url: string) => {
  const res = await who.call({ method: 'GET', url });
  expect(res.statusCode, res.body).toBe(200);
  return res.json();
};

const cell = (body: { cells: number[][] }, day: number, hour: number) => body.cells[day]![hour];
const total = (body: { cells: number[][] }) => body.cells.flat().reduce((a, b) => a + b, 0);

/** What the incident list (and its count) would hold for the filter: the same conditions, as the list builds them. */
async function listCount(who: SignedIn, filter: IncidentFilter): Promise<number> {
  const [row] = await withAccount(api.db.sql, who.accountId, (tx) => tx<[{ n: number }]>`select count(*)::int as n from incidents where true ${incidentConditions(tx, filter)}`);
  return row!.n;
}

describe('dashboard summary', () => {
  it('gives the headline numbers of the range and of the equal-length period before it', async () => {
    const body = await get(owner, `/api/dashboard/summary?${RANGE}`);
    expect(body.range).toEqual({ from: '2025-03-03T00:00:00.000Z', to: '2025-03-17T00:00:00.000Z' });
    expect(body.previousRange).toEqual({ from: '2025-02-17T00:00:00.000Z', to: '2025-03-03T00:00:00.000Z' });
    // MTTA 60, 120, 180, 240, 300; MTTR 100, 600, 900, 1200, 1800, 3000 (percentile_cont interpolates).
    expect(body.current).toEqual({ incidents: 8, open: 2, highSeverity: 2, mttaP50Seconds: 180, mttrP50Seconds: 1050, mttaP90Seconds: 276, mttrP90Seconds: 2400, sampled: false });
    expect(body.previous).toEqual({ incidents: 7, open: 0, highSeverity: 1, mttaP50Seconds: 60, mttrP50Seconds: 120, mttaP90Seconds: 60, mttrP90Seconds: 120, sampled: false });
  });

  it('defaults to the last 30 days, and gives null percentiles when nothing was acknowledged or resolved', async () => {
    const before = Date.now();
    const body = await get(owner, '/api/dashboard/summary');
    const to = new Date(body.range.to).getTime();
    expect(to).toBeGreaterThanOrEqual(before - 1000);
    expect(to - new Date(body.range.from).getTime()).toBe(30 * 86_400_000);
    expect(body.current).toEqual({ incidents: 0, open: 0, highSeverity: 0, mttaP50Seconds: null, mttrP50Seconds: null, mttaP90Seconds: null, mttrP90Seconds: null, sampled: false });
  });
});

describe('incidents over time', () => {
  it('counts each severity per day, every day of the range listed with its zeros, most frequent first', async () => {
    const body = await get(owner, `/api/dashboard/incidents-over-time?${RANGE}&groupBy=severity`);
    expect(body.bucket).toBe('day');
    expect(body.buckets).toHaveLength(14);
    expect(body.buckets[0]).toBe('2025-03-03T00:00:00.000Z');
    expect(body.buckets[13]).toBe('2025-03-16T00:00:00.000Z');
    const zeros = () => Array.from({ length: 14 }, () => 0);
    const at = (days: Record<number, number>) => Object.assign(zeros(), days);
    expect(body.series).toEqual([
      { key: 'P3', label: 'P3', counts: at({ 1: 1, 8: 1, 9: 1 }) },
      { key: 'P4', label: 'P4', counts: at({ 7: 1, 10: 1 }) },
      { key: 'P1', label: 'P1', counts: at({ 0: 1 }) },
      { key: 'P2', label: 'P2', counts: at({ 0: 1 }) },
      { key: 'P5', label: 'P5', counts: at({ 13: 1 }) },
    ]);
  });

  it('starts week buckets on Monday, from the week that holds `from` to the week that holds the range’s end', async () => {
    const body = await get(owner, '/api/dashboard/incidents-over-time?from=2025-03-05T00:00:00Z&to=2025-03-20T00:00:00Z&bucket=week&groupBy=status');
    expect(body.bucket).toBe('week');
    expect(body.buckets).toEqual(['2025-03-03T00:00:00.000Z', '2025-03-10T00:00:00.000Z', '2025-03-17T00:00:00.000Z']);
    expect(body.series).toEqual([
      // 03-05 … 03-19: the Wednesday cut keeps the first week's incidents of 03-03 and 03-04 out.
      { key: 'resolved', label: 'resolved', counts: [0, 3, 1] },
      { key: 'acknowledged', label: 'acknowledged', counts: [0, 1, 0] },
      { key: 'triggered', label: 'triggered', counts: [0, 1, 0] },
    ]);
  });

  it('picks hours for two days and weeks for longer than 90 days when asked for auto', async () => {
    expect((await get(owner, '/api/dashboard/incidents-over-time?from=2025-03-03T00:00:00Z&to=2025-03-05T00:00:00Z')).buckets).toHaveLength(48);
    const long = await get(owner, '/api/dashboard/incidents-over-time?from=2025-01-01T00:00:00Z&to=2025-06-01T00:00:00Z&bucket=auto');
    expect(long.bucket).toBe('week');
    expect(long.buckets[0]).toBe('2024-12-30T00:00:00.000Z');
  });

  it('names clusters by their name or label, and the incidents without one “(none)”', async () => {
    const body = await get(owner, `/api/dashboard/incidents-over-time?${RANGE}&groupBy=cluster&bucket=week`);
    expect(body.series).toEqual([
      { key: 'c-big', label: 'Disk <*> full', counts: [0, 4] },
      { key: 'c-db', label: 'Database timeouts', counts: [3, 0] },
      { key: null, label: '(none)', counts: [0, 1] },
    ]);
  });

  it('keeps the top 8 groups and sums the rest as Other', async () => {
    const body = await get(crowded, `/api/dashboard/incidents-over-time?${RANGE}&groupBy=service&bucket=week`);
    expect(body.series.map((s: { key: string | null }) => s.key)).toEqual([null, 's1', 's2', 's3', 's4', 's5', 's6', 's7', '__other__']);
    expect(body.series[0]).toEqual({ key: null, label: '(none)', counts: [0, 11] });
    expect(body.series[8]).toEqual({ key: '__other__', label: 'Other', counts: [3 + 2 + 1, 0] });
  });

  it('gives each element the count of the incident list it drills down to', async () => {
    const from = new Date('2025-03-05T00:00:00Z');
    const to = new Date('2025-03-20T00:00:00Z');
    const body = await get(owner, `/api/dashboard/incidents-over-time?from=${from.toISOString()}&to=${to.toISOString()}&bucket=week&groupBy=service&severity=P3&severity=P4&severity=P5`);
    let checked = 0;
    for (const series of body.series as { key: string | null; counts: number[] }[]) {
      if (series.key === null) continue; // the list has no "not set" filter
      for (const [i, start] of (body.buckets as string[]).entries()) {
        // The first and last buckets are cut by the range: the link goes from max(start, from) to min(end, to).
        const bucketFrom = new Date(Math.max(new Date(start).getTime(), from.getTime()));
        const bucketTo = new Date(Math.min(new Date(start).getTime() + 7 * 86_400_000, to.getTime()));
        expect(series.counts[i]).toBe(await listCount(owner, { services: [series.key], severities: ['P3', 'P4', 'P5'], from: bucketFrom, to: bucketTo }));
        checked += 1;
      }
    }
    expect(checked).toBe(6);
  });
});

describe('response times', () => {
  it('gives MTTA and MTTR p50, p90 and p95 per bucket, null where no incident has the time', async () => {
    const week = await get(owner, `/api/dashboard/response-times?${RANGE}&bucket=week`);
    expect(week.buckets).toEqual(['2025-03-03T00:00:00.000Z', '2025-03-10T00:00:00.000Z']);
    // Week 1: MTTA 60, 120, 180 / MTTR 600, 1200, 1800. Week 2: MTTA 240, 300 / MTTR 100, 900, 3000.
    expect(week.mtta).toEqual({ p50: [120, 270], p90: [168, 294], p95: [174, 297] });
    expect(week.mttr).toEqual({ p50: [1200, 900], p90: [1680, 2580], p95: [1740, 2790] });
    const day = await get(owner, `/api/dashboard/response-times?${RANGE}`);
    expect(day.mtta.p50).toEqual([90, 180, null, null, null, null, null, null, 240, null, null, null, null, 300]);
  });
});

describe('top clusters', () => {
  it('ranks by the shared trend, then by count in the range; the change against the period before is no trend', async () => {
    const body = await get(owner, `/api/dashboard/top-clusters?${RANGE}&bucket=week`);
    expect(body.buckets).toEqual(['2025-03-03T00:00:00.000Z', '2025-03-10T00:00:00.000Z']);
    // 3 against 2 before is +50% (a ratio the widget used to call rising); the trend is the pattern's own, over the
    // 56 days before today, where these 2025 incidents are not: steady, and so c-big (more in the range) leads.
    expect(body.clusters.map(({ clusterTrend: _, ...c }: { clusterTrend: unknown }) => c)).toEqual([
      { id: 'c-big', label: 'Disk <*> full', count: 4, previousCount: 4, change: 0, rising: false, trend: [0, 4] },
      { id: 'c-db', label: 'Database timeouts', count: 3, previousCount: 2, change: 0.5, rising: false, trend: [3, 0] },
    ]);
    for (const c of body.clusters) expect(c.clusterTrend).toMatchObject({ direction: 'steady', days: 28, recent: { count: 0 }, baseline: { count: 0 }, test: 'mann-whitney-u' });
    expect(body.trendWindow.days).toBe(28);
    // Incidents without a cluster and no recluster yet: the first one is due, so the patterns are being computed.
    expect(body.state).toEqual({ status: 'computing', reason: 'recluster', since: null, reclusteredAt: null });
    // c-old had incidents only before the range: not a top cluster of it.
    const limited = await get(owner, `/api/dashboard/top-clusters?${RANGE}&limit=1`);
    expect(limited.clusters.map((c: { id: string }) => c.id)).toEqual(['c-big']);
  });
});

describe('breakdown', () => {
  it('counts incidents, open ones and median MTTA and MTTR per service, most first, “(none)” for no service', async () => {
    const body = await get(owner, `/api/dashboard/breakdown?${RANGE}&by=service`);
    expect(body).toEqual({
      by: 'service',
      rows: [
        { key: 'api', label: 'api', count: 5, open: 0, mttaP50Seconds: 120, mttrP50Seconds: 900 },
        { key: 'web', label: 'web', count: 2, open: 1, mttaP50Seconds: 210, mttrP50Seconds: 1800 },
        { key: null, label: '(none)', count: 1, open: 1, mttaP50Seconds: null, mttrP50Seconds: null },
      ],
      sampled: false,
    });
    const teams = await get(owner, `/api/dashboard/breakdown?${RANGE}&by=team&limit=2`);
    expect(teams.rows.map((r: { key: string; count: number }) => [r.key, r.count])).toEqual([['core', 5], ['front', 2]]);
  });
});

describe('heatmap', () => {
  it('counts incidents per weekday (Monday first) and hour in UTC by default', async () => {
    const body = await get(owner, `/api/dashboard/heatmap?${RANGE}`);
    expect(body.tz).toBe('UTC');
    expect(body.cells).toHaveLength(7);
    expect(body.cells.every((row: number[]) => row.length === 24)).toBe(true);
    expect(total(body)).toBe(8);
    expect([cell(body, 0, 10), cell(body, 0, 11), cell(body, 6, 23)]).toEqual([1, 1, 1]);
  });

  it('places incidents in the hours of the given zone, daylight saving time included', async () => {
    const berlin = await get(owner, `/api/dashboard/heatmap?${RANGE}&tz=Europe/Berlin`);
    // CET (+1) in March: Monday 10:30 UTC is 11:30; Sunday 23:59 UTC is Monday 00:59.
    expect([cell(berlin, 0, 11), cell(berlin, 0, 12), cell(berlin, 0, 0), cell(berlin, 6, 23)]).toEqual([1, 1, 1, 0]);
    const summer = '&from=2025-07-01T00:00:00Z&to=2025-08-01T00:00:00Z';
    expect(cell(await get(owner, `/api/dashboard/heatmap?tz=Europe/Berlin${summer}`), 0, 12)).toBe(1); // CEST (+2)
    expect(cell(await get(owner, `/api/dashboard/heatmap?tz=America/New_York${summer}`), 0, 6)).toBe(1); // EDT (−4)
    expect(cell(await get(owner, `/api/dashboard/heatmap?tz=America/New_York&${RANGE}`), 0, 5)).toBe(1); // EST (−5) on 3 March
    // +5:30: 10:30 and 11:00 UTC are 16:00 and 16:30, both in hour 16.
    expect(cell(await get(owner, `/api/dashboard/heatmap?tz=Asia/Kolkata&${RANGE}`), 0, 16)).toBe(2);
  });
});

describe('filters', () => {
  it('narrow every aggregate as they narrow the incident list', async () => {
    const p3 = `${RANGE}&severity=P3`;
    expect((await get(owner, `/api/dashboard/summary?${p3}`)).current).toMatchObject({ incidents: 3, open: 1, highSeverity: 0, mttaP50Seconds: 210 });
    expect((await get(owner, `/api/dashboard/incidents-over-time?${p3}&bucket=week`)).series).toEqual([{ key: 'P3', label: 'P3', counts: [1, 2] }]);
    expect((await get(owner, `/api/dashboard/response-times?${p3}&bucket=week`)).mtta.p50).toEqual([180, 240]);
    expect((await get(owner, `/api/dashboard/top-clusters?${p3}`)).clusters.map((c: { id: string; count: number; previousCount: number }) => [c.id, c.count, c.previousCount])).toEqual([
      ['c-big', 2, 4],
      ['c-db', 1, 1],
    ]);
    expect((await get(owner, `/api/dashboard/breakdown?${p3}`)).rows.map((r: { key: string; count: number }) => [r.key, r.count])).toEqual([['web', 2], ['api', 1]]);
    expect(total(await get(owner, `/api/dashboard/heatmap?${p3}`))).toBe(3);
    // Several values of a field, and several fields at once.
    expect((await get(owner, `/api/dashboard/summary?${RANGE}&severity=P1&severity=P2`)).current.incidents).toBe(2);
    expect((await get(owner, `/api/dashboard/summary?${RANGE}&service=web&source=opsgenie&cluster=c-big`)).current.incidents).toBe(1);
    expect((await get(owner, `/api/dashboard/summary?${RANGE}&status=triggered&status=acknowledged`)).current.open).toBe(2);
  });
});

describe('bad parameters', () => {
  it.each([
    ['/api/dashboard/incidents-over-time?groupBy=foo', 'groupBy'],
    ['/api/dashboard/incidents-over-time?bucket=month', 'bucket'],
    ['/api/dashboard/heatmap?tz=Mars/Base', 'tz'],
    ['/api/dashboard/heatmap?tz=Europe%2FBerlin%3Bdrop', 'tz'],
    ['/api/dashboard/summary?from=2025-03-17T00:00:00Z&to=2025-03-03T00:00:00Z', 'from'],
    ['/api/dashboard/summary?from=2999-01-01T00:00:00Z', 'from'],
    ['/api/dashboard/summary?to=yesterday', 'to'],
    ['/api/dashboard/top-clusters?limit=0', 'limit'],
    ['/api/dashboard/breakdown?by=region', 'by'],
    ['/api/dashboard/breakdown?limit=101', 'limit'],
    ['/api/dashboard/summary?severity=P9', 'severity.0'],
    ['/api/dashboard/incidents-over-time?from=2015-01-01T00:00:00Z&to=2025-01-01T00:00:00Z&bucket=hour', 'bucket'],
    ['/api/dashboard/summary?colour=red', 'colour'],
  ])('refuses %s with 400 naming %s', async (url, field) => {
    const res = await owner.call({ method: 'GET', url });
    expect(res.statusCode, res.body).toBe(400);
    const { error } = res.json();
    expect(error.details.map((d: { field?: string }) => d.field)).toContain(field);
    expect(error.details.every((d: { in?: string }) => d.in === 'query')).toBe(true);
  });
});

describe('accounts', () => {
  it('never counts another account’s incidents or shows its clusters', async () => {
    // The owner's exact numbers above already exclude the other account's 40; and the other account sees only its own.
    const mine = await get(other, `/api/dashboard/summary?${RANGE}`);
    expect(mine.current).toMatchObject({ incidents: 40, open: 40, highSeverity: 40, mttaP50Seconds: 5 });
    const clusters = await get(other, `/api/dashboard/top-clusters?${RANGE}`);
    expect(clusters.clusters).toEqual([expect.objectContaining({ id: 'c-db', label: 'Another account’s cluster', count: 40, previousCount: 0 })]);
    const theirs = await get(owner, `/api/dashboard/top-clusters?${RANGE}`);
    expect(theirs.clusters.map((c: { label: string }) => c.label)).not.toContain('Another account’s cluster');
    expect(total(await get(owner, `/api/dashboard/heatmap?${RANGE}`))).toBe(8);
  });

  it('refuses callers without a session', async () => {
    const res = await api.app.inject({ method: 'GET', url: '/api/dashboard/summary' });
    expect(res.statusCode).toBe(401);
  });
});
