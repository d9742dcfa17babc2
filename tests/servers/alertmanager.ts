// A real Prometheus Alertmanager (Debian's `prometheus-alertmanager`) on loopback, started by the test: a temporary
// config whose one route sends every group to a webhook receiver (bearer token, send_resolved, 1 s group_wait and
// group_interval), its own storage folder, clustering off. Alerts go in through its API v2 as Prometheus posts them.
// The receiver also posts each notification to a recorder here, so a test can read what Alertmanager sent and when.
import { once } from 'node:events';
import { accessSync, constants, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { delimiter, join, resolve } from 'node:path';
import { spawnChild, stopChild, waitFor, type Child } from '../../devkit/processes.ts';
import { freePort } from '../../devkit/ports.ts';

/** Where Debian installs it; ALERTMANAGER_PATH or the PATH (`prometheus-alertmanager`, `alertmanager`) come first. */
const WELL_KNOWN_PATHS = ['/usr/bin/prometheus-alertmanager', '/usr/local/bin/alertmanager'];
const LOG_FILE = resolve('test-results', 'alertmanager.log');

export interface AlertmanagerOptions {
  /** Where the receiver posts (the integration's webhook address). */
  webhookUrl: string;
  /** Sent as `Authorization: Bearer <secret>` (the receiver's http_config.authorization.credentials). */
  bearer: string;
  /** Labels that make one notification group; default: alertname. */
  groupBy?: string[];
}

/** An alert as posted to `POST /api/v2/alerts` (Prometheus' shape). */
export interface PostableAlert {
  labels: Record<string, string>;
  annotations?: Record<string, string>;
  startsAt?: string;
  endsAt?: string;
  generatorURL?: string;
}

/** One webhook notification (payload version 4) as Alertmanager sent it. */
export interface RecordedNotification {
  receivedAt: Date;
  headers: IncomingHttpHeaders;
  /** The exact bytes, to send again as a redelivery. */
  body: string;
  payload: {
    version: string;
    groupKey: string;
    status: 'firing' | 'resolved';
    receiver: string;
    alerts: { status: 'firing' | 'resolved'; labels: Record<string, string>; annotations: Record<string, string>; startsAt: string; endsAt: string; fingerprint: string }[];
  };
}

export interface TestAlertmanager {
  /** http://127.0.0.1:port */
  url: string;
  /** Every notification the receiver sent, in order (a copy of each one sent to `webhookUrl`). */
  notifications: RecordedNotification[];
  /** Posts alerts as Prometheus does (firing: no endsAt or one in the future; resolved: endsAt now or past). */
  postAlerts(alerts: PostableAlert[]): Promise<void>;
  /** Posts a firing alert and answers its fingerprint, as Alertmanager computed it. */
  fire(alert: PostableAlert): Promise<string>;
  /** Posts the same alert again, ended at `endsAt` (default: now). */
  resolve(alert: PostableAlert, endsAt?: Date): Promise<void>;
  /** Why it stopped, while it should be running (for `waitFor`'s abortIf). */
  died(): string | undefined;
  stop(): Promise<void>;
}

/** The binary: ALERTMANAGER_PATH, else the PATH, else Debian's path; a clear error when there is none. */
export function alertmanagerBinary(env: Record<string, string | undefined> = process.env): string {
  const executable = (path: string) => {
    try {
      accessSync(path, constants.X_OK);
      return statSync(path).isFile();
    } catch {
      return false;
    }
  };
  if (env['ALERTMANAGER_PATH']) {
    if (!executable(env['ALERTMANAGER_PATH'])) throw new Error(`ALERTMANAGER_PATH=${env['ALERTMANAGER_PATH']} is not an executable file`);
    return env['ALERTMANAGER_PATH'];
  }
  const onPath = (env['PATH'] ?? '').split(delimiter).filter(Boolean).flatMap((dir) => ['prometheus-alertmanager', 'alertmanager'].map((name) => join(dir, name)));
  const found = [...onPath, ...WELL_KNOWN_PATHS].find(executable);
  if (!found) {
    throw new Error(
      'Prometheus Alertmanager is not installed: the Alertmanager tests run the real one. Install Debian’s package ' +
        '(`apt-get install prometheus-alertmanager`, as .ci/run does) or set ALERTMANAGER_PATH to an alertmanager binary.',
    );
  }
  return found;
}

/** Listens for the receiver's copies of each notification. */
async function startRecorder(notifications: RecordedNotification[]): Promise<{ url: string; server: Server }> {
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      try {
        notifications.push({ receivedAt: new Date(), headers: request.headers, body, payload: JSON.parse(body) });
        response.writeHead(200).end();
      } catch {
        response.writeHead(400).end();
      }
    });
  });
  await new Promise<void>((ready, fail) => {
    server.once('error', fail);
    server.listen(0, '127.0.0.1', () => ready());
  });
  return { url: `http://127.0.0.1:${(server.address() as { port: number }).port}/notifications`, server };
}

