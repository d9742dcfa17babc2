// Traces and error reports end to end: an API request, the workflow it starts and the workflow's activities share one
// OpenTelemetry trace across processes (a local OTLP/HTTP collector receives it), and a route's error reaches a local
// Sentry endpoint through the real @sentry/node transport with its secrets scrubbed.
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Config } from '../../config.ts';
import { MockActivityEnvironment } from '@temporalio/testing';
import { startErrorReporting, type ErrorReporter } from '../../observability/sentry.ts';
import { workerObservability } from '../../observability/worker.ts';
import { startTracing, type Tracing } from '../../observability/tracing.ts';
import { connectTemporal, type TemporalClient } from '../../temporal/client.ts';
import type { Child } from '../../devkit/processes.ts';
import { buildTestApp, signUp, type SignedIn } from '../../devkit/app.ts';
import { createTestDatabase, spawnWorkerProcess, testConfig, waitFor, waitForPoller, type TestDatabase } from '../helpers.ts';
import { startOtlpCollector, type ReceivedSpan, type TestOtlpCollector } from '../servers/otlp.ts';
import { startSentryServer, type TestSentryServer } from '../servers/sentry.ts';

const SECRET_PASSWORD = 'Sup3rSecretDbPassw0rd';
const SECRET_KEY = 'sk-live-9f8e7d6c5b4a39281706f5e4d3c2b1a0';

let db: TestDatabase;
let config: Config;
let collector: TestOtlpCollector;
let sentry: TestSentryServer;
let tracing: Tracing | undefined;
let reporter: ErrorReporter | undefined;
let temporal: TemporalClient;
let app: FastifyInstance;
let worker: Child;
let user: SignedIn;
const workerName = `tracing-worker-${randomBytes(3).toString('hex')}`;

beforeAll(async () => {
  collector = await startOtlpCollector();
  sentry = await startSentryServer();
  db = await createTestDatabase();
  config = testConfig(db.url, { OTEL_EXPORTER_OTLP_ENDPOINT: collector.endpoint, SENTRY_DSN: sentry.dsn });
  // This process plays the API: its own tracer provider and Sentry client, as api/server.ts starts them.
  tracing = startTracing(config, 'api', 'test');
  reporter = startErrorReporting(config, 'api', 'test');
  temporal = await connectTemporal({ address: config.temporal.address!, namespace: config.temporal.namespace, tracing: true });
  app = await buildTestApp(config, db.sql, temporal);
  // A route that fails the way a bug does: an unexpected error whose message quotes credentials.
  app.get('/api/test-only/failure', { config: { access: 'public' } }, async () => {
    throw new Error(`could not reach postgres://insights:${SECRET_PASSWORD}@db.internal:5432/insights (api_key=${SECRET_KEY})`);
  });
  // The worker as its own process, as operators run it, exporting to the same collector with its own service name.
  worker = spawnWorkerProcess(config, workerName, { OTEL_EXPORTER_OTLP_ENDPOINT: collector.endpoint, LOG_LEVEL: 'debug' });
  user = await signUp(app, { accountName: 'Tracing test' });
  await waitForPoller(temporal, config, `worker-${worker.process.pid}@`);
}, 120_000);

afterAll(async () => {
  if (worker && !worker.hasExited()) {
    worker.signal('SIGTERM');
    await worker.exited;
  }
  await app?.close();
  await temporal?.close();
  await tracing?.shutdown();
  await reporter?.close();
  await db?.drop();
  await collector?.stop();
  await sentry?.stop();
});

