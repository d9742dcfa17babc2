// One postgres.js instance per process; query modules take it (or a transaction) as their first argument.
import postgres from 'postgres';

export type Sql = postgres.Sql;
export type TransactionSql = postgres.TransactionSql;

export interface SqlOptions {
  max?: number;
  /** Shown in pg_stat_activity, so an operator can tell the worker's connections from the API's. */
  applicationName?: string;
}

export function createSql(url: string, options: SqlOptions = {}): Sql {
  return postgres(url, {
    max: options.max ?? 10,
    idle_timeout: 30,
    connect_timeout: 10,
    onnotice: () => {},
    connection: { application_name: options.applicationName ?? 'incident-insights' },
    types: { bigint: postgres.BigInt },
  });
}

/** A cheap round trip for health checks; resolves with the server version. */
export async function pingDatabase(sql: Sql): Promise<string> {
  const [row] = await sql<[{ version: string }]>`select current_setting('server_version') as version`;
  return row.version;
}
