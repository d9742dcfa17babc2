// GET /api/health: PostgreSQL, Temporal and worker status, each checked with a deadline; /api/livez and /api/readyz for
// probes.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { pingDatabase } from '../../db/sql.ts';
import { listWorkflowPollers, pingTemporal } from '../../temporal/client.ts';
import { mainTaskQueue } from '../../temporal/task-queues.ts';
import type { AppDeps } from '../deps.ts';
import { HealthResponse, ReadyResponse, type Check } from '../schemas/health.ts';

const CHECK_TIMEOUT_MS = 3_000;
/** A worker that has not polled for this long is considered gone. */
const WORKER_STALE_MS = 70_000;

async function timed(run: () => Promise<Omit<Check, 'status' | 'latencyMs'>>): Promise<Check> {
  const started = performance.now();
  let timer: NodeJS.Timeout | undefined;
  try {
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer within ${CHECK_TIMEOUT_MS} ms`)), CHECK_TIMEOUT_MS);
    });
    const result = await Promise.race([run(), timeout]);
    return { status: 'ok', latencyMs: Math.round(performance.now() - started), ...result };
  } catch (err) {
    return { status: 'down', latencyMs: Math.round(performance.now() - started), error: err instanceof Error ? err.message : String(err) };
  } finally {
    clearTimeout(timer);
  }
}

export const healthRoutes: FastifyPluginAsyncTypebox<{ deps: AppDeps }> = async (app, { deps }) => {
  const taskQueue = mainTaskQueue(deps.config);

  app.get('/api/livez', { schema: { hide: true }, config: { access: 'public' } }, async () => ({ status: 'ok' }));

  // Readiness: this instance's own dependencies only (a missing worker does not make the API unable to serve). While
  // the API drains after SIGTERM, Fastify answers 503 to new requests, this one included.
  app.get(
    '/api/readyz',
    { schema: { hide: true, response: { 200: ReadyResponse, 503: ReadyResponse } }, config: { access: 'public' } },
    async (_request, reply) => {
      const [postgres, temporal] = await Promise.all([
        timed(async () => ({ version: await pingDatabase(deps.sql) })),
        timed(async () => ({ version: await pingTemporal(deps.temporal) })),
      ]);
      const ready = postgres.status === 'ok' && temporal.status === 'ok';
      return reply.status(ready ? 200 : 503).send({ status: ready ? 'ok' : 'unavailable', checks: { postgres, temporal } });
    },
  );

  app.get(
    '/api/health',
    {
      // Public: load balancers and the sign-in page ask it; it tells nothing about any account.
      config: { access: 'public' },
      schema: {
        tags: ['health'],
        summary: 'Health of PostgreSQL, Temporal, the worker and the API',
        description: '200 when every part is healthy, 503 (same body) when any is not.',
        response: { 200: HealthResponse, 503: HealthResponse },
      },
    },
    async (_request, reply) => {
      const [postgres, temporal, worker] = await Promise.all([
        timed(async () => ({ version: await pingDatabase(deps.sql) })),
        timed(async () => ({ version: await pingTemporal(deps.temporal) })),
        timed(async () => {
          const now = Date.now();
          const pollers = (await listWorkflowPollers(deps.temporal, taskQueue)).filter(
            (p) => !p.lastAccessTime || now - p.lastAccessTime.getTime() < WORKER_STALE_MS,
          );
          if (pollers.length === 0) throw new Error(`no worker is polling task queue ${taskQueue}`);
          return { detail: `${pollers.length} worker${pollers.length === 1 ? '' : 's'} polling ${taskQueue}` };
        }),
      ]);
      const api: Check = { status: 'ok', version: deps.version, detail: `up ${Math.round(process.uptime())} s` };
      const healthy = postgres.status === 'ok' && temporal.status === 'ok' && worker.status === 'ok';
      return reply.status(healthy ? 200 : 503).send({
        status: healthy ? 'ok' : 'degraded',
        checkedAt: new Date().toISOString(),
        checks: { api, postgres, temporal, worker },
        temporal: {
          namespace: deps.config.temporal.namespace,
          taskQueue,
          ...(deps.config.temporal.uiUrl ? { uiUrl: deps.config.temporal.uiUrl } : {}),
        },
      });
    },
  );
};
