// The only file that listens: connects to PostgreSQL and Temporal, migrates, serves, and closes gracefully.
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import closeWithGrace from 'close-with-grace';
import { loadConfig } from '../config.ts';
import { migrate } from '../db/migrate.ts';
import { createSql } from '../db/sql.ts';
import { connectTemporal, temporalSecurity } from '../temporal/client.ts';
import { ensureNamespace, ensureSearchAttributes } from '../temporal/search-attributes.ts';
import { ensureSchedules } from '../temporal/schedules.ts';
import { secretBoxOf } from '../db/secret-box.ts';
import { buildApp, loggerOptions } from './app.ts';
import { startErrorReporting } from '../observability/sentry.ts';
import { startTracing } from '../observability/tracing.ts';

const config = loadConfig();
if (!config.database.url || !config.temporal.address) {
  console.error('the API needs DATABASE_URL and TEMPORAL_ADDRESS (`npm start` sets both)');
  process.exit(2);
}
const { version } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };

let jwtSecret = config.secrets.jwtSecret;
if (!jwtSecret) {
  if (config.env === 'production') {
    console.error('JWT_SECRET is required in production (at least 32 characters; `openssl rand -base64 48`)');
    process.exit(2);
  }
  // Development without `npm start`: sessions survive a restart (refresh tokens live in the database), access
  // tokens do not.
  jwtSecret = randomBytes(48).toString('base64url');
  console.warn('JWT_SECRET is not set: using a random one for this process only');
}

// Before anything connects: spans and error reports of start-up count too (both off unless configured).
const tracing = startTracing(config, 'api', version);
const errorReporter = startErrorReporting(config, 'api', version);
const sql = createSql(config.database.url, { max: config.database.maxConnections, applicationName: 'incident-insights-api' });
await migrate(sql);
const temporal = await connectTemporal({ address: config.temporal.address, namespace: config.temporal.namespace, ...temporalSecurity(config.temporal), tracing: tracing !== undefined });
// The API starts workflows with our search attributes: make sure they exist even before any worker ran.
await ensureNamespace(temporal.connection, config.temporal.namespace);
await ensureSearchAttributes(temporal.connection, config.temporal.namespace);
await ensureSchedules(temporal, config);
if (!config.secrets.masterKey) console.warn('INSIGHTS_MASTER_KEY is not set: integrations are off (credentials could not be stored safely)');
const app = await buildApp({ config, sql, temporal, version, jwtSecret, secretBox: secretBoxOf(config) }, { logger: loggerOptions(config.logLevel) });

closeWithGrace({ delay: 10_000 }, async ({ signal, err }) => {
  if (err) {
    app.log.error({ err }, 'closing after an error');
    errorReporter?.capture(err, { tags: { phase: 'process' } });
  } else app.log.info({ signal }, 'closing');
  await app.close();
  await temporal.close();
  await sql.end({ timeout: 5 });
  await tracing?.shutdown();
  await errorReporter?.close();
});

await app.listen({ host: config.api.host, port: config.api.port });
