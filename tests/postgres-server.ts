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

export function startPostgres(port: number): PostgresServer {
  const bin = findBinDir();
  const dir = mkdtempSync(join(tmpdir(), 'insights-pg-'));
  const data = join(dir, 'data');
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
  run('initdb', ['-D', data, '-U', 'postgres', '--auth=trust', '--no-sync', '-E', 'UTF8', '--locale=C']);
  run('pg_ctl', ['-D', data, '-w', '-t', '60', '-l', join(dir, 'server.log'), '-o', `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200`, 'start']);
  const adminUrl = `postgres://postgres@127.0.0.1:${port}/postgres`;
  execFileSync(join(bin, 'psql'), [adminUrl, '-v', 'ON_ERROR_STOP=1', '-q', '-c', 'create role insights login createdb createrole'], { stdio: 'pipe' });
  return {
    url: `postgres://insights@127.0.0.1:${port}/postgres`,
    adminUrl,
    stop() {
      try {
        run('pg_ctl', ['-D', data, '-w', '-m', 'fast', 'stop']);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}
