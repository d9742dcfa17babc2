// The HTTP plumbing the vendor simulators share: loopback listener, request log, injected failures and latency.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RecordedRequest {
  method: string;
  path: string;
  /** Query parameters in order, repeated keys kept (`statuses[]` twice is two entries). */
  query: [string, string][];
  headers: Record<string, string | string[] | undefined>;
  status: number;
  /** Wall-clock time the request arrived (ms). */
  at: number;
  /** Response body, only with recordResponses (large backfills would keep every page otherwise). */
  body?: unknown;
}

/** A failure served instead of the real answer; `times` requests in a row, on paths matching `path` (default all). */
export interface InjectedFailure {
  status: number;
  times?: number;
  path?: string | RegExp;
  headers?: Record<string, string>;
  /** Defaults to the vendor's own error body for the status. */
  body?: unknown;
  /** Hold the answer this long first (to provoke client timeouts). */
  delayMs?: number;
}

export interface SimResponse {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
}

export interface SimRequest {
  method: string;
  url: URL;
  headers: IncomingMessage['headers'];
  body: string;
}

export interface SimServerOptions {
  host?: string;
  port?: number;
  recordResponses?: boolean;
  handle(request: SimRequest): SimResponse | Promise<SimResponse>;
  /** The vendor's error body for a status (401 text differs between PagerDuty and Opsgenie). */
  errorBody(status: number): unknown;
}

/** What tests and the demo steer a simulator with. */
export interface SimControls {
  url: string;
  requests: RecordedRequest[];
  /** Queue a failure; queued failures are served in order. */
  failNext(failure: InjectedFailure): void;
  clearFailures(): void;
  /** Added to every answer (ms). */
  setLatency(ms: number): void;
  close(): Promise<void>;
}

function pathMatches(pattern: string | RegExp | undefined, path: string): boolean {
  if (pattern === undefined) return true;
  return typeof pattern === 'string' ? path.startsWith(pattern) : pattern.test(path);
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export async function startSimServer(options: SimServerOptions): Promise<SimControls> {
  const failures: (InjectedFailure & { left: number })[] = [];
  const requests: RecordedRequest[] = [];
  let latencyMs = 0;

  async function respond(req: IncomingMessage, res: ServerResponse) {
    const url = new URL(req.url ?? '/', 'http://simulator');
    const body = await readBody(req);
    const failure = failures.find((f) => pathMatches(f.path, url.pathname));
    let answer: SimResponse;
    if (failure) {
      failure.left -= 1;
      if (failure.left <= 0) failures.splice(failures.indexOf(failure), 1);
      if (failure.delayMs) await sleep(failure.delayMs);
      answer = { status: failure.status, body: failure.body ?? options.errorBody(failure.status), headers: failure.headers };
    } else {
      try {
        answer = await options.handle({ method: req.method ?? 'GET', url, headers: req.headers, body });
      } catch (error) {
        answer = { status: 500, body: options.errorBody(500) };
        console.error('simulator handler failed', error);
      }
    }
    if (latencyMs) await sleep(latencyMs);
    const text = answer.body === undefined ? '' : JSON.stringify(answer.body);
    requests.push({
      method: req.method ?? 'GET',
      path: url.pathname,
      query: [...url.searchParams.entries()],
      headers: { ...req.headers },
      status: answer.status,
      at: Date.now(),
      // Recorded as sent (re-read from the JSON text), so checks see exactly the wire format.
      ...(options.recordResponses && text ? { body: JSON.parse(text) as unknown } : {}),
    });
    res.writeHead(answer.status, { 'Content-Type': 'application/json; charset=utf-8', ...answer.headers });
    res.end(text);
  }

  const server = createServer((req, res) => {
    respond(req, res).catch((error: unknown) => {
      console.error('simulator failed to answer', error);
      if (!res.headersSent) res.writeHead(500);
      res.end();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => resolve());
  });
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;

  return {
    url: `http://${host}:${address.port}`,
    requests,
    failNext(failure) {
      failures.push({ ...failure, left: failure.times ?? 1 });
    },
    clearFailures() {
      failures.length = 0;
    },
    setLatency(ms) {
      latencyMs = ms;
    },
    close() {
      return new Promise((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      });
    },
  };
}

/** POSTs a JSON body as a vendor would deliver a webhook; returns what the receiver answered. */
export async function postWebhook(url: string, body: string, headers: Record<string, string>): Promise<{ status: number; body: string }> {
  const res = await fetch(url, { method: 'POST', headers: { 'Content-Type': 'application/json', ...headers }, body });
  return { status: res.status, body: await res.text() };
}
