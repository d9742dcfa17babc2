// The PostgreSQL index on PGlite, which has pgvector: migration 0016 adds the vector column and queries use `<=>`,
// answering as the exact scan would, within one account.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startEmbeddedDatabase, type EmbeddedDatabase } from '../../db/embedded.ts';
import { migrate } from '../../db/migrate.ts';
import { insertRunbook } from '../../db/runbooks.ts';
import { createSql, type Sql } from '../../db/sql.ts';
import { withAccount } from '../../db/tenancy.ts';
import { localEmbedder } from '../../search/embedder.ts';
import { createPostgresIndex } from '../../search/postgres-index.ts';
import { indexRunbook, searchRunbooks } from '../../search/runbook-search.ts';

let embedded: EmbeddedDatabase;
let sql: Sql;

beforeAll(async () => {
  embedded = await startEmbeddedDatabase({ dataDir: undefined, port: 0 });
  sql = createSql(embedded.url, { max: 4 });
  await migrate(sql);
}, 120_000);

afterAll(async () => {
  await sql?.end({ timeout: 5 });
  await embedded?.stop();
});

async function runbook(accountId: string, title: string, command: string): Promise<string> {
  const id = randomUUID();
  await withAccount(sql, accountId, (tx) =>
    insertRunbook(tx, {
      id,
      accountId,
      source: 'manual',
      userId: null as never,
      title,
      description: '',
      tags: [],
      services: [],
      clusterIds: [],
      steps: [{ title: 'Look', command, targetType: 'shell', explanation: '', risk: 'read-only' }],
      markdown: `# ${title}`,
      note: null,
    }),
  );
  return id;
}

it('uses pgvector where the extension exists and finds the nearest runbook of the account only', async () => {
  await sql`insert into accounts (id, name) values ('acc-a', 'A'), ('acc-b', 'B')`;
  const index = await createPostgresIndex(sql);
  expect(index.kind).toBe('pgvector');
  const disk = await runbook('acc-a', 'Disk full on database hosts', 'df -h /var/lib/postgresql');
  const cert = await runbook('acc-a', 'TLS certificate expiring', 'openssl x509 -noout -enddate');
  const other = await runbook('acc-b', 'Disk full on database hosts', 'df -h');
  const deps = { sql, index, embedder: localEmbedder };
  for (const [account, id] of [['acc-a', disk], ['acc-a', cert], ['acc-b', other]] as const) expect(await indexRunbook(deps, account, id)).toMatchObject({ version: 1, chunks: 2 });
  const [row] = await sql<[{ n: number }]>`select count(*)::int as n from runbook_chunks where embedding_vec is not null`;
  expect(row.n).toBe(6);

  const hits = await searchRunbooks(deps, undefined, 'acc-a', 'the disk is full on the postgres host', { topK: 5 });
  expect(hits[0]!.runbookId).toBe(disk);
  expect(hits.map((h) => h.runbookId)).not.toContain(other);
  const [v] = await localEmbedder.embed(['disk full database']);
  const matches = await index.query('acc-a', localEmbedder.model, v!, 10);
  expect(matches.every((m) => m.runbookId !== other)).toBe(true);
  // Scores are cosines: `1 - <=>` on normalised vectors.
  expect(matches[0]!.score).toBeGreaterThan(0);
  expect(matches[0]!.score).toBeLessThanOrEqual(1.000001);
});
