// New-pattern labels at 1M incidents (db/incident-novelty.ts): one account's year of generated incidents in ~70
// clusters (bench/dashboard.ts's generator, in a throwaway PostgreSQL 15), labelled as the recluster and the online
// assignment label them, in the real withAccount transaction: after every incident's cluster changed (renamed 1:1,
// and regrouped), a batch of 100 new incidents, a batch of 100 incidents two months late. Medians over runs, the
// EXPLAIN ANALYZE of the slowest statement of a full relabel, and a check of every stored label against the definition.
import postgres from 'postgres';
import { labelIncidentNovelty } from '../db/incident-novelty.ts';
import * as clusters from '../db/clusters.ts';
import { createSql, type Sql } from '../db/sql.ts';
import { TENANT_ROLE, withAccount } from '../db/tenancy.ts';
import { BENCH_CLUSTERS, fillDashboardIncidents } from './dashboard.ts';
import { machineInfo, machineLines, markdownTable, median, writeSection } from './lib/report.ts';
import { createBenchDatabase, startBenchPostgres } from './lib/services.ts';

const INCIDENTS = Number(process.env.BENCH_NOVELTY_INCIDENTS ?? 1_000_000);
/** Runs of each full relabel (every incident moved); each takes the whole account. */
const FULL_RUNS = Number(process.env.BENCH_NOVELTY_FULL_RUNS ?? 3);
const BATCH_RUNS = Number(process.env.BENCH_NOVELTY_BATCH_RUNS ?? 20);
const LATE_RUNS = Number(process.env.BENCH_NOVELTY_LATE_RUNS ?? 10);
const BATCH = 100;
/** The section of docs/benchmarks.md written (another name keeps a run of older code beside the current one). */
const SECTION = process.env.BENCH_NOVELTY_SECTION ?? 'novelty';
/** Set: the first labels are written by the benchmark's own statement instead of labelIncidentNovelty (older code). */
const SEED = Boolean(process.env.BENCH_NOVELTY_SEED);
/** Set: a labelling statement running longer is cancelled and reported as such (older code, whose full relabel may take hours). */
const TIMEOUT_S = Number(process.env.BENCH_NOVELTY_TIMEOUT_S ?? 0);

type Assignment = clusters.Assignment;
const { assignIncidents } = clusters;
/**
 * The recluster's write: its assignments with their labels (reassignIncidents); code older than that
 * (BENCH_NOVELTY_SECTION runs) wrote them with assignIncidents, leaving the moved incidents due.
 */
const reclusterWrite: (tx: postgres.TransactionSql, accountId: string, assignments: Assignment[]) => Promise<number> =
  'reassignIncidents' in clusters
    ? clusters.reassignIncidents
    : async (tx, accountId, assignments) => {
        await assignIncidents(tx, accountId, assignments);
        return assignments.length;
      };
const WRITER = 'reassignIncidents' in clusters ? '`reassignIncidents`: clusters and labels in one statement' : '`assignIncidents`: clusters only';
const DAY_MS = 86_400_000;

interface Timed {
  /** labelIncidentNovelty's time. */
  ms: number;
  /** The write before it in the same transaction (the batch's insert, the recluster's write), and its answer. */
  writeMs: number;
  written: number;
  /** Rows the call changed (labelIncidentNovelty's answer). */
  changed: number;
  /** Rows still due after the call (left for the next batch or recluster). */
  leftDue: number;
  /** Cancelled by BENCH_NOVELTY_TIMEOUT_S (its transaction rolled back): `ms` is how long it had run. */
  cancelled?: boolean;
}

interface FullRun extends Timed {
  /** labelIncidentNovelty calls until nothing was due (the first one's time is `ms`), in all, and the longest. */
  calls: number;
  totalMs: number;
  longestMs: number;
}

