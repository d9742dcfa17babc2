// Webhook intake on loopback: signed PagerDuty deliveries into the real API (buildApp with real dependencies, as the
// tests build it) listening on 127.0.0.1, with a fixed number in flight; rate, latency and loss (every 202 is a
// stored raw event). The API nudges unification through a real Temporal dev server; no worker runs, so this measures
// intake only.
import { Worker } from 'node:worker_threads';
import { signPagerDutyBody } from '../connectors/pagerduty/webhook.ts';
import type { PagerDutySimulator } from '../connectors/simulators/pagerduty.ts';
import { unifyNowWorkflowId } from '../workflows/unify.ts';
import { pagerDutyDeliveries, type Delivery } from './lib/pagerduty-deliveries.ts';
import { machineInfo, machineLines, markdownTable, median, writeSection } from './lib/report.ts';
import { startBenchApi, startBenchPostgres, type BenchApi } from './lib/services.ts';
import type { LoadOutput, LoadRequest } from './lib/webhook-load.ts';

const DELIVERIES = Number(process.env.BENCH_WEBHOOK_DELIVERIES ?? 20_000);
const RUNS = Number(process.env.BENCH_WEBHOOK_RUNS ?? 3);
const CONCURRENCY = Number(process.env.BENCH_WEBHOOK_CONCURRENCY ?? 32);
/** Deliveries before the first run, not measured (JIT, connection pools, caches). */
const WARM_UP = 1_000;
const SIGNING_SECRET = 'bench-pagerduty-webhook-signing-secret';
const PD_TOKEN = 'bench-pd-token';
const TARGET = { eventsPerSecond: 1_000, p99Ms: 100 };

interface RunResult {
  seconds: number;
  accepted: number;
  eventsPerSecond: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
  /** raw_events rows of the integration after the run, and the 202s (with stored = 1) so far. */
  rows: number;
  acknowledged: number;
}

