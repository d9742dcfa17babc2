// The worker: hosts every workflow and activity on the main task queue, and automation steps on their own queue
// (WORKER_ROLE picks which); `npm run worker` runs it standalone.
import { createServer, type Server } from 'node:http';
import { hostname } from 'node:os';
import { fileURLToPath } from 'node:url';
import { NativeConnection, Runtime, Worker, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { createActivities } from '../activities/index.ts';
import type { Config } from '../config.ts';
import { createSql, type Sql } from '../db/sql.ts';
import { secretBoxOf, type SecretBox } from '../db/secret-box.ts';
import { METRICS_CONTENT_TYPE, metricsAuthorized, scrape, temporalMetricsBindAddress } from '../observability/metrics.ts';
import { createWorkerLogger } from '../observability/logging.ts';
import { startErrorReporting, type ErrorReporter } from '../observability/sentry.ts';
import { startTracing, type Tracing } from '../observability/tracing.ts';
import { workerObservability } from '../observability/worker.ts';
import { temporalSecurity } from './client.ts';
import { ensureNamespace, ensureSearchAttributes } from './search-attributes.ts';
import { automationTaskQueueOf, mainTaskQueue } from './task-queues.ts';

export const WORKFLOWS_PATH = fileURLToPath(new URL('../workflows/index.ts', import.meta.url));

export interface CreateWorkerOptions {
  connection: NativeConnection;
  namespace: string;
  taskQueue: string;
  sql: Sql;
  /** Where emails go (SMTP, or nowhere: the outbox keeps them). */
  email: Config['email'];
  /** Opens stored credentials (ticket tools); absent without INSIGHTS_MASTER_KEY. */
  secretBox: SecretBox | undefined;
  /** Embeddings endpoint and Pinecone for the runbook index; absent: the local embedding and PostgreSQL. */
  search?: Pick<Config, 'openai' | 'pinecone'>;
  identity?: string;
  /** Where the web app is (links in the emails the worker's activities write). */
  webOrigin?: string;
  /** A pre-built bundle (tests bundle once); otherwise the worker bundles `workflows/` itself. */
  workflowBundle?: WorkflowBundleWithSourceMap;
  /**
   * After SIGTERM, how long in-flight activities may run to completion before they are cancelled (long ones resume
   * from their heartbeat on another worker). Default 0: cancelled at once.
   */
  shutdownGraceMs?: number;
  /** OpenTelemetry (activity and workflow spans joining the caller's trace); off when undefined. */
  tracing?: Tracing;
  /** Sentry: failed activity attempts are reported; off when undefined. */
  errorReporter?: ErrorReporter;
}

export async function createWorker(options: CreateWorkerOptions): Promise<Worker> {
  const identity = options.identity ?? `worker-${process.pid}@${hostname()}`;
  return Worker.create({
    connection: options.connection,
    namespace: options.namespace,
    taskQueue: options.taskQueue,
    identity,
    ...(options.workflowBundle ? { workflowBundle: options.workflowBundle } : { workflowsPath: WORKFLOWS_PATH }),
    activities: createActivities({ sql: options.sql, workerIdentity: identity, email: options.email, secretBox: options.secretBox, search: options.search, webOrigin: options.webOrigin }),
    // After a crash, the next workflow task leaves the dead worker's sticky queue after this long.
    stickyQueueScheduleToStartTimeout: '5 seconds',
    // A cancel reaches an activity only in the answer to a heartbeat: send them at least every second, so a
    // cancelled job stops within about a second instead of at the next throttled heartbeat (0.8 × timeout).
    maxHeartbeatThrottleInterval: '1 second',
    shutdownGraceTime: options.shutdownGraceMs ?? 0,
    ...workerObservability(options.tracing, options.errorReporter),
  });
}

/** The activities automation workers host: the ones that reach customer infrastructure. */
const AUTOMATION_ACTIVITIES = ['runAutomationStep', 'verifyAutomationTarget'] as const;

/**
 * An activity-only worker on `<taskQueue>-automation`: automation step and verify activities, which the run workflow
 * sends there (behind `patched('automation-task-queue')`). The main worker still hosts them for runs started before.
 */
export async function createAutomationWorker(options: CreateWorkerOptions): Promise<Worker> {
  const identity = options.identity ?? `worker-${process.pid}@${hostname()}`;
  const all = createActivities({ sql: options.sql, workerIdentity: identity, email: options.email, secretBox: options.secretBox, search: options.search, webOrigin: options.webOrigin });
  return Worker.create({
    connection: options.connection,
    namespace: options.namespace,
    taskQueue: automationTaskQueueOf(options.taskQueue),
    identity,
    activities: Object.fromEntries(AUTOMATION_ACTIVITIES.map((name) => [name, all[name]])),
    maxHeartbeatThrottleInterval: '1 second',
    shutdownGraceTime: options.shutdownGraceMs ?? 0,
    ...workerObservability(options.tracing, options.errorReporter),
  });
}

/** The workers a role runs: `all` polls both queues (the default: `npm start` and tests), `main` or `automation` one. */
export async function createWorkers(options: CreateWorkerOptions, role: Config['worker']['role']): Promise<Worker[]> {
  const workers: Worker[] = [];
  if (role !== 'automation') workers.push(await createWorker(options));
  if (role !== 'main') workers.push(await createAutomationWorker(options));
  return workers;
}

/**
 * /healthz (liveness): fails only when a worker failed, so a draining worker is not killed before it finishes.
 * /readyz (readiness): every worker polls (RUNNING); draining or stopping is not ready.
 */
function startHealthServer(workers: Worker[], port: number, host: string, metrics?: { token: string | undefined; temporalUrl: string | undefined }): Promise<Server> {
  const server = createServer((req, res) => {
    const path = req.url?.split('?')[0];
    // Prometheus: our registry and the Temporal SDK's worker metrics (its exporter on loopback), in one scrape.
    if (path === '/metrics' && metrics) {
      if (!metricsAuthorized(metrics.token, req.headers.authorization)) {
        res.writeHead(401, { 'content-type': 'application/json' }).end(JSON.stringify({ error: { code: 'unauthenticated', message: 'The metrics need `Authorization: Bearer <METRICS_TOKEN>`' } }));
        return;
      }
      scrape(metrics.temporalUrl).then(
        (text) => res.writeHead(200, { 'content-type': METRICS_CONTENT_TYPE }).end(text),
        (err: Error) => res.writeHead(500, { 'content-type': 'text/plain' }).end(`metrics failed: ${err.message}`),
      );
      return;
    }
    if (path !== '/healthz' && path !== '/readyz') {
      res.writeHead(404).end();
      return;
    }
    const states = workers.map((w) => ({ taskQueue: w.options.taskQueue, state: w.getState() }));
    const ok = path === '/healthz' ? states.every((s) => s.state !== 'FAILED') : states.every((s) => s.state === 'RUNNING');
    res.writeHead(ok ? 200 : 503, { 'content-type': 'application/json' });
    // `state` and `taskQueue`: the first worker's, as before the automation queue existed.
    res.end(JSON.stringify({ status: ok ? 'ok' : 'unavailable', state: states[0]?.state, taskQueue: states[0]?.taskQueue, workers: states }));
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve(server));
  });
}

