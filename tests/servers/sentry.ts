// A local Sentry ingestion endpoint: takes envelopes on /api/<project>/envelope/ as the real @sentry/node transport
// posts them (via the DSN `http://<key>@127.0.0.1:<port>/<project>`), and keeps the events they carry.
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';

export interface ReceivedEnvelope {
  project: string;
  /** The public key the client authenticated with (X-Sentry-Auth or the DSN in the envelope header). */
  publicKey: string | undefined;
  header: Record<string, unknown>;
  items: Array<{ header: { type: string } & Record<string, unknown>; payload: unknown }>;
  /** The body as received (decompressed), to search for what must not be there. */
  raw: string;
}

export interface TestSentryServer {
  dsn: string;
  envelopes: ReceivedEnvelope[];
  /** Every error event received (items of type `event`). */
  events(): Array<Record<string, unknown>>;
  stop(): Promise<void>;
}

async function bodyOf(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const raw = Buffer.concat(chunks);
  return req.headers['content-encoding'] === 'gzip' ? gunzipSync(raw) : raw;
}

/** An envelope: a JSON header line, then per item a JSON header line and a payload (`length` bytes, or one line). */
function parseEnvelope(body: Buffer): Pick<ReceivedEnvelope, 'header' | 'items'> {
  let offset = 0;
  const line = (): string => {
    const end = body.indexOf(0x0a, offset);
    const text = body.subarray(offset, end === -1 ? body.length : end).toString('utf8');
    offset = end === -1 ? body.length : end + 1;
    return text;
  };
  const header = JSON.parse(line()) as Record<string, unknown>;
  const items: ReceivedEnvelope['items'] = [];
  while (offset < body.length) {
    const itemHeaderText = line();
    if (!itemHeaderText.trim()) continue;
    const itemHeader = JSON.parse(itemHeaderText) as { type: string; length?: number };
    let payloadText: string;
    if (typeof itemHeader.length === 'number') {
      payloadText = body.subarray(offset, offset + itemHeader.length).toString('utf8');
      offset += itemHeader.length;
      if (body[offset] === 0x0a) offset += 1;
    } else {
      payloadText = line();
    }
    let payload: unknown = payloadText;
    try {
      payload = JSON.parse(payloadText);
    } catch {
      // Attachments are not JSON: kept as text.
    }
    items.push({ header: itemHeader, payload });
  }
  return { header, items };
}

export async function startSentryServer(): Promise<TestSentryServer> {
  const envelopes: ReceivedEnvelope[] = [];
  const server = createServer((req, res) => {
    const match = /^\/api\/([^/]+)\/envelope\/?(?:\?.*)?$/.exec(req.url ?? '');
    if (req.method !== 'POST' || !match) {
      res.writeHead(404).end();
      return;
    }
    const auth = String(req.headers['x-sentry-auth'] ?? '');
    const keyFromAuth = /sentry_key=([^,\s]+)/.exec(auth)?.[1] ?? new URL(req.url!, 'http://x').searchParams.get('sentry_key') ?? undefined;
    bodyOf(req).then(
      (body) => {
        const parsed = parseEnvelope(body);
        const dsn = typeof parsed.header.dsn === 'string' ? parsed.header.dsn : undefined;
        envelopes.push({ project: match[1]!, publicKey: keyFromAuth ?? (dsn ? new URL(dsn).username : undefined), ...parsed, raw: body.toString('utf8') });
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ id: parsed.header.event_id ?? null }));
      },
      (err: Error) => res.writeHead(400, { 'content-type': 'application/json' }).end(JSON.stringify({ detail: err.message })),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    dsn: `http://testpublickey@127.0.0.1:${port}/42`,
    envelopes,
    events: () => envelopes.flatMap((e) => e.items.filter((i) => i.header.type === 'event').map((i) => i.payload as Record<string, unknown>)),
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
