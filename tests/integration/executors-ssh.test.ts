// The SSH executor through `ssh2` against the real OpenSSH server: results, caps, redaction, idempotency on the host,
// quoting under attack, and a host key that is not the pinned one refused before anything is sent.
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createExecutor, ExecutorError, type CommandExecutor, type SshTargetConfig } from '../../activities/executors/index.ts';
import { generateKey, startSshd, type TestSshd } from '../servers/sshd.ts';
import { waitFor } from '../helpers.ts';

let sshd: TestSshd;
let runDirectory: string;
const open: CommandExecutor[] = [];

function executor(overrides: Partial<SshTargetConfig> = {}, privateKey = sshd.privateKey) {
  const e = createExecutor(
    { kind: 'ssh', host: sshd.host, port: sshd.port, username: sshd.username, hostKeyFingerprint: sshd.hostKeyFingerprint, ...overrides },
    { privateKey },
    { runDirectory },
  );
  open.push(e);
  return e;
}

const request = (command: string, idempotencyKey: string, extra: { maxOutputBytes?: number; timeoutSeconds?: number } = {}) => ({
  command,
  idempotencyKey,
  timeoutSeconds: extra.timeoutSeconds ?? 20,
  maxOutputBytes: extra.maxOutputBytes ?? 4096,
});

async function rejection(promise: Promise<unknown>): Promise<ExecutorError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ExecutorError);
  return error as ExecutorError;
}

beforeAll(async () => {
  sshd = await startSshd();
  runDirectory = join(sshd.dir, 'runs');
});

afterAll(async () => {
  await Promise.all(open.map((e) => e.close()));
  await sshd?.stop();
});

