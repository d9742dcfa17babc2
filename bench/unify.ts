// Unification throughput: raw PagerDuty events → unified incidents in a real PostgreSQL 15. The queue is loaded once
// (webhook deliveries mapped by the connector and stored set-based, as intake does) into a template database; each
// run drains a fresh copy of it with unifyInTransaction in the real withAccount transaction, batch after batch of
// UNIFY_BATCH as the unify workflow does, in a fresh Node process. Medians over the runs.
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { unifyInTransaction } from '../activities/unify.ts';
import { intake } from '../connectors/intake.ts';
import { webhookConnectorFor } from '../connectors/registry.ts';
import { insertRawEvents } from '../db/raw-events.ts';
import { createSql } from '../db/sql.ts';
import { withAccount } from '../db/tenancy.ts';
import { UNIFY_BATCH } from '../workflows/unify.ts';
import { pagerDutyDeliveries } from './lib/pagerduty-deliveries.ts';
import { REPO_ROOT, machineInfo, machineLines, markdownTable, median, writeSection } from './lib/report.ts';
import { asAdmin, createBenchDatabase, startBenchPostgres } from './lib/services.ts';

const MiB = 2 ** 20;
const INCIDENTS = Number(process.env.BENCH_UNIFY_INCIDENTS ?? 100_000);
const RUNS = Number(process.env.BENCH_UNIFY_RUNS ?? 3);
/** Deliveries per intake transaction while loading (insertRawEvents takes them as one statement). */
const LOAD_BATCH = 1000;
/** One at a time: ids (arrival order) follow the deliveries' time order, and the heap follows the ids. */
const LOAD_CONNECTIONS = 1;
const TARGET_EVENTS_PER_SECOND = 20_000;

export interface LoadResult {
  seconds: number;
  rawEvents: number;
  incidents: number;
  resolved: number;
}

export interface DrainResult {
  seconds: number;
  processed: number;
  /** Incident rows upserted, summed over batches (an incident met again in a later batch counts again). */
  incidentsWritten: number;
  orphans: number;
  batches: number;
  batchMs: { median: number; max: number };
  peakRssMiB: number;
  /** CPU the drain used in Node and in its PostgreSQL backend (null where /proc is not readable). */
  nodeCpuSeconds: number;
  postgresCpuSeconds: number | null;
}

/** User + system CPU seconds of a process, from /proc (PostgreSQL runs on this machine in the benchmark). */
function processCpuSeconds(pid: number): number | null {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return null;
  }
}

/** Stores two deliveries per incident as raw events, in arrival order, through the connector's intake. */
export async function load(url: string, accountId: string, integrationId: string, incidents: number): Promise<LoadResult> {
  const { deliveries, resolved } = await pagerDutyDeliveries(incidents);
  const connector = webhookConnectorFor('pagerduty', {});
  const sql = createSql(url, { max: LOAD_CONNECTIONS, applicationName: 'insights-bench-load' });
  try {
    const started = process.hrtime.bigint();
    let stored = 0;
    let next = 0;
    const lane = async () => {
      while (next < deliveries.length) {
        const from = next;
        next += LOAD_BATCH;
        const items = deliveries.slice(from, from + LOAD_BATCH).map((d) => ({ eventId: d.webhookId, raw: { type: 'webhook_event' as const, event: d.event.event } }));
        const taken = intake(connector, items as never, {});
        const inserted = await withAccount(sql, accountId, (tx) => insertRawEvents(tx, accountId, integrationId, 'pagerduty', taken.events));
        stored += inserted;
      }
    };
    await Promise.all(Array.from({ length: LOAD_CONNECTIONS }, lane));
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    return { seconds, rawEvents: stored, incidents, resolved };
  } finally {
    await sql.end();
  }
}

/** Unifies the account's whole queue as the unify workflow does: batches of UNIFY_BATCH until one comes back short. */
export async function drain(url: string, accountId: string): Promise<DrainResult> {
  const sql = createSql(url, { max: 1, applicationName: 'insights-bench-unify' });
  try {
    const [{ pid }] = await sql<[{ pid: number }]>`select pg_backend_pid() as pid`;
    const result = { processed: 0, incidentsWritten: 0, orphans: 0, batches: 0 };
    const batchMs: number[] = [];
    const postgresCpuBefore = processCpuSeconds(pid);
    const nodeCpuBefore = process.cpuUsage();
    const started = process.hrtime.bigint();
    for (;;) {
      const batchStarted = process.hrtime.bigint();
      const batch = await withAccount(sql, accountId, (tx) => unifyInTransaction(tx, accountId, UNIFY_BATCH));
      batchMs.push(Number(process.hrtime.bigint() - batchStarted) / 1e6);
      result.processed += batch.processed;
      result.incidentsWritten += batch.incidents;
      result.orphans += batch.orphans;
      result.batches += 1;
      if (batch.processed < UNIFY_BATCH) break;
    }
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    const nodeCpu = process.cpuUsage(nodeCpuBefore);
    const postgresCpuAfter = processCpuSeconds(pid);
    return {
      seconds,
      ...result,
      batchMs: { median: median(batchMs), max: Math.max(...batchMs) },
      peakRssMiB: (process.resourceUsage().maxRSS * 1024) / MiB,
      nodeCpuSeconds: (nodeCpu.user + nodeCpu.system) / 1e6,
      postgresCpuSeconds: postgresCpuBefore === null || postgresCpuAfter === null ? null : postgresCpuAfter - postgresCpuBefore,
    };
  } finally {
    await sql.end();
  }
}

