// The runbook index in PostgreSQL (exact cosine scan on the test server): saving indexes, editing replaces, deleting
// removes, search merges meaning and words, a failed index never loses a save, and nothing crosses accounts.
import type { FastifyInstance } from 'fastify';
import { beforeAll, describe, expect, it } from 'vitest';
import { createPostgresIndex } from '../../search/postgres-index.ts';
import { localEmbedder } from '../../search/embedder.ts';
import { indexRunbook, searchRunbooks } from '../../search/runbook-search.ts';
import type { RunbookIndex } from '../../search/types.ts';
import { signUp, type SignedIn } from '../../devkit/app.ts';
import { useApi, type TestDatabase } from '../helpers.ts';

const api = useApi();
let db: TestDatabase;
let app: FastifyInstance;
let index: RunbookIndex;

beforeAll(async () => {
  ({ db, app } = api);
  index = await createPostgresIndex(db.sql);
});

const step = (title: string, command: string, explanation = '') => ({ title, command, targetType: 'shell', explanation, risk: 'read-only' });

const diskRunbook = {
  title: 'Disk full on database hosts',
  description: 'The data volume of a postgres primary fills up and writes fail',
  tags: ['storage'],
  steps: [step('Find the biggest directories', 'du -xh /var/lib/postgresql | sort -h | tail -20', 'Usually WAL or logs'), step('Check replication slots', "psql -c 'select * from pg_replication_slots'")],
};
const certRunbook = {
  title: 'TLS certificate expiring',
  description: 'The edge certificate is close to its expiry date',
  tags: ['tls'],
  steps: [step('Read the expiry', 'openssl s_client -connect edge:443 </dev/null | openssl x509 -noout -enddate')],
};

async function create(user: SignedIn, body: object): Promise<{ id: string; version: number }> {
  const res = await user.call({ method: 'POST', url: '/api/runbooks', payload: body });
  expect(res.statusCode, res.body).toBe(201);
  return res.json();
}

async function search(user: SignedIn, q: string, kinds = 'runbooks') {
  const res = await user.call({ method: 'GET', url: `/api/search?q=${encodeURIComponent(q)}&kinds=${kinds}` });
  expect(res.statusCode, res.body).toBe(200);
  return res.json() as {
    runbooks: { id: string; title: string; version: number; score: number; why: { kind: string; text: string }; chunks: { id: string; text: string }[] }[];
    incidents: { id: string; title: string; score: number }[];
    index: string;
    embeddingModel: string;
  };
}

const chunkRows = (runbookId: string) => db.admin<{ chunk_id: string; version: number; account_id: string; text: string }[]>`
  select chunk_id, version, account_id, text from runbook_chunks where runbook_id = ${runbookId} order by chunk_id`;

describe('saving, editing and deleting keep the index in step', () => {
  it('indexes a saved runbook (summary and one chunk per step) and finds it by meaning and by its title', async () => {
    const owner = await signUp(app);
    const disk = await create(owner, diskRunbook);
    await create(owner, certRunbook);
    expect((await chunkRows(disk.id)).map((r) => [r.chunk_id, r.version])).toEqual([
      [`${disk.id}#step-1`, 1],
      [`${disk.id}#step-2`, 1],
      [`${disk.id}#summary`, 1],
    ]);
    const [row] = await db.admin`select indexed_version from runbooks where id = ${disk.id}`;
    expect(row!.indexed_version).toBe(1);

    const found = await search(owner, 'no space left on device, the volume is full');
    expect(found.index).toBe('exact');
    expect(found.embeddingModel).toBe('local-hash-384');
    expect(found.runbooks[0]).toMatchObject({ id: disk.id, title: diskRunbook.title, version: 1, why: { kind: 'chunk' } });
    expect(found.runbooks[0]!.chunks.length).toBeGreaterThan(0);

    const byWord = await search(owner, 'certificate');
    expect(byWord.runbooks[0]!.title).toBe('TLS certificate expiring');
  });

  it('replaces the chunks on edit: the old text is gone, the new one found, a removed step’s chunk deleted', async () => {
    const owner = await signUp(app);
    const disk = await create(owner, diskRunbook);
    const edited = {
      ...diskRunbook,
      title: 'Kafka consumer lag',
      description: 'Consumers of the orders topic fall behind',
      tags: ['queue'],
      steps: [step('Describe the group', 'kafka-consumer-groups --describe --group orders')],
      baseVersion: 1,
    };
    const res = await owner.call({ method: 'PUT', url: `/api/runbooks/${disk.id}`, payload: edited });
    expect(res.statusCode, res.body).toBe(200);
    const rows = await chunkRows(disk.id);
    expect(rows.map((r) => [r.chunk_id, r.version])).toEqual([
      [`${disk.id}#step-1`, 2],
      [`${disk.id}#summary`, 2],
    ]);
    expect(rows.some((r) => r.text.includes('pg_replication_slots'))).toBe(false);
    expect((await search(owner, 'pg_replication_slots disk full')).runbooks.filter((h) => h.chunks.some((c) => c.text.includes('replication')))).toEqual([]);
    expect((await search(owner, 'consumer group lagging behind')).runbooks[0]).toMatchObject({ id: disk.id, version: 2 });
  });

  it('removes a deleted runbook’s chunks, and search no longer finds it', async () => {
    const owner = await signUp(app);
    const disk = await create(owner, diskRunbook);
    expect((await owner.call({ method: 'DELETE', url: `/api/runbooks/${disk.id}` })).statusCode).toBe(204);
    expect(await chunkRows(disk.id)).toEqual([]);
    expect((await search(owner, 'disk full database')).runbooks).toEqual([]);
  });

  it('keeps a runbook saved when indexing fails, with indexed_version behind for the re-index to catch up', async () => {
    const owner = await signUp(app);
    // A vector store that is down refuses every write.
    const failing: RunbookIndex = { ...index, upsertRunbook: () => Promise.reject(new Error('vector store unavailable')) };
    const disk = await create(owner, diskRunbook);
    await db.admin`update runbooks set indexed_version = null where id = ${disk.id}`;
    await expect(indexRunbook({ sql: db.sql, index: failing, embedder: localEmbedder }, owner.accountId, disk.id)).rejects.toThrow(/unavailable/);
    const [row] = await db.admin`select current_version, indexed_version from runbooks where id = ${disk.id}`;
    expect(row).toMatchObject({ current_version: 1, indexed_version: null });
    expect(await indexRunbook({ sql: db.sql, index, embedder: localEmbedder }, owner.accountId, disk.id)).toEqual({ version: 1, chunks: 3 });
  });
});

