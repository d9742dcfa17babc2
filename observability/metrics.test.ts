import { createServer } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { metricsAuthorized, observeHttpRequest, registry, scrape, setDatabaseSnapshotSource, temporalMetricsBindAddress } from './metrics.ts';

afterEach(() => setDatabaseSnapshotSource(undefined));

describe('metrics', () => {
  it('accepts any scrape without a token, and only the exact bearer token with one', () => {
    expect(metricsAuthorized(undefined, undefined)).toBe(true);
    expect(metricsAuthorized('s3cret-token', undefined)).toBe(false);
    expect(metricsAuthorized('s3cret-token', 'Bearer s3cret-toke')).toBe(false);
    expect(metricsAuthorized('s3cret-token', 'Basic s3cret-token')).toBe(false);
    expect(metricsAuthorized('s3cret-token', 'Bearer s3cret-token')).toBe(true);
  });

  it('labels requests by route template and status class, unknown paths as one series', async () => {
    observeHttpRequest('GET', '/api/incidents/:id', 404, 0.01);
    observeHttpRequest('GET', undefined, 404, 0.01);
    observeHttpRequest('POST', '/api/jobs/echo', 503, 0.2);
    const text = await registry.metrics();
    expect(text).toContain('insights_http_requests_total{method="GET",route="/api/incidents/:id",status_class="4xx"} 1');
    expect(text).toContain('insights_http_requests_total{method="GET",route="unmatched",status_class="4xx"} 1');
    expect(text).toContain('insights_http_request_errors_total{method="POST",route="/api/jobs/echo",status_class="5xx"} 1');
  });

  it('answers the database gauges from one snapshot per scrape, and leaves them out when it fails', async () => {
    let reads = 0;
    setDatabaseSnapshotSource(async () => {
      reads += 1;
      return { runsByStatus: { awaiting_approval: 3, completed: 7 }, pendingApprovals: 3, syncLagSeconds: { pagerduty: 42 } };
    });
    const text = await scrape();
    expect(reads).toBe(1);
    expect(text).toContain('insights_automation_runs{status="completed"} 7');
    expect(text).toContain('insights_automation_pending_approvals 3');
    expect(text).toContain('insights_sync_lag_seconds{source_kind="pagerduty"} 42');
    setDatabaseSnapshotSource(async () => {
      throw new Error('database down');
    });
    const failed = await scrape();
    expect(failed).toContain('# TYPE insights_automation_runs gauge');
    expect(failed).not.toContain('insights_automation_runs{status="completed"}');
  });

  it('appends the Temporal SDK exporter to the scrape, and notes when it cannot be read', async () => {
    const upstream = createServer((_req, res) => res.end('# TYPE temporal_num_pollers gauge\ntemporal_num_pollers{poller_type="workflow_task"} 2\n'));
    await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', r));
    const { port } = upstream.address() as { port: number };
    try {
      const text = await scrape(`http://127.0.0.1:${port}/metrics`);
      expect(text).toContain('process_cpu_user_seconds_total');
      expect(text).toContain('temporal_num_pollers{poller_type="workflow_task"} 2');
    } finally {
      await new Promise((r) => upstream.close(r));
    }
    expect(await scrape(`http://127.0.0.1:${port}/metrics`)).toContain('# Temporal SDK metrics unavailable');
  });

  it('binds the SDK exporter on loopback, on a free port when none is configured', async () => {
    expect(await temporalMetricsBindAddress(9464)).toBe('127.0.0.1:9464');
    expect(await temporalMetricsBindAddress(0)).toMatch(/^127\.0\.0\.1:[1-9]\d*$/);
  });
});
