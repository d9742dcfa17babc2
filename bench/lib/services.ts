// The servers the ingestion benchmarks need, started as the tests start them: a throwaway PostgreSQL 15
// (tests/postgres-server.ts), databases on it migrated with db/migrate.ts, and a Temporal dev server.
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { Connection } from '@temporalio/client';
import { migrate } from '../../db/migrate.ts';
import { createSql, type Sql } from '../../db/sql.ts';
import { resolveTemporalCli, startDevServer, type DevServer } from '../../temporal/dev-server.ts';
import { ensureSearchAttributes } from '../../temporal/search-attributes.ts';
import { freePort } from '../../tests/global-setup.ts';
import { startPostgres, type PostgresServer } from '../../tests/postgres-server.ts';
import { REPO_ROOT } from './report.ts';

export { freePort };

export async function startBenchPostgres(): Promise<PostgresServer> {
  return startPostgres(await freePort());
}

export interface BenchDatabase {
  name: string;
  /** As the application connects (the databases' owner, no superuser: row-level security applies). */
  url: string;
  /** A superuser on the same database. */
  adminUrl: string;
  drop(): Promise<void>;
}

const withDatabase = (url: string, name: string) => {
  const next = new URL(url);
  next.pathname = `/${name}`;
  return next.toString();
};

/** A new database on the server: migrated, or a copy of `template` (which must have no open connections). */
export async function createBenchDatabase(server: PostgresServer, options: { template?: string; prefix?: string } = {}): Promise<BenchDatabase> {
  const name = `${options.prefix ?? 'insights_bench'}_${randomBytes(5).toString('hex')}`;
  const owner = decodeURIComponent(new URL(server.url).username) || 'postgres';
  const admin = createSql(server.adminUrl, { max: 1, applicationName: 'insights-bench-admin' });
  try {
    if (options.template) await admin`create database ${admin(name)} template ${admin(options.template)} owner ${admin(owner)}`;
    else await admin`create database ${admin(name)} owner ${admin(owner)}`;
  } finally {
    await admin.end();
  }
  const url = withDatabase(server.url, name);
  if (!options.template) {
    const sql = createSql(url, { max: 1, applicationName: 'insights-bench-migrate' });
    try {
      await migrate(sql);
    } finally {
      await sql.end();
    }
  }
  return {
    name,
    url,
    adminUrl: withDatabase(server.adminUrl, name),
    async drop() {
      const server_ = createSql(server.adminUrl, { max: 1, applicationName: 'insights-bench-admin' });
      try {
        await server_`drop database if exists ${server_(name)} with (force)`;
      } finally {
        await server_.end();
      }
    },
  };
}

/** Runs `fn` with a superuser connection to the database (closed afterwards). */
export async function asAdmin<T>(db: BenchDatabase, fn: (sql: Sql) => Promise<T>): Promise<T> {
  const sql = createSql(db.adminUrl, { max: 1, applicationName: 'insights-bench-admin' });
  try {
    return await fn(sql);
  } finally {
    await sql.end();
  }
}

/** `temporal server start-dev --headless` on a free port, with the search attributes the API and worker expect. */
export async function startBenchTemporal(): Promise<DevServer> {
  const cliPath = resolveTemporalCli({ explicitPath: process.env.TEMPORAL_CLI_PATH, searchPath: process.env.PATH, toolsDir: join(REPO_ROOT, '.tools'), install: true });
  const server = await startDevServer({ cliPath, port: await freePort(), namespace: 'default', logFile: join(REPO_ROOT, 'test-results', 'bench-temporal.log') });
  try {
    const connection = await Connection.connect({ address: server.address });
    try {
      await ensureSearchAttributes(connection, 'default');
    } finally {
      await connection.close();
    }
  } catch (err) {
    await server.stop();
    throw err;
  }
  return server;
}
