// The webhook benchmark's client, in a worker thread (its own event loop, so the API's loop on the main thread
// never delays the client's clock): POSTs prepared deliveries with a fixed number in flight over keep-alive
// connections, and times each one. node:http with a keep-alive agent rather than fetch: on two cores the client
// shares the CPU with the API and PostgreSQL, and fetch's streams cost it several times more per request.
import { Agent, request as httpRequest } from 'node:http';
import { parentPort, workerData } from 'node:worker_threads';

export interface LoadRequest {
  body: string;
  headers: Record<string, string>;
}

export interface LoadInput {
  url: string;
  requests: LoadRequest[];
  concurrency: number;
}

export interface LoadOutput {
  seconds: number;
  /** Per request, in order: milliseconds from send to the whole answer read. */
  latenciesMs: Float64Array;
  /** HTTP status per request (0: no answer). */
  statuses: Uint16Array;
  /** The answer's `stored` per request (202s only). */
  stored: Uint32Array;
  errors: string[];
}

export async function drive({ url, requests, concurrency }: LoadInput): Promise<LoadOutput> {
  const latenciesMs = new Float64Array(requests.length);
  const statuses = new Uint16Array(requests.length);
  const stored = new Uint32Array(requests.length);
  const errors: string[] = [];
  let next = 0;
  const agent = new Agent({ keepAlive: true, maxSockets: concurrency });
  const target = new URL(url);
  const post = (request: LoadRequest) =>
    new Promise<{ status: number; text: string }>((resolve, reject) => {
      const req = httpRequest(
        { agent, method: 'POST', host: target.hostname, port: target.port, path: target.pathname, headers: { ...request.headers, 'Content-Length': Buffer.byteLength(request.body) } },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
          res.on('error', reject);
        },
      );
      req.on('error', reject);
      req.end(request.body);
    });
  const lane = async () => {
    while (next < requests.length) {
      const i = next++;
      const request = requests[i]!;
      const sent = performance.now();
      try {
        const { status, text } = await post(request);
        statuses[i] = status;
        if (status === 202) stored[i] = (JSON.parse(text) as { stored: number }).stored;
        else if (errors.length < 5) errors.push(`${status} ${text.slice(0, 200)}`);
      } catch (err) {
        if (errors.length < 5) errors.push(String(err));
      }
      latenciesMs[i] = performance.now() - sent;
    }
  };
  const started = performance.now();
  await Promise.all(Array.from({ length: concurrency }, lane));
  agent.destroy();
  return { seconds: (performance.now() - started) / 1000, latenciesMs, statuses, stored, errors };
}

if (parentPort && workerData) {
  const output = await drive(workerData as LoadInput);
  parentPort.postMessage(output);
}