describe('OpenTelemetry traces', () => {
  it('puts an API request, the workflow it starts and its activities in one trace, under the caller’s traceparent', async () => {
    const traceId = randomBytes(16).toString('hex');
    const callerSpanId = randomBytes(8).toString('hex');
    const res = await user.call({
      method: 'POST',
      url: '/api/jobs/echo',
      payload: { message: 'traced', steps: 1, stepMs: 10 },
      headers: { traceparent: `00-${traceId}-${callerSpanId}-01` },
    });
    expect(res.statusCode).toBe(202);
    const { job } = res.json();
    await temporal.client.workflow.getHandle(job.workflowId).result();
    await tracing!.forceFlush();

    const wanted = ['POST /api/jobs/echo', 'StartWorkflow:echoWorkflow', 'RunWorkflow:echoWorkflow', 'StartActivity:writeEcho', 'RunActivity:writeEcho'];
    const spans = await waitFor(
      'every span of the echo job in the collector',
      async () => {
        const inTrace = collector.spans.filter((s) => s.traceId === traceId);
        return wanted.every((name) => inTrace.some((s) => s.name === name)) ? inTrace : undefined;
      },
      { timeoutMs: 30_000, intervalMs: 200 },
    );
    const byName = (name: string): ReceivedSpan => spans.find((s) => s.name === name)!;

    const request = byName('POST /api/jobs/echo');
    expect(request).toMatchObject({ serviceName: 'incident-insights-api', parentSpanId: callerSpanId, kind: 2 });
    // The route template and the status, never the ids in a URL.
    expect(request.attributes).toMatchObject({ 'http.route': '/api/jobs/echo', 'http.request.method': 'POST', 'http.response.status_code': 202 });
    expect(byName('StartWorkflow:echoWorkflow')).toMatchObject({ serviceName: 'incident-insights-api', parentSpanId: request.spanId });
    // Across the process boundary, through Temporal's headers: the worker's spans continue the same trace.
    const run = byName('RunWorkflow:echoWorkflow');
    expect(run.serviceName).toBe('incident-insights-worker');
    expect(run.parentSpanId).toBe(byName('StartWorkflow:echoWorkflow').spanId);
    const activity = byName('RunActivity:writeEcho');
    expect(activity.serviceName).toBe('incident-insights-worker');
    expect(activity.parentSpanId).toBe(byName('StartActivity:writeEcho').spanId);
    expect(collector.contentTypes.every((t) => t.startsWith('application/json'))).toBe(true);
  });

  it('writes worker logs as JSON lines naming the workflow and the activity', async () => {
    const lines = await waitFor(
      'an activity log line from the worker',
      async () => {
        const text = readFileSync(resolve('test-results', `${workerName}.log`), 'utf8');
        const parsed = text
          .split('\n')
          .filter((l) => l.startsWith('{'))
          .map((l) => JSON.parse(l) as Record<string, unknown>);
        return parsed.some((l) => l.activityType === 'writeEcho') ? parsed : undefined;
      },
      { timeoutMs: 10_000, intervalMs: 200 },
    );
    const activityLine = lines.find((l) => l.activityType === 'writeEcho')!;
    expect(activityLine).toMatchObject({ service: 'incident-insights-worker', workflowType: 'echoWorkflow' });
    expect(String(activityLine.workflowId)).toMatch(/^echo\//);
    expect(typeof activityLine.time).toBe('string');
    // A task token completes the activity for whoever holds it: never logged.
    expect(lines.some((l) => 'taskToken' in l)).toBe(false);
  });
});

describe('Sentry error reports', () => {
  it('reports an error thrown in a route, tagged with the route, with the secrets in its message scrubbed', async () => {
    const requestId = `req-sentry-${randomBytes(4).toString('hex')}`;
    const res = await app.inject({ method: 'GET', url: '/api/test-only/failure', headers: { 'x-request-id': requestId } });
    expect(res.statusCode).toBe(500);
    await waitFor('the error event at the Sentry endpoint', async () => (sentry.events().length > 0 ? true : undefined), { timeoutMs: 15_000, intervalMs: 100 });
    const envelope = sentry.envelopes.find((e) => e.items.some((i) => i.header.type === 'event'))!;
    expect(envelope.project).toBe('42');
    expect(envelope.publicKey).toBe('testpublickey');
    const event = sentry.events()[0]! as { exception: { values: Array<{ type: string; value: string }> }; tags: Record<string, string>; environment: string };
    expect(event.exception.values[0]!.type).toBe('Error');
    expect(event.exception.values[0]!.value).toContain('could not reach postgres://insights:[secret]@db.internal');
    expect(event.tags).toMatchObject({ route: '/api/test-only/failure', method: 'GET', status: '500', request_id: requestId, service: 'api' });
    expect(event.tags.trace_id).toMatch(/^[0-9a-f]{32}$/);
    expect(event.environment).toBe('test');
    for (const e of sentry.envelopes) {
      expect(e.raw).not.toContain(SECRET_PASSWORD);
      expect(e.raw).not.toContain(SECRET_KEY);
    }
    // The API's own log line for the failure: request id, the trace id Sentry got, the error redacted the same way.
    const logLine = await waitFor(
      'the API log line of the failed request',
      async () =>
        readFileSync(resolve('test-results', 'api-errors.log'), 'utf8')
          .split('\n')
          .filter((l) => l.includes(requestId) && l.includes('request failed'))
          .map((l) => JSON.parse(l) as { reqId: string; traceId: string; err: { type: string; message: string } })[0],
      { timeoutMs: 5_000, intervalMs: 100 },
    );
    expect(logLine.traceId).toBe(event.tags.trace_id);
    expect(logLine.err.message).toContain('postgres://insights:[secret]@db.internal');
    expect(JSON.stringify(logLine)).not.toContain(SECRET_PASSWORD);
  });

  it('does not report client errors (4xx)', async () => {
    const before = sentry.events().length;
    const res = await app.inject({ method: 'POST', url: '/api/jobs/echo', payload: { message: 'no token' } });
    expect(res.statusCode).toBe(401);
    await reporter!.close();
    reporter = undefined;
    expect(sentry.events().length).toBe(before);
  });
});

describe('Sentry error reports from the worker', () => {
  it('reports a failed activity attempt with its activity and workflow type, scrubbed, and never a cancellation', async () => {
    const workerReporter = startErrorReporting(config, 'worker', 'test')!;
    const before = sentry.events().length;
    const { interceptors } = workerObservability(undefined, workerReporter);
    const env = new MockActivityEnvironment(
      { activityType: 'fetchIncidentsPage', workflowType: 'backfillWorkflow', attempt: 3 },
      { interceptors: interceptors!.activity as never },
    );
    await expect(
      env.run(async () => {
        throw new Error(`PagerDuty refused token=${SECRET_KEY}`);
      }),
    ).rejects.toThrow(/PagerDuty refused/);
    await workerReporter.close();
    const events = sentry.events().slice(before) as Array<{ tags: Record<string, string>; exception: { values: Array<{ value: string }> } }>;
    expect(events).toHaveLength(1);
    expect(events[0]!.tags).toMatchObject({ activity_type: 'fetchIncidentsPage', workflow_type: 'backfillWorkflow', attempt: '3', service: 'worker' });
    expect(events[0]!.exception.values[0]!.value).toBe('PagerDuty refused token=[secret]');
    for (const e of sentry.envelopes) expect(e.raw).not.toContain(SECRET_KEY);
  });
});
