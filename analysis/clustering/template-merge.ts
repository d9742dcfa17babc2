// Second stage: merges mined templates that name the same problem: a word slot that really varies (an entity without
// digits), and wordings that say the same thing in other words, judged by the operations lexicon's concepts, by
// time co-occurrence on one entity across tools, and by embeddings when a model is configured.
import { IMPLIED_CONDITION, isCarrier, conceptKind, conceptParents, findConcepts, tokenWords } from './ops-lexicon.ts';
import type { CooccurrenceCounts } from './cooccurrence.ts';
import { memoize } from './memo.ts';
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
  /**
   * What the entities named in most of its incidents are known to be from tags elsewhere (`lambda` for a name seen as
   * `functionname:`): concepts the wording leaves unsaid ("High error rate on pdf-renderer").
   */
  entityTypes?: readonly string[];
}

/** Evidence about templates beyond their words, gathered from their incidents. */
export interface MergeEvidence {
  /** How often incidents of two templates met on one entity within minutes. */
  cooccurrence?: CooccurrenceCounts;
  /**
   * Names seen as an entity's value somewhere in the data (a tag `host:jenkins`, a label, an alert's label list),
   * lower-cased: the same word elsewhere ("iowait through the roof on jenkins") is that entity, a parameter.
   */
  entityValues?: ReadonlySet<string>;
  /**
   * Tag values that are also the lexicon's words (a service called `subscriptions`): names only where titles put
   * names, after "on", "for", "in" … or an entity noun ("latency high on subscriptions"), never leading a title.
   */
  namesWhereNamesGo?: ReadonlySet<string>;
}

/** Template positions holding a known entity's name become parameters (`<*>`), as a variable word slot does. */
function markKnownEntities(displayTokens: string[][], entityValues: ReadonlySet<string>, namesWhereNamesGo: ReadonlySet<string> = new Set()): void {
  for (const tokens of displayTokens) {
    for (let i = 0; i < tokens.length; i++) {
      const token = tokens[i]!;
      if (token.includes('<')) continue;
      const core = entityValueCore(token);
      if (core === '') continue;
      if (entityValues.has(core) || (i > 0 && namesWhereNamesGo.has(core) && NAME_POSITION.has(tokens[i - 1]!.toLowerCase().replace(/[^a-z]/g, '')))) {
        tokens[i] = WILDCARD;
      }
    }
  }
}

// Words after which titles put a name: prepositions and entity nouns ("on subscriptions", "queue orders").
const NAME_POSITION = new Set(['on', 'for', 'in', 'at', 'from', 'to', 'behind', 'of', 'queue', 'topic', 'service', 'namespace', 'deployment', 'function', 'bucket', 'table', 'database', 'db', 'cluster', 'host', 'node']);

/** Whether a word names no condition (a subject or carrier at most), so it can be a name where names go. */
export function namesNoCondition(word: string): boolean {
  return findConcepts(tokenWords(word)).every((f) => conflictKind(f.concept) !== 'condition');
}

const VALUE_CORE = /[A-Za-z0-9][^\s]*[A-Za-z0-9]|[A-Za-z0-9]/;
/** A value as entity names are compared: without the punctuation around it, lower-cased. */
export function entityValueCore(value: string): string {
  return (VALUE_CORE.exec(value.replace(/\uE000/g, ''))?.[0] ?? '').toLowerCase();
}

/**
 * Whether a value can name an entity for `entityValues`: three characters or more, not a number, and a compound name
 * or a word the lexicon does not read (a namespace called `monitoring` or `search` must not turn those words into
 * parameters everywhere).
 */
