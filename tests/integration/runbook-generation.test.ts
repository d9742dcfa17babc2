// Runbook generation end to end: the API starts a workflow on the real worker, which asks the local OpenAI server
// through the real SDK. What the model server received is the proof of privacy (redaction, LLM off, field controls).
import { MockActivityEnvironment } from '@temporalio/testing';
import { randomUUID } from 'node:crypto';
import { NativeConnection } from '@temporalio/worker';
import type { FastifyInstance } from 'fastify';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Config } from '../../config.ts';
import { createRunbookActivities } from '../../activities/runbook.ts';
import { insertDraft, runbookRatingBoosts } from '../../db/runbook-drafts.ts';
import { withAccount } from '../../db/tenancy.ts';
import { runbookGenerationStateQuery, runbookGenerationWorkflowId } from '../../workflows/runbook.ts';
import { connectTemporal, type TemporalClient } from '../../temporal/client.ts';
import { ensureSearchAttributes } from '../../temporal/search-attributes.ts';
import { createWorker } from '../../temporal/worker.ts';
import { defaultChatHandler, startOpenAIServer, type TestOpenAIServer } from '../../devkit/servers/openai.ts';
import { buildTestApp, signUp, type SignedIn } from '../../devkit/app.ts';
import { createTestDatabase, fullTeam, testConfig, waitFor, workflowBundle, type TestDatabase } from '../helpers.ts';

let server: TestOpenAIServer;
let db: TestDatabase;
let config: Config;
let temporal: TemporalClient;
let app: FastifyInstance;
let stopWorker: () => Promise<void>;

beforeAll(async () => {
  server = await startOpenAIServer();
  db = await createTestDatabase();
  config = testConfig(db.url, { OPENAI_BASE_URL: server.url, OPENAI_API_KEY: server.apiKey, OPENAI_MODEL: 'gpt-test' });
  temporal = await connectTemporal({ address: config.temporal.address!, namespace: config.temporal.namespace });
  app = await buildTestApp(config, db.sql, temporal);
  // The worker as runWorker builds it: with the model endpoint (helpers' startWorker passes none).
  const connection = await NativeConnection.connect({ address: config.temporal.address! });
  await ensureSearchAttributes(connection, config.temporal.namespace);
  const worker = await createWorker({
    connection,
    namespace: config.temporal.namespace,
    taskQueue: config.temporal.taskQueue,
    sql: db.sql,
    email: config.email,
    secretBox: undefined,
    search: config,
    workflowBundle: await workflowBundle(),
  });
  const running = worker.run();
  stopWorker = async () => {
    worker.shutdown();
    await running;
    await connection.close();
  };
}, 120_000);

afterEach(() => {
  server.setLatency(0);
  server.setChatHandler(defaultChatHandler);
});

afterAll(async () => {
  await stopWorker?.();
  await app?.close();
  await temporal?.close();
  await db?.drop();
  await server?.close();
});

const SECRETS = {
  email: 'alice.oncall@example.com',
  ip: '10.20.30.40',
  token: 'ghp_abcdefghijklmnopqrstuvwxyz0123456789',
  urlPassword: 'hunter2-db-pass',
  custom: 'CUST-884422',
  noteSecret: 'bob.notes@example.org',
};

const RUNBOOK = {
  title: 'Checkout database connection pool exhausted',
  description: 'When checkout cannot get database connections.',
  tags: ['checkout'],
  services: ['checkout'],
  steps: [
    { title: 'See the pool', command: 'kubectl logs deploy/checkout -n shop --tail=200', targetType: 'kubectl', explanation: 'Pool errors show here', risk: 'read-only' },
    { title: 'Restart checkout', command: 'kubectl rollout restart deploy/checkout -n shop', targetType: 'kubectl', explanation: 'Frees stuck connections', risk: 'mutating' },
  ],
};

