// One-pass template mining in the spirit of Drain (He et al., ICWS 2017): a fixed-depth prefix tree routes masked
// tokens to a few candidate templates, the most similar one above a threshold absorbs the incident.
import { hasDigit, hasPlaceholder } from './masking.ts';
import { memoize } from './memo.ts';
import type { MiningSettings } from './settings.ts';

/** The generic placeholder written where incidents of one template disagree. */
export const WILDCARD = '<*>';

export interface TemplateGroup {
  /** Sequential within one miner, so a template is found again after a reload. */
  id: number;
  tokens: string[];
  /** Incidents absorbed so far. */
  count: number;
}

interface TreeNode {
  children: Map<string, TreeNode>;
  /** Only at leaves: the templates routed here, oldest first. */
  groupIds: number[];
  /** Only at leaves: counts changes to its templates (one added or generalised), for remembered routes. */
  version: number;
}

export interface TemplateMiner {
  readonly settings: MiningSettings;
  readonly digitTokensAreVariables: boolean;
  /** First level: token count. */
  readonly byLength: Map<number, TreeNode>;
  readonly groups: TemplateGroup[];
}

/** Plain-JSON form of a miner: the tree as nested `[token, node]` pairs and the templates as token arrays. */
export interface TemplateMinerState {
  settings: MiningSettings;
  digitTokensAreVariables: boolean;
  tree: Array<[number, TreeNodeState]>;
  groups: Array<{ id: number; tokens: string[]; count: number }>;
}
interface TreeNodeState {
  c?: Array<[string, TreeNodeState]>;
  g?: number[];
}

export function createTemplateMiner(settings: MiningSettings, digitTokensAreVariables: boolean): TemplateMiner {
  return { settings: { ...settings }, digitTokensAreVariables, byLength: new Map(), groups: [] };
}

export interface MinedTemplate {
  group: TemplateGroup;
  /** A new template was created for these tokens. */
  created: boolean;
  /** An existing template was generalised to fit them (its text changed). */
  changed: boolean;
}

/**
 * Routes masked tokens to their template, creating or generalising one as needed. With `shared`, the caller promises
 * that `tokens` is an array nobody changes and that comes again for the same text (`Masker.maskTokensForReading`):
 * the miner then remembers where it went, and while nothing changed at that leaf since, the same tokens go to the
 * same template without walking the tree or comparing templates again.
 */
export function addIncidentTokens(miner: TemplateMiner, tokens: readonly string[], shared = false): MinedTemplate {
  if (shared) {
    const known = recentOf(miner).get(tokens);
    // Unchanged leaf: the same best template (joining it only made it fit these tokens better).
    if (known !== undefined && known.version === known.leaf.version) {
      const group = known.group;
      group.count++;
      const changed = generalise(group.tokens, tokens);
      if (changed) known.version = ++known.leaf.version;
      return { group, created: false, changed };
    }
  }
  const leaf = routeToLeaf(miner, tokens, true)!;
  const best = bestGroup(miner, leaf, tokens);
  let mined: MinedTemplate;
  if (best !== undefined) {
    best.count++;
    const changed = generalise(best.tokens, tokens);
    if (changed) leaf.version++;
    mined = { group: best, created: false, changed };
  } else {
    const group: TemplateGroup = { id: miner.groups.length, tokens: tokens.slice(), count: 1 };
    miner.groups.push(group);
    leaf.groupIds.push(group.id);
    leaf.version++;
    mined = { group, created: true, changed: false };
  }
  if (shared) {
    const recent = recentOf(miner);
    if (recent.size >= RECENT_SIZE) recent.clear();
    recent.set(tokens, { leaf, version: leaf.version, group: mined.group });
  }
  return mined;
}

interface RecentTokens {
  leaf: TreeNode;
  /** The leaf's version when the tokens went to `group`. */
  version: number;
  group: TemplateGroup;
}

/** Shared token arrays remembered per miner (the masker's memo holds fewer lines than this). */
const RECENT_SIZE = 65_536;
const recentByMiner = new WeakMap<TemplateMiner, Map<readonly string[], RecentTokens>>();
let lastMiner: TemplateMiner | undefined;
let lastRecent: Map<readonly string[], RecentTokens> | undefined;

