// Embedded PostgreSQL for zero-setup runs: PGlite (with pgvector) persisted on disk, served over the wire protocol.
import { mkdir } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { PGlite } from '@electric-sql/pglite';
import { vector } from '@electric-sql/pglite-pgvector';
import { PGliteServer } from './pglite-server.ts';

export interface EmbeddedDatabase {
  url: string;
  port: number;
  stop(): Promise<void>;
}

export interface EmbeddedDatabaseOptions {
  /** A folder to persist into, or undefined for a throwaway in-memory database. */
  dataDir: string | undefined;
  host?: string;
  port: number;
  maxConnections?: number;
}

export async function startEmbeddedDatabase(options: EmbeddedDatabaseOptions): Promise<EmbeddedDatabase> {
  if (options.dataDir) await mkdir(options.dataDir, { recursive: true });
  const db = await PGlite.create(options.dataDir ?? 'memory://', { extensions: { vector } });
  await db.exec('create extension if not exists vector');
  const host = options.host ?? '127.0.0.1';
  const server = new PGliteServer(db, options.maxConnections ?? 32);
  const port = await server.listen(options.port, host);
  return {
    url: `postgres://postgres:postgres@${host}:${port}/postgres`,
    port,
    async stop() {
      await server.close();
      await db.close();
    },
  };
}

// The `npm start` child: `node db/embedded.ts` serves PGlite until SIGINT/SIGTERM.
if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const { loadConfig } = await import('../config.ts');
  const config = loadConfig();
  const embedded = await startEmbeddedDatabase({
    dataDir: `${config.dataDir}/pglite`,
    port: config.database.embeddedPort,
    maxConnections: config.database.maxConnections * 3 + 4,
  });
  console.log(JSON.stringify({ msg: 'embedded PostgreSQL (PGlite) listening', url: embedded.url }));
  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    await embedded.stop();
    process.exit(0);
  };
  process.on('SIGINT', () => void stop());
  process.on('SIGTERM', () => void stop());
}