async function runStep<T>(args: string[]): Promise<T> {
  // BENCH_CPU_PROF=DIR: a CPU profile of each step's process, for `node --cpu-prof` analysis.
  const profile = process.env.BENCH_CPU_PROF ? ['--cpu-prof', '--cpu-prof-dir', process.env.BENCH_CPU_PROF] : [];
  const { stdout } = await promisify(execFile)(process.execPath, [...profile, join(REPO_ROOT, 'bench/unify-run.ts'), ...args], {
    cwd: REPO_ROOT,
    maxBuffer: 1 << 20,
  });
  return JSON.parse(stdout.trim().split('\n').at(-1)!) as T;
}

const rate = (n: number) => `${Math.round(n).toLocaleString('en-US')} / s`;
const count = (n: number) => n.toLocaleString('en-US');

export async function runUnify(command: string): Promise<void> {
  const server = await startBenchPostgres();
  try {
    const accountId = 'bench-unify';
    const integrationId = randomUUID();
    const template = await createBenchDatabase(server, { prefix: 'insights_bench_unify_template' });
    await asAdmin(template, async (admin) => {
      await admin`insert into accounts (id, name) values (${accountId}, 'Unify benchmark')`;
      await admin`insert into integrations (id, account_id, kind, name) values (${integrationId}, ${accountId}, 'pagerduty', 'PagerDuty')`;
    });
    console.log(`loading ${count(INCIDENTS)} incidents' deliveries into the queue ...`);
    const loaded = await runStep<LoadResult>(['load', template.url, accountId, integrationId, String(INCIDENTS)]);
    console.log(`loaded ${count(loaded.rawEvents)} raw events in ${loaded.seconds.toFixed(1)} s (${rate(loaded.rawEvents / loaded.seconds)})`);
    // BENCH_UNIFY_SQL: statements run on the loaded database before the drains (to try an index or a setting).
    if (process.env.BENCH_UNIFY_SQL) await asAdmin(template, (admin) => admin.unsafe(process.env.BENCH_UNIFY_SQL!));
    // As autovacuum would have by then: the planner knows the queue's size. Then no autovacuum during the drains
    // (its timing would decide when the planner sees the queue shrink, and so each run's plans): every run starts
    // from, and keeps, the statistics of a just-loaded queue, as a drain does until autovacuum next analyzes.
    await asAdmin(template, async (admin) => {
      await admin`vacuum analyze`;
      await admin`alter table raw_events set (autovacuum_enabled = off)`;
      await admin`alter table incidents set (autovacuum_enabled = off)`;
    });

    const runs: DrainResult[] = [];
    for (let run = 0; run < RUNS; run++) {
      const db = await createBenchDatabase(server, { template: template.name, prefix: 'insights_bench_unify' });
      try {
        const result = await runStep<DrainResult>(['drain', db.url, accountId]);
        const check = await asAdmin(db, async (admin) => {
          const [row] = await admin<[{ incidents: number; resolved: number; pending: number }]>`
            select (select count(*)::int from incidents) as incidents,
                   (select count(*)::int from incidents where status = 'resolved') as resolved,
                   (select count(*)::int from unify_queue) as pending`;
          return row;
        });
        if (result.processed !== loaded.rawEvents || check.pending !== 0 || check.incidents !== loaded.incidents || check.resolved !== loaded.resolved) {
          throw new Error(`run ${run + 1} unified wrongly: ${JSON.stringify({ result, check, loaded })}`);
        }
        console.log(
          `run ${run + 1}: ${result.seconds.toFixed(2)} s, ${rate(result.processed / result.seconds)} raw events, ${rate(result.incidentsWritten / result.seconds)} incident rows, ` +
            `batch ${result.batchMs.median.toFixed(0)} ms median / ${result.batchMs.max.toFixed(0)} ms max, peak RSS ${result.peakRssMiB.toFixed(0)} MiB, ` +
            `CPU: Node ${result.nodeCpuSeconds.toFixed(1)} s, PostgreSQL backend ${result.postgresCpuSeconds?.toFixed(1) ?? '?'} s`,
        );
        runs.push(result);
      } finally {
        await db.drop();
      }
    }
    await template.drop();

    const seconds = median(runs.map((r) => r.seconds));
    const eventsPerSecond = median(runs.map((r) => r.processed / r.seconds));
    const table = markdownTable(
      ['raw events', 'incidents', 'batch', 'runs', 'median time', 'raw events / s', 'incident rows written / s', 'distinct incidents / s', 'batch time (median / max)', 'CPU: Node / PostgreSQL backend', 'peak RSS', 'target'],
      [
        [
          count(loaded.rawEvents),
          count(loaded.incidents),
          count(UNIFY_BATCH),
          String(RUNS),
          `${seconds.toFixed(2)} s`,
          `**${rate(eventsPerSecond)}**`,
          rate(median(runs.map((r) => r.incidentsWritten / r.seconds))),
          rate(median(runs.map((r) => loaded.incidents / r.seconds))),
          `${median(runs.map((r) => r.batchMs.median)).toFixed(0)} ms / ${median(runs.map((r) => r.batchMs.max)).toFixed(0)} ms`,
          `${median(runs.map((r) => r.nodeCpuSeconds)).toFixed(1)} s / ${runs.every((r) => r.postgresCpuSeconds !== null) ? `${median(runs.map((r) => r.postgresCpuSeconds!)).toFixed(1)} s` : '–'}`,
          `${median(runs.map((r) => r.peakRssMiB)).toFixed(0)} MiB`,
          `≥ ${count(TARGET_EVENTS_PER_SECOND)} raw events / s ${eventsPerSecond >= TARGET_EVENTS_PER_SECOND ? '(met)' : '(**not met**)'}`,
        ],
      ],
    );
    console.log(table);
    if (process.env.BENCH_UNIFY_SQL) {
      console.log('BENCH_UNIFY_SQL is set: a what-if, so docs/benchmarks.md is left as it is');
      return;
    }
    writeSection(
      'unify',
      `## Unification throughput (raw events → incidents, PostgreSQL)

Command: \`${command}\`

${machineLines(machineInfo())}
- PostgreSQL ${await serverVersion(server.adminUrl)}, a throwaway server started as the tests start it (\`devkit/postgres-server.ts\`:
  \`fsync=off\`, otherwise defaults), on the same machine

The queue: ${count(loaded.incidents)} incidents of a seeded PagerDuty history (\`bench/lib/pagerduty-deliveries.ts\`, the
PagerDuty simulator's webhook events), each delivered twice: \`incident.triggered\`, then \`incident.resolved\`
(${count(loaded.resolved)}) or \`incident.acknowledged\`, in the order they happened. Each delivery went through the connector's
intake (\`toUnified\`) and \`insertRawEvents\` in transactions of ${count(LOAD_BATCH)} (untimed: ${loaded.seconds.toFixed(1)} s,
${rate(loaded.rawEvents / loaded.seconds)}), once, into a template database that every run copies. A run is a fresh Node process
(\`bench/unify-run.ts\`) calling \`unifyInTransaction\` in \`withAccount\` with \`UNIFY_BATCH\` = ${count(UNIFY_BATCH)} until a batch
comes back short, as the unify workflow does (without Temporal around it): each batch takes its events off the
\`unify_queue\` table and writes the incidents with every index the product keeps on them (the natural key, the
dashboard's covering index, the list's severity and MTTR orders, clusters). The account has no cluster model yet (a first
import), so each batch's online assignment only checks whether a first recluster is due. Each run is checked afterwards (every incident
once, the resolved ones resolved, the queue empty). The loaded database is vacuumed and analyzed (as autovacuum would
have done after the import), and autovacuum is then off for \`raw_events\` and \`incidents\`, so every run plans with the
statistics of a just-loaded queue, as a drain does until autovacuum next analyzes (with it on, the run that autovacuum
happened to analyze mid-drain was twice as fast as the others). Times cover the drain only; peak RSS is that process's maximum
resident set; CPU is the drain process's and its PostgreSQL backend's (from \`/proc\`). "Incident rows written" counts each
batch's upserts (an incident met again in a later batch counts again).

${table}
`,
    );
  } finally {
    server.stop();
  }
}

async function serverVersion(url: string): Promise<string> {
  const sql = createSql(url, { max: 1 });
  try {
    const [row] = await sql<[{ v: string }]>`select current_setting('server_version') as v`;
    return row.v;
  } finally {
    await sql.end();
  }
}
