// Runs a step's command on an SSH host with `ssh2`: the host key pinned by fingerprint, the command claimed by its
// idempotency key in a run directory on the host (mkdir is atomic), so a retried step prints its stored result.
import { createHash } from 'node:crypto';
import { Client, type ClientChannel, type ConnectConfig } from 'ssh2';
import type { Redactor } from '../../analysis/redaction.ts';
import { finishOutput, isValidIdempotencyKey } from './output.ts';
import { ExecutorError, type CommandExecutor, type ExecutionRequest, type ExecutionResult, type SshTargetConfig, type SshTargetSecrets, type VerifyResult } from './types.ts';

export interface SshExecutorOptions {
  redactor?: Redactor;
  /** Where run directories live on the host; default `~/.incident-insights/runs` (tests pass a temporary one). */
  runDirectory?: string;
  /** How long to wait for the connection and key exchange. Default 20 s. */
  readyTimeoutMs?: number;
  /** How often a running command's output so far is read for `onOutput`. Default 1 s. */
  peekIntervalMs?: number;
}

/**
 * The wrapper run on the host by `sh -c`, with its arguments passed as separate, quoted words and the command itself
 * on stdin, so neither the key nor the command is ever parsed as part of the wrapper.
 * Arguments: key, timeout seconds, max output bytes, run directory ('' = ~/.incident-insights/runs), command length.
 * It prints one header line `II-RUN <alreadyRan 0|1> <exit code|timeout|running> <truncated 0|1>` then the stored stdout
 * (and the stored stderr on stderr), each cut to max bytes.
 */
export const RUN_WRAPPER = String.raw`set -u
key=$1; limit=$2; max=$3; base=$4; length=$5
[ -n "$base" ] || base="$HOME/.incident-insights/runs"
umask 077
mkdir -p "$base" || { echo "cannot create run directory $base" >&2; exit 97; }
incoming="$base/.incoming.$$"
cat > "$incoming"
if [ "$(($(wc -c < "$incoming")))" -ne "$length" ]; then
  rm -f "$incoming"; echo "command arrived incomplete; nothing was run" >&2; exit 98
fi
dir="$base/$key"
if mkdir "$dir" 2>/dev/null; then
  ran=0
  mv "$incoming" "$dir/command"
  # In its own session where setsid exists (Linux), so a timeout kills what the command started too.
  if command -v setsid > /dev/null 2>&1; then group=1; else group=0; fi
  if [ "$group" = 1 ]; then
    setsid sh -c "$(cat "$dir/command")" < /dev/null > "$dir/stdout" 2> "$dir/stderr" &
  else
    sh -c "$(cat "$dir/command")" < /dev/null > "$dir/stdout" 2> "$dir/stderr" &
  fi
  pid=$!
  (
    trap 'kill "$s" 2>/dev/null; exit 0' TERM
    sleep "$limit" & s=$!
    wait "$s"
    if kill -0 "$pid" 2>/dev/null; then
      : > "$dir/timedout"
      if [ "$group" = 1 ]; then kill -KILL "-$pid" 2>/dev/null || kill -KILL "$pid" 2>/dev/null; else kill -KILL "$pid" 2>/dev/null; fi
    fi
  ) < /dev/null > /dev/null 2>&1 &
  watchdog=$!
  wait "$pid"; code=$?
  kill "$watchdog" 2>/dev/null; wait "$watchdog" 2>/dev/null
  if [ -e "$dir/timedout" ]; then echo timeout > "$dir/exit.tmp"; else echo "$code" > "$dir/exit.tmp"; fi
  mv "$dir/exit.tmp" "$dir/exit"
else
  ran=1
  rm -f "$incoming"
fi
status=running
[ -f "$dir/exit" ] && status=$(cat "$dir/exit")
truncated=0
for stream in stdout stderr; do
  if [ -f "$dir/$stream" ] && [ "$(($(wc -c < "$dir/$stream")))" -gt "$max" ]; then truncated=1; fi
done
printf 'II-RUN %s %s %s\n' "$ran" "$status" "$truncated"
[ -f "$dir/stdout" ] && head -c "$max" "$dir/stdout"
[ -f "$dir/stderr" ] && head -c "$max" "$dir/stderr" >&2
exit 0
`;

/** Prints a run's output so far (arguments: run directory or '', key, max bytes); the key is validated before. */
const PEEK_SCRIPT = String.raw`base=$1; key=$2; max=$3
[ -n "$base" ] || base="$HOME/.incident-insights/runs"
[ -f "$base/$key/stdout" ] && head -c "$max" "$base/$key/stdout"
[ -f "$base/$key/stderr" ] && head -c "$max" "$base/$key/stderr" >&2
exit 0
`;

