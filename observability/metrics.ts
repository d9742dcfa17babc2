// Prometheus metrics of the API and the worker: one registry per process, the `insights_*` metrics and Node's own.
// Labels are low-cardinality by design (route templates, source kinds, statuses): never ids, accounts or secrets.
import { timingSafeEqual } from 'node:crypto';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export const registry = new Registry();
collectDefaultMetrics({ register: registry });

const SECONDS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];
const LONG_SECONDS = [0.05, 0.1, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600];

// --- API ---------------------------------------------------------------------------------------------------------
export const httpRequests = new Counter({
  name: 'insights_http_requests_total',
  help: 'API requests answered, by method, route template and status class (2xx, 4xx, 5xx).',
  labelNames: ['method', 'route', 'status_class'] as const,
  registers: [registry],
});
export const httpRequestDuration = new Histogram({
  name: 'insights_http_request_duration_seconds',
  help: 'Time from a request arriving to its answer being sent, by method, route template and status class.',
  labelNames: ['method', 'route', 'status_class'] as const,
  buckets: SECONDS,
  registers: [registry],
});
export const httpRequestErrors = new Counter({
  name: 'insights_http_request_errors_total',
  help: 'API requests answered with 5xx (the API failed), by method and route template.',
  labelNames: ['method', 'route', 'status_class'] as const,
  registers: [registry],
});

/** 404s of unknown paths share one label, so a scanner cannot create a series per path it tries. */
export const UNMATCHED_ROUTE = 'unmatched';

export function observeHttpRequest(method: string, route: string | undefined, statusCode: number, seconds: number): void {
  const labels = { method, route: route ?? UNMATCHED_ROUTE, status_class: `${Math.floor(statusCode / 100)}xx` };
  httpRequests.inc(labels);
  httpRequestDuration.observe(labels, seconds);
  if (statusCode >= 500) httpRequestErrors.inc(labels);
}

// --- Webhook intake ----------------------------------------------------------------------------------------------
export const webhookDeliveries = new Counter({
  name: 'insights_webhook_deliveries_total',
  help: 'Webhook deliveries acknowledged with 202, by source kind and outcome (accepted, paused: dropped by a paused integration).',
  labelNames: ['source_kind', 'outcome'] as const,
  registers: [registry],
});
export const webhookRefused = new Counter({
  name: 'insights_webhook_refused_total',
  help: 'Webhook deliveries refused, by source kind (unknown before the integration is found) and reason.',
  labelNames: ['source_kind', 'reason'] as const,
  registers: [registry],
});
export const webhookEvents = new Counter({
  name: 'insights_webhook_events_total',
  help: 'Events in acknowledged webhook deliveries, by source kind and result (stored, duplicate, filtered, paused).',
  labelNames: ['source_kind', 'result'] as const,
  registers: [registry],
});

// --- Backfill and sync (worker) ----------------------------------------------------------------------------------
export const backfillPages = new Counter({
  name: 'insights_backfill_pages_total',
  help: 'Pages of history fetched from a ticket tool and stored by backfills, by source kind.',
  labelNames: ['source_kind'] as const,
  registers: [registry],
});
export const backfillIncidents = new Counter({
  name: 'insights_backfill_incidents_imported_total',
  help: 'Raw incident records stored by backfills (new snapshots only), by source kind.',
  labelNames: ['source_kind'] as const,
  registers: [registry],
});
export const syncRuns = new Counter({
  name: 'insights_sync_runs_total',
  help: 'Incremental syncs finished, by source kind and outcome (ok, skipped, failed).',
  labelNames: ['source_kind', 'outcome'] as const,
  registers: [registry],
});
export const syncIncidents = new Counter({
  name: 'insights_sync_incidents_imported_total',
  help: 'Raw incident records stored by incremental syncs, by source kind.',
  labelNames: ['source_kind'] as const,
  registers: [registry],
});

// --- Unification and clustering (worker) -------------------------------------------------------------------------
export const unifyBatchSize = new Histogram({
  name: 'insights_unify_batch_size',
  help: 'Raw events taken off the queue per unification batch (empty batches not counted).',
  buckets: [1, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000],
  registers: [registry],
});
export const unifyBatchDuration = new Histogram({
  name: 'insights_unify_batch_duration_seconds',
  help: 'Time of one unification batch transaction (empty batches not counted).',
  buckets: LONG_SECONDS,
  registers: [registry],
});
export const unifyEvents = new Counter({
  name: 'insights_unify_events_processed_total',
  help: 'Raw events unified into incidents.',
  registers: [registry],
});
export const unifyIncidents = new Counter({
  name: 'insights_unify_incidents_written_total',
  help: 'Incidents created or updated by unification.',
  registers: [registry],
});
export const reclusterDuration = new Histogram({
  name: 'insights_recluster_duration_seconds',
  help: 'Time of one account recluster (load, cluster, write), by outcome (ok, failed).',
  labelNames: ['outcome'] as const,
  buckets: LONG_SECONDS,
  registers: [registry],
});

// --- Language model (worker) -------------------------------------------------------------------------------------
export const llmCalls = new Counter({
  name: 'insights_llm_calls_total',
  help: 'Calls to the language model, by purpose and outcome (ok, invalid: a reply that failed validation, error).',
  labelNames: ['purpose', 'outcome'] as const,
  registers: [registry],
});
export const llmCallDuration = new Histogram({
  name: 'insights_llm_call_duration_seconds',
  help: 'Latency of language-model calls, by purpose.',
  labelNames: ['purpose'] as const,
  buckets: [0.1, 0.25, 0.5, 1, 2.5, 5, 10, 20, 30, 60, 120],
  registers: [registry],
});
export const llmFailures = new Counter({
  name: 'insights_llm_failures_total',
  help: 'Language-model calls that failed (the endpoint errored or the reply was invalid), by purpose and outcome.',
  labelNames: ['purpose', 'outcome'] as const,
  registers: [registry],
});

