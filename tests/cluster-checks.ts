// What the clusters API says about a pattern against what the `incidents` table says, counted here in plain SQL: the
// size and first/last seen over all time; per day, services, teams, MTTA and MTTR over the analytics window. And the
// API's answers checked against their OpenAPI schemas (the contract the web's types follow).
import { Ajv } from 'ajv';
import addFormatsModule from 'ajv-formats';
import type { TSchema } from 'typebox';
import { expect } from 'vitest';
import type { Sql } from '../db/sql.ts';
import type { SignedIn } from '../devkit/app.ts';

const addFormats = ((addFormatsModule as unknown as { default?: typeof addFormatsModule }).default ?? addFormatsModule) as unknown as (ajv: Ajv) => Ajv;
const ajv = addFormats(new Ajv({ strict: false, allErrors: true }));

/** The body, after checking it against `schema` (the route's declared response). */
export function conforming<T = any>(schema: TSchema, body: unknown): T {
  const validate = ajv.compile(schema);
  if (!validate(body)) throw new Error(`the answer does not match its schema: ${ajv.errorsText(validate.errors)}`);
  return body as T;
}

export async function getJson(user: SignedIn, url: string): Promise<any> {
  const res = await user.call({ method: 'GET', url });
  expect(res.statusCode, `${url}: ${res.body}`).toBe(200);
  return res.json();
}

interface Window {
  from: string;
  to: string;
}

/** The pattern's numbers straight from `incidents` (as a superuser: no policy in the way). */
export async function countedFromIncidents(admin: Sql, accountId: string, clusterId: string, window: Window) {
  const [totals] = await admin<[{ size: number; first: Date | null; last: Date | null }]>`
    select count(*)::int as size, min(created_at) as first, max(created_at) as last from incidents where account_id = ${accountId} and cluster_id = ${clusterId}`;
  const inWindow = admin`account_id = ${accountId} and cluster_id = ${clusterId} and created_at >= ${window.from} and created_at < ${window.to}`;
  const perDay = await admin<{ day: string; n: number }[]>`
    select to_char(created_at at time zone 'UTC', 'YYYY-MM-DD') as day, count(*)::int as n from incidents where ${inWindow} group by 1`;
  const services = await admin<{ service: string | null; count: number }[]>`
    select service, count(*)::int as count from incidents where ${inWindow} group by 1 order by 2 desc, 1 nulls last`;
  const teams = await admin<{ team: string | null; count: number }[]>`
    select team, count(*)::int as count from incidents where ${inWindow} group by 1 order by 2 desc, 1 nulls last`;
  const [times] = await admin<[{ a: number[] | null; r: number[] | null; ac: number; rc: number }]>`
    select percentile_cont(array[0.5, 0.9]) within group (order by mtta_seconds) as a, percentile_cont(array[0.5, 0.9]) within group (order by mttr_seconds) as r,
           count(mtta_seconds)::int as ac, count(mttr_seconds)::int as rc
    from incidents where ${inWindow}`;
  const durations = (v: number[] | null, count: number) => (v && count > 0 ? { count, medianSeconds: Math.round(v[0]! * 1000) / 1000, p90Seconds: Math.round(v[1]! * 1000) / 1000 } : null);
  return {
    size: totals.size,
    firstSeen: totals.first?.toISOString() ?? null,
    lastSeen: totals.last?.toISOString() ?? null,
    windowCount: perDay.reduce((n, d) => n + d.n, 0),
    perDay: new Map(perDay.map((d) => [d.day, d.n])),
    services,
    teams,
    mtta: durations(times.a, times.ac),
    mttr: durations(times.r, times.rc),
  };
}

/**
 * The list's row and the cluster page of `clusterId` say what `incidents` says: size, first/last seen, every day's
 * count, services, teams, MTTA and MTTR. Returns the page's answer.
 */
export async function expectClusterMatchesIncidents(user: SignedIn, admin: Sql, clusterId: string): Promise<any> {
  const list = await getJson(user, '/api/clusters?limit=500');
  const detail = await getJson(user, `/api/clusters/${encodeURIComponent(clusterId)}`);
  const counted = await countedFromIncidents(admin, user.accountId, clusterId, detail.window);
  const row = list.clusters.find((c: { id: string }) => c.id === clusterId);
  expect(row, `${clusterId} in the list`).toBeDefined();
  for (const facts of [row, detail.cluster]) {
    expect({ size: facts.size, firstSeen: facts.firstSeen, lastSeen: facts.lastSeen, windowCount: facts.windowCount, mtta: facts.mtta, mttr: facts.mttr }).toEqual({
      size: counted.size,
      firstSeen: counted.firstSeen,
      lastSeen: counted.lastSeen,
      windowCount: counted.windowCount,
      mtta: counted.mtta,
      mttr: counted.mttr,
    });
  }
  const days: { day: string; count: number }[] = detail.cluster.analytics.incidentsPerDay;
  expect(days).toHaveLength(detail.window.days);
  expect(days.map((d) => [d.day, d.count]).filter(([, n]) => n !== 0)).toEqual([...counted.perDay].sort());
  expect(row.perDay).toEqual(days.map((d) => d.count));
  expect(detail.cluster.analytics.topServices).toEqual(counted.services.slice(0, 8));
  expect(detail.cluster.analytics.topTeams).toEqual(counted.teams.slice(0, 8));
  expect(detail.cluster.trend).toEqual(row.trend);
  return detail;
}
