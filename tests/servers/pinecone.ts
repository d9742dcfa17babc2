// A local server speaking Pinecone's HTTP API for tests and the demo: the data plane the SDK's `index(...).namespace()`
// uses (upsert, query with metadata filters, fetch, delete, list, stats) and the control plane's describe/list
// indexes, so the real `@pinecone-database/pinecone` SDK runs against it and nothing leaves the machine.
import { createServer, type IncomingHttpHeaders, type ServerResponse } from 'node:http';

export type Metric = 'cosine' | 'dotproduct' | 'euclidean';
export type Metadata = Record<string, string | number | boolean | string[]>;

export interface StoredVector {
  id: string;
  values: number[];
  metadata?: Metadata;
}

/** One index: its namespaces, each a map from id to vector. */
export interface LocalIndex {
  name: string;
  /** Fixed at creation, or by the first upsert when not given. */
  dimension: number | undefined;
  metric: Metric;
  namespaces: Map<string, Map<string, StoredVector>>;
}

export interface RecordedPineconeRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  body: unknown;
  receivedAt: Date;
}

export interface PineconeServerOptions {
  /** The key clients must send in the `Api-Key` header. Default `test-pinecone-key`. */
  apiKey?: string;
  /** Indexes that exist from the start; default one index `runbooks` (cosine, dimension set by the first upsert). */
  indexes?: { name: string; dimension?: number; metric?: Metric }[];
}

export interface TestPineconeServer {
  /** http://127.0.0.1:port: the control plane (the SDK's `controllerHostUrl`). */
  url: string;
  /** The data-plane host of the first index (pass it to `pc.index(name, host)`). */
  host: string;
  /** The data-plane host of any index. */
  hostFor(indexName: string): string;
  apiKey: string;
  indexes: Map<string, LocalIndex>;
  requests: RecordedPineconeRequest[];
  /** The vectors of one namespace (empty when it has none). */
  vectors(namespace: string, indexName?: string): StoredVector[];
  close(): Promise<void>;
}

type Filter = Record<string, unknown>;

/** Pinecone's metadata filter language: $eq $ne $gt $gte $lt $lte $in $nin $exists $and $or; a list field matches when any element does. */
export function matchesFilter(metadata: Metadata | undefined, filter: Filter): boolean {
  return Object.entries(filter).every(([key, condition]) => {
    if (key === '$and') return (condition as Filter[]).every((f) => matchesFilter(metadata, f));
    if (key === '$or') return (condition as Filter[]).some((f) => matchesFilter(metadata, f));
    const value = metadata?.[key];
    const operators = typeof condition === 'object' && condition !== null && !Array.isArray(condition) ? (condition as Record<string, unknown>) : { $eq: condition };
    return Object.entries(operators).every(([op, operand]) => {
      const candidates: unknown[] = Array.isArray(value) ? value : value === undefined ? [] : [value];
      const any = (test: (v: unknown) => boolean) => candidates.some(test);
      switch (op) {
        case '$eq':
          return any((v) => v === operand);
        case '$ne':
          return !any((v) => v === operand);
        case '$in':
          return any((v) => (operand as unknown[]).includes(v));
        case '$nin':
          return !any((v) => (operand as unknown[]).includes(v));
        case '$gt':
          return any((v) => typeof v === 'number' && v > (operand as number));
        case '$gte':
          return any((v) => typeof v === 'number' && v >= (operand as number));
        case '$lt':
          return any((v) => typeof v === 'number' && v < (operand as number));
        case '$lte':
          return any((v) => typeof v === 'number' && v <= (operand as number));
        case '$exists':
          return (value !== undefined) === operand;
        default:
          throw new BadRequest(`Unsupported filter operator ${op}`);
      }
    });
  });
}

class BadRequest extends Error {}

function score(metric: Metric, a: number[], b: number[]): number {
  let dot = 0;
  let normA = 0;
  let normB = 0;
  let distance = 0;
  for (let i = 0; i < a.length; i++) {
    const x = a[i]!;
    const y = b[i] ?? 0;
    dot += x * y;
    normA += x * x;
    normB += y * y;
    distance += (x - y) ** 2;
  }
  if (metric === 'dotproduct') return dot;
  if (metric === 'euclidean') return distance;
  return normA === 0 || normB === 0 ? 0 : dot / Math.sqrt(normA * normB);
}

// The data plane answers errors as gRPC-gateway does ({code, message, details}); the SDK reads `message`.
const GRPC_CODES: Record<number, number> = { 400: 3, 401: 16, 404: 5, 500: 13 };
const dataError = (status: number, message: string) => ({ status, body: { code: GRPC_CODES[status] ?? 2, message, details: [] } });
// The control plane answers {error: {code, message}, status}.
const CONTROL_CODES: Record<number, string> = { 401: 'UNAUTHENTICATED', 404: 'NOT_FOUND', 400: 'INVALID_ARGUMENT' };
const controlError = (status: number, message: string) => ({ status, body: { error: { code: CONTROL_CODES[status] ?? 'UNKNOWN', message }, status } });