/** An account with a secret-laden incident, a resolved similar one and a matching runbook; returns the incident id. */
async function seed(owner: SignedIn): Promise<string> {
  const created = await owner.call({ method: 'POST', url: '/api/runbooks', payload: RUNBOOK });
  expect(created.statusCode, created.body).toBe(201);
  const description = `Pool exhausted on ${SECRETS.ip}; reported by ${SECRETS.email}; token ${SECRETS.token}; ` +
    `DATABASE_URL=postgres://checkout:${SECRETS.urlPassword}@db.internal:5432/shop; customer ${SECRETS.custom}`;
  const timeline = [{ type: 'note', at: new Date().toISOString(), message: `Paged ${SECRETS.noteSecret} about the pool` }];
  const [incident] = await db.admin<[{ id: string }]>`
    insert into incidents (account_id, source, external_id, title, description, service, severity, status, created_at, observed_at, timeline)
    values (${owner.accountId}, 'test', ${`inc-${Math.random()}`}, 'Checkout database connection pool exhausted on db-1', ${description}, 'checkout', 'P1', 'triggered',
            now(), now(), ${db.admin.json(timeline)})
    returning id`;
  await db.admin`
    insert into incidents (account_id, source, external_id, title, service, severity, status, created_at, observed_at, resolved_at)
    values (${owner.accountId}, 'test', ${`old-${Math.random()}`}, 'Checkout database connection pool exhausted last week', 'checkout', 'P2', 'resolved',
            now() - interval '7 days', now(), now() - interval '7 days' + interval '25 minutes')`;
  return incident!.id;
}

type Draft = {
  id: string;
  conversationId: string;
  parentId: string | null;
  status: string;
  stage: string | null;
  mode: string | null;
  steps: { title: string; command: string; targetType: string; explanation: string; risk: string }[] | null;
  sources: { runbooks?: { title: string }[]; incidents?: { title: string }[] };
  warnings: string[];
  error: string | null;
  conversation: { id: string }[];
};

async function startDraft(user: SignedIn, incidentId: string): Promise<Draft> {
  const res = await user.call({ method: 'POST', url: '/api/runbook-drafts', payload: { incidentId } });
  expect(res.statusCode, res.body).toBe(202);
  return res.json();
}

const getDraft = async (user: SignedIn, id: string): Promise<Draft> => (await user.call({ method: 'GET', url: `/api/runbook-drafts/${id}` })).json();

const settled = (user: SignedIn, id: string) =>
  waitFor(`draft ${id} to settle`, async () => {
    const d = await getDraft(user, id);
    return ['completed', 'failed', 'cancelled'].includes(d.status) ? d : undefined;
  }, { timeoutMs: 60_000, intervalMs: 200 });

const reply = (steps: { command: string; risk: string; targetType?: string }[]) => ({
  title: 'Checkout pool exhausted',
  summary: 'Connections leak under load.',
  steps: steps.map((s, i) => ({ title: `Step ${i + 1}`, command: s.command, targetType: s.targetType ?? 'kubectl', explanation: 'Because.', risk: s.risk })),
});

const sentText = (from: number) => JSON.stringify(server.requests.slice(from).map((r) => r.body));