/** One shell word: single-quoted, with embedded quotes closed, escaped and reopened. */
export function shellQuote(word: string): string {
  return `'${word.replace(/'/g, `'\\''`)}'`;
}

/** `SHA256:<base64 without padding>` of a raw SSH public key blob, as `ssh-keygen -lf` prints it. */
export function sshFingerprint(key: Buffer): string {
  return `SHA256:${createHash('sha256').update(key).digest('base64').replace(/=+$/, '')}`;
}

function normaliseFingerprint(pinned: string): string {
  const trimmed = pinned.trim();
  if (!/^SHA256:[A-Za-z0-9+/]{43}=?$/.test(trimmed)) throw new ExecutorError('invalid', `host key fingerprint must look like SHA256:<43 base64 characters>, got ${JSON.stringify(pinned)}`);
  return trimmed.replace(/=+$/, '');
}

interface Connection {
  client: Client;
  fingerprint: string;
}

interface ExecOutcome {
  stdout: Buffer;
  stderr: Buffer;
  code: number | null;
  lost?: string;
}

export function createSshExecutor(config: SshTargetConfig, secrets: SshTargetSecrets, options: SshExecutorOptions = {}): CommandExecutor {
  const clients = new Set<Client>();
  const where = `${config.username}@${config.host}${config.port === 22 ? '' : `:${config.port}`}`;

  function connect(): Promise<Connection> {
    const pinned = normaliseFingerprint(config.hostKeyFingerprint);
    return new Promise((resolve, reject) => {
      const client = new Client();
      let presented: string | undefined;
      let settled = false;
      const fail = (error: ExecutorError) => {
        if (settled) return;
        settled = true;
        clients.delete(client);
        client.end();
        reject(error);
      };
      client.on('ready', () => {
        settled = true;
        resolve({ client, fingerprint: presented ?? pinned });
      });
      client.on('error', (error: Error & { level?: string }) => {
        if (presented !== undefined && presented !== pinned)
          return fail(new ExecutorError('host_key_mismatch', `${where} presented host key ${presented}, not the pinned ${pinned}: refused, nothing was sent`));
        if (error.level === 'client-authentication') return fail(new ExecutorError('auth', `${where} refused the key: ${error.message}`));
        fail(new ExecutorError('unavailable', `${where}: ${error.message}`));
      });
      client.on('close', () => {
        clients.delete(client);
        fail(new ExecutorError('unavailable', `${where} closed the connection`));
      });
      const connectConfig: ConnectConfig = {
        host: config.host,
        port: config.port,
        username: config.username,
        privateKey: secrets.privateKey,
        ...(secrets.passphrase ? { passphrase: secrets.passphrase } : {}),
        readyTimeout: options.readyTimeoutMs ?? 20_000,
        keepaliveInterval: 15_000,
        // Called before authentication: a different key ends the handshake before the private key is ever used.
        hostVerifier: (key: Buffer) => {
          presented = sshFingerprint(key);
          return presented === pinned;
        },
      };
      clients.add(client);
      try {
        client.connect(connectConfig);
      } catch (error) {
        // ssh2 throws synchronously on a key it cannot parse (or a wrong passphrase).
        fail(new ExecutorError('invalid', `the SSH private key cannot be used: ${(error as Error).message}`));
      }
    });
  }

  function exec(connection: Connection, command: string, stdin: Buffer | null, waitMs: number, limitBytes: number): Promise<ExecOutcome> {
    return new Promise((resolve, reject) => {
      const stdout: Buffer[] = [];
      const stderr: Buffer[] = [];
      let sizes = [0, 0];
      let code: number | null = null;
      let done = false;
      const onClose = () => finish(`the connection to ${where} was lost before the command finished`);
      const finish = (lost?: string) => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        connection.client.removeListener('close', onClose);
        resolve({ stdout: Buffer.concat(stdout), stderr: Buffer.concat(stderr), code, ...(lost ? { lost } : {}) });
      };
      const timer = setTimeout(() => {
        finish(`no answer from ${where} within ${Math.round(waitMs / 1000)} s; the command may still be running there`);
        connection.client.end();
      }, waitMs);
      connection.client.once('close', onClose);
      connection.client.exec(command, (error: Error | undefined, channel: ClientChannel) => {
        if (error) {
          clearTimeout(timer);
          done = true;
          connection.client.removeListener('close', onClose);
          return reject(new ExecutorError('unavailable', `${where} refused to run a command: ${error.message}`));
        }
        const keep = (target: Buffer[], index: 0 | 1) => (chunk: Buffer) => {
          if (sizes[index]! > limitBytes) return;
          target.push(chunk);
          sizes = index === 0 ? [sizes[0]! + chunk.length, sizes[1]!] : [sizes[0]!, sizes[1]! + chunk.length];
        };
        channel.on('data', keep(stdout, 0));
        channel.stderr.on('data', keep(stderr, 1));
        channel.on('exit', (exitCode: number | null) => {
          code = exitCode;
        });
        channel.on('close', () => finish(code === null ? `the command's channel on ${where} closed without an exit status` : undefined));
        channel.end(stdin ?? undefined);
      });
    });
  }

  /**
   * While `running` is pending, reads the run directory's stdout and stderr so far on a second channel of the same
   * connection, about every `peekIntervalMs`, and hands changes to `onOutput` (redacted, capped). The run wrapper itself
   * is untouched: the result still comes from it alone.
   */
  async function watchOutput(connection: Connection, request: ExecutionRequest, maxBytes: number, running: Promise<ExecOutcome>): Promise<void> {
    let finished = false;
    const settled = running.then(
      () => (finished = true),
      () => (finished = true),
    );
    const peek = ['sh', '-c', PEEK_SCRIPT, 'incident-insights-peek', options.runDirectory ?? '', request.idempotencyKey, String(maxBytes)].map(shellQuote).join(' ');
    let last = '';
    while (!finished) {
      await Promise.race([settled, new Promise((resolve) => setTimeout(resolve, options.peekIntervalMs ?? 1000))]);
      if (finished) return;
      const seen = await exec(connection, peek, null, 10_000, maxBytes + 256).catch(() => undefined);
      if (!seen || finished || seen.code !== 0) continue;
      const partial = finishOutput({ stdout: seen.stdout.toString('utf8'), stderr: seen.stderr.toString('utf8') }, maxBytes, options.redactor);
      const key = `${partial.stdout.length}:${partial.stderr.length}:${partial.stdout}${partial.stderr}`;
      if (key === last) continue;
      last = key;
      try {
        await request.onOutput!({ stdout: partial.stdout, stderr: partial.stderr });
      } catch {
        // Live output is a courtesy: the run goes on and its result carries the whole output.
      }
    }
  }

  async function withConnection<T>(work: (connection: Connection) => Promise<T>): Promise<T> {
    const connection = await connect();
    try {
      return await work(connection);
    } finally {
      connection.client.end();
      clients.delete(connection.client);
    }
  }

  return {
    async verify(): Promise<VerifyResult> {
      return withConnection(async (connection) => {
        const outcome = await exec(connection, 'id -un', null, 20_000, 4096);
        const user = outcome.stdout.toString('utf8').trim();
        if (outcome.code !== 0 || !user) throw new ExecutorError('unavailable', `id -un on ${where} failed: ${outcome.lost ?? outcome.stderr.toString('utf8').slice(0, 200)}`);
        const host = `${config.host}${config.port === 22 ? '' : `:${config.port}`}`;
        return { identity: `${user}@${host} ${connection.fingerprint}`, details: { user, host: config.host, port: String(config.port), hostKeyFingerprint: connection.fingerprint } };
      });
    },

    async run(request: ExecutionRequest): Promise<ExecutionResult> {
      if (!isValidIdempotencyKey(request.idempotencyKey)) throw new ExecutorError('invalid', `idempotency key ${JSON.stringify(request.idempotencyKey)} must match [A-Za-z0-9._-]`);
      const timeoutSeconds = Math.max(1, Math.ceil(request.timeoutSeconds));
      const maxBytes = Math.max(0, Math.floor(request.maxOutputBytes));
      const command = Buffer.from(request.command, 'utf8');
      const remote = ['sh', '-c', RUN_WRAPPER, 'incident-insights-run', request.idempotencyKey, String(timeoutSeconds), String(maxBytes), options.runDirectory ?? '', String(command.length)]
        .map(shellQuote)
        .join(' ');
      const started = Date.now();
      return withConnection(async (connection) => {
        const running = exec(connection, remote, command, (timeoutSeconds + 30) * 1000, maxBytes + 256);
        const watching = request.onOutput ? watchOutput(connection, request, maxBytes, running) : undefined;
        const outcome = await running;
        await watching;
        const durationMs = Date.now() - started;
        const text = outcome.stdout.toString('utf8');
        const newline = text.indexOf('\n');
        const header = /^II-RUN ([01]) (-?\d+|timeout|running) ([01])$/.exec(newline >= 0 ? text.slice(0, newline) : '');
        if (!header) {
          const said = outcome.lost ?? (outcome.stderr.toString('utf8').trim() || `the run wrapper exited ${outcome.code} without a result`);
          const targetError = finishOutput({ stdout: '', stderr: said }, 4096, options.redactor).stderr;
          return { stdout: '', stderr: '', exitCode: null, truncated: false, alreadyRan: false, durationMs, targetError };
        }
        const [, ran, status, truncated] = header;
        const output = finishOutput({ stdout: text.slice(newline + 1), stderr: outcome.stderr.toString('utf8'), alreadyTruncated: truncated === '1' }, maxBytes, options.redactor);
        const result: ExecutionResult = { ...output, exitCode: /^-?\d+$/.test(status!) ? Number(status) : null, alreadyRan: ran === '1', durationMs };
        if (status === 'timeout') result.targetError = `the command was killed after ${timeoutSeconds} s`;
        if (status === 'running') result.targetError = `a run with key ${request.idempotencyKey} already started on ${where} and has not finished (or was interrupted); it was not run again`;
        if (outcome.lost) result.targetError = outcome.lost;
        return result;
      });
    },

    async close() {
      for (const client of clients) client.end();
      clients.clear();
    },
  };
}
