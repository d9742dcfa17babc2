// The runbook index in Pinecone: one namespace per account, chunk ids `<runbook>#...` so a runbook's chunks list by prefix.
import { Pinecone, type RecordMetadata } from '@pinecone-database/pinecone';
import type { Config } from '../config.ts';
import type { ChunkMatch, RunbookIndex } from './types.ts';

interface ChunkMetadata extends RecordMetadata {
  runbookId: string;
  version: number;
  model: string;
  text: string;
}

/** Pinecone's upsert limit is 1000 records or 2 MB a request; 100 chunks of text and 1536 floats stay well under both. */
const UPSERT_BATCH = 100;
const DELETE_BATCH = 1000;

export interface PineconeIndexOptions {
  /** For tests that watch what the SDK fetches. */
  fetch?: typeof fetch;
}

export function createPineconeIndex(config: Pick<Config, 'pinecone'>, options: PineconeIndexOptions = {}): RunbookIndex {
  const p = config.pinecone;
  if (!p.apiKey || (!p.index && !p.indexHost)) throw new Error('the Pinecone index needs PINECONE_API_KEY and PINECONE_INDEX or PINECONE_INDEX_HOST');
  const client = new Pinecone({
    apiKey: p.apiKey,
    ...(p.controllerHost ? { controllerHostUrl: p.controllerHost } : {}),
    ...(options.fetch ? { fetchApi: options.fetch as never } : {}),
  });
  // With a host the SDK needs no control-plane lookup; the name then only labels requests.
  const index = client.index<ChunkMetadata>(p.index ?? new URL(p.indexHost!).hostname.split('.')[0]!, p.indexHost);
  // The account id is the namespace: Pinecone never answers a query with another namespace's vectors.
  const ns = (accountId: string) => {
    if (!accountId) throw new Error('a runbook index call needs an account id');
    return index.namespace(accountId);
  };

  // One Pinecone index has one dimension, but accounts with LLM use off embed locally (384): shorter vectors are padded
  // with zeros, which keeps their cosines among themselves, and the model filter keeps them apart from the others.
  let dimension: number | undefined;
  async function fit(vector: readonly number[]): Promise<number[]> {
    dimension ??= (await index.describeIndexStats()).dimension || undefined;
    return dimension !== undefined && vector.length < dimension ? [...vector, ...new Array<number>(dimension - vector.length).fill(0)] : [...vector];
  }

  async function idsWithPrefix(accountId: string, prefix: string): Promise<string[]> {
    const ids: string[] = [];
    let paginationToken: string | undefined;
    do {
      const page = await ns(accountId).listPaginated({ prefix, limit: 100, ...(paginationToken ? { paginationToken } : {}) });
      for (const v of page.vectors ?? []) if (v.id) ids.push(v.id);
      paginationToken = page.pagination?.next;
    } while (paginationToken);
    return ids;
  }

  async function deleteIds(accountId: string, ids: readonly string[]) {
    for (let i = 0; i < ids.length; i += DELETE_BATCH) await ns(accountId).deleteMany({ ids: ids.slice(i, i + DELETE_BATCH) });
  }

  return {
    kind: 'pinecone',
    async upsertRunbook(accountId, runbookId, model, chunks) {
      // `#` ends the prefix, so runbook `ab` never lists runbook `abc`'s chunks.
      const keep = new Set(chunks.map((c) => c.id));
      const stale = (await idsWithPrefix(accountId, `${runbookId}#`)).filter((id) => !keep.has(id));
      for (let i = 0; i < chunks.length; i += UPSERT_BATCH) {
        const records = await Promise.all(
          chunks.slice(i, i + UPSERT_BATCH).map(async (c) => ({ id: c.id, values: await fit(c.vector), metadata: { runbookId, version: c.version, model, text: c.text } })),
        );
        await ns(accountId).upsert({ records });
      }
      await deleteIds(accountId, stale);
    },
    async removeRunbook(accountId, runbookId) {
      await deleteIds(accountId, await idsWithPrefix(accountId, `${runbookId}#`));
    },
    async clearAccount(accountId) {
      await ns(accountId).deleteAll();
    },
    async query(accountId, model, vector, topK) {
      const result = await ns(accountId).query({ vector: await fit(vector), topK, includeMetadata: true, filter: { model: { $eq: model } } });
      return result.matches.flatMap((m): ChunkMatch[] => {
        const md = m.metadata;
        if (!md || typeof md.runbookId !== 'string') return [];
        return [{ id: m.id, runbookId: md.runbookId, version: Number(md.version), text: String(md.text ?? ''), score: m.score ?? 0 }];
      });
    },
  };
}
