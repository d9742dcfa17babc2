// Patterns (clusters) as people read them: by the name a user gave, else the computed label, never a raw id or the
// engine's placeholder tokens. Every page that refers to a pattern goes through here (PatternLink.svelte).
import type { Answer } from '#lib/api/index.ts';

/** A pattern as the API refers to it: `name` null when it no longer exists. */
export type PatternRef = Answer<'/api/runbooks', 'get'>['runbooks'][number]['clusters'][number];

export const GONE_PATTERN = 'a pattern that no longer exists';

/** Placeholder kinds in words, as the readable names spell them ("High CPU on {host}"). */
const WORDS: Record<string, string> = {
  NUM: 'number',
  PCT: 'percent',
  TS: 'time',
  IP: 'address',
  ID: 'id',
  HEX: 'hex',
  URL: 'url',
  EMAIL: 'email',
  UUID: 'id',
  MAC: 'mac',
  POD: 'pod',
  HOST: 'host',
  PATH: 'path',
  DURATION: 'duration',
  SIZE: 'size',
};

/**
 * A label with any of the engine's placeholder tokens still in it (`<HOST>`, `<NUM>`, `<*>`, an account's own
 * `<TICKET>`) made readable: `{host}`, `{number}`, `…`, `{ticket}`; whitespace collapsed. Text is never interpreted
 * as markup (Svelte escapes it), so this is about words only.
 */
export function readableLabel(label: string): string {
  return label
    .replace(/<\*>/g, '…')
    .replace(/<([A-Z][A-Z0-9_]{0,30})>/g, (_, kind: string) => `{${WORDS[kind] ?? kind.toLowerCase().replace(/_/g, ' ')}}`)
    .replace(/(?:…\s*){2,}/g, '… ')
    .replace(/\s+/g, ' ')
    .trim();
}

/** What to call a pattern: its readable name, or words saying it is gone; never its id. */
export function patternName(ref: Pick<PatternRef, 'name'>): string {
  const name = ref.name === null ? '' : readableLabel(ref.name);
  return name || GONE_PATTERN;
}

export const patternHref = (id: string) => `/clusters/${encodeURIComponent(id)}`;

/**
 * A name's slot with its values, in words: "host: web-01, web-07 and 12 more" (the commonest first; all three when
 * there are three). Empty when the slot has no values.
 */
export function slotValues(slot: { name: string; values: { value: string }[]; distinct: number }, show = 2): string {
  const listed = slot.values.slice(0, slot.distinct === show + 1 ? show + 1 : show).map((v) => v.value);
  if (listed.length === 0) return '';
  const more = slot.distinct - listed.length;
  const text = more > 0 ? `${listed.join(', ')} and ${more.toLocaleString('en')} more` : listed.length === 1 ? listed[0]! : `${listed.slice(0, -1).join(', ')} and ${listed[listed.length - 1]}`;
  return `${slot.name}: ${text}`;
}
