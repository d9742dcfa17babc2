// The worker: hosts every workflow and activity on the main task queue; `npm run worker` runs it standalone.
import { createServer, type Server } from 'node:http';
import { hostname } from 'node:os';
import { fileURLToPath } from 'node:url';
import { DefaultLogger, NativeConnection, Runtime, Worker, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { createActivities } from '../activities/index.ts';
import type { Config } from '../config.ts';
import { createSql, type Sql } from '../db/sql.ts';
import { secretBoxOf, type SecretBox } from '../db/secret-box.ts';
import { ensureNamespace, ensureSearchAttributes } from './search-attributes.ts';
import { mainTaskQueue } from './task-queues.ts';

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
  });
}

function startHealthServer(worker: Worker, port: number, host: string): Promise<Server> {
  const server = createServer((req, res) => {
    if (req.url !== '/healthz' && req.url !== '/readyz') {
      res.writeHead(404).end();
      return;
    }
    const state = worker.getState();
    res.writeHead(state === 'RUNNING' ? 200 : 503, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ status: state === 'RUNNING' ? 'ok' : 'unavailable', state, taskQueue: worker.options.taskQueue }));
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
  Runtime.install({ logger: new DefaultLogger(SDK_LOG_LEVELS[config.logLevel]) });
  const connection = await NativeConnection.connect({ address: config.temporal.address });
  const sql = createSql(config.database.url, { max: config.database.maxConnections, applicationName: 'incident-insights-worker' });
  let health: Server | undefined;
  try {
    await ensureNamespace(connection, config.temporal.namespace);
    await ensureSearchAttributes(connection, config.temporal.namespace);
    const worker = await createWorker({ connection, namespace: config.temporal.namespace, taskQueue: mainTaskQueue(config), sql, email: config.email, secretBox: secretBoxOf(config), search: config, webOrigin: config.web.origin });
    if (config.worker.healthPort) health = await startHealthServer(worker, config.worker.healthPort, config.worker.healthHost);
    // Worker.create installs SIGINT/SIGTERM handlers that shut it down gracefully; run() resolves once drained.
    await worker.run();
  } finally {
    health?.close();
    await sql.end({ timeout: 5 });
    await connection.close();
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const { loadConfig } = await import('../config.ts');
  await runWorker(loadConfig());
}