export function usableEntityName(core: string): boolean {
  if (core.length < 3 || /^[\d.]+$/.test(core)) return false;
  // A compound name (`nightly-export`, `search-api`) is a name whatever its parts mean; one word must be unknown.
  if (/[a-z0-9][-_.][a-z0-9]/.test(core)) return true;
  return findConcepts(tokenWords(core)).every((f) => f.concept.startsWith('w:'));
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
  /** Concepts in more than this share of templates are too common to propose candidate pairs (they still score)... */
  candidateConceptMaxShare: 0.5,
  /** ...once there are more templates than this; below, every pair sharing a concept is scored. */
  allPairsUpTo: 2000,
  /** Weight of a generic carrier (host, service, requests) or of a value's letters, against 1 + IDF otherwise. */
  carrierWeight: 0.3,
  /** Weight of a qualifier ("high", "above", "prod"): it says how much or where, hardly which problem. */
  qualifierWeight: 0.1,
  /** Share of its weight a concept keeps where it only refines a broader one the other side names. */
  refinementShare: 0.3,
  /** Templates of up to this many concepts (qualifiers aside) are short texts for the text rule... */
  shortTextConcepts: 4,
  /** ...longer ones need at least this similarity. */
  longTextThreshold: 0.8,
});

export function mergeTemplates(
  profiles: readonly TemplateProfile[],
  settings: MergingSettings,
  evidence: MergeEvidence = {},
): TemplateMergeResult {
  const groups = new TemplateGroups(profiles.length);
  const displayTokens = profiles.map((p) => p.tokens.slice());
  if (settings.enabled) {
    if (evidence.entityValues !== undefined && evidence.entityValues.size > 0) markKnownEntities(displayTokens, evidence.entityValues, evidence.namesWhereNamesGo);
    mergeVariableWordSlots(displayTokens, settings, groups);
    mergeSameProblem(profiles, displayTokens, settings, groups, evidence);
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
 * different words (user names, queue names): the miner keeps different words apart, this is where they meet again.
 * Entities need fewer values than other words to count as variable: a slot whose values look like names
 * (`payments-api`, `email_outbound`, `orders.v2`) or that sits beside an entity noun ("queue orders", "orders
 * queue", "namespace payments") is variable from `entitySlotMinValues` values on; "VM Started|Stopped|Paused" is an
 * enum, not a variable, and needs `variableSlotMinValues`.
 */
function mergeVariableWordSlots(displayTokens: string[][], settings: MergingSettings, groups: TemplateGroups): void {
  const buckets = new Map<string, { members: number[]; values: Set<string>; entityContext: boolean; raw: Set<string> }>();
  displayTokens.forEach((original, index) => {
    const tokens = original.slice();
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
        bucket = { members: [], values: new Set(), raw: new Set(), entityContext: besideEntityNoun(tokens, i) };
        buckets.set(key, bucket);
      }
      bucket.members.push(index);
      bucket.values.add(value);
      if (value !== WILDCARD) bucket.raw.add(tokens[i]!);
    }
  });
  for (const [key, bucket] of buckets) {
    if (bucket.members.length < 2) continue;
    const nameShaped = bucket.raw.size > 0 && [...bucket.raw].every((v) => NAME_SHAPE.test(v));
    // Beside an entity noun a plain word may still be a verb ("Instance destroyed"): one value more than a name.
    const minValues = nameShaped
      ? settings.entitySlotMinValues
      : bucket.entityContext
        ? settings.entitySlotMinValues + 1
        : settings.variableSlotMinValues;
    if (bucket.values.size < minValues) continue;
    // Values that name different products or parts (`Postgresql down`, `RabbitMQ down`, `Redis down`) are different
    // problems, not one problem on many entities: the conflict rule keeps such templates apart, and so does this.
    if (namesSubjects(bucket.raw)) continue;
    const position = Number(key.slice(0, key.indexOf('\u0001')));
    const first = bucket.members[0]!;
    for (const member of bucket.members) {
      groups.union(first, member);
      displayTokens[member]![position] = WILDCARD;
    }
  }
}

const PLAIN_WORD = /^[A-Z][A-Za-z]+$/;
/** Whether at least two of a slot's values (plain words) name different subjects of the lexicon. */
function namesSubjects(values: ReadonlySet<string>): boolean {
  let first: string | undefined;
  for (const value of values) {
    // Plain words only: a name (`redis-sessions`, `kafka-2`, `orders-db`) is an entity's, whatever words it holds.
    if (!PLAIN_WORD.test(value)) continue;
    for (const found of findConcepts(tokenWords(value))) {
      if (conflictKind(found.concept) !== 'subject') continue;
      if (first === undefined) first = found.concept;
      else if (found.concept !== first) return true;
    }
  }
  return false;
}

// A lower-case name made of words joined by `-`, `_` or `.` (`payments-api`, `email_outbound`, `orders.v2`), with
// punctuation around it; such tokens name things, they do not describe what happened.
const NAME_SHAPE = /^[("'[]*[a-z][a-z0-9]*(?:[-_.][a-z0-9]+)+[)"',.:;\]]*$/;
// Nouns that announce an entity's name before or after it: "queue orders", "orders queue", "namespace payments".
const ENTITY_NOUNS = new Set(
  [
    'queue queues topic topics namespace bucket service svc database db table job cronjob function lambda deployment',
    'statefulset daemonset pod container cluster group index stream subscription consumer region zone host node instance',
    'server vhost exchange schema keyspace collection repo repository pipeline branch team tenant customer account project',
    'site domain endpoint api app application worker workers backup replica shard volume disk',
  ]
    .join(' ')
    .split(' '),
);

function besideEntityNoun(tokens: readonly string[], position: number): boolean {
  const noun = (t: string | undefined) => t !== undefined && ENTITY_NOUNS.has(t.toLowerCase().replace(/[^a-z]/g, ''));
  return noun(tokens[position - 1]) || noun(tokens[position + 1]);
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

/** A template's concepts with how often each occurs (words can repeat: `down true canceled false`). */
export type ConceptBag = ReadonlyMap<string, number>;

/**
 * The concepts a template names: the lexicon's concepts of its words (CamelCase, `_`, `-`, `=` split; placeholders
 * left out), each with the broader concepts it implies; a resource named with no condition gets the condition that
 * goes without saying ("High CPU" is CPU saturation); qualifiers as weak `q:` words. A token in which the lexicon
 * finds no subject or condition keeps its own identity as one word, as written (`getRunningAppProcesses`,
 * `expand=true`, `ACTION_BATTERY_CHANGED`), so log events that differ in a name or a flag stay apart; letters inside
 * a value (`an14`, `[Thunderbird_A8]`) count once, as weak `v:` words.
 */
export function templateConcepts(tokens: readonly string[]): ConceptBag {
  const words: string[] = [];
  const tokenOf: number[] = [];
  tokens.forEach((token, t) => {
    // A tag or label (`host:<VALUE>`, `namespace=<VALUE>`) is structure around an entity, not wording; its key may
    // say what the entity is (`functionname:` a Lambda function, `bucketname:` a bucket), which counts.
    if (LABEL_TOKEN.test(token)) {
      for (const concept of keyConcepts(token)) {
        words.push(concept);
        tokenOf.push(t);
      }
      return;
    }
    for (const word of tokenWords(token)) {
      words.push(word);
      tokenOf.push(t);
    }
  });
  const found = findConcepts(words);
  const tokensWithConcept = new Set<number>();
  for (const f of found) {
    const kind = conflictKind(f.concept);
    if (kind === 'subject' || kind === 'condition') tokensWithConcept.add(tokenOf[f.word]!);
  }
  const bag = new Map<string, number>();
  const add = (concept: string) => bag.set(concept, (bag.get(concept) ?? 0) + 1);
  const wholeTokens = new Set<number>();
  for (const f of found) {
    const t = tokenOf[f.word]!;
    const token = tokens[t]!;
    const compound = COMPOUND_TOKEN.test(token.replace(PLACEHOLDERS, ''));
    if (compound && !tokensWithConcept.has(t)) {
      wholeTokens.add(t);
      continue;
    }
    if (f.concept.startsWith('w:') && DIGIT.test(token.replace(PLACEHOLDERS, ''))) {
      if (!bag.has(`v:${f.concept.slice(2)}`)) add(`v:${f.concept.slice(2)}`);
      continue;
    }
    if (f.concept.startsWith('w:') || f.concept.startsWith('q:')) add(f.concept);
    else if (!bag.has(f.concept)) {
      add(f.concept);
      if (!f.concept.includes(':')) for (const parent of conceptParents(f.concept)) if (!bag.has(parent)) add(parent);
    }
  }
  for (const t of wholeTokens) for (const word of wholeTokenWords(tokens[t]!)) add(word);
  // A dead-letter queue's backlog is its trouble: messages in it at all.
  if (bag.has('dlq') && bag.has('lag')) {
    bag.delete('lag');
    if (!bag.has('nonempty')) add('nonempty');
  }
  if (![...bag.keys()].some((c) => conflictKind(c) === 'condition')) {
    // The condition that goes without saying, the most specific first (a DLQ's messages over a queue's lag, a broker
    // down over its queue's lag).
    const implied = [...bag.keys()].map((c) => IMPLIED_CONDITION.get(c)).filter((c): c is string => c !== undefined);
    const preferred = ['nonempty', 'down', 'lag', 'saturation'].find((c) => implied.includes(c));
    if (preferred !== undefined) add(preferred);
  }
  return bag;
}

const DIGIT = /\d/;
const PLACEHOLDERS = /<[A-Z][A-Z0-9_-]*>|<\*>/g;

/** The specific subjects a label's key names (`functionname` → lambda, `bucketname` → bucket; `host` names none). */
export const keySubjects: (key: string) => string[] = memoize(
  (key) =>
    findConcepts(tokenWords(key))
      .map((f) => f.concept)
      .filter((c) => conflictKind(c) === 'subject'),
  10_000,
);

const KEY_TECHNOLOGIES = new Set(['lambda', 'bucket', 'queue', 'database', 'cache', 'search', 'cdn', 'dlq', 'consumer', 'tls', 'dns']);
/** The words of a label's key that name a specific subject (`functionname` → function), for the concept reader. */
function keyConcepts(token: string): string[] {
  return keyWords(/[a-z][a-z_.-]*(?=[:=])/.exec(token)?.[0] ?? '');
}
const keyWords = memoize((key) => {
  const parts = tokenWords(key);
  // Technologies only: `functionname:` says a Lambda function, `kube_deployment:` says nothing about a deploy.
  return findConcepts(parts)
    .filter((f) => conflictKind(f.concept) === 'subject' && (KEY_TECHNOLOGIES.has(f.concept) || conceptParents(f.concept).some((p) => KEY_TECHNOLOGIES.has(p))))
    .flatMap((f) => parts.slice(f.word, f.word + f.length));
}, 10_000);
const LABEL_TOKEN = /^[({[,]*[a-z][a-z_.-]*[:=]"?<(?:VALUE|\*)>"?[)}\],.;]*$/;
// A token of several words (CamelCase, `_`, `-`, `=`, `.`, `:` inside), as opposed to a plain word.
const COMPOUND_TOKEN = /[a-z][A-Z]|[A-Za-z][_=.:-]+[A-Za-z]/;
const VALUE_SEPARATORS = /[^A-Za-z=]+/;
const WORD_SEPARATORS = /[^A-Za-z_=]+/;
const EDGE_PUNCTUATION = /^[_=]+|[_=]+$/g;

/** A compound token as whole words (`expand=true`, `action_battery_changed`); a value's letters as `v:` words. */
function wholeTokenWords(token: string): string[] {
  const isValue = DIGIT.test(token.replace(PLACEHOLDERS, ''));
  const out: string[] = [];
  for (const part of token.replace(PLACEHOLDERS, ' ').split(isValue ? VALUE_SEPARATORS : WORD_SEPARATORS)) {
    const word = part.replace(EDGE_PUNCTUATION, '').toLowerCase();
    if (word.length < 2) continue;
    const entry = isValue ? `v:${word}` : `w:${word}`;
    if (!out.includes(entry)) out.push(entry);
  }
  return out;
}

/** The kind a concept counts as when two templates differ in it. */
type ConflictKind = 'subject' | 'condition' | 'carrier' | 'word' | 'minor';
const conflictKind: (concept: string) => ConflictKind = memoize((concept) => readConflictKind(concept), 200_000);

function readConflictKind(concept: string): ConflictKind {
  const base = concept.startsWith('not:') ? concept.slice(4) : concept;
  if (base.startsWith('v:') || base.startsWith('q:')) return 'minor';
  if (base.startsWith('w:')) return 'word';
  if (isCarrier(base)) return 'carrier';
  const kind = conceptKind(base);
  return kind === 'word' ? 'word' : kind;
}

/**
 * Whether two concept bags name different problems outright: one has a subject the other lacks while the other has
 * a different subject ("Disk full" / "Memory full"), or likewise for conditions ("Disk latency" / "Disk full"), or
 * one negates what the other says. No evidence overrides this.
 */
export function conceptsConflict(a: ConceptBag, b: ConceptBag): boolean {
  const only = (x: ConceptBag, y: ConceptBag) => {
    const kinds = new Set<string>();
    for (const c of x.keys()) {
      if (y.has(c)) continue;
      if (c.startsWith('not:') ? y.has(c.slice(4)) : y.has(`not:${c}`)) return null;
      const kind = conflictKind(c);
      if (kind === 'subject' || kind === 'condition') kinds.add(kind);
    }
    return kinds;
  };
  const ka = only(a, b);
  const kb = only(b, a);
  if (ka === null || kb === null) return true;
  for (const kind of ka) if (kb.has(kind)) return true;
  // A container's trouble and a machine's are two problems, however alike the words ("OOMKilled in pod" / "OOM
  // kill on host"): one side names pods only, the other machines only.
  const level = (x: ConceptBag) => (x.has('pod') ? 1 : 0) | (x.has('host') ? 2 : 0);
  const la = level(a);
  const lb = level(b);
  return (la === 1 && lb === 2) || (la === 2 && lb === 1);
}

const MACHINE = 1;
const POD = 2;
/** Which kinds of entity a template's placeholders name: a machine (host, address), a pod. */
export function entityKinds(tokens: readonly string[]): number {
  let kinds = 0;
  for (const token of tokens) {
    if (!token.includes('<')) continue;
    if (token.includes('<HOST>') || token.includes('<IP>')) kinds |= MACHINE;
    if (token.includes('<POD>')) kinds |= POD;
  }
  return kinds;
}

/**
 * A problem about pods and one about machines are different problems even when worded alike ("<pod> not ready" /
 * "<node> has been unready", "Pod OOMKilled" / "OOM kill on <host>"): one side names only pods, the other only machines.
 */
export function entityKindsConflict(a: number, b: number): boolean {
  return (a === POD && b === MACHINE) || (a === MACHINE && b === POD);
}

/** Whether a specific subject (not a carrier) is named on one side only. */
function oneSidedSubject(a: ConceptBag, b: ConceptBag): boolean {
  for (const [x, y] of [[a, b], [b, a]] as const) {
    for (const c of x.keys()) if (!y.has(c) && conflictKind(c) === 'subject') return true;
  }
  return false;
}

/** Whether one bag contains the other (each concept at least as often), qualifiers aside. */
export function nestedConcepts(a: ConceptBag, b: ConceptBag): boolean {
  // Where both name the same subject or condition, a carrier (host, pod, service) one of them adds is detail.
  let shared = false;
  for (const c of a.keys()) {
    const kind = conflictKind(c);
    if ((kind === 'subject' || kind === 'condition') && b.has(c)) {
      shared = true;
      break;
    }
  }
  const contains = (large: ConceptBag, small: ConceptBag) => {
    for (const [c, n] of small) {
      if ((large.get(c) ?? 0) >= n || c.startsWith('q:')) continue;
      if (shared && conflictKind(c) === 'carrier') continue;
      return false;
    }
    return true;
  };
  return contains(a, b) || contains(b, a);
}

/** Adds one bag into another (the larger count of each concept), as a group takes in a template. */
export function unionConcepts(into: Map<string, number>, from: ConceptBag): void {
  for (const [c, n] of from) into.set(c, Math.max(into.get(c) ?? 0, n));
}

/**
 * Concept weights over a set of templates: 1 + smoothed IDF; a generic carrier, a qualifier or a value's letters
 * `carrierWeight`; and the weighted overlap of two templates' concepts.
 */
export class ConceptSpace {
  private readonly df = new Map<string, number>();
  private templates = 0;
  /** Weights as of the templates added so far (cleared by `add`). */
  private readonly weights = new Map<string, number>();

  add(concepts: ConceptBag): void {
    this.templates++;
    for (const c of concepts.keys()) this.df.set(c, (this.df.get(c) ?? 0) + 1);
    if (this.weights.size > 0) this.weights.clear();
  }

  weight(concept: string): number {
    let w = this.weights.get(concept);
    if (w === undefined) {
      const kind = conflictKind(concept);
      if (kind === 'carrier' || concept.startsWith('v:')) w = MERGE_CONSTANTS.carrierWeight;
      else if (kind === 'minor') w = MERGE_CONSTANTS.qualifierWeight;
      else w = 1 + Math.log((1 + this.templates) / (1 + (this.df.get(concept) ?? 0)));
      this.weights.set(concept, w);
    }
    return w;
  }

  /**
   * A concept only one side names weighs less when it refines one both name: "PostgreSQL connections" against
   * "Database connections" differ by a detail, not by a problem.
   */
  oneSidedWeight(concept: string, other: ConceptBag): number {
    const w = this.weight(concept);
    if (concept.includes(':')) return w;
    for (const parent of conceptParents(concept)) if (other.has(parent)) return w * MERGE_CONSTANTS.refinementShare;
    return w;
  }

  frequency(concept: string): number {
    return this.df.get(concept) ?? 0;
  }

  get size(): number {
    return this.templates;
  }

  /** Weighted Jaccard (shared / union) and containment (shared / the smaller) of two bags. */
  overlap(a: ConceptBag, b: ConceptBag): { jaccard: number; containment: number; sharedKnown: boolean } {
    return overlapVectors(this.vector(a), this.vector(b));
  }

  /** A bag with its weights worked out once, for scoring it against many others (`overlapVectors`). */
  vector(bag: ConceptBag): ConceptVector {
    const keys = [...bag.keys()];
    return {
      bag,
      keys,
      counts: keys.map((c) => bag.get(c)!),
      weights: keys.map((c) => this.weight(c)),
      known: keys.map((c) => {
        const kind = conflictKind(c);
        return kind === 'subject' || kind === 'condition';
      }),
      parents: keys.map((c) => conceptParents(c)),
    };
  }
}

/** A template's concepts with their weights, known-ness and broader concepts, aligned by index. */
export interface ConceptVector {
  bag: ConceptBag;
  keys: readonly string[];
  counts: readonly number[];
  weights: readonly number[];
  known: readonly boolean[];
  parents: ReadonlyArray<readonly string[]>;
}

/** `ConceptSpace.overlap` on vectors made by the same space. */
export function overlapVectors(a: ConceptVector, b: ConceptVector): { jaccard: number; containment: number; sharedKnown: boolean } {
  let shared = 0;
  let wa = 0;
  let wb = 0;
  let sharedKnown = false;
  // A concept only one side names weighs less when it refines one the other side names (see `oneSidedWeight`).
  const oneSided = (w: number, parents: readonly string[], other: ConceptBag) => {
    for (let k = 0; k < parents.length; k++) if (other.has(parents[k]!)) return w * MERGE_CONSTANTS.refinementShare;
    return w;
  };
  for (let x = 0; x < a.keys.length; x++) {
    const na = a.counts[x]!;
    const nb = b.bag.get(a.keys[x]!);
    if (nb === undefined) {
      wa += oneSided(a.weights[x]!, a.parents[x]!, b.bag) * na;
      continue;
    }
    const w = a.weights[x]!;
    wa += w * na;
    shared += w * (na < nb ? na : nb);
    if (a.known[x]) sharedKnown = true;
  }
  for (let y = 0; y < b.keys.length; y++) {
    const nb = b.counts[y]!;
    wb += (a.bag.has(b.keys[y]!) ? b.weights[y]! : oneSided(b.weights[y]!, b.parents[y]!, a.bag)) * nb;
  }
  const union = wa + wb - shared;
  const smaller = wa < wb ? wa : wb;
  return { jaccard: union === 0 ? 0 : shared / union, containment: smaller === 0 ? 0 : shared / smaller, sharedKnown };
}

/**
 * The text rule's threshold for two templates: `threshold` for titles of a few concepts, where one more word is a
 * big share of the weight but a small change of meaning; stricter (`MERGE_CONSTANTS.longTextThreshold`) for long
 * texts such as log lines, where the same share is several words.
 */
function textThreshold(sizeA: number, sizeB: number, threshold: number): number {
  return Math.max(sizeA, sizeB) > MERGE_CONSTANTS.shortTextConcepts ? Math.max(threshold, MERGE_CONSTANTS.longTextThreshold) : threshold;
}

/** How many concepts a bag names, qualifiers and value letters aside (what makes a text short or long). */
function textSize(bag: ConceptBag): number {
  let n = 0;
  for (const c of bag.keys()) if (!c.startsWith('q:') && !c.startsWith('v:')) n++;
  return n;
}

interface CandidatePair {
  i: number;
  j: number;
  /** Text similarity (concepts; blended with embeddings when both have them): the order pairs are tried in. */
  similarity: number;
  /** Why the pair may merge, checked again at group level. */
  via: 'text' | 'cooccurrence' | 'embedding';
}

/**
 * Merges templates that name the same problem, best pairs first, each merge checked against the groups formed so far:
 * - **text**: the concept sets nest (one adds words to the other, none replaced) and their weighted Jaccard reaches
 *   `threshold`;
 * - **co-occurrence**: incidents of the two met on one entity within `cooccurrenceWindowMinutes` for at least
 *   `cooccurrenceMinShare` of the smaller template's incidents (and `cooccurrenceMinCount` times), they share a
 *   subject or condition, and the smaller one's concepts are mostly the other's (containment ≥ `cooccurrenceThreshold`);
 * - **embedding**: with vectors from a model, the blended similarity reaches `threshold` (nesting lifted).
 * Never when the groups' concepts conflict (a different subject or condition on each side).
 */
function mergeSameProblem(
  profiles: readonly TemplateProfile[],
  displayTokens: readonly string[][],
  settings: MergingSettings,
  groups: TemplateGroups,
  evidence: MergeEvidence,
): void {
  const concepts = displayTokens.map((tokens, k) => {
    const bag = templateConcepts(tokens);
    const types = profiles[k]!.entityTypes;
    if (types === undefined) return bag;
    const typed = new Map(bag);
    for (const type of types) {
      for (const concept of [type, ...conceptParents(type)]) if (!typed.has(concept)) typed.set(concept, 1);
    }
    return typed;
  });
  const space = new ConceptSpace();
  for (const list of concepts) space.add(list);
  const pairs = candidatePairs(profiles, concepts, space, settings, evidence);
  pairs.sort((a, b) => b.similarity - a.similarity || a.i - b.i || a.j - b.j);

  const groupConcepts = new Map<number, Map<string, number>>();
  const groupKinds = new Map<number, number>();
  concepts.forEach((bag, k) => {
    const root = groups.find(k);
    let group = groupConcepts.get(root);
    if (group === undefined) groupConcepts.set(root, (group = new Map()));
    unionConcepts(group, bag);
    groupKinds.set(root, (groupKinds.get(root) ?? 0) | entityKinds(displayTokens[k]!));
  });
  for (const { i, j, via } of pairs) {
    const ri = groups.find(i);
    const rj = groups.find(j);
    if (ri === rj) continue;
    const a = groupConcepts.get(ri)!;
    const b = groupConcepts.get(rj)!;
    if (conceptsConflict(a, b) || entityKindsConflict(groupKinds.get(ri)!, groupKinds.get(rj)!)) continue;
    if (via === 'text' && settings.wordingMustNest && !nestedConcepts(a, b)) continue;
    const root = groups.union(ri, rj);
    const merged = new Map(a);
    unionConcepts(merged, b);
    groupConcepts.delete(ri);
    groupConcepts.delete(rj);
    groupConcepts.set(root, merged);
    groupKinds.set(root, groupKinds.get(ri)! | groupKinds.get(rj)!);
  }
}

function candidatePairs(
  profiles: readonly TemplateProfile[],
  concepts: readonly ConceptBag[],
  space: ConceptSpace,
  settings: MergingSettings,
  evidence: MergeEvidence,
): CandidatePair[] {
  // Pairs are only scored when they share a concept, and only concepts that are not everywhere propose pairs once
  // there are many templates: an inverted index keeps this near-linear. A template made of common concepts alone is
  // still proposed through its rarest one, so identical wordings always meet.
  const maxDf =
    profiles.length > MERGE_CONSTANTS.allPairsUpTo
      ? Math.max(2, Math.floor(profiles.length * MERGE_CONSTANTS.candidateConceptMaxShare))
      : Infinity;
  const postings = new Map<string, number[]>();
  const post = (concept: string, index: number): void => {
    let list = postings.get(concept);
    if (list === undefined) postings.set(concept, (list = []));
    list.push(index);
  };
  concepts.forEach((bag, index) => {
    let rarest: string | undefined;
    let indexed = false;
    for (const concept of bag.keys()) {
      const frequency = space.frequency(concept);
      if (frequency <= maxDf) {
        post(concept, index);
        indexed = true;
      } else if (rarest === undefined || frequency < space.frequency(rarest)) rarest = concept;
    }
    if (!indexed && rarest !== undefined) post(rarest, index);
  });

  const cooccurrence = evidence.cooccurrence;
  const sizes = concepts.map(textSize);
  const vectors = concepts.map((bag) => space.vector(bag));
  const pairs: CandidatePair[] = [];
  const scored = new Set<number>();
  // Which pairs were scored already: only needed to skip them among the co-occurring pairs afterwards.
  const everScored = cooccurrence !== undefined ? new Set<number>() : undefined;
  const scoredPair = (i: number, j: number) => everScored?.has(i * concepts.length + j) ?? false;
  const consider = (i: number, j: number): void => {
    everScored?.add(i * concepts.length + j);
    const a = profiles[i]!;
    const b = profiles[j]!;
    const { jaccard, containment, sharedKnown } = overlapVectors(vectors[i]!, vectors[j]!);
    if (a.embedding !== undefined && b.embedding !== undefined) {
      const similarity = (1 - settings.embeddingWeight) * jaccard + settings.embeddingWeight * denseCosine(a.embedding, b.embedding);
      if (similarity >= settings.threshold) pairs.push({ i, j, similarity, via: 'embedding' });
      return;
    }
    if (jaccard >= textThreshold(sizes[i]!, sizes[j]!, settings.threshold)) {
      pairs.push({ i, j, similarity: jaccard, via: 'text' });
      return;
    }
    if (cooccurrence === undefined || containment < settings.cooccurrenceThreshold) return;
    const smaller = a.count <= b.count ? i : j;
    const larger = smaller === i ? j : i;
    const met = cooccurrence.get(smaller, larger);
    if (met >= settings.cooccurrenceMinCount && met >= settings.cooccurrenceMinShare * profiles[smaller]!.count) {
      pairs.push({ i, j, similarity: jaccard, via: 'cooccurrence' });
    } else if (met >= 1 && containment >= settings.cooccurrenceOnceThreshold && sharedKnown && !oneSidedSubject(concepts[i]!, concepts[j]!)) {
      // Meeting once is weak evidence: it bridges wording that shares a subject or condition, never adds a subject.
      pairs.push({ i, j, similarity: jaccard, via: 'cooccurrence' });
    }
  };
  for (let i = 0; i < concepts.length; i++) {
    scored.clear();
    for (const concept of concepts[i]!.keys()) {
      for (const j of postings.get(concept) ?? []) {
        if (j <= i || scored.has(j)) continue;
        scored.add(j);
        consider(i, j);
      }
    }
  }
  // Templates without a shared concept meet through co-occurrence...
  if (cooccurrence !== undefined) {
    for (const [i, j] of cooccurrence.pairs()) {
      if (scoredPair(i, j)) continue;
      consider(i, j);
    }
  }
  // ...or through their embeddings.
  const embedded = profiles.some((p) => p.embedding !== undefined);
  if (embedded) {
    const seen = new Set(pairs.map((p) => p.i * profiles.length + p.j));
    for (let i = 0; i < profiles.length; i++) {
      if (profiles[i]!.embedding === undefined) continue;
      for (let j = i + 1; j < profiles.length; j++) {
        if (profiles[j]!.embedding === undefined || seen.has(i * profiles.length + j)) continue;
        const { jaccard } = overlapVectors(vectors[i]!, vectors[j]!);
        const similarity = (1 - settings.embeddingWeight) * jaccard + settings.embeddingWeight * denseCosine(profiles[i]!.embedding!, profiles[j]!.embedding!);
        if (similarity >= settings.threshold) pairs.push({ i, j, similarity, via: 'embedding' });
      }
    }
  }
  return pairs;
}
