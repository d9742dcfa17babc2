// A throwaway PostgreSQL server from the machine's binaries (Debian's postgresql package), for the test set-up.
import { execFileSync, spawnSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface PostgresServer {
  /** The application's user: owns its databases, no superuser (so row-level security applies as in production). */
  url: string;
  /** A superuser, for creating databases and for tests that look past row-level security. */
  adminUrl: string;
  stop(): void;
}

function findBinDir(): string {
  const fromPgConfig = spawnSync('pg_config', ['--bindir'], { encoding: 'utf8' });
  if (fromPgConfig.status === 0 && existsSync(join(fromPgConfig.stdout.trim(), 'initdb'))) return fromPgConfig.stdout.trim();
  const root = '/usr/lib/postgresql';
  if (existsSync(root)) {
    const versions = readdirSync(root).filter((v) => existsSync(join(root, v, 'bin', 'initdb'))).sort((a, b) => Number(b) - Number(a));
    if (versions[0]) return join(root, versions[0], 'bin');
  }
  throw new Error('no PostgreSQL server binaries (initdb) found: install them (apt-get install postgresql) or set TEST_DATABASE_URL');
}

/** A PostgreSQL cluster of its own in a temporary directory, running, with the application's role created. */
export interface PostgresCluster {
  port: number;
  dir: string;
  dataDir: string;
  logFile: string;
  /** A superuser on the `postgres` database. */
  adminUrl: string;
  /** `pg_ctl stop -m fast` (clean) or `-m immediate` (a crash: no checkpoint, recovery on the next start). */
  stop(mode?: 'fast' | 'immediate'): void;
  start(): void;
  /** Stops the server and deletes the cluster. */
  destroy(): void;
}

/**
 * initdb, start, and the `insights` role. `fsync: false` for tests (fast, nothing to recover); the drills keep it on
 * so a crash is a real one.
 */
export function createPostgresCluster(options: { port: number; fsync?: boolean; maxConnections?: number; prefix?: string }): PostgresCluster {
  const bin = findBinDir();
  const dir = mkdtempSync(join(tmpdir(), options.prefix ?? 'insights-pg-'));
  const dataDir = join(dir, 'data');
  const logFile = join(dir, 'server.log');
  // initdb refuses to run as root: run the server as the postgres user when we are root.
  const asRoot = process.getuid?.() === 0;
  const run = (cmd: string, args: string[]) => {
    const file = join(bin, cmd);
    if (asRoot) execFileSync('runuser', ['-u', 'postgres', '--', file, ...args], { stdio: 'pipe' });
    else execFileSync(file, args, { stdio: 'pipe' });
  };
  if (asRoot) {
    const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim());
    const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim());
    chownSync(dir, uid, gid);
  }
  run('initdb', ['-D', dataDir, '-U', 'postgres', '--auth=trust', '--no-sync', '-E', 'UTF8', '--locale=C']);
  const settings = `-p ${options.port} -k ${dir} -c listen_addresses=127.0.0.1 -c max_connections=${options.maxConnections ?? 200}${options.fsync === false ? ' -c fsync=off' : ''}`;
  let running = false;
  const start = () => {
    run('pg_ctl', ['-D', dataDir, '-w', '-t', '60', '-l', logFile, '-o', settings, 'start']);
    running = true;
  };
  const stop = (mode: 'fast' | 'immediate' = 'fast') => {
    if (!running) return;
    run('pg_ctl', ['-D', dataDir, '-w', '-t', '60', '-m', mode, 'stop']);
    running = false;
  };
  start();
  const adminUrl = `postgres://postgres@127.0.0.1:${options.port}/postgres`;
  execFileSync(join(bin, 'psql'), [adminUrl, '-v', 'ON_ERROR_STOP=1', '-q', '-c', 'create role insights login createdb createrole'], { stdio: 'pipe' });
  return {
    port: options.port,
    dir,
    dataDir,
    logFile,
    adminUrl,
    start,
    stop,
    destroy() {
      try {
        stop('fast');
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}

export function startPostgres(port: number): PostgresServer {
  const cluster = createPostgresCluster({ port, fsync: false });
  return { url: `postgres://insights@127.0.0.1:${port}/postgres`, adminUrl: cluster.adminUrl, stop: () => cluster.destroy() };
}
