// The servers the benchmarks need, started as the tests start them: a throwaway PostgreSQL 15
// (devkit/postgres-server.ts), databases on it migrated with db/migrate.ts, a Temporal dev server, and the real API.
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { Connection } from '@temporalio/client';
import type { FastifyInstance } from 'fastify';
import { loadConfig, type Config } from '../../config.ts';
import { migrate } from '../../db/migrate.ts';
import { createSql, type Sql } from '../../db/sql.ts';
import { connectTemporal, type TemporalClient } from '../../temporal/client.ts';
import { buildTestApp, signUp, TEST_JWT_SECRET, TEST_MASTER_KEY, type SignedIn } from '../../devkit/app.ts';
import { resolveTemporalCli, startDevServer, type DevServer } from '../../temporal/dev-server.ts';
import { ensureSearchAttributes } from '../../temporal/search-attributes.ts';
import { freePort } from '../../devkit/ports.ts';
import { startPostgres, type PostgresServer } from '../../devkit/postgres-server.ts';
import { REPO_ROOT } from './report.ts';

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

export interface BenchApi {
  config: Config;
  /** The API's pool, as api/server.ts opens it (DATABASE_MAX_CONNECTIONS, default 10). */
  sql: Sql;
  /** A superuser on the same database, for loading and counting. */
  admin: Sql;
  app: FastifyInstance;
  /** The API's Temporal client. */
  temporal: TemporalClient;
  /** Where the API listens on loopback. */
  baseUrl: string;
  /** A signed-in owner of a new account. */
  owner: SignedIn;
  /** PostgreSQL's version, for the report. */
  postgresVersion: string;
  stop(): Promise<void>;
}

/**
 * The real API (buildApp with real dependencies, as the tests build it) on a new database of `postgres`, with a
 * Temporal dev server of its own, listening on 127.0.0.1, and one owner signed in. `env` adds to the configuration.
 */
export async function startBenchApi(postgres: PostgresServer, name: string, env: Record<string, string> = {}): Promise<BenchApi> {
  const stack: (() => Promise<unknown> | void)[] = [];
  const stop = async () => {
    for (const step of stack.reverse()) await step();
  };
  try {
    const temporalServer = await startBenchTemporal();
    stack.push(() => temporalServer.stop());
    const db = await createBenchDatabase(postgres, { prefix: `insights_bench_${name}` });
    const config = loadConfig({
      NODE_ENV: 'test',
      DATABASE_URL: db.url,
      TEMPORAL_ADDRESS: temporalServer.address,
      TEMPORAL_TASK_QUEUE: `bench-${name}`,
      WORKER_HEALTH_PORT: '0',
      JWT_SECRET: TEST_JWT_SECRET,
      INSIGHTS_MASTER_KEY: TEST_MASTER_KEY,
      SIGNUP_RATE_LIMIT_PER_MINUTE: '10000',
      PATH: process.env.PATH ?? '',
      ...env,
    });
    const sql = createSql(db.url, { max: config.database.maxConnections, applicationName: 'incident-insights-api' });
    stack.push(() => sql.end({ timeout: 5 }));
    const admin = createSql(db.adminUrl, { max: 1, applicationName: 'insights-bench-admin' });
    stack.push(() => admin.end({ timeout: 5 }));
    const temporal = await connectTemporal({ address: temporalServer.address, namespace: config.temporal.namespace });
    stack.push(() => temporal.close());
    const app = await buildTestApp(config, sql, temporal);
    stack.push(() => app.close());
    const baseUrl = await app.listen({ host: '127.0.0.1', port: 0 });
    const owner = await signUp(app);
    const [{ v: postgresVersion }] = await admin<[{ v: string }]>`select current_setting('server_version') as v`;
    return { config, sql, admin, app, temporal, baseUrl, owner, postgresVersion, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}
