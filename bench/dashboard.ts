// Dashboard aggregates and incident list pages at 1M incidents: one account's year of generated incidents (written
// set-based by PostgreSQL), the real API (buildApp with real dependencies) on loopback, and N sequential requests per
// endpoint and range, timed from send to the whole answer; p50 / p95 / max per run, medians over runs.
import { refreshIncidentRollups } from '../db/incident-rollups.ts';
import type { Sql } from '../db/sql.ts';
import { machineInfo, machineLines, markdownTable, median, writeSection } from './lib/report.ts';
import { startBenchApi, startBenchPostgres, type BenchApi } from './lib/services.ts';

const INCIDENTS = Number(process.env.BENCH_DASHBOARD_INCIDENTS ?? 1_000_000);
const REQUESTS = Number(process.env.BENCH_DASHBOARD_REQUESTS ?? 30);
const RUNS = Number(process.env.BENCH_DASHBOARD_RUNS ?? 3);
/** Requests per endpoint before its runs, not measured (JIT of Node, plans, caches). */
const WARM_UP = 3;
/** Pages walked with the cursor before timing the deep page. */
const DEEP_PAGES = Number(process.env.BENCH_DASHBOARD_DEEP_PAGES ?? 100);
const TARGET_MS = { aggregate: 150, list: 50 };
const DAY_MS = 86_400_000;

export const BENCH_SERVICES = 40;
export const BENCH_CLUSTERS = 70;

/**
 * Inserts `count` incidents of `accountId` created in the year before `until`, deterministic for a seed, as a
 * superuser (no row-level security in the way), plus the account's clusters with their sizes. Returns the integration.
 */
export async function fillDashboardIncidents(admin: Sql, accountId: string, count: number, until: Date, seed = 0.42): Promise<{ integrationId: string }> {
  const [{ id: integrationId }] = await admin<[{ id: string }]>`
    insert into integrations (id, account_id, kind, name) values (gen_random_uuid(), ${accountId}, 'pagerduty', 'PagerDuty (benchmark)') returning id::text`;
  await admin.begin(async (tx) => {
    await tx`select setseed(${seed})`;
    // One random draw per property per row (the subquery), then the skews: r^3 over 40 services puts ~29% of pages on
    // the first; r^2 over 70 clusters; recent months a little busier (r^1.2 from `until` backwards).
    await tx`
      insert into incidents (account_id, integration_id, source, external_id, title, service, team, severity, status,
                             created_at, acknowledged_at, resolved_at, observed_at, cluster_id, first_unified_at, updated_at)
      select ${accountId}, ${integrationId}::uuid,
             case when r.src < 0.6 then 'pagerduty' when r.src < 0.8 then 'alertmanager' when r.src < 0.95 then 'opsgenie' else 'webhook' end,
             'B' || r.g,
             'Alert ' || r.cl || ' on host-' || (r.g % 500),
             case when r.svc_null then null else 'svc-' || lpad(r.svc::text, 2, '0') end,
             case when r.svc_null then null else 'team-' || (r.svc % 10) end,
             case when r.sev < 0.02 then 'P1' when r.sev < 0.10 then 'P2' when r.sev < 0.40 then 'P3' when r.sev < 0.75 then 'P4' else 'P5' end,
             r.status,
             r.created_at,
             case when r.status = 'acknowledged' or (r.status = 'resolved' and r.acked) then r.created_at + r.ack * interval '1 second' end,
             case when r.status = 'resolved' then r.created_at + (case when r.acked then r.ack else 0 end + r.fix) * interval '1 second' end,
             r.created_at,
             case when r.cl_null then null else 'c' || r.cl end,
             r.created_at, r.created_at
      from (
        select g,
               random() as src,
               floor(${BENCH_SERVICES} * power(random(), 3))::int as svc,
               random() < 0.05 as svc_null,
               random() as sev,
               case when random() < 0.95 then 'resolved' when random() < 0.4 then 'acknowledged' else 'triggered' end as status,
               date_trunc('second', ${until}::timestamptz - power(random(), 1.2) * interval '365 days') as created_at,
               random() < 0.9 as acked,
               round(exp(random() * 9))::int as ack,
               round(exp(random() * 11))::int as fix,
               floor(${BENCH_CLUSTERS} * power(random(), 2))::int as cl,
               random() < 0.03 as cl_null
        from generate_series(1, ${count}) as g
      ) r`;
    await tx`
      insert into clusters (account_id, id, name, label, template, size, first_seen, last_seen)
      select ${accountId}, 'c' || n, case when n % 10 = 0 then 'Named pattern ' || n end, 'Alert ' || n || ' on host-<*>', 'Alert ' || n || ' on host-<*>',
             coalesce(s.size, 0), s.first_seen, s.last_seen
      from generate_series(0, ${BENCH_CLUSTERS - 1}) as n
      left join (select cluster_id, count(*)::int as size, min(created_at) as first_seen, max(created_at) as last_seen
                 from incidents where account_id = ${accountId} group by cluster_id) s on s.cluster_id = 'c' || n`;
  });
  return { integrationId };
}

