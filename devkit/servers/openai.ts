// A local server speaking OpenAI's HTTP API (chat completions, embeddings) for tests and the demo: the real `openai`
// SDK points its baseURL here, replies are scripted by the test, and every request is kept so a test can assert what
// the model received (and that no secret did).
import { createHash } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type ServerResponse } from 'node:http';

/** One request as it arrived, body parsed when it was JSON. */
export interface RecordedOpenAIRequest {
  method: string;
  /** Path without the query string, e.g. `/v1/chat/completions`. */
  path: string;
  headers: IncomingHttpHeaders;
  body: unknown;
  receivedAt: Date;
  /** The client went away before the reply was sent (a timeout or a cancellation on its side). */
  aborted: boolean;
}

/** The fields of a chat completion request the server reads. */
export interface ChatRequest {
  model: string;
  messages: { role: string; content: string | { type: string; text?: string }[] | null }[];
  stream?: boolean;
  stream_options?: { include_usage?: boolean };
  response_format?: { type: 'text' } | { type: 'json_object' } | { type: 'json_schema'; json_schema: { name: string; schema?: JsonSchema; strict?: boolean } };
  [key: string]: unknown;
}

/** An HTTP answer instead of a completion: an error status, a body (JSON unless a string), extra headers. */
export interface HttpReply {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

/**
 * What a chat handler answers: a string is the message content verbatim (so a malformed JSON reply is just a string),
 * an object with a numeric `status` is an {@link HttpReply}, any other object is serialised as the content.
 */
export type ChatReply = string | HttpReply | Record<string, unknown> | unknown[];
export type ChatHandler = (request: ChatRequest) => ChatReply | Promise<ChatReply>;

export interface OpenAIServerOptions {
  /** The key clients must send (`Authorization: Bearer <key>`, or Azure's `api-key` header). Default `test-openai-key`. */
  apiKey?: string;
  /** Default: a minimal instance of the requested JSON schema, or an echo of the last user message. */
  chat?: ChatHandler;
  /**
   * Words a semantic model would read alike, for the embeddings endpoint: each group's words embed as its first
   * (`[['stuck', 'hanging', 'wedged']]`), so texts differing only in them get the same vector. Default: none.
   */
  synonyms?: string[][];
}

export interface TestOpenAIServer {
  /** The SDK's baseURL: `http://127.0.0.1:<port>/v1`. */
  url: string;
  apiKey: string;
  /** Every request, in arrival order. */
  requests: RecordedOpenAIRequest[];
  /** Only the chat completion requests' bodies: what the model was asked. */
  chatRequests(): ChatRequest[];
  /** Replaces the chat handler (used once the queued replies are spent). */
  setChatHandler(handler: ChatHandler): void;
  /** Replies used first, one per chat completion request, in order: `queueChat('{not json', validReply)`. */
  queueChat(...replies: ChatReply[]): void;
  /** The next request to `path` (default: any) gets this answer instead, e.g. a 429 with `retry-after`. */
  failNext(reply: HttpReply & { path?: string }): void;
  /** Waits this long before answering every request (0 to stop): for timeout and cancellation tests. */
  setLatency(ms: number): void;
  close(): Promise<void>;
}

type JsonSchema = {
  type?: string | string[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  items?: JsonSchema;
  minItems?: number;
  minLength?: number;
  minimum?: number;
  enum?: unknown[];
  const?: unknown;
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  allOf?: JsonSchema[];
  $ref?: string;
  $defs?: Record<string, JsonSchema>;
  definitions?: Record<string, JsonSchema>;
};

/**
 * The smallest value valid against the schema (the subset structured outputs use): every listed property, `minItems`
 * items, the first enum value. Enough for a default reply the SDK and a validator accept.
 */
export function minimalInstance(schema: JsonSchema, root: JsonSchema = schema): unknown {
  if (schema.$ref) {
    const name = schema.$ref.replace(/^#\/(\$defs|definitions)\//, '');
    const target = root.$defs?.[name] ?? root.definitions?.[name];
    if (!target) throw new Error(`unresolvable $ref ${schema.$ref}`);
    return minimalInstance(target, root);
  }
  if (schema.const !== undefined) return schema.const;
  if (schema.enum) return schema.enum[0];
  const first = schema.anyOf?.[0] ?? schema.oneOf?.[0];
  if (first) return minimalInstance(first, root);
  if (schema.allOf) return Object.assign({}, ...schema.allOf.map((s) => minimalInstance(s, root)));
  const type = Array.isArray(schema.type) ? schema.type.find((t) => t !== 'null') ?? 'null' : schema.type;
  switch (type) {
    case 'object':
      return Object.fromEntries(Object.entries(schema.properties ?? {}).map(([key, value]) => [key, minimalInstance(value, root)]));
    case 'array':
      return Array.from({ length: schema.minItems ?? 0 }, () => minimalInstance(schema.items ?? {}, root));
    case 'string':
      return 'x'.repeat(schema.minLength ?? 0);
    case 'integer':
    case 'number':
      return schema.minimum ?? 0;
    case 'boolean':
      return false;
    default:
      return null;
  }
}

/** The text of a message's content, whether a string or content parts. */
function textOf(content: ChatRequest['messages'][number]['content']): string {
  if (typeof content === 'string') return content;
  return (content ?? []).map((part) => part.text ?? '').join('');
}

/** The reply when the test scripts none: a minimal instance of the requested JSON schema, else an echo. */
export const defaultChatHandler: ChatHandler = (request) => {
  const format = request.response_format;
  if (format?.type === 'json_schema') return minimalInstance(format.json_schema.schema ?? {}) as Record<string, unknown>;
  if (format?.type === 'json_object') return {};
  const lastUser = [...request.messages].reverse().find((m) => m.role === 'user');
  return `echo: ${textOf(lastUser?.content ?? '')}`;
};

const DEFAULT_DIMENSIONS: Record<string, number> = { 'text-embedding-3-large': 3072 };

/**
 * A deterministic, L2-normalised bag-of-words embedding: each lower-cased word adds ±1 at a position its hash picks,
 * so texts sharing words have a higher cosine. Not semantic; stable across runs and machines.
 */
export function hashEmbedding(text: string, dimensions: number, synonyms: ReadonlyMap<string, string> = new Map()): number[] {
  const vector = new Array<number>(dimensions).fill(0);
  const words = (text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? ['']).map((w) => synonyms.get(w) ?? w);
  for (const word of words) {
    const digest = createHash('sha256').update(word).digest();
    vector[digest.readUInt32LE(0) % dimensions]! += digest[4]! & 1 ? 1 : -1;
  }
  const norm = Math.hypot(...vector);
  // Words whose ±1 cancel out leave a zero vector, which has no cosine: fall back to one fixed axis.
  if (norm === 0) return vector.map((_, i) => (i === 0 ? 1 : 0));
  return vector.map((v) => v / norm);
}

const approximateTokens = (text: string) => Math.max(1, Math.ceil(text.length / 4));

/** OpenAI's error body. */
export function openAIError(status: number, message: string, type: string, code: string | null = null): HttpReply {
  return { status, body: { error: { message, type, param: null, code } } };
}

const isHttpReply = (reply: unknown): reply is HttpReply =>
  typeof reply === 'object' && reply !== null && !Array.isArray(reply) && typeof (reply as { status?: unknown }).status === 'number';

let requestIds = 0;

function send(response: ServerResponse, reply: HttpReply): void {
  const body = reply.body === undefined ? '' : typeof reply.body === 'string' ? reply.body : JSON.stringify(reply.body);
  response.writeHead(reply.status, {
    'content-type': typeof reply.body === 'string' ? 'text/plain' : 'application/json',
    'x-request-id': `req_local_${++requestIds}`,
    ...reply.headers,
  });
  response.end(body);
}

export async function startOpenAIServer(options: OpenAIServerOptions = {}): Promise<TestOpenAIServer> {
  const apiKey = options.apiKey ?? 'test-openai-key';
  const synonyms = new Map((options.synonyms ?? []).flatMap((group) => group.map((word) => [word.toLowerCase(), group[0]!.toLowerCase()] as [string, string])));
  const requests: RecordedOpenAIRequest[] = [];
  let chat = options.chat ?? defaultChatHandler;
  const queuedChat: ChatReply[] = [];
  const failures: (HttpReply & { path?: string })[] = [];
  let latencyMs = 0;
  let sequence = 0;

  const completion = async (request: ChatRequest, response: ServerResponse): Promise<void> => {
    const reply = queuedChat.length > 0 ? queuedChat.shift()! : await chat(request);
    if (isHttpReply(reply)) return send(response, reply);
    const content = typeof reply === 'string' ? reply : JSON.stringify(reply);
    const id = `chatcmpl-${++sequence}`;
    const created = Math.floor(Date.now() / 1000);
    const promptTokens = approximateTokens(request.messages.map((m) => textOf(m.content)).join('\n'));
    const usage = { prompt_tokens: promptTokens, completion_tokens: approximateTokens(content), total_tokens: promptTokens + approximateTokens(content) };
    if (!request.stream) {
      return send(response, {
        status: 200,
        body: {
          id,
          object: 'chat.completion',
          created,
          model: request.model,
          choices: [{ index: 0, message: { role: 'assistant', content, refusal: null }, logprobs: null, finish_reason: 'stop' }],
          usage,
          system_fingerprint: 'fp_local',
        },
      });
    }
    // Server-sent events as OpenAI streams them: a role chunk, content pieces, a finish chunk, usage when asked, [DONE].
    response.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
    const chunk = (choices: unknown[], extra: Record<string, unknown> = {}) =>
      response.write(`data: ${JSON.stringify({ id, object: 'chat.completion.chunk', created, model: request.model, system_fingerprint: 'fp_local', choices, ...extra })}\n\n`);
    chunk([{ index: 0, delta: { role: 'assistant', content: '', refusal: null }, logprobs: null, finish_reason: null }]);
    for (let i = 0; i < content.length; i += 16) chunk([{ index: 0, delta: { content: content.slice(i, i + 16) }, logprobs: null, finish_reason: null }]);
    chunk([{ index: 0, delta: {}, logprobs: null, finish_reason: 'stop' }]);
    if (request.stream_options?.include_usage) chunk([], { usage });
    response.end('data: [DONE]\n\n');
  };

  const embeddings = (body: { model?: string; input?: unknown; dimensions?: number; encoding_format?: 'float' | 'base64' }): HttpReply => {
    const model = body.model ?? 'text-embedding-3-small';
    const dimensions = body.dimensions ?? DEFAULT_DIMENSIONS[model] ?? 1536;
    // Token arrays (number[] or number[][]) are embedded as their decimal text: deterministic, which is all that matters.
    const raw = body.input;
    const inputs: string[] = typeof raw === 'string' ? [raw] : Array.isArray(raw) ? (typeof raw[0] === 'number' ? [raw.join(' ')] : raw.map((x) => (Array.isArray(x) ? x.join(' ') : String(x)))) : [];
    if (inputs.length === 0) return openAIError(400, "'input' must be a non-empty string or array", 'invalid_request_error');
    const data = inputs.map((text, index) => {
      const vector = hashEmbedding(text, dimensions, synonyms);
      const embedding = body.encoding_format === 'base64' ? Buffer.from(new Float32Array(vector).buffer).toString('base64') : vector;
      return { object: 'embedding', index, embedding };
    });
    const tokens = inputs.reduce((sum, text) => sum + approximateTokens(text), 0);
    return { status: 200, body: { object: 'list', data, model, usage: { prompt_tokens: tokens, total_tokens: tokens } } };
  };

  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const path = (request.url ?? '/').split('?')[0]!;
      const text = Buffer.concat(chunks).toString('utf8');
      let body: unknown = text;
      try {
        body = text ? JSON.parse(text) : undefined;
      } catch {
        // kept as text; answered 400 below
      }
      const recorded: RecordedOpenAIRequest = { method: request.method ?? 'GET', path, headers: request.headers, body, receivedAt: new Date(), aborted: false };
      requests.push(recorded);
      response.on('close', () => {
        if (!response.writableFinished) recorded.aborted = true;
      });
      void (async () => {
        if (latencyMs > 0) await new Promise((r) => setTimeout(r, latencyMs));
        if (response.destroyed) return;
        const bearer = /^Bearer (.+)$/.exec(request.headers.authorization ?? '')?.[1] ?? request.headers['api-key'];
        if (bearer !== apiKey) {
          const shown = typeof bearer === 'string' && bearer.length > 8 ? `${bearer.slice(0, 3)}***${bearer.slice(-4)}` : '***';
          return send(response, openAIError(401, `Incorrect API key provided: ${shown}.`, 'invalid_request_error', 'invalid_api_key'));
        }
        const failure = failures.findIndex((f) => f.path === undefined || f.path === path);
        if (failure >= 0) return send(response, failures.splice(failure, 1)[0]!);
        if (typeof body !== 'object' || body === null) {
          if (request.method === 'POST') return send(response, openAIError(400, 'We could not parse the JSON body of your request.', 'invalid_request_error'));
        }
        if (request.method === 'POST' && path === '/v1/chat/completions') return completion(body as ChatRequest, response);
        if (request.method === 'POST' && path === '/v1/embeddings') return send(response, embeddings(body as Parameters<typeof embeddings>[0]));
        if (request.method === 'GET' && path === '/v1/models') {
          return send(response, { status: 200, body: { object: 'list', data: [{ id: 'gpt-4o-mini', object: 'model', created: 0, owned_by: 'local' }] } });
        }
        return send(response, openAIError(404, `Invalid URL (${request.method} ${path})`, 'invalid_request_error'));
      })().catch((err: unknown) => {
        if (!response.headersSent) send(response, openAIError(500, `test server: ${(err as Error).message}`, 'server_error'));
        else response.destroy();
      });
    });
  });
  await new Promise<void>((ready, fail) => {
    server.once('error', fail);
    server.listen(0, '127.0.0.1', () => ready());
  });
  const port = (server.address() as { port: number }).port;

  return {
    url: `http://127.0.0.1:${port}/v1`,
    apiKey,
    requests,
    chatRequests: () => requests.filter((r) => r.path === '/v1/chat/completions' && typeof r.body === 'object').map((r) => r.body as ChatRequest),
    setChatHandler(handler) {
      chat = handler;
    },
    queueChat(...replies) {
      queuedChat.push(...replies);
    },
    failNext(reply) {
      failures.push(reply);
    },
    setLatency(ms) {
      latencyMs = ms;
    },
    close: () =>
      new Promise<void>((done) => {
        server.closeAllConnections();
        server.close(() => done());
      }),
  };
}
