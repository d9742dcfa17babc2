// Drill: webhook intake under load while the worker is SIGKILLed and restarted mid-way. Every accepted (202) event must
// become exactly one incident (counted by external id): none lost, none duplicated. `npm run drill:webhook-load`.
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
} from './lib.ts';

const NAME = 'webhook-load';
const EVENTS = Number(process.env.DRILL_EVENTS ?? 5_000);
const CONCURRENCY = Number(process.env.DRILL_CONCURRENCY ?? 32);
/** Redeliveries of already-sent events (a tool retrying): they must change nothing. */
const REDELIVERIES = Math.round(EVENTS * 0.05);
const KILL_AT = 0.3;
const RESTART_AT = 0.6;
const SETTLE_TIMEOUT_MS = Number(process.env.DRILL_SETTLE_TIMEOUT_MS ?? 300_000);

interface Delivery {
  integration: 'alertmanager' | 'webhook';
  externalId: string;
  body: string;
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
  const am = await owner.call('POST', '/api/integrations', { kind: 'alertmanager', name: 'Drill Alertmanager' });
  if (am.status !== 201) throw new Error(`creating the Alertmanager integration: ${am.status} ${am.text}`);
  const generic = await owner.call('POST', '/api/integrations', {
    kind: 'webhook',
    name: 'Drill webhook',
    settings: { mapping: { fields: { externalId: 'id', title: 'summary', createdAt: 'time', severity: 'level', service: 'app' } } },
  });
  if (generic.status !== 201) throw new Error(`creating the generic webhook integration: ${generic.status} ${generic.text}`);
  type Created = { integration: { id: string; webhook: { url: string } }; webhookSecret: string };
  const targets = {
    alertmanager: am.json as Created,
    webhook: generic.json as Created,
  };

  // Half Alertmanager notifications (one firing alert each), half generic JSON records; all distinct.
  const run = randomBytes(3).toString('hex');
  const base = Date.UTC(2026, 10, 1);
  const deliveries: Delivery[] = Array.from({ length: EVENTS }, (_, i) => {
    const time = new Date(base + i * 60_000).toISOString();
    if (i % 2 === 0) {
      const fingerprint = `${run}${i.toString(16).padStart(10, '0')}`;
      const alert = {
        status: 'firing',
        labels: { alertname: `DrillAlert${i % 17}`, severity: ['critical', 'warning', 'info'][i % 3], instance: `node-${i % 50}`, job: `svc-${i % 9}` },
        annotations: { summary: `Drill alert ${i} on node-${i % 50}` },
        startsAt: time,
        endsAt: '0001-01-01T00:00:00Z',
        generatorURL: 'http://prometheus:9090/graph',
        fingerprint,
      };
      const body = JSON.stringify({
        version: '4',
        groupKey: `{}:{alertname="DrillAlert${i % 17}"}`,
        truncatedAlerts: 0,
        status: 'firing',
        receiver: 'insights',
        groupLabels: { alertname: alert.labels.alertname },
        commonLabels: alert.labels,
        commonAnnotations: {},
        externalURL: 'http://alertmanager:9093',
        alerts: [alert],
      });
      return { integration: 'alertmanager', externalId: `${fingerprint}@${time}`, body };
    }
    const id = `drill-${run}-${i}`;
    return { integration: 'webhook', externalId: id, body: JSON.stringify({ id, summary: `Drill event ${i}`, time, level: ['P1', 'P2', 'P3'][i % 3], app: `svc-${i % 9}` }) };
  });
  const redelivered = Array.from({ length: REDELIVERIES }, (_, k) => deliveries[(k * 7919) % EVENTS]!);
  const schedule = [...deliveries, ...redelivered];
  // Redeliveries come while the load runs, not after it: interleave them from the first third on.
  for (let k = 0; k < REDELIVERIES; k++) {
    const from = EVENTS + k;
    const to = Math.floor(EVENTS / 3) + Math.floor(((EVENTS * 2) / 3) * (k / REDELIVERIES));
    const [item] = schedule.splice(from, 1);
    schedule.splice(Math.max(to, schedule.indexOf(item!) + 1), 0, item!);
  }

