// The local Pinecone server speaks the API as the real `@pinecone-database/pinecone` SDK expects it: upsert, query
// with metadata filters, fetch, delete, list and stats per namespace, namespaces isolated, a wrong key refused, and
// every request the SDK makes (host resolution included) stays on loopback.
import { Errors, Pinecone, type RecordMetadata } from '@pinecone-database/pinecone';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPineconeServer, type TestPineconeServer } from '../servers/pinecone.ts';

let server: TestPineconeServer;
/** Every URL the SDK fetched. */
const fetched: string[] = [];

const client = (apiKey = server.apiKey) =>
  new Pinecone({
    apiKey,
    // Without it describeIndex (and host resolution) would call https://api.pinecone.io.
    controllerHostUrl: server.url,
    maxRetries: 0,
    fetchApi: (url: string | URL | Request, init?: RequestInit) => {
      fetched.push(String(url));
      return fetch(url, init);
    },
  });

const unit = (...values: number[]) => values;

beforeAll(async () => {
  server = await startPineconeServer({ indexes: [{ name: 'runbooks', dimension: 3 }, { name: 'other' }] });
});

afterAll(async () => {
  await server?.close();
});

describe('data plane', () => {
  it('upserts into a namespace, then queries by vector with matches sorted by cosine, metadata included on request', async () => {
    const index = client().index<RecordMetadata>('runbooks', server.host).namespace('acc-a');
    await index.upsert({
      records: [
        { id: 'rb-disk', values: unit(1, 0, 0), metadata: { title: 'Disk full', service: 'db', tags: ['storage', 'postgres'] } },
        { id: 'rb-cpu', values: unit(0.7, 0.7, 0), metadata: { title: 'CPU high', service: 'api', tags: ['compute'] } },
        { id: 'rb-net', values: unit(0, 0, 1), metadata: { title: 'Packet loss', service: 'edge', tags: ['network'] } },
      ],
    });
    const upsert = server.requests.at(-1)!;
    expect(upsert).toMatchObject({ method: 'POST', path: '/data/runbooks/vectors/upsert', body: { namespace: 'acc-a' } });
    expect(upsert.headers['api-key']).toBe(server.apiKey);
    expect(upsert.headers['x-pinecone-api-version']).toBe('2026-07');

    const result = await index.query({ vector: unit(1, 0.1, 0), topK: 2, includeMetadata: true });
    expect(result.namespace).toBe('acc-a');
    expect(result.matches.map((m) => m.id)).toEqual(['rb-disk', 'rb-cpu']);
    expect(result.matches[0]!.score).toBeGreaterThan(result.matches[1]!.score!);
    expect(result.matches[0]!.metadata).toEqual({ title: 'Disk full', service: 'db', tags: ['storage', 'postgres'] });
    expect(result.matches[0]!.values).toEqual([]);

    const withValues = await index.query({ id: 'rb-net', topK: 1, includeValues: true });
    expect(withValues.matches).toEqual([{ id: 'rb-net', score: 1, values: [0, 0, 1] }]);
  });

  it('filters on metadata with $eq, $in (list fields match any element) and $and', async () => {
    const index = client().index('runbooks', server.host).namespace('acc-a');
    const ids = async (filter: object) => (await index.query({ vector: unit(1, 1, 1), topK: 10, filter })).matches.map((m) => m.id).sort();
    expect(await ids({ service: 'db' })).toEqual(['rb-disk']);
    expect(await ids({ service: { $eq: 'api' } })).toEqual(['rb-cpu']);
    expect(await ids({ tags: { $in: ['network', 'postgres'] } })).toEqual(['rb-disk', 'rb-net']);
    expect(await ids({ $and: [{ tags: { $in: ['network', 'postgres'] } }, { service: { $ne: 'edge' } }] })).toEqual(['rb-disk']);
  });

  it('keeps namespaces apart: a query, fetch or delete in one never touches another’s vectors', async () => {
    const pc = client();
    const a = pc.index('runbooks', server.host).namespace('acc-a');
    const b = pc.index('runbooks', server.host).namespace('acc-b');
    await b.upsert({ records: [{ id: 'rb-disk', values: unit(0, 1, 0), metadata: { title: 'B’s own disk runbook' } }] });

    const fromB = await b.query({ vector: unit(1, 0, 0), topK: 10, includeMetadata: true });
    expect(fromB.matches.map((m) => [m.id, m.metadata?.['title']])).toEqual([['rb-disk', 'B’s own disk runbook']]);
    expect((await a.fetch({ ids: ['rb-disk'] })).records['rb-disk']?.values).toEqual([1, 0, 0]);

    await b.deleteMany({ ids: ['rb-disk'] });
    expect(server.vectors('acc-b')).toEqual([]);
    expect(server.vectors('acc-a').map((v) => v.id).sort()).toEqual(['rb-cpu', 'rb-disk', 'rb-net']);
  });

  it('fetches by ids, lists by prefix, deletes by filter and by deleteAll, and counts per namespace', async () => {
    const index = client().index('runbooks', server.host).namespace('acc-c');
    await index.upsert({
      records: [
        { id: 'rb-1#0', values: unit(1, 0, 0), metadata: { runbook: 'rb-1' } },
        { id: 'rb-1#1', values: unit(0, 1, 0), metadata: { runbook: 'rb-1' } },
        { id: 'rb-2#0', values: unit(0, 0, 1), metadata: { runbook: 'rb-2' } },
      ],
    });
    const fetchedRecords = await index.fetch({ ids: ['rb-1#0', 'rb-2#0', 'missing'] });
    expect(server.requests.at(-1)!.query.getAll('ids')).toEqual(['rb-1#0', 'rb-2#0', 'missing']);
    expect(Object.keys(fetchedRecords.records).sort()).toEqual(['rb-1#0', 'rb-2#0']);
    expect(fetchedRecords.records['rb-2#0']).toMatchObject({ id: 'rb-2#0', values: [0, 0, 1], metadata: { runbook: 'rb-2' } });

    expect((await index.listPaginated({ prefix: 'rb-1#' })).vectors?.map((v) => v.id)).toEqual(['rb-1#0', 'rb-1#1']);

    const stats = await index.describeIndexStats();
    expect(stats).toMatchObject({ dimension: 3, namespaces: { 'acc-c': { recordCount: 3 } } });

    await index.deleteMany({ filter: { runbook: { $eq: 'rb-1' } } });
    expect(server.vectors('acc-c').map((v) => v.id)).toEqual(['rb-2#0']);
    await index.deleteAll();
    expect(server.vectors('acc-c')).toEqual([]);
  });

  it('refuses a vector whose dimension differs from the index’s', async () => {
    const index = client().index('runbooks', server.host).namespace('acc-a');
    await expect(index.upsert({ records: [{ id: 'bad', values: [1, 2] }] })).rejects.toThrow(/dimension 2 does not match the dimension of the index 3/);
  });
});

