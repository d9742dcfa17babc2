// Reclustering: all of an account's incidents through the engine (analysis/), with the previous model, assignments
// and every piece of feedback, then the result written in one transaction: each incident's cluster, the clusters
// with their labels, and the new model for online assignment. The work runs in a worker thread of its own
// (`reclusterInThread`, with its own database connections): the engine holds a CPU for seconds at 1M incidents, and
// the worker's event loop must keep heartbeating every other activity meanwhile. Analytics are not stored: the API
// counts them from `incidents` when asked (db/cluster-analytics.ts).
import { analyseClusters, createRedactor, readableTemplate, recluster, reclusterWithEmbeddings, serializeClusterModel, validateFeedback } from '../analysis/index.ts';
import type { Config } from '../config.ts';
import { getLlmSettings } from '../db/llm-settings.ts';
import { createEmbedder, remoteEmbeddingsConfigured } from '../search/embedder.ts';
import { getClusterModel, incidentsForClustering, listClusterFeedback, reassignIncidents, replaceClusters, saveClusterModel } from '../db/clusters.ts';
import { markReclusterFailed, markReclusterFinished, markReclusterStarted } from '../db/clustering-state.ts';
import { refreshIncidentRollups } from '../db/incident-rollups.ts';
import { connectionUrl, createSql, type Sql } from '../db/sql.ts';
import { withAccount } from '../db/tenancy.ts';
import { assignOnline, toClusterIncident } from './online-assignment.ts';
import { labelIncidentNovelty } from '../db/incident-novelty.ts';
import { withKeepAlive } from './keep-alive.ts';
import { runInWorkerThread } from './worker-thread.ts';
import type { FinishReclusterInput, ReclusterAccountInput, ReclusterAccountResult } from '../workflows/activity-contract.ts';
import { reclusterDuration } from '../observability/metrics.ts';

export interface ReclusterActivityDeps {
  sql: Sql;
  /** An embeddings endpoint (`OPENAI_EMBEDDING_MODEL`): its vectors join the merge for accounts that allow LLM use. */
  search?: Pick<Config, 'openai'> | undefined;
}

/** What the thread needs: the database to open, the account, and the embeddings endpoint when one is configured. */
interface ReclusterThreadInput extends ReclusterAccountInput {
  databaseUrl: string;
  embeddings?: Config['openai'];
}

export function createReclusterActivities(deps: ReclusterActivityDeps) {
  return {
    async reclusterAccount(input: ReclusterAccountInput): Promise<ReclusterAccountResult> {
      const stopTimer = reclusterDuration.startTimer();
      try {
        // The main thread only relays the thread's progress as heartbeats (repeated every 2 s by the keep-alive).
        const result = await withKeepAlive((heartbeat) =>
          runInWorkerThread<ReclusterThreadInput, ReclusterAccountResult>(
            new URL(import.meta.url),
            'reclusterInThread',
            {
              ...input,
              databaseUrl: connectionUrl(deps.sql),
              // In-process to the thread only: the key never enters a Temporal payload.
              ...(deps.search && remoteEmbeddingsConfigured(deps.search) ? { embeddings: deps.search.openai } : {}),
            },
            heartbeat,
          ),
        );
        stopTimer({ outcome: 'ok' });
        return result;
      } catch (err) {
        stopTimer({ outcome: 'failed' });
        throw err;
      }
    },
    /** The recluster's workflow gave up: nothing is computing any more, and pages say the last one failed. */
    async finishRecluster({ accountId, error }: FinishReclusterInput): Promise<void> {
      await withAccount(deps.sql, accountId, (tx) => markReclusterFailed(tx, accountId, error));
    },
  };
}

/** Runs in a worker thread (activities/worker-thread.ts): reads, clusters, writes, with connections of its own. */
export async function reclusterInThread({ accountId, reason, databaseUrl, embeddings }: ReclusterThreadInput, report: (progress: unknown) => void): Promise<ReclusterAccountResult> {
  const sql = createSql(databaseUrl, { max: 2, applicationName: 'incident-insights-recluster' });
  try {
    // Pages say "computing…" from here (each attempt marks its own start) until the result commits.
    await withAccount(sql, accountId, (tx) => markReclusterStarted(tx, accountId, reason ?? 'request'));
    report({ phase: 'reading' });
    const result = await reclusterAccount(sql, accountId, report, embeddings);
    // The rollups of the days whose incidents changed cluster, so the dashboard and the clusters pages read them
    // instead of counting those days from `incidents` until the next unification refreshes them.
    report({ phase: 'refreshing', ...result });
    await refreshIncidentRollups(sql, accountId, (days) => report({ phase: 'refreshing', days, ...result }));
    return result;
  } finally {
    await sql.end({ timeout: 5 });
  }
}

