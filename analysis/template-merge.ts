// Second stage: merges mined templates that mean the same thing (a word slot that really varies, near-identical
// wording, same service and source), so near-duplicates with different wording meet in one cluster.
import { WILDCARD, wordSignature } from './template-miner.ts';
import type { MergingSettings } from './settings.ts';

export interface TemplateProfile {
  /** Template tokens as mined (placeholders such as `<HOST>` and `<*>` included). */
  tokens: readonly string[];
  /** Incidents with this template. */
  count: number;
  /** Incidents per service and per source; empty when the incidents carry none. */
  services: ReadonlyMap<string, number>;
  sources: ReadonlyMap<string, number>;
  /** Embedding of the template text when an embedding function is configured. */
  embedding?: readonly number[];
}

export interface TemplateMergeResult {
  /** For each template, the index of its group: the smallest template index in that group. */
  groupOf: number[];
  /** For each template, its tokens with the slots that were found to vary generalised to `<*>`. */
  displayTokens: string[][];
}

/** The knobs of the second stage that are not per-account settings but documented constants. */
export const MERGE_CONSTANTS = Object.freeze({
  /** A word slot only counts as variable inside at least this many other words (short messages are their words). */
  variableSlotMinContext: 2,
  /** Words in more than this share of templates are too common to propose candidate pairs (they still score)... */
  candidateWordMaxShare: 0.5,
  /** ...once there are more templates than this; below, every pair sharing a word is scored. */
  allPairsUpTo: 2000,
});

export function mergeTemplates(profiles: readonly TemplateProfile[], settings: MergingSettings): TemplateMergeResult {
  const groups = new TemplateGroups(profiles.length);
  const displayTokens = profiles.map((p) => p.tokens.slice());
  if (settings.enabled) {
    mergeVariableWordSlots(profiles, settings.variableSlotMinValues, groups, displayTokens);
    mergeSimilarTemplates(profiles, displayTokens, settings, groups);
  }
  return { groupOf: profiles.map((_, i) => groups.find(i)), displayTokens };
}

/** Union-find over template indices whose root is always the smallest index, so group ids ignore merge order. */
class TemplateGroups {
  private readonly parent: number[];
  constructor(size: number) {
    this.parent = Array.from({ length: size }, (_, i) => i);
  }
  find(i: number): number {
    const parent = this.parent;
    while (parent[i] !== i) {
      parent[i] = parent[parent[i]!]!;
      i = parent[i]!;
    }
    return i;
  }
  union(a: number, b: number): number {
    const ra = this.find(a);
    const rb = this.find(b);
    const root = Math.min(ra, rb);
    this.parent[ra] = root;
    this.parent[rb] = root;
    return root;
  }
}

/**
 * Templates identical except at one position holding plain words are one template when that position takes many
 * different words (user names, host aliases): the miner keeps different words apart, this is where they meet again.
 */
function mergeVariableWordSlots(
  profiles: readonly TemplateProfile[],
  minValues: number,
  groups: TemplateGroups,
  displayTokens: string[][],
): void {
  const buckets = new Map<string, { members: number[]; values: Set<string> }>();
  profiles.forEach((profile, index) => {
    const tokens = profile.tokens;
    const skeleton = templateSkeleton(tokens);
    const words = skeleton.reduce((n, t) => (t !== '*' && t !== WILDCARD ? n + 1 : n), 0);
    for (let i = 0; i < tokens.length; i++) {
      const value = skeleton[i]!;
      if (value === '*') continue;
      // Short messages are their words ("running", "blocked"): a slot only varies inside a longer fixed context.
      if (words - (value === WILDCARD ? 0 : 1) < MERGE_CONSTANTS.variableSlotMinContext) continue;
      const key = slotKey(skeleton, i);
      let bucket = buckets.get(key);
      if (bucket === undefined) {
        bucket = { members: [], values: new Set() };
        buckets.set(key, bucket);
      }
      bucket.members.push(index);
      bucket.values.add(value);
    }
  });
  for (const [key, bucket] of buckets) {
    if (bucket.members.length < 2 || bucket.values.size < minValues) continue;
    const position = Number(key.slice(0, key.indexOf('\u0001')));
    const first = bucket.members[0]!;
    for (const member of bucket.members) {
      groups.union(first, member);
      displayTokens[member]![position] = WILDCARD;
    }
  }
}