describe('generation with a model', () => {
  it('sends the retrieved runbook and similar incidents, redacted: no planted secret reaches the model server', async () => {
    const owner = await signUp(app);
    const incidentId = await seed(owner);
    const put = await owner.call({ method: 'PUT', url: '/api/settings/llm', payload: { enabled: true, sendDescriptions: true, sendNotes: true, redactionPatterns: ['CUST-\\d+'] } });
    expect(put.statusCode, put.body).toBe(200);
    const before = server.requests.length;
    server.queueChat(reply([{ command: 'kubectl get pods -n shop', risk: 'read-only' }]));

    const draft = await settled(owner, (await startDraft(owner, incidentId)).id);
    expect(draft).toMatchObject({ status: 'completed', stage: 'stored', mode: 'llm', steps: [{ command: 'kubectl get pods -n shop', risk: 'read-only' }] });
    expect(draft.sources.runbooks?.map((r) => r.title)).toContain(RUNBOOK.title);
    expect(draft.sources.incidents?.map((i) => i.title)).toContain('Checkout database connection pool exhausted last week');

    const chats = server.chatRequests().slice(-1);
    const prompt = chats[0]!.messages.map((m) => m.content).join('\n');
    expect(prompt).toContain(RUNBOOK.title);
    expect(prompt).toContain('kubectl rollout restart deploy/checkout -n shop');
    expect(prompt).toContain('Checkout database connection pool exhausted last week');
    expect(prompt).toContain('Pool exhausted on'); // the description was sent, redacted
    expect(prompt).toContain('[redacted]');
    expect(chats[0]!.response_format).toMatchObject({ type: 'json_schema' });
    const sent = sentText(before);
    for (const secret of Object.values(SECRETS)) expect(sent).not.toContain(secret);

    const logged = await owner.call({ method: 'GET', url: `/api/llm-requests?draftId=${draft.id}` });
    expect(logged.statusCode).toBe(200);
    const [request] = logged.json().requests;
    expect(request).toMatchObject({ model: 'gpt-test', outcome: 'ok' });
    expect(request.redactionCounts).toMatchObject({ email: 2, ip: 1, custom: 1 });
    for (const secret of Object.values(SECRETS)) expect(JSON.stringify(request)).not.toContain(secret);
  });

  it('leaves descriptions and notes out of the prompt when the settings say so', async () => {
    const owner = await signUp(app);
    const incidentId = await seed(owner);
    await owner.call({ method: 'PUT', url: '/api/settings/llm', payload: { enabled: true, sendDescriptions: false, sendNotes: false, redactionPatterns: [] } });
    const before = server.requests.length;
    server.queueChat(reply([{ command: 'kubectl get pods -n shop', risk: 'read-only' }]));
    expect((await settled(owner, (await startDraft(owner, incidentId)).id)).status).toBe('completed');
    const sent = sentText(before);
    expect(sent).toContain('Checkout database connection pool exhausted on db-1');
    expect(sent).not.toContain('Pool exhausted on');
    expect(sent).not.toContain('about the pool');
  });

  it('stores a destructive command the model called read-only as destructive', async () => {
    const owner = await signUp(app);
    const incidentId = await seed(owner);
    server.queueChat(reply([{ command: 'kubectl get pods -n shop', risk: 'read-only' }, { command: 'kubectl delete namespace shop', risk: 'read-only' }]));
    const draft = await settled(owner, (await startDraft(owner, incidentId)).id);
    expect(draft.status).toBe('completed');
    expect(draft.steps!.map((s) => s.risk)).toEqual(['read-only', 'destructive']);
    expect(draft.warnings.join(' ')).toMatch(/raised/);
  });

  it('retries a malformed reply once with the reason, then fails the draft with no steps stored', async () => {
    const owner = await signUp(app);
    const incidentId = await seed(owner);
    const before = server.chatRequests().length;
    server.queueChat('{"title": "half', { title: 'x', summary: '', steps: [{ title: 'a', command: '', targetType: 'shell', explanation: '', risk: 'read-only' }] });
    const draft = await settled(owner, (await startDraft(owner, incidentId)).id);
    expect(draft).toMatchObject({ status: 'failed', steps: null });
    expect(draft.error).toMatch(/invalid twice.*steps\[0\]\.command is empty/);
    const calls = server.chatRequests().slice(before);
    expect(calls).toHaveLength(2);
    expect(calls[1]!.messages.at(-1)!.content).toContain('not valid JSON');

    // One malformed reply followed by a good one completes.
    server.queueChat('not json at all', reply([{ command: 'kubectl get pods -n shop', risk: 'read-only' }]));
    const second = await settled(owner, (await startDraft(owner, incidentId)).id);
    expect(second).toMatchObject({ status: 'completed', steps: [{ command: 'kubectl get pods -n shop' }] });
    const logged = (await owner.call({ method: 'GET', url: `/api/llm-requests?draftId=${second.id}` })).json().requests;
    expect(logged.map((r: { outcome: string }) => r.outcome)).toEqual(['ok', 'invalid']);
  });

  it('refines a draft in the same conversation, holding "only read-only steps" by rule', async () => {
    const owner = await signUp(app);
    const incidentId = await seed(owner);
    server.queueChat(reply([{ command: 'kubectl rollout restart deploy/checkout -n shop', risk: 'mutating' }]));
    const first = await settled(owner, (await startDraft(owner, incidentId)).id);
    expect(first.status).toBe('completed');

    const before = server.chatRequests().length;
    // The model first ignores the instruction (a restart), then complies.
    server.queueChat(reply([{ command: 'kubectl rollout restart deploy/checkout -n shop', risk: 'read-only' }]), reply([{ command: 'kubectl describe deploy/checkout -n shop', risk: 'read-only' }]));
    const res = await owner.call({ method: 'POST', url: `/api/runbook-drafts/${first.id}/refine`, payload: { instruction: 'only read-only steps please' } });
    expect(res.statusCode, res.body).toBe(202);
    const refined = await settled(owner, res.json().id);
    expect(refined).toMatchObject({ status: 'completed', parentId: first.id, conversationId: first.conversationId, steps: [{ risk: 'read-only' }] });
    expect(refined.conversation.map((c) => c.id)).toEqual([first.id, refined.id]);
    const calls = server.chatRequests().slice(before);
    expect(calls).toHaveLength(2);
    expect(calls[0]!.messages.map((m) => m.role)).toEqual(['system', 'user', 'assistant', 'user']);
    expect(calls[0]!.messages[2]!.content).toContain('kubectl rollout restart deploy/checkout');
    expect(calls[0]!.messages[3]!.content).toContain('only read-only steps please');
    expect(calls[1]!.messages.at(-1)!.content).toMatch(/read-only steps, but steps\[0\] is mutating/);
  });

  it('records a cancelled generation as cancelled, without steps', async () => {
    const owner = await signUp(app);
    const incidentId = await seed(owner);
    server.setLatency(30_000);
    const started = await startDraft(owner, incidentId);
    await waitFor('the model call', async () => ((await getDraft(owner, started.id)).stage === 'generating' ? true : undefined), { timeoutMs: 30_000, intervalMs: 100 });
    // The workflow's query shows where it is while the model works.
    const live = await temporal.client.workflow.getHandle(runbookGenerationWorkflowId(owner.accountId, started.id)).query(runbookGenerationStateQuery);
    expect(live).toMatchObject({ status: 'running', stage: 'generating', mode: 'llm', attempts: 1 });
    expect(live.runbooks).toBeGreaterThan(0);
    const res = await owner.call({ method: 'POST', url: `/api/runbook-drafts/${started.id}/cancel` });
    expect(res.statusCode, res.body).toBe(202);
    const draft = await settled(owner, started.id);
    expect(draft).toMatchObject({ status: 'cancelled', steps: null });
  });
});

