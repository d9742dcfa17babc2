// Starts a real PostgreSQL and a real Temporal dev server once per test run (unless TEST_DATABASE_URL /
// TEST_TEMPORAL_ADDRESS point at running ones) and stops them afterwards.
import { resolve } from 'node:path';
import type { TestProject } from 'vitest/node';
import { Connection } from '@temporalio/client';
import { resolveTemporalCli, startDevServer, type DevServer } from '../temporal/dev-server.ts';
import { ensureSearchAttributes } from '../temporal/search-attributes.ts';
import { freePort } from '../devkit/ports.ts';
import { startPostgres, type PostgresServer } from '../devkit/postgres-server.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    databaseUrl: string;
    adminDatabaseUrl: string;
    temporalAddress: string;
    temporalCliPath: string;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  let postgres: PostgresServer | undefined;
  let temporal: DevServer | undefined;
  const teardown = async () => {
    try {
      await temporal?.stop();
    } finally {
      postgres?.stop();
    }
  };
  try {
    if (!process.env.TEST_DATABASE_URL) postgres = startPostgres(await freePort());
    const databaseUrl = postgres?.url ?? process.env.TEST_DATABASE_URL!;
    const adminDatabaseUrl = postgres?.adminUrl ?? process.env.TEST_ADMIN_DATABASE_URL ?? databaseUrl;
    const cliPath = resolveTemporalCli({
      explicitPath: process.env.TEMPORAL_CLI_PATH,
      searchPath: process.env.PATH,
      toolsDir: resolve('.tools'),
      install: true,
    });
    let temporalAddress = process.env.TEST_TEMPORAL_ADDRESS;
    if (!temporalAddress) {
      temporal = await startDevServer({ cliPath, port: await freePort(), namespace: 'default', logFile: resolve('test-results', 'temporal-dev-server.log') });
      temporalAddress = temporal.address;
    }
    // As the API and the worker do on start: the search attributes exist before any test starts a workflow.
    const connection = await Connection.connect({ address: temporalAddress });
    try {
      await ensureSearchAttributes(connection, 'default');
    } finally {
      await connection.close();
    }
    project.provide('databaseUrl', databaseUrl);
    project.provide('adminDatabaseUrl', adminDatabaseUrl);
    project.provide('temporalAddress', temporalAddress);
    project.provide('temporalCliPath', cliPath);
  } catch (err) {
    // Whatever did start must not outlive a failed set-up.
    await teardown();
    throw err;
  }
  return teardown;
}
