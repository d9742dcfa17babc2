// Finding runbooks and past incidents for a text (semantic chunks merged with keyword matches, ratings as boosts), and
// keeping a runbook's chunks in the index in step with its current version.
import { chunkRunbook, cosine, embed } from '../analysis/runbooks/embedding.ts';
import {
  keywordIncidents,
  keywordRunbooks,
  recentIncidents,
  runbookTitles,
  setIndexedVersion,
  type IncidentCandidateRow,
} from '../db/runbook-chunks.ts';
import { getRunbook, getRunbookVersion } from '../db/runbooks.ts';
import type { Sql, TransactionSql } from '../db/sql.ts';
import { withAccount } from '../db/tenancy.ts';
import type { ChunkMatch, Embedder, IncidentHit, IndexedChunk, RunbookHit, RunbookIndex } from './types.ts';

export interface SearchDeps {
  sql: Sql;
  index: RunbookIndex;
  /** Chosen by the caller from the account's LLM settings (search/index.ts embedderForAccount). */
  embedder: Embedder;
}

/** Below this cosine a chunk shares little more than noise with the query (the hash embedding's unrelated texts sit near 0). */
const MIN_CHUNK_SCORE = 0.12;
/** Each further matching chunk of a runbook adds this much, for at most this many chunks: breadth helps, a little. */
const EXTRA_CHUNK_BONUS = 0.03;
const EXTRA_CHUNKS_COUNTED = 3;
/** Keyword weights: a word in the title or a tag says more than one somewhere in the description. */
const TITLE_WEIGHT = 0.35;
const DESCRIPTION_WEIGHT = 0.15;
const MIN_INCIDENT_SCORE = 0.15;
/** How many recent incidents the similarity side compares against (the keyword side searches all of them). */
const INCIDENT_POOL = 1000;

/** Words of a search text, at most 10 (a search box, not a document); one-letter words match everything. */
export function searchWords(text: string): string[] {
  return [...new Set(text.toLowerCase().split(/[^\p{L}\p{N}_.-]+/u).filter((w) => w.length >= 2))].slice(0, 10);
}

const inTx = <T>(sql: Sql, tx: TransactionSql | undefined, accountId: string, fn: (tx: TransactionSql) => Promise<T>) => (tx ? fn(tx) : withAccount(sql, accountId, fn));

export interface SearchOptions {
  topK: number;
  /** Added to a runbook's score (ratings); a runbook found by nothing else is not brought in by its boost alone. */
  boosts?: ReadonlyMap<string, number>;
}

export async function searchRunbooks(deps: SearchDeps, tx: TransactionSql | undefined, accountId: string, text: string, options: SearchOptions): Promise<RunbookHit[]> {
  const { topK } = options;
  const words = searchWords(text);
  const [vector] = text.trim() ? await deps.embedder.embed([text]) : [];
  const chunks = vector ? (await deps.index.query(accountId, deps.embedder.model, vector, topK * 5)).filter((c) => c.score >= MIN_CHUNK_SCORE) : [];
  const byRunbook = new Map<string, ChunkMatch[]>();
  for (const c of chunks) byRunbook.set(c.runbookId, [...(byRunbook.get(c.runbookId) ?? []), c]);

  const { keyword, titles } = await inTx(deps.sql, tx, accountId, async (t) => ({
    keyword: await keywordRunbooks(t, accountId, words, topK * 3),
    // Only the account's existing runbooks: a chunk left behind by a deleted runbook, or naming another account's id, drops out here.
    titles: await runbookTitles(t, accountId, [...byRunbook.keys()]),
  }));
  const found = new Map(titles.map((r) => [r.id, r]));
  for (const k of keyword) found.set(k.id, k);
  const keywordScore = new Map(keyword.map((k) => [k.id, words.length ? (TITLE_WEIGHT * k.titleWords + DESCRIPTION_WEIGHT * k.descriptionWords) / words.length : 0]));

  const hits: RunbookHit[] = [...found.values()].map((r) => {
    const matched = (byRunbook.get(r.id) ?? []).sort((a, b) => b.score - a.score);
    const semantic = matched.length ? matched[0]!.score + EXTRA_CHUNK_BONUS * Math.min(EXTRA_CHUNKS_COUNTED, matched.length - 1) : 0;
    const boost = options.boosts?.get(r.id) ?? 0;
    return { runbookId: r.id, version: r.currentVersion, title: r.title, score: semantic + (keywordScore.get(r.id) ?? 0) + boost, boost, chunks: matched };
  });
  return hits.sort((a, b) => b.score - a.score || a.runbookId.localeCompare(b.runbookId)).slice(0, topK);
}

export interface IncidentSearchOptions {
  limit: number;
}

/** Past incidents for a text: title and service words, plus the local embedding's similarity over recent incidents (never sent anywhere). */
export async function searchIncidents(deps: Pick<SearchDeps, 'sql'>, tx: TransactionSql | undefined, accountId: string, text: string, options: IncidentSearchOptions): Promise<IncidentHit[]> {
  const words = searchWords(text);
  const { keyword, recent } = await inTx(deps.sql, tx, accountId, async (t) => ({
    keyword: await keywordIncidents(t, accountId, words, options.limit * 3),
    recent: await recentIncidents(t, accountId, INCIDENT_POOL),
  }));
  const query = embed(text);
  const candidates = new Map<string, IncidentCandidateRow>();
  for (const r of [...recent, ...keyword]) candidates.set(r.id, { ...r, titleWords: Math.max(r.titleWords, candidates.get(r.id)?.titleWords ?? 0) });
  const hits: IncidentHit[] = [];
  for (const r of candidates.values()) {
    const similarity = Math.max(0, cosine(query, embed(`${r.title} ${r.service ?? ''}`)));
    const score = similarity + (words.length ? (TITLE_WEIGHT * r.titleWords) / words.length : 0);
    if (score < MIN_INCIDENT_SCORE) continue;
    const { titleWords: _, ...incident } = r;
    hits.push({ ...incident, score });
  }
  return hits.sort((a, b) => b.score - a.score || b.createdAt.localeCompare(a.createdAt)).slice(0, options.limit);
}

export interface IndexRunbookResult {
  version: number;
  chunks: number;
}

/**
 * Indexes the runbook's current version: chunks, embeds, replaces its chunks, records `indexed_version`. Undefined
 * when the account has no such runbook (deleted meanwhile, or an id of another account): nothing is written then.
 */
export async function indexRunbook(deps: SearchDeps, accountId: string, runbookId: string): Promise<IndexRunbookResult | undefined> {
  const current = await withAccount(deps.sql, accountId, async (tx) => {
    const row = await getRunbook(tx, accountId, runbookId);
    return row ? getRunbookVersion(tx, accountId, runbookId, row.currentVersion) : undefined;
  });
  if (!current) return undefined;
  const pieces = chunkRunbook({ id: runbookId, title: current.title, description: current.description, tags: current.tags, steps: current.steps });
  const vectors = await deps.embedder.embed(pieces.map((p) => p.text));
  const chunks: IndexedChunk[] = pieces.map((p, i) => ({ id: p.id, runbookId, version: current.version, text: p.text, vector: vectors[i]! }));
  await deps.index.upsertRunbook(accountId, runbookId, deps.embedder.model, chunks);
  await withAccount(deps.sql, accountId, (tx) => setIndexedVersion(tx, accountId, runbookId, current.version));
  return { version: current.version, chunks: chunks.length };
}

export async function removeRunbookFromIndex(deps: Pick<SearchDeps, 'index'>, accountId: string, runbookId: string): Promise<void> {
  await deps.index.removeRunbook(accountId, runbookId);
}