const SDK_LOG_LEVELS = { fatal: 'ERROR', error: 'ERROR', warn: 'WARN', info: 'INFO', debug: 'DEBUG', trace: 'TRACE', silent: 'ERROR' } as const;

export async function runWorker(config: Config): Promise<void> {
  if (!config.database.url || !config.temporal.address) {
    throw new Error('the worker needs DATABASE_URL and TEMPORAL_ADDRESS (`npm start` sets both)');
  }
  // The SDK's own worker metrics (task slots, poll latencies, schedule-to-start) go to a loopback exporter that the
  // health server's /metrics appends; without a health port there is no scrape, so no exporter either.
  const temporalMetrics = config.worker.healthPort ? await temporalMetricsBindAddress(config.metrics.temporalPort) : undefined;
  Runtime.install({
    // JSON lines, redacted; activity and workflow log calls carry workflowId, workflowType and activityType.
    logger: createWorkerLogger(SDK_LOG_LEVELS[config.logLevel]),
    ...(temporalMetrics ? { telemetryOptions: { metrics: { prometheus: { bindAddress: temporalMetrics, countersTotalSuffix: true, useSecondsForDurations: true, unitSuffix: true } } } } : {}),
  });
  const tracing = startTracing(config, 'worker');
  const errorReporter = startErrorReporting(config, 'worker');
  const connection = await NativeConnection.connect({ address: config.temporal.address, ...temporalSecurity(config.temporal) });
  const sql = createSql(config.database.url, { max: config.database.maxConnections, applicationName: 'incident-insights-worker' });
  let health: Server | undefined;
  try {
    await ensureNamespace(connection, config.temporal.namespace);
    await ensureSearchAttributes(connection, config.temporal.namespace);
    const workers = await createWorkers(
      {
        connection,
        namespace: config.temporal.namespace,
        taskQueue: mainTaskQueue(config),
        sql,
        email: config.email,
        secretBox: secretBoxOf(config),
        search: config,
        webOrigin: config.web.origin,
        shutdownGraceMs: config.worker.shutdownGraceSeconds * 1000,
        tracing,
        errorReporter,
      },
      config.worker.role,
    );
    if (config.worker.healthPort) {
      health = await startHealthServer(workers, config.worker.healthPort, config.worker.healthHost, { token: config.metrics.token, temporalUrl: temporalMetrics && `http://${temporalMetrics}/metrics` });
    }
    // The runtime's SIGINT/SIGTERM handlers shut every worker down: each stops polling, lets in-flight activities run
    // for the grace time, and run() resolves once drained. One failing stops the others.
    await Promise.all(
      workers.map((w) =>
        w.run().catch((err: unknown) => {
          for (const other of workers) if (other !== w && other.getState() === 'RUNNING') other.shutdown();
          throw err;
        }),
      ),
    );
  } catch (err) {
    errorReporter?.capture(err, { tags: { phase: 'worker' } });
    throw err;
  } finally {
    health?.close();
    await sql.end({ timeout: 5 });
    await connection.close();
    await tracing?.shutdown();
    await errorReporter?.close();
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const { loadConfig } = await import('../config.ts');
  await runWorker(loadConfig());
}
