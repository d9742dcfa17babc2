// Prometheus metrics of the API: every request counted and timed by route template, and GET /metrics (outside the
// OpenAPI document, behind METRICS_TOKEN when set) serving them with the database's cross-account counts.
import type { FastifyPluginAsync } from 'fastify';
import fp from 'fastify-plugin';
import { metricsCounts } from '../../db/metrics.ts';
import type { Sql } from '../../db/sql.ts';
import { METRICS_CONTENT_TYPE, metricsAuthorized, observeHttpRequest, scrape, setDatabaseSnapshotSource } from '../../observability/metrics.ts';
import { AppError } from '../errors.ts';

export interface MetricsOptions {
  sql: Sql;
  token: string | undefined;
}

const plugin: FastifyPluginAsync<MetricsOptions> = async (app, opts) => {
  setDatabaseSnapshotSource(() => metricsCounts(opts.sql));
  app.addHook('onClose', async () => setDatabaseSnapshotSource(undefined));

  app.addHook('onResponse', async (request, reply) => {
    // The template (`/api/incidents/:id`), never the path: ids would make a series per incident.
    const route = request.routeOptions.url;
    if (route === '/metrics') return;
    observeHttpRequest(request.method, route, reply.statusCode, reply.elapsedTime / 1000);
  });

  app.get('/metrics', { config: { access: 'public' }, schema: { hide: true } }, async (request, reply) => {
    if (!metricsAuthorized(opts.token, request.headers.authorization)) throw new AppError(401, 'unauthenticated', 'The metrics need `Authorization: Bearer <METRICS_TOKEN>`');
    return reply.type(METRICS_CONTENT_TYPE).send(await scrape());
  });
};

export const metrics = fp(plugin, { name: 'metrics' });
