// `npm run drill:temporal-restart`: the Temporal dev server (persisted in a db file) killed and restarted during a
// PagerDuty history import and while an automation run awaits approval; both must finish correctly afterwards.
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startPagerDutySimulator } from '../../connectors/simulators/pagerduty.ts';
import { latestEmails } from '../../db/outbox.ts';
import { startLambdaServer } from '../../devkit/servers/lambda.ts';
import {
  drillApi,
  drillEnv,
  drillLogDir,
  drillWorker,
  log,
  machineLine,
  markdownTable,
  runDrill,
  signUpOwner,
  startDrillPostgres,
  startDrillTemporal,
  waitFor,
  withSql,
  writeReliabilitySection,
  type DrillOwner,
  type DrillProcess,
} from './lib.ts';

const NAME = 'temporal-restart';
const INCIDENTS = Number(process.env.DRILL_INCIDENTS ?? 3000);
/** How long Temporal stays down each time: long enough for heartbeats, polls and the API's calls to fail. */
const OUTAGE_MS = Number(process.env.DRILL_OUTAGE_MS ?? 10_000);
/** Per request to the PagerDuty simulator, so the import spans the outage instead of finishing before it. */
const PAGERDUTY_LATENCY_MS = 150;
const TOKEN = 'u+pd-drill-token-0001';
const HISTORY_END = Date.parse('2026-11-01T00:00:00Z');

/** Time passing on purpose (the outage), not a wait for a condition. */
const outage = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function inviteResponder(api: DrillProcess, owner: DrillOwner, databaseUrl: string, adminUrl: string): Promise<DrillOwner> {
  const member = await signUpOwner(api.url, databaseUrl, 'Responder’s own');
  const invite = await owner.call('POST', '/api/invitations', { email: member.email, role: 'responder' });
  if (invite.status !== 201) throw new Error(`invitation failed: ${invite.status} ${invite.text}`);
  const token = await withSql(adminUrl, async (sql) => {
    const mails = await latestEmails(sql, { recipient: member.email, limit: 5 });
    const link = mails.map((m) => /\/invitations\/accept\?token=(\S+)/.exec(m.body ?? '')?.[1]).find(Boolean);
    if (!link) throw new Error('no invitation email');
    return decodeURIComponent(link);
  });
  const accepted = await member.call('POST', '/api/invitations/accept', { token });
  if (accepted.status !== 200) throw new Error(`accepting failed: ${accepted.status} ${accepted.text}`);
  return { ...member, accountId: owner.accountId };
}

