// The dashboard's rollups (migration 0018, db/incident-rollups.ts): every aggregate read from refreshed rollups equals
// the same aggregate counted from `incidents`; a write after a refresh shows at once; a refresh racing a writer never
// leaves a clean day behind its incidents; the unification refreshes them; long ranges take percentiles from the
// sample, and say so; one account never reads another's rollups.
import { randomUUID } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { countDirtyDays, planCounts, refreshIncidentRollups, SAMPLE_ABOVE } from '../../db/incident-rollups.ts';
import { withAccount } from '../../db/tenancy.ts';
import { unifyWorkflow } from '../../workflows/unify.ts';
import { signUp, type SignedIn } from '../../devkit/app.ts';
import { useApi, waitFor } from '../helpers.ts';

const api = useApi({}, { worker: true });
let owner: SignedIn;
let other: SignedIn;

const END = new Date('2025-06-02T00:00:00Z');

/** `count` incidents over the 120 days before END, deterministic: every dimension varies, some times on midnight. */
async function fill(accountId: string, count: number, seed: number): Promise<void> {
  await api.db.admin.begin(async (tx) => {
    await tx`select setseed(${seed})`;
    await tx`
      insert into incidents (account_id, source, external_id, title, service, team, severity, status, created_at, acknowledged_at, resolved_at, observed_at, cluster_id)
      select ${accountId}, (array['pagerduty', 'opsgenie', 'alertmanager'])[1 + floor(random() * 3)::int], 'r' || g || '-' || ${seed}, 'Rollup fixture ' || g,
             case when r.s < 6 then 's' || r.s end, case when r.s < 6 then 't' || (r.s % 3) end,
             'P' || (1 + floor(random() * 5)::int), r.status, r.at,
             case when r.status <> 'triggered' then r.at + (random() * 600)::int * interval '1 second' end,
             case when r.status = 'resolved' then r.at + (600 + random() * 7200)::int * interval '1 second' end,
             r.at, case when random() < 0.9 then 'c' || floor(random() * 8)::int end
      from generate_series(1, ${count}) g
      cross join lateral (
        select floor(random() * 7)::int as s,
               (array['triggered', 'acknowledged', 'resolved', 'resolved', 'resolved'])[1 + floor(random() * 5)::int] as status,
               case when random() < 0.05 then date_trunc('day', ${END}::timestamptz - floor(random() * 120) * interval '1 day')
                    else ${END}::timestamptz - random() * interval '120 days' end as at,
               g as unused
      ) r`;
  });
}

const markAllDirty = (accountId: string) => api.db.admin`
  insert into incident_rollup_dirty (account_id, day)
  select distinct account_id, date_bin('1 day', created_at, timestamptz '2000-01-03 00:00:00+00') from incidents where account_id = ${accountId}
  on conflict do nothing`;

const get = async (who: SignedIn, url: string) => {
  const res = await who.call({ method: 'GET', url });
  expect(res.statusCode, `${url}: ${res.body}`).toBe(200);
  return res.json();
};

