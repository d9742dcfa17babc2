// The runbook index's contract: what the API (search, saving runbooks) and the activities (re-index, generation's
// retrieval) call, whichever store holds the vectors (Pinecone, pgvector, or an exact cosine scan in PostgreSQL).

/** Turns texts into vectors: the OpenAI-compatible endpoint when configured, else the local deterministic embedding. */
export interface Embedder {
  /** Stored beside each vector, so vectors of different models are never compared (`local-hash-384`, `text-embedding-3-small`). */
  readonly model: string;
  readonly dims: number;
  /** One vector per text, in order, L2-normalised. */
  embed(texts: readonly string[]): Promise<number[][]>;
}

/** One indexed piece of a runbook (analysis/runbooks/embedding.ts `chunkRunbook`: its summary, or one step). */
export interface IndexedChunk {
  /** `<runbook id>#summary` or `<runbook id>#step-<n>`. */
  id: string;
  runbookId: string;
  /** The runbook version the chunk was cut from. */
  version: number;
  text: string;
  vector: number[];
}

export interface ChunkMatch {
  id: string;
  runbookId: string;
  version: number;
  text: string;
  /** Cosine similarity, -1..1. */
  score: number;
}

export type RunbookIndexKind = 'pinecone' | 'pgvector' | 'exact';

/** Where an account's runbook chunks live. Every call is scoped to one account; nothing crosses accounts. */
export interface RunbookIndex {
  readonly kind: RunbookIndexKind;
  /** Replaces every chunk of the runbook with these (a shortened runbook loses its extra steps' chunks). */
  upsertRunbook(accountId: string, runbookId: string, model: string, chunks: readonly IndexedChunk[]): Promise<void>;
  removeRunbook(accountId: string, runbookId: string): Promise<void>;
  /** Drops every chunk of the account (the first step of a re-index). */
  clearAccount(accountId: string): Promise<void>;
  /** The `topK` chunks nearest to `vector` among the account's chunks embedded with `model`, best first. */
  query(accountId: string, model: string, vector: readonly number[], topK: number): Promise<ChunkMatch[]>;
}

/** A runbook found for a text, with the chunks that matched. `boost` is what ratings added to the score. */
export interface RunbookHit {
  runbookId: string;
  version: number;
  title: string;
  score: number;
  boost: number;
  chunks: ChunkMatch[];
}

/** A past incident found for a text (keyword and similarity), for search and for generation's context. */
export interface IncidentHit {
  id: string;
  title: string;
  service: string | null;
  severity: string;
  status: string;
  createdAt: string;
  resolvedAt: string | null;
  clusterId: string | null;
  score: number;
}