runDrill(NAME, async (cleanup) => {
  const logDir = drillLogDir(NAME);
  const started = Date.now();
  const at = () => `${((Date.now() - started) / 1000).toFixed(1)} s`;
  const pg = await startDrillPostgres(cleanup);
  const database = await pg.createDatabase();
  const temporalDir = mkdtempSync(join(tmpdir(), 'insights-drill-temporal-'));
  cleanup.add('temporal db file', () => rmSync(temporalDir, { recursive: true, force: true }));
  const dbFile = join(temporalDir, 'temporal.db');
  const temporal = await startDrillTemporal(cleanup, { logDir, dbFile });
  log(`PostgreSQL on ${pg.port}, Temporal at ${temporal.address} (db file ${dbFile})`);

  const env = drillEnv({ databaseUrl: database.url, temporalAddress: temporal.address, taskQueue: `drill-${randomBytes(3).toString('hex')}`, extra: { LOG_LEVEL: 'info' } });
  const worker = await drillWorker(cleanup, { env, logDir });
  const api = await drillApi(cleanup, { env, logDir });
  await worker.start();
  await api.start();
  log(`worker and API up (${at()})`);

  const pd = await startPagerDutySimulator({ count: INCIDENTS, seed: 11, end: HISTORY_END, days: 60, tokens: { [TOKEN]: 'user' } });
  cleanup.add('pagerduty simulator', () => pd.close());
  pd.setLatency(PAGERDUTY_LATENCY_MS);
  const lambda = await startLambdaServer();
  cleanup.add('lambda server', () => lambda.close());
  const marker = join(temporalDir, 'ran-once');

  const owner = await signUpOwner(api.url, database.url);
  const responder = await inviteResponder(api, owner, database.url, database.adminUrl);

  const checks: { what: string; expected: string; actual: string; ok: boolean }[] = [];
  const check = (what: string, expected: unknown, actual: unknown) => {
    const ok = JSON.stringify(expected) === JSON.stringify(actual);
    checks.push({ what, expected: String(expected), actual: String(actual), ok });
    log(`${ok ? '✔' : '✘'} ${what}: expected ${String(expected)}, got ${String(actual)}`);
  };
  const notes: string[] = [];
  /** After an outage: the worker and the API should have ridden it out; if one died, say so and start it again. */
  const survived = async (when: string) => {
    for (const part of [worker, api]) {
      const alive = !(part.child()?.hasExited() ?? true);
      check(`the ${part.name} process survived the outage ${when}`, true, alive);
      if (!alive) {
        notes.push(`the ${part.name} exited during the outage ${when} and was started again`);
        await part.kill();
        await part.start();
      }
    }
  };

  // ---- 1. A history import, Temporal killed a quarter of the way through.
  const since = new Date(HISTORY_END - 61 * 86_400_000).toISOString();
  const until = new Date(HISTORY_END + 86_400_000).toISOString();
  const created = await owner.call('POST', '/api/integrations', { kind: 'pagerduty', name: 'PagerDuty (drill)', credentials: { apiKey: TOKEN, baseUrl: pd.url }, settings: { history: { since, until } } });
  if (created.status !== 201) throw new Error(`connecting PagerDuty failed: ${created.status} ${created.text}`);
  const integrationId = (created.json as { integration: { id: string } }).integration.id;
  type Job = { status: string; progress: { done: number; total: number }; error?: string | null };
  const job = async (): Promise<Job | undefined> => {
    const res = await owner.call('GET', `/api/integrations/${integrationId}`);
    return res.status === 200 ? (res.json as { integration: { backfill: Job } }).integration.backfill : undefined;
  };
  const importStarted = Date.now();
  /** The import's progress as the API shows it, sampled while we wait: when it stalled and when it moved again. */
  const progress: { at: number; done: number }[] = [];
  const sampled = async () => {
    const j = await job();
    if (j) progress.push({ at: Date.now(), done: j.progress.done });
    return j;
  };
  const before = await waitFor('a quarter of the history imported', async () => {
    const j = await sampled();
    return j && j.progress.done >= INCIDENTS / 4 ? j : undefined;
  }, { timeoutMs: 180_000, intervalMs: 100 });
  await temporal.stop({ kill: true });
  const killedAt = Date.now();
  log(`SIGKILLed Temporal during the import at ${before.progress.done}/${INCIDENTS} fetched (${at()})`);
  const outageCallStarted = Date.now();
  const duringOutage = await owner.call('GET', `/api/integrations/${integrationId}`);
  const outageCallMs = Date.now() - outageCallStarted;
  await outage(OUTAGE_MS);
  await temporal.start();
  const restartedAt = Date.now();
  log(`Temporal restarted after ${((restartedAt - killedAt) / 1000).toFixed(1)} s down (${at()})`);
  await survived('during the import');
  const finished = await waitFor('the import to finish', async () => {
    const j = await sampled();
    return j && ['completed', 'failed', 'cancelled'].includes(j.status) ? j : undefined;
  }, { timeoutMs: 600_000, intervalMs: 500 });
  const importDone = Date.now();
  await waitFor('every imported incident unified', () =>
    withSql(database.adminUrl, async (sql) => {
      const [row] = await sql<[{ n: number; queued: number }]>`select (select count(*)::int from incidents) as n, (select count(*)::int from unify_queue) as queued`;
      return row.n >= INCIDENTS && row.queued === 0 ? true : undefined;
    }), { timeoutMs: 300_000, intervalMs: 1_000 }).catch((err: unknown) => log(String(err)));
  const counts = await withSql(database.adminUrl, async (sql) => {
    const [row] = await sql<[{ incidents: number; distinct: number; raw: number; rawDistinct: number; queued: number }]>`
      select (select count(*)::int from incidents) as incidents,
             (select count(distinct external_id)::int from incidents) as distinct,
             (select count(*)::int from raw_events) as raw,
             (select count(distinct external_id)::int from raw_events) as "rawDistinct",
             (select count(*)::int from unify_queue) as queued`;
    const ids = await sql<{ id: string }[]>`select external_id as id from incidents`;
    return { ...row, ids: ids.map((r) => r.id) };
  });
  const expectedIds = new Set(pd.dataset.incidents.map((i) => i.id));
  const unknown = counts.ids.filter((id) => !expectedIds.has(id)).length;
  const lists = pd.requests.filter((r) => r.path === '/incidents' && r.status === 200);
  const listPages = lists.length;
  const refetchedPages = listPages - new Set(lists.map((r) => JSON.stringify(r.query))).size;
  const doneAtRestart = Math.max(0, ...progress.filter((p) => p.at <= restartedAt).map((p) => p.done));
  const movedAgain = progress.find((p) => p.at > restartedAt && p.done > doneAtRestart)?.at;
  check('the import’s final status', 'completed', finished.status);
  check('incidents stored', INCIDENTS, counts.incidents);
  check('distinct incidents (no duplicate)', INCIDENTS, counts.distinct);
  check('raw events stored (each page’s events once)', INCIDENTS, counts.raw);
  check('incidents not in the PagerDuty history', 0, unknown);
  check('raw events still queued', 0, counts.queued);

  // ---- 2. An automation run awaiting approval; Temporal killed, restarted, then the run approved.
  const target = await owner.call('POST', '/api/automation-targets', {
    name: 'Lambda (drill)',
    config: { kind: 'lambda', region: lambda.region, functionName: lambda.functionName, endpoint: lambda.url },
    secrets: { accessKeyId: lambda.accessKeyId, secretAccessKey: lambda.secretAccessKey },
  });
  if (target.status !== 201) throw new Error(`creating the target failed: ${target.status} ${target.text}`);
  const targetId = (target.json as { target: { id: string } }).target.id;
  const runbook = await owner.call('POST', '/api/runbooks', { title: 'Append once', steps: [{ title: 'Append', command: `echo ran >> ${marker}; echo appended`, targetType: 'shell', explanation: '', risk: 'read-only' }] });
  if (runbook.status !== 201) throw new Error(`creating the runbook failed: ${runbook.status} ${runbook.text}`);
  const run = await responder.call('POST', '/api/automation-runs', { runbookId: (runbook.json as { id: string }).id, targetId });
  if (run.status !== 201) throw new Error(`requesting the run failed: ${run.status} ${run.text}`);
  const runId = (run.json as { run: { id: string } }).run.id;
  type RunDetail = { run: { status: string }; steps: { status: string; exitCode: number | null; stdout?: string }[] };
  const detail = async (): Promise<RunDetail | undefined> => {
    const res = await owner.call('GET', `/api/automation-runs/${runId}`);
    return res.status === 200 ? (res.json as RunDetail) : undefined;
  };
  await waitFor('the run to await approval', async () => ((await detail())?.run.status === 'awaiting_approval' ? true : undefined), { timeoutMs: 60_000, intervalMs: 200 });
  // The row says awaiting_approval once the workflow has verified the target and waits for the approval update.
  await temporal.stop({ kill: true });
  const runKilledAt = Date.now();
  log(`SIGKILLed Temporal while the run awaits approval (${at()})`);
  const approveCallStarted = Date.now();
  const approveDuringOutage = await owner.call('POST', `/api/automation-runs/${runId}/approve`, {});
  const approveCallMs = Date.now() - approveCallStarted;
  log(`an approval during the outage answered ${approveDuringOutage.status}`);
  await outage(OUTAGE_MS);
  await temporal.start();
  const runDownMs = Date.now() - runKilledAt;
  log(`Temporal restarted after ${(runDownMs / 1000).toFixed(1)} s down (${at()})`);
  await survived('while the run awaited approval');
  let approveAttempts = 0;
  const approved = await waitFor('the approval to be accepted after the restart', async () => {
    approveAttempts += 1;
    const res = await owner.call('POST', `/api/automation-runs/${runId}/approve`, {});
    return res.status === 200 ? res.status : undefined;
  }, { timeoutMs: 120_000, intervalMs: 500 });
  const done = await waitFor('the run to finish', async () => {
    const d = await detail();
    return d && ['completed', 'failed', 'rejected', 'expired', 'cancelled'].includes(d.run.status) ? d : undefined;
  }, { timeoutMs: 180_000, intervalMs: 500 });
  const ranLines = existsSync(marker) ? readFileSync(marker, 'utf8').split('\n').filter(Boolean).length : 0;
  check('an approval while Temporal is down is refused (not 2xx)', true, approveDuringOutage.status >= 400 || approveDuringOutage.status === 0);
  check('the approval after the restart', 200, approved);
  check('the run’s final status', 'completed', done.run.status);
  check('the step’s status', 'succeeded', done.steps[0]?.status);
  check('times the step’s command ran (marker file lines)', 1, ranLines);
  check('executions on the Lambda target', 1, lambda.executions());

  const passed = checks.every((c) => c.ok);
  const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
  writeReliabilitySection(NAME, `
## Temporal restart (\`npm run drill:${NAME}\`)

**What is killed:** the Temporal dev server (\`temporal server start-dev --db-filename\`, state in a SQLite file), with
SIGKILL, twice, and started again on the same port and file. The API and one worker run as their own processes
against a throwaway PostgreSQL cluster and are not restarted.

1. **During a history import:** a PagerDuty integration (the simulator in \`connectors/simulators\`, ${INCIDENTS.toLocaleString('en')}
   incidents over 60 days, ${PAGERDUTY_LATENCY_MS} ms per request) is connected; Temporal is killed when
   ${before.progress.done.toLocaleString('en')} incidents have been fetched, and is down ${seconds(restartedAt - killedAt)}.
   While it is down the API answered the integration's page with ${duringOutage.status} in ${seconds(outageCallMs)} (its
   progress comes from PostgreSQL). The progress shown stood at ${doneAtRestart.toLocaleString('en')} at the restart and
   moved again ${movedAgain ? seconds(movedAgain - restartedAt) : 'never'} after it. The import finished (${finished.status})
   ${seconds(importDone - restartedAt)} after the restart, ${seconds(importDone - importStarted)} after it began; the simulator
   served ${listPages} incident-list pages, ${refetchedPages} of them a second time (a page re-read after the restart is
   stored once: raw events are keyed by the vendor's event).
2. **While an automation run awaits approval:** a responder requests a run of a one-step runbook on a Lambda target
   (devkit/servers/lambda.ts, the reference function with its idempotency store); Temporal is killed while the run waits.
   Temporal is down ${seconds(runDownMs)}. An approval during the outage answered ${approveDuringOutage.status} after
   ${seconds(approveCallMs)} (the API's Temporal client retries the update before giving up); after the restart the
   owner's approval was accepted on attempt ${approveAttempts}, and the run ${done.run.status}.

Outcome: **${passed ? 'passed' : 'FAILED'}**${notes.length ? ` (${notes.join('; ')})` : ''}.

${markdownTable(['Check', 'Expected', 'Actual', ''], checks.map((c) => [c.what, c.expected, c.actual, c.ok ? '✔' : '✘']))}

Run on ${new Date().toISOString().slice(0, 10)}, ${machineLine()}.
`);
  return passed;
});
