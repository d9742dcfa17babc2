// Forward-only SQL migrations: ordered files, one transaction and one recorded checksum each, under an advisory lock.
import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import type { Sql } from './sql.ts';

export const MIGRATIONS_DIR = fileURLToPath(new URL('./migrations/', import.meta.url));
/** Arbitrary but fixed: every process that migrates takes the same lock, so two starts never race. */
const MIGRATION_LOCK_KEY = 728_154_901;
const FILE_PATTERN = /^(\d{4})_([a-z0-9_]+)\.sql$/;

export interface MigrationFile {
  version: number;
  name: string;
  file: string;
  checksum: string;
  text: string;
}

export class MigrationError extends Error {
  override name = 'MigrationError';
}

export async function readMigrations(dir: string = MIGRATIONS_DIR): Promise<MigrationFile[]> {
  const files = (await readdir(dir)).filter((f) => f.endsWith('.sql')).sort();
  const migrations: MigrationFile[] = [];
  for (const [index, file] of files.entries()) {
    const match = FILE_PATTERN.exec(file);
    if (!match) throw new MigrationError(`${file}: migration files are named NNNN_snake_name.sql`);
    const version = Number(match[1]);
    if (version !== index + 1) throw new MigrationError(`${file}: expected version ${String(index + 1).padStart(4, '0')} (no gaps, no duplicates)`);
    const text = await readFile(`${dir}/${file}`, 'utf8');
    const checksum = createHash('sha256').update(text).digest('hex');
    migrations.push({ version, name: match[2]!, file, checksum, text });
  }
  return migrations;
}

export interface MigrateResult {
  applied: string[];
  current: number;
}

export async function migrate(sql: Sql, dir: string = MIGRATIONS_DIR): Promise<MigrateResult> {
  const migrations = await readMigrations(dir);
  // Under the lock too: two processes creating the table at once would collide in the catalog.
  await sql.begin(async (tx) => {
    await tx`select pg_advisory_xact_lock(${MIGRATION_LOCK_KEY})`;
    await tx`
      create table if not exists schema_migrations (
        version integer primary key,
        name text not null,
        checksum text not null,
        applied_at timestamptz not null default now()
      )`;
  });
  const applied: string[] = [];
  for (const migration of migrations) {
    const didApply = await sql.begin(async (tx) => {
      await tx`select pg_advisory_xact_lock(${MIGRATION_LOCK_KEY})`;
      const [existing] = await tx<[{ checksum: string }?]>`
        select checksum from schema_migrations where version = ${migration.version}`;
      if (existing) {
        if (existing.checksum !== migration.checksum) {
          throw new MigrationError(`${migration.file} was edited after it was applied (checksum differs); add a new migration instead`);
        }
        return false;
      }
      await tx.unsafe(migration.text);
      await tx`
        insert into schema_migrations (version, name, checksum)
        values (${migration.version}, ${migration.name}, ${migration.checksum})`;
      return true;
    });
    if (didApply) applied.push(migration.file);
  }
  const [row] = await sql<[{ current: number | null }]>`select max(version) as current from schema_migrations`;
  const current = row.current ?? 0;
  if (current > migrations.length) {
    throw new MigrationError(`the database is at version ${current} but this code knows only ${migrations.length} migrations; run a newer release`);
  }
  return { applied, current };
}

// `npm run migrate`: apply pending migrations to DATABASE_URL.
if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const { loadConfig } = await import('../config.ts');
  const { createSql } = await import('./sql.ts');
  const config = loadConfig();
  if (!config.database.url) {
    console.error('DATABASE_URL is not set; `npm start` migrates the embedded database itself.');
    process.exit(2);
  }
  const sql = createSql(config.database.url, { max: 1, applicationName: 'incident-insights-migrate' });
  try {
    const result = await migrate(sql);
    console.log(`migrations: ${result.applied.length} applied, database at version ${result.current}`);
  } finally {
    await sql.end();
  }
}
