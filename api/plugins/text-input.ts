// Text PostgreSQL cannot store is refused as a 400 before any handler runs: a NUL character (text and jsonb refuse
// it) or an unpaired UTF-16 surrogate (no UTF-8 encoding; jsonb refuses its escape). Found by `npm run drill:fuzz`,
// where such strings in bodies and query strings reached the database and came back as 500s.
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { UNSTORABLE_TEXT } from '../../db/storable-text.ts';
import { AppError } from '../errors.ts';

// What vendors send is kept instead, with those characters replaced (db/storable-text.ts).
const UNSTORABLE = UNSTORABLE_TEXT;

/** The path of the first string (or object key) in `value` that PostgreSQL cannot store, if any. */
export function unstorableTextPath(value: unknown, path: string[] = [], depth = 0): string[] | undefined {
  if (typeof value === 'string') return UNSTORABLE.test(value) ? path : undefined;
  if (depth > 64 || value === null || typeof value !== 'object') return undefined;
  if (Array.isArray(value)) {
    for (const [i, item] of value.entries()) {
      const found = unstorableTextPath(item, [...path, String(i)], depth + 1);
      if (found) return found;
    }
    return undefined;
  }
  // A raw body (a Buffer, for the webhook routes' signatures) is the route's own business.
  if (ArrayBuffer.isView(value) || value instanceof ArrayBuffer) return undefined;
  for (const [key, item] of Object.entries(value)) {
    if (UNSTORABLE.test(key)) return [...path, key];
    const found = unstorableTextPath(item, [...path, key], depth + 1);
    if (found) return found;
  }
  return undefined;
}

const PARTS = [
  ['params', 'params'],
  ['query', 'query'],
  ['body', 'body'],
] as const;

export const textInput = fp(
  async (app: FastifyInstance) => {
    app.addHook('preValidation', async (request) => {
      for (const [property, part] of PARTS) {
        const found = unstorableTextPath(request[property]);
        if (!found) continue;
        const field = found.join('.');
        const message = `${field ? `${part}.${field}` : part} contains a NUL character or an unpaired surrogate, which cannot be stored`;
        throw new AppError(400, `invalid_${part}`, message, [{ ...(field ? { field } : {}), in: part, message }]);
      }
    });
  },
  { name: 'text-input' },
);