function percentile(sorted: Float64Array, p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

function prepare(deliveries: readonly Delivery[]): LoadRequest[] {
  // As PagerDuty sends them (and the simulator's sendWebhook): one event per request, signed, a delivery id each.
  return deliveries.map((d) => {
    const body = JSON.stringify(d.event);
    return {
      body,
      headers: {
        'Content-Type': 'application/json',
        'User-Agent': 'PagerDuty-Webhook/V3.0',
        'X-Webhook-Id': d.webhookId,
        'X-Webhook-Subscription': 'PBENCH1',
        'X-PagerDuty-Signature': signPagerDutyBody(body, [SIGNING_SECRET]),
      },
    };
  });
}

function driveInWorker(url: string, requests: LoadRequest[]): Promise<LoadOutput> {
  return new Promise((resolve, reject) => {
    // A TypeScript module, which the thread reads itself (Node's type stripping).
    const worker = new Worker(new URL('./lib/webhook-load.ts', import.meta.url), { workerData: { url, requests, concurrency: CONCURRENCY } });
    let output: LoadOutput | undefined;
    worker.once('message', (message: LoadOutput) => (output = message));
    worker.once('error', reject);
    worker.once('exit', (code) => (output ? resolve(output) : reject(new Error(`load worker exited with ${code} and no result`))));
  });
}

export async function runWebhooks(command: string): Promise<void> {
  const postgres = await startBenchPostgres();
  let api: BenchApi | undefined;
  let pd: PagerDutySimulator | undefined;
  try {
    const total = WARM_UP + RUNS * DELIVERIES;
    const { deliveries } = await pagerDutyDeliveries(Math.ceil(total / 2), { seed: 23, keep: (sim) => (pd = sim) });
    pd!.addToken(PD_TOKEN, 'user');
    api = await startBenchApi(postgres, 'webhooks');
    const { admin, baseUrl, config, owner, temporal } = api;
    const created = await owner.call({
      method: 'POST',
      url: '/api/integrations',
      payload: { kind: 'pagerduty', name: 'PagerDuty (benchmark)', credentials: { apiKey: PD_TOKEN, baseUrl: pd!.url }, webhookSecret: SIGNING_SECRET, backfill: false },
    });
    if (created.statusCode !== 201) throw new Error(`creating the integration failed: ${created.statusCode} ${created.body}`);
    const integrationId = created.json().integration.id as string;
    const webhookUrl = (created.json().integration.webhook.url as string).replace(config.api.publicUrl, baseUrl);
    await pd!.close();
    pd = undefined;

    const requests = prepare(deliveries.slice(0, total));
    const rows = async () => {
      const [row] = await admin!<[{ n: number }]>`select count(*)::int as n from raw_events where integration_id = ${integrationId}`;
      return row.n;
    };
    let acknowledged = 0;
    const account = (output: LoadOutput) => {
      let accepted = 0;
      for (let i = 0; i < output.statuses.length; i++) if (output.statuses[i] === 202 && output.stored[i] === 1) accepted += 1;
      acknowledged += accepted;
      return accepted;
    };

    const warm = await driveInWorker(webhookUrl, requests.slice(0, WARM_UP));
    account(warm);
    console.log(`warm-up: ${WARM_UP} deliveries in ${warm.seconds.toFixed(1)} s`);

    const results: RunResult[] = [];
    for (let run = 0; run < RUNS; run++) {
      const from = WARM_UP + run * DELIVERIES;
      const output = await driveInWorker(webhookUrl, requests.slice(from, from + DELIVERIES));
      const accepted = account(output);
      if (output.errors.length > 0) console.log(`run ${run + 1}: answers other than 202: ${output.errors.join(' | ')}`);
      const sorted = Float64Array.from(output.latenciesMs).sort();
      const result: RunResult = {
        seconds: output.seconds,
        accepted,
        eventsPerSecond: accepted / output.seconds,
        p50: percentile(sorted, 50),
        p95: percentile(sorted, 95),
        p99: percentile(sorted, 99),
        max: sorted[sorted.length - 1]!,
        rows: await rows(),
        acknowledged,
      };
      console.log(
        `run ${run + 1}: ${result.accepted}/${DELIVERIES} accepted in ${result.seconds.toFixed(2)} s = ${Math.round(result.eventsPerSecond)} / s; ` +
          `p50 ${result.p50.toFixed(1)} ms, p95 ${result.p95.toFixed(1)} ms, p99 ${result.p99.toFixed(1)} ms, max ${result.max.toFixed(0)} ms; raw_events ${result.rows} (202s so far ${result.acknowledged})`,
      );
      results.push(result);
    }

    // The nudges the API sent: signal-with-start calls land as signals on the account's on-demand unification.
    const history = await temporal.client.workflow.getHandle(unifyNowWorkflowId(owner.accountId)).fetchHistory();
    const nudges = (history.events ?? []).filter((e) => e.workflowExecutionSignaledEventAttributes).length;
    const lost = results.at(-1)!.acknowledged - results.at(-1)!.rows;
    const allAccepted = results.every((r) => r.accepted === DELIVERIES);
    const eventsPerSecond = median(results.map((r) => r.eventsPerSecond));
    const p99 = median(results.map((r) => r.p99));
    const ms = (v: number) => `${v.toFixed(1)} ms`;
    const table = markdownTable(
      ['deliveries per run', 'in flight', 'runs', 'median time', 'events / s', 'p50', 'p95', 'p99', 'max', 'accepted (202, stored)', 'raw_events rows − 202s', 'target'],
      [
        [
          DELIVERIES.toLocaleString('en-US'),
          String(CONCURRENCY),
          String(RUNS),
          `${median(results.map((r) => r.seconds)).toFixed(2)} s`,
          `**${Math.round(eventsPerSecond).toLocaleString('en-US')} / s**`,
          ms(median(results.map((r) => r.p50))),
          ms(median(results.map((r) => r.p95))),
          `**${ms(p99)}**`,
          ms(median(results.map((r) => r.max))),
          allAccepted ? 'all' : results.map((r) => r.accepted).join(', '),
          String(lost),
          `≥ ${TARGET.eventsPerSecond.toLocaleString('en-US')} / s ${eventsPerSecond >= TARGET.eventsPerSecond ? '(met)' : '(**not met**)'}, p99 < ${TARGET.p99Ms} ms ${p99 < TARGET.p99Ms ? '(met)' : '(**not met**)'}, no loss ${lost === 0 && allAccepted ? '(met)' : '(**not met**)'}`,
        ],
      ],
    );
    console.log(table);
    console.log(`nudges: ${nudges} signal-with-start calls reached Temporal for ${acknowledged} stored deliveries`);
    writeSection(
      'webhooks',
      `## Webhook intake on loopback

Command: \`${command}\`

${machineLines(machineInfo())}
- PostgreSQL ${api.postgresVersion}, started as the tests start it (\`fsync=off\`); Temporal dev server (\`temporal server start-dev --headless\`), API, and client on the same machine

The real API (\`buildApp\` with real dependencies, as \`devkit/app.ts\` \`buildTestApp\` builds it: error-level logging to a file,
a pool of ${config.database.maxConnections} connections as \`api/server.ts\` opens) listens on 127.0.0.1. A signed-in owner connected a PagerDuty
integration through \`POST /api/integrations\` (credentials verified against the PagerDuty simulator, \`backfill: false\`,
a \`webhookSecret\`). The deliveries are the simulator's webhook v3 events for a seeded history (\`bench/lib/pagerduty-deliveries.ts\`:
\`incident.triggered\` then \`incident.resolved\`/\`incident.acknowledged\` per incident, in time order), one event per request,
HMAC-signed as PagerDuty signs them, each with its own \`X-Webhook-Id\`, bodies and signatures prepared before timing. A worker
thread (\`bench/lib/webhook-load.ts\`) keeps ${CONCURRENCY} requests in flight over keep-alive connections (\`node:http\` with a keep-alive agent:
Node's \`fetch\` cost the client about as much CPU as the API, on two cores shared with it and PostgreSQL) and times each
from send to the whole answer. ${WARM_UP.toLocaleString('en-US')} deliveries warm up first; then ${RUNS} runs of ${DELIVERIES.toLocaleString('en-US')} new deliveries each; medians over the runs.

Intake only: the API nudges the unification through Temporal as in production (a real dev server answers; the nudger sends
at most one signal-with-start per account per 500 ms: ${nudges} calls for ${acknowledged.toLocaleString('en-US')} deliveries), but no worker runs, so nothing is unified
meanwhile. Loss: after each run the integration's \`raw_events\` rows are counted against the 202 answers (each reporting
\`stored: 1\`) so far; a difference other than 0 would be an acknowledged delivery not stored.

${table}
`,
    );
  } finally {
    await api?.stop();
    await pd?.close();
    postgres.stop();
  }
}