describe('search', () => {
  it('refuses an empty or blank q with 400 naming q', async () => {
    const owner = await signUp(app);
    for (const q of ['', '%20%20']) {
      const res = await owner.call({ method: 'GET', url: `/api/search?q=${q}` });
      expect(res.statusCode, res.body).toBe(400);
      expect(JSON.stringify(res.json().error)).toContain('q');
    }
    expect((await owner.call({ method: 'GET', url: '/api/search' })).statusCode).toBe(400);
  });

  it('lists past incidents by title words and similarity beside runbooks, each with its score', async () => {
    const owner = await signUp(app);
    await create(owner, diskRunbook);
    const insert = (title: string, service: string) => db.admin`
      insert into incidents (account_id, source, external_id, title, service, severity, status, created_at, observed_at)
      values (${owner.accountId}, 'test', ${title}, ${title}, ${service}, 'P2', 'resolved', now(), now())`;
    await insert('Disk full on db-7: no space left on /var/lib/postgresql', 'postgres');
    await insert('Checkout 502 errors from the load balancer', 'checkout');
    const found = await search(owner, 'disk full on postgres', 'runbooks,incidents');
    expect(found.runbooks.map((r) => r.title)).toEqual([diskRunbook.title]);
    expect(found.incidents[0]).toMatchObject({ title: 'Disk full on db-7: no space left on /var/lib/postgresql', service: 'postgres', severity: 'P2', status: 'resolved' });
    expect(found.incidents[0]!.score).toBeGreaterThan(0);
    expect(found.incidents.map((i) => i.title)).not.toContain('Checkout 502 errors from the load balancer');
  });

  it('adds rating boosts to the score and ranks by them', async () => {
    const owner = await signUp(app);
    const a = await create(owner, { ...diskRunbook, title: 'Disk full A' });
    const b = await create(owner, { ...diskRunbook, title: 'Disk full B' });
    const deps = { sql: db.sql, index, embedder: localEmbedder };
    const plain = await searchRunbooks(deps, undefined, owner.accountId, 'disk full', { topK: 5 });
    const boosted = await searchRunbooks(deps, undefined, owner.accountId, 'disk full', { topK: 5, boosts: new Map([[b.id, 0.5]]) });
    expect(boosted[0]).toMatchObject({ runbookId: b.id, boost: 0.5 });
    expect(boosted[0]!.score).toBeCloseTo(plain.find((h) => h.runbookId === b.id)!.score + 0.5, 6);
    expect(boosted.find((h) => h.runbookId === a.id)!.boost).toBe(0);
  });
});

describe('accounts', () => {
  it('never shows account A’s runbooks or chunks to account B, also when B names A’s runbook id', async () => {
    const a = await signUp(app);
    const b = await signUp(app);
    const disk = await create(a, diskRunbook);
    expect((await search(b, 'disk full on database hosts')).runbooks).toEqual([]);
    // B's own index view holds none of A's chunks, whatever the query.
    expect(await index.query(b.accountId, 'local-hash-384', (await localEmbedder.embed([diskRunbook.title]))[0]!, 50)).toEqual([]);
    // Indexing A's runbook id as B finds no runbook and writes nothing.
    expect(await indexRunbook({ sql: db.sql, index, embedder: localEmbedder }, b.accountId, disk.id)).toBeUndefined();
    // Writing chunks for A's runbook under B is refused by the database (the runbook is not B's).
    const vector = (await localEmbedder.embed(['x']))[0]!;
    await expect(index.upsertRunbook(b.accountId, disk.id, 'local-hash-384', [{ id: `${disk.id}#summary`, runbookId: disk.id, version: 1, text: 'forged', vector }])).rejects.toThrow();
    expect((await chunkRows(disk.id)).every((r) => r.account_id === a.accountId && r.text !== 'forged')).toBe(true);
    // Removing or clearing as B leaves A's chunks where they are.
    await index.removeRunbook(b.accountId, disk.id);
    await index.clearAccount(b.accountId);
    expect(await chunkRows(disk.id)).toHaveLength(3);
    expect((await search(a, 'disk full on database hosts')).runbooks[0]!.id).toBe(disk.id);
  });
});