export async function runNovelty(command: string): Promise<void> {
  const server = await startBenchPostgres();
  const db = await createBenchDatabase(server, { prefix: 'insights_bench_novelty' });
  const admin = createSql(db.adminUrl, { max: 1, applicationName: 'insights-bench-admin' });
  const sql = createSql(db.url, { max: 2, applicationName: 'incident-insights-worker' });
  try {
    const accountId = 'bench-novelty';
    await admin`insert into accounts (id, name) values (${accountId}, 'Novelty benchmark')`;
    const until = new Date(Math.floor(Date.now() / 1000) * 1000);
    console.log(`loading ${INCIDENTS.toLocaleString('en-US')} incidents ...`);
    let started = Date.now();
    const { integrationId } = await fillDashboardIncidents(admin, accountId, INCIDENTS, until);
    await admin`vacuum analyze incidents`;
    const loadSeconds = (Date.now() - started) / 1000;
    const [{ v: postgresVersion }] = await admin<[{ v: string }]>`select current_setting('server_version') as v`;
    const [{ inWindow }] = await admin<[{ inWindow: number }]>`
      select count(*)::int as "inWindow" from incidents where account_id = ${accountId} and created_at > ${until}::timestamptz - interval '720 hours'`;

    const dueLeft = async () => {
      const [{ n }] = await admin<[{ n: number }]>`select count(*)::int as n from incidents where account_id = ${accountId} and novelty_due`;
      return n;
    };
    /**
     * In the real transaction: `write` (what places or moves incidents: timed as `writeMs`, its answer as `written`),
     * then one labelIncidentNovelty call (timed as `ms`, its answer as `changed`).
     */
    const label = async (write?: (tx: postgres.TransactionSql) => Promise<number | void>): Promise<Timed> => {
      let writeMs = 0;
      let written = 0;
      let t1 = performance.now();
      try {
        const changed = await withAccount(sql, accountId, async (tx) => {
          if (TIMEOUT_S > 0) await tx`select set_config('statement_timeout', ${`${TIMEOUT_S}s`}, true)`;
          const t0 = performance.now();
          if (write) written = (await write(tx)) ?? 0;
          t1 = performance.now();
          writeMs = t1 - t0;
          return labelIncidentNovelty(tx, accountId);
        });
        return { ms: performance.now() - t1, writeMs, written, changed, leftDue: await dueLeft() };
      } catch (err) {
        if (TIMEOUT_S === 0 || (err as { code?: string }).code !== '57014') throw err;
        return { ms: performance.now() - t1, writeMs, written, changed: 0, leftDue: await dueLeft(), cancelled: true };
      }
    };

    // The first labelling of the whole history (what migration 0023 left due), until nothing is due.
    console.log('first labelling ...');
    started = Date.now();
    let firstCalls = 0;
    if (SEED) await seedLabels(admin, accountId);
    else {
      while (firstCalls < 1000) {
        const result = await label();
        firstCalls++;
        console.log(`  call ${firstCalls}: ${(result.ms / 1000).toFixed(1)} s, ${result.changed} changed, ${result.leftDue} left due`);
        if (result.leftDue === 0) break;
      }
    }
    const firstSeconds = (Date.now() - started) / 1000;
    await admin`vacuum analyze incidents`;

    // (b) Batches of 100 new incidents, each later than the last, placed in the skewed clusters as they would be.
    const insertBatch = async (tx: postgres.TransactionSql, from: Date, spanMs: number, tag: string) => {
      await tx`
        insert into incidents (account_id, integration_id, source, external_id, title, severity, status, created_at, observed_at, cluster_id)
        select ${accountId}, ${integrationId}::uuid, 'pagerduty', ${tag} || '-' || r.g, 'Alert ' || r.cl || ' on host-' || r.g, 'P3', 'triggered',
               r.at, r.at, 'c' || r.cl
        from (
          select g, floor(${BENCH_CLUSTERS} * power(random(), 2))::int as cl,
                 ${from}::timestamptz + (random() * ${spanMs}) * interval '1 millisecond' as at
          from generate_series(1, ${BATCH}) as g
        ) r`;
    };
    const newBatch = (run: number) => (tx: postgres.TransactionSql) => insertBatch(tx, new Date(until.getTime() + (run + 1) * 60_000), 60_000, `new-${run}`);
    const lateBatch = (run: number) => (tx: postgres.TransactionSql) => insertBatch(tx, new Date(until.getTime() - 60 * DAY_MS + run * 3_600_000), DAY_MS, `late-${run}`);
    const batches: Timed[] = [];
    for (let run = 0; run < BATCH_RUNS; run++) batches.push(await label(newBatch(run)));
    console.log(`(b) 100 new: median ${median(batches.map((b) => b.ms)).toFixed(0)} ms (${batches.map((b) => b.ms.toFixed(0)).join(', ')})`);

    // (c) Batches of 100 incidents created two months ago, spread over a day: the month after each is relabelled.
    const late: Timed[] = [];
    for (let run = 0; run < LATE_RUNS; run++) late.push(await label(lateBatch(run)));
    console.log(`(c) 100 late: median ${median(late.map((b) => b.ms)).toFixed(0)} ms (${late.map((b) => b.ms.toFixed(0)).join(', ')})`);
    await admin`vacuum analyze incidents`;

    // (a) A recluster that moves every clustered incident, written as the recluster writes it (all incidents' new
    // clusters in one statement, then labelIncidentNovelty). Renamed: each cluster a new id. Merged and split:
    // alternately one grouping where every tenth pattern joins its neighbour and every tenth other one splits in two
    // by incident id, and the generated grouping again (labels change both ways). New ids each run, as a recluster's.
    const incidents = await admin<{ id: string; pattern: number }[]>`
      select id::text, split_part(title, ' ', 2)::int as pattern from incidents where account_id = ${accountId} and cluster_id is not null`;
    let moves = 0;
    let regroups = 0;
    const assignments = (regroup: boolean): Assignment[] => {
      const prefix = `r${++moves}-`;
      const split = regroup && regroups++ % 2 === 0;
      return incidents.map(({ id, pattern }) => {
        const to = !split ? `${pattern}` : pattern % 10 === 1 ? `${pattern - 1}` : pattern % 10 === 2 && id < '8' ? `${pattern}s` : `${pattern}`;
        return { incidentId: id, clusterId: prefix + to, template: `Alert ${to.replace('s', '')} on host-<*>` };
      });
    };
    const recluster = (regroup: boolean) => {
      const moved = assignments(regroup);
      return (tx: postgres.TransactionSql) => reclusterWrite(tx, accountId, moved);
    };
    // The same move written without labels (assignIncidents: every moved incident left due), for the full relabel.
    const moveOnly = () => {
      const moved = assignments(false);
      return async (tx: postgres.TransactionSql) => {
        await assignIncidents(tx, accountId, moved);
        return moved.length;
      };
    };
    // One run: the write and the call after it, then (when rows are left due) the calls the next batches would make,
    // until nothing is due: their number, the longest, and the labelling's time in all.
    const full = async (name: string, write: () => (tx: postgres.TransactionSql) => Promise<number | void>): Promise<FullRun[]> => {
      const timed: FullRun[] = [];
      for (let run = 0; run < FULL_RUNS; run++) {
        const first = await label(write());
        let last = first;
        const run_: FullRun = { ...first, calls: 1, totalMs: first.ms, longestMs: first.ms };
        while (last.leftDue > 0 && !last.cancelled && run_.calls < 100) {
          last = await label();
          run_.calls++;
          run_.totalMs += last.ms;
          run_.longestMs = Math.max(run_.longestMs, last.ms);
          run_.changed += last.changed;
        }
        Object.assign(run_, { leftDue: last.leftDue, cancelled: last.cancelled });
        timed.push(run_);
        console.log(
          `(a) ${name}: write ${(first.writeMs / 1000).toFixed(1)} s (${first.written} rows), label ${(first.ms / 1000).toFixed(2)} s${run_.cancelled ? ' (cancelled)' : ''}, ${run_.calls} call(s) ${(run_.totalMs / 1000).toFixed(1)} s in all, ${run_.changed} changed, ${run_.leftDue} left due`,
        );
        await admin`vacuum analyze incidents`;
        if (run_.leftDue > 0 || run_.cancelled) break;
      }
      return timed;
    };
    const finished = (timed: readonly FullRun[]) => timed.length > 0 && timed.every((t) => !t.cancelled && t.leftDue === 0);
    const renamed = await full('renamed', () => recluster(false));
    const regrouped = finished(renamed) ? await full('merged and split', () => recluster(true)) : [];
    const relabelled = finished(renamed) ? await full('every incident due', moveOnly) : [];

    // Plans: the slowest statement of one more of each, by auto_explain in the same transaction, as the worker's role
    // (the full relabels only when they finished above).
    const plans: { what: string; ms: number; text: string }[] = [];
    plans.push({ what: '(b) a batch of 100 new incidents', ...(await explainSlowest(db.adminUrl, accountId, newBatch(BATCH_RUNS))) });
    plans.push({ what: '(c) a batch of 100 incidents two months late', ...(await explainSlowest(db.adminUrl, accountId, lateBatch(LATE_RUNS))) });
    if (finished(regrouped)) plans.push({ what: '(a) a recluster that merged and split patterns', ...(await explainSlowest(db.adminUrl, accountId, recluster(true))) });
    if (finished(relabelled)) {
      // The move committed first: the plan is the labelling's (its first pass), not the write's.
      await withAccount(sql, accountId, moveOnly());
      plans.push({ what: '(a) every incident due: the first pass over the account', ...(await explainSlowest(db.adminUrl, accountId)) });
      while ((await dueLeft()) > 0) await label();
    }
    for (const plan of plans) console.log(`${plan.what}: ${plan.ms} ms\n${plan.text}`);

    // Every stored label against the definition, computed here from scratch.
    const mismatches = (await dueLeft()) === 0 ? await checkLabels(admin, accountId) : null;
    console.log(`labels differing from the definition: ${mismatches ?? 'not checked (rows still due)'}`);

    const s = (ms: number) => (ms >= 10_000 ? `${(ms / 1000).toFixed(1)} s` : ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${ms.toFixed(0)} ms`);
    const runsOf = (timed: readonly Timed[], planned: number) => (timed.length < planned ? `${timed.length} of ${planned}` : String(timed.length));
    const cancelled = (timed: readonly Timed[]) => timed.some((t) => t.cancelled);
    const fullRow = (what: string, timed: readonly FullRun[]) => {
      if (timed.length === 0) return [what, `0 of ${FULL_RUNS}`, '–', '–', '–', '–', '–', '–'];
      const write = `${s(median(timed.map((t) => t.writeMs)))} (${median(timed.map((t) => t.written)).toLocaleString('en-US')} rows)`;
      if (cancelled(timed)) return [what, runsOf(timed, FULL_RUNS), write, `**> ${s(Math.max(...timed.map((t) => t.ms)))}** (cancelled)`, '–', '–', '–', '–'];
      return [
        what,
        runsOf(timed, FULL_RUNS),
        write,
        `**${s(median(timed.map((t) => t.ms)))}**`,
        median(timed.map((t) => t.calls)) === 1 ? '1' : `${median(timed.map((t) => t.calls))}, ${s(median(timed.map((t) => t.totalMs)))} in all (longest ${s(median(timed.map((t) => t.longestMs)))})`,
        `**${s(median(timed.map((t) => t.writeMs + t.totalMs)))}**`,
        median(timed.map((t) => t.changed)).toLocaleString('en-US'),
        Math.max(...timed.map((t) => t.leftDue)).toLocaleString('en-US'),
      ];
    };
    const batchRow = (what: string, timed: readonly Timed[], planned: number) => [
      what,
      runsOf(timed, planned),
      `**${s(median(timed.map((t) => t.ms)))}**`,
      `${s(Math.min(...timed.map((t) => t.ms)))} – ${s(Math.max(...timed.map((t) => t.ms)))}`,
      median(timed.map((t) => t.changed)).toLocaleString('en-US'),
      Math.max(...timed.map((t) => t.leftDue)).toLocaleString('en-US'),
    ];
    const fullTable = markdownTable(
      ['(a) every clustered incident moved', 'runs', 'the write', 'labelIncidentNovelty after it', 'calls until none is due', 'together', 'rows labelling changed', 'left due'],
      [
        fullRow('renamed 1:1, written as the recluster writes', renamed),
        fullRow('merged and split, written as the recluster writes', regrouped),
        fullRow('renamed, written without labels (`assignIncidents`): every incident due', relabelled),
      ],
    );
    const batchTable = markdownTable(
      ['online batch', 'runs', 'labelIncidentNovelty (median)', 'range', 'rows it changed', 'left due'],
      [batchRow('(b) 100 new incidents', batches, BATCH_RUNS), batchRow('(c) 100 incidents two months late', late, LATE_RUNS)],
    );
    console.log(`${fullTable}\n\n${batchTable}`);
    if (INCIDENTS !== 1_000_000) {
      console.log('(not the documented size: docs/benchmarks.md left as it is)');
      return;
    }
    const commit = process.env.BENCH_NOVELTY_COMMIT;
    writeSection(
      SECTION,
      `## New-pattern labels at 1M incidents${SECTION === 'novelty' ? '' : ` (${SECTION}${commit ? `, code of ${commit}` : ''})`}

Command: \`${SECTION === 'novelty' ? command : `BENCH_NOVELTY_SECTION=${SECTION} ${command}`}\`

${machineLines(machineInfo())}
- PostgreSQL ${postgresVersion}, started as the tests start it (\`fsync=off\`, default \`shared_buffers\` 128 MB and \`work_mem\` 4 MB), on the same machine

${INCIDENTS.toLocaleString('en-US')} incidents in one account, written by PostgreSQL (\`fillDashboardIncidents\` of \`bench/dashboard.ts\`: over
the year before the run, ${BENCH_CLUSTERS} clusters with an r² skew, 3% unclustered), ${inWindow.toLocaleString('en-US')} of them in the last 720 hours; loaded in
${loadSeconds.toFixed(0)} s. ${
        SEED
          ? `The first labels were written by the benchmark's own statement (\`BENCH_NOVELTY_SEED\`: this code's first labelling of the whole history takes too long to wait for).`
          : `The first labelling of the whole history (all due, as migration 0023 left it) took ${firstSeconds.toFixed(1)} s in ${firstCalls} call${firstCalls === 1 ? '' : 's'}.`
      }
Each run is one real \`withAccount\` transaction: the write that places or moves incidents, then \`labelIncidentNovelty\`
as the recluster and the online assignment call it, each timed; when that call leaves rows due, the calls the next
batches would make follow, each in a transaction of its own, until none is. Medians over the runs.

- (a) a recluster's result for every clustered incident (${incidents.length.toLocaleString('en-US')}), written as \`activities/recluster.ts\` writes it
  (${WRITER}), each run with new cluster ids: *renamed* gives each cluster a new id; *merged
  and split* alternates between a grouping where every tenth pattern joins its neighbour and every tenth other one
  splits in two by incident id, and the generated grouping; the last row writes a renaming with \`assignIncidents\`
  (no labels: every moved incident is due, and \`labelIncidentNovelty\` relabels the whole account, as it would the
  first time after migration 0023). \`vacuum analyze\` between runs.
- (b) ${BATCH} incidents created in the minute after the newest, placed in the skewed clusters, each batch later than the last.
- (c) ${BATCH} incidents created over a day two months before the newest (the 720 hours after them are relabelled).
${TIMEOUT_S > 0 ? `\nA statement still running after ${TIMEOUT_S} s was cancelled (\`BENCH_NOVELTY_TIMEOUT_S\`); its transaction rolled back, and the runs after it were skipped.\n` : ''}
${fullTable}

${batchTable}

Every stored label checked afterwards against the definition computed from scratch (window functions over the whole
account): ${mismatches === null ? 'not checked (rows were left due)' : `${mismatches.toLocaleString('en-US')} differ`}.

The slowest statement of one more run of each, by \`auto_explain\` (\`log_analyze\`, \`log_buffers\`) in the same transaction:

${plans
  .map(
    (plan) => `<details><summary>${plan.what}: EXPLAIN ANALYZE (${s(plan.ms)})</summary>

\`\`\`
${plan.text}
\`\`\`

</details>`,
  )
  .join('\n\n')}