async function reclusterAccount(sql: Sql, accountId: string, report: (progress: unknown) => void, embeddings: Config['openai'] | undefined): Promise<ReclusterAccountResult> {
  const loaded = await withAccount(sql, accountId, async (tx) => ({
    rows: await incidentsForClustering(tx, accountId),
    model: await getClusterModel(tx, accountId),
    feedback: await listClusterFeedback(tx, accountId),
    llm: embeddings ? await getLlmSettings(tx, accountId) : undefined,
  }));
  report({ phase: 'clustering', incidents: loaded.rows.length });
  const incidents = loaded.rows.map(toClusterIncident);
  const previousAssignments = Object.fromEntries(loaded.rows.filter((r) => r.clusterId).map((r) => [r.id, r.clusterId!]));
  const input = {
    incidents,
    ...(loaded.model ? { previous: { model: loaded.model.state as never, assignments: previousAssignments } } : {}),
    feedback: validateFeedback(loaded.feedback),
  };
  // With an embeddings endpoint and an account that allows it, the templates' vectors join the merge. Templates are
  // masked text (values are placeholders) and redacted like every text that leaves.
  const embedder = embeddings && loaded.llm?.enabled ? createEmbedder({ openai: embeddings }, { remote: true }) : undefined;
  const redact = embedder && loaded.llm ? createRedactor({ customPatterns: loaded.llm.redactionPatterns }) : undefined;
  const result = embedder
    ? await reclusterWithEmbeddings(input, (texts) => embedder.embed(redact ? texts.map((t) => redact(t).text) : texts))
    : recluster(input);
  // For the labels: the rest of the analytics is counted from `incidents` when a page asks.
  const analytics = new Map(analyseClusters(incidents, result.assignments, { now: new Date().toISOString() }).map((a) => [a.clusterId, a]));
  report({ phase: 'writing', incidents: incidents.length });
  const changed = result.assignments.filter((a) => previousAssignments[a.incidentId] !== a.clusterId).length;
  await withAccount(sql, accountId, async (tx) => {
    // One recluster writes at a time (a scheduled one and an on-demand one may overlap).
    await tx`select pg_advisory_xact_lock(hashtextextended(${`recluster:${accountId}`}, 0))`;
    // With their new-pattern labels in the same write: a recluster that renames every cluster writes each incident
    // once, and leaves none due (db/clusters.ts).
    await reassignIncidents(tx, accountId, result.assignments.map((a) => ({ incidentId: a.incidentId, clusterId: a.clusterId, template: a.template })));
    await replaceClusters(
      tx,
      accountId,
      result.clusters.map((c) => ({
        id: c.id,
        name: c.name ?? null,
        label: analytics.get(c.id)?.label ?? readableTemplate(c.template),
        labelSlots: analytics.get(c.id)?.labelSlots ?? [],
        template: c.template,
        templates: [...new Set(c.templates)].slice(0, 20),
        size: c.size,
        firstSeen: c.firstSeen ?? null,
        lastSeen: c.lastSeen ?? null,
      })),
    );
    await saveClusterModel(tx, accountId, serializeClusterModel(result.model), incidents.length);
    // Incidents unified while this recluster computed were not in its input, and their batches found no model
    // (or the old one): they join the new model's clusters now, instead of waiting for the next unification.
    await assignOnline(tx, accountId);
    // New-pattern labels of the incidents just placed online, and of any left due (db/incident-novelty.ts).
    await labelIncidentNovelty(tx, accountId);
    await markReclusterFinished(tx, accountId);
  });
  return { incidents: incidents.length, clusters: result.clusters.length, changed, unresolvedFeedback: result.unresolvedFeedback.length };
}