function configYaml(options: AlertmanagerOptions, recorderUrl: string): string {
  const receiver = (url: string) => ({ url, send_resolved: true, max_alerts: 0, http_config: { authorization: { type: 'Bearer', credentials: options.bearer } } });
  const config = {
    global: { resolve_timeout: '5m' },
    route: {
      receiver: 'insights',
      group_by: options.groupBy ?? ['alertname'],
      // Fast for a test; production would use 30s / 5m / 4h.
      group_wait: '1s',
      group_interval: '1s',
      repeat_interval: '1h',
    },
    receivers: [{ name: 'insights', webhook_configs: [receiver(options.webhookUrl), receiver(recorderUrl)] }],
  };
  // JSON is YAML (flow style): no serializer needed, and every string is quoted.
  return `# Written by tests/servers/alertmanager.ts\n${JSON.stringify(config, null, 2)}\n`;
}

class PortTakenError extends Error {}

export async function startAlertmanager(options: AlertmanagerOptions): Promise<TestAlertmanager> {
  const binary = alertmanagerBinary();
  const notifications: RecordedNotification[] = [];
  const recorder = await startRecorder(notifications);
  const dir = mkdtempSync(join(tmpdir(), 'insights-alertmanager-'));
  const configFile = join(dir, 'alertmanager.yml');
  writeFileSync(configFile, configYaml(options, recorder.url), { mode: 0o600 });
  const cleanUp = async () => {
    await new Promise<void>((done) => recorder.server.close(() => done()));
    rmSync(dir, { recursive: true, force: true });
  };

  let child: Child | undefined;
  let url = '';
  try {
    // The free port may be taken by a parallel test file before Alertmanager binds it: then again on another.
    for (let attempt = 1; ; attempt++) {
      try {
        ({ child, url } = await startOnce(binary, configFile, join(dir, `data-${attempt}`), recorder.url));
        break;
      } catch (err) {
        if (attempt < 5 && err instanceof PortTakenError) continue;
        throw err;
      }
    }
  } catch (err) {
    await cleanUp();
    throw err;
  }
  const running = child;
  let stopping = false;

  const postAlerts = async (alerts: PostableAlert[]) => {
    const res = await fetch(`${url}/api/v2/alerts`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(alerts) });
    if (res.status !== 200) throw new Error(`Alertmanager refused the alerts: ${res.status} ${await res.text()}`);
  };

  return {
    url,
    notifications,
    postAlerts,
    async fire(alert) {
      await postAlerts([alert]);
      // The fingerprint is Alertmanager's hash of the label set: ask it rather than re-implement it.
      const filter = Object.entries(alert.labels).map(([k, v]) => `filter=${encodeURIComponent(`${k}=${JSON.stringify(v)}`)}`).join('&');
      const res = await fetch(`${url}/api/v2/alerts?${filter}`);
      if (!res.ok) throw new Error(`GET /api/v2/alerts: ${res.status} ${await res.text()}`);
      const found = ((await res.json()) as { fingerprint: string; labels: Record<string, string> }[]).filter(
        (a) => Object.keys(a.labels).length === Object.keys(alert.labels).length,
      );
      if (found.length !== 1) throw new Error(`expected one alert with labels ${JSON.stringify(alert.labels)}, Alertmanager has ${found.length}`);
      return found[0]!.fingerprint;
    },
    resolve: (alert, endsAt = new Date()) => postAlerts([{ ...alert, endsAt: endsAt.toISOString() }]),
    died: () => (!stopping && running.hasExited() ? `Alertmanager exited (see ${LOG_FILE})` : undefined),
    async stop() {
      stopping = true;
      await stopChild(running, 5_000);
      await cleanUp();
    },
  };
}

/** `marker` is a string of the config: what answers on the port must be this instance, not whoever took it first. */
async function startOnce(binary: string, configFile: string, storage: string, marker: string): Promise<{ child: Child; url: string }> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  mkdirSync(storage, { recursive: true });
  const child = spawnChild({
    name: `alertmanager-${port}`,
    command: binary,
    args: [
      `--config.file=${configFile}`,
      `--storage.path=${storage}`,
      `--web.listen-address=127.0.0.1:${port}`,
      `--web.external-url=${url}`,
      '--cluster.listen-address=', // no gossip port: one instance, nothing else to bind
      '--log.level=debug',
    ],
    logFile: LOG_FILE,
  });
  // Its own words, kept here too: a start-up failure names its cause (the port taken, a config error).
  let output = '';
  child.process.stderr?.on('data', (chunk: Buffer) => {
    if (output.length < 100_000) output += chunk.toString('utf8');
  });
  try {
    const ours = await waitFor(
      'Alertmanager ready',
      async () => {
        if (!(await fetch(`${url}/-/ready`)).ok) return undefined;
        const status = (await (await fetch(`${url}/api/v2/status`)).json()) as { config?: { original?: string } };
        return Boolean(status.config?.original?.includes(marker));
      },
      { timeoutMs: 30_000, intervalMs: 100, abortIf: () => (child.hasExited() ? 'exited' : undefined) },
    );
    if (!ours || child.hasExited()) throw new PortTakenError(`another server answers on port ${port}`);
    return { child, url };
  } catch (err) {
    await stopChild(child, 2_000);
    if (err instanceof PortTakenError) throw err;
    // Whatever it wrote before exiting, read to the end (the exit event can come first).
    const stderr = child.process.stderr;
    if (stderr && !stderr.readableEnded) await Promise.race([once(stderr, 'end'), new Promise((r) => setTimeout(r, 1_000))]);
    if (/address already in use/.test(output)) throw new PortTakenError(`port ${port} was taken`);
    throw new Error(`${(err as Error).message}\n${binary} said:\n${output.trim().split('\n').slice(-15).join('\n')}`);
  }
}