`,
    );
  } finally {
    await sql.end({ timeout: 5 });
    await admin.end({ timeout: 5 });
    server.stop();
  }
}

/**
 * One write and labelling (`before`, then labelIncidentNovelty, in one transaction) with auto_explain reporting each
 * statement's plan to this client as a notice; the slowest one, without its query text.
 */
async function explainSlowest(adminUrl: string, accountId: string, before?: (tx: postgres.TransactionSql) => Promise<unknown>): Promise<{ ms: number; text: string }> {
  const plans: { ms: number; text: string }[] = [];
  const sql = postgres(adminUrl, {
    max: 1,
    onnotice: (notice) => {
      const match = /^duration: ([\d.]+) ms\s+plan:\n([\s\S]*)$/.exec(String(notice.message));
      if (match) plans.push({ ms: Number(match[1]), text: match[2]! });
    },
  });
  try {
    await sql.begin(async (tx) => {
      await tx`load 'auto_explain'`;
      await tx`select set_config('auto_explain.log_min_duration', '0', true), set_config('auto_explain.log_analyze', 'on', true),
                      set_config('auto_explain.log_buffers', 'on', true), set_config('auto_explain.log_level', 'notice', true)`;
      await tx`select set_config('app.account_id', ${accountId}, true), set_config('app.user_id', '', true), set_config('role', ${TENANT_ROLE}, true)`;
      plans.length = 0;
      if (before) await before(tx);
      await labelIncidentNovelty(tx, accountId);
    });
  } finally {
    await sql.end({ timeout: 5 });
  }
  const slowest = plans.sort((a, b) => b.ms - a.ms)[0];
  if (!slowest) return { ms: 0, text: '(no plan reported)' };
  // The query text is the source's; the plan (from its first node, the first line with a cost) is what this is for.
  const lines = slowest.text.split('\n');
  const first = Math.max(0, lines.findIndex((line) => line.includes('(cost=')));
  return { ms: slowest.ms, text: lines.slice(first).join('\n').trimEnd() };
}

/**
 * The definition computed from scratch over the whole account, written here independently of db/incident-novelty.ts
 * (the previous sighting by an index probe per incident): id, cluster, and the label and previous sighting it must have.
 */
function definition(sql: postgres.TransactionSql, accountId: string) {
  return sql`
    select id, cluster_id, case when cluster_id is null then null else previous_at end as previous_at,
           case when cluster_id is null then null
                when previous_at is null then 'new'
                when previous_at < created_at - interval '720 hours' then 'back'
                when same * 20 <= total then 'rare'
                else 'known' end as novelty
    from (
      select id, cluster_id, created_at,
             (select max(p.created_at) from incidents p
              where p.account_id = i.account_id and p.cluster_id = i.cluster_id and p.created_at < i.created_at) as previous_at,
             count(*) over (partition by cluster_id order by created_at range between interval '720 hours' preceding and current row) as same,
             count(*) over (order by created_at range between interval '720 hours' preceding and current row) as total
      from incidents i where account_id = ${accountId}
    ) w`;
}

/**
 * `fn` with enough work_mem for the definition's windows to stay in memory: a window whose frame start moves (RANGE
 * 720 hours preceding) over a frame spilled to a temporary file took more than 10 minutes at 1M incidents (measured).
 */
function inMemory<T>(admin: Sql, fn: (tx: postgres.TransactionSql) => Promise<T>): Promise<T> {
  return admin.begin(async (tx) => {
    await tx`select set_config('work_mem', '1GB', true), set_config('jit', 'off', true)`;
    return fn(tx);
  }) as Promise<T>;
}

/** Stored labels that differ from the definition. */
async function checkLabels(admin: Sql, accountId: string): Promise<number> {
  return inMemory(admin, async (tx) => {
    const [{ n }] = await tx<[{ n: number }]>`
      select count(*)::int as n from incidents i join (${definition(tx, accountId)}) d on d.id = i.id
      where i.account_id = ${accountId} and (i.novelty is distinct from d.novelty or i.novelty_previous_at is distinct from d.previous_at)`;
    return n;
  });
}

/** The first labels written by the definition above, not by the code measured (whose first labelling may take hours). */
async function seedLabels(admin: Sql, accountId: string): Promise<void> {
  await inMemory(admin, (tx) => tx`
    update incidents i set novelty = d.novelty, novelty_previous_at = d.previous_at, novelty_cluster_id = d.cluster_id
    from (${definition(tx, accountId)}) d where i.account_id = ${accountId} and i.id = d.id`);
}