  const send = async (d: Delivery) => {
    const target = targets[d.integration];
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (d.integration === 'alertmanager') headers.authorization = `Bearer ${target.webhookSecret}`;
    else headers['x-webhook-token'] = target.webhookSecret;
    const res = await fetch(target.integration.webhook.url, { method: 'POST', headers, body: d.body, signal: AbortSignal.timeout(30_000) });
    await res.arrayBuffer();
    return { status: res.status };
  };

  const timeline: string[] = [];
  const t0 = Date.now();
  const at = () => `${((Date.now() - t0) / 1000).toFixed(1)} s`;
  let killed: Promise<void> | undefined;
  let restarted: Promise<void> | undefined;
  let queuedAtRestart = 0;
  log(`sending ${schedule.length} deliveries (${EVENTS} events + ${REDELIVERIES} redeliveries) at concurrency ${CONCURRENCY}`);
  const outcomes = await runLoad({ total: schedule.length, concurrency: CONCURRENCY, send: (i) => send(schedule[i]!), onProgress: (finished) => {
    if (!killed && finished >= schedule.length * KILL_AT) {
      killed = worker.kill().then(() => {
        timeline.push(`${at()}: worker SIGKILLed after ${finished} deliveries`);
        log(`worker SIGKILLed after ${finished} deliveries`);
      });
    }
    if (killed && !restarted && finished >= schedule.length * RESTART_AT) {
      restarted = killed.then(async () => {
        const asked = Date.now();
        const queued = await withSql(db.adminUrl, async (sql) => (await sql<[{ n: number }]>`select count(*)::int as n from unify_queue`)[0].n);
        queuedAtRestart = queued;
        timeline.push(`${at()}: worker restarted after ${finished} deliveries (${queued} events waiting in the unification queue)`);
        await worker.start();
        timeline.push(`${at()}: worker healthy again (${Date.now() - asked} ms after its start)`);
        log('worker healthy again');
      });
    }
  } });
  const loadSeconds = (Date.now() - t0) / 1000;
  timeline.push(`${at()}: load finished`);
  await killed;
  await restarted;

  const accepted = new Map<string, number>();
  let acceptedDeliveries = 0;
  for (const o of outcomes) {
    if (o.status !== 202) continue;
    acceptedDeliveries += 1;
    const d = schedule[o.index]!;
    const key = `${d.integration}\t${d.externalId}`;
    accepted.set(key, (accepted.get(key) ?? 0) + 1);
  }
  const counts = statusCounts(outcomes);
  log(`answers: ${JSON.stringify(counts)}`);

  // Every accepted event unified: all raw events unified, and as many incidents as distinct accepted events.
  const ids = { alertmanager: targets.alertmanager.integration.id, webhook: targets.webhook.integration.id };
  const count = () =>
    withSql(db.adminUrl, async (sql) => {
      const [row] = await sql<[{ raw: number; pending: number; incidents: number }]>`
        select (select count(*)::int from raw_events where integration_id in ${sql([ids.alertmanager, ids.webhook])}) as raw,
               (select count(*)::int from unify_queue where account_id = ${owner.accountId}) as pending,
               (select count(*)::int from incidents where integration_id in ${sql([ids.alertmanager, ids.webhook])}) as incidents`;
      return row;
    });
  const settleStarted = Date.now();
  let last = await count();
  try {
    await waitFor(
      'every accepted event unified',
      async () => {
        last = await count();
        return last.pending === 0 && last.incidents >= accepted.size ? true : undefined;
      },
      { timeoutMs: SETTLE_TIMEOUT_MS, intervalMs: 500 },
    );
  } catch (err) {
    log(`${err instanceof Error ? err.message : String(err)}; last count ${JSON.stringify(last)}`);
  }
  const settleSeconds = (Date.now() - settleStarted) / 1000;
  timeline.push(`${at()}: queue drained (${settleSeconds.toFixed(1)} s after the load)`);

