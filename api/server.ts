// The only file that listens: connects to PostgreSQL and Temporal, migrates, serves, and closes gracefully.
import { readFileSync } from 'node:fs';
import closeWithGrace from 'close-with-grace';
import { loadConfig } from '../config.ts';
import { migrate } from '../db/migrate.ts';
import { createSql } from '../db/sql.ts';
import { connectTemporal } from '../temporal/client.ts';
import { buildApp, loggerOptions } from './app.ts';

const config = loadConfig();
if (!config.database.url || !config.temporal.address) {
  console.error('the API needs DATABASE_URL and TEMPORAL_ADDRESS (`npm start` sets both)');
  process.exit(2);
}
const { version } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };

const sql = createSql(config.database.url, { max: config.database.maxConnections, applicationName: 'incident-insights-api' });
await migrate(sql);
const temporal = await connectTemporal({ address: config.temporal.address, namespace: config.temporal.namespace });
const app = await buildApp({ config, sql, temporal, version }, { logger: loggerOptions(config.logLevel) });

closeWithGrace({ delay: 10_000 }, async ({ signal, err }) => {
  if (err) app.log.error({ err }, 'closing after an error');
  else app.log.info({ signal }, 'closing');
  await app.close();
  await temporal.close();
  await sql.end({ timeout: 5 });
});

await app.listen({ host: config.api.host, port: config.api.port });
