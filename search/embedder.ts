// Turns runbook and query texts into vectors: an OpenAI-compatible embeddings endpoint, or the local hash embedding.
import OpenAI from 'openai';
import { DEFAULT_EMBEDDING_DIMS, embed } from '../analysis/runbooks/embedding.ts';
import type { Config } from '../config.ts';
import type { Embedder } from './types.ts';
import { observeLlmCall } from '../observability/metrics.ts';

export const LOCAL_EMBEDDING_MODEL = `local-hash-${DEFAULT_EMBEDDING_DIMS}`;

/** Dimensions of well-known models; another model's are learnt from its first answer. */
const KNOWN_DIMS: Record<string, number> = { 'text-embedding-3-small': 1536, 'text-embedding-3-large': 3072, 'text-embedding-ada-002': 1536 };
/** Endpoints cap the inputs of one request (OpenAI: 2048); smaller batches also keep one failure cheap to retry. */
const BATCH = 96;

export const localEmbedder: Embedder = {
  model: LOCAL_EMBEDDING_MODEL,
  dims: DEFAULT_EMBEDDING_DIMS,
  async embed(texts) {
    return texts.map((t) => Array.from(embed(t)));
  },
};

/** Whether an embeddings endpoint is configured at all (a model, and somewhere to send it). */
export function remoteEmbeddingsConfigured(config: Pick<Config, 'openai'>): boolean {
  const o = config.openai;
  return o.embeddingModel !== undefined && (o.baseUrl !== undefined || o.apiKey !== undefined);
}

export interface EmbedderOptions {
  /**
   * May the account's text go to the endpoint (its LLM settings allow it)? False keeps everything local, whatever
   * is configured.
   */
  remote: boolean;
  /** For tests that watch what the SDK fetches. */
  fetch?: typeof fetch;
}

export function createEmbedder(config: Pick<Config, 'openai'>, options: EmbedderOptions): Embedder {
  if (!options.remote || !remoteEmbeddingsConfigured(config)) return localEmbedder;
  const model = config.openai.embeddingModel!;
  const client = new OpenAI({
    // Local servers (Ollama, vLLM) take no key, but the SDK insists on one.
    apiKey: config.openai.apiKey ?? 'unused',
    ...(config.openai.baseUrl ? { baseURL: config.openai.baseUrl } : {}),
    maxRetries: 2,
    timeout: 30_000,
    ...(options.fetch ? { fetch: options.fetch } : {}),
  });
  let dims = KNOWN_DIMS[model] ?? 0;
  return {
    model,
    get dims() {
      return dims;
    },
    async embed(texts) {
      const out: number[][] = [];
      for (let i = 0; i < texts.length; i += BATCH) {
        const batch = texts.slice(i, i + BATCH);
        // An empty string is refused by some endpoints; a space embeds as "nothing" just as well.
        const started = performance.now();
        let result: Awaited<ReturnType<typeof client.embeddings.create>>;
        try {
          result = await client.embeddings.create({ model, input: batch.map((t) => (t.trim() === '' ? ' ' : t)) });
        } catch (err) {
          observeLlmCall('embeddings', 'error', (performance.now() - started) / 1000);
          throw err;
        }
        const ordered = [...result.data].sort((a, b) => a.index - b.index);
        observeLlmCall('embeddings', ordered.length === batch.length ? 'ok' : 'invalid', (performance.now() - started) / 1000);
        if (ordered.length !== batch.length) throw new Error(`embeddings endpoint returned ${ordered.length} vectors for ${batch.length} texts`);
        for (const d of ordered) out.push(normalise(d.embedding));
      }
      if (out[0]) dims = out[0].length;
      return out;
    },
  };
}

/** Endpoints mostly normalise already; compatible servers do not promise it, and the index compares by dot product. */
function normalise(v: readonly number[]): number[] {
  let n = 0;
  for (const x of v) n += x * x;
  if (n === 0) return [...v];
  const s = 1 / Math.sqrt(n);
  return v.map((x) => x * s);
}
