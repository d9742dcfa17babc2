// Re-index activities: clear an account's runbook index, then index its runbooks a page at a time, heartbeating.
import { Context } from '@temporalio/activity';
import { withKeepAlive } from './keep-alive.ts';
import type { Config } from '../config.ts';
import { countRunbooks, resetIndexedVersions, runbookIdsPage } from '../db/runbook-chunks.ts';
import type { Sql } from '../db/sql.ts';
import { withAccount } from '../db/tenancy.ts';
import { embedderForAccount, runbookIndexFor } from '../search/index.ts';
import { indexRunbook } from '../search/runbook-search.ts';
import type { ClearRunbookIndexInput, ClearRunbookIndexResult, IndexRunbookPageInput, IndexRunbookPageResult } from '../workflows/activity-contract.ts';

export interface RunbookIndexActivityDeps {
  sql: Sql;
  /** Where embeddings and the index live; without it, the local embedding and PostgreSQL. */
  search?: Pick<Config, 'openai' | 'pinecone'> | undefined;
}

const LOCAL_ONLY: Pick<Config, 'openai' | 'pinecone'> = {
  openai: { baseUrl: undefined, apiKey: undefined, model: undefined, embeddingModel: undefined },
  pinecone: { apiKey: undefined, index: undefined, indexHost: undefined, controllerHost: undefined },
};

export function createRunbookIndexActivities(deps: RunbookIndexActivityDeps) {
  const config = deps.search ?? LOCAL_ONLY;
  return {
    async clearRunbookIndex({ accountId }: ClearRunbookIndexInput): Promise<ClearRunbookIndexResult> {
      // Clearing a remote index may take a while: heartbeats let a crashed worker's re-index move on in seconds.
      return withKeepAlive(async () => {
        const index = await runbookIndexFor(config, deps.sql);
        await index.clearAccount(accountId);
        return withAccount(deps.sql, accountId, async (tx) => {
          await resetIndexedVersions(tx, accountId);
          return { total: (await countRunbooks(tx, accountId)).total };
        });
      });
    },

    async indexRunbookPage({ accountId, afterId, pageSize }: IndexRunbookPageInput): Promise<IndexRunbookPageResult> {
      const ctx = Context.current();
      const index = await runbookIndexFor(config, deps.sql);
      // Read per page: settings changed mid-run apply from the next page on.
      const embedder = await embedderForAccount(config, deps.sql, accountId);
      const ids = await withAccount(deps.sql, accountId, (tx) => runbookIdsPage(tx, accountId, afterId, pageSize));
      let indexed = 0;
      let failed = 0;
      for (const id of ids) {
        try {
          // Undefined: deleted since the page was read; nothing to index.
          if (await indexRunbook({ sql: deps.sql, index, embedder }, accountId, id)) indexed++;
        } catch (err) {
          // One runbook the endpoint refuses must not stop the others; it stays behind (indexed_version) and shows as failed.
          failed++;
          ctx.log.warn('runbook indexing failed', { accountId, runbookId: id, error: (err as Error).message });
        }
        ctx.heartbeat({ afterId, done: indexed + failed });
      }
      return { indexed, failed, lastId: ids.at(-1) ?? afterId, done: ids.length < pageSize };
    },
  };
}