describe('LLM use off', () => {
  it('sends nothing to the model server and still drafts from the best runbook, saying so', async () => {
    const owner = await signUp(app);
    const incidentId = await seed(owner);
    const put = await owner.call({ method: 'PUT', url: '/api/settings/llm', payload: { enabled: false, sendDescriptions: true, sendNotes: true, redactionPatterns: [] } });
    expect(put.statusCode).toBe(200);
    const before = server.requests.length;
    const draft = await settled(owner, (await startDraft(owner, incidentId)).id);
    expect(server.requests.length).toBe(before);
    expect(draft).toMatchObject({ status: 'completed', mode: 'retrieval' });
    expect(draft.steps!.map((s) => s.command)).toEqual(RUNBOOK.steps.map((s) => s.command));
    expect(draft.warnings[0]).toMatch(/Retrieval only: LLM use is turned off/);
    expect((await owner.call({ method: 'GET', url: '/api/llm-requests' })).json().requests).toEqual([]);
  });
});

describe('no model configured', () => {
  it('drafts from retrieval alone, saying that no model is configured, and calls nothing', async () => {
    const owner = await signUp(app);
    const incidentId = await seed(owner);
    const draftId = randomUUID();
    await withAccount(db.sql, owner.accountId, (tx) =>
      insertDraft(tx, { id: draftId, accountId: owner.accountId, conversationId: draftId, parentId: null, subjectKind: 'incident', subjectId: incidentId, instruction: null, workflowId: 'direct', createdBy: owner.userId }),
    );
    const before = server.requests.length;
    // The activity as a worker without OPENAI_MODEL builds it.
    const { prepareRunbookDraft } = createRunbookActivities({ sql: db.sql, openai: { ...config.openai, model: undefined } });
    const result = await new MockActivityEnvironment().run(prepareRunbookDraft, { accountId: owner.accountId, draftId });
    expect(result).toMatchObject({ mode: 'retrieval', done: true });
    expect(server.requests.length).toBe(before);
    const draft = await getDraft(owner, draftId);
    expect(draft).toMatchObject({ status: 'completed', mode: 'retrieval' });
    expect(draft.steps!.map((s) => s.command)).toEqual(RUNBOOK.steps.map((s) => s.command));
    expect(draft.warnings[0]).toMatch(/no language model is configured/);
  });
});

