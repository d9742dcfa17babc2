// Human-readable cluster labels: the template with its variable parts summarised from the incidents' own values,
// e.g. `High CPU on <HOST> (94–99%)` or `Disk pressure on batch-node-{1..17}`.
import { isPlaceholderToken } from './masking.ts';

/** Values looked at per slot; enough for ranges and sets, bounded for large clusters. */
const MAX_VALUES_PER_SLOT = 5_000;
/** Up to this many distinct values are listed as a set, `{a,b,c}`. */
const MAX_LISTED_VALUES = 3;

/**
 * Summarises `template` (tokens with placeholders) over raw incident token lists of the same length: each token
 * holding one placeholder becomes its value when all agree, a numeric range, a numbered range, or a small set.
 */
export function labelTemplate(template: readonly string[], rawTokenLists: Iterable<readonly string[]>): string {
  const slots = template
    .map((token, position) => ({ token, position, ...placeholderParts(token) }))
    .filter((slot): slot is { token: string; position: number; prefix: string; suffix: string } => slot.prefix !== undefined);
  const values = slots.map(() => [] as string[]);
  let seen = 0;
  for (const raw of rawTokenLists) {
    if (raw.length !== template.length) continue;
    if (seen++ >= MAX_VALUES_PER_SLOT) break;
    slots.forEach((slot, k) => {
      const token = raw[slot.position]!;
      if (token.length >= slot.prefix.length + slot.suffix.length && token.startsWith(slot.prefix) && token.endsWith(slot.suffix)) {
        values[k]!.push(token.slice(slot.prefix.length, token.length - slot.suffix.length));
      }
    });
  }
  const label = template.slice();
  slots.forEach((slot, k) => {
    const summary = summariseValues(values[k]!);
    if (summary !== undefined) label[slot.position] = `${slot.prefix}${summary}${slot.suffix}`;
  });
  return label.join(' ');
}

/** The literal text around the single placeholder of a token (`(<PCT>)` → `(` and `)`); none for other tokens. */
function placeholderParts(token: string): { prefix?: string; suffix?: string } {
  const open = token.indexOf('<');
  const close = token.lastIndexOf('>');
  if (open === -1 || close < open) return {};
  const inner = token.slice(open, close + 1);
  if (!isPlaceholderToken(inner)) return {};
  return { prefix: token.slice(0, open), suffix: token.slice(close + 1) };
}

const NUMBER_WITH_UNIT = /^([-+]?\d+(?:\.\d+)?)([a-zA-Z%µ]*)$/;
const NUMBERED = /^(.*?)(\d+)(\D*)$/;

/** A short text for one slot's values, or undefined when only the placeholder says it well. */
export function summariseValues(values: readonly string[]): string | undefined {
  if (values.length === 0) return undefined;
  const frequency = new Map<string, number>();
  for (const v of values) frequency.set(v, (frequency.get(v) ?? 0) + 1);
  const distinct = [...frequency.keys()];
  if (distinct.length === 1) return distinct[0];

  const numbers = distinct.map((v) => NUMBER_WITH_UNIT.exec(v));
  if (numbers.every((m) => m !== null) && new Set(numbers.map((m) => m![2])).size === 1) {
    let low = numbers[0]!;
    let high = numbers[0]!;
    for (const m of numbers) {
      if (Number(m[1]) < Number(low[1])) low = m;
      if (Number(m[1]) > Number(high[1])) high = m;
    }
    return `${low[1]}–${high[1]}${low[2]}`;
  }

  const numbered = distinct.map((v) => NUMBERED.exec(v));
  if (numbered.every((m) => m !== null)) {
    const prefixes = new Set(numbered.map((m) => m![1]));
    const suffixes = new Set(numbered.map((m) => m![3]));
    if (prefixes.size === 1 && suffixes.size === 1) {
      const ns = numbered.map((m) => Number(m![2]));
      return `${numbered[0]![1]}{${Math.min(...ns)}..${Math.max(...ns)}}${numbered[0]![3]}`;
    }
  }

  if (distinct.length <= MAX_LISTED_VALUES) {
    const ranked = distinct.sort((a, b) => frequency.get(b)! - frequency.get(a)! || (a < b ? -1 : 1));
    return `{${ranked.join(',')}}`;
  }
  return undefined;
}