/** Ranges that start and end inside a day, so every answer mixes whole days with partial ones. */
const RANGE = `from=2025-02-10T07:13:00Z&to=2025-05-30T18:45:00Z`;
const QUERIES = [
  `/api/dashboard/summary?${RANGE}`,
  `/api/dashboard/summary?${RANGE}&severity=P1&severity=P2`,
  `/api/dashboard/summary?${RANGE}&service=s1&service=__none__&status=resolved`,
  `/api/dashboard/summary?${RANGE}&cluster=c3`,
  ...(['severity', 'source', 'service', 'team', 'status', 'cluster'] as const).map((g) => `/api/dashboard/incidents-over-time?${RANGE}&groupBy=${g}&bucket=week`),
  `/api/dashboard/incidents-over-time?${RANGE}&groupBy=service&bucket=day&source=opsgenie&team=t1`,
  `/api/dashboard/incidents-over-time?from=2025-05-20T05:00:00Z&to=2025-05-21T05:00:00Z&groupBy=severity&bucket=hour`,
  `/api/dashboard/response-times?${RANGE}&bucket=week&severity=P3`,
  `/api/dashboard/top-clusters?${RANGE}&bucket=week`,
  `/api/dashboard/top-clusters?from=2025-04-01T12:00:00Z&to=2025-05-01T12:00:00Z&bucket=day&cluster=c1&cluster=c2`,
  `/api/dashboard/breakdown?${RANGE}&by=service`,
  `/api/dashboard/breakdown?${RANGE}&by=team&status=triggered&status=acknowledged`,
  `/api/dashboard/heatmap?${RANGE}&tz=Asia/Kolkata`,
  `/api/dashboard/heatmap?${RANGE}&tz=Europe/Berlin&severity=P5`,
];

async function answers(who: SignedIn): Promise<unknown[]> {
  const out: unknown[] = [];
  for (const url of QUERIES) out.push(await get(who, url));
  return out;
}

beforeAll(async () => {
  owner = await signUp(api.app);
  other = await signUp(api.app);
  await fill(owner.accountId, 4000, 0.17);
});

