// Embeddings joining the merge: with OPENAI_EMBEDDING_MODEL set, the recluster (in the worker's thread) sends its
// templates — masked, so no host or value leaves — to the OpenAI-compatible endpoint through the real SDK, and two
// wordings the lexicon cannot match ("stuck" / "hanging") become one pattern; an account with LLM use off sends
// nothing and keeps them apart. The local server reads the two words alike, as a semantic model would.
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { putLlmSettings } from '../../db/llm-settings.ts';
import { withAccount } from '../../db/tenancy.ts';
import type { TemporalClient } from '../../temporal/client.ts';
import { startOpenAIServer, type TestOpenAIServer } from '../../devkit/servers/openai.ts';
import { signUp, type SignedIn } from '../../devkit/app.ts';
import { useApi, type TestDatabase } from '../helpers.ts';

let openai: TestOpenAIServer;
const env: Record<string, string> = {};

// Registered before useApi's hook, so the worker's config sees the server's address.
beforeAll(async () => {
  openai = await startOpenAIServer({ synonyms: [['stuck', 'hanging']] });
  Object.assign(env, { OPENAI_BASE_URL: openai.url, OPENAI_API_KEY: openai.apiKey, OPENAI_EMBEDDING_MODEL: 'text-embedding-3-small' });
});
const api = useApi(env, { worker: true });
let db: TestDatabase;
let app: FastifyInstance;
let temporal: TemporalClient;
let owner: SignedIn;

afterAll(async () => {
  await openai?.close();
});

const HOUR = 3_600_000;

beforeAll(async () => {
  ({ db, app, temporal } = api);
  owner = await signUp(app);
  // Hours apart on different hosts: no time co-occurrence, so only the wording (and the embeddings) can merge them.
  const titles = [
    ...Array.from({ length: 8 }, (_, i) => `Ledger reconciliation stuck on ledger-${i + 1}`),
    ...Array.from({ length: 8 }, (_, i) => `Ledger reconciliation hanging on ledger-${i + 11}`),
    ...Array.from({ length: 8 }, (_, i) => `Ledger export finished on ledger-${i + 21}`),
  ];
  const start = Date.now() - 30 * 24 * HOUR;
  await db.admin`
    insert into incidents (account_id, source, external_id, title, severity, status, created_at, observed_at)
    select ${owner.accountId}, 'csv', r.key, r.title, 'P3', 'triggered', r.at, r.at
    from jsonb_to_recordset(${db.admin.json(titles.map((title, i) => ({ key: `k-${i}`, title, at: new Date(start + i * 7 * HOUR).toISOString() })) as never)})
      as r(key text, title text, at timestamptz)`;
});

async function recluster(): Promise<void> {
  const res = await owner.call({ method: 'POST', url: '/api/clusters/recluster' });
  expect(res.statusCode, res.body).toBe(202);
  await temporal.client.workflow.getHandle(res.json().workflowId).result();
}

async function clusterOf(): Promise<Map<string, string>> {
  const rows = await db.admin<{ title: string; clusterId: string }[]>`
    select title, cluster_id as "clusterId" from incidents where account_id = ${owner.accountId}`;
  return new Map(rows.map((r) => [r.title, r.clusterId]));
}

const embeddingInputs = (from: number) =>
  openai.requests
    .slice(from)
    .filter((r) => r.path === '/v1/embeddings')
    .flatMap((r) => [(r.body as { input: string | string[] }).input].flat());

describe('embeddings in the recluster', () => {
  it('sends masked templates to the endpoint and merges wordings its vectors read alike', async () => {
    const before = openai.requests.length;
    await recluster();
    const inputs = embeddingInputs(before);
    expect(inputs.length).toBeGreaterThanOrEqual(2);
    // Templates, not incidents: the hosts stay home.
    for (const text of inputs) expect(text).not.toMatch(/ledger-\d/);
    expect(inputs.some((t) => t.includes('stuck'))).toBe(true);
    const clusters = await clusterOf();
    expect(clusters.get('Ledger reconciliation stuck on ledger-1')).toBe(clusters.get('Ledger reconciliation hanging on ledger-11'));
    expect(clusters.get('Ledger reconciliation stuck on ledger-1')).not.toBe(clusters.get('Ledger export finished on ledger-21'));
  });

  it('keeps them apart, and sends nothing, for an account with LLM use off', async () => {
    await withAccount(db.sql, owner.accountId, (tx) => putLlmSettings(tx, owner.accountId, { enabled: false, sendDescriptions: true, sendNotes: true, redactionPatterns: [] }, null));
    const before = openai.requests.length;
    await recluster();
    expect(embeddingInputs(before)).toEqual([]);
    const clusters = await clusterOf();
    expect(clusters.get('Ledger reconciliation stuck on ledger-1')).not.toBe(clusters.get('Ledger reconciliation hanging on ledger-11'));
  });
});
