// Reclustering: all of an account's incidents through the engine (analysis/), with the previous model, assignments
// and every piece of feedback, then the result written in one transaction: each incident's cluster, the clusters
// with their analytics, and the new model for online assignment.
import { analyseClusters, recluster, serializeClusterModel, validateFeedback } from '../analysis/index.ts';
import { assignIncidents, getClusterModel, incidentsForClustering, listClusterFeedback, replaceClusters, saveClusterModel } from '../db/clusters.ts';
import type { Sql } from '../db/sql.ts';
import { withAccount } from '../db/tenancy.ts';
import { assignOnline, toClusterIncident } from './online-assignment.ts';
import { labelIncidentNovelty } from '../db/incident-novelty.ts';
import { withKeepAlive } from './keep-alive.ts';
import type { ReclusterAccountInput, ReclusterAccountResult } from '../workflows/activity-contract.ts';
import { reclusterDuration } from '../observability/metrics.ts';

export interface ReclusterActivityDeps {
  sql: Sql;
}

/** Analytics look back this far (trends, spikes, incidents per day). */
const ANALYTICS_WINDOW_DAYS = 90;


export function createReclusterActivities(deps: ReclusterActivityDeps) {
  return {
    async reclusterAccount(input: ReclusterAccountInput): Promise<ReclusterAccountResult> {
      const stopTimer = reclusterDuration.startTimer();
      try {
        const result = await withKeepAlive((heartbeat) => reclusterAccount(input, heartbeat));
        stopTimer({ outcome: 'ok' });
        return result;
      } catch (err) {
        stopTimer({ outcome: 'failed' });
        throw err;
      }
    },
  };

  async function reclusterAccount({ accountId }: ReclusterAccountInput, heartbeat: (details: unknown) => void): Promise<ReclusterAccountResult> {
    const loaded = await withAccount(deps.sql, accountId, async (tx) => ({
      rows: await incidentsForClustering(tx, accountId),
      model: await getClusterModel(tx, accountId),
      feedback: await listClusterFeedback(tx, accountId),
    }));
    heartbeat({ phase: 'clustering', incidents: loaded.rows.length });
    const incidents = loaded.rows.map(toClusterIncident);
    const previousAssignments = Object.fromEntries(loaded.rows.filter((r) => r.clusterId).map((r) => [r.id, r.clusterId!]));
    const result = recluster({
      incidents,
      ...(loaded.model ? { previous: { model: loaded.model.state as never, assignments: previousAssignments } } : {}),
      feedback: validateFeedback(loaded.feedback),
    });
    const analytics = new Map(analyseClusters(incidents, result.assignments, { now: new Date().toISOString(), windowDays: ANALYTICS_WINDOW_DAYS }).map((a) => [a.clusterId, a]));
    heartbeat({ phase: 'writing', incidents: incidents.length });
    const changed = result.assignments.filter((a) => previousAssignments[a.incidentId] !== a.clusterId).length;
    await withAccount(deps.sql, accountId, async (tx) => {
      // One recluster writes at a time (a scheduled one and an on-demand one may overlap).
      await tx`select pg_advisory_xact_lock(hashtextextended(${`recluster:${accountId}`}, 0))`;
      await assignIncidents(tx, accountId, result.assignments.map((a) => ({ incidentId: a.incidentId, clusterId: a.clusterId, template: a.template })));
      await replaceClusters(
        tx,
        accountId,
        result.clusters.map((c) => {
          const a = analytics.get(c.id);
          return {
            id: c.id,
            name: c.name ?? null,
            label: a?.label ?? c.template,
            template: c.template,
            templates: c.templates.slice(0, 20),
            size: c.size,
            firstSeen: c.firstSeen ?? null,
            lastSeen: c.lastSeen ?? null,
            analytics: a ? { trend: a.trend, spikes: a.spikes, mtta: a.mtta, mttr: a.mttr, topServices: a.topServices, incidentsPerDay: a.incidentsPerDay } : {},
          };
        }),
      );
      await saveClusterModel(tx, accountId, serializeClusterModel(result.model), incidents.length);
      // Incidents unified while this recluster computed were not in its input, and their batches found no model
      // (or the old one): they join the new model's clusters now, instead of waiting for the next unification.
      await assignOnline(tx, accountId);
      // New-pattern labels of the incidents whose cluster changed or that had none (db/incident-novelty.ts).
      await labelIncidentNovelty(tx, accountId);
    });
    return { incidents: incidents.length, clusters: result.clusters.length, changed, unresolvedFeedback: result.unresolvedFeedback.length };
  }
}
