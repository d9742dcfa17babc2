// A runbook generation survives its worker being killed mid model call: another worker takes the call over and the
// draft completes once.
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Config } from '../../config.ts';
import { stopChild, type Child } from '../../devkit/processes.ts';
import { connectTemporal, type TemporalClient } from '../../temporal/client.ts';
import { startOpenAIServer, type TestOpenAIServer } from '../../devkit/servers/openai.ts';
import { buildTestApp, signUp, type SignedIn } from '../../devkit/app.ts';
import { createTestDatabase, spawnWorkerProcess, testConfig, waitFor, waitForPoller, type TestDatabase } from '../helpers.ts';

let server: TestOpenAIServer;
let db: TestDatabase;
let config: Config;
let temporal: TemporalClient;
let app: FastifyInstance;
let owner: SignedIn;
const workers: Child[] = [];

const spawnWorker = (name: string) => {
  const child = spawnWorkerProcess(config, name, { OPENAI_BASE_URL: server.url, OPENAI_API_KEY: server.apiKey, OPENAI_MODEL: 'gpt-test' });
  workers.push(child);
  return child;
};

beforeAll(async () => {
  server = await startOpenAIServer();
  db = await createTestDatabase();
  config = testConfig(db.url, { OPENAI_BASE_URL: server.url, OPENAI_API_KEY: server.apiKey, OPENAI_MODEL: 'gpt-test' });
  temporal = await connectTemporal({ address: config.temporal.address!, namespace: config.temporal.namespace });
  app = await buildTestApp(config, db.sql, temporal);
  owner = await signUp(app);
});

afterAll(async () => {
  for (const w of workers) await stopChild(w, 5_000);
  await app?.close();
  await temporal?.close();
  await db?.drop();
  await server?.close();
});

it('completes the draft on a new worker after the first is killed during the model call', async () => {
  const [incident] = await db.admin<[{ id: string }]>`
    insert into incidents (account_id, source, external_id, title, service, severity, status, created_at, observed_at)
    values (${owner.accountId}, 'test', 'restart-1', 'Checkout latency above SLO', 'checkout', 'P2', 'triggered', now(), now())
    returning id`;
  const first = spawnWorker('runbook-restart-first');
  await waitForPoller(temporal, config, `worker-${first.process.pid}@`);

  // The model never answers the first worker: it is killed while waiting.
  server.setLatency(120_000);
  const res = await owner.call({ method: 'POST', url: '/api/runbook-drafts', payload: { incidentId: incident!.id } });
  expect(res.statusCode, res.body).toBe(202);
  const id = res.json().id as string;
  const draft = () => owner.call({ method: 'GET', url: `/api/runbook-drafts/${id}` }).then((r) => r.json());
  await waitFor('the model call', async () => (server.chatRequests().length > 0 && (await draft()).stage === 'generating' ? true : undefined), { timeoutMs: 60_000, intervalMs: 100 });
  first.process.kill('SIGKILL');
  await first.exited;
  expect((await draft()).status).toBe('running');

  server.setLatency(0);
  server.queueChat({ title: 'Checkout latency', summary: 's', steps: [{ title: 'Pods', command: 'kubectl top pods -n shop', targetType: 'kubectl', explanation: 'x', risk: 'read-only' }] });
  spawnWorker('runbook-restart-second');
  const done = await waitFor('the draft to complete on the new worker', async () => {
    const d = await draft();
    return d.status === 'running' || d.status === 'queued' ? undefined : d;
  }, { timeoutMs: 90_000, intervalMs: 250 });
  expect(done).toMatchObject({ status: 'completed', mode: 'llm', steps: [{ command: 'kubectl top pods -n shop', risk: 'read-only' }] });
  const logged = (await owner.call({ method: 'GET', url: `/api/llm-requests?draftId=${id}` })).json().requests;
  expect(logged.map((r: { outcome: string }) => r.outcome)).toEqual(['ok']);
}, 180_000);
