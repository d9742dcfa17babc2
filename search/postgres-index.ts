// The runbook index in PostgreSQL: pgvector's `<=>` where migration 0016 found the extension, else an exact cosine scan.
import { clearAccountChunks, deleteRunbookChunks, hasVectorColumn, nearestChunksExact, nearestChunksVector, replaceRunbookChunks } from '../db/runbook-chunks.ts';
import type { Sql } from '../db/sql.ts';
import { withAccount } from '../db/tenancy.ts';
import type { RunbookIndex } from './types.ts';

/** Detects once which kind the database offers (the migration decided it; it does not change while we run). */
export async function createPostgresIndex(sql: Sql): Promise<RunbookIndex> {
  const vector = await sql.begin((tx) => hasVectorColumn(tx));
  return {
    kind: vector ? 'pgvector' : 'exact',
    async upsertRunbook(accountId, runbookId, model, chunks) {
      await withAccount(sql, accountId, (tx) =>
        replaceRunbookChunks(tx, accountId, runbookId, model, chunks.map((c) => ({ id: c.id, runbookId, version: c.version, text: c.text, vector: c.vector })), vector),
      );
    },
    async removeRunbook(accountId, runbookId) {
      await withAccount(sql, accountId, (tx) => deleteRunbookChunks(tx, accountId, runbookId));
    },
    async clearAccount(accountId) {
      await withAccount(sql, accountId, (tx) => clearAccountChunks(tx, accountId));
    },
    async query(accountId, model, v, topK) {
      return withAccount(sql, accountId, (tx) => (vector ? nearestChunksVector : nearestChunksExact)(tx, accountId, model, v, topK));
    },
  };
}
