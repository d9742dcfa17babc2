// One postgres.js instance per process; query modules take it (or a transaction) as their first argument.
import postgres from 'postgres';

export type Sql = postgres.Sql;
export type TransactionSql = postgres.TransactionSql;

export interface SqlOptions {
  max?: number;
  /** Shown in pg_stat_activity, so an operator can tell the worker's connections from the API's. */
  applicationName?: string;
}

/** The URL each instance was created with: a worker thread opens its own pool to the same database. */
const urls = new WeakMap<Sql, string>();

export function createSql(url: string, options: SqlOptions = {}): Sql {
  const sql = postgres(url, {
    max: options.max ?? 10,
    idle_timeout: 30,
    connect_timeout: 10,
    onnotice: () => {},
    connection: { application_name: options.applicationName ?? 'incident-insights' },
    types: { bigint: postgres.BigInt },
    // Every type we read or write is built in, so nothing needs looking up in pg_type. postgres.js 4 looks types up
    // on a second connection of the pool, which on the embedded PGlite (one session, held by an open transaction)
    // waits behind the very transaction that asked: the pgvector search hung until the connection was closed.
    fetch_types: false,
  });
  urls.set(sql, url);
  return sql;
}

/** The URL `sql` was created with (by createSql). */
export function connectionUrl(sql: Sql): string {
  const url = urls.get(sql);
  if (!url) throw new Error('this postgres.js instance was not made by createSql: its URL is unknown');
  return url;
}

/** A cheap round trip for health checks; resolves with the server version. */
export async function pingDatabase(sql: Sql): Promise<string> {
  const [row] = await sql<[{ version: string }]>`select current_setting('server_version') as version`;
  return row.version;
}