function recentOf(miner: TemplateMiner): Map<readonly string[], RecentTokens> {
  if (miner !== lastMiner || lastRecent === undefined) {
    lastRecent = recentByMiner.get(miner);
    if (lastRecent === undefined) recentByMiner.set(miner, (lastRecent = new Map()));
    lastMiner = miner;
  }
  return lastRecent;
}

/** The template these tokens would join, without changing the miner (for read-only look-ups). */
export function matchIncidentTokens(miner: TemplateMiner, tokens: readonly string[]): TemplateGroup | undefined {
  const leaf = routeToLeaf(miner, tokens, false);
  return leaf === undefined ? undefined : bestGroup(miner, leaf, tokens);
}

function routingKey(miner: TemplateMiner, token: string): string {
  if (hasPlaceholder(token)) return WILDCARD;
  if (miner.digitTokensAreVariables && hasDigit(token)) return WILDCARD;
  return token;
}

function routeToLeaf(miner: TemplateMiner, tokens: readonly string[], create: boolean): TreeNode | undefined {
  let node: TreeNode | undefined = miner.byLength.get(tokens.length);
  if (node === undefined) {
    if (!create) return undefined;
    node = newNode();
    miner.byLength.set(tokens.length, node);
  }
  const steps = Math.min(miner.settings.depth - 2, tokens.length);
  for (let i = 0; i < steps; i++) {
    const key = routingKey(miner, tokens[i]!);
    let next: TreeNode | undefined = node.children.get(key);
    if (next === undefined && key !== WILDCARD && node.children.size >= miner.settings.maxChildren) {
      // A full node sends unseen tokens down the wildcard branch, which keeps the tree bounded (Drain's maxChild).
      next = node.children.get(WILDCARD);
      if (next === undefined && create) {
        next = newNode();
        node.children.set(WILDCARD, next);
      }
    } else if (next === undefined && create) {
      next = newNode();
      node.children.set(key, next);
    }
    if (next === undefined) return undefined;
    node = next;
  }
  return node;
}

function newNode(): TreeNode {
  return { children: new Map(), groupIds: [], version: 0 };
}

/**
 * The most similar template at a leaf, if similar enough. Similarity is the share of positions whose tokens are
 * equal, not counting positions the template has already generalised to `<*>`; ties go to the template with more
 * generalised positions, then to the oldest (Drain's rule, which keeps the choice deterministic).
 */
function bestGroup(miner: TemplateMiner, leaf: TreeNode, tokens: readonly string[]): TemplateGroup | undefined {
  let best: TemplateGroup | undefined;
  let bestSimilarity = -1;
  let bestParams = -1;
  const length = tokens.length;
  const splitWords = miner.settings.splitOnWordDifference;
  for (const id of leaf.groupIds) {
    const group = miner.groups[id]!;
    const template = group.tokens;
    let same = 0;
    let params = 0;
    let compatible = true;
    for (let i = 0; i < length; i++) {
      const t = template[i]!;
      const token = tokens[i]!;
      if (t === token) same++;
      else if (t === WILDCARD) params++;
      else {
        if (splitWords && differentWords(token, t, i === 0)) {
          compatible = false;
          break;
        }
        if (t.includes(WILDCARD)) params++;
      }
    }
    if (!compatible) continue;
    const similarity = length === 0 ? 1 : same / length;
    if (similarity > bestSimilarity || (similarity === bestSimilarity && params > bestParams)) {
      best = group;
      bestSimilarity = similarity;
      bestParams = params;
    }
  }
  return best !== undefined && bestSimilarity >= miner.settings.similarityThreshold ? best : undefined;
}

const PLACEHOLDERS = /<[A-Z][A-Z0-9_-]*>|<\*>/g;
const NON_LETTERS = /[^A-Za-z]+/g;
const HAS_PLACEHOLDER = /<[A-Z][A-Z0-9_-]*>|<\*>/;
const TRAILING_ALNUM = /[0-9A-Za-z]+$/;
const LEADING_ALNUM = /^[0-9A-Za-z]+/;
const DIGIT = /\d/;

/**
 * The letters of a token once placeholders and everything else are dropped: `rhost=<IP>` → `rhost`, `an14` → `an`,
 * `SOCKS5` → `SOCKS`. Two tokens with different non-empty signatures are different words, not two values of one
 * variable.
 */
export function wordSignature(token: string): string {
  return token.replace(PLACEHOLDERS, '').replace(NON_LETTERS, '');
}

