// The runbook index in Pinecone with remote embeddings, through the real SDKs against local stand-ins: one namespace per
// account, chunks replaced and removed by prefix, and an account with LLM use off never sends its text to the endpoint.
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { putLlmSettings } from '../../db/llm-settings.ts';
import { llmCalls } from '../../observability/metrics.ts';
import { withAccount } from '../../db/tenancy.ts';
import { startOpenAIServer, type TestOpenAIServer } from '../../devkit/servers/openai.ts';
import { startPineconeServer, type TestPineconeServer } from '../servers/pinecone.ts';
import { signUp, type SignedIn } from '../../devkit/app.ts';
import { useApi, type TestDatabase } from '../helpers.ts';

let pinecone: TestPineconeServer;
let openai: TestOpenAIServer;
const env: Record<string, string> = {};

// Registered before useApi's hook, so the API's config sees the servers' addresses.
beforeAll(async () => {
  pinecone = await startPineconeServer({ indexes: [{ name: 'runbooks', dimension: 1536 }] });
  openai = await startOpenAIServer();
  Object.assign(env, {
    PINECONE_API_KEY: pinecone.apiKey,
    PINECONE_INDEX: 'runbooks',
    PINECONE_INDEX_HOST: pinecone.host,
    PINECONE_CONTROLLER_HOST: pinecone.url,
    OPENAI_BASE_URL: openai.url,
    OPENAI_API_KEY: openai.apiKey,
    OPENAI_EMBEDDING_MODEL: 'text-embedding-3-small',
  });
});
const api = useApi(env);
let db: TestDatabase;
let app: FastifyInstance;

beforeAll(() => {
  ({ db, app } = api);
});

afterAll(async () => {
  await pinecone?.close();
  await openai?.close();
});

const step = (title: string, command: string) => ({ title, command, targetType: 'shell', explanation: '', risk: 'read-only' });
const runbook = {
  title: 'Redis memory pressure',
  description: 'Evictions climb when the cache runs out of memory',
  tags: ['cache'],
  steps: [step('Read memory stats', 'redis-cli info memory'), step('Find big keys', 'redis-cli --bigkeys')],
};

async function create(user: SignedIn, body: object = runbook): Promise<{ id: string }> {
  const res = await user.call({ method: 'POST', url: '/api/runbooks', payload: body });
  expect(res.statusCode, res.body).toBe(201);
  return res.json();
}

/** insights_llm_calls_total{purpose="embeddings",outcome="ok"} of this process (the API embeds a saved runbook). */
const embeddingCalls = async () => (await llmCalls.get()).values.find((v) => v.labels.purpose === 'embeddings' && v.labels.outcome === 'ok')?.value ?? 0;

const embeddingInputs = (from: number) =>
  openai.requests
    .slice(from)
    .filter((r) => r.path === '/v1/embeddings')
    .flatMap((r) => [(r.body as { input: string | string[] }).input].flat());

describe('Pinecone with remote embeddings', () => {
  it('embeds a saved runbook through the endpoint and stores its chunks in the account’s namespace with their metadata', async () => {
    const owner = await signUp(app);
    const before = openai.requests.length;
    const callsBefore = await embeddingCalls();
    const { id } = await create(owner);
    const inputs = embeddingInputs(before);
    expect(inputs).toHaveLength(3);
    expect(inputs.join('\n')).toContain('redis-cli --bigkeys');
    expect((openai.requests.slice(before).find((r) => r.path === '/v1/embeddings')!.body as { model: string }).model).toBe('text-embedding-3-small');

    // Counted for operators: one request to the endpoint for the three chunks.
    expect((await embeddingCalls()) - callsBefore).toBe(1);

    const stored = pinecone.vectors(owner.accountId).sort((a, b) => a.id.localeCompare(b.id));
    expect(stored.map((v) => v.id)).toEqual([`${id}#step-1`, `${id}#step-2`, `${id}#summary`]);
    expect(stored[0]!.metadata).toMatchObject({ runbookId: id, version: 1, model: 'text-embedding-3-small' });
    expect(stored[0]!.values).toHaveLength(1536);

    const res = await owner.call({ method: 'GET', url: '/api/search?q=redis%20evictions%20out%20of%20memory&kinds=runbooks' });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({ index: 'pinecone', embeddingModel: 'text-embedding-3-small', runbooks: [{ id, title: runbook.title }] });
  });

  it('sends nothing to the embeddings endpoint for an account with LLM use off, and still indexes and finds its runbooks locally', async () => {
    const owner = await signUp(app);
    await withAccount(db.sql, owner.accountId, (tx) => putLlmSettings(tx, owner.accountId, { enabled: false, sendDescriptions: true, sendNotes: true, redactionPatterns: [] }, owner.userId));
    const before = openai.requests.length;
    const { id } = await create(owner);
    const res = await owner.call({ method: 'GET', url: '/api/search?q=redis%20memory&kinds=runbooks' });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({ embeddingModel: 'local-hash-384', runbooks: [{ id }] });
    expect(openai.requests.length - before).toBe(0);
    const stored = pinecone.vectors(owner.accountId);
    expect(stored.map((v) => v.metadata?.['model'])).toEqual(['local-hash-384', 'local-hash-384', 'local-hash-384']);
    // Padded to the index's dimension: one Pinecone index serves both kinds of accounts.
    expect(stored[0]!.values).toHaveLength(1536);
  });

  it('removes a shortened runbook’s extra chunks and a deleted runbook’s chunks, leaving other namespaces alone', async () => {
    const a = await signUp(app);
    const b = await signUp(app);
    const { id } = await create(a);
    await create(b);
    const res = await a.call({ method: 'PUT', url: `/api/runbooks/${id}`, payload: { ...runbook, steps: [runbook.steps[0]], baseVersion: 1 } });
    expect(res.statusCode, res.body).toBe(200);
    expect(pinecone.vectors(a.accountId).map((v) => [v.id, v.metadata?.['version']]).sort()).toEqual([
      [`${id}#step-1`, 2],
      [`${id}#summary`, 2],
    ]);
    expect((await a.call({ method: 'DELETE', url: `/api/runbooks/${id}` })).statusCode).toBe(204);
    expect(pinecone.vectors(a.accountId)).toEqual([]);
    expect(pinecone.vectors(b.accountId)).toHaveLength(3);
  });

  it('queries only the caller’s namespace: account B never finds account A’s runbook', async () => {
    const a = await signUp(app);
    const b = await signUp(app);
    await create(a, { ...runbook, title: 'Elasticsearch shard unassigned' });
    const before = pinecone.requests.length;
    const res = await b.call({ method: 'GET', url: '/api/search?q=elasticsearch%20shard%20unassigned&kinds=runbooks' });
    expect(res.json().runbooks).toEqual([]);
    const queries = pinecone.requests.slice(before).filter((r) => r.path.endsWith('/query'));
    expect(queries.map((r) => (r.body as { namespace: string }).namespace)).toEqual([b.accountId]);
  });
});
