// Names people read: a pattern is named by its most readable template, its entities as words in braces ("High CPU on
// {host}") with their commonest values beside the name ("web-01, web-07 and 12 more"), one shared value spelled out,
// numbers as a range ("94–99%"). Never a placeholder token (`<HOST>`, `<*>`), a tool's tag syntax or a numbered range.
import { compileMasker, isPlaceholderToken, splitTokens, type Masker } from './masking.ts';
import { DEFAULT_CLUSTERING_SETTINGS } from './settings.ts';

/** Values looked at per slot; enough for ranges and counts, bounded for large clusters. */
const MAX_VALUES_PER_SLOT = 5_000;
/** Commonest values kept per slot. */
const TOP_VALUES = 3;

/** One variable part of a name: what it is, its commonest values, and how many different ones there are. */
export interface LabelSlot {
  /** The word shown in braces: `host`, `queue`, `percent`. */
  name: string;
  /** Commonest first. */
  values: Array<{ value: string; count: number }>;
  distinct: number;
}

export interface ClusterName {
  /** E.g. `High CPU on {host} (94–99%)`; a slot whose incidents agree shows its value. */
  label: string;
  /** The slots left in braces, in order. */
  slots: LabelSlot[];
  /** The template the name was made from (mined, with placeholders). */
  template: string;
}

/** Placeholder → the word shown for it. `<VALUE>` and `<*>` take a better name from their context when they can. */
const SLOT_NAMES: Record<string, string> = {
  HOST: 'host',
  IP: 'address',
  POD: 'pod',
  PATH: 'path',
  URL: 'url',
  EMAIL: 'email',
  UUID: 'id',
  ID: 'id',
  HEX: 'id',
  TS: 'time',
  DURATION: 'duration',
  SIZE: 'size',
  PCT: 'percent',
  NUM: 'number',
  REGION: 'region',
  MAC: 'address',
  VALUE: 'name',
  '*': 'value',
};
const NUMERIC = new Set(['PCT', 'NUM', 'DURATION', 'SIZE']);
// Nouns that, right before or after a variable word, say what it is: "queue {queue}" reads as "{queue} queue".
const CONTEXT_NOUNS = new Set(
  [
    'queue topic namespace bucket service database db table job cronjob function lambda deployment statefulset daemonset',
    'pod container cluster index stream subscription consumer group region zone host node instance server vhost',
    'exchange schema keyspace repo repository pipeline branch team tenant account project site domain endpoint app',
    'application worker backup replica shard volume disk broker partition user certificate cert',
  ]
    .join(' ')
    .split(' '),
);
// A few nouns read better as another word in braces: "Lambda {function}", "db {database}".
const NOUN_SLOTS: Record<string, string> = { lambda: 'function', db: 'database', cert: 'certificate', app: 'application', cronjob: 'job' };
const LABEL_TOKEN = /^[({[,]*([a-z][a-z_.-]*)[:=]"?<(?:VALUE|\*)>"?[)}\],.;]*$/;
const PLACEHOLDER = /<([A-Z][A-Z0-9_-]*|\*)>/;

/**
 * The name of a pattern from its templates (with their incidents' raw token lists, as clustered): the most readable
 * of its common templates, slots named and summarised.
 */
export function nameCluster(
  templates: ReadonlyArray<{ template: string; count: number; rawTokenLists: Iterable<RawIncidentTokens> }>,
): ClusterName {
  if (templates.length === 0) return { label: '', slots: [], template: '' };
  const ranked = [...templates].sort(
    (a, b) => b.count * readability(b.template) - a.count * readability(a.template) || b.count - a.count || (a.template < b.template ? -1 : 1),
  );
  const chosen = ranked[0]!;
  return { ...describeTemplate(splitTokens(chosen.template), chosen.rawTokenLists), template: chosen.template };
}

/**
 * How well a template reads as a name, 0–1: words people write beat an alert's CamelCase identifier, a tag list or
 * a line of placeholders; one word alone says little.
 */