/**
 * Whether two tokens are different words: both look constant (no placeholder inside), both have letters, and their
 * letters differ (`Started` / `Stopped`, `SOCKS5` / `HTTPS`; not `an14` / `an15`), or they name different HTTP status
 * classes (`4xx` / `5xx`). A token with a value inside differs from another only as a title's first token (an alert's
 * name), where its words count; elsewhere it is a parameter's (`overlapAmount:<NUM>,` / `release:lock=<NUM>,` in one
 * log template). Compared letter by letter, without building the letter strings.
 */
function differentWords(a: string, b: string, first: boolean): boolean {
  if ((a.includes('<') && HAS_PLACEHOLDER.test(a)) || (b.includes('<') && HAS_PLACEHOLDER.test(b))) {
    if (!first) return differentStatusClasses(a, b);
    // A value inside a token leaves its words: two tokens whose words differ stay apart, or the first such pair
    // would generalise to a bare `<*>` that takes any word after it (every alert name of one shape in one template:
    // `OracleDbTablespaceFull(><PCT>)`, `MongodbReplicationStatus<*>`, `HaproxyDown`). Words touching a value are
    // part of it (`Thunderbird_C<*>` / `Thunderbird_D5`, `@dadmin1`), and short ones may be (`rdd_<NUM>`).
    if (differentStatusClasses(a, b)) return true;
    const x = stableWords(a);
    const y = stableWords(b);
    return x !== '' && y !== '' && x !== y;
  }
  if (differentStatusClasses(a, b)) return true;
  let i = 0;
  let j = 0;
  let letters = false;
  for (;;) {
    while (i < a.length && !isLetter(a.charCodeAt(i))) i++;
    while (j < b.length && !isLetter(b.charCodeAt(j))) j++;
    if (i === a.length || j === b.length) {
      // Out of letters: different if only one ran out after a shared start (`Start` / `Started`); equal when both
      // did; and never when one had no letters at all.
      return letters && (i === a.length) !== (j === b.length);
    }
    if (a.charCodeAt(i) !== b.charCodeAt(j)) return true;
    letters = true;
    i++;
    j++;
  }
}

/**
 * A token's words of four letters or more (split at case changes and non-letters) that touch no digit or
 * placeholder, joined: what stays of it whatever its values.
 */
const stableWords = memoize((token) => readStableWords(token), 20_000);
function readStableWords(token: string): string {
  const text = token.replace(PLACEHOLDERS, '\u0000');
  const words: string[] = [];
  for (const match of text.matchAll(WORD_RUN)) {
    const word = match[0];
    const start = match.index;
    const end = start + word.length;
    if (word.length < 4) continue;
    if (touchesValue(text, start - 1) || touchesValue(text, end)) continue;
    words.push(word);
  }
  return words.join(' ');
}
// Capitalised or lower-case words, split where a lower-case letter meets a capital (`TablespaceFull`).
const WORD_RUN = /[A-Z]?[a-z]+|[A-Z]+(?![a-z])/g;
function touchesValue(text: string, at: number): boolean {
  if (at < 0 || at >= text.length) return false;
  const c = text.charCodeAt(at);
  return c === 0 || (c >= 48 && c <= 57);
}

// HTTP status classes: `4xx` (the client's fault) and `5xx` (the server's) are two problems, not two values of one.
const STATUS_CLASS = /(?<![0-9])[1-5][xX]{2}(?![xX0-9])/;
function differentStatusClasses(a: string, b: string): boolean {
  const x = STATUS_CLASS.exec(a)?.[0];
  if (x === undefined) return false;
  const y = STATUS_CLASS.exec(b)?.[0];
  return y !== undefined && x[0] !== y[0];
}

