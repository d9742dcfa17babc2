// Counts across accounts for the metrics scrape, through the SECURITY DEFINER function of migration 0021 (counts only).
import type { Sql } from './sql.ts';

export interface MetricsCounts {
  runsByStatus: Record<string, number>;
  pendingApprovals: number;
  syncLagSeconds: Record<string, number>;
}

export async function metricsCounts(sql: Sql): Promise<MetricsCounts> {
  const rows = await sql<{ metric: string; label: string; value: number }[]>`select metric, label, value from insights_metrics_snapshot()`;
  const counts: MetricsCounts = { runsByStatus: {}, pendingApprovals: 0, syncLagSeconds: {} };
  for (const row of rows) {
    if (row.metric === 'automation_runs') counts.runsByStatus[row.label] = Number(row.value);
    else if (row.metric === 'sync_lag_seconds') counts.syncLagSeconds[row.label] = Math.max(0, Number(row.value));
  }
  counts.pendingApprovals = counts.runsByStatus.awaiting_approval ?? 0;
  return counts;
}