  const stored = await withSql(db.adminUrl, async (sql) => {
    return sql<{ integration_id: string; external_id: string; n: number }[]>`
      select integration_id, external_id, count(*)::int as n from incidents
      where integration_id in ${sql([ids.alertmanager, ids.webhook])} group by integration_id, external_id`;
  });
  const kindOf = new Map([[ids.alertmanager, 'alertmanager'], [ids.webhook, 'webhook']]);
  const storedKeys = new Map(stored.map((r) => [`${kindOf.get(r.integration_id)}\t${r.external_id}`, r.n]));
  const lost = [...accepted.keys()].filter((k) => !storedKeys.has(k));
  const duplicated = stored.filter((r) => r.n > 1).length;
  const unexpected = [...storedKeys.keys()].filter((k) => !accepted.has(k)).length;
  const latencies = outcomes.map((o) => o.ms);
  const passed = lost.length === 0 && duplicated === 0 && last.pending === 0 && acceptedDeliveries > 0;
  if (lost.length) log(`lost (first 5): ${lost.slice(0, 5).join(', ')}`);

  const numbers: [string, string | number][] = [
    ['events (distinct)', EVENTS],
    ['redeliveries of sent events', REDELIVERIES],
    ['deliveries sent', schedule.length],
    ['answers', Object.entries(counts).map(([s, n]) => `${s}: ${n}`).join(', ')],
    ['distinct events accepted (202)', accepted.size],
    ['raw events stored', last.raw],
    ['events waiting for unification when the new worker started', queuedAtRestart],
    ['raw events still queued at the end', last.pending],
    ['incidents stored', stored.length],
    ['accepted but lost', lost.length],
    ['duplicated incidents (same external id twice)', duplicated],
    ['incidents whose deliveries were all refused', unexpected],
    ['load duration', `${loadSeconds.toFixed(1)} s (${Math.round(schedule.length / loadSeconds)} deliveries/s)`],
    ['latency p50 / p99 / max', `${percentile(latencies, 50).toFixed(0)} / ${percentile(latencies, 99).toFixed(0)} / ${Math.max(...latencies).toFixed(0)} ms`],
    ['time to drain the queue after the load', `${settleSeconds.toFixed(1)} s`],
  ];
  for (const [k, v] of numbers) log(`${k}: ${v}`);

  writeReliabilitySection(
    NAME,
    `## Webhook intake while the worker dies (\`npm run drill:webhook-load\`)

**What it does.** The API and one worker run as separate processes (\`api/server.ts\`, \`temporal/worker.ts\`) on a
throwaway PostgreSQL cluster and the Temporal dev server. The drill connects an Alertmanager integration and a generic
JSON webhook integration and posts ${EVENTS.toLocaleString('en')} distinct events (half Alertmanager notifications with
one alert each, half generic records) from loopback at a fixed concurrency of ${CONCURRENCY}, plus
${REDELIVERIES} redeliveries of events already sent (a tool retrying), interleaved with the load. After
${Math.round(KILL_AT * 100)} % of the deliveries the worker is killed with SIGKILL (no drain); after
${Math.round(RESTART_AT * 100)} % a new worker is started. The API stays up throughout.

**What is checked.** Every event answered 202 ends up as exactly one incident (counted by integration and external
id, with a superuser that sees past row-level security); no raw event is left queued; a redelivery changes nothing.

**Outcome: ${passed ? 'passed' : 'FAILED'}.** ${
      passed
        ? 'Intake does not depend on the worker: the API stores each event in the request’s transaction before the 202, and the unification the API nudged (or the one interrupted by the kill) runs on the restarted worker; nothing acknowledged was lost and nothing doubled.'
        : `Lost ${lost.length}, duplicated ${duplicated}, still queued ${last.pending}: see the logs in test-results/drills/${NAME}/.`
    }

${markdownTable(['Measure', 'Value'], numbers)}

Timeline:

${timeline.map((line) => `- ${line}`).join('\n')}

- Machine: ${machineLine()}; run ${new Date().toISOString()}`,
  );
  return passed;
});