function send(response: ServerResponse, reply: { status: number; body: unknown }): void {
  response.writeHead(reply.status, { 'content-type': 'application/json' });
  response.end(JSON.stringify(reply.body));
}

export async function startPineconeServer(options: PineconeServerOptions = {}): Promise<TestPineconeServer> {
  const apiKey = options.apiKey ?? 'test-pinecone-key';
  const indexes = new Map<string, LocalIndex>();
  for (const spec of options.indexes ?? [{ name: 'runbooks' }]) {
    indexes.set(spec.name, { name: spec.name, dimension: spec.dimension, metric: spec.metric ?? 'cosine', namespaces: new Map() });
  }
  const requests: RecordedPineconeRequest[] = [];
  let url = '';
  // Each index has its own host, as in Pinecone; here a path prefix on the one server.
  const hostFor = (name: string) => `${url}/data/${encodeURIComponent(name)}`;

  const namespaceOf = (index: LocalIndex, name: string | undefined) => {
    const key = name ?? '';
    let vectors = index.namespaces.get(key);
    if (!vectors) index.namespaces.set(key, (vectors = new Map()));
    return vectors;
  };
  const stats = (index: LocalIndex, filter: Filter | undefined) => {
    const count = (vectors: Map<string, StoredVector>) => (filter ? [...vectors.values()].filter((v) => matchesFilter(v.metadata, filter)).length : vectors.size);
    const namespaces = Object.fromEntries([...index.namespaces].map(([name, v]) => [name, { vectorCount: count(v) }]).filter(([, s]) => (s as { vectorCount: number }).vectorCount > 0));
    const totalVectorCount = [...index.namespaces.values()].reduce((sum, v) => sum + count(v), 0);
    return { namespaces, dimension: index.dimension ?? 0, indexFullness: 0, totalVectorCount, metric: index.metric, vectorType: 'dense' };
  };
  // The index model of API version 2026-07: a deployment envelope and a schema whose reserved `_values` field is the
  // dense vector (its dimension unset until the first upsert fixes it).
  const describe = (index: LocalIndex) => ({
    name: index.name,
    host: hostFor(index.name),
    deletion_protection: 'disabled',
    tags: null,
    deployment: { deployment_type: 'managed', cloud: 'aws', region: 'us-east-1' },
    schema: { fields: { _values: { type: 'dense_vector', metric: index.metric, ...(index.dimension !== undefined ? { dimension: index.dimension } : {}) } } },
    status: { ready: true, state: 'Ready' },
  });

  type Body = Record<string, unknown>;
  const dataPlane = (index: LocalIndex, method: string, path: string, query: URLSearchParams, body: Body) => {
    if (method === 'POST' && path === '/vectors/upsert') {
      const vectors = (body['vectors'] as StoredVector[] | undefined) ?? [];
      const target = namespaceOf(index, body['namespace'] as string | undefined);
      for (const vector of vectors) {
        index.dimension ??= vector.values.length;
        if (vector.values.length !== index.dimension) {
          return dataError(400, `Vector dimension ${vector.values.length} does not match the dimension of the index ${index.dimension}`);
        }
      }
      for (const vector of vectors) target.set(vector.id, { id: vector.id, values: vector.values, ...(vector.metadata ? { metadata: vector.metadata } : {}) });
      return { status: 200, body: { upsertedCount: vectors.length } };
    }
    if (method === 'POST' && path === '/query') {
      const namespace = (body['namespace'] as string | undefined) ?? '';
      const vectors = index.namespaces.get(namespace) ?? new Map<string, StoredVector>();
      const byId = body['id'] as string | undefined;
      const vector = (body['vector'] as number[] | undefined) ?? (byId !== undefined ? vectors.get(byId)?.values : undefined);
      if (!vector) return byId !== undefined ? { status: 200, body: { matches: [], namespace, usage: { readUnits: 1 } } } : dataError(400, 'No query provided');
      if (index.dimension !== undefined && vector.length !== index.dimension) {
        return dataError(400, `Vector dimension ${vector.length} does not match the dimension of the index ${index.dimension}`);
      }
      const filter = body['filter'] as Filter | undefined;
      const ascending = index.metric === 'euclidean';
      const matches = [...vectors.values()]
        .filter((v) => !filter || matchesFilter(v.metadata, filter))
        .map((v) => ({ v, score: score(index.metric, vector, v.values) }))
        .sort((a, b) => (ascending ? a.score - b.score : b.score - a.score) || a.v.id.localeCompare(b.v.id))
        .slice(0, Number(body['topK']))
        .map(({ v, score }) => ({
          id: v.id,
          score,
          values: body['includeValues'] ? v.values : [],
          ...(body['includeMetadata'] && v.metadata ? { metadata: v.metadata } : {}),
        }));
      return { status: 200, body: { matches, namespace, usage: { readUnits: 5 } } };
    }
    if (method === 'POST' && path === '/vectors/delete') {
      const vectors = index.namespaces.get((body['namespace'] as string | undefined) ?? '');
      if (body['deleteAll']) vectors?.clear();
      else if (body['ids']) for (const id of body['ids'] as string[]) vectors?.delete(id);
      else if (body['filter']) {
        for (const [id, v] of vectors ?? []) if (matchesFilter(v.metadata, body['filter'] as Filter)) vectors?.delete(id);
      } else return dataError(400, 'Delete request must specify ids, a filter or deleteAll');
      return { status: 200, body: {} };
    }
    if (method === 'GET' && path === '/vectors/fetch') {
      const namespace = query.get('namespace') ?? '';
      const vectors = index.namespaces.get(namespace);
      const found = query.getAll('ids').flatMap((id) => {
        const v = vectors?.get(id);
        return v ? [[id, v] as const] : [];
      });
      return { status: 200, body: { vectors: Object.fromEntries(found), namespace, usage: { readUnits: 1 } } };
    }
    if (method === 'GET' && path === '/vectors/list') {
      const namespace = query.get('namespace') ?? '';
      const prefix = query.get('prefix') ?? '';
      const limit = Number(query.get('limit') ?? 100);
      const after = query.get('paginationToken');
      const ids = [...(index.namespaces.get(namespace)?.keys() ?? [])].filter((id) => id.startsWith(prefix) && (!after || id > after)).sort();
      const page = ids.slice(0, limit);
      return {
        status: 200,
        body: { vectors: page.map((id) => ({ id })), ...(ids.length > limit ? { pagination: { next: page.at(-1) } } : {}), namespace, usage: { readUnits: 1 } },
      };
    }
    if (method === 'POST' && path === '/describe_index_stats') return { status: 200, body: stats(index, body['filter'] as Filter | undefined) };
    return dataError(404, `Not found: ${method} ${path}`);
  };

  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const parsed = new URL(request.url ?? '/', 'http://localhost');
      const text = Buffer.concat(chunks).toString('utf8');
      let body: unknown;
      try {
        body = text ? JSON.parse(text) : {};
      } catch {
        body = text;
      }
      const method = request.method ?? 'GET';
      requests.push({ method, path: parsed.pathname, query: parsed.searchParams, headers: request.headers, body, receivedAt: new Date() });
      const dataPath = /^\/data\/([^/]+)(\/.*)$/.exec(parsed.pathname);
      const authorised = request.headers['api-key'] === apiKey;
      try {
        if (dataPath) {
          if (!authorised) return send(response, dataError(401, 'Invalid API key'));
          const index = indexes.get(decodeURIComponent(dataPath[1]!));
          if (!index) return send(response, dataError(404, `Index ${dataPath[1]} not found`));
          if (typeof body !== 'object' || body === null) return send(response, dataError(400, 'Invalid JSON body'));
          return send(response, dataPlane(index, method, dataPath[2]!, parsed.searchParams, body as Body));
        }
        if (!authorised) return send(response, controlError(401, 'Invalid API Key'));
        if (method === 'GET' && parsed.pathname === '/indexes') return send(response, { status: 200, body: { indexes: [...indexes.values()].map(describe) } });
        const named = /^\/indexes\/([^/]+)$/.exec(parsed.pathname);
        if (method === 'GET' && named) {
          const index = indexes.get(decodeURIComponent(named[1]!));
          return send(response, index ? { status: 200, body: describe(index) } : controlError(404, `Resource ${named[1]} not found`));
        }
        return send(response, controlError(404, `Not found: ${method} ${parsed.pathname}`));
      } catch (err) {
        send(response, err instanceof BadRequest ? dataError(400, err.message) : dataError(500, `test server: ${(err as Error).message}`));
      }
    });
  });
  await new Promise<void>((ready, fail) => {
    server.once('error', fail);
    server.listen(0, '127.0.0.1', () => ready());
  });
  url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  const firstIndex = [...indexes.keys()][0];

  return {
    url,
    host: firstIndex ? hostFor(firstIndex) : url,
    hostFor,
    apiKey,
    indexes,
    requests,
    vectors: (namespace, indexName = firstIndex) => [...(indexes.get(indexName ?? '')?.namespaces.get(namespace)?.values() ?? [])],
    close: () =>
      new Promise<void>((done) => {
        server.closeAllConnections();
        server.close(() => done());
      }),
  };
}