describe('SSH executor', () => {
  it('returns stdout, stderr and the exit code of a command', async () => {
    const result = await executor().run(request('echo out; echo err >&2', 'ssh-1.0'));
    expect(result).toMatchObject({ stdout: 'out\n', stderr: 'err\n', exitCode: 0, truncated: false, alreadyRan: false });
    expect(result.targetError).toBeUndefined();
  });

  it('reports a non-zero exit as a result, not an error', async () => {
    const result = await executor().run(request('echo broken >&2; exit 42', 'ssh-1.1'));
    expect(result).toMatchObject({ exitCode: 42, stderr: 'broken\n', alreadyRan: false });
    expect(result.targetError).toBeUndefined();
  });

  it('cuts output over the cap on a character boundary and says so', async () => {
    const result = await executor().run(request("printf 'ééééé'; printf 'x%.0s' $(seq 1 100) >&2", 'ssh-1.2', { maxOutputBytes: 5 }));
    expect(result.truncated).toBe(true);
    expect(result.stdout).toBe('éé');
    expect(result.stderr).toBe('xxxxx');
  });

  it('redacts secrets in the output', async () => {
    const result = await executor().run(request('echo "api_key=sk-live-0123456789abcdefghij"; echo "client_secret=hush-hush-hush" >&2', 'ssh-1.3'));
    expect(result.stdout).not.toContain('sk-live-0123456789abcdefghij');
    expect(result.stderr).not.toContain('hush-hush-hush');
    expect(result.stdout).toContain('[secret]');
  });

  it('hands over the output so far while the command runs, redacted, and the whole output at the end', async () => {
    const seen: { stdout: string; stderr: string; at: number }[] = [];
    const e = createExecutor(
      { kind: 'ssh', host: sshd.host, port: sshd.port, username: sshd.username, hostKeyFingerprint: sshd.hostKeyFingerprint },
      { privateKey: sshd.privateKey },
      { runDirectory, peekIntervalMs: 200 },
    );
    open.push(e);
    // The command waits for a file the test creates once the first line was seen live: the output cannot have come
    // from the final result.
    const gate = join(sshd.dir, `gate-${Date.now()}`);
    const running = e.run({
      ...request(`echo first-line; echo "api_key=sk-live-0123456789abcdefghij"; while [ ! -e ${gate} ]; do sleep 0.1; done; echo second-line`, 'ssh-live.0'),
      onOutput: (partial) => {
        seen.push({ ...partial, at: Date.now() });
      },
    });
    await waitFor('first line seen live', async () => (seen.some((p) => p.stdout.includes('first-line')) ? true : undefined), { timeoutMs: 15_000, intervalMs: 50 });
    expect(seen.every((p) => !p.stdout.includes('second-line'))).toBe(true);
    expect(seen.some((p) => p.stdout.includes('sk-live-0123456789abcdefghij'))).toBe(false);
    await writeFile(gate, '');
    const result = await running;
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toContain('first-line');
    expect(result.stdout).toContain('second-line');
    // A callback that throws never fails the run.
    const failing = await e.run({ ...request('echo fine; sleep 0.5', 'ssh-live.1'), onOutput: () => { throw new Error('the database is down'); } });
    expect(failing.stdout).toBe('fine\n');
  });

  it('runs a command once for the same idempotency key, returning the stored result the second time', async () => {
    const file = join(sshd.dir, 'appended');
    const command = `echo ran >> ${file}; cat ${file}; exit 3`;
    const first = await executor().run(request(command, 'ssh-2.0'));
    const second = await executor().run(request(command, 'ssh-2.0'));
    expect(first).toMatchObject({ stdout: 'ran\n', exitCode: 3, alreadyRan: false });
    expect(second).toMatchObject({ stdout: 'ran\n', exitCode: 3, alreadyRan: true });
    expect(await readFile(file, 'utf8')).toBe('ran\n');
  });

  it('runs once when two workers send the same key at the same time', async () => {
    const file = join(sshd.dir, 'raced');
    const command = `echo ran >> ${file}`;
    const results = await Promise.all([executor().run(request(command, 'ssh-2.1')), executor().run(request(command, 'ssh-2.1'))]);
    expect(results.filter((r) => !r.alreadyRan)).toHaveLength(1);
    expect(await readFile(file, 'utf8')).toBe('ran\n');
  });

  it('passes a command with quotes and substitutions to sh -c unchanged (the wrapper cannot be broken out of)', async () => {
    const marker = join(sshd.dir, 'pwned');
    // Were the command pasted into the wrapper between single quotes, the quote would close it and `touch` would run.
    const attack = `echo hi'; touch ${marker}; echo '"\\$(touch ${marker})" \`true\``;
    const result = await executor().run(request(attack, 'ssh-3.0'));
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toBe(`hi; touch ${marker}; echo $(touch ${marker})\n`);
    expect(existsSync(marker)).toBe(false);
  });

  it('refuses an idempotency key that would escape the run directory or inject a command, before connecting', async () => {
    const marker = join(sshd.dir, 'key-injected');
    for (const key of ['../../tmp/x', `x; touch ${marker}`, "a'b", '$(id)', '', '..']) {
      expect((await rejection(executor().run(request('true', key)))).kind).toBe('invalid');
    }
    expect(existsSync(marker)).toBe(false);
  });

  it('does not run a key again whose first run never finished (a host reboot mid-command), and says so', async () => {
    const marker = join(sshd.dir, 'second-attempt');
    await mkdir(join(runDirectory, 'ssh-4.1'), { recursive: true });
    const result = await executor().run(request(`touch ${marker}`, 'ssh-4.1'));
    expect(result).toMatchObject({ alreadyRan: true, exitCode: null });
    expect(result.targetError).toContain('has not finished');
    expect(existsSync(marker)).toBe(false);
  });

  it('kills a command that runs past its timeout and reports no exit code', async () => {
    const pidFile = join(sshd.dir, 'background.pid');
    // The child a command starts (sleep) is killed with it, not left running on the host.
    const result = await executor().run(request(`echo started; sleep 30 & echo $! > ${pidFile}; wait`, 'ssh-4.0', { timeoutSeconds: 1 }));
    expect(result.exitCode).toBeNull();
    expect(result.stdout).toBe('started\n');
    expect(result.targetError).toContain('killed after 1 s');
    const child = Number(await readFile(pidFile, 'utf8'));
    const alive = () => {
      try {
        process.kill(child, 0);
        return true;
      } catch {
        return false;
      }
    };
    const deadline = Date.now() + 5_000;
    while (alive() && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
    expect(alive()).toBe(false);
  });

  it('refuses a host whose key is not the pinned one before any command runs', async () => {
    const marker = join(sshd.dir, 'ran-on-wrong-host');
    const wrong = 'SHA256:' + 'A'.repeat(43);
    const logins = () => sshd.log().split('Accepted publickey').length;
    const before = logins();
    expect(before).toBeGreaterThan(1); // earlier tests logged in, so sshd does log accepted keys
    const error = await rejection(executor({ hostKeyFingerprint: wrong }).run(request(`touch ${marker}`, 'ssh-5.0')));
    expect(error.kind).toBe('host_key_mismatch');
    expect(error.message).toContain(sshd.hostKeyFingerprint);
    expect(existsSync(marker)).toBe(false);
    expect(existsSync(join(runDirectory, 'ssh-5.0'))).toBe(false);
    expect((await rejection(executor({ hostKeyFingerprint: wrong }).verify())).kind).toBe('host_key_mismatch');
    // The handshake ended before authentication: the host never saw our key.
    expect(logins()).toBe(before);
  });

  it('maps a key the host does not authorise to auth', async () => {
    const other = join(sshd.dir, 'unauthorised_key');
    await generateKey(other);
    const error = await rejection(executor({}, await readFile(other, 'utf8')).run(request('true', 'ssh-6.0')));
    expect(error.kind).toBe('auth');
  });

  it('maps a closed port to unavailable', async () => {
    expect((await rejection(executor({ port: 1 }).verify())).kind).toBe('unavailable');
  });

  it('verifies with id -un only: the user and the pinned fingerprint, and no run directory is created', async () => {
    const entries = existsSync(runDirectory) ? await readdir(runDirectory) : [];
    const result = await executor().verify();
    expect(result.identity).toBe(`${sshd.username}@${sshd.host}:${sshd.port} ${sshd.hostKeyFingerprint}`);
    expect(result.details.user).toBe(sshd.username);
    const after = existsSync(runDirectory) ? await readdir(runDirectory) : [];
    expect(after).toEqual(entries);
  });
});
