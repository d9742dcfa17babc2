// The local OpenAI server speaks the API as the real `openai` SDK expects it: structured chat completions, streaming,
// embeddings in both encodings, its error bodies, retries on 429 after `retry-after`, timeouts; and every request the
// SDK makes stays on loopback.
import OpenAI from 'openai';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '../../devkit/processes.ts';
import { defaultChatHandler, hashEmbedding, startOpenAIServer, type TestOpenAIServer } from '../../devkit/servers/openai.ts';

let server: TestOpenAIServer;
/** Every URL the SDK fetched. */
const fetched: string[] = [];

const client = (options: Partial<ConstructorParameters<typeof OpenAI>[0]> = {}) =>
  new OpenAI({
    apiKey: server.apiKey,
    baseURL: server.url,
    maxRetries: 0,
    fetch: (url, init) => {
      fetched.push(String(url));
      return fetch(url, init);
    },
    ...options,
  });

const stepsSchema = {
  type: 'object',
  properties: {
    steps: {
      type: 'array',
      minItems: 1,
      items: {
        type: 'object',
        properties: { command: { type: 'string' }, risk: { type: 'string', enum: ['read-only', 'mutating', 'destructive'] } },
        required: ['command', 'risk'],
        additionalProperties: false,
      },
    },
  },
  required: ['steps'],
  additionalProperties: false,
};
const responseFormat = { type: 'json_schema' as const, json_schema: { name: 'runbook', strict: true, schema: stepsSchema } };

beforeAll(async () => {
  server = await startOpenAIServer();
});

afterEach(() => {
  server.setLatency(0);
});

afterAll(async () => {
  await server?.close();
});

describe('chat completions', () => {
  it('returns the scripted JSON for a json_schema response format and records what the model was sent', async () => {
    const scripted = { steps: [{ command: 'kubectl get pods -n payments', risk: 'read-only' }] };
    server.queueChat(scripted);
    const before = server.requests.length;
    const completion = await client().chat.completions.create({
      model: 'gpt-4o-mini',
      messages: [
        { role: 'system', content: 'You write runbooks.' },
        { role: 'user', content: 'payments pods crash-looping' },
      ],
      response_format: responseFormat,
    });
    expect(completion).toMatchObject({ object: 'chat.completion', model: 'gpt-4o-mini', choices: [{ index: 0, finish_reason: 'stop', message: { role: 'assistant', refusal: null } }] });
    expect(completion.usage?.total_tokens).toBeGreaterThan(0);
    expect(JSON.parse(completion.choices[0]!.message.content!)).toEqual(scripted);

    const [request] = server.requests.slice(before);
    expect(request).toMatchObject({ method: 'POST', path: '/v1/chat/completions' });
    expect(request!.headers.authorization).toBe(`Bearer ${server.apiKey}`);
    expect(server.chatRequests().at(-1)).toMatchObject({ response_format: responseFormat, messages: [{ role: 'system' }, { role: 'user', content: 'payments pods crash-looping' }] });
  });

  it('answers a minimal instance of the schema when nothing is scripted, which the SDK parses', async () => {
    const completion = await client().chat.completions.parse({ model: 'local', messages: [{ role: 'user', content: 'hi' }], response_format: responseFormat });
    expect(completion.choices[0]!.message.parsed).toEqual({ steps: [{ command: '', risk: 'read-only' }] });
  });

  it('passes a malformed reply through verbatim so callers can exercise their validation', async () => {
    server.queueChat('{"steps": [');
    const completion = await client().chat.completions.create({ model: 'local', messages: [{ role: 'user', content: 'x' }], response_format: responseFormat });
    expect(completion.choices[0]!.message.content).toBe('{"steps": [');
  });

  it('uses the handler set by the test, which sees the request', async () => {
    server.setChatHandler((request) => `model ${request.model}, ${request.messages.length} messages`);
    try {
      const completion = await client().chat.completions.create({ model: 'llama3', messages: [{ role: 'user', content: 'a' }] });
      expect(completion.choices[0]!.message.content).toBe('model llama3, 1 messages');
    } finally {
      server.setChatHandler(defaultChatHandler);
    }
  });

  it('streams the reply as server-sent events the SDK assembles, with usage when asked', async () => {
    const content = JSON.stringify({ steps: [{ command: 'systemctl status nginx --no-pager', risk: 'read-only' }] });
    server.queueChat(content);
    const stream = await client().chat.completions.create({
      model: 'local',
      messages: [{ role: 'user', content: 'nginx down' }],
      stream: true,
      stream_options: { include_usage: true },
    });
    let text = '';
    let finish: string | null = null;
    let usage: OpenAI.CompletionUsage | null | undefined;
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta.content ?? '';
      finish = chunk.choices[0]?.finish_reason ?? finish;
      usage = chunk.usage ?? usage;
    }
    expect(text).toBe(content);
    expect(finish).toBe('stop');
    expect(usage?.total_tokens).toBeGreaterThan(0);
  });
});