function isLetter(c: number): boolean {
  return (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
}

/**
 * Where an incident disagrees with its template, the template gets `<*>`; a token whose words agree keeps its
 * common ends (`rhost=<IP>` and `rhost=<HOST>` give `rhost=<*>`), so the key stays readable and comparable.
 */
function generalise(template: string[], tokens: readonly string[]): boolean {
  let changed = false;
  let settledFor: Array<string | undefined> | undefined;
  for (let i = 0; i < template.length; i++) {
    const t = template[i]!;
    const token = tokens[i]!;
    if (t === token || t === WILDCARD) continue;
    // The token this position last took without changing (`rhost=<*>` takes `rhost=<IP>` as it is): the same token
    // again gives the same answer.
    settledFor ??= settled.get(template);
    if (settledFor !== undefined && settledFor[i] === token) continue;
    const merged = commonEnds(t, token);
    if (merged !== t) {
      template[i] = merged;
      changed = true;
      if (settledFor !== undefined) settledFor[i] = undefined;
    } else {
      if (settledFor === undefined) settled.set(template, (settledFor = []));
      settledFor[i] = token;
    }
  }
  return changed;
}

/**
 * Two tokens whose words differ share at most their leading words (`MongodbReplicationStatus<*>` and
 * `MongodbReplicationLag(dcu)` → `MongodbReplication<*>`): kept when one of them is a word of four letters or more,
 * so the position still takes only tokens that start so; else `<*>`.
 */
function commonLeadingWords(a: string, b: string): string {
  const max = Math.min(a.length, b.length);
  let prefix = 0;
  while (prefix < max && a[prefix] === b[prefix]) prefix++;
  // Back to a word boundary in both: the next character of each starts a word (a capital, or not a letter).
  const boundary = (t: string, at: number) => at === t.length || !isLetter(t.charCodeAt(at)) || (t.charCodeAt(at) >= 65 && t.charCodeAt(at) <= 90);
  while (prefix > 0 && !(boundary(a, prefix) && boundary(b, prefix))) prefix--;
  const head = a.slice(0, prefix);
  if (head.includes('<') || !/[A-Za-z]{4,}|[A-Z][a-z]{3,}/.test(head) || !/[A-Za-z]$/.test(head)) return WILDCARD;
  return `${head}${WILDCARD}`;
}

/** Per template (its token array), the token each position last took unchanged. */
const settled = new WeakMap<string[], Array<string | undefined>>();

function commonEnds(a: string, b: string): string {
  const signature = wordSignature(a);
  if (signature === '' || signature !== wordSignature(b)) return commonLeadingWords(a, b);
  const max = Math.min(a.length, b.length);
  let prefix = 0;
  while (prefix < max && a[prefix] === b[prefix]) prefix++;
  let suffix = 0;
  while (suffix < max - prefix && a[a.length - 1 - suffix] === b[b.length - 1 - suffix]) suffix++;
  let head = a.slice(0, prefix);
  let tail = a.slice(a.length - suffix);
  // Never cut a placeholder in two, nor keep half of an alphanumeric run that varies (`an1` of `an14`/`an15`).
  const open = head.lastIndexOf('<');
  if (open > head.lastIndexOf('>')) head = head.slice(0, open);
  const close = tail.indexOf('>');
  const reopen = tail.indexOf('<');
  if (close !== -1 && (reopen === -1 || close < reopen)) tail = tail.slice(close + 1);
  head = head.replace(TRAILING_ALNUM, (run) => (DIGIT.test(run) ? '' : run));
  tail = tail.replace(LEADING_ALNUM, (run) => (DIGIT.test(run) ? '' : run));
  const merged = `${head}${WILDCARD}${tail}`;
  return wordSignature(merged) === signature ? merged : WILDCARD;
}

export function serializeTemplateMiner(miner: TemplateMiner): TemplateMinerState {
  const nodeState = (node: TreeNode): TreeNodeState => {
    const state: TreeNodeState = {};
    if (node.children.size > 0) state.c = [...node.children].map(([token, child]) => [token, nodeState(child)]);
    if (node.groupIds.length > 0) state.g = node.groupIds.slice();
    return state;
  };
  return {
    settings: { ...miner.settings },
    digitTokensAreVariables: miner.digitTokensAreVariables,
    tree: [...miner.byLength].map(([length, node]) => [length, nodeState(node)]),
    groups: miner.groups.map((g) => ({ id: g.id, tokens: g.tokens.slice(), count: g.count })),
  };
}

export function loadTemplateMiner(state: TemplateMinerState): TemplateMiner {
  const node = (s: TreeNodeState): TreeNode => ({
    children: new Map((s.c ?? []).map(([token, child]) => [token, node(child)])),
    groupIds: (s.g ?? []).slice(),
    version: 0,
  });
  return {
    settings: { ...state.settings },
    digitTokensAreVariables: state.digitTokensAreVariables,
    byLength: new Map(state.tree.map(([length, s]) => [length, node(s)])),
    groups: state.groups.map((g, i) => {
      if (g.id !== i) throw new Error(`template miner state: group ${i} has id ${g.id}`);
      return { id: g.id, tokens: g.tokens.slice(), count: g.count };
    }),
  };
}
