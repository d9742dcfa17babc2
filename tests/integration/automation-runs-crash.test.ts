// A worker killed (SIGKILL) while a step's command runs: the step is retried on another worker with the same
// idempotency key, so the command runs once and the run still completes with the first execution's result.
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Config } from '../../config.ts';
import { stopChild, type Child } from '../../devkit/processes.ts';
import { connectTemporal, type TemporalClient } from '../../temporal/client.ts';
import { buildTestApp } from '../../devkit/app.ts';
import { createTestDatabase, fullTeam, spawnWorkerProcess, testConfig, waitFor, waitForPoller, type TestDatabase } from '../helpers.ts';
import { startLambdaServer, type TestLambdaServer } from '../../devkit/servers/lambda.ts';

let db: TestDatabase;
let config: Config;
let temporal: TemporalClient;
let app: FastifyInstance;
let lambda: TestLambdaServer;
const workers: Child[] = [];
const marker = `/tmp/automation-crash-${randomBytes(4).toString('hex')}`;

beforeAll(async () => {
  db = await createTestDatabase();
  config = testConfig(db.url);
  temporal = await connectTemporal({ address: config.temporal.address!, namespace: config.temporal.namespace });
  app = await buildTestApp(config, db.sql, temporal);
  lambda = await startLambdaServer();
}, 120_000);

afterAll(async () => {
  for (const w of workers) await stopChild(w, 5_000);
  await app?.close();
  await temporal?.close();
  await lambda?.close();
  await db?.drop();
  rmSync(marker, { force: true });
});

function spawnWorker(name: string): Child {
  const child = spawnWorkerProcess(config, name, { LOG_LEVEL: 'info' });
  workers.push(child);
  return child;
}

describe('automation run and a worker crash', () => {
  it('runs a step’s command once although its worker is killed mid-command', { timeout: 180_000 }, async () => {
    const team = await fullTeam(app, db);
    const first = spawnWorker('automation-worker-first');
    await waitForPoller(temporal, config, `worker-${first.process.pid}@`);

    const target = await team.owner.call({
      method: 'POST',
      url: '/api/automation-targets',
      payload: { name: 'Lambda', config: { kind: 'lambda', region: lambda.region, functionName: lambda.functionName, endpoint: lambda.url }, secrets: { accessKeyId: lambda.accessKeyId, secretAccessKey: lambda.secretAccessKey } },
    });
    expect(target.statusCode, target.body).toBe(201);
    const command = `sleep 3; echo ran >> ${marker}; echo appended`;
    const rb = await team.owner.call({ method: 'POST', url: '/api/runbooks', payload: { title: 'Append once', steps: [{ title: 'Append', command, targetType: 'shell', explanation: '', risk: 'read-only' }] } });
    expect(rb.statusCode, rb.body).toBe(201);
    const run = await team.responder.call({ method: 'POST', url: '/api/automation-runs', payload: { runbookId: rb.json().id, targetId: target.json().target.id } });
    expect(run.statusCode, run.body).toBe(201);
    const runId = run.json().run.id as string;
    const detail = async () => (await team.owner.call({ method: 'GET', url: `/api/automation-runs/${runId}` })).json();

    await waitFor('the run waits for approval', async () => {
      const res = await team.owner.call({ method: 'POST', url: `/api/automation-runs/${runId}/approve`, payload: {} });
      return res.statusCode === 200 ? true : undefined;
    }, { timeoutMs: 30_000, intervalMs: 300 });
    await waitFor('the command started on the target', () => (lambda.invocations.length > 0 ? true : undefined), { timeoutMs: 30_000, intervalMs: 50 });
    first.process.kill('SIGKILL');

    const second = spawnWorker('automation-worker-second');
    await waitForPoller(temporal, config, `worker-${second.process.pid}@`);
    const done = await waitFor('the run completes on the second worker', async () => {
      const d = await detail();
      return d.run.status === 'completed' || d.run.status === 'failed' ? d : undefined;
    }, { timeoutMs: 120_000, intervalMs: 500 });

    expect(done.run.status).toBe('completed');
    expect(done.steps[0]).toMatchObject({ status: 'succeeded', exitCode: 0, alreadyRan: true, stdout: 'appended\n' });
    expect(existsSync(marker)).toBe(true);
    expect(readFileSync(marker, 'utf8')).toBe('ran\n');
    expect(lambda.executions()).toBe(1);
    expect(lambda.invocations.length).toBeGreaterThanOrEqual(2);
  });
});
