// Drill: the API SIGKILLed and restarted (twice) under a load of writes. Clients may see errors, but never a success
// whose data is lost: every 2xx write is found afterwards. `npm run drill:api-restart`.
import { randomBytes } from 'node:crypto';
import {
  drillApi,
  drillEnv,
  drillLogDir,
  drillWorker,
  log,
  machineLine,
  markdownTable,
  percentile,
  runDrill,
  runLoad,
  signUpOwner,
  startDrillPostgres,
  startDrillTemporal,
  statusCounts,
  waitFor,
  withSql,
  writeReliabilitySection,
  type LoadOutcome,
} from './lib.ts';

const NAME = 'api-restart';
const WRITES = Number(process.env.DRILL_WRITES ?? 3_000);
const CONCURRENCY = Number(process.env.DRILL_CONCURRENCY ?? 16);
const KILLS_AT = [0.25, 0.6];
/** A client that got no answer polls the API's liveness this often until it answers, then goes on. */
const BACKOFF_MS = 250;
const SETTLE_TIMEOUT_MS = Number(process.env.DRILL_SETTLE_TIMEOUT_MS ?? 300_000);

type Kind = 'runbook' | 'job' | 'webhook';
interface Write {
  kind: Kind;
  /** The runbook's title, the job's message, or the webhook event's external id: what is looked up afterwards. */
  key: string;
}
interface Created {
  /** The id the API answered with (runbook and job). */
  id?: string;
}