describe('editing, saving and rating', () => {
  it('raises hand-edited risks, saves as a generated runbook linked to the service, and turns ratings into boosts', async () => {
    const owner = await signUp(app);
    const incidentId = await seed(owner);
    server.queueChat(reply([{ command: 'kubectl get pods -n shop', risk: 'read-only' }]));
    const draft = await settled(owner, (await startDraft(owner, incidentId)).id);
    const edited = await owner.call({
      method: 'PUT',
      url: `/api/runbook-drafts/${draft.id}/steps`,
      payload: { steps: [...draft.steps!, { title: 'Clean', command: 'rm -rf /var/lib/checkout/cache', targetType: 'shell', explanation: 'x', risk: 'read-only' }] },
    });
    expect(edited.statusCode, edited.body).toBe(200);
    expect(edited.json().steps.map((s: { risk: string }) => s.risk)).toEqual(['read-only', 'destructive']);

    const saved = await owner.call({ method: 'POST', url: `/api/runbook-drafts/${draft.id}/save`, payload: {} });
    expect(saved.statusCode, saved.body).toBe(201);
    const { runbookId, indexed } = saved.json();
    expect(indexed).toBe(true);
    const runbook = (await owner.call({ method: 'GET', url: `/api/runbooks/${runbookId}` })).json();
    expect(runbook).toMatchObject({ source: 'generated', services: ['checkout'], title: 'Checkout pool exhausted', steps: [{ risk: 'read-only' }, { risk: 'destructive' }] });
    expect((await owner.call({ method: 'POST', url: `/api/runbook-drafts/${draft.id}/save`, payload: {} })).statusCode).toBe(409);

    const rated = await owner.call({ method: 'POST', url: `/api/runbook-drafts/${draft.id}/ratings`, payload: { value: 'up' } });
    expect(rated.statusCode, rated.body).toBe(200);
    expect(rated.json()).toMatchObject({ up: 1, down: 0 });
    const stepRated = await owner.call({ method: 'POST', url: `/api/runbooks/${runbookId}/ratings`, payload: { value: 'down', step: 1, reason: 'too risky' } });
    expect(stepRated.json().steps).toEqual([{ step: 1, up: 0, down: 1 }]);
    const badStep = await owner.call({ method: 'POST', url: `/api/runbooks/${runbookId}/ratings`, payload: { value: 'up', step: 7 } });
    expect(badStep.statusCode).toBe(400);
    expect(badStep.json().error.details[0].field).toBe('step');
    await owner.call({ method: 'POST', url: `/api/runbooks/${runbookId}/ratings`, payload: { value: 'up' } });
    // Rating again replaces the earlier rating: still one vote.
    await owner.call({ method: 'POST', url: `/api/runbooks/${runbookId}/ratings`, payload: { value: 'up' } });
    const boosts = await withAccount(db.sql, owner.accountId, (tx) => runbookRatingBoosts(tx, owner.accountId));
    expect(boosts.get(runbookId)).toBeCloseTo(0.04);
  });
});

