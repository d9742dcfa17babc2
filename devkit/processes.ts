// Child processes for `npm start` and the test set-up: spawn with a log file, wait for health, stop without orphans.
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';

export interface SpawnOptions {
  name: string;
  command: string;
  args: string[];
  env?: Record<string, string>;
  cwd?: string;
  /** stdout and stderr go here (appended); unset: inherited. */
  logFile?: string;
  /** Own process group: a terminal's Ctrl-C reaches only the parent, which then stops children in order. */
  detached?: boolean;
}

export interface Child {
  name: string;
  process: ChildProcess;
  /** Resolves with the exit code (or signal name) when the process ends. */
  exited: Promise<number | string>;
  hasExited(): boolean;
  /** Sends a signal to the process, or to its whole process group when it was spawned detached. */
  signal(signal: NodeJS.Signals): void;
}

export function spawnChild(options: SpawnOptions): Child {
  let stdio: 'inherit' | ['ignore', 'pipe', 'pipe'] = 'inherit';
  if (options.logFile) {
    mkdirSync(dirname(options.logFile), { recursive: true });
    stdio = ['ignore', 'pipe', 'pipe'];
  }
  const child = spawn(options.command, options.args, {
    cwd: options.cwd,
    env: options.env,
    stdio,
    detached: options.detached ?? false,
  });
  if (options.logFile) {
    const log = createWriteStream(options.logFile, { flags: 'a' });
    child.stdout?.pipe(log, { end: false });
    child.stderr?.pipe(log, { end: false });
    child.once('close', () => log.end());
  }
  let done = false;
  const exited = new Promise<number | string>((resolve) => {
    child.once('error', (err) => {
      done = true;
      resolve(`spawn error: ${err.message}`);
    });
    child.once('exit', (code, signal) => {
      done = true;
      resolve(code ?? signal ?? 'unknown');
    });
  });
  const signal = (sig: NodeJS.Signals) => {
    if (done || child.pid === undefined) return;
    try {
      // A detached child leads its own group: signal the group, so its own children (npm -> vite) stop too.
      process.kill(options.detached ? -child.pid : child.pid, sig);
    } catch {
      // Already gone.
    }
  };
  return { name: options.name, process: child, exited, hasExited: () => done, signal };
}

/** SIGTERM (or the given signal), then SIGKILL after the grace period; resolves once the process is gone. */
export async function stopChild(child: Child, graceMs = 10_000, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
  if (child.hasExited()) return;
  child.signal(signal);
  const timer = setTimeout(() => child.signal('SIGKILL'), graceMs);
  try {
    await child.exited;
  } finally {
    clearTimeout(timer);
  }
}

export class TimeoutError extends Error {
  override name = 'TimeoutError';
}

/**
 * Polls `check` until it returns a value (not undefined) or the deadline passes. A `check` that throws counts as
 * "not yet"; the last error is named in the timeout message.
 */
export async function waitFor<T>(
  what: string,
  check: () => Promise<T | undefined> | T | undefined,
  options: { timeoutMs: number; intervalMs?: number; abortIf?: () => string | undefined },
): Promise<T> {
  const deadline = Date.now() + options.timeoutMs;
  let lastError: unknown;
  for (;;) {
    const aborted = options.abortIf?.();
    if (aborted) throw new Error(`${what}: ${aborted}`);
    try {
      const value = await check();
      if (value !== undefined) return value;
    } catch (err) {
      lastError = err;
    }
    if (Date.now() > deadline) {
      const reason = lastError instanceof Error ? ` (last error: ${lastError.message})` : '';
      throw new TimeoutError(`timed out after ${options.timeoutMs} ms waiting for ${what}${reason}`);
    }
    await new Promise((r) => setTimeout(r, options.intervalMs ?? 200));
  }
}
