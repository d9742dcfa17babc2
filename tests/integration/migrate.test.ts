// Migrations against a real PostgreSQL and against the embedded PGlite that `npm start` uses.
import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startEmbeddedDatabase } from '../../db/embedded.ts';
import { MIGRATIONS_DIR, migrate, readMigrations } from '../../db/migrate.ts';
import { createSql } from '../../db/sql.ts';
import { withAccount } from '../../db/tenancy.ts';
import { createTestDatabase, type TestDatabase } from '../helpers.ts';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

async function emptyDatabase(): Promise<TestDatabase> {
  const db = await createTestDatabase({ migrate: false });
  cleanups.push(() => db.drop());
  return db;
}

function copyOfMigrations(): string {
  const dir = mkdtempSync(join(tmpdir(), 'migrations-'));
  cpSync(MIGRATIONS_DIR, dir, { recursive: true });
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

describe('migrate on PostgreSQL', () => {
  it('applies every file in order, records its checksum, and does nothing the second time', async () => {
    const { sql } = await emptyDatabase();
    const files = await readMigrations();
    const first = await migrate(sql);
    expect(first.applied).toEqual(files.map((f) => f.file));
    expect(first.current).toBe(files.length);
    const recorded = await sql<{ version: number; checksum: string }[]>`select version, checksum from schema_migrations order by version`;
    expect(recorded.map((r) => r.checksum)).toEqual(files.map((f) => f.checksum));
    const second = await migrate(sql);
    expect(second.applied).toEqual([]);
    const [{ n }] = await sql<[{ n: number }]>`select count(*)::int as n from information_schema.tables where table_name in ('jobs', 'echo_messages')`;
    expect(n).toBe(2);
  });

  it('applies each file once when several processes migrate at the same time', async () => {
    const db = await emptyDatabase();
    const others = [1, 2, 3].map(() => createSql(db.url, { max: 1 }));
    cleanups.push(async () => {
      for (const s of others) await s.end();
    });
    const results = await Promise.all([db.sql, ...others].map((s) => migrate(s)));
    const appliedCount = results.flatMap((r) => r.applied).length;
    expect(appliedCount).toBe((await readMigrations()).length);
  });

  it('refuses to run when an applied file was edited', async () => {
    const { sql } = await emptyDatabase();
    const dir = copyOfMigrations();
    await migrate(sql, dir);
    writeFileSync(join(dir, '0001_jobs.sql'), '-- edited\ncreate table sneaky (id int);');
    await expect(migrate(sql, dir)).rejects.toThrow(/0001_jobs\.sql was edited after it was applied/);
    const [{ n }] = await sql<[{ n: number }]>`select count(*)::int as n from information_schema.tables where table_name = 'sneaky'`;
    expect(n).toBe(0);
  });

  it('rolls back a failing file entirely and records nothing for it', async () => {
    const { sql } = await emptyDatabase();
    const dir = copyOfMigrations();
    const next = String((await readMigrations(dir)).length + 1).padStart(4, '0');
    writeFileSync(join(dir, `${next}_broken.sql`), 'create table half_done (id int);\nselect * from no_such_table;');
    await expect(migrate(sql, dir)).rejects.toThrow(/no_such_table/);
    const [{ n }] = await sql<[{ n: number }]>`select count(*)::int as n from information_schema.tables where table_name = 'half_done'`;
    expect(n).toBe(0);
    const [{ max }] = await sql<[{ max: number }]>`select max(version) as max from schema_migrations`;
    expect(max).toBe(Number(next) - 1);
  });
});

describe('migrate on the embedded PGlite', () => {
  it('runs the same migrations and queries through postgres.js over the wire protocol, with pgvector', async () => {
    const embedded = await startEmbeddedDatabase({ dataDir: undefined, port: 0 });
    cleanups.push(() => embedded.stop());
    const sql = createSql(embedded.url, { max: 3 });
    cleanups.push(() => sql.end());
    const result = await migrate(sql);
    expect(result.current).toBe((await readMigrations()).length);
    const [{ distance }] = await sql<[{ distance: number }]>`select '[1,2,3]'::vector <-> '[1,2,5]'::vector as distance`;
    expect(distance).toBe(2);
    await sql`insert into accounts (id, name) values ('demo', 'Demo'), ('other', 'Other')`;
    // Concurrent transactions from several connections are serialised by the socket server, not lost.
    await Promise.all(
      [1, 2, 3].map((i) =>
        sql.begin(async (tx) => {
          await tx`insert into jobs (id, account_id, kind, workflow_id) values (${crypto.randomUUID()}, 'demo', 'echo', ${`echo/demo/${i}`})`;
        }),
      ),
    );
    const [{ n }] = await sql<[{ n: number }]>`select count(*)::int as n from jobs`;
    expect(n).toBe(3);
    // Row-level security holds on PGlite too.
    const visible = async (account: string) => withAccount(sql, account, async (tx) => (await tx<[{ n: number }]>`select count(*)::int as n from jobs`)[0].n);
    expect([await visible('demo'), await visible('other')]).toEqual([3, 0]);
  });
});