describe('rollups', () => {
  it('give every aggregate exactly as counted from the incidents, whole days from rollups and the rest from incidents', async () => {
    // Everything written so far is dirty: these answers are counted from the incidents alone.
    const counted = await answers(owner);
    const refreshed = await refreshIncidentRollups(api.db.sql, owner.accountId);
    expect(refreshed.days).toBeGreaterThan(100);
    const [rolled] = await api.db.admin<[{ n: number; rows: number }]>`
      select sum(n)::int as n, count(*)::int as rows from incident_rollup_daily where account_id = ${owner.accountId}`;
    expect(rolled.n).toBe(4000);
    expect(rolled.rows).toBeLessThan(4000);
    expect(await withAccount(api.db.sql, owner.accountId, (tx) => countDirtyDays(tx, owner.accountId))).toBe(0);
    // The plans really read rollups for these filters (and not for a title search).
    const range = { from: new Date('2025-02-10T07:13:00Z'), to: new Date('2025-05-30T18:45:00Z') };
    expect(planCounts(range, ['status', 'severity'], 'day')?.table).toBe('incident_rollup_daily_status');
    expect(planCounts({ ...range, services: ['s1'] }, ['status'], 'day')?.table).toBe('incident_rollup_daily_service');
    expect(planCounts({ ...range, services: ['s1'] }, ['severity'], 'day')?.table).toBe('incident_rollup_daily');
    expect(planCounts(range, ['cluster_id'], 'day')?.table).toBe('incident_rollup_daily_cluster');
    expect(planCounts(range, [], 'quarter_hour')?.table).toBe('incident_rollup_quarter_hour');
    expect(planCounts({ ...range, q: 'disk' }, [], 'day')).toBeNull();
    expect(planCounts({ ...range, clusterIds: ['c1'] }, ['status'], 'day')).toBeNull();
    expect(await answers(owner)).toEqual(counted);
  });

  it('show a write made after the refresh at once, and the next refresh changes no answer', async () => {
    await refreshIncidentRollups(api.db.sql, owner.accountId);
    const before = await get(owner, `/api/dashboard/summary?${RANGE}`);
    // A status change, a cluster change, a deletion and a late arrival on an old day, as the unification and the
    // recluster write them.
    await api.db.admin`update incidents set status = 'triggered', resolved_at = null where account_id = ${owner.accountId} and external_id in ('r11-0.17', 'r12-0.17', 'r13-0.17')`;
    await api.db.admin`update incidents set cluster_id = 'c-moved' where account_id = ${owner.accountId} and external_id like 'r2%-0.17'`;
    await api.db.admin`delete from incidents where account_id = ${owner.accountId} and external_id in ('r31-0.17', 'r32-0.17')`;
    await api.db.admin`
      insert into incidents (account_id, source, external_id, title, severity, status, created_at, observed_at)
      values (${owner.accountId}, 'pagerduty', 'late-1', 'Late arrival', 'P1', 'triggered', '2025-03-05T10:00:00Z', now())`;
    expect(await withAccount(api.db.sql, owner.accountId, (tx) => countDirtyDays(tx, owner.accountId))).toBeGreaterThan(0);
    const fresh = await answers(owner);
    const after = fresh[0] as typeof before;
    const [direct] = await api.db.admin<[{ n: number; open: number }]>`
      select count(*)::int as n, count(*) filter (where status <> 'resolved')::int as open
      from incidents where account_id = ${owner.accountId} and created_at >= '2025-02-10T07:13:00Z' and created_at < '2025-05-30T18:45:00Z'`;
    expect(after.current).toMatchObject({ incidents: direct.n, open: direct.open });
    expect(after.current).not.toEqual(before.current);
    await markAllDirty(owner.accountId);
    expect(await answers(owner)).toEqual(fresh);
    await refreshIncidentRollups(api.db.sql, owner.accountId);
    expect(await answers(owner)).toEqual(fresh);
  });

  it('never leave a clean day behind its incidents when a writer commits during the refresh', async () => {
    await refreshIncidentRollups(api.db.sql, owner.accountId);
    const day = '2025-04-15T00:00:00Z';
    await api.db.admin`update incidents set severity = 'P5' where account_id = ${owner.accountId} and created_at >= ${day} and created_at < ${day}::timestamptz + interval '1 day' and severity = 'P1'`;
    // A writer holds the day's mark (and its incidents) in an open transaction while a refresh starts.
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    const writer = withAccount(api.db.sql, owner.accountId, async (tx) => {
      await tx`update incidents set severity = 'P1' where account_id = ${owner.accountId} and created_at >= ${day} and created_at < ${day}::timestamptz + interval '1 day'`;
      await released;
    });
    await waitFor('the writer’s mark', async () => {
      const [row] = await api.db.admin<[{ n: number }]>`select count(*)::int as n from pg_locks l join pg_class c on c.oid = l.relation where c.relname = 'incident_rollup_dirty' and l.mode = 'RowExclusiveLock'`;
      return row.n > 0 ? true : undefined;
    }, { timeoutMs: 10_000 });
    const refresh = refreshIncidentRollups(api.db.sql, owner.accountId);
    await waitFor('the refresh to wait for the writer', async () => {
      const [row] = await api.db.admin<[{ n: number }]>`select count(*)::int as n from pg_stat_activity where wait_event_type = 'Lock' and query like '%delete from incident_rollup_dirty%'`;
      return row.n > 0 ? true : undefined;
    }, { timeoutMs: 10_000 }).catch((err) => {
      release();
      throw err;
    });
    release();
    await writer;
    await refresh;
    const [rollup] = await api.db.admin<[{ p1: number }]>`
      select coalesce(sum(n) filter (where severity = 'P1'), 0)::int as p1 from incident_rollup_daily where account_id = ${owner.accountId} and day = ${day}`;
    const [direct] = await api.db.admin<[{ p1: number; dirty: number }]>`
      select count(*)::int as p1, (select count(*)::int from incident_rollup_dirty where account_id = ${owner.accountId} and day = ${day}) as dirty
      from incidents where account_id = ${owner.accountId} and created_at >= ${day} and created_at < ${day}::timestamptz + interval '1 day' and severity = 'P1'`;
    // Either the refresh counted the writer's change, or the day is marked again: never clean and wrong.
    expect(direct.dirty === 1 || rollup.p1 === direct.p1).toBe(true);
    expect(direct.p1).toBeGreaterThan(0);
  });

  it('are refreshed by the unification after its batches', async () => {
    await markAllDirty(owner.accountId);
    const result = await api.temporal.client.workflow.execute(unifyWorkflow, {
      taskQueue: api.config.temporal.taskQueue,
      workflowId: `unify/${owner.accountId}/rollups-${randomUUID()}`,
      args: [{ accountId: owner.accountId }],
    });
    expect(result.rollupDays).toBeGreaterThan(100);
    expect(await withAccount(api.db.sql, owner.accountId, (tx) => countDirtyDays(tx, owner.accountId))).toBe(0);
  });

  it('belong to their account: another account reads none of them', async () => {
    await refreshIncidentRollups(api.db.sql, owner.accountId);
    for (const table of ['incident_rollup_daily', 'incident_rollup_daily_status', 'incident_rollup_daily_service', 'incident_rollup_daily_cluster', 'incident_rollup_quarter_hour']) {
      const [mine] = await withAccount(api.db.sql, owner.accountId, (tx) => tx<[{ n: number }]>`select count(*)::int as n from ${tx(table)}`);
      const [theirs] = await withAccount(api.db.sql, other.accountId, (tx) => tx<[{ n: number }]>`select count(*)::int as n from ${tx(table)}`);
      expect(mine!.n, table).toBeGreaterThan(0);
      expect(theirs!.n, table).toBe(0);
    }
    const summary = await get(other, `/api/dashboard/summary?${RANGE}`);
    expect(summary.current.incidents).toBe(0);
  });

  it('go with a deleted account, leaving no marks behind', async () => {
    const doomed = await signUp(api.app, { accountName: 'Doomed' });
    await fill(doomed.accountId, 50, 0.5);
    const res = await doomed.call({ method: 'DELETE', url: '/api/account', payload: { confirmName: 'Doomed' } });
    expect(res.statusCode, res.body).toBe(200);
    const [left] = await api.db.admin<[{ n: number }]>`select count(*)::int as n from incident_rollup_dirty where account_id = ${doomed.accountId}`;
    expect(left.n).toBe(0);
  });
});