export function readability(template: string): number {
  const tokens = splitTokens(template).filter((t) => !LABEL_TOKEN.test(t));
  if (tokens.length === 0) return 0.01;
  let words = 0;
  let camel = 0;
  let placeholders = 0;
  for (const token of tokens) {
    if (PLACEHOLDER.test(token)) placeholders += token.includes('<*>') || token.includes('<VALUE>') ? 2 : 1;
    else if (/[a-z][A-Z].*[a-z][A-Z]/.test(token)) camel++;
    else if (/^[(["']?[A-Za-z][a-z]+[)\]"',.:;?!]*$/.test(token)) words++;
  }
  let score = words >= 2 ? 1 : words === 1 ? 0.4 : 0.15;
  score *= 1 - (0.6 * camel) / tokens.length;
  score *= Math.max(0.2, 1 - (0.5 * placeholders) / tokens.length);
  return Math.max(score, 0.01);
}

/** An incident as names read it: its raw tokens (as clustered) and, when known, its service. */
export type RawIncidentTokens = readonly string[] | { tokens: readonly string[]; service?: string | null };

/** A template's name with its slots summarised from the raw tokens of its incidents (same token count). */
export function describeTemplate(template: readonly string[], rawTokenLists: Iterable<RawIncidentTokens>): Omit<ClusterName, 'template'> {
  // Tags the tools append ("on host:<VALUE> env:<VALUE>") name entities the words already show: they go.
  let end = template.length;
  while (end > 0 && LABEL_TOKEN.test(template[end - 1]!)) end--;
  if (end < template.length && end > 0 && /^on$/i.test(template[end - 1]!)) end--;
  const visible = template
    .slice(0, end)
    .map((token, position) => ({ token, position }))
    .filter(({ token }) => !LABEL_TOKEN.test(token));

  // Each placeholder of each visible token is a slot (`<NUM>/<NUM>` holds two), read from the raw token by the
  // token's own literal text around them.
  const slots = visible.flatMap(({ token, position }) => {
    const kinds = [...token.matchAll(PLACEHOLDERS)].map((m) => m[1]!);
    if (kinds.length === 0) return [];
    const literal = token.split(PLACEHOLDERS_SPLIT);
    const reader = new RegExp(`^[("'\\[{]*${literal.map((l, i) => (i < kinds.length ? `${escapeRegExp(l)}(.+?)` : escapeRegExp(l))).join('')}[)"',.:;\\]}?!]*$`);
    return kinds.map((kind, index) => ({ position, kind, index, reader, counts: new Map<string, number>(), service: 0 }));
  });
  let seen = 0;
  for (const incident of rawTokenLists) {
    const raw = Array.isArray(incident) ? (incident as readonly string[]) : (incident as { tokens: readonly string[] }).tokens;
    const service = Array.isArray(incident) ? undefined : (incident as { service?: string | null }).service?.toLowerCase();
    if (raw.length !== template.length) continue;
    if (seen++ >= MAX_VALUES_PER_SLOT) break;
    for (const slot of slots) {
      const match = slot.reader.exec(raw[slot.position]!.replace(/\uE000/g, ''));
      const value = match?.[slot.index + 1]?.replace(/^[("'[{]+|[)"',.:;\]}?!]+$/g, '');
      if (value === undefined || value === '') continue;
      slot.counts.set(value, (slot.counts.get(value) ?? 0) + 1);
      if (service !== undefined && value.toLowerCase() === service) slot.service++;
    }
  }

  const labelSlots: LabelSlot[] = [];
  const out: string[] = [];
  for (const { token, position } of visible) {
    const mine = slots.filter((s) => s.position === position);
    if (mine.length === 0) {
      out.push(token);
      continue;
    }
    let k = 0;
    out.push(
      token.replace(PLACEHOLDERS, () => {
        const slot = mine[k++]!;
        const total = [...slot.counts.values()].reduce((a, b) => a + b, 0);
        // A slot nothing else names is the incidents' own service when it mostly holds that.
        const named = slotName(slot.kind, template, position, slot.counts);
        const word = (named === 'value' || named === 'name') && total > 0 && slot.service * 2 >= total ? 'service' : named;
        const shown = summarise(slot.kind, slot.counts, word);
        if (shown.slot !== undefined) labelSlots.push(shown.slot);
        return shown.text;
      }),
    );
  }
  return { label: tidy(out.join(' ')), slots: labelSlots };
}

const PLACEHOLDERS = /<([A-Z][A-Z0-9_-]*|\*)>/g;
const PLACEHOLDERS_SPLIT = /<(?:[A-Z][A-Z0-9_-]*|\*)>/;
function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * A template as people can read and write it back: every token kept (so it still fits its incidents as a split
 * pattern), each placeholder as the word in braces a name would show (`host:{value}`, `{percent}`).
 */
export function patternTemplate(template: string): string {
  const tokens = splitTokens(template);
  return tokens
    .map((token, position) => {
      const match = PLACEHOLDER.exec(token);
      if (match === null) return token;
      const word = slotName(match[1]!, tokens, position, new Map());
      return token.replace(/<(?:[A-Z][A-Z0-9_-]*|\*)>/g, `{${word}}`);
    })
    .join(' ');
}

/** A template as a name without values: placeholders as words in braces, tool tags dropped. */
export function readableTemplate(template: string): string {
  return describeTemplate(splitTokens(template), []).label;
}

function slotName(kind: string, template: readonly string[], position: number, counts: ReadonlyMap<string, number>): string {
  const fixed = SLOT_NAMES[kind] ?? kind.toLowerCase();
  if (kind !== 'VALUE' && kind !== '*' && kind !== 'HOST') return fixed;
  const token = template[position]!;
  const key = /^[^a-z]*([a-z][a-z_.-]*)[:=]/.exec(token)?.[1];
  if (key !== undefined) return key.replace(/^kube_/, '').replace(/_?name$/, '').replace(/_/g, ' ') || fixed;
  const noun = (t: string | undefined) => {
    const word = t?.toLowerCase().replace(/[^a-z]/g, '');
    return word !== undefined && CONTEXT_NOUNS.has(word) ? (NOUN_SLOTS[word] ?? word) : undefined;
  };
  return noun(template[position - 1]) ?? noun(template[position + 1]) ?? shapeName(counts) ?? fixed;
}

let valueMasker: Masker | undefined;
/** What most values look like, when they share a shape: hosts, pods, addresses, URLs, paths, regions, numbers. */
function shapeName(counts: ReadonlyMap<string, number>): string | undefined {
  if (counts.size === 0) return undefined;
  valueMasker ??= compileMasker(DEFAULT_CLUSTERING_SETTINGS.masking);
  const kinds = new Map<string, number>();
  let total = 0;
  for (const [value, n] of counts) {
    const masked = valueMasker.maskTokens(value);
    const kind = masked.length === 1 ? PLACEHOLDER.exec(masked[0]!)?.[1] : undefined;
    total += n;
    if (kind !== undefined && masked[0] === `<${kind}>`) kinds.set(kind, (kinds.get(kind) ?? 0) + n);
  }
  const [best] = [...kinds].sort((a, b) => b[1] - a[1]);
  if (best === undefined || best[1] * 2 < total || best[0] === 'VALUE') return undefined;
  return SLOT_NAMES[best[0]] ?? undefined;
}

/** One slot's text in the name: its only value, a numeric range, or the slot's word (with its values listed aside). */
function summarise(kind: string, counts: ReadonlyMap<string, number>, word: string): { text: string; slot?: LabelSlot } {
  const distinct = [...counts.keys()];
  if (distinct.length === 0) return { text: `{${word}}` };
  if (distinct.length === 1) return { text: distinct[0]! };
  if (NUMERIC.has(kind) && distinct.length > 0) {
    const numbers = distinct.map((v) => /^([-+]?\d+(?:\.\d+)?)([a-zA-Z%µ]*)$/.exec(v));
    if (numbers.every((m) => m !== null) && new Set(numbers.map((m) => m![2])).size === 1) {
      const values = numbers.map((m) => Number(m![1]));
      const low = Math.min(...values);
      const high = Math.max(...values);
      return { text: low === high ? `${low}${numbers[0]![2]}` : `${low}–${high}${numbers[0]![2]}` };
    }
    // Amounts in mixed units ("448s", "2m30s") are not worth listing: the word says what they are.
    return { text: `{${word}}` };
  }
  const values = [...counts]
    .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
    .slice(0, TOP_VALUES)
    .map(([value, count]) => ({ value, count }));
  return { text: `{${word}}`, slot: { name: word, values, distinct: distinct.length } };
}

/** Spacing and punctuation after tags and empty parentheses went. */
function tidy(text: string): string {
  // A closing parenthesis lost with a value ("(instance <*>") is given back.
  const open = (text.match(/\(/g) ?? []).length - (text.match(/\)/g) ?? []).length;
  if (open > 0) text += ')'.repeat(open);
  return text
    .replace(/\(\s*\)/g, '')
    .replace(/\[\s*\]/g, '')
    .replace(/\s+([,.;:)\]])/g, '$1')
    .replace(/([([])\s+/g, '$1')
    .replace(/\s{2,}/g, ' ')
    .replace(/[\s,;:]+$/g, '')
    .trim();
}

/**
 * The values beside a name, in words: "web-01, web-07 and 12 more" (the commonest first; three listed rather than
 * "and 1 more").
 */
export function slotValuesText(slot: LabelSlot, show = 2): string {
  const shown = slot.values.slice(0, slot.distinct === show + 1 ? show + 1 : show).map((v) => v.value);
  const more = slot.distinct - shown.length;
  if (more <= 0) return shown.length <= 1 ? (shown[0] ?? '') : `${shown.slice(0, -1).join(', ')} and ${shown[shown.length - 1]}`;
  return `${shown.join(', ')} and ${more.toLocaleString('en')} more`;
}

/** Whether a text still holds a placeholder token that must never reach people. */
export function hasPlaceholderToken(text: string): boolean {
  return /<(?:[A-Z][A-Z0-9_-]*|\*)>/.test(text) || /\{\d+\.\.\d+\}/.test(text) || text.split(/\s+/).some(isPlaceholderToken);
}