describe('control plane and authentication', () => {
  it('resolves an index host through describeIndex on the local control plane when no host is given', async () => {
    const pc = client();
    const index = pc.index('other').namespace('acc-z');
    await index.upsert({ records: [{ id: 'x', values: [0.5, 0.5] }] });
    expect(server.requests.slice(-2).map((r) => `${r.method} ${r.path}`)).toEqual(['GET /indexes/other', 'POST /data/other/vectors/upsert']);
    expect(server.vectors('acc-z', 'other')).toHaveLength(1);
    expect(await pc.describeIndex('other')).toMatchObject({ name: 'other', dimension: 2, metric: 'cosine', host: server.hostFor('other'), status: { ready: true } });
  });

  it('refuses a wrong key on the data plane with the SDK’s authorization error', async () => {
    const index = client('wrong-key').index('runbooks', server.host).namespace('acc-a');
    await expect(index.query({ vector: unit(1, 0, 0), topK: 1 })).rejects.toBeInstanceOf(Errors.PineconeAuthorizationError);
    expect(server.requests.at(-1)!.headers['api-key']).toBe('wrong-key');
  });

  it('refuses a wrong key on the control plane too', async () => {
    await expect(client('wrong-key').describeIndex('runbooks')).rejects.toBeInstanceOf(Errors.PineconeAuthorizationError);
  });
});

describe('isolation from the network', () => {
  // Runs last: it checks every request the tests above made.
  it('sent every SDK request, host resolution included, to the local server and nowhere else', () => {
    expect(fetched.length).toBeGreaterThan(10);
    expect(fetched.filter((url) => new URL(url).hostname !== '127.0.0.1')).toEqual([]);
    expect(server.requests.map((r) => r.path)).toEqual(fetched.map((url) => new URL(url).pathname));
  });
});
