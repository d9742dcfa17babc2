// Text PostgreSQL cannot store: a NUL character (text and jsonb refuse it) or an unpaired UTF-16 surrogate (it has
// no UTF-8 encoding; jsonb refuses its escape). The API refuses it in what people send (api/plugins/text-input.ts);
// what vendors send (webhooks, imports) is kept, with those characters replaced by U+FFFD.

/** A NUL, a high surrogate not followed by a low one, or a low surrogate not preceded by a high one. */
export const UNSTORABLE_TEXT = /\u0000|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const UNSTORABLE_TEXT_ALL = new RegExp(UNSTORABLE_TEXT.source, 'g');

/** `value` with every unstorable character in its strings and object keys replaced by U+FFFD (a copy only when needed). */
export function storable<T>(value: T, depth = 0): T {
  if (typeof value === 'string') return (UNSTORABLE_TEXT.test(value) ? value.replace(UNSTORABLE_TEXT_ALL, '\uFFFD') : value) as T;
  if (depth > 64 || value === null || typeof value !== 'object' || value instanceof Date || ArrayBuffer.isView(value)) return value;
  if (Array.isArray(value)) return value.map((item) => storable(item, depth + 1)) as T;
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) out[storable(key)] = storable(item, depth + 1);
  return out as T;
}