/**
 * Tokens as the word-slot rule compares them: their words only (so `rhost=<IP>` and `rhost=<*>` are the same
 * context), `*` for pure values, `<*>` for positions already generalised.
 */
export function templateSkeleton(tokens: readonly string[]): string[] {
  return tokens.map((t) => (t === WILDCARD ? WILDCARD : wordSignature(t) || '*'));
}

/** The key of a template's word slot at `position`: everything but that position. */
export function slotKey(skeleton: readonly string[], position: number): string {
  return `${position}\u0001${skeleton.slice(0, position).join(' ')}\u0001${skeleton.slice(position + 1).join(' ')}`;
}

// Units say how a value was printed ("1.98 KB", "<1 sec"), not what happened, so they do not count as wording.
const UNIT_WORDS = new Set('kb mb gb tb pb kib mib gib tib ms us ns sec secs min mins hr hrs'.split(' '));
// Function words say nothing about what happened ("Pod was OOMKilled" is "Pod OOMKilled"); negations stay words.
const STOP_WORDS = new Set(
  [
    'a an the is are was were be been being am of to in on at by for from with as into onto over under',
    'and or but so than then this that these those it its has have had do does did',
    'will would can could should may might must shall',
  ]
    .join(' ')
    .split(' '),
);
const PLACEHOLDERS = /<[A-Z][A-Z0-9_-]*>|<\*>/g;
const WORD_SEPARATORS = /[^A-Za-z_=]+/;
const VALUE_SEPARATORS = /[^A-Za-z=]+/;
const EDGE_PUNCTUATION = /^[_=]+|[_=]+$/g;

/**
 * Lower-cased words of a template, placeholders and numbers left out, as a sorted multiset: the vocabulary text
 * similarity works on. `key=value` pairs and snake_case names stay one word (`force=true`, `action_battery_changed`),
 * so a flipped flag is a different word rather than the same two words in another place.
 */
export function templateWords(tokens: readonly string[]): string[] {
  const words: string[] = [];
  const fromValues = new Set<string>();
  for (const token of tokens) {
    // Letters of a value (`an14 an15 an16` in a host list) count once, however long the list.
    const isValue = DIGIT.test(token);
    for (const part of token.replace(PLACEHOLDERS, ' ').split(isValue ? VALUE_SEPARATORS : WORD_SEPARATORS)) {
      const word = part.replace(EDGE_PUNCTUATION, '').toLowerCase();
      if (word.length < 2 || UNIT_WORDS.has(word) || STOP_WORDS.has(word)) continue;
      if (isValue) {
        if (fromValues.has(word)) continue;
        fromValues.add(word);
      }
      words.push(word);
    }
  }
  return words.sort();
}

const DIGIT = /\d/;

interface SparseVector {
  /** Distinct terms, ascending. */
  terms: number[];
  weights: number[];
  /** How often each term occurs in the template. */
  counts: number[];
}

/** TF-IDF (binary term frequency, smoothed IDF) vectors of the templates, L2-normalised. */
function tfidfVectors(wordLists: readonly string[][]): { vectors: SparseVector[]; df: Map<number, number> } {
  const vocabulary = new Map<string, number>();
  const df = new Map<number, number>();
  const termCounts = wordLists.map((words) => {
    const counts = new Map<number, number>();
    for (const word of words) {
      let term = vocabulary.get(word);
      if (term === undefined) {
        term = vocabulary.size;
        vocabulary.set(word, term);
      }
      counts.set(term, (counts.get(term) ?? 0) + 1);
    }
    for (const term of counts.keys()) df.set(term, (df.get(term) ?? 0) + 1);
    return counts;
  });
  const n = wordLists.length;
  const vectors = termCounts.map((counts) => {
    const terms = [...counts.keys()].sort((a, b) => a - b);
    const weights = terms.map((t) => Math.log((1 + n) / (1 + df.get(t)!)) + 1);
    const norm = Math.hypot(...weights) || 1;
    return { terms, weights: weights.map((w) => w / norm), counts: terms.map((t) => counts.get(t)!) };
  });
  return { vectors, df };
}