runDrill(NAME, async (cleanup) => {
  const logDir = drillLogDir(NAME);
  log(`logs in ${logDir}`);
  const postgres = await startDrillPostgres(cleanup);
  const db = await postgres.createDatabase();
  const temporal = await startDrillTemporal(cleanup, { logDir });
  const env = drillEnv({ databaseUrl: db.url, temporalAddress: temporal.address });
  const worker = await drillWorker(cleanup, { env, logDir });
  const api = await drillApi(cleanup, { env, logDir });
  await worker.start();
  await api.start();
  log(`PostgreSQL :${postgres.port}, Temporal ${temporal.address}, worker ${worker.url}, API ${api.url}`);

  const owner = await signUpOwner(api.url, db.url);
  const hook = await owner.call('POST', '/api/integrations', {
    kind: 'webhook',
    name: 'Drill webhook',
    settings: { mapping: { fields: { externalId: 'id', title: 'summary', createdAt: 'time', severity: 'level', service: 'app' } } },
  });
  if (hook.status !== 201) throw new Error(`creating the webhook integration: ${hook.status} ${hook.text}`);
  const integration = hook.json as { integration: { id: string; webhook: { url: string } }; webhookSecret: string };

  const run = randomBytes(3).toString('hex');
  const kinds: Kind[] = ['runbook', 'job', 'webhook'];
  const writes: Write[] = Array.from({ length: WRITES }, (_, i) => ({ kind: kinds[i % 3]!, key: `drill-${run}-${i}` }));

  const post = async (url: string, headers: Record<string, string>, body: unknown) => {
    try {
      const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body), signal: AbortSignal.timeout(30_000) });
      const text = await res.text();
      return { status: res.status, text };
    } catch (err) {
      // No answer: the client waits until the API answers again (polling its liveness every BACKOFF_MS) before
      // its next write, as a client with backoff would; this write itself is not retried.
      await waitFor('the API to answer again', async () => ((await fetch(`${api.url}/api/livez`, { signal: AbortSignal.timeout(2_000) })).ok ? true : undefined), {
        timeoutMs: 180_000,
        intervalMs: BACKOFF_MS,
      }).catch(() => undefined);
      throw err;
    }
  };
  const bearer = { authorization: `Bearer ${owner.token}` };
  const send = async (w: Write): Promise<{ status: number; value?: Created }> => {
    if (w.kind === 'runbook') {
      const res = await post(`${api.url}/api/runbooks`, bearer, {
        title: w.key,
        description: 'Written by the API restart drill',
        tags: ['drill'],
        steps: [{ title: 'Look at the service', command: 'systemctl status checkout', targetType: 'systemctl', explanation: 'Is it up?', risk: 'read-only' }],
      });
      return { status: res.status, ...(res.status === 201 ? { value: { id: (JSON.parse(res.text) as { id: string }).id } } : {}) };
    }
    if (w.kind === 'job') {
      const res = await post(`${api.url}/api/jobs/echo`, bearer, { message: w.key, steps: 1, stepMs: 0 });
      return { status: res.status, ...(res.status === 202 ? { value: { id: (JSON.parse(res.text) as { job: { id: string } }).job.id } } : {}) };
    }
    const res = await post(integration.integration.webhook.url, { 'x-webhook-token': integration.webhookSecret }, { id: w.key, summary: `Drill write ${w.key}`, time: new Date().toISOString(), level: 'P3', app: 'checkout' });
    return { status: res.status };
  };

  const timeline: string[] = [];
  const t0 = Date.now();
  const at = () => `${((Date.now() - t0) / 1000).toFixed(1)} s`;
  const downtimes: number[] = [];
  let restarting: Promise<void> = Promise.resolve();
  let nextKill = 0;
  log(`sending ${WRITES} writes (runbooks, echo jobs, webhook events in turn) at concurrency ${CONCURRENCY}`);
  const outcomes: LoadOutcome<Created>[] = await runLoad<Created>({
    total: WRITES,
    concurrency: CONCURRENCY,
    send: (i) => send(writes[i]!),
    onProgress: (finished) => {
      if (nextKill < KILLS_AT.length && finished >= WRITES * KILLS_AT[nextKill]!) {
        nextKill += 1;
        const n = nextKill;
        restarting = restarting.then(async () => {
          const killedAt = Date.now();
          await api.kill();
          timeline.push(`${at()}: API SIGKILLed (kill ${n}) after ${finished} writes; restarted at once`);
          log(`API SIGKILLed (kill ${n}) after ${finished} writes`);
          await api.start();
          downtimes.push(Date.now() - killedAt);
          timeline.push(`${at()}: API answering again (${Date.now() - killedAt} ms after the kill)`);
          log('API answering again');
        });
      }
    },
  });
  await restarting;
  const loadSeconds = (Date.now() - t0) / 1000;
  timeline.push(`${at()}: load finished (${loadSeconds.toFixed(1)} s)`);
  const counts = statusCounts(outcomes);
  log(`answers: ${JSON.stringify(counts)}`);

  // A tool redelivers what it got no 2xx for: the failed webhook deliveries are sent again, once, now the API is up.
  const failedWebhooks = outcomes.filter((o) => writes[o.index]!.kind === 'webhook' && (o.status < 200 || o.status >= 300)).map((o) => o.index);
  const redelivery = await runLoad({ total: failedWebhooks.length, concurrency: CONCURRENCY, send: (k) => send(writes[failedWebhooks[k]!]!) });
  const redeliveredOk = redelivery.filter((o) => o.status === 202).length;
  timeline.push(`${at()}: ${failedWebhooks.length} failed webhook deliveries sent again: ${redeliveredOk} accepted`);

  const ok = (o: LoadOutcome<Created>) => o.status >= 200 && o.status < 300;
  const acknowledged = { runbook: [] as LoadOutcome<Created>[], job: [] as LoadOutcome<Created>[], webhook: [] as LoadOutcome<Created>[] };
  for (const o of outcomes) if (ok(o)) acknowledged[writes[o.index]!.kind].push(o);
  const webhookKeys = new Set(acknowledged.webhook.map((o) => writes[o.index]!.key));
  for (const [k, o] of redelivery.entries()) if (o.status === 202) webhookKeys.add(writes[failedWebhooks[k]!]!.key);

  // Settle: every acknowledged job completed (its workflow ran on the worker) and every webhook event unified.
  const jobIds = acknowledged.job.map((o) => o.value!.id!);
  const check = () =>
    withSql(db.adminUrl, async (sql) => {
      const [row] = await sql<[{ jobsOpen: number; pending: number }]>`
        select (select count(*)::int from jobs where id = any(${jobIds}::uuid[]) and status not in ('completed', 'failed', 'cancelled')) as "jobsOpen",
               (select count(*)::int from unify_queue where account_id = ${owner.accountId}) as pending`;
      return row;
    });
  const settleStarted = Date.now();
  let last = await check();
  try {
    await waitFor('acknowledged jobs finished and webhook events unified', async () => {
      last = await check();
      return last.jobsOpen === 0 && last.pending === 0 ? true : undefined;
    }, { timeoutMs: SETTLE_TIMEOUT_MS, intervalMs: 500 });
  } catch (err) {
    log(`${err instanceof Error ? err.message : String(err)}; last ${JSON.stringify(last)}`);
  }
  const settleSeconds = (Date.now() - settleStarted) / 1000;

  const found = await withSql(db.adminUrl, async (sql) => {
    const runbookIds = acknowledged.runbook.map((o) => o.value!.id!);
    const runbooks = await sql<{ id: string; title: string }[]>`select id, title from runbooks where id = any(${runbookIds}::uuid[])`;
    const jobs = await sql<{ id: string; status: string; message: string }[]>`select id, status, input->>'message' as message from jobs where id = any(${jobIds}::uuid[])`;
    const incidents = await sql<{ external_id: string; n: number }[]>`
      select external_id, count(*)::int as n from incidents where integration_id = ${integration.integration.id} group by external_id`;
    // Written without a 2xx answer (committed, then the process died before replying): allowed, and counted.
    const allRunbooks = await sql<{ title: string }[]>`select title from runbooks where title like ${`drill-${run}-%`}`;
    const allJobs = await sql<{ id: string; message: string; status: string }[]>`select id, input->>'message' as message, status from jobs where input->>'message' like ${`drill-${run}-%`}`;
    return { runbooks, jobs, incidents, allRunbooks, allJobs };
  });
  const titleOf = new Map(found.runbooks.map((r) => [r.id, r.title]));
  const jobOf = new Map(found.jobs.map((j) => [j.id, j]));
  const incidentsByKey = new Map(found.incidents.map((r) => [r.external_id, r.n]));
  const lost = {
    runbook: acknowledged.runbook.filter((o) => titleOf.get(o.value!.id!) !== writes[o.index]!.key).length,
    job: acknowledged.job.filter((o) => jobOf.get(o.value!.id!)?.message !== writes[o.index]!.key).length,
    webhook: [...webhookKeys].filter((k) => !incidentsByKey.has(k)).length,
  };
  const jobsNotCompleted = acknowledged.job.filter((o) => jobOf.get(o.value!.id!)?.status !== 'completed').length;
  const duplicates = {
    runbook: found.allRunbooks.length - new Set(found.allRunbooks.map((r) => r.title)).size,
    job: found.allJobs.length - new Set(found.allJobs.map((j) => j.message)).size,
    webhook: found.incidents.filter((r) => r.n > 1).length,
  };
  const unanswered = outcomes.filter((o) => !ok(o));
  const unansweredButStored = {
    runbook: found.allRunbooks.length - acknowledged.runbook.length,
    job: found.allJobs.length - acknowledged.job.length,
  };
  // Job rows written without a 2xx: did their workflow start (and finish), or is the row left queued for ever?
  // The job page settles a row whose workflow never started (GET /api/jobs/:id): open each, as a user would.
  const ackedJobIds = new Set(jobIds);
  const unackedJobs = found.allJobs.filter((j) => !ackedJobIds.has(j.id));
  const unackedJobStatuses: Record<string, number> = {};
  for (const j of unackedJobs) {
    const before = j.status;
    const page = await owner.call('GET', `/api/jobs/${j.id}`);
    const after = page.status === 200 ? (page.json as { job: { status: string } }).job.status : `GET ${page.status}`;
    const label = before === after ? after : `${before}, then ${after} once its page was opened`;
    unackedJobStatuses[label] = (unackedJobStatuses[label] ?? 0) + 1;
  }
  const totalLost = lost.runbook + lost.job + lost.webhook;
  const passed = totalLost === 0 && jobsNotCompleted === 0 && last.pending === 0 && duplicates.webhook === 0 && downtimes.length === KILLS_AT.length;
  const latencies = outcomes.filter(ok).map((o) => o.ms);

  const rows: (string | number)[][] = (['runbook', 'job', 'webhook'] as const).map((kind) => {
    const sent = writes.filter((w) => w.kind === kind).length;
    const acked = acknowledged[kind].length;
    return [
      { runbook: 'POST /api/runbooks', job: 'POST /api/jobs/echo', webhook: 'POST /api/webhooks/…' }[kind],
      sent,
      acked,
      sent - acked,
      kind === 'webhook' ? `${webhookKeys.size} (after ${redeliveredOk} redeliveries)` : acked,
      lost[kind],
      kind === 'webhook' ? '–' : unansweredButStored[kind],
      duplicates[kind],
    ];
  });
  const numbers: [string, string | number][] = [
    ['writes sent', WRITES],
    ['answers', Object.entries(counts).map(([s, n]) => `${s}: ${n}`).join(', ')],
    ['2xx answers whose write was not found afterwards (lost)', totalLost],
    ['acknowledged echo jobs that did not complete', jobsNotCompleted],
    ['webhook events still queued at the end', last.pending],
    ['echo jobs stored without a 2xx, by status', Object.entries(unackedJobStatuses).map(([k, n]) => `${k}: ${n}`).join(', ') || 'none'],
    ['API kills', downtimes.length],
    ['downtime per kill (kill to first answer of the new process)', downtimes.map((d) => `${(d / 1000).toFixed(1)} s`).join(', ')],
    ['load duration', `${loadSeconds.toFixed(1)} s`],
    ['latency of 2xx answers p50 / p99', `${percentile(latencies, 50).toFixed(0)} / ${percentile(latencies, 99).toFixed(0)} ms`],
    ['time for jobs and unification to settle after the load', `${settleSeconds.toFixed(1)} s`],
  ];
  for (const [k, v] of numbers) log(`${k}: ${v}`);
  for (const row of rows) log(row.join(' | '));
  log(`unanswered writes: ${unanswered.length}`);

  writeReliabilitySection(
    NAME,
    `## API killed under load (\`npm run drill:api-restart\`)

**What it does.** The API and one worker run as separate processes on a throwaway PostgreSQL cluster and the Temporal
dev server. ${WRITES.toLocaleString('en')} writes go to the API from loopback at a fixed concurrency of ${CONCURRENCY}, in
turn: a new runbook (\`POST /api/runbooks\`), an echo job (\`POST /api/jobs/echo\`, which inserts a row and starts a
workflow), and a generic webhook event. After ${KILLS_AT.map((k) => `${Math.round(k * 100)} %`).join(' and ')} of the
writes the API is killed with SIGKILL (no drain) and a new API process is started at once on the same port. A client
that gets no answer does not retry that write; it polls the API every ${BACKOFF_MS} ms until it answers again and goes
on with its next write. The exception is the webhook
deliveries, which are sent once more after the load, as a tool redelivers what it got no 2xx for.

**What is checked.** Every 2xx answer's write is in the database afterwards (the runbook with its title, the job with
its message and completed by the worker, the webhook event unified into exactly one incident). Writes that got no
answer may or may not have been stored (committed just before the kill): they are counted, not failures.

**Outcome: ${passed ? 'passed' : 'FAILED'}.** ${
      passed
        ? 'No acknowledged write was lost: each route commits before it answers, and the echo job’s workflow, started before the 202, ran to completion on the worker whatever happened to the API afterwards.'
        : `Lost writes: ${JSON.stringify(lost)}; jobs not completed: ${jobsNotCompleted}; see test-results/drills/${NAME}/.`
    }

${
      unackedJobs.length
        ? `Echo jobs written without a 2xx answer (${unackedJobs.length}): ${Object.entries(unackedJobStatuses).map(([k, n]) => `${n} ${k}`).join('; ')}. A job whose row was committed but whose workflow never started (the API died between the two) stays \`queued\` in the job list until its page is opened, which settles it as failed; nothing sweeps such rows on its own yet.\n\n`
        : ''
    }${markdownTable(['Write', 'Sent', '2xx', 'Error or no answer', 'Found afterwards', 'Lost (2xx, not found)', 'Stored without a 2xx', 'Duplicates'], rows)}

${markdownTable(['Measure', 'Value'], numbers)}

Timeline:

${timeline.map((line) => `- ${line}`).join('\n')}

- Machine: ${machineLine()}; run ${new Date().toISOString()}`,
  );
  return passed;
});