describe('settings and access', () => {
  it('refuses an unsafe redaction pattern naming its field, and lets only admins and owners change settings', async () => {
    const { owner, admin, responder, viewer } = await fullTeam(app, db);
    const defaults = await owner.call({ method: 'GET', url: '/api/settings/llm' });
    expect(defaults.json()).toMatchObject({ enabled: true, sendDescriptions: true, sendNotes: true, redactionPatterns: [], updatedBy: null, updatedAt: null });
    const body = { enabled: true, sendDescriptions: true, sendNotes: false, redactionPatterns: ['TICKET-\\d+', '(a+)+$'] };
    const bad = await owner.call({ method: 'PUT', url: '/api/settings/llm', payload: body });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.details).toEqual([expect.objectContaining({ field: 'redactionPatterns.1', in: 'body' })]);
    const good = await admin.call({ method: 'PUT', url: '/api/settings/llm', payload: { ...body, redactionPatterns: ['TICKET-\\d+'] } });
    expect(good.statusCode, good.body).toBe(200);
    expect(good.json()).toMatchObject({ enabled: true, sendNotes: false, redactionPatterns: ['TICKET-\\d+'], updatedBy: admin.userId, modelConfigured: true });
    expect((await responder.call({ method: 'PUT', url: '/api/settings/llm', payload: body })).statusCode).toBe(403);
    expect((await responder.call({ method: 'GET', url: '/api/llm-requests' })).statusCode).toBe(403);
    expect((await viewer.call({ method: 'POST', url: '/api/runbook-drafts', payload: { incidentId: '00000000-0000-4000-8000-000000000000' } })).statusCode).toBe(403);
    const audit = await db.admin<{ action: string }[]>`select action from audit_log where account_id = ${owner.accountId} and action = 'llm_settings.updated'`;
    expect(audit).toHaveLength(1);
  });

  it('keeps drafts to their account: B gets 404 for A’s draft and incident, and never lists them', async () => {
    const a = await signUp(app);
    const b = await signUp(app);
    const incidentId = await seed(a);
    server.queueChat(reply([{ command: 'kubectl get pods -n shop', risk: 'read-only' }]));
    const draft = await settled(a, (await startDraft(a, incidentId)).id);
    expect(draft.status).toBe('completed');
    for (const call of [
      { method: 'GET', url: `/api/runbook-drafts/${draft.id}` },
      { method: 'POST', url: `/api/runbook-drafts/${draft.id}/refine`, payload: { instruction: 'x' } },
      { method: 'POST', url: `/api/runbook-drafts/${draft.id}/save`, payload: {} },
      { method: 'POST', url: `/api/runbook-drafts/${draft.id}/cancel` },
      { method: 'POST', url: `/api/runbook-drafts/${draft.id}/ratings`, payload: { value: 'down' } },
      { method: 'PUT', url: `/api/runbook-drafts/${draft.id}/steps`, payload: { steps: draft.steps } },
      { method: 'POST', url: '/api/runbook-drafts', payload: { incidentId } },
    ] as const) {
      const res = await b.call(call as never);
      expect(res.statusCode, `${call.method} ${call.url}`).toBe(404);
    }
    expect((await b.call({ method: 'GET', url: `/api/runbook-drafts?subject=incident:${incidentId}` })).json().drafts).toEqual([]);
    expect((await a.call({ method: 'GET', url: `/api/runbook-drafts?subject=incident:${incidentId}` })).json().drafts.map((d: { id: string }) => d.id)).toEqual([draft.id]);
  });
});