function sparseCosine(a: SparseVector, b: SparseVector): number {
  let i = 0;
  let j = 0;
  let dot = 0;
  while (i < a.terms.length && j < b.terms.length) {
    const ta = a.terms[i]!;
    const tb = b.terms[j]!;
    if (ta === tb) dot += a.weights[i++]! * b.weights[j++]!;
    else if (ta < tb) i++;
    else j++;
  }
  return dot;
}

function countCosine(a: ReadonlyMap<string, number>, b: ReadonlyMap<string, number>): number {
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (const [key, value] of a) {
    na += value * value;
    dot += value * (b.get(key) ?? 0);
  }
  for (const value of b.values()) nb += value * value;
  return na === 0 || nb === 0 ? 0 : dot / Math.sqrt(na * nb);
}

export function denseCosine(a: readonly number[], b: readonly number[]): number {
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    dot += a[i]! * b[i]!;
    na += a[i]! * a[i]!;
    nb += b[i]! * b[i]!;
  }
  return na === 0 || nb === 0 ? 0 : dot / Math.sqrt(na * nb);
}

/**
 * Combined similarity of two templates: text (TF-IDF cosine, blended with the embedding cosine when both have one),
 * service and source (cosine of their incident counts). Service and source only weigh in when both templates know
 * them, so data without services is judged on text alone.
 */
export function templateSimilarity(
  a: TemplateProfile,
  b: TemplateProfile,
  textCosine: number,
  settings: MergingSettings,
): number {
  let text = textCosine;
  if (a.embedding !== undefined && b.embedding !== undefined) {
    text = (1 - settings.embeddingWeight) * textCosine + settings.embeddingWeight * denseCosine(a.embedding, b.embedding);
  }
  let score = settings.textWeight * text;
  let weight = settings.textWeight;
  if (a.services.size > 0 && b.services.size > 0) {
    score += settings.serviceWeight * countCosine(a.services, b.services);
    weight += settings.serviceWeight;
  }
  if (a.sources.size > 0 && b.sources.size > 0) {
    score += settings.sourceWeight * countCosine(a.sources, b.sources);
    weight += settings.sourceWeight;
  }
  return score / weight;
}

/**
 * Merges templates whose combined similarity reaches the threshold, best pairs first. Judged on text alone, a merge
 * must also keep the wording nested: every template of the merged group uses only words of its widest template, so
 * wording may be added, dropped or reordered ("High CPU on X" / "CPU usage high on X") but not replaced ("VM started"
 * / "VM stopped", "layout begin" / "layout end"), and no chain of small steps walks from one meaning to another.
 * With embeddings the nesting rule is lifted: replacing words by synonyms is exactly what they are for.
 */
function mergeSimilarTemplates(
  profiles: readonly TemplateProfile[],
  displayTokens: readonly string[][],
  settings: MergingSettings,
  groups: TemplateGroups,
): void {
  const { vectors, df } = tfidfVectors(displayTokens.map((tokens) => templateWords(tokens)));
  const pairs = candidatePairs(profiles, vectors, df, settings);
  pairs.sort((a, b) => b.similarity - a.similarity || a.i - b.i || a.j - b.j);

  // Each group's words as a multiset (term → count); groups formed by word slots start with their joint words.
  const groupTerms = new Map<number, Map<number, number>>();
  vectors.forEach((vector, k) => {
    const root = groups.find(k);
    let terms = groupTerms.get(root);
    if (terms === undefined) groupTerms.set(root, (terms = new Map()));
    vector.terms.forEach((t, n) => terms.set(t, Math.max(terms.get(t) ?? 0, vector.counts[n]!)));
  });
  const termsOf = (root: number): Map<number, number> => groupTerms.get(root)!;
  for (const { i, j } of pairs) {
    const ri = groups.find(i);
    const rj = groups.find(j);
    if (ri === rj) continue;
    const a = termsOf(ri);
    const b = termsOf(rj);
    const bothEmbedded = profiles[i]!.embedding !== undefined && profiles[j]!.embedding !== undefined;
    if (!bothEmbedded && settings.wordingMustNest && !nestedMultisets(a, b)) continue;
    const root = groups.union(ri, rj);
    const merged = new Map(a);
    for (const [t, c] of b) merged.set(t, Math.max(merged.get(t) ?? 0, c));
    groupTerms.delete(ri);
    groupTerms.delete(rj);
    groupTerms.set(root, merged);
  }
}

