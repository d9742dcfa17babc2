// Picks the runbook index (Pinecone when configured, else PostgreSQL) and the embedder an account's settings allow.
import type { Config } from '../config.ts';
import { getLlmSettings } from '../db/llm-settings.ts';
import type { Sql, TransactionSql } from '../db/sql.ts';
import { withAccount } from '../db/tenancy.ts';
import { createEmbedder } from './embedder.ts';
import { createPineconeIndex } from './pinecone-index.ts';
import { createPostgresIndex } from './postgres-index.ts';
import type { Embedder, RunbookIndex } from './types.ts';

export type { Embedder, RunbookIndex } from './types.ts';
export { createEmbedder, LOCAL_EMBEDDING_MODEL, localEmbedder } from './embedder.ts';

export function pineconeConfigured(config: Pick<Config, 'pinecone'>): boolean {
  return Boolean(config.pinecone.apiKey && (config.pinecone.index || config.pinecone.indexHost));
}

export async function createRunbookIndex(config: Pick<Config, 'pinecone'>, sql: Sql): Promise<RunbookIndex> {
  return pineconeConfigured(config) ? createPineconeIndex(config) : createPostgresIndex(sql);
}

// One index per database pool: the PostgreSQL kind is detected once, the Pinecone client is reused.
const indexes = new WeakMap<Sql, Promise<RunbookIndex>>();

export function runbookIndexFor(config: Pick<Config, 'pinecone'>, sql: Sql): Promise<RunbookIndex> {
  let index = indexes.get(sql);
  if (!index) {
    index = createRunbookIndex(config, sql);
    // A failed detection (database briefly down) is tried again next time instead of being remembered.
    index.catch(() => indexes.delete(sql));
    indexes.set(sql, index);
  }
  return index;
}

/**
 * The embedder for an account: remote only when its LLM settings allow LLM use, so an account that turned it off
 * never has its runbooks or queries sent to an embeddings endpoint.
 */
export async function embedderForAccount(config: Pick<Config, 'openai'>, sql: Sql, accountId: string, tx?: TransactionSql): Promise<Embedder> {
  const settings = tx ? await getLlmSettings(tx, accountId) : await withAccount(sql, accountId, (t) => getLlmSettings(t, accountId));
  return createEmbedder(config, { remote: settings.enabled });
}