describe('percentiles of long ranges', () => {
  it('come from the 1-in-16 sample above 150,000 incidents, flagged, close to the exact ones; shorter ranges stay exact', async () => {
    const big = await signUp(api.app);
    await fill(big.accountId, SAMPLE_ABOVE + 10_000, 0.9);
    await refreshIncidentRollups(api.db.sql, big.accountId);
    const range = `from=2025-02-01T00:00:00Z&to=${END.toISOString()}`;
    const summary = await get(big, `/api/dashboard/summary?${range}`);
    expect(summary.current.incidents).toBeGreaterThan(SAMPLE_ABOVE);
    expect(summary.current.sampled).toBe(true);
    const [exact] = await api.db.admin<[{ mttr: number[] }]>`
      select percentile_cont(array[0.5, 0.9]) within group (order by mttr_seconds) as mttr
      from incidents where account_id = ${big.accountId} and created_at >= '2025-02-01T00:00:00Z' and created_at < ${END}`;
    expect(Math.abs(summary.current.mttrP50Seconds / exact.mttr[0]! - 1)).toBeLessThan(0.03);
    expect(Math.abs(summary.current.mttrP90Seconds / exact.mttr[1]! - 1)).toBeLessThan(0.03);
    const times = await get(big, `/api/dashboard/response-times?${range}&bucket=week`);
    expect(times.sampled).toBe(true);
    const services = await get(big, `/api/dashboard/breakdown?${range}&by=service`);
    expect(services.sampled).toBe(true);
    expect(services.rows.every((r: { mttrP50Seconds: number | null }) => r.mttrP50Seconds !== null)).toBe(true);
    const day = await get(big, `/api/dashboard/summary?from=2025-05-01T00:00:00Z&to=2025-05-02T00:00:00Z`);
    expect(day.current.sampled).toBe(false);
  });
});