interface CandidatePair {
  i: number;
  j: number;
  similarity: number;
}

function candidatePairs(
  profiles: readonly TemplateProfile[],
  vectors: readonly SparseVector[],
  df: ReadonlyMap<number, number>,
  settings: MergingSettings,
): CandidatePair[] {
  // Pairs are only scored when they share a word, and only words that are not everywhere propose pairs once there
  // are many templates: an inverted index keeps this near-linear. A template made of common words alone is still
  // proposed through its rarest word, so identical wordings always meet.
  const maxDf =
    profiles.length > MERGE_CONSTANTS.allPairsUpTo
      ? Math.max(2, Math.floor(profiles.length * MERGE_CONSTANTS.candidateWordMaxShare))
      : Infinity;
  const postings = new Map<number, number[]>();
  const post = (term: number, index: number): void => {
    let list = postings.get(term);
    if (list === undefined) postings.set(term, (list = []));
    list.push(index);
  };
  vectors.forEach((vector, index) => {
    let rarest = -1;
    let indexed = false;
    for (const term of vector.terms) {
      const frequency = df.get(term)!;
      if (frequency <= maxDf) {
        post(term, index);
        indexed = true;
      } else if (rarest === -1 || frequency < df.get(rarest)!) rarest = term;
    }
    if (!indexed && rarest !== -1) post(rarest, index);
  });

  const hasEmbeddings = profiles.some((p) => p.embedding !== undefined);
  const { textWeight: tw, serviceWeight: sw, sourceWeight: rw, threshold } = settings;
  // Even a perfect service and source match cannot lift a text cosine below this to the threshold.
  const minText = hasEmbeddings ? -Infinity : (threshold * (tw + sw + rw) - sw - rw) / tw;
  const pairs: CandidatePair[] = [];
  const seen = new Set<number>();
  for (let i = 0; i < vectors.length; i++) {
    seen.clear();
    for (const term of vectors[i]!.terms) {
      for (const j of postings.get(term) ?? []) {
        if (j <= i || seen.has(j)) continue;
        seen.add(j);
        const text = sparseCosine(vectors[i]!, vectors[j]!);
        if (text < minText) continue;
        const similarity = templateSimilarity(profiles[i]!, profiles[j]!, text, settings);
        if (similarity >= threshold) pairs.push({ i, j, similarity });
      }
    }
  }
  // Templates without a shared word only meet through their embeddings.
  if (hasEmbeddings) {
    for (let i = 0; i < profiles.length; i++) {
      for (let j = i + 1; j < profiles.length; j++) {
        if (profiles[i]!.embedding === undefined || profiles[j]!.embedding === undefined) continue;
        if (pairs.some((p) => p.i === i && p.j === j)) continue;
        const similarity = templateSimilarity(profiles[i]!, profiles[j]!, sparseCosine(vectors[i]!, vectors[j]!), settings);
        if (similarity >= threshold) pairs.push({ i, j, similarity });
      }
    }
  }
  return pairs;
}

/** Whether one multiset of words contains the other (every word, at least as often). */
function nestedMultisets(a: ReadonlyMap<number, number>, b: ReadonlyMap<number, number>): boolean {
  const contains = (large: ReadonlyMap<number, number>, small: ReadonlyMap<number, number>): boolean => {
    for (const [term, count] of small) if ((large.get(term) ?? 0) < count) return false;
    return true;
  };
  return contains(a, b) || contains(b, a);
}