describe('embeddings', () => {
  it('returns deterministic vectors of the requested dimensions; the SDK asks for base64 by default and decodes it', async () => {
    const before = server.requests.length;
    const result = await client().embeddings.create({ model: 'text-embedding-3-small', input: ['disk full on db-1', 'disk full on db-2'], dimensions: 64 });
    expect(server.requests[before]!.body).toMatchObject({ encoding_format: 'base64', dimensions: 64 });
    expect(result.data.map((d) => d.index)).toEqual([0, 1]);
    expect(result.data[0]!.embedding).toHaveLength(64);
    // Float32 on the wire: equal to the float64 reference within float32 precision.
    result.data[0]!.embedding.forEach((v, i) => expect(v).toBeCloseTo(hashEmbedding('disk full on db-1', 64)[i]!, 6));
    expect(result.usage.total_tokens).toBeGreaterThan(0);
  });

  it('answers floats when the caller asks for them, with the model default dimensions', async () => {
    const result = await client().embeddings.create({ model: 'text-embedding-3-small', input: 'disk full on db-1', encoding_format: 'float' });
    expect(result.data[0]!.embedding).toEqual(hashEmbedding('disk full on db-1', 1536));
  });

  it('gives texts that share words a higher cosine than unrelated ones', () => {
    const cosine = (a: number[], b: number[]) => a.reduce((s, x, i) => s + x * b[i]!, 0);
    const a = hashEmbedding('postgres replication lag on primary', 256);
    expect(cosine(a, hashEmbedding('replication lag postgres', 256))).toBeGreaterThan(cosine(a, hashEmbedding('nginx 502 bad gateway', 256)));
  });
});

describe('failures', () => {
  it('refuses a wrong key with 401 and OpenAI’s error body, surfaced as the SDK’s AuthenticationError', async () => {
    const error = await client({ apiKey: 'sk-wrong-key-1234' })
      .chat.completions.create({ model: 'local', messages: [{ role: 'user', content: 'x' }] })
      .catch((err: unknown) => err);
    expect(error).toBeInstanceOf(OpenAI.AuthenticationError);
    expect(error).toMatchObject({ status: 401, code: 'invalid_api_key', type: 'invalid_request_error' });
    // The key is never echoed whole.
    expect((error as Error).message).not.toContain('sk-wrong-key-1234');
  });

  it('answers 429 with retry-after, and the SDK retries after that delay', async () => {
    server.failNext({ path: '/v1/chat/completions', status: 429, headers: { 'retry-after': '1' }, body: { error: { message: 'Rate limit reached', type: 'requests', param: null, code: 'rate_limit_exceeded' } } });
    const before = server.requests.length;
    const completion = await client({ maxRetries: 2 }).chat.completions.create({ model: 'local', messages: [{ role: 'user', content: 'again' }] });
    expect(completion.choices[0]!.message.content).toBe('echo: again');
    const [first, retry] = server.requests.slice(before);
    expect(retry!.receivedAt.getTime() - first!.receivedAt.getTime()).toBeGreaterThanOrEqual(950);
    expect(retry!.headers['x-stainless-retry-count']).toBe('1');
  });

  it('surfaces a 500 as InternalServerError once retries are spent', async () => {
    server.failNext({ status: 500, body: { error: { message: 'boom', type: 'server_error', param: null, code: null } } });
    const error = await client()
      .embeddings.create({ model: 'm', input: 'x' })
      .catch((err: unknown) => err);
    expect(error).toBeInstanceOf(OpenAI.InternalServerError);
  });

  it('replies slowly on demand: the SDK times out and the server sees the request abandoned', async () => {
    server.setLatency(2_000);
    const before = server.requests.length;
    const error = await client({ timeout: 300 })
      .chat.completions.create({ model: 'local', messages: [{ role: 'user', content: 'slow' }] })
      .catch((err: unknown) => err);
    expect(error).toBeInstanceOf(OpenAI.APIConnectionTimeoutError);
    await waitFor('the server to see the request abandoned', () => server.requests[before]!.aborted || undefined, { timeoutMs: 5_000 });
  });

  it('lets a caller cancel an in-flight request with an AbortSignal', async () => {
    server.setLatency(2_000);
    const controller = new AbortController();
    const pending = client().chat.completions.create({ model: 'local', messages: [{ role: 'user', content: 'cancel me' }] }, { signal: controller.signal });
    setTimeout(() => controller.abort(), 100);
    await expect(pending).rejects.toBeInstanceOf(OpenAI.APIUserAbortError);
  });
});

describe('isolation from the network', () => {
  // Runs last: it checks every request the tests above made.
  it('sent every SDK request to the local server and nowhere else', () => {
    expect(fetched.length).toBeGreaterThan(10);
    expect(fetched.filter((url) => new URL(url).hostname !== '127.0.0.1')).toEqual([]);
    expect(server.requests.map((r) => r.path)).toEqual(fetched.map((url) => new URL(url).pathname));
  });
});