export function observeLlmCall(purpose: string, outcome: 'ok' | 'invalid' | 'error', seconds: number): void {
  llmCalls.inc({ purpose, outcome });
  llmCallDuration.observe({ purpose }, seconds);
  if (outcome !== 'ok') llmFailures.inc({ purpose, outcome });
}

// --- Automations -------------------------------------------------------------------------------------------------
export const AUTOMATION_FINAL_STATES = ['completed', 'failed', 'cancelled', 'rejected', 'expired'] as const;
export const automationRunsFinished = new Counter({
  name: 'insights_automation_runs_finished_total',
  help: 'Automation runs that reached a final state (completed, failed, cancelled, rejected, expired), by state.',
  labelNames: ['status'] as const,
  registers: [registry],
});

/** What only the database knows across accounts (counts only): read at scrape time by the process that serves it. */
export interface DatabaseSnapshot {
  runsByStatus: Record<string, number>;
  pendingApprovals: number;
  /** Per source kind: seconds since the last successful sync of the integration that has waited longest. */
  syncLagSeconds: Record<string, number>;
}

let snapshotSource: (() => Promise<DatabaseSnapshot>) | undefined;
let snapshotInFlight: { at: number; value: Promise<DatabaseSnapshot | undefined> } | undefined;

/** The API registers its reader; the gauges below then answer from one database round trip per scrape. */
export function setDatabaseSnapshotSource(source: (() => Promise<DatabaseSnapshot>) | undefined): void {
  snapshotSource = source;
  snapshotInFlight = undefined;
}

function databaseSnapshot(): Promise<DatabaseSnapshot | undefined> {
  if (!snapshotSource) return Promise.resolve(undefined);
  if (!snapshotInFlight || Date.now() - snapshotInFlight.at > 1000) {
    // A failed read leaves the gauges empty for this scrape (Prometheus shows the gap) rather than failing it.
    snapshotInFlight = { at: Date.now(), value: snapshotSource().catch(() => undefined) };
  }
  return snapshotInFlight.value;
}

export const automationRunsByStatus = new Gauge({
  name: 'insights_automation_runs',
  help: 'Automation runs in each state now, across accounts (read from the database at scrape time; API only).',
  labelNames: ['status'] as const,
  registers: [registry],
  async collect() {
    this.reset();
    const snapshot = await databaseSnapshot();
    if (snapshot) for (const [status, n] of Object.entries(snapshot.runsByStatus)) this.set({ status }, n);
  },
});
export const automationPendingApprovals = new Gauge({
  name: 'insights_automation_pending_approvals',
  help: 'Automation runs awaiting approval now, across accounts (read from the database at scrape time; API only).',
  registers: [registry],
  async collect() {
    const snapshot = await databaseSnapshot();
    if (snapshot) this.set(snapshot.pendingApprovals);
  },
});
export const syncLag = new Gauge({
  name: 'insights_sync_lag_seconds',
  help: 'Seconds since the last successful sync, per source kind: the active integration that has waited longest (API only).',
  labelNames: ['source_kind'] as const,
  registers: [registry],
  async collect() {
    this.reset();
    const snapshot = await databaseSnapshot();
    if (snapshot) for (const [kind, seconds] of Object.entries(snapshot.syncLagSeconds)) this.set({ source_kind: kind }, seconds);
  },
});

/** Every metric name this app defines (the dashboard test checks its expressions against these). */
export function insightsMetricNames(): string[] {
  return registry.getMetricsAsArray().map((m) => m.name).filter((n) => n.startsWith('insights_'));
}

/** True when no token is configured, or the request's `Authorization: Bearer` matches it (in constant time). */
export function metricsAuthorized(token: string | undefined, authorization: string | undefined): boolean {
  if (!token) return true;
  const given = /^Bearer (.+)$/.exec(authorization ?? '')?.[1];
  if (!given) return false;
  const a = Buffer.from(given);
  const b = Buffer.from(token);
  return a.length === b.length && timingSafeEqual(a, b);
}

/**
 * The scrape: our registry, then (on the worker) the Temporal SDK's own metrics from its Prometheus exporter on a
 * loopback port, so one scrape carries both. The SDK's exporter failing leaves a comment, not a failed scrape.
 */
export async function scrape(temporalMetricsUrl?: string): Promise<string> {
  let text = await registry.metrics();
  if (temporalMetricsUrl) {
    try {
      const res = await fetch(temporalMetricsUrl, { signal: AbortSignal.timeout(5000) });
      if (!res.ok) throw new Error(`HTTP ${res.status}`);
      text += `\n# Temporal SDK worker metrics (${temporalMetricsUrl})\n${await res.text()}`;
    } catch (err) {
      text += `\n# Temporal SDK metrics unavailable: ${(err as Error).message.replace(/\s+/g, ' ')}\n`;
    }
  }
  return text;
}

export const METRICS_CONTENT_TYPE = registry.contentType;

/**
 * Where the Temporal SDK's Prometheus exporter listens in the worker: loopback only (our /metrics re-serves it,
 * behind the token), on `port` or, with 0, on a port free right now.
 */
export async function temporalMetricsBindAddress(port: number): Promise<string> {
  if (port) return `127.0.0.1:${port}`;
  const { createServer } = await import('node:net');
  const free = await new Promise<number>((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      probe.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
  return `127.0.0.1:${free}`;
}