interface Timing {
  p50: number;
  p95: number;
  max: number;
}

interface Measured {
  name: string;
  kind: 'aggregate' | 'list';
  variant: string;
  runs: Timing[] | null;
  /** Why it was skipped (a route that did not answer 200). */
  skipped?: string;
}

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

export async function runDashboard(command: string): Promise<void> {
  const postgres = await startBenchPostgres();
  let api: BenchApi | undefined;
  try {
    // One sign-in for the whole run (the default 15 minutes is shorter than a full-size run).
    api = await startBenchApi(postgres, 'dashboard', { ACCESS_TOKEN_TTL_SECONDS: '21600' });
    const { admin, baseUrl, config, owner } = api;

    const until = new Date(Math.floor(Date.now() / 1000) * 1000);
    console.log(`loading ${INCIDENTS.toLocaleString('en-US')} incidents ...`);
    const loadStarted = Date.now();
    await fillDashboardIncidents(admin, owner.accountId, INCIDENTS, until);
    // As autovacuum would have by then: statistics for the planner and the visibility map for index-only scans.
    await admin`vacuum analyze incidents`;
    await admin`vacuum analyze clusters`;
    const loadSeconds = (Date.now() - loadStarted) / 1000;
    // As the unification does after its batches: every loaded day is marked dirty by the incidents' triggers.
    const refreshStarted = Date.now();
    const refreshed = await refreshIncidentRollups(api.sql, owner.accountId);
    const refreshSeconds = (Date.now() - refreshStarted) / 1000;
    for (const table of ['incident_rollup_daily', 'incident_rollup_daily_status', 'incident_rollup_daily_service', 'incident_rollup_daily_cluster', 'incident_rollup_quarter_hour']) {
      await admin`vacuum analyze ${admin(table)}`;
    }
    const [rollupRows] = await admin<[{ daily: number; service: number }]>`
      select (select count(*)::int from incident_rollup_daily) as daily, (select count(*)::int from incident_rollup_daily_service) as service`;
    console.log(`rollups: ${refreshed.days} days in ${refreshSeconds.toFixed(1)} s; ${rollupRows.daily} rows in incident_rollup_daily`);
    const [sizes] = await admin<[{ heap: string; dashboardIndex: string | null }]>`
      select pg_size_pretty(pg_relation_size('incidents')) as heap,
             (select pg_size_pretty(pg_relation_size(c.oid)) from pg_class c where c.relname = 'incidents_dashboard_idx') as "dashboardIndex"`;
    console.log(`loaded in ${loadSeconds.toFixed(1)} s; heap ${sizes.heap}, dashboard index ${sizes.dashboardIndex ?? 'none'}`);

    const headers = { authorization: `Bearer ${owner.token}` };
    const call = async (path: string): Promise<{ status: number; ms: number; body: string }> => {
      const started = performance.now();
      const res = await fetch(`${baseUrl}${path}`, { headers });
      const body = await res.text();
      return { status: res.status, ms: performance.now() - started, body };
    };
    const range = (days: number) => `from=${new Date(until.getTime() - days * DAY_MS).toISOString()}&to=${until.toISOString()}`;
    const filtered = `${range(30)}&service=svc-00&service=svc-01&severity=P3&severity=P4`;

    const time = async (name: string, kind: Measured['kind'], variant: string, path: string): Promise<Measured> => {
      const first = await call(path);
      if (first.status !== 200) {
        console.log(`${name} (${variant}): skipped, ${first.status} ${first.body.slice(0, 200)}`);
        return { name, kind, variant, runs: null, skipped: `answered ${first.status}` };
      }
      for (let i = 1; i < WARM_UP; i++) await call(path);
      const runs: Timing[] = [];
      for (let run = 0; run < RUNS; run++) {
        const ms: number[] = [];
        for (let i = 0; i < REQUESTS; i++) {
          const answer = await call(path);
          if (answer.status !== 200) throw new Error(`${path}: ${answer.status} ${answer.body.slice(0, 300)}`);
          ms.push(answer.ms);
        }
        ms.sort((a, b) => a - b);
        runs.push({ p50: percentile(ms, 50), p95: percentile(ms, 95), max: ms.at(-1)! });
      }
      const p95 = median(runs.map((r) => r.p95));
      console.log(`${name} (${variant}): p50 ${median(runs.map((r) => r.p50)).toFixed(1)} ms, p95 ${p95.toFixed(1)} ms, max ${median(runs.map((r) => r.max)).toFixed(1)} ms`);
      return { name, kind, variant, runs };
    };

    const results: Measured[] = [];
    const aggregates: Array<[string, string]> = [
      ['summary', '/api/dashboard/summary'],
      ['incidents-over-time (severity)', '/api/dashboard/incidents-over-time?groupBy=severity'],
      ['incidents-over-time (service)', '/api/dashboard/incidents-over-time?groupBy=service'],
      ['response-times', '/api/dashboard/response-times'],
      ['top-clusters', '/api/dashboard/top-clusters?limit=10'],
      ['breakdown (service)', '/api/dashboard/breakdown?by=service'],
      ['heatmap (Europe/Berlin)', '/api/dashboard/heatmap?tz=Europe/Berlin'],
    ];
    const join = (path: string, query: string) => `${path}${path.includes('?') ? '&' : '?'}${query}`;
    for (const [name, path] of aggregates) {
      results.push(await time(name, 'aggregate', '30 days', join(path, range(30))));
      results.push(await time(name, 'aggregate', '365 days', join(path, range(365))));
      results.push(await time(name, 'aggregate', '30 days, 2 services × 2 severities', join(path, filtered)));
    }

    // The incident list (another module): first pages and a page deep into the list, by the cursor the API gave out.
    for (const sort of ['-created', '-severity']) {
      const first = `/api/incidents?limit=50&sort=${sort}`;
      results.push(await time(`incident list, sort ${sort}`, 'list', 'first page', first));
      if (results.at(-1)!.skipped) continue;
      let cursor: string | null = null;
      for (let page = 0; page < DEEP_PAGES; page++) {
        const answer = await call(cursor ? `${first}&cursor=${encodeURIComponent(cursor)}` : first);
        cursor = (JSON.parse(answer.body) as { nextCursor: string | null }).nextCursor;
        if (!cursor) break;
      }
      if (cursor) results.push(await time(`incident list, sort ${sort}`, 'list', `page ${DEEP_PAGES + 1} (${(DEEP_PAGES * 50).toLocaleString('en-US')} deep)`, `${first}&cursor=${encodeURIComponent(cursor)}`));
    }

    const ms = (v: number) => `${v.toFixed(1)} ms`;
    const rows = results.map((r) => {
      if (!r.runs) return [r.name, r.variant, '–', '–', '–', `skipped: ${r.skipped}`];
      const p95 = median(r.runs.map((t) => t.p95));
      const target = TARGET_MS[r.kind];
      return [r.name, r.variant, ms(median(r.runs.map((t) => t.p50))), `**${ms(p95)}**`, ms(median(r.runs.map((t) => t.max))), `≤ ${target} ms ${p95 <= target ? '(met)' : '(**not met**)'}`];
    });
    const table = markdownTable(['endpoint', 'range / filter', 'p50', 'p95', 'max', 'target (p95)'], rows);
    console.log(table);
    if (INCIDENTS !== 1_000_000 || REQUESTS < 30 || RUNS < 3) {
      console.log('(not the documented size: docs/benchmarks.md left as it is)');
      return;
    }
    writeSection(
      'dashboard',
      `## Dashboard aggregates and incident list pages at 1M incidents

Command: \`${command}\`

${machineLines(machineInfo())}
- PostgreSQL ${api.postgresVersion}, started as the tests start it (\`fsync=off\`, default \`shared_buffers\` 128 MB); API and client on the same machine

${INCIDENTS.toLocaleString('en-US')} incidents in one account, written by PostgreSQL itself (\`fillDashboardIncidents\` in \`bench/dashboard.ts\`:
\`generate_series\`, a fixed seed): created over the year before the run (recent months a little busier), 40 services with the
first taking ~29% and 5% without one, teams following services, mostly P3–P5 (P1 2%, P2 8%), 70 clusters (r² skew, 3% without),
95% resolved, MTTA and MTTR log-uniform up to ~2 h and ~17 h; then \`vacuum analyze\` (as autovacuum would have by then). Loaded in
${loadSeconds.toFixed(0)} s; heap ${sizes.heap}, \`incidents_dashboard_idx\` ${sizes.dashboardIndex ?? '(absent)'}. Then the rollups refreshed as the unification
does after its batches (\`refreshIncidentRollups\`): ${refreshed.days} days in ${refreshSeconds.toFixed(1)} s (${rollupRows.daily.toLocaleString('en-US')} rows in
\`incident_rollup_daily\`, ${rollupRows.service.toLocaleString('en-US')} in \`incident_rollup_daily_service\`). The range's last, partial day is counted from
\`incidents\`, as it always is.

The real API (\`buildApp\` with real dependencies, as \`devkit/app.ts\` \`buildTestApp\` builds it, a pool of ${config.database.maxConnections} connections)
listens on 127.0.0.1; a signed-in owner's requests go one at a time (\`fetch\`, keep-alive), each timed from send to the whole
answer. Per endpoint and variant: ${WARM_UP} warm-up requests, then ${RUNS} runs of ${REQUESTS} requests; p50, p95 and max of each run, medians
over the runs. Ranges end at the load's \`until\`; 30 days is the dashboard's default range; buckets are \`auto\` (days for 30
days, weeks for 365). The deep list page is the one after ${DEEP_PAGES} pages of 50, by the cursor the API gave out.

${table}
`,
    );
  } finally {
    await api?.stop();
    postgres.stop();
  }
}
