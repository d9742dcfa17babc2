// Clusters: the patterns the engine found (with the shared trend, MTTA/MTTR, counted from `incidents` when asked), one
// cluster's analytics and incidents, whether the clustering is being computed, feedback that survives reclusters, and a
// recluster on demand (a workflow).
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { patternTemplate, validateFeedback } from '../../analysis/index.ts';
import { appendAudit } from '../../db/audit.ts';
import { addClusterFeedback, getCluster } from '../../db/clusters.ts';
import { withDashboardTransaction } from '../../db/dashboard.ts';
import { markReclusterStarted, readClusteringState } from '../../db/clustering-state.ts';
import { listIncidents } from '../../db/incidents.ts';
import { withAccount } from '../../db/tenancy.ts';
import { reclusterNowWorkflowId, reclusterWorkflow } from '../../workflows/index.ts';
import type { AppDeps } from '../deps.ts';
import { AppError, notFound } from '../errors.ts';
import { clusterDetailFacts, listClusterFacts } from '../cluster-analytics.ts';
import { auditActor } from '../plugins/authentication.ts';
import { ClusterDetail, ClusterFeedbackBody, ClusteringStateResponse, ClusterList, ClusterListQuery, ClusterParams, ReclusterStarted } from '../schemas/clusters.ts';
import { commonErrors, ErrorResponse } from '../schemas/common.ts';
import { startAccountWorkflow } from '../workflow-starts.ts';

const errors = { ...commonErrors, 401: ErrorResponse, 403: ErrorResponse, 404: ErrorResponse, 503: ErrorResponse };

export const clusterRoutes: FastifyPluginAsyncTypebox<{ deps: AppDeps }> = async (app, { deps }) => {
  const { sql } = deps;

  /** Starts the account's on-demand recluster (or finds it running), and marks the clustering as computing at once. */
  const startRecluster = async (accountId: string, reason: string) => {
    const workflowId = reclusterNowWorkflowId(accountId);
    const { started } = await startAccountWorkflow(deps, reclusterWorkflow, { workflowId, accountId, kind: 'recluster', args: [{ accountId, reason }] });
    // Pages say "computing…" from now on, not only once a worker has picked the recluster up; the recluster clears it.
    const state = await withAccount(sql, accountId, async (tx) => {
      if (started) await markReclusterStarted(tx, accountId, reason);
      return readClusteringState(tx, accountId);
    });
    return { workflowId, started, state };
  };

  app.get(
    '/api/clusters',
    { config: { access: 'clusters:read' }, schema: { tags: ['clusters'], summary: 'Clusters, largest first', querystring: ClusterListQuery, response: { 200: ClusterList, ...errors } } },
    async (request) => listClusterFacts(sql, request.accountId, new Date(), request.query.limit ?? 100),
  );

  app.get(
    '/api/clusters/state',
    { config: { access: 'clusters:read' }, schema: { tags: ['clusters'], summary: 'Whether the patterns are being computed (first import, recluster) or ready', response: { 200: ClusteringStateResponse, ...errors } } },
    async (request) => ({ state: await withAccount(sql, request.accountId, (tx) => readClusteringState(tx, request.accountId)) }),
  );

  app.get(
    '/api/clusters/:id',
    { config: { access: 'clusters:read' }, schema: { tags: ['clusters'], summary: 'One cluster: analytics and its newest incidents', params: ClusterParams, response: { 200: ClusterDetail, ...errors } } },
    async (request) =>
      withDashboardTransaction(sql, request.accountId, async (tx) => {
        const cluster = await getCluster(tx, request.accountId, request.params.id);
        if (!cluster) throw notFound('cluster', request.params.id);
        const incidents = await listIncidents(tx, request.accountId, { limit: 20, clusterId: cluster.id });
        const detail = await clusterDetailFacts(tx, request.accountId, cluster, new Date());
        return {
          state: await readClusteringState(tx, request.accountId),
          window: detail.window,
          trendWindow: detail.trendWindow,
          cluster: { ...detail.cluster, templates: [...new Set(cluster.templates.map(patternTemplate))], analytics: detail.analytics },
          incidents: incidents.map((r) => ({ ...r, createdAt: r.createdAt.toISOString(), acknowledgedAt: r.acknowledgedAt?.toISOString() ?? null, resolvedAt: r.resolvedAt?.toISOString() ?? null })),
        };
      }),
  );

  app.post(
    '/api/clusters/recluster',
    { config: { access: 'clusters:manage' }, schema: { tags: ['clusters'], summary: 'Recluster now (a workflow); ids stay stable, feedback is kept', response: { 202: ReclusterStarted, ...errors } } },
    async (request, reply) => reply.status(202).send(await startRecluster(request.accountId, 'request')),
  );

  app.post(
    '/api/clusters/:id/feedback',
    {
      config: { access: 'clusters:manage' },
      schema: { tags: ['clusters'], summary: 'Rename, merge, split by a template, or take an incident out; applied by a recluster that starts now', params: ClusterParams, body: ClusterFeedbackBody, response: { 202: ReclusterStarted, ...errors } },
    },
    async (request, reply) => {
      const accountId = request.accountId;
      const feedback = { ...request.body, clusterId: request.params.id, at: new Date().toISOString(), by: request.caller!.userId };
      const [valid] = validateFeedback([feedback]);
      if (!valid) throw new AppError(400, 'invalid_body', 'This feedback cannot be applied', [{ in: 'body', message: 'body is not feedback the engine knows' }]);
      await withAccount(sql, accountId, async (tx) => {
        if (!(await getCluster(tx, accountId, request.params.id))) throw notFound('cluster', request.params.id);
        if (request.body.kind === 'merge' && !(await getCluster(tx, accountId, request.body.intoClusterId))) {
          throw new AppError(404, 'not_found', `No cluster ${request.body.intoClusterId} to merge into`, [{ field: 'intoClusterId', in: 'body', message: 'body.intoClusterId is not a cluster of this account' }]);
        }
        await addClusterFeedback(tx, accountId, valid, request.caller!.userId);
        await appendAudit(tx, accountId, { action: 'cluster.feedback', actor: auditActor(request), target: { type: 'cluster', id: request.params.id }, details: { ...request.body } });
      });
      return reply.status(202).send(await startRecluster(accountId, 'feedback'));
    },
  );
};
