// New-pattern labels at 1M incidents (db/incident-novelty.ts): one account's year of generated incidents in ~70
// clusters (bench/dashboard.ts's generator, in a throwaway PostgreSQL 15), labelled as the recluster and the online
// assignment label them, in the real withAccount transaction: after every incident's cluster changed (renamed 1:1,
// and regrouped), a batch of 100 new incidents, a batch of 100 incidents two months late. Medians over runs, the
// EXPLAIN ANALYZE of the slowest statement of a full relabel, and a check of every stored label against the definition.
import postgres from 'postgres';
import { labelIncidentNovelty } from '../db/incident-novelty.ts';
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
const TARGET_FULL_S = 60;
const DAY_MS = 86_400_000;

interface Timed {
  ms: number;
  /** Rows the call changed (labelIncidentNovelty's answer). */
  changed: number;
  /** Rows still due after the call (left for the next batch or recluster). */
  leftDue: number;
  /** Cancelled by BENCH_NOVELTY_TIMEOUT_S (its transaction rolled back): `ms` is how long it had run. */
  cancelled?: boolean;
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
    /** One labelIncidentNovelty call in the real transaction, after `before` (the move that made rows due) in it. */
    const label = async (before?: (tx: postgres.TransactionSql) => Promise<unknown>): Promise<Timed & { beforeMs: number }> => {
      let beforeMs = 0;
      let t1 = performance.now();
      try {
        const changed = await withAccount(sql, accountId, async (tx) => {
          if (TIMEOUT_S > 0) await tx`select set_config('statement_timeout', ${`${TIMEOUT_S}s`}, true)`;
          const t0 = performance.now();
          if (before) await before(tx);
          t1 = performance.now();
          beforeMs = t1 - t0;
          return labelIncidentNovelty(tx, accountId);
        });
        return { ms: performance.now() - t1, beforeMs, changed, leftDue: await dueLeft() };
      } catch (err) {
        if (TIMEOUT_S === 0 || (err as { code?: string }).code !== '57014') throw err;
        return { ms: performance.now() - t1, beforeMs, changed: 0, leftDue: await dueLeft(), cancelled: true };
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
    const insertBatch = async (tx: postgres.TransactionSql, from: Date, spanMs: number, tag: string) => tx`
      insert into incidents (account_id, integration_id, source, external_id, title, severity, status, created_at, observed_at, cluster_id)
      select ${accountId}, ${integrationId}::uuid, 'pagerduty', ${tag} || '-' || r.g, 'Alert ' || r.cl || ' on host-' || r.g, 'P3', 'triggered',
             r.at, r.at, 'c' || r.cl
      from (
        select g, floor(${BENCH_CLUSTERS} * power(random(), 2))::int as cl,
               ${from}::timestamptz + (random() * ${spanMs}) * interval '1 millisecond' as at
        from generate_series(1, ${BATCH}) as g
      ) r`;
    const batches: Timed[] = [];
    for (let run = 0; run < BATCH_RUNS; run++) {
      const from = new Date(until.getTime() + (run + 1) * 60_000);
      batches.push(await label((tx) => insertBatch(tx, from, 60_000, `new-${run}`)));
    }
    console.log(`(b) 100 new: median ${median(batches.map((b) => b.ms)).toFixed(0)} ms (${batches.map((b) => b.ms.toFixed(0)).join(', ')})`);

    // (c) Batches of 100 incidents created two months ago, spread over a day: the month after each is relabelled.
    const late: Timed[] = [];
    for (let run = 0; run < LATE_RUNS; run++) {
      const from = new Date(until.getTime() - 60 * DAY_MS + run * 3_600_000);
      late.push(await label((tx) => insertBatch(tx, from, DAY_MS, `late-${run}`)));
    }
    console.log(`(c) 100 late: median ${median(late.map((b) => b.ms)).toFixed(0)} ms (${late.map((b) => b.ms.toFixed(0)).join(', ')})`);
    await admin`vacuum analyze incidents`;

    // (a) Every incident moved. Renamed: each cluster gets a new id (a bijection, so no label changes). Regrouped:
    // alternately the generated grouping and one where every tenth pattern merges into its neighbour and every tenth
    // other one splits in two (labels change). Ids are new each run, as a recluster's would be.
    const renamed: (Timed & { beforeMs: number })[] = [];
    const regrouped: (Timed & { beforeMs: number })[] = [];
    let runs = 0;
    let regroups = 0;
    const move = (regroup: boolean) => {
      const prefix = `r${++runs}-`;
      // The first regrouping and every other one after it merge and split; the others go back to the generated grouping.
      const split = regroup && regroups++ % 2 === 0;
      return (tx: postgres.TransactionSql) => tx`
        update incidents set cluster_id = ${prefix} || case
            when not ${split} then ${patternOf(tx)}
            when ${patternOf(tx)}::int % 10 = 1 then (${patternOf(tx)}::int - 1)::text
            when ${patternOf(tx)}::int % 10 = 2 and id < '80000000-0000-0000-0000-000000000000' then ${patternOf(tx)} || 's'
            else ${patternOf(tx)} end
        where account_id = ${accountId} and cluster_id is not null`;
    };
    for (let run = 0; run < FULL_RUNS; run++) {
      const result = await label(move(false));
      renamed.push(result);
      console.log(`(a) renamed: ${(result.ms / 1000).toFixed(2)} s${result.cancelled ? ' (cancelled)' : ''} (the move ${(result.beforeMs / 1000).toFixed(1)} s), ${result.changed} changed, ${result.leftDue} left due`);
      if (result.leftDue > 0 || result.cancelled) break;
      await admin`vacuum analyze incidents`;
    }
    const renamedDone = renamed.at(-1)?.leftDue === 0 && !renamed.at(-1)?.cancelled;
    if (renamedDone) {
      for (let run = 0; run < FULL_RUNS; run++) {
        const result = await label(move(true));
        regrouped.push(result);
        console.log(`(a) regrouped: ${(result.ms / 1000).toFixed(2)} s${result.cancelled ? ' (cancelled)' : ''} (the move ${(result.beforeMs / 1000).toFixed(1)} s), ${result.changed} changed, ${result.leftDue} left due`);
        if (result.leftDue > 0 || result.cancelled) break;
        await admin`vacuum analyze incidents`;
      }
    }

    // The plan of the slowest statement of one more regrouping relabel (or, when the full relabel did not finish, of one
    // more late batch), by auto_explain in the same transaction, as the worker's role.
    const explained = renamedDone ? 'a full relabel (merged and split)' : 'a batch of 100 incidents two months late (the full relabel did not finish)';
    const plan = await explainSlowest(
      db.adminUrl,
      accountId,
      renamedDone ? move(true) : (tx) => insertBatch(tx, new Date(until.getTime() - 60 * DAY_MS - DAY_MS), DAY_MS, 'late-explained'),
    );
    console.log(plan.text);

    // Every stored label against the definition, computed here from scratch.
    const mismatches = renamedDone && (await dueLeft()) === 0 ? await checkLabels(admin, accountId) : null;
    console.log(`labels differing from the definition: ${mismatches ?? 'not checked (rows still due)'}`);

    const s = (ms: number) => (ms >= 10_000 ? `${(ms / 1000).toFixed(1)} s` : ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${ms.toFixed(0)} ms`);
    const row = (what: string, timed: readonly (Timed & { beforeMs?: number })[], target: string, planned: number) => {
      if (timed.length === 0) return [what, `0 of ${planned}`, '–', '–', '–', '–', target];
      const ms = timed.map((t) => t.ms);
      if (timed.some((t) => t.cancelled)) return [what, `${timed.length} of ${planned}`, `**> ${s(Math.max(...ms))}** (cancelled)`, '–', '–', '–', target];
      return [
        what,
        timed.length < planned ? `${timed.length} of ${planned}` : String(timed.length),
        `**${s(median(ms))}**`,
        `${s(Math.min(...ms))} – ${s(Math.max(...ms))}`,
        median(timed.map((t) => t.changed)).toLocaleString('en-US'),
        Math.max(...timed.map((t) => t.leftDue)).toLocaleString('en-US'),
        target,
      ];
    };
    const table = markdownTable(
      ['labelling', 'runs', 'median', 'range', 'rows changed (median)', 'left due (max)', 'target'],
      [
        row('(a) every cluster renamed 1:1 (every incident due)', renamed, `well under ${TARGET_FULL_S} s`, FULL_RUNS),
        row('(a) every incident moved, patterns merged and split', regrouped, `well under ${TARGET_FULL_S} s`, FULL_RUNS),
        row('(b) 100 new incidents', batches, 'as before (60–140 ms at 300k)', BATCH_RUNS),
        row('(c) 100 incidents two months late', late, '–', LATE_RUNS),
      ],
    );
    const moves = [...renamed, ...regrouped].map((r) => r.beforeMs);
    console.log(table);
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
${loadSeconds.toFixed(0)} s. Every call is \`labelIncidentNovelty\` as the recluster and the online assignment make it, in the real
\`withAccount\` transaction, timed alone (the write that made rows due runs first in the same transaction, as there).
${
        SEED
          ? `The first labels were written by the benchmark's own statement (\`BENCH_NOVELTY_SEED\`: this code's first labelling of the whole history takes too long to wait for).`
          : `The first labelling of the whole history (all due, as migration 0023 left it) took ${firstSeconds.toFixed(1)} s in ${firstCalls} call${firstCalls === 1 ? '' : 's'}.`
      }

- (a) every clustered incident moved to a new cluster id in one \`update\` (as \`assignIncidents\` writes a recluster's
  result; median ${s(median(moves.length > 0 ? moves : [0]))} for that update itself): *renamed* gives each cluster a new id; *merged and split*
  alternates between the generated grouping and one where every tenth pattern joins its neighbour and every tenth
  other one splits in two by incident id. \`vacuum analyze\` between runs.
- (b) ${BATCH} incidents created in the minute after the newest, placed in the skewed clusters, each batch later than the last.
- (c) ${BATCH} incidents created over a day two months before the newest (the 720 hours after them are relabelled).
${TIMEOUT_S > 0 ? `\nA labelling statement still running after ${TIMEOUT_S} s was cancelled (\`BENCH_NOVELTY_TIMEOUT_S\`); its transaction rolled back, and the runs after it were skipped.\n` : ''}
${table}

Every stored label checked afterwards against the definition computed from scratch (window functions over the whole
account): ${mismatches === null ? 'not checked (rows were left due)' : `${mismatches.toLocaleString('en-US')} differ`}.

The slowest statement of ${explained}, by \`auto_explain\` (\`log_analyze\`, \`log_buffers\`) in the same transaction:

<details><summary>EXPLAIN ANALYZE (${s(plan.ms)})</summary>

\`\`\`
${plan.text}
\`\`\`

</details>
`,
    );
  } finally {
    await sql.end({ timeout: 5 });
    await admin.end({ timeout: 5 });
    server.stop();
  }
}

/** The cluster's pattern number: its incidents' titles are 'Alert <n> on host-<h>' (fillDashboardIncidents). */
function patternOf(tx: postgres.TransactionSql) {
  return tx`split_part(title, ' ', 2)`;
}

/**
 * One labelling (after `before`, in the same transaction) with auto_explain reporting each statement's plan to this
 * client as a notice; the slowest one, without its query text.
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
      if (before) await before(tx);
      plans.length = 0;
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
