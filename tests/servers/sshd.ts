// The real OpenSSH server for tests: `/usr/sbin/sshd -D -e` on a free loopback port with a generated host key and a
// generated client key authorised (with `restrict`, as docs/automations.md tells hosts to) for the current user.
import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
export const SSHD = '/usr/sbin/sshd';

export interface TestSshd {
  host: string;
  port: number;
  username: string;
  /** The client key authorised for `username` (OpenSSH format, no passphrase). */
  privateKey: string;
  /** `SHA256:<base64>` of the host key, as `ssh-keygen -lf` prints it. */
  hostKeyFingerprint: string;
  /** A temporary directory for the test's own files (run directories, marker files). */
  dir: string;
  /** What sshd logged to stderr (connections, refused keys). */
  log(): string;
  stop(): Promise<void>;
}

export interface SshdOptions {
  /** Options in front of the authorised key; default `restrict`. */
  authorizedKeyOptions?: string;
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

export async function fingerprintOf(publicKeyFile: string): Promise<string> {
  const { stdout } = await run('ssh-keygen', ['-l', '-E', 'sha256', '-f', publicKeyFile]);
  const fingerprint = stdout.split(' ')[1];
  if (!fingerprint?.startsWith('SHA256:')) throw new Error(`ssh-keygen printed ${stdout}`);
  return fingerprint;
}

export async function generateKey(file: string): Promise<void> {
  await run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'incident-insights-test', '-f', file]);
}

export async function startSshd(options: SshdOptions = {}): Promise<TestSshd> {
  const dir = await mkdtemp(join(tmpdir(), 'ii-sshd-'));
  const hostKey = join(dir, 'host_ed25519');
  const clientKey = join(dir, 'client_ed25519');
  await Promise.all([generateKey(hostKey), generateKey(clientKey)]);
  const authorizedKeys = join(dir, 'authorized_keys');
  const prefix = options.authorizedKeyOptions ?? 'restrict';
  await writeFile(authorizedKeys, `${prefix ? `${prefix} ` : ''}${(await readFile(`${clientKey}.pub`, 'utf8')).trim()}\n`, { mode: 0o600 });
  const username = userInfo().username;
  // As root, sshd insists on its privilege separation directory (Debian's service unit creates it).
  if (process.getuid?.() === 0) {
    await stat('/run/sshd').catch(() => mkdir('/run/sshd', { recursive: true, mode: 0o755 }));
  }
  const port = await freePort();
  const config = join(dir, 'sshd_config');
  await writeFile(
    config,
    [
      `Port ${port}`,
      'ListenAddress 127.0.0.1',
      `HostKey ${hostKey}`,
      `PidFile ${join(dir, 'sshd.pid')}`,
      `AuthorizedKeysFile ${authorizedKeys}`,
      'AuthenticationMethods publickey',
      'PubkeyAuthentication yes',
      'PasswordAuthentication no',
      'KbdInteractiveAuthentication no',
      'PermitRootLogin prohibit-password',
      `AllowUsers ${username}`,
      'UsePAM no',
      // The temporary directory is not under the user's home, so the home-directory ownership checks do not apply.
      'StrictModes no',
      'PrintMotd no',
      'LogLevel VERBOSE',
      'MaxStartups 50:30:100',
      '',
    ].join('\n'),
  );

  let log = '';
  const child: ChildProcess = spawn(SSHD, ['-D', '-e', '-f', config], { stdio: ['ignore', 'ignore', 'pipe'] });
  child.stderr?.setEncoding('utf8');
  child.stderr?.on('data', (chunk: string) => (log += chunk));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  let stopped = false;

  const deadline = Date.now() + 15_000;
  while (!log.includes(`Server listening on 127.0.0.1 port ${port}`)) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`sshd exited (${child.exitCode ?? child.signalCode}): ${log}`);
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`sshd did not start listening within 15 s: ${log}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 25));
  }

  return {
    host: '127.0.0.1',
    port,
    username,
    privateKey: await readFile(clientKey, 'utf8'),
    hostKeyFingerprint: await fingerprintOf(`${hostKey}.pub`),
    dir,
    log: () => log,
    async stop() {
      if (stopped) return;
      stopped = true;
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        await exited;
      }
      await rm(dir, { recursive: true, force: true });
    },
  };
}
